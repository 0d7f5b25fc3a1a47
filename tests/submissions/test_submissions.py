"""Residents' submissions: the API, the forms, abuse limits, escaping and privacy."""

import logging
import re

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.core.config import get_settings
from tests.factories import make_asset
from tests.people import browser, page_token

SCRIPT = "<script>alert('x')</script>"
NEW = {"kind": "new", "place": {"name": "Hulme Knit and Natter", "categories": ["arts-crafts"], "postcode": "M15 5DD"}}
SUBMITTER = {"name": "Sam Private", "email": "sam.private@example.org", "consent": True}


def count(session: Session) -> int:
    return session.execute(text("SELECT count(*) FROM submission")).scalar_one()


def add_form(**fields: object) -> dict[str, object]:
    return {"name": "Hulme Knit and Natter", "categories": ["arts-crafts"], "postcode": "M15 5DD", **fields}


# The API


def test_a_new_place_is_accepted_for_moderation_with_a_reference(client, session: Session) -> None:
    response = client.post("/api/v1/submissions", json={**NEW, "submitter": SUBMITTER, "note": "I run it"})
    assert response.status_code == 202
    body = response.json()
    assert re.fullmatch(r"AM-[0-9A-HJKMNP-TV-Z]{8}", body["reference"])
    status = client.get(body["status_url"])
    assert status.status_code == 200
    assert status.json()["status"] == "pending" and status.json()["place_name"] == "Hulme Knit and Natter"
    for private in ("Sam Private", "sam.private@example.org", "I run it"):
        assert private not in status.text
    # nothing is published before a moderator approves it
    assert session.execute(text("SELECT count(*) FROM asset")).scalar_one() == 0
    row = session.execute(text("SELECT kind, submitter_email, consent, ST_Y(location::geometry) FROM submission")).one()
    assert row[0] == "new" and row[1] == "sam.private@example.org" and row[2] is True and 53.4 < row[3] < 53.5


def test_status_lookup_is_forgiving_about_case_and_clear_when_unknown(client) -> None:
    reference = client.post("/api/v1/submissions", json=NEW).json()["reference"]
    assert client.get(f"/api/v1/submissions/{reference.lower()}/status").status_code == 200
    missing = client.get("/api/v1/submissions/AM-00000000/status")
    assert missing.status_code == 404 and "reference" in missing.json()["detail"]


def test_edits_and_reports_name_a_published_asset(client, session: Session) -> None:
    asset = make_asset(session, name="Central Library")
    edit = client.post(
        "/api/v1/submissions", json={"kind": "edit", "asset_id": str(asset.id), "changes": {"phone": "0161 234 1983"}}
    )
    assert edit.status_code == 202
    report = client.post("/api/v1/submissions", json={"kind": "report", "asset_id": str(asset.id), "reason": "closed"})
    assert report.status_code == 202
    assert client.get(report.json()["status_url"]).json()["place_name"] == "Central Library"
    rows = session.execute(text("SELECT kind, proposed, reason FROM submission ORDER BY created_at")).all()
    assert [tuple(r) for r in rows] == [("edit", {"phone": "0161 234 1983"}, None), ("report", {}, "closed")]
    archived = make_asset(session, status="archived")
    gone = client.post("/api/v1/submissions", json={"kind": "report", "asset_id": str(archived.id), "reason": "closed"})
    assert gone.status_code == 404 and gone.json()["errors"][0]["field"] == "asset_id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW, "place": {**NEW["place"], "status": "published"}}, "place"),
        ({**NEW, "place": {**NEW["place"], "website": "javascript:alert(1)"}}, "place.website"),
        ({**NEW, "place": {**NEW["place"], "website": "data:text/html,<script>alert(1)</script>"}}, "place.website"),
        ({**NEW, "place": {**NEW["place"], "name": "Bad\x00name"}}, "place.name"),
        ({**NEW, "place": {**NEW["place"], "description": "bell\x07"}}, "place.description"),
        ({**NEW, "place": {**NEW["place"], "categories": ["no-such-category"]}}, "place.categories"),
        ({**NEW, "place": {**NEW["place"], "postcode": "ZZ99 9ZZ"}}, "place.postcode"),
        ({**NEW, "submitter": {"email": "sam@example.org"}}, "submitter"),
        ({**NEW, "submitter": {"email": "not an email", "consent": True}}, "submitter.email"),
        ({"kind": "edit", "asset_id": "00000000-0000-4000-8000-000000000000", "changes": {}}, "changes"),
        ({"kind": "report", "asset_id": "00000000-0000-4000-8000-000000000000", "reason": "bored"}, "reason"),
    ],
)
def test_bad_submissions_are_refused_with_the_field_named(client, session: Session, body: dict, field: str) -> None:
    response = client.post("/api/v1/submissions", json=body)
    assert response.status_code in (404, 422), response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert count(session) == 0


