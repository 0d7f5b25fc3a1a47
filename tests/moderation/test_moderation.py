"""Moderation: role boundaries, the queue, approving/amending/rejecting, duplicates, areas, history, restore, purge."""

import re
import threading
import time
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import Actor, create_api_key
from app.cli import app as cli
from app.core.db import get_engine
from app.core.errors import Conflict
from app.moderation import service as moderation
from tests.factories import make_asset
from tests.people import browser, csrf_of, make_user, page_token, sign_in

SCRIPT = "<script>alert('x')</script>"
M1 = {"lat": 53.4809, "lon": -2.2374}  # Manchester city centre
LEEDS = {"lat": 53.7997, "lon": -1.5492}


def submit(client, **place: object) -> dict:
    body = {"kind": "new", "place": {"name": "Hulme Knit and Natter", "categories": ["arts-crafts"], **M1, **place}}
    response = client.post("/api/v1/submissions", json=body)
    assert response.status_code == 202, response.text
    return response.json()


def submission_id(session: Session, reference: str) -> uuid.UUID:
    return session.execute(text("SELECT id FROM submission WHERE reference = :r"), {"r": reference}).scalar_one()


@pytest.fixture
def moderator_headers(session: Session) -> dict[str, str]:
    return {"X-API-Key": create_api_key(session, "moderation tool", Role.moderator)[1]}


def nearby_names(client, **where: object) -> list[str]:
    response = client.get("/api/v1/assets/nearby", params={**M1, "radius_m": 2000, **where})
    assert response.status_code == 200
    return [item["name"] for item in response.json()["items"]]


# Who may moderate


def _paths(sid: uuid.UUID, aid: uuid.UUID, eid: int) -> list[tuple[str, str, dict | None]]:
    return [
        ("GET", "/api/v1/moderation/submissions", None),
        ("GET", f"/api/v1/moderation/submissions/{sid}", None),
        (
            "PATCH",
            f"/api/v1/moderation/submissions/{sid}",
            {"proposed": {"name": "x", "categories": ["arts-crafts"], **M1}},
        ),
        ("POST", f"/api/v1/moderation/submissions/{sid}/approve", {}),
        ("POST", f"/api/v1/moderation/submissions/{sid}/reject", {"note": "no"}),
        ("GET", f"/api/v1/assets/{aid}/history", None),
        ("POST", f"/api/v1/assets/{aid}/history/{eid}/restore", None),
        ("GET", "/moderate", None),
        ("GET", f"/moderate/submissions/{sid}", None),
        ("POST", f"/moderate/submissions/{sid}/amend", {"name": "x", "categories": "arts-crafts"}),
        ("POST", f"/moderate/submissions/{sid}/approve", {}),
        ("POST", f"/moderate/submissions/{sid}/reject", {"reason": "no"}),
        ("GET", f"/moderate/assets/{aid}/history", None),
        ("POST", f"/moderate/assets/{aid}/history/{eid}/restore", {}),
        ("POST", f"/api/v1/assets/{aid}/verify", None),
        ("GET", "/moderate/stale", None),
        ("POST", f"/moderate/assets/{aid}/verify", {}),
    ]


@pytest.fixture
def targets(client, session: Session) -> tuple[uuid.UUID, uuid.UUID, int]:
    asset = make_asset(session, name="Central Library")
    entry = session.execute(text("SELECT id FROM asset_history WHERE asset_id = :a"), {"a": asset.id}).scalar_one()
    return submission_id(session, submit(client)["reference"]), asset.id, entry


def _call(
    client, method: str, path: str, body: dict | None, headers: dict[str, str] | None = None, csrf: str | None = None
):
    if path.startswith("/api/"):
        return client.request(method, path, json=body, headers=headers or {})
    form = {**(body or {}), **({"csrf_token": csrf} if csrf else {})}
    return client.request(method, path, data=form if method == "POST" else None, headers=headers or {})


def test_the_public_cannot_moderate(app, session: Session, targets) -> None:
    client = browser(app)
    csrf = page_token(client, "/add")
    for method, path, body in _paths(*targets):
        response = _call(client, method, path, body, csrf=csrf)
        assert response.status_code == 401, (method, path, response.status_code)
    assert session.execute(text("SELECT status FROM submission")).scalar_one() == "pending"


def test_link_workers_and_bad_keys_cannot_moderate(app, session: Session, targets) -> None:
    link_key = create_api_key(session, "gp surgery", Role.link_worker)[1]
    make_user(session, Role.link_worker, "lw@nhs.example")
    web = browser(app)
    sign_in(web, "lw@nhs.example")
    csrf = page_token(web, "/add")  # the link worker's own session token: the refusal is about the role
    for method, path, body in _paths(*targets):
        if path.startswith("/api/"):
            assert _call(web, method, path, body, {"X-API-Key": link_key}).status_code == 403, (method, path)
            assert _call(web, method, path, body, {"X-API-Key": "am_not-a-real-key"}).status_code == 401, (method, path)
            assert _call(web, method, path, body, {"X-CSRF-Token": csrf}).status_code == 403, (method, path)
        else:
            response = _call(web, method, path, body, csrf=csrf)
            assert response.status_code == 403, (method, path, response.status_code)
    assert session.execute(text("SELECT status FROM submission")).scalar_one() == "pending"
    assert session.execute(text("SELECT count(*) FROM asset_history")).scalar_one() == 1


def test_moderation_forms_need_the_csrf_token(app, session: Session, targets) -> None:
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    for method, path, body in _paths(*targets):
        if method == "POST" and not path.startswith("/api/"):
            assert _call(web, method, path, body).status_code == 403, path
    assert session.execute(text("SELECT status FROM submission")).scalar_one() == "pending"


# The queue and decisions


def test_the_queue_lists_pending_submissions_oldest_first_and_filters_by_kind(
    client, session: Session, moderator_headers
) -> None:
    first, second = submit(client, name="First Group"), submit(client, name="Second Group")
    asset = make_asset(session, name="Old Hall")
    client.post("/api/v1/submissions", json={"kind": "report", "asset_id": str(asset.id), "reason": "closed"})
    session.execute(
        text("UPDATE submission SET created_at = now() - interval '1 day' WHERE reference = :r"),
        {"r": second["reference"]},
    )
    session.commit()
    queue = client.get("/api/v1/moderation/submissions", headers=moderator_headers).json()
    assert [i["place_name"] for i in queue["items"]] == ["Second Group", "First Group", "Old Hall"]
    assert queue["total"] == 3 and first["reference"] in {i["reference"] for i in queue["items"]}
    reports = client.get("/api/v1/moderation/submissions", params={"kind": "report"}, headers=moderator_headers).json()
    assert [i["place_name"] for i in reports["items"]] == ["Old Hall"]


