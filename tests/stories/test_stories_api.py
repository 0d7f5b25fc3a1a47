"""Stories through the API: sending (and what is refused), moderation, the public list, reports, removal by the
author, the export, and what is stored."""

import hashlib
import re

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.accounts.models import Role
from app.stories.models import MAX_CHARS, MAX_WORDS
from app.stories.service import reference_hash
from tests.factories import make_asset
from tests.people import browser, make_user, sign_in
from tests.stories.conftest import STORY, send

SCRIPT = "<script>alert('x')</script>"
M1 = {"lat": 53.4809, "lon": -2.2374}  # Manchester city centre
LEEDS = {"lat": 53.7997, "lon": -1.5492}


def stories_of(client, asset_id, **params) -> dict:
    response = client.get(f"/api/v1/assets/{asset_id}/stories", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def approve(client, headers, story_id, **body) -> dict:
    response = client.post(f"/api/v1/moderation/stories/{story_id}/approve", json=body or None, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_story_waits_for_a_moderator_then_is_published(client, session: Session, moderator_headers) -> None:
    place = make_asset(session, name="Hulme Lunch Club")
    sent = send(client, place.id)
    assert re.fullmatch(r"ST-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", sent["reference"])
    assert sent["status"] == "pending"
    assert stories_of(client, place.id) == {"total": 0, "items": [], "next": None}
    queue = client.get("/api/v1/moderation/stories", headers=moderator_headers).json()
    assert [(i["id"], i["place_name"], i["text"]) for i in queue["items"]] == [(sent["id"], "Hulme Lunch Club", STORY)]
    detail = approve(client, moderator_headers, sent["id"], note="lovely")
    assert detail["status"] == "published" and [h["action"] for h in detail["history"]] == ["submit", "approve"]
    published = stories_of(client, place.id)
    assert published["total"] == 1
    [story] = published["items"]
    assert story["text"] == STORY and story["signature"] == "Jean" and story["language"] == "en"
    assert set(story) == {"id", "text", "signature", "language", "published_at"}
    # approving twice is a conflict
    again = client.post(f"/api/v1/moderation/stories/{sent['id']}/approve", headers=moderator_headers)
    assert again.status_code == 409


def test_only_the_reference_hash_is_stored_and_nothing_about_the_sender(client, session: Session) -> None:
    place = make_asset(session)
    sent = send(client, place.id, signature=None)
    row = session.execute(text("SELECT * FROM story")).mappings().one()
    assert row["reference_hash"] == hashlib.sha256(sent["reference"].encode()).hexdigest()
    assert sent["reference"] not in str(dict(row))
    assert row["signature"] is None  # anonymous by default
    assert set(row) == {
        "id", "asset_id", "text", "signature", "language", "consent", "status", "reference_hash", "reports",
        "reported_at", "created_at", "published_at",
    }
    history = session.execute(text("SELECT actor, action, changes FROM story_history")).one()
    assert tuple(history) == ("author", "submit", {})
    assert "testclient" not in str(dict(row)) + str(tuple(history))  # the client's address is kept nowhere


def test_the_language_defaults_to_the_request_s(client, session: Session) -> None:
    place = make_asset(session)
    client.post(f"/api/v1/assets/{place.id}/stories", json={"text": "Lle da.", "consent": True},
                headers={"Accept-Language": "cy"})
    assert session.execute(text("SELECT language FROM story")).scalar_one() == "cy"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"text": "word " * (MAX_WORDS + 1)}, "text", f"has {MAX_WORDS + 1} words: the limit is {MAX_WORDS}"),
        ({"text": "x" * (MAX_CHARS + 1)}, "text", f"at most {MAX_CHARS} characters"),
        ({"text": "   "}, "text", "is empty"),
        ({"text": f"Nice place {SCRIPT}"}, "text", "plain text"),
        ({"text": 'Lovely <img src=x onerror="alert(1)">'}, "text", "plain text"),
        ({"signature": SCRIPT}, "signature", "plain text"),
        ({"signature": "https://spam.example"}, "signature", "first name only"),
        ({"signature": "jean@example.org"}, "signature", "first name only"),
        ({"signature": "07700 900123"}, "signature", "first name only"),
        ({"signature": "Jean Mary Ann Smith"}, "signature", "first name only"),
        ({"signature": "J" * 41}, "signature", "at most 40 characters"),
        ({"consent": False}, "consent", "must be true"),
        ({"language": "fr"}, "language", "'en' or 'cy'"),
        ({"text": "bad\x00byte"}, "text", "control characters"),
        ({"extra": "x"}, "extra", "not a field"),
    ],
)
def test_bad_stories_are_refused_with_a_clear_422(client, session: Session, fields, field, words) -> None:
    place = make_asset(session)
    body = {"text": STORY, "signature": "Jean", "language": "en", "consent": True, **fields}
    response = client.post(f"/api/v1/assets/{place.id}/stories", json=body)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == field and words in error["message"], error
    assert session.execute(text("SELECT count(*) FROM story")).scalar_one() == 0


