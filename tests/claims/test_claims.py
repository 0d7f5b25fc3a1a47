"""Claims against the real database and a real SMTP server: claiming a place, confirming the address, moderators'
decisions (within their areas), signing in by e-mail link, editing live, "still running", what a claimant may not do,
bad input, and reminders."""

import logging
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_api_key
from app.claims.service import remind
from app.mail.backends import mailer_for
from tests.claims.conftest import claim, link_path, open_link
from tests.factories import make_asset
from tests.people import browser, csrf_of, make_user, sign_in
from tests.smtp import SmtpServer

SCRIPT = "<script>alert('x')</script>"
M1 = {"lat": 53.4809, "lon": -2.2374}  # Manchester city centre
LEEDS = {"lat": 53.7997, "lon": -1.5492}
GROUP = "Knitters@Hulme.example"


def moderator(session: Session) -> dict[str, str]:
    return {"X-API-Key": create_api_key(session, "mods", Role.moderator)[1]}


def confirmed_claim(web: TestClient, smtp: SmtpServer, asset_id: object, email: str = GROUP) -> None:
    assert claim(web, asset_id, email).status_code == 200
    confirm = [m for m in smtp.messages if "confirm" in m.body.lower() and email.lower() in m.recipients][-1]
    assert open_link(web, link_path(confirm.links[0])).status_code == 200


def approved_claimant(session: Session, web: TestClient, smtp: SmtpServer, asset_id: object, email: str = GROUP) -> TestClient:
    """Claims the place, confirms, has a moderator approve it, and signs the claimant in: their browser."""
    confirmed_claim(web, smtp, asset_id, email)
    headers = moderator(session)
    (pending,) = web.get("/api/v1/moderation/claims", headers=headers).json()["items"]
    assert web.post(f"/api/v1/moderation/claims/{pending['id']}/approve", headers=headers).status_code == 200
    return signed_in(web, smtp, email)


def signed_in(web: TestClient, smtp: SmtpServer, email: str) -> TestClient:
    before = len(smtp.messages)
    token = csrf_of(web.get("/claimant").text)
    assert web.post("/claimant", data={"csrf_token": token, "email": email}).status_code == 200
    (link,) = smtp.messages[before].links
    claimant = browser(web.app)
    signed = open_link(claimant, link_path(link))
    assert signed.status_code == 303 and signed.headers["location"] == "/claimant/places"
    return claimant