def test_approving_a_new_place_publishes_it_with_history(client, session: Session, moderator_headers) -> None:
    sent = submit(client, name="Hulme Knit and Natter", opening_hours_text="Thursdays")
    client.post(
        "/api/v1/submissions",
        json={
            "kind": "new",
            "place": {"name": "Other", "categories": ["arts-crafts"], **M1},
            "submitter": {"name": "Sam Private", "email": "sam.private@example.org", "consent": True},
        },
    )
    sid = submission_id(session, sent["reference"])
    assert "Hulme Knit and Natter" not in nearby_names(client)
    approved = client.post(
        f"/api/v1/moderation/submissions/{sid}/approve", json={"note": "Phoned them"}, headers=moderator_headers
    )
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved" and body["decided_by"].startswith("api-key:") and body["asset_id"]
    asset = client.get(f"/api/v1/assets/{body['asset_id']}").json()
    assert asset["status"] == "published" and asset["last_verified_at"] and asset["opening_hours_text"] == "Thursdays"
    assert "Hulme Knit and Natter" in nearby_names(client)
    history = client.get(f"/api/v1/assets/{body['asset_id']}/history", headers=moderator_headers).json()
    assert [(h["action"], h["submission_id"], h["actor"]) for h in history] == [
        ("create", str(sid), body["decided_by"])
    ]
    assert history[0]["changes"]["name"] == [None, "Hulme Knit and Natter"]
    status = client.get(sent["status_url"]).json()
    assert status["status"] == "approved" and status["asset_id"] == body["asset_id"]
    again = client.post(f"/api/v1/moderation/submissions/{sid}/approve", headers=moderator_headers)
    assert again.status_code == 409
    # the submitter's private details never reach public answers
    public = (
        client.get("/api/v1/assets", params={"bbox": "-2.3,53.4,-2.1,53.6"}).text + client.get(sent["status_url"]).text
    )
    assert "sam.private" not in public and "Sam Private" not in public


def test_approving_an_edit_changes_only_the_proposed_fields(client, session: Session, moderator_headers) -> None:
    asset = make_asset(session, name="Tuesday Singers", phone="0161 000 0000", opening_hours_text="Tuesdays")
    sent = client.post(
        "/api/v1/submissions", json={"kind": "edit", "asset_id": str(asset.id), "changes": {"phone": "0161 234 1983"}}
    ).json()
    sid = submission_id(session, sent["reference"])
    detail = client.get(f"/api/v1/moderation/submissions/{sid}", headers=moderator_headers).json()
    assert detail["current"]["phone"] == "0161 000 0000" and detail["proposed"] == {"phone": "0161 234 1983"}
    assert client.post(f"/api/v1/moderation/submissions/{sid}/approve", headers=moderator_headers).status_code == 200
    after = client.get(f"/api/v1/assets/{asset.id}").json()
    assert after["phone"] == "0161 234 1983" and after["opening_hours_text"] == "Tuesdays" and after["last_verified_at"]
    history = client.get(f"/api/v1/assets/{asset.id}/history", headers=moderator_headers).json()
    assert [h["action"] for h in history] == ["create", "update"]
    assert history[1]["changes"]["phone"] == ["0161 000 0000", "0161 234 1983"]
    assert set(history[1]["changes"]) == {"phone", "last_verified_at"} and history[1]["submission_id"] == str(sid)


def test_approving_a_report_archives_the_place(client, session: Session, moderator_headers) -> None:
    asset = make_asset(session, name="Old Hall Lunch Club", **M1)
    assert "Old Hall Lunch Club" in nearby_names(client)
    sent = client.post(
        "/api/v1/submissions", json={"kind": "report", "asset_id": str(asset.id), "reason": "closed"}
    ).json()
    sid = submission_id(session, sent["reference"])
    assert client.post(f"/api/v1/moderation/submissions/{sid}/approve", headers=moderator_headers).status_code == 200
    assert "Old Hall Lunch Club" not in nearby_names(client)
    assert client.get(f"/api/v1/assets/{asset.id}").status_code == 404
    history = client.get(f"/api/v1/assets/{asset.id}/history", headers=moderator_headers).json()
    assert history[-1]["action"] == "archive" and history[-1]["changes"]["status"] == ["published", "archived"]


def test_a_report_corrected_by_a_moderator_updates_the_place_instead_of_archiving_it(
    client, session: Session, moderator_headers
) -> None:
    asset = make_asset(session, name="Old Hall Lunch Club", address="1 Old Street", phone="0161 000 0000", **M1)
    sent = client.post(
        "/api/v1/submissions", json={"kind": "report", "asset_id": str(asset.id), "reason": "wrong_details"}
    ).json()
    sid = submission_id(session, sent["reference"])
    url = f"/api/v1/moderation/submissions/{sid}"
    bad = client.patch(url, json={"proposed": {"status": "archived"}}, headers=moderator_headers)
    assert bad.status_code == 422  # a correction is changes a resident could propose, not a decision
    fixed = client.patch(url, json={"proposed": {"phone": "0161 234 1983"}}, headers=moderator_headers)
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["proposed"] == {"phone": "0161 234 1983"} and fixed.json()["submitted"] == {}
    assert client.post(f"{url}/approve", headers=moderator_headers).status_code == 200
    after = client.get(f"/api/v1/assets/{asset.id}").json()  # still published
    assert (after["phone"], after["address"]) == ("0161 234 1983", "1 Old Street") and after["last_verified_at"]
    assert "Old Hall Lunch Club" in nearby_names(client)
    history = client.get(f"/api/v1/assets/{asset.id}/history", headers=moderator_headers).json()
    assert history[-1]["action"] == "update" and history[-1]["submission_id"] == str(sid)
    assert history[-1]["changes"]["phone"] == ["0161 000 0000", "0161 234 1983"]


def test_an_approved_new_place_is_not_its_own_duplicate(client, session: Session, moderator_headers) -> None:
    sid = submission_id(session, submit(client, name="Hulme Knit and Natter")["reference"])
    assert client.post(f"/api/v1/moderation/submissions/{sid}/approve", headers=moderator_headers).status_code == 200
    detail = client.get(f"/api/v1/moderation/submissions/{sid}", headers=moderator_headers).json()
    assert detail["duplicates"] == []
    approved = client.get("/api/v1/moderation/submissions", params={"status": "approved"}, headers=moderator_headers)
    assert [i["possible_duplicate"] for i in approved.json()["items"]] == [False]