def test_missing_consent_is_refused(client, session: Session) -> None:
    place = make_asset(session)
    response = client.post(f"/api/v1/assets/{place.id}/stories", json={"text": STORY})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "consent"


def test_first_names_and_ordinary_text_are_accepted(client, session: Session) -> None:
    place = make_asset(session)
    for signature in ("Siân", "Mary-Jane", "O'Neill", "Anne Marie", "  Dafydd  "):
        send(client, place.id, signature=signature, text="I <3 this place, and 2 < 3.")
    assert sorted(session.execute(text("SELECT signature FROM story")).scalars()) == sorted(
        ["Siân", "Mary-Jane", "O'Neill", "Anne Marie", "Dafydd"]
    )


def test_stories_of_unknown_or_unpublished_places_are_404(client, session: Session) -> None:
    pending = make_asset(session, status="pending")
    unknown = "00000000-0000-0000-0000-000000000000"
    for asset_id in (pending.id, unknown):
        assert client.get(f"/api/v1/assets/{asset_id}/stories").status_code == 404
        sent = client.post(f"/api/v1/assets/{asset_id}/stories", json={"text": STORY, "consent": True})
        assert sent.status_code == 404
    assert client.get("/api/v1/assets/not-a-uuid/stories").status_code == 422


def test_a_place_s_stories_are_paged_newest_first(client, session: Session, moderator_headers) -> None:
    place = make_asset(session)
    ids = [send(client, place.id, text=f"Story number {n}")["id"] for n in range(3)]
    for story_id in ids:
        approve(client, moderator_headers, story_id)
    first = stories_of(client, place.id, limit=2)
    assert first["total"] == 3 and [s["text"] for s in first["items"]] == ["Story number 2", "Story number 1"]
    assert first["next"] and "offset=2" in first["next"]
    second = client.get(first["next"]).json()
    assert [s["text"] for s in second["items"]] == ["Story number 0"] and second["next"] is None


def test_the_send_limit_is_the_submissions_one(client, session: Session, app) -> None:
    place = make_asset(session)
    limit = app.state.settings.submission_rate_limit
    for _ in range(limit):
        send(client, place.id)
    over = client.post(f"/api/v1/assets/{place.id}/stories", json={"text": STORY, "consent": True})
    assert over.status_code == 429 and "Retry-After" in over.headers and "stories" in over.json()["detail"]


# Moderation


def test_a_moderator_edits_out_a_name_and_the_history_says_so(client, session: Session, moderator_headers) -> None:
    place = make_asset(session)
    sent = send(client, place.id, text="Dave Smith at number 4 is a thief. But the club is lovely.")
    edited = client.patch(
        f"/api/v1/moderation/stories/{sent['id']}",
        json={"text": "[Name removed] But the club is lovely.", "note": "Edited to remove a name"},
        headers=moderator_headers,
    )
    assert edited.status_code == 200, edited.text
    entry = edited.json()["history"][-1]
    assert entry["action"] == "edit" and entry["changes"] == {"fields": ["text"], "note": "Edited to remove a name"}
    assert entry["actor"].startswith("api-key:")
    approve(client, moderator_headers, sent["id"])
    assert stories_of(client, place.id)["items"][0]["text"] == "[Name removed] But the club is lovely."
    # the words taken out are kept nowhere
    assert session.execute(text("SELECT count(*) FROM story_history WHERE changes::text LIKE '%Dave%'")).scalar_one() == 0
    assert session.execute(text("SELECT count(*) FROM story WHERE text LIKE '%Dave%'")).scalar_one() == 0