def test_a_group_claims_its_place_and_keeps_it_live(session: Session, web: TestClient, smtp_server: SmtpServer, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    place = make_asset(session, name="Hulme Knit and Natter", phone="0161 000 0000", **M1)
    assert f"/places/{place.id}/claim" in web.get(f"/places/{place.id}").text
    sent = claim(web, place.id, GROUP, "I run it.")
    assert sent.status_code == 200 and "Check your e-mail" in sent.text
    confirm = smtp_server.only(GROUP.lower())
    assert "Hulme Knit and Natter" in confirm.subject and len(confirm.links) == 1
    # the confirmation link's page only asks: a mail scanner that opens it does not use it up
    path = link_path(confirm.links[0])
    assert web.get(path).status_code == 200 and web.get(path).status_code == 200
    headers = moderator(session)
    assert web.get("/api/v1/moderation/claims", headers=headers).json()["total"] == 0  # not yet confirmed
    assert open_link(web, path).status_code == 200
    (pending,) = web.get("/api/v1/moderation/claims", headers=headers).json()["items"]
    assert (pending["email"], pending["note"], pending["place_name"]) == (GROUP.lower(), "I run it.", "Hulme Knit and Natter")
    approved = web.post(f"/api/v1/moderation/claims/{pending['id']}/approve", headers=headers)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    decision = smtp_server.messages[-1]
    assert "approved" in decision.subject and decision.links == ["https://map.example.org/claimant"]

    claimant = signed_in(web, smtp_server, GROUP)
    page = claimant.get("/claimant/places")
    assert page.status_code == 200 and "Hulme Knit and Natter" in page.text
    form = claimant.get(f"/claimant/places/{place.id}/edit")
    assert form.status_code == 200 and 'value="0161 000 0000"' in form.text
    values = {"csrf_token": csrf_of(form.text), "name": "Hulme Knit and Natter", "categories": "community-centres",
              "lat": str(M1["lat"]), "lon": str(M1["lon"]), "phone": "0161 999 9999"}
    saved = claimant.post(f"/claimant/places/{place.id}/edit", data=values, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert web.get(f"/api/v1/assets/{place.id}").json()["phone"] == "0161 999 9999"  # live at once
    assert "0161 999 9999" in web.get(f"/places/{place.id}").text
    csrf = csrf_of(claimant.get("/claimant/places").text)
    assert claimant.post(f"/claimant/places/{place.id}/verify", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    history = web.get(f"/api/v1/assets/{place.id}/history", headers=headers).json()
    claimant_label = history[-1]["actor"]
    assert [h["action"] for h in history] == ["create", "update", "verify"]
    assert claimant_label.startswith("claimant:") and GROUP.lower() in claimant_label and history[-2]["actor"] == claimant_label
    # a moderator can still restore the version before the claimant's change
    restored = web.post(f"/api/v1/assets/{place.id}/history/{history[0]['id']}/restore", headers=headers)
    assert restored.status_code == 200 and restored.json()["phone"] == "0161 000 0000"
    # nothing the app logs holds a link, an address or a message's text (the test's own SMTP server and client log theirs)
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("mail.log", "httpx")))
    for message in smtp_server.messages:
        for link in message.links:
            assert link.rsplit("/", 1)[-1] not in logged
    assert GROUP.lower() not in logged.lower() and "I run it." not in logged


def test_the_claimant_api_edits_and_verifies_with_the_session_and_its_csrf_token(
    session: Session, web: TestClient, smtp_server: SmtpServer
) -> None:
    place = make_asset(session, name="Levenshulme Choir", **M1)
    claimant = approved_claimant(session, web, smtp_server, place.id)
    mine = claimant.get("/api/v1/claimant/places")
    assert mine.status_code == 200 and [p["id"] for p in mine.json()] == [str(place.id)]
    csrf = csrf_of(claimant.get("/claimant/places").text)
    assert claimant.patch(f"/api/v1/claimant/places/{place.id}", json={"name": "Levenshulme Singers"}).status_code == 403
    edited = claimant.patch(f"/api/v1/claimant/places/{place.id}", json={"name": "Levenshulme Singers"}, headers={"X-CSRF-Token": csrf})
    assert edited.status_code == 200 and edited.json()["name"] == "Levenshulme Singers"
    refused = claimant.patch(f"/api/v1/claimant/places/{place.id}", json={"status": "archived"}, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "status"
    assert claimant.patch(f"/api/v1/claimant/places/{place.id}", json={"description": "bell\x07"}, headers={"X-CSRF-Token": csrf}).status_code == 422
    verified = claimant.post(f"/api/v1/claimant/places/{place.id}/verify", headers={"X-CSRF-Token": csrf})
    assert verified.status_code == 200 and verified.json()["stale"] is False


def test_a_claimant_reaches_only_the_places_they_claimed(session: Session, web: TestClient, smtp_server: SmtpServer) -> None:
    """Like the moderators' area limits: read, edit, verify, restore and archive, through pages and the API."""
    mine = make_asset(session, name="Mine", **M1)
    other = make_asset(session, name="Not mine", **M1)
    claimant = approved_claimant(session, web, smtp_server, mine.id)
    csrf = csrf_of(claimant.get("/claimant/places").text)
    api = {"X-CSRF-Token": csrf}
    entry = web.get(f"/api/v1/assets/{mine.id}/history", headers=moderator(session)).json()[0]["id"]
    # another place: neither read, edited nor verified
    assert claimant.get(f"/api/v1/claimant/places/{other.id}").status_code == 403
    assert claimant.patch(f"/api/v1/claimant/places/{other.id}", json={"name": "Taken"}, headers=api).status_code == 403
    assert claimant.post(f"/api/v1/claimant/places/{other.id}/verify", headers=api).status_code == 403
    assert claimant.get(f"/claimant/places/{other.id}/edit").status_code == 403
    assert claimant.post(f"/claimant/places/{other.id}/edit", data={"csrf_token": csrf, "name": "Taken"}).status_code == 403
    assert claimant.post(f"/claimant/places/{other.id}/verify", data={"csrf_token": csrf}).status_code == 403
    assert claimant.get("/api/v1/claimant/places/00000000-0000-4000-8000-000000000000").status_code == 404
    # their own place: no history, restore or archive (moderators' work)
    for place in (mine, other):
        assert claimant.get(f"/api/v1/assets/{place.id}/history").status_code == 403
        assert claimant.post(f"/api/v1/assets/{place.id}/history/{entry}/restore", headers=api).status_code == 403
        assert claimant.post(f"/api/v1/assets/{place.id}/archive", headers=api).status_code == 403
        assert claimant.post(f"/api/v1/assets/{place.id}/verify", headers=api).status_code == 403
        assert claimant.get(f"/moderate/assets/{place.id}/history").status_code == 403
        assert claimant.post(f"/moderate/assets/{place.id}/history/{entry}/restore", data={"csrf_token": csrf}).status_code == 403
        assert claimant.post(f"/moderate/assets/{place.id}/archive", data={"csrf_token": csrf}).status_code == 403
    assert claimant.get("/moderate/claims").status_code == 403
    assert claimant.get("/api/v1/moderation/claims").status_code == 403
    assert web.get(f"/api/v1/assets/{other.id}").json()["name"] == "Not mine"
    assert web.get(f"/api/v1/assets/{mine.id}").json()["status"] == "published"
    # a claimant cannot sign in with a password, and a visitor without a session reaches nothing
    assert web.get("/claimant/places").status_code == 401
    assert web.get("/api/v1/claimant/places").status_code == 401


def test_area_moderators_decide_claims_in_their_areas_only(session: Session, web: TestClient, smtp_server: SmtpServer, councils) -> None:
    leeds, manchester = make_asset(session, name="Leeds Club", **LEEDS), make_asset(session, name="Manchester Club", **M1)
    confirmed_claim(web, smtp_server, leeds.id, "a@leeds.example")
    confirmed_claim(web, smtp_server, manchester.id, "b@mcr.example")
    make_user(session, Role.moderator, "mcr@council.example", areas=["E08000003"])
    mod = browser(web.app)
    sign_in(mod, "mcr@council.example")
    page = mod.get("/moderate/claims")
    assert "Manchester Club" in page.text and "Leeds Club" not in page.text
    (seen,) = mod.get("/api/v1/moderation/claims").json()["items"]
    assert seen["place_name"] == "Manchester Club"
    everyone = web.get("/api/v1/moderation/claims", headers=moderator(session)).json()["items"]
    leeds_claim = next(c["id"] for c in everyone if c["place_name"] == "Leeds Club")
    csrf = csrf_of(page.text)
    assert mod.post(f"/api/v1/moderation/claims/{leeds_claim}/approve", headers={"X-CSRF-Token": csrf}).status_code == 403
    assert mod.post(f"/moderate/claims/{leeds_claim}/approve", data={"csrf_token": csrf}).status_code == 403
    rejected = mod.post(f"/moderate/claims/{seen['id']}/reject", data={"csrf_token": csrf, "note": "Not the organiser."})
    assert rejected.status_code == 200 and "Claim rejected" in rejected.text
    told = smtp_server.messages[-1]
    assert told.recipients == ["b@mcr.example"] and "Not the organiser." in told.body and "not accepted" in told.subject
    again = mod.post(f"/api/v1/moderation/claims/{seen['id']}/approve", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409


def test_bad_claims_are_refused_with_a_clear_4xx(session: Session, web: TestClient, smtp_server: SmtpServer) -> None:
    place = make_asset(session, name="Hulme Garden", **M1)
    hidden = make_asset(session, name="Pending Place", status="pending", **M1)
    for email, note, field_text in (
        (SCRIPT, "Hello", "is not an email address"),
        ("not an address", "Hello", "is not an email address"),
        ("", "Hello", "Give an email address"),
        (GROUP, SCRIPT, "HTML tags"),
        (GROUP, "bell\x07", "control characters"),
    ):
        refused = claim(web, place.id, email, note)
        assert refused.status_code == 422 and field_text in refused.text, (email, note)
        assert "<script>alert" not in refused.text
    assert web.get(f"/places/{hidden.id}/claim").status_code == 404
    assert web.get("/places/00000000-0000-4000-8000-000000000000/claim").status_code == 404
    assert smtp_server.messages == []
    # an open (pending) claim, then an approved one, holds the place against any other
    confirmed_claim(web, smtp_server, place.id)
    second = claim(web, place.id, "someone@else.example")
    assert second.status_code == 409 and "already claimed" in second.text
    headers = moderator(session)
    (pending,) = web.get("/api/v1/moderation/claims", headers=headers).json()["items"]
    web.post(f"/api/v1/moderation/claims/{pending['id']}/approve", headers=headers)
    assert claim(web, place.id, "third@else.example").status_code == 409
    # a staff address cannot become a claimant
    other = make_asset(session, name="Staff Place", **M1)
    make_user(session, Role.moderator, "staff@council.example")
    confirmed_claim(web, smtp_server, other.id, "staff@council.example")
    staff = next(c for c in web.get("/api/v1/moderation/claims", headers=headers).json()["items"] if c["place_name"] == "Staff Place")
    assert web.post(f"/api/v1/moderation/claims/{staff['id']}/approve", headers=headers).status_code == 409
    assert web.post(f"/api/v1/moderation/claims/{staff['id']}/reject", headers=headers, json={"note": ""}).status_code == 422


def test_links_work_once_expire_and_keep_to_their_purpose(session: Session, web: TestClient, smtp_server: SmtpServer) -> None:
    place = make_asset(session, name="Link Place", **M1)
    claim(web, place.id, GROUP)
    path = link_path(smtp_server.only(GROUP.lower()).links[0])
    assert open_link(web, path).status_code == 200
    reused = open_link(web, path)
    assert reused.status_code == 410 and "already been used" in reused.text
    assert open_link(web, "/claims/confirm/not-a-token").status_code == 404
    # a sign-in link is not a confirmation link, nor the reverse
    headers = moderator(session)
    (pending,) = web.get("/api/v1/moderation/claims", headers=headers).json()["items"]
    web.post(f"/api/v1/moderation/claims/{pending['id']}/approve", headers=headers)
    token = csrf_of(web.get("/claimant").text)
    web.post("/claimant", data={"csrf_token": token, "email": GROUP})
    sign_in_path = link_path(smtp_server.messages[-1].links[0])
    assert open_link(web, sign_in_path.replace("/claimant/sign-in/", "/claims/confirm/")).status_code == 404
    assert open_link(web, path.replace("/claims/confirm/", "/claimant/sign-in/")).status_code == 404
    # an expired sign-in link
    session.execute(text("UPDATE email_token SET expires_at = now() - interval '1 second' WHERE used_at IS NULL"))
    session.commit()
    expired = open_link(browser(web.app), sign_in_path)
    assert expired.status_code == 410 and "expired" in expired.text
    # only hashes are stored
    stored = session.execute(text("SELECT token_hash FROM email_token")).scalars().all()
    assert stored and all(len(h) == 64 for h in stored) and sign_in_path.rsplit("/", 1)[-1] not in stored


def test_asking_for_a_sign_in_link_does_not_tell_whether_an_address_has_a_claim(
    session: Session, web: TestClient, smtp_server: SmtpServer
) -> None:
    place = make_asset(session, name="Probe Place", **M1)
    approved_claimant(session, web, smtp_server, place.id)
    before = len(smtp_server.messages)
    answers = []
    for email in (GROUP, "nobody@example.org"):
        token = csrf_of(web.get("/claimant").text)
        response = web.post("/claimant", data={"csrf_token": token, "email": email})
        answers.append((response.status_code, response.text.replace(email, "ADDRESS")))
    assert answers[0] == answers[1] and answers[0][0] == 200
    assert [m.recipients for m in smtp_server.messages[before:]] == [[GROUP.lower()]]
    token = csrf_of(web.get("/claimant").text)
    assert web.post("/claimant", data={"csrf_token": token, "email": SCRIPT}).status_code == 422


def test_claims_and_their_e_mails_are_in_the_claimants_language(session: Session, web: TestClient, smtp_server: SmtpServer) -> None:
    place = make_asset(session, name="Hulme Knit", name_cy="Gweu Hulme", **M1)
    assert claim(web, place.id, GROUP, lang="cy").status_code == 200
    confirm = smtp_server.only(GROUP.lower())
    assert confirm.email["Content-Language"] == "cy" and "Gweu Hulme" in confirm.subject
    assert "Confirm your claim" not in confirm.subject and "open this link" not in confirm.body


def test_claimants_are_reminded_when_their_places_are_not_checked_for_11_months(
    session: Session, web: TestClient, smtp_server: SmtpServer
) -> None:
    old, fresh = make_asset(session, name="Old Club", **M1), make_asset(session, name="Fresh Club", **M1)
    approved_claimant(session, web, smtp_server, old.id, "old@club.example")
    approved_claimant(session, web, smtp_server, fresh.id, "fresh@club.example")
    session.execute(text("UPDATE asset SET last_verified_at = now() - interval '300 days', created_at = now() - interval '2 years'"))
    session.execute(text("UPDATE asset SET last_verified_at = now() - interval '340 days' WHERE id = :id"), {"id": old.id})
    session.commit()
    settings = smtp_server.settings()
    mailer, base = mailer_for(settings), "https://map.example.org"
    before = len(smtp_server.messages)
    assert remind(session, settings, mailer, base) == 1
    (reminder,) = smtp_server.messages[before:]
    assert reminder.recipients == ["old@club.example"] and "Old Club" in reminder.body and "Fresh Club" not in reminder.body
    assert remind(session, settings, mailer, base) == 0  # once per period
    assert remind(session, settings, mailer, base, datetime.now(UTC) + timedelta(days=31)) == 1
    # the link in the reminder signs the claimant in; "still running" stops the reminders
    claimant = browser(web.app)
    assert open_link(claimant, link_path(reminder.links[0])).status_code == 303
    csrf = csrf_of(claimant.get("/claimant/places").text)
    claimant.post(f"/claimant/places/{old.id}/verify", data={"csrf_token": csrf})
    before = len(smtp_server.messages)
    remind(session, settings, mailer, base, datetime.now(UTC) + timedelta(days=62))  # "fresh" is 362 days old by then
    assert [m.recipients for m in smtp_server.messages[before:]] == [["fresh@club.example"]]


def test_e_mails_are_limited_per_client(session: Session, smtp_server: SmtpServer) -> None:
    from app.main import create_app

    place = make_asset(session, name="Busy Place", **M1)
    web = browser(create_app(smtp_server.settings(mail_rate_limit=2)))
    for answer in (200, 200, 429):
        token = csrf_of(web.get("/claimant").text)
        response = web.post("/claimant", data={"csrf_token": token, "email": f"{answer}@example.org"})
        assert response.status_code == answer
    limited = claim(web, place.id, GROUP)
    assert limited.status_code == 429 and limited.headers["Retry-After"] and smtp_server.messages == []


def test_purging_deletes_claims_that_hold_no_place_and_spent_links(session: Session, web: TestClient, smtp_server: SmtpServer) -> None:
    from app.claims.service import purge

    kept, dropped = make_asset(session, name="Kept", **M1), make_asset(session, name="Dropped", **M1)
    approved_claimant(session, web, smtp_server, kept.id, "kept@example.org")
    claim(web, dropped.id, "never@example.org")  # never confirmed
    session.execute(text("UPDATE claim SET created_at = now() - interval '100 days', decided_at = now() - interval '100 days'"))
    session.commit()
    assert purge(session, 90) == 1
    assert session.execute(text("SELECT email FROM claim")).scalars().all() == ["kept@example.org"]
    assert session.execute(text("SELECT count(*) FROM email_token WHERE used_at IS NOT NULL")).scalar_one() == 0


def test_a_mail_server_that_is_down_is_a_503_asking_to_try_again(session: Session, smtp_server: SmtpServer) -> None:
    from app.main import create_app
    from tests.processes import free_port

    place = make_asset(session, name="Quiet Place", **M1)
    web = browser(create_app(smtp_server.settings(smtp_port=free_port())))  # nothing listens there
    refused = claim(web, place.id, GROUP)
    assert refused.status_code == 503 and "try again in a few minutes" in refused.text


def test_claimants_are_made_only_by_approving_a_claim(session: Session) -> None:
    """No password account and no API key can have the claimant role."""
    import pytest

    from app.accounts.service import create_user
    from app.core.errors import Invalid

    with pytest.raises(Invalid):
        create_user(session, "group@example.org", "a long enough password", Role.claimant)
    with pytest.raises(Invalid):
        create_api_key(session, "group", Role.claimant)


def test_the_claim_pages_are_in_welsh(session: Session, web: TestClient, smtp_server: SmtpServer) -> None:
    place = make_asset(session, name="Hulme Knit", name_cy="Gweu Hulme", **M1)
    assert "Ai eich grŵp chi yw hwn? Hawlio'r rhestriad hwn" in web.get(f"/places/{place.id}?lang=cy").text.replace("&#39;", "'")
    form = web.get(f"/places/{place.id}/claim?lang=cy").text
    assert "Anfon fy hawliad" in form and "Gweu Hulme" in form and "Send my claim" not in form
    sign_in_page = web.get("/claimant?lang=cy").text
    assert "Anfon dolen mewngofnodi ataf" in sign_in_page and "E-mail me" not in sign_in_page
    refused = claim(web, place.id, "not an address", lang="cy")
    assert refused.status_code == 422 and "Send my claim" not in refused.text


def test_assetmap_remind_claimants_sends_through_the_configured_server(
    session: Session, web: TestClient, smtp_server: SmtpServer, monkeypatch
) -> None:
    from typer.testing import CliRunner

    from app.cli import app as cli
    from app.core.config import get_settings

    place = make_asset(session, name="Forgotten Club", **M1)
    approved_claimant(session, web, smtp_server, place.id, "forgotten@club.example")
    session.execute(text("UPDATE asset SET last_verified_at = now() - interval '1 year'"))
    session.commit()
    wanted = smtp_server.settings(public_base_url="https://map.example.org")
    for name in type(wanted).model_fields:
        if name.startswith(("mail_", "smtp_")) or name == "public_base_url":
            monkeypatch.setattr(get_settings(), name, getattr(wanted, name))
    before = len(smtp_server.messages)
    result = CliRunner().invoke(cli, ["remind-claimants"])
    assert result.exit_code == 0 and "Reminded 1 claimant." in result.output, result.output
    (reminder,) = smtp_server.messages[before:]
    assert reminder.subject == "Are your listings still right?" and link_path(reminder.links[0]).startswith("/claimant/sign-in/")