def test_an_edit_that_would_clear_the_name_or_clash_with_the_kept_age_is_refused_when_sent(
    client, session: Session, moderator_headers
) -> None:
    asset = make_asset(session, name="Tuesday Singers", min_age=65, **M1)
    for changes, field in (({"name": None}, "changes.name"), ({"max_age": 60}, "changes.max_age")):
        sent = client.post("/api/v1/submissions", json={"kind": "edit", "asset_id": str(asset.id), "changes": changes})
        assert sent.status_code == 422, sent.text
        assert sent.json()["errors"][0]["field"] == field
    assert "minimum age (65)" in sent.json()["errors"][0]["message"]
    admin = client.patch(f"/api/v1/assets/{asset.id}", json={"name": None}, headers=moderator_headers)
    assert admin.status_code in (403, 422)  # never a 500
    cleared = client.post(
        "/api/v1/submissions", json={"kind": "edit", "asset_id": str(asset.id), "changes": {"description": None}}
    )
    assert cleared.status_code == 202  # an empty description is allowed: it is stored as ""


def test_amending_on_the_web_keeps_what_the_form_cannot_show(app, client, session: Session, moderator_headers) -> None:
    sent = client.post(
        "/api/v1/submissions",
        json={"kind": "new", "place": {
            "name": "Knit n natter", "categories": ["arts-crafts"], **M1, "tags": ["knitting"], "languages": ["cy"],
            "organisation": {"name": "Hulme Crafters", "website": "https://crafters.example.org"},
        }},
    ).json()
    sid = submission_id(session, sent["reference"])
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    page = web.get(f"/moderate/submissions/{sid}").text
    form = {
        "csrf_token": csrf_of(page), "name": "Hulme Knit and Natter", "categories": "arts-crafts",
        "organisation": "Hulme Crafters", "lat": str(M1["lat"]), "lon": str(M1["lon"]), "languages": "cy, Polish",
    }
    assert web.post(f"/moderate/submissions/{sid}/amend", data=form).status_code == 200
    proposed = session.execute(text("SELECT proposed FROM submission WHERE id = :id"), {"id": sid}).scalar_one()
    assert proposed["name"] == "Hulme Knit and Natter"
    assert (proposed["tags"], proposed["languages"]) == (["knitting"], ["cy", "Polish"])  # tags kept, languages amended
    assert proposed["organisation"]["website"] == "https://crafters.example.org"


def test_rejecting_needs_a_reason_that_the_submitter_can_read(client, session: Session, moderator_headers) -> None:
    sent = submit(client)
    sid = submission_id(session, sent["reference"])
    assert (
        client.post(
            f"/api/v1/moderation/submissions/{sid}/reject", json={"note": ""}, headers=moderator_headers
        ).status_code
        == 422
    )
    rejected = client.post(
        f"/api/v1/moderation/submissions/{sid}/reject", json={"note": "A private business"}, headers=moderator_headers
    )
    assert rejected.status_code == 200
    status = client.get(sent["status_url"]).json()
    assert status["status"] == "rejected" and status["decision_note"] == "A private business"
    assert session.execute(text("SELECT count(*) FROM asset")).scalar_one() == 0
    assert client.post(f"/api/v1/moderation/submissions/{sid}/approve", headers=moderator_headers).status_code == 409