def test_moderator_edits_are_validated_too(client, session: Session, moderator_headers) -> None:
    place = make_asset(session)
    sent = send(client, place.id)
    url = f"/api/v1/moderation/stories/{sent['id']}"
    script = client.patch(url, json={"text": SCRIPT, "note": "x"}, headers=moderator_headers)
    assert script.status_code == 422 and script.json()["errors"][0]["field"] == "text"
    no_note = client.patch(url, json={"text": "Fine."}, headers=moderator_headers)
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"
    unchanged = client.patch(url, json={"text": STORY, "note": "x"}, headers=moderator_headers)
    assert unchanged.status_code == 422
    anonymous = client.patch(url, json={"signature": None, "note": "Signed with a full name"}, headers=moderator_headers)
    assert anonymous.status_code == 200 and anonymous.json()["signature"] is None


def test_rejected_stories_are_never_shown(client, session: Session, moderator_headers) -> None:
    place = make_asset(session)
    sent = send(client, place.id)
    rejected = client.post(f"/api/v1/moderation/stories/{sent['id']}/reject", json={"note": "advert"},
                           headers=moderator_headers)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert stories_of(client, place.id)["total"] == 0
    assert client.post(f"/api/v1/moderation/stories/{sent['id']}/approve", headers=moderator_headers).status_code == 409


def test_moderation_needs_a_moderator(client, session: Session) -> None:
    place = make_asset(session)
    sent = send(client, place.id)
    assert client.get("/api/v1/moderation/stories").status_code == 401
    assert client.post(f"/api/v1/moderation/stories/{sent['id']}/approve").status_code == 401
    from app.accounts.service import create_api_key

    worker = {"X-API-Key": create_api_key(session, "crm", Role.link_worker)[1]}
    assert client.get("/api/v1/moderation/stories", headers=worker).status_code == 403


def test_area_moderators_only_reach_stories_of_their_places(app, client, session: Session, councils) -> None:
    manchester = make_asset(session, name="Manchester Club", **M1)
    leeds = make_asset(session, name="Leeds Club", **LEEDS)
    in_manchester, in_leeds = send(client, manchester.id), send(client, leeds.id)
    make_user(session, Role.moderator, "mcr@council.example", areas=["E08000003"])
    web = browser(app)
    sign_in(web, "mcr@council.example")
    queue = web.get("/api/v1/moderation/stories").json()
    assert [i["place_name"] for i in queue["items"]] == ["Manchester Club"]
    assert web.get(f"/api/v1/moderation/stories/{in_leeds['id']}").status_code == 403
    assert web.get(f"/moderate/stories/{in_leeds['id']}").status_code == 403
    page = web.get("/moderate/stories").text
    assert "Manchester Club" in page and "Leeds Club" not in page
    assert web.get(f"/api/v1/moderation/stories/{in_manchester['id']}").status_code == 200


# Reports