def test_oversized_bodies_are_refused(client, session: Session) -> None:
    body = {**NEW, "place": {**NEW["place"], "description": "x" * (get_settings().max_body_bytes + 10)}}
    assert client.post("/api/v1/submissions", json=body).status_code == 413
    assert count(session) == 0


def test_the_rate_limit_answers_429_with_retry_after(client, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "submission_rate_limit", 2)
    assert client.post("/api/v1/submissions", json={"kind": "new"}).status_code == 422  # invalid ones do not count
    assert [client.post("/api/v1/submissions", json=NEW).status_code for _ in range(3)] == [202, 202, 429]
    refused = client.post("/api/v1/submissions", json=NEW)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= get_settings().submission_rate_window_s
    assert "try again" in refused.json()["detail"]
    assert count(session) == 2
    # the count lives in PostgreSQL (shared by every worker), keyed by a hash rather than the address
    buckets = session.execute(text("SELECT bucket, hits FROM rate_limit")).all()
    assert len(buckets) == 1 and "testclient" not in buckets[0][0] and buckets[0][1] == 4
    # the forms share the same limit
    page = browser(client.app)
    response = page.post("/add", data={"csrf_token": page_token(page, "/add"), **add_form()})
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "Hulme Knit and Natter" in response.text  # what was typed is still there


# The forms


def test_the_add_form_offers_the_taxonomy_and_the_honeypot(app) -> None:
    page = browser(app).get("/add")
    assert page.status_code == 200
    assert 'value="choirs-music"' in page.text and 'name="fax"' in page.text and 'name="consent"' in page.text


def test_a_resident_adds_a_place_through_the_form(app, session: Session) -> None:
    client = browser(app)
    data = add_form(
        description="Bring knitting or learn.",
        **{"schedule-0-day": "thu", "schedule-0-opens": "13:00", "schedule-0-closes": "15:00"},
        free="yes",
        accessibility=["step_free", "hearing_loop"],
        audience="Anyone",
        languages="Polish; Urdu, BSL",
        drop_in="yes",
        carers_welcome="no",
        website="hulmeknit.example.org",
        submitter_name="Sam Private",
        submitter_email="sam.private@example.org",
        consent="yes",
    )
    response = client.post("/add", data={"csrf_token": page_token(client, "/add"), **data}, follow_redirects=False)
    assert response.status_code == 303
    thanks = client.get(response.headers["location"])
    reference = session.execute(text("SELECT reference FROM submission")).scalar_one()
    assert reference in thanks.text and "Thank you" in thanks.text
    assert "Sam Private" not in thanks.text and "sam.private" not in thanks.text
    proposed = session.execute(text("SELECT proposed FROM submission")).scalar_one()
    assert proposed["schedule"] == [{"day": "thu", "opens": "13:00:00", "closes": "15:00:00"}]
    assert (
        proposed["free"] is True
        and proposed["drop_in"] is True
        and proposed["website"] == "https://hulmeknit.example.org"
    )
    assert proposed["accessibility"] == ["step_free", "hearing_loop"]
    assert proposed["languages"] == ["Polish", "Urdu", "BSL"] and proposed["carers_welcome"] is False


def test_form_errors_are_shown_inline_and_keep_what_was_typed(app, session: Session) -> None:
    client = browser(app)
    data = add_form(
        name="",
        categories=[],
        postcode="M15 5DD",
        description="Typed <b>words</b>",
        website="javascript:alert(1)",
        **{"schedule-0-day": "tue", "schedule-0-opens": "12:00", "schedule-0-closes": "10:00"},
        min_age="ten",
        submitter_email="sam@example.org",
    )
    response = client.post("/add", data={"csrf_token": page_token(client, "/add"), **data})
    assert response.status_code == 422
    html = response.text
    assert 'class="error-summary"' in html and "<title>Error:" in html
    for field in ("name", "categories", "website", "schedule", "min_age", "consent"):
        assert f'id="{field}-error"' in html, field
    assert "Enter the name of the place or group" in html and "Choose at least one category" in html
    assert "Typed &lt;b&gt;words&lt;/b&gt;" in html and 'value="javascript:alert(1)"' in html
    assert 'value="sam@example.org"' in html and 'value="ten"' in html and 'value="12:00"' in html
    assert count(session) == 0