def test_amendments_are_validated_and_used_on_approval(client, session: Session, moderator_headers) -> None:
    sent = submit(client, name="Knit n natter", website="http://knit.example.org")
    sid = submission_id(session, sent["reference"])
    url = f"/api/v1/moderation/submissions/{sid}"
    bad = client.patch(
        url,
        json={"proposed": {"name": "x", "categories": ["arts-crafts"], **M1, "website": "javascript:alert(1)"}},
        headers=moderator_headers,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "proposed.website"
    fixed = {
        "name": "Hulme Knit and Natter",
        "categories": ["arts-crafts"],
        "postcode": "M15 5DD",
        "website": "https://knit.example.org",
    }
    amended = client.patch(url, json={"proposed": fixed}, headers=moderator_headers)
    assert amended.status_code == 200, amended.text
    assert amended.json()["submitted"]["name"] == "Knit n natter" and amended.json()["amended_by"].startswith(
        "api-key:"
    )
    asset_id = client.post(f"{url}/approve", headers=moderator_headers).json()["asset_id"]
    asset = client.get(f"/api/v1/assets/{asset_id}").json()
    assert (
        asset["name"] == "Hulme Knit and Natter"
        and asset["postcode"] == "M15 5DD"
        and asset["website"] == "https://knit.example.org"
    )


# Duplicates


def test_likely_duplicates_are_flagged_side_by_side(app, client, session: Session, moderator_headers) -> None:
    existing = make_asset(
        session, name="Hulme Knitting and Natter Group", address="Hulme Library", lat=53.4815, lon=-2.2374
    )
    make_asset(session, name="Hulme Knit and Natter", lat=53.4900, lon=-2.2374)  # 1 km away: not a duplicate
    make_asset(session, name="Central Library", lat=53.4810, lon=-2.2374)  # next door, different name
    dup = submission_id(session, submit(client, name="Hulme Knit and Natter")["reference"])
    twin = submission_id(session, submit(client, name="Hulme Knit & Natter")["reference"])
    unique = submission_id(session, submit(client, name="Ardwick Chess Club")["reference"])
    queue = client.get("/api/v1/moderation/submissions", headers=moderator_headers).json()["items"]
    assert {i["id"]: i["possible_duplicate"] for i in queue} == {str(dup): True, str(twin): True, str(unique): False}
    found = client.get(f"/api/v1/moderation/submissions/{dup}", headers=moderator_headers).json()["duplicates"]
    assert [(d["source"], d["id"]) for d in found] == [("asset", str(existing.id)), ("submission", str(twin))]
    assert 60 < found[0]["distance_m"] < 75 and found[0]["similarity"] >= 0.3
    assert client.get(f"/api/v1/moderation/submissions/{unique}", headers=moderator_headers).json()["duplicates"] == []
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    page = web.get(f"/moderate/submissions/{dup}").text
    assert (
        "Possible duplicates" in page
        and "Existing: Hulme Knitting and Natter Group" in page
        and "Hulme Library" in page
    )
    assert "Possible duplicate" in web.get("/moderate").text


# Escaping on the moderation screens


def test_script_payloads_in_every_field_are_escaped_on_the_moderation_screens(app, client, session: Session) -> None:
    place = {
        "name": SCRIPT,
        "description": SCRIPT,
        "organisation": {"name": SCRIPT},
        "address": SCRIPT,
        "opening_hours_text": SCRIPT,
        "cost_description": SCRIPT,
        "audience": SCRIPT,
        "phone": SCRIPT[:40],
        "tags": [SCRIPT],
        "languages": [SCRIPT],
        "schedule": [{"day": "mon", "opens": "10:00", "closes": "11:00", "note": SCRIPT}],
    }
    sent = client.post(
        "/api/v1/submissions",
        json={
            "kind": "new",
            "place": {**place, "categories": ["arts-crafts"], **M1},
            "note": SCRIPT,
            "submitter": {"name": SCRIPT, "email": "x@example.org", "consent": True},
        },
    )
    assert sent.status_code == 202, sent.text
    asset = make_asset(session, name="Target")
    edit = client.post(
        "/api/v1/submissions", json={"kind": "edit", "asset_id": str(asset.id), "changes": place, "note": SCRIPT}
    )
    report = client.post(
        "/api/v1/submissions", json={"kind": "report", "asset_id": str(asset.id), "reason": "other", "note": SCRIPT}
    )
    assert edit.status_code == 202 and report.status_code == 202
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    pages = [web.get("/moderate").text]
    for ref in (sent, edit, report):
        sid = submission_id(session, ref.json()["reference"])
        pages.append(web.get(f"/moderate/submissions/{sid}").text)
    sid = submission_id(session, sent.json()["reference"])
    csrf = csrf_of(pages[1])
    assert web.post(f"/moderate/submissions/{sid}/approve", data={"csrf_token": csrf}).status_code == 200
    asset_id = session.execute(text("SELECT asset_id FROM submission WHERE id = :id"), {"id": sid}).scalar_one()
    pages.append(web.get(f"/moderate/assets/{asset_id}/history").text)
    for html in pages:
        assert "<script>alert" not in html
    assert all("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html for html in pages)
    assert pages[1].count("&lt;script&gt;") >= 10  # every field of the new place, the note and the submitter's name


# Moderating on the web


def test_a_moderator_works_the_queue_on_the_web(app, client, session: Session) -> None:
    sid = submission_id(session, submit(client, name="Knit n natter")["reference"])
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    page = web.get(f"/moderate/submissions/{sid}")
    assert "Knit n natter" in page.text and "Approve and publish" in page.text
    csrf = csrf_of(page.text)
    bad = web.post(
        f"/moderate/submissions/{sid}/amend", data={"csrf_token": csrf, "name": "", "categories": "arts-crafts", **M1}
    )
    assert bad.status_code == 422 and 'id="name-error"' in bad.text
    amended = web.post(
        f"/moderate/submissions/{sid}/amend",
        data={
            "csrf_token": csrf,
            "name": "Hulme Knit and Natter",
            "categories": "arts-crafts",
            "lat": "53.4809",
            "lon": "-2.2374",
        },
    )
    assert amended.status_code == 200 and "Amended" in amended.text
    done = web.post(f"/moderate/submissions/{sid}/approve", data={"csrf_token": csrf})
    assert done.status_code == 200 and "Approved" in done.text
    assert "Hulme Knit and Natter" in nearby_names(client)
    actor = session.execute(text("SELECT actor FROM asset_history")).scalar_one()
    assert actor.startswith("user:") and "mod@council.example" in actor
    no_reason = web.post(f"/moderate/submissions/{sid}/reject", data={"csrf_token": csrf, "reason": ""})
    assert no_reason.status_code == 422


# Council areas


def test_moderators_only_see_submissions_in_their_areas(app, client, session: Session, councils) -> None:
    manchester = submission_id(session, submit(client, name="Manchester Group")["reference"])
    leeds = submission_id(session, submit(client, name="Leeds Group", **LEEDS)["reference"])
    make_user(session, Role.moderator, "mcr@council.example", areas=["E08000003"])
    web = browser(app)
    sign_in(web, "mcr@council.example")
    queue = web.get("/api/v1/moderation/submissions").json()
    assert [i["place_name"] for i in queue["items"]] == ["Manchester Group"]
    assert web.get(f"/api/v1/moderation/submissions/{leeds}").status_code == 403
    assert web.get(f"/moderate/submissions/{leeds}").status_code == 403
    queue_page = web.get("/moderate").text
    assert "Manchester Group" in queue_page and "Leeds Group" not in queue_page
    assert "Manchester (E08000003)" in queue_page and "Leeds (E08000035)" not in queue_page
    assert web.get("/api/v1/moderation/submissions", params={"area": "E08000035"}).status_code == 403
    csrf = csrf_of(web.get("/moderate").text)
    assert web.post(f"/moderate/submissions/{leeds}/approve", data={"csrf_token": csrf}).status_code == 403
    assert web.post(f"/moderate/submissions/{manchester}/approve", data={"csrf_token": csrf}).status_code == 200
    assert (
        session.execute(text("SELECT status FROM submission WHERE id = :id"), {"id": leeds}).scalar_one() == "pending"
    )
    # a moderator without areas sees everything, and can filter by area
    headers = {"X-API-Key": create_api_key(session, "all areas", Role.moderator)[1]}
    everything = client.get("/api/v1/moderation/submissions", params={"status": "pending"}, headers=headers).json()
    assert [i["place_name"] for i in everything["items"]] == ["Leeds Group"]
    in_leeds = client.get("/api/v1/moderation/submissions", params={"area": "e08000035"}, headers=headers).json()
    assert [i["place_name"] for i in in_leeds["items"]] == ["Leeds Group"]
    unknown = client.get("/api/v1/moderation/submissions", params={"area": "E99999999"}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "area"


def test_area_moderators_see_and_act_on_places_in_their_areas_only(app, client, session: Session, councils) -> None:
    leeds_place = make_asset(session, name="Leeds Lunch Club", **LEEDS)
    manchester_place = make_asset(session, name="Manchester Lunch Club", **M1)
    make_user(session, Role.moderator, "mcr@council.example", areas=["E08000003"])
    web = browser(app)
    sign_in(web, "mcr@council.example")
    assert web.get(f"/api/v1/assets/{leeds_place.id}/history").status_code == 403
    assert web.get(f"/moderate/assets/{leeds_place.id}/history").status_code == 403
    csrf = csrf_of(web.get("/moderate").text)
    assert web.post(f"/moderate/assets/{leeds_place.id}/archive", data={"csrf_token": csrf}).status_code == 403
    assert client.get(f"/api/v1/assets/{leeds_place.id}").status_code == 200  # untouched
    assert web.get(f"/moderate/assets/{manchester_place.id}/history").status_code == 200


# History and restore


def test_restoring_a_version_is_recorded(client, session: Session, moderator_headers, admin_headers) -> None:
    asset = make_asset(session, name="Tuesday Singers", phone="0161 000 0000", categories=["choirs-music"])
    client.patch(
        f"/api/v1/assets/{asset.id}",
        json={"name": "Wednesday Singers", "phone": None, "categories": ["arts-crafts"]},
        headers=admin_headers,
    )
    client.delete(f"/api/v1/assets/{asset.id}", headers=admin_headers)
    history = client.get(f"/api/v1/assets/{asset.id}/history", headers=moderator_headers).json()
    assert [h["action"] for h in history] == ["create", "update", "archive"]
    assert history[1]["actor"].startswith("api-key:") and history[1]["changes"]["phone"] == ["0161 000 0000", None]
    restored = client.post(f"/api/v1/assets/{asset.id}/history/{history[0]['id']}/restore", headers=moderator_headers)
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert (body["name"], body["phone"], body["categories"], body["status"]) == (
        "Tuesday Singers",
        "0161 000 0000",
        ["choirs-music"],
        "published",
    )
    latest = client.get(f"/api/v1/assets/{asset.id}/history", headers=moderator_headers).json()[-1]
    assert latest["action"] == "restore" and latest["changes"]["status"] == ["archived", "published"]
    assert latest["snapshot"]["name"] == "Tuesday Singers"
    other = make_asset(session)
    assert (
        client.post(
            f"/api/v1/assets/{other.id}/history/{history[0]['id']}/restore", headers=moderator_headers
        ).status_code
        == 404
    )


def test_restore_from_the_history_page(app, client, session: Session, admin_headers) -> None:
    asset = make_asset(session, name="Tuesday Singers")
    client.patch(f"/api/v1/assets/{asset.id}", json={"name": "Renamed"}, headers=admin_headers)
    first = session.execute(text("SELECT min(id) FROM asset_history")).scalar_one()
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    page = web.get(f"/moderate/assets/{asset.id}/history")
    assert page.text.count("Restore this version") == 1  # not offered for the current version
    done = web.post(f"/moderate/assets/{asset.id}/history/{first}/restore", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 200 and "Restore," in done.text
    assert client.get(f"/api/v1/assets/{asset.id}").json()["name"] == "Tuesday Singers"


def test_a_moderator_archives_a_closed_place_and_a_restore_brings_it_back(
    app, client, session: Session, moderator_headers
) -> None:
    asset = make_asset(session, name="Old Hall Lunch Club", **M1)
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    page = web.get(f"/moderate/assets/{asset.id}/history").text
    assert "It has closed: archive it" in page
    done = web.post(f"/moderate/assets/{asset.id}/archive", data={"csrf_token": csrf_of(page)})
    assert done.status_code == 200 and "It has closed: archive it" not in done.text  # already archived
    assert "Old Hall Lunch Club" not in nearby_names(client)
    history = client.get(f"/api/v1/assets/{asset.id}/history", headers=moderator_headers).json()
    assert history[-1]["action"] == "archive" and history[-1]["actor"].startswith("user:")
    restored = client.post(
        f"/api/v1/assets/{asset.id}/history/{history[0]['id']}/restore", headers=moderator_headers
    )
    assert restored.status_code == 200 and restored.json()["status"] == "published"
    assert client.post(f"/api/v1/assets/{asset.id}/archive", headers=moderator_headers).json()["status"] == "archived"


def test_history_for_an_unknown_asset_is_404(client, moderator_headers) -> None:
    assert client.get(f"/api/v1/assets/{uuid.uuid4()}/history", headers=moderator_headers).status_code == 404


# Privacy


def test_purge_deletes_private_details_of_decided_submissions_after_retention(
    client, session: Session, moderator_headers
) -> None:
    from typer.testing import CliRunner

    who = {"name": "Sam Private", "email": "sam.private@example.org", "consent": True}
    refs = [
        client.post(
            "/api/v1/submissions",
            json={
                "kind": "new",
                "place": {"name": n, "categories": ["arts-crafts"], **M1},
                "note": "call me",
                "submitter": who,
            },
        ).json()["reference"]
        for n in ("Old decided", "Recent decided", "Still pending")
    ]
    for ref in refs[:2]:
        client.post(
            f"/api/v1/moderation/submissions/{submission_id(session, ref)}/reject",
            json={"note": "no"},
            headers=moderator_headers,
        )
    session.execute(
        text("UPDATE submission SET decided_at = now() - interval '100 days' WHERE reference = :r"), {"r": refs[0]}
    )
    session.commit()
    result = CliRunner().invoke(cli, ["purge-submissions", "--days", "90"])
    assert result.exit_code == 0 and "1 decided submission" in result.output, result.output
    rows = session.execute(
        text("SELECT reference, submitter_name, submitter_email, note, purged_at IS NOT NULL FROM submission")
    ).all()
    by_ref = {r[0]: tuple(r[1:]) for r in rows}
    assert by_ref[refs[0]] == (None, None, None, True)
    assert by_ref[refs[1]] == ("Sam Private", "sam.private@example.org", "call me", False)
    assert by_ref[refs[2]] == ("Sam Private", "sam.private@example.org", "call me", False)
    detail = client.get(
        f"/api/v1/moderation/submissions/{submission_id(session, refs[0])}", headers=moderator_headers
    ).json()
    assert detail["submitter"] is None and detail["status"] == "rejected"


def test_a_moderator_amends_a_suggested_change_on_the_web(app, client, session: Session) -> None:
    asset = make_asset(session, name="Tuesday Singers", phone="0161 000 0000", opening_hours_text="Tuesdays")
    sent = client.post(
        "/api/v1/submissions",
        json={"kind": "edit", "asset_id": str(asset.id), "changes": {"phone": "0161 234 198"}},
    ).json()
    sid = submission_id(session, sent["reference"])
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    page = web.get(f"/moderate/submissions/{sid}")
    assert 'value="0161 234 198"' in page.text and 'value="Tuesday Singers"' in page.text  # current values with the proposal
    form = {
        "csrf_token": csrf_of(page.text), "name": "Tuesday Singers", "categories": "community-centres",
        "lat": str(asset.lat), "lon": str(asset.lon), "opening_hours_text": "Tuesdays 10am to 12pm", "phone": "0161 234 1983",
    }
    assert web.post(f"/moderate/submissions/{sid}/amend", data=form).status_code == 200
    proposed, submitted = session.execute(text("SELECT proposed, submitted FROM submission")).one()
    assert proposed == {"phone": "0161 234 1983", "opening_hours_text": "Tuesdays 10am to 12pm"}
    assert submitted == {"phone": "0161 234 198"}
    web.post(f"/moderate/submissions/{sid}/approve", data={"csrf_token": form["csrf_token"]})
    after = client.get(f"/api/v1/assets/{asset.id}").json()
    assert (after["phone"], after["opening_hours_text"]) == ("0161 234 1983", "Tuesdays 10am to 12pm")


def test_a_report_that_a_place_has_moved_offers_a_correction_on_the_web(app, client, session: Session) -> None:
    asset = make_asset(session, name="Tuesday Singers", address="1 Old Street", postcode="M1 1AE", **M1)
    closed = client.post("/api/v1/submissions", json={"kind": "report", "asset_id": str(asset.id), "reason": "closed"})
    moved = client.post("/api/v1/submissions", json={"kind": "report", "asset_id": str(asset.id), "reason": "moved"})
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    closed_page = web.get(f"/moderate/submissions/{submission_id(session, closed.json()['reference'])}").text
    assert "Approve: archive this place" in closed_page and '<details class="amend">' in closed_page  # closed
    sid = submission_id(session, moved.json()["reference"])
    page = web.get(f"/moderate/submissions/{sid}").text
    assert '<details class="amend" open>' in page and "Correct the place instead of archiving it" in page
    assert 'value="Tuesday Singers"' in page and 'value="1 Old Street"' in page  # the form holds the place as it is
    form = {
        "csrf_token": csrf_of(page), "name": "Tuesday Singers", "categories": "community-centres",
        "address": "2 New Street", "lat": str(asset.lat), "lon": str(asset.lon), "postcode": "M1 1AE",
    }
    corrected = web.post(f"/moderate/submissions/{sid}/amend", data=form)
    assert corrected.status_code == 200 and "Current and corrected" in corrected.text
    assert "Approve the correction" in corrected.text and "Approve: archive this place" not in corrected.text
    assert session.execute(text("SELECT proposed FROM submission WHERE id = :id"), {"id": sid}).scalar_one() == {
        "address": "2 New Street"
    }
    web.post(f"/moderate/submissions/{sid}/approve", data={"csrf_token": form["csrf_token"]})
    assert client.get(f"/api/v1/assets/{asset.id}").json()["address"] == "2 New Street"


def test_moderation_screens_show_times_in_uk_time(app, client, session: Session) -> None:
    sid = submission_id(session, submit(client, name="Summer Choir")["reference"])
    session.execute(text("UPDATE submission SET created_at = '2026-06-02 09:30:00+00' WHERE id = :id"), {"id": sid})
    session.commit()
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    for path in ("/moderate", f"/moderate/submissions/{sid}"):
        assert "2 June 2026, 10:30" in web.get(path).text  # British Summer Time, not UTC


def test_a_new_postcode_without_a_position_shows_where_approval_moves_the_place(
    app, client, session: Session
) -> None:
    asset = make_asset(session, name="Tuesday Singers", postcode="M1 2AA", lat=53.4900, lon=-2.2312)  # pinned
    sent = client.post(
        "/api/v1/submissions", json={"kind": "edit", "asset_id": str(asset.id), "changes": {"postcode": "m1 1ae"}}
    ).json()
    phone = client.post(
        "/api/v1/submissions", json={"kind": "edit", "asset_id": str(asset.id), "changes": {"phone": "0161 000 0001"}}
    ).json()
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    page = web.get(f"/moderate/submissions/{submission_id(session, sent['reference'])}").text
    assert re.search(r"Approving moves the place to the centre of M1 1AE, (\d+) m from where it is now", page)
    form = {"csrf_token": csrf_of(page), "name": "Tuesday Singers", "categories": "community-centres",
            "postcode": "M1 1AE", "lat": str(asset.lat), "lon": str(asset.lon)}
    amended = web.post(f"/moderate/submissions/{submission_id(session, sent['reference'])}/amend", data=form).text
    assert "Approving moves" not in amended  # the amendment keeps the position its form showed
    assert "Approving moves" not in web.get(f"/moderate/submissions/{submission_id(session, phone['reference'])}").text


def test_two_moderators_cannot_both_approve_the_same_submission(client, session: Session) -> None:
    sid = submission_id(session, submit(client)["reference"])
    first_actor, second_actor = Actor("user:1 (a)", Role.moderator), Actor("user:2 (b)", Role.moderator)
    outcome: dict[str, str] = {}

    def second() -> None:
        with Session(get_engine()) as other:
            try:
                moderation.approve(other, second_actor, sid)
                outcome["second"] = "approved"
            except Conflict:
                outcome["second"] = "conflict"

    with Session(get_engine()) as first:
        moderation.visible_submission(first, first_actor, sid, lock=True)  # the first moderator holds the row
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive()  # the second waits for the first to finish
        moderation.approve(first, first_actor, sid)
    thread.join(10)
    assert outcome == {"second": "conflict"}
    assert session.execute(text("SELECT count(*) FROM asset")).scalar_one() == 1
    assert session.execute(text("SELECT decided_by FROM submission")).scalar_one() == "user:1 (a)"


# Council areas at decision time (issue 12, item 1)


def _area_moderator(app, session: Session) -> tuple[object, dict[str, str]]:
    make_user(session, Role.moderator, "mcr@council.example", areas=["E08000003"])
    web = browser(app)
    sign_in(web, "mcr@council.example")
    return web, {"X-CSRF-Token": csrf_of(web.get("/moderate").text)}


def _submission_row(session: Session, sid: uuid.UUID) -> dict:
    session.expire_all()
    sql = "SELECT status, proposed, amended_by, ST_Y(location::geometry) AS lat FROM submission WHERE id = :id"
    return dict(session.execute(text(sql), {"id": sid}).mappings().one())


def test_an_area_moderator_cannot_amend_a_new_place_into_another_council(app, client, session: Session, councils) -> None:
    web, csrf = _area_moderator(app, session)
    sid = submission_id(session, submit(client, name="Moving Group")["reference"])
    before = _submission_row(session, sid)
    for proposed in (
        {"name": "Moving Group", "categories": ["arts-crafts"], **LEEDS},
        {"name": "Moving Group", "categories": ["arts-crafts"], "postcode": "S1 1AA"},  # Sheffield, by postcode
    ):
        moved = web.patch(f"/api/v1/moderation/submissions/{sid}", json={"proposed": proposed}, headers=csrf)
        assert moved.status_code == 403, moved.text
        assert "outside the council areas you moderate" in moved.json()["detail"]
        assert _submission_row(session, sid) == before  # nothing saved
    # on the web, the refusal is shown on the form and nothing is saved either
    form = {"csrf_token": csrf["X-CSRF-Token"], "name": "Moving Group", "categories": "arts-crafts",
            "lat": str(LEEDS["lat"]), "lon": str(LEEDS["lon"])}
    page = web.post(f"/moderate/submissions/{sid}/amend", data=form)
    assert page.status_code in (403, 422) and "outside the council areas you moderate" in page.text
    assert _submission_row(session, sid) == before
    # within the council, amending and approving work
    inside = {"name": "Moving Group", "categories": ["arts-crafts"], "lat": 53.47, "lon": -2.24}
    assert web.patch(f"/api/v1/moderation/submissions/{sid}", json={"proposed": inside}, headers=csrf).status_code == 200
    assert web.post(f"/api/v1/moderation/submissions/{sid}/approve", headers=csrf).status_code == 200


def test_an_area_moderator_cannot_approve_a_submission_that_was_amended_into_another_council(
    app, client, session: Session, councils, moderator_headers
) -> None:
    web, csrf = _area_moderator(app, session)
    sid = submission_id(session, submit(client, name="Moving Group")["reference"])
    leeds = {"name": "Moving Group", "categories": ["arts-crafts"], **LEEDS}
    amended = client.patch(f"/api/v1/moderation/submissions/{sid}", json={"proposed": leeds}, headers=moderator_headers)
    assert amended.status_code == 200  # a moderator of every area may
    assert web.post(f"/api/v1/moderation/submissions/{sid}/approve", headers=csrf).status_code == 403
    assert web.post(f"/api/v1/moderation/submissions/{sid}/reject", json={"note": "no"}, headers=csrf).status_code == 403
    assert _submission_row(session, sid)["status"] == "pending"
    assert session.execute(text("SELECT count(*) FROM asset")).scalar_one() == 0


def test_an_area_moderator_cannot_approve_an_edit_of_a_place_since_moved_into_another_council(
    app, client, session: Session, councils, admin_headers
) -> None:
    web, csrf = _area_moderator(app, session)
    place = make_asset(session, name="Wandering Lunch Club", phone="0161 000 0000", **M1)
    body = {"kind": "edit", "asset_id": str(place.id), "changes": {"phone": "0161 111 2222"}}
    sid = submission_id(session, client.post("/api/v1/submissions", json=body).json()["reference"])
    assert client.patch(f"/api/v1/assets/{place.id}", json=LEEDS, headers=admin_headers).status_code == 200
    approve = web.post(f"/api/v1/moderation/submissions/{sid}/approve", headers=csrf)
    assert approve.status_code == 403, approve.text
    assert web.post(f"/moderate/submissions/{sid}/approve", data={"csrf_token": csrf["X-CSRF-Token"]}).status_code == 403
    changes = {"proposed": {"phone": "0161 333 4444"}}
    assert web.patch(f"/api/v1/moderation/submissions/{sid}", json=changes, headers=csrf).status_code == 403
    assert _submission_row(session, sid)["status"] == "pending"
    assert _submission_row(session, sid)["proposed"] == {"phone": "0161 111 2222"}
    assert client.get(f"/api/v1/assets/{place.id}").json()["phone"] == "0161 000 0000"


def test_an_area_moderator_cannot_approve_an_edit_that_moves_a_place_into_another_council(
    app, client, session: Session, councils
) -> None:
    web, csrf = _area_moderator(app, session)
    place = make_asset(session, name="Wandering Lunch Club", **M1)
    for changes in (LEEDS, {"postcode": "S1 1AA"}):
        body = {"kind": "edit", "asset_id": str(place.id), "changes": changes}
        sid = submission_id(session, client.post("/api/v1/submissions", json=body).json()["reference"])
        assert web.post(f"/api/v1/moderation/submissions/{sid}/approve", headers=csrf).status_code == 403
        assert _submission_row(session, sid)["status"] == "pending"
    now = client.get(f"/api/v1/assets/{place.id}").json()
    assert (now["lat"], now["lon"]) == (pytest.approx(M1["lat"]), pytest.approx(M1["lon"]))


def test_an_area_moderator_cannot_restore_a_version_in_another_council(
    app, client, session: Session, councils, admin_headers
) -> None:
    web, csrf = _area_moderator(app, session)
    place = make_asset(session, name="Wandering Lunch Club", **LEEDS)
    first = session.execute(text("SELECT id FROM asset_history WHERE asset_id = :a"), {"a": place.id}).scalar_one()
    assert client.patch(f"/api/v1/assets/{place.id}", json=M1, headers=admin_headers).status_code == 200
    assert web.get(f"/api/v1/assets/{place.id}/history").status_code == 200  # it is in Manchester now
    restore = web.post(f"/api/v1/assets/{place.id}/history/{first}/restore", headers=csrf)
    assert restore.status_code == 403, restore.text
    page = web.post(f"/moderate/assets/{place.id}/history/{first}/restore", data={"csrf_token": csrf["X-CSRF-Token"]})
    assert page.status_code == 403
    now = client.get(f"/api/v1/assets/{place.id}").json()
    assert now["lat"] == pytest.approx(M1["lat"])
    assert session.execute(text("SELECT count(*) FROM asset_history WHERE asset_id = :a"), {"a": place.id}).scalar_one() == 2


def test_the_duplicates_panel_keeps_to_an_area_moderators_councils(
    app, client, session: Session, councils, moderator_headers
) -> None:
    """Issue 12, item 6: a pending submission just across the border is not shown to a moderator of this council."""
    manchester = submission_id(session, submit(client, name="Cheetham Hill Walkers", lat=53.50153, lon=-2.25293)["reference"])
    salford = submission_id(session, submit(client, name="Cheetham Hill Walkers", lat=53.50153, lon=-2.25393)["reference"])
    also_here = submission_id(session, submit(client, name="Cheetham Hill Walkers", lat=53.50163, lon=-2.25283)["reference"])
    everywhere = client.get(f"/api/v1/moderation/submissions/{manchester}", headers=moderator_headers).json()
    assert {d["id"] for d in everywhere["duplicates"]} == {str(salford), str(also_here)}
    web, _ = _area_moderator(app, session)
    found = web.get(f"/api/v1/moderation/submissions/{manchester}").json()["duplicates"]
    assert [d["id"] for d in found] == [str(also_here)]
    page = web.get(f"/moderate/submissions/{manchester}")
    assert page.status_code == 200 and page.text.count("Cheetham Hill Walkers") >= 1
    assert str(salford) not in page.text


# The same place from two sources (issue 12, item 12)

GP_MAPPING = """\
source: gpfile
external_id: code
fields:
  name: name
  postcode: postcode
  lat: lat
  lon: lon
  phone: phone
categories: gp-practices
"""


def _gp_file(tmp_path, name: str = "Oakham Medical Practice", phone: str = "01572 722621"):
    from app.imports.readers import import_file

    (tmp_path / "gp.csv").write_text(f"code,name,postcode,lat,lon,phone\nC82040,{name},M1 1AE,53.48100,-2.23700,{phone}\n")
    (tmp_path / "gp.yaml").write_text(GP_MAPPING)
    return import_file("csv", tmp_path / "gp.csv", tmp_path / "gp.yaml")


def _osm_file(tmp_path, name: str = "Oakham Medical Practice"):
    from app.imports.osm import import_osm

    (tmp_path / "osm.csv").write_text(f"osm_type,osm_id,name,amenity,lat,lon\nway,42,{name},doctors,53.48130,-2.23710\n")
    return import_osm(tmp_path / "osm.csv")


def _source_ids(session: Session, asset_id) -> set[tuple[str, str]]:
    sql = "SELECT source, external_id FROM asset_source_id WHERE asset_id = :id"
    return {tuple(r) for r in session.execute(text(sql), {"id": asset_id}).all()}


def test_imports_flag_the_same_place_from_another_source_and_a_moderator_merges_them(client, session, tmp_path, moderator_headers) -> None:
    _gp_file(tmp_path)
    run = _osm_file(tmp_path)
    assert run.counts["created"] == 1 and "1 possible duplicate" in run.message, run.message
    listed = client.get("/api/v1/moderation/duplicates", headers=moderator_headers)
    assert listed.status_code == 200, listed.text
    [pair] = listed.json()["items"]
    by_source = {pair["first"]["source"]: pair["first"], pair["second"]["source"]: pair["second"]}
    gp, osm = by_source["gpfile"], by_source["osm"]
    assert gp["name"] == osm["name"] == "Oakham Medical Practice" and 30 < pair["distance_m"] < 40 and pair["similarity"] == 1
    assert client.get("/api/v1/moderation/duplicates").status_code == 401

    merged = client.post("/api/v1/moderation/duplicates/merge", json={"keep": gp["id"], "merge": osm["id"]}, headers=moderator_headers)
    assert merged.status_code == 200, merged.text
    assert _source_ids(session, uuid.UUID(gp["id"])) == {("gpfile", "C82040"), ("osm", "way/42")}
    gone = client.get(f"/api/v1/assets/{osm['id']}/history", headers=moderator_headers).json()
    kept = client.get(f"/api/v1/assets/{gp['id']}/history", headers=moderator_headers).json()
    assert gone[-1]["action"] == kept[-1]["action"] == "merge"
    assert gone[-1]["snapshot"]["status"] == "archived" and gone[-1]["snapshot"]["merged_into"] == gp["id"]
    assert "merged_from" in kept[-1]["changes"] or "identifiers" in kept[-1]["changes"]
    assert client.get("/api/v1/moderation/duplicates", headers=moderator_headers).json()["items"] == []
    assert client.get(f"/api/v1/assets/{osm['id']}").status_code == 404
    # Restoring the merged-away place as it was before would list it twice: refused, nothing changed.
    refused = client.post(f"/api/v1/assets/{osm['id']}/history/{gone[0]['id']}/restore", headers=moderator_headers)
    assert refused.status_code == 409 and "merged into" in refused.json()["detail"], refused.text
    assert client.get(f"/api/v1/assets/{osm['id']}").status_code == 404

    # Later imports of either source update the one place that is left.
    assert _osm_file(tmp_path, "Oakham Medical Practice (Surgery)").counts == {"updated": 1}
    assert _gp_file(tmp_path, phone="01572 000000").counts == {"updated": 1}
    place = client.get(f"/api/v1/assets/{gp['id']}").json()
    assert (place["name"], place["phone"]) == ("Oakham Medical Practice (Surgery)", "01572 000000")
    assert session.execute(text("SELECT count(*) FROM asset WHERE status = 'published'")).scalar_one() == 1


def test_a_moderator_says_two_places_are_not_the_same(client, session, tmp_path, moderator_headers) -> None:
    _gp_file(tmp_path)
    _osm_file(tmp_path)
    [pair] = client.get("/api/v1/moderation/duplicates", headers=moderator_headers).json()["items"]
    body = {"first": pair["first"]["id"], "second": pair["second"]["id"]}
    assert client.post("/api/v1/moderation/duplicates/dismiss", json=body, headers=moderator_headers).status_code == 204
    assert client.get("/api/v1/moderation/duplicates", headers=moderator_headers).json()["items"] == []
    assert _osm_file(tmp_path).counts == {"unchanged": 1}
    assert client.get("/api/v1/moderation/duplicates", headers=moderator_headers).json()["items"] == []


def test_area_moderators_merge_only_places_inside_their_areas(app, client, session, councils, tmp_path) -> None:
    inside = make_asset(session, name="Ancoats Library", lat=53.4850, lon=-2.2290)
    also = make_asset(session, name="Ancoats Library", lat=53.4851, lon=-2.2291)
    leeds = make_asset(session, name="Ancoats Library", lat=53.7997, lon=-1.5492)
    make_user(session, Role.moderator, "mcr@council.example", areas=["E08000003"])
    web = browser(app)
    sign_in(web, "mcr@council.example")
    page = web.get("/moderate/duplicates")
    assert page.status_code == 200
    csrf = csrf_of(page.text)
    refused = web.post("/api/v1/moderation/duplicates/merge", json={"keep": str(inside.id), "merge": str(leeds.id)},
                       headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403 and "outside the council areas" in refused.json()["detail"]
    assert session.execute(text("SELECT status FROM asset WHERE id = :id"), {"id": leeds.id}).scalar_one() == "published"
    done = web.post("/moderate/duplicates/merge", data={"csrf_token": csrf, "keep": str(inside.id), "merge": str(also.id)},
                    follow_redirects=False)
    assert done.status_code == 303, done.text
    assert session.execute(text("SELECT status FROM asset WHERE id = :id"), {"id": also.id}).scalar_one() == "archived"


def test_the_duplicates_page_lists_pairs_with_merge_buttons(app, session, tmp_path) -> None:
    _gp_file(tmp_path)
    _osm_file(tmp_path)
    make_user(session, Role.moderator, "lead@council.example")
    web = browser(app)
    sign_in(web, "lead@council.example")
    html = web.get("/moderate/duplicates").text
    assert html.count("Oakham Medical Practice") >= 2 and "Keep this one" in html and "Not the same place" in html
    assert 'href="/moderate/duplicates"' in web.get("/moderate").text