def test_a_report_flags_a_story_for_the_moderators_and_it_stays_up(client, session: Session, moderator_headers) -> None:
    place = make_asset(session)
    sent = send(client, place.id)
    not_yet = client.post(f"/api/v1/stories/{sent['id']}/report", json={"reason": "unkind"})
    assert not_yet.status_code == 404  # only a published story can be reported
    approve(client, moderator_headers, sent["id"])
    reported = client.post(f"/api/v1/stories/{sent['id']}/report", json={"reason": "names_someone"})
    assert reported.status_code == 202, reported.text
    assert stories_of(client, place.id)["total"] == 1  # still published until a moderator decides
    queue = client.get("/api/v1/moderation/stories", params={"reported": "true"}, headers=moderator_headers).json()
    assert [(i["id"], i["reports"]) for i in queue["items"]] == [(sent["id"], 1)]
    bad = client.post(f"/api/v1/stories/{sent['id']}/report", json={"reason": "I do not like Dave"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reason"
    # the moderator keeps it: the reports are cleared
    kept = client.post(f"/api/v1/moderation/stories/{sent['id']}/keep", headers=moderator_headers)
    assert kept.status_code == 200 and kept.json()["reports"] == 0
    assert [h["action"] for h in kept.json()["history"]] == ["submit", "approve", "report", "dismiss"]
    assert kept.json()["history"][2]["changes"] == {"reason": "names_someone"}
    assert client.post(f"/api/v1/moderation/stories/{sent['id']}/keep", headers=moderator_headers).status_code == 409
    # reported again, then taken down
    client.post(f"/api/v1/stories/{sent['id']}/report", json={"reason": "unkind"})
    down = client.post(f"/api/v1/moderation/stories/{sent['id']}/reject", headers=moderator_headers)
    assert down.status_code == 200 and down.json()["status"] == "rejected"
    assert stories_of(client, place.id)["total"] == 0


# Removal by the author


def test_the_author_removes_their_story_with_the_reference(client, session: Session, moderator_headers) -> None:
    place = make_asset(session)
    sent = send(client, place.id)
    approve(client, moderator_headers, sent["id"])
    typed = sent["reference"].lower().replace("-", " ").replace("0", "o")  # as a person might type it
    removed = client.post("/api/v1/stories/remove", json={"reference": typed})
    assert removed.status_code == 200, removed.text
    assert removed.json() == {"id": sent["id"], "status": "removed", "message": "Your story has been removed."}
    assert stories_of(client, place.id)["total"] == 0
    row = session.execute(text("SELECT text, signature, status FROM story")).one()
    assert tuple(row) == ("", None, "removed")  # its words and its signature are deleted
    history = client.get(f"/api/v1/moderation/stories/{sent['id']}", headers=moderator_headers).json()["history"]
    assert (history[-1]["action"], history[-1]["actor"]) == ("remove", "author")
    # a second removal, reports and moderation of a removed story
    again = client.post("/api/v1/stories/remove", json={"reference": sent["reference"]})
    assert again.status_code == 410
    assert client.post(f"/api/v1/stories/{sent['id']}/report", json={"reason": "unkind"}).status_code == 404
    assert client.post(f"/api/v1/moderation/stories/{sent['id']}/approve", headers=moderator_headers).status_code == 409


def test_a_pending_story_can_be_removed_too(client, session: Session) -> None:
    sent = send(client, make_asset(session).id)
    assert client.post("/api/v1/stories/remove", json={"reference": sent["reference"]}).status_code == 200


@pytest.mark.parametrize(
    ("reference", "status"),
    [("ST-0000-0000-0000", 404), ("AM-12345678", 422), ("hello", 422), ("", 422), ("x" * 41, 422)],
)
def test_bad_references_are_refused(client, session: Session, reference, status) -> None:
    send(client, make_asset(session).id)
    response = client.post("/api/v1/stories/remove", json={"reference": reference})
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["field"] == "reference"
    assert session.execute(text("SELECT status FROM story")).scalar_one() == "pending"


def test_guessing_references_is_rate_limited(client, session: Session, app) -> None:
    for _ in range(app.state.settings.submission_rate_limit):
        assert client.post("/api/v1/stories/remove", json={"reference": "ST-0000-0000-0000"}).status_code == 404
    assert client.post("/api/v1/stories/remove", json={"reference": "ST-0000-0000-0000"}).status_code == 429


def test_reference_reading_is_forgiving_but_exact() -> None:
    hashed = reference_hash("ST-7K3F-9Q2X-M4PB")
    assert hashed == hashlib.sha256(b"ST-7K3F-9Q2X-M4PB").hexdigest()
    assert reference_hash("st 7k3f 9q2x m4pb") == reference_hash("7K3F9Q2XM4PB") == hashed
    assert reference_hash("ST-1K3F-9Q2X-M4PB") == reference_hash("ST-IK3F-9Q2X-M4PB") == reference_hash("ST-lK3F-9Q2X-M4PB")
    assert reference_hash("ST-7K3F-9Q2X-M4P") is None and reference_hash("ST-7K3F-9Q2X-M4PU") is None


# Outputs


def test_the_stories_export_is_a_file_of_its_own(client, session: Session, moderator_headers) -> None:
    place = make_asset(session, name="=Formula Club")
    welsh = send(client, place.id, text="Lle croesawgar iawn.", language="cy", signature=None)
    english = send(client, place.id, text="-Very welcoming.")
    pending = send(client, place.id, text="Not yet approved.")
    for sent in (welsh, english):
        approve(client, moderator_headers, sent["id"])
    response = client.get("/api/v1/export-stories.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="community-asset-stories-' in response.headers["content-disposition"]
    lines = response.text.lstrip("\ufeff").splitlines()
    assert [line for line in lines if line.startswith("# ")][0].startswith("# Stories about community assets")
    header = lines[4]
    assert header == "story_id,asset_id,place_name,language,story,signature,published_at,url"
    rows = lines[5:]
    assert len(rows) == 2 and pending["id"] not in response.text
    assert any("'=Formula Club,cy,Lle croesawgar iawn.,," in r for r in rows)
    assert any("'-Very welcoming.,Jean," in r for r in rows)
    # and the asset files carry no story
    for path in ("/api/v1/export.csv", "/api/v1/export.geojson"):
        assert "welcoming" not in client.get(path).text


def test_open_referral_carries_no_story(client, session: Session, moderator_headers) -> None:
    place = make_asset(session, name="Ancoats Lunch Club")
    approve(client, moderator_headers, send(client, place.id, text="Unmistakable story words.")["id"])
    assert stories_of(client, place.id)["total"] == 1
    service = client.get(f"/oruk/services/{place.id}")
    assert service.status_code == 200 and "Ancoats Lunch Club" in service.text
    assert "Unmistakable" not in service.text
    assert "Unmistakable" not in client.get("/oruk/services", params={"text": "Ancoats"}).text


def test_a_merge_takes_the_stories_pending_submissions_and_shortlist_entries_of_the_place_merged_away(client, session, moderator_headers):
    kept = make_asset(session, name="Hulme Lunch Club", **M1)
    gone = make_asset(session, name="Hulme Lunch Club", lat=M1["lat"] + 0.0001, lon=M1["lon"])
    story = send(client, gone.id)
    approve(client, moderator_headers, story["id"])
    report = client.post("/api/v1/submissions", json={"kind": "report", "asset_id": str(gone.id), "reason": "closed"})
    assert report.status_code == 202, report.text
    other = make_asset(session, name="Hulme Library", **M1)
    shared = client.post("/api/v1/shortlists", json={"items": [
        {"asset_id": str(other.id)}, {"asset_id": str(gone.id), "note": "Tuesdays at noon"}
    ]}).json()["code"]
    merged = client.post("/api/v1/moderation/duplicates/merge", json={"keep": str(kept.id), "merge": str(gone.id)},
                         headers=moderator_headers)
    assert merged.status_code == 200, merged.text
    assert [s["id"] for s in stories_of(client, kept.id)["items"]] == [story["id"]]
    detail = client.get(f"/api/v1/moderation/stories/{story['id']}", headers=moderator_headers).json()
    assert [h["action"] for h in detail["history"]] == ["submit", "approve", "move"]
    about = session.execute(text("SELECT asset_id FROM submission WHERE reference = :r"), {"r": report.json()["reference"]})
    assert about.scalar_one() == kept.id  # the moderator decides the report on the place that is left
    listed = client.get(f"/api/v1/shortlists/{shared}").json()["items"]  # a shared list still shows it, with its note
    assert [(i["asset"]["id"], i["note"]) for i in listed] == [(str(other.id), None), (str(kept.id), "Tuesdays at noon")]