def test_an_unknown_postcode_is_an_inline_error(app, session: Session) -> None:
    client = browser(app)
    response = client.post("/add", data={"csrf_token": page_token(client, "/add"), **add_form(postcode="M99 9ZZ")})
    assert response.status_code == 404 and 'id="postcode-error"' in response.text and "M99 9ZZ" in response.text
    assert count(session) == 0


def test_forms_need_their_csrf_token(app, session: Session) -> None:
    client = browser(app)
    client.get("/add")
    assert client.post("/add", data=add_form()).status_code == 403
    other = browser(app)
    stolen = page_token(other, "/add")  # a token from someone else's cookie does not match this client's
    assert client.post("/add", data={"csrf_token": stolen, **add_form()}).status_code == 403
    asset = make_asset(session)
    assert client.post(f"/places/{asset.id}/report", data={"reason": "closed"}).status_code == 403
    assert client.post(f"/places/{asset.id}/suggest", data={"phone": "1"}).status_code == 403
    assert count(session) == 0


def test_the_honeypot_quietly_discards_robots(app, session: Session, caplog: pytest.LogCaptureFixture) -> None:
    client = browser(app)
    response = client.post("/add", data={"csrf_token": page_token(client, "/add"), **add_form(fax="0161 000 0000")})
    assert response.status_code == 200 and "Thank you" in response.text
    assert count(session) == 0


def test_script_payloads_are_escaped_on_the_thank_you_and_status_pages(app, client) -> None:
    page = browser(app)
    response = page.post("/add", data={"csrf_token": page_token(page, "/add"), **add_form(name=SCRIPT)})
    assert response.status_code == 200  # followed the redirect to the thank-you page
    assert SCRIPT not in response.text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in response.text
    reference = re.search(r"AM-[0-9A-Z]{8}", response.text).group(0)
    status_page = page.get(f"/submitted/{reference}")
    assert SCRIPT not in status_page.text and "&lt;script&gt;" in status_page.text
    assert (
        client.get(f"/api/v1/submissions/{reference}/status").json()["place_name"] == SCRIPT
    )  # JSON carries it as data


def test_suggest_a_change_is_prefilled_and_sends_only_what_changed(app, session: Session) -> None:
    asset = make_asset(
        session, name="Tuesday Singers", categories=["choirs-music"], opening_hours_text="Tuesdays 10am", free=True
    )
    client = browser(app)
    form = client.get(f"/places/{asset.id}/suggest")
    assert 'value="Tuesday Singers"' in form.text and "Tuesdays 10am" in form.text
    unchanged = {
        "name": "Tuesday Singers",
        "categories": ["choirs-music"],
        "opening_hours_text": "Tuesdays 10am",
        "free": "yes",
        "lat": str(asset.lat),
        "lon": str(asset.lon),
        "description": asset.description,
    }
    token = page_token(client, f"/places/{asset.id}/suggest")
    nothing = client.post(f"/places/{asset.id}/suggest", data={"csrf_token": token, **unchanged})
    assert nothing.status_code == 422 and "not changed anything" in nothing.text
    changed = {**unchanged, "opening_hours_text": "Wednesdays 10am", "phone": "0161 234 1983"}
    done = client.post(f"/places/{asset.id}/suggest", data={"csrf_token": token, **changed}, follow_redirects=False)
    assert done.status_code == 303
    row = session.execute(text("SELECT kind, asset_id, proposed FROM submission")).one()
    assert row[0] == "edit" and row[1] == asset.id
    assert row[2] == {"opening_hours_text": "Wednesdays 10am", "phone": "0161 234 1983"}


def test_suggest_a_change_keeps_every_session_and_its_note(app, session: Session) -> None:
    schedule = [
        {"day": day, "opens": "10:00", "closes": "12:00", "note": "first of the month" if day == "mon" else None}
        for day in ("mon", "tue", "wed", "thu")
    ]
    asset = make_asset(session, name="Tuesday Singers", categories=["choirs-music"], schedule=schedule)
    client = browser(app)
    page = client.get(f"/places/{asset.id}/suggest").text
    assert 'name="schedule-3-day"' in page and 'value="first of the month"' in page
    form: dict[str, object] = {"name": "Tuesday Singers", "categories": ["choirs-music"], "lat": str(asset.lat),
                               "lon": str(asset.lon), "phone": "0161 234 1983", "csrf_token": page_token(client, f"/places/{asset.id}/suggest")}
    for i, row in enumerate(schedule):
        form.update({f"schedule-{i}-day": row["day"], f"schedule-{i}-opens": row["opens"],
                     f"schedule-{i}-closes": row["closes"], f"schedule-{i}-note": row["note"] or ""})
    form.update({"schedule-4-day": "", "schedule-4-opens": "", "schedule-4-closes": "", "schedule-4-note": ""})
    assert client.post(f"/places/{asset.id}/suggest", data=form, follow_redirects=False).status_code == 303
    assert session.execute(text("SELECT proposed FROM submission")).scalar_one() == {"phone": "0161 234 1983"}
    form["schedule-1-note"] = "not in August"
    assert client.post(f"/places/{asset.id}/suggest", data=form, follow_redirects=False).status_code == 303
    proposed = session.execute(text("SELECT proposed FROM submission ORDER BY created_at DESC LIMIT 1")).scalar_one()
    assert [s.get("note") for s in proposed["schedule"]] == ["first of the month", "not in August", None, None]


def test_clearing_the_name_or_a_clashing_age_is_an_inline_error(app, session: Session) -> None:
    asset = make_asset(session, name="Tuesday Singers", categories=["choirs-music"], min_age=65)
    client = browser(app)
    token = page_token(client, f"/places/{asset.id}/suggest")
    base = {"csrf_token": token, "name": "Tuesday Singers", "categories": ["choirs-music"], "lat": str(asset.lat),
            "lon": str(asset.lon), "min_age": "65"}
    no_name = client.post(f"/places/{asset.id}/suggest", data={**base, "name": ""})
    assert no_name.status_code == 422 and 'id="name-error"' in no_name.text and "Name cannot be empty" in no_name.text
    ages = client.post(f"/places/{asset.id}/suggest", data={**base, "min_age": "70", "max_age": "60"})
    assert ages.status_code == 422 and "The maximum age must not be less than the minimum age" in ages.text
    assert "Min_age" not in ages.text
    kept = client.post(f"/places/{asset.id}/suggest", data={**base, "max_age": "60"})
    assert kept.status_code == 422 and "minimum age (65)" in kept.text
    assert count(session) == 0


def test_report_a_place_needs_a_reason(app, session: Session) -> None:
    asset = make_asset(session, name="Old Library")
    client = browser(app)
    token = page_token(client, f"/places/{asset.id}/report")
    missing = client.post(f"/places/{asset.id}/report", data={"csrf_token": token, "note": "gone"})
    assert missing.status_code == 422 and 'id="reason-error"' in missing.text and ">gone</textarea>" in missing.text
    sent = client.post(
        f"/places/{asset.id}/report",
        data={"csrf_token": token, "reason": "closed", "note": "Shut in May"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert tuple(session.execute(text("SELECT kind, reason, note FROM submission")).one()) == (
        "report",
        "closed",
        "Shut in May",
    )


def test_forms_for_unknown_places_are_404_pages(app) -> None:
    client = browser(app)
    for path in (
        "/places/00000000-0000-4000-8000-000000000000/suggest",
        "/places/00000000-0000-4000-8000-000000000000/report",
    ):
        response = client.get(path)
        assert response.status_code == 404 and "text/html" in response.headers["content-type"]


def test_submitters_details_are_not_logged(client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        client.post("/api/v1/submissions", json={**NEW, "submitter": SUBMITTER})
        client.post("/api/v1/submissions", json={**NEW, "submitter": {**SUBMITTER, "consent": False}})
    assert "sam.private" not in caplog.text and "Sam Private" not in caplog.text


def test_a_places_own_text_is_escaped_on_the_suggest_and_report_forms(app, session: Session) -> None:
    asset = make_asset(session, name=SCRIPT, description=SCRIPT, address=SCRIPT)
    client = browser(app)
    for path in (f"/places/{asset.id}/suggest", f"/places/{asset.id}/report"):
        html = client.get(path).text
        assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html, path
