"""Accounts: Argon2 passwords, sign-in with lock-out (per account and client), sessions and their cookies, CSRF, API key revocation, CLI."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session
from typer.testing import CliRunner

from app.accounts.models import Role
from app.accounts.service import create_api_key, create_user
from app.cli import app as cli
from app.core.config import get_settings
from app.core.errors import Conflict, Invalid
from tests.people import PASSWORD, browser, csrf_of, make_user, page_token, sign_in


def test_passwords_are_stored_as_argon2id_and_emails_in_lower_case(session: Session, councils) -> None:
    user = create_user(session, "  Sam.Moderator@Council.Example ", PASSWORD, Role.moderator, ["e08000003"])
    assert user.email == "sam.moderator@council.example"
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert user.areas == ["E08000003"]


def test_account_rules(session: Session, councils) -> None:
    with pytest.raises(Invalid, match="Unknown area 'E99999999'"):
        create_user(session, "m@council.example", PASSWORD, Role.moderator, ["E99999999"])
    with pytest.raises(Invalid, match="at least 12"):
        create_user(session, "a@council.example", "short", Role.admin)
    with pytest.raises(Invalid, match="Only moderators"):
        create_user(session, "b@council.example", PASSWORD, Role.admin, ["E08000003"])
    create_user(session, "c@council.example", PASSWORD, Role.admin)
    with pytest.raises(Conflict):
        create_user(session, "C@council.example", PASSWORD, Role.admin)


def test_sign_in_sets_a_secure_httponly_samesite_session_cookie(app, session: Session) -> None:
    user = make_user(session)
    client = browser(app)
    token = page_token(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/moderate"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("am_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    plain = cookie.split(";")[0].split("=", 1)[1]
    stored = session.execute(text("SELECT token_hash FROM web_session")).scalar_one()
    assert stored != plain and len(stored) == 64  # only the hash is kept
    assert client.get("/moderate").status_code == 200
    assert session.execute(text("SELECT last_login_at IS NOT NULL FROM user_account")).scalar_one()


def test_wrong_password_and_unknown_email_get_the_same_answer(app, session: Session) -> None:
    user = make_user(session)
    client = browser(app)
    answers = []
    for email in (user.email, "nobody@council.example"):
        token = page_token(client, "/login")
        response = client.post("/login", data={"csrf_token": token, "email": email, "password": "wrong password!!"})
        assert response.status_code == 401
        answers.append(response.text.count("do not match an account"))
    assert answers == [1, 1]
    assert "am_session" not in client.cookies


def _refusal(html: str) -> str:
    return re.search(r"do not match an account[^<]*", html).group(0)


def test_repeated_failures_lock_the_account(app, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "login_max_failures", 3)
    user = make_user(session)
    client = browser(app)
    for _ in range(3):
        token = page_token(client, "/login")
        client.post("/login", data={"csrf_token": token, "email": user.email, "password": "wrong password!!"})
    token = page_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert response.status_code == 401 and "locked" in response.text
    # the same words as for an address with no account: a lock-out does not tell that the account exists
    token = page_token(client, "/login")
    nobody = client.post("/login", data={"csrf_token": token, "email": "nobody@council.example", "password": PASSWORD})
    assert _refusal(nobody.text) == _refusal(response.text)
    # once the lock-out time has passed, the right password works again
    session.execute(text("UPDATE login_throttle SET locked_until = now() - interval '1 second'"))
    session.commit()
    sign_in(client, user.email)
    assert client.get("/moderate").status_code == 200


def _from(app, address: str):
    """A browser whose requests come from `address`."""
    from fastapi.testclient import TestClient

    return TestClient(app, base_url="https://testserver", client=(address, 50000))


def _try(client, email: str, password: str):
    token = page_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "email": email, "password": password}, follow_redirects=False)


def test_an_attacker_cannot_lock_the_real_person_out(app, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12, item 5: failures lock the account only for the client that made them (per account and client)."""
    monkeypatch.setattr(get_settings(), "login_max_failures", 3)
    user = make_user(session)
    attacker = _from(app, "203.0.113.5")
    for _ in range(5):
        assert _try(attacker, user.email, "wrong password!!").status_code == 401
    locked = _try(attacker, user.email, PASSWORD)
    assert locked.status_code == 401  # the attacker's client is locked out of this account, even with the password
    moderator = _from(app, "198.51.100.7")
    assert _try(moderator, user.email, PASSWORD).status_code == 303  # the real person, elsewhere, signs in
    assert moderator.get("/moderate").status_code == 200
    # the attacker's client may still sign in to another account (the per-client limit is a separate one)
    other = make_user(session, email="other@council.example")
    assert _try(attacker, other.email, PASSWORD).status_code == 303
    stored = session.execute(text("SELECT * FROM login_throttle")).mappings().all()
    assert stored and all("203.0.113.5" not in str(dict(row)) and user.email not in str(dict(row)) for row in stored)


def test_one_client_trying_many_accounts_is_slowed_down(app, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "login_rate_limit", 4)
    user = make_user(session)
    client = browser(app)
    for n in range(4):
        token = page_token(client, "/login")
        response = client.post("/login", data={"csrf_token": token, "email": f"guess{n}@example.org", "password": "x" * 12})
        assert response.status_code == 401
    token = page_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert response.status_code == 429 and "tried to sign in many times" in response.text
    assert int(response.headers["retry-after"]) > 0
    assert client.get("/moderate", follow_redirects=False).status_code in (303, 401)  # not signed in


def test_sign_in_form_needs_its_csrf_token(app, session: Session) -> None:
    user = make_user(session)
    client = browser(app)
    client.get("/login")
    for data in ({}, {"csrf_token": "x" * 43}):
        response = client.post("/login", data={**data, "email": user.email, "password": PASSWORD})
        assert response.status_code == 403
    assert session.execute(text("SELECT count(*) FROM web_session")).scalar_one() == 0


def test_sign_in_only_redirects_within_the_site(app, session: Session) -> None:
    user = make_user(session)
    client = browser(app)
    token = page_token(client, "/login")
    data = {"csrf_token": token, "email": user.email, "password": PASSWORD, "next": "//evil.example/steal"}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.headers["location"] == "/moderate"


def test_sign_out_ends_the_session(app, session: Session) -> None:
    user = make_user(session)
    client = browser(app)
    sign_in(client, user.email)
    page = client.get("/moderate")
    old_cookie = client.cookies["am_session"]
    response = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 303
    assert session.execute(text("SELECT count(*) FROM web_session")).scalar_one() == 0
    client.cookies.set("am_session", old_cookie)  # a stolen copy of the old cookie is worthless
    assert client.get("/moderate").status_code == 401


def test_sign_out_needs_the_csrf_token(app, session: Session) -> None:
    user = make_user(session)
    client = browser(app)
    sign_in(client, user.email)
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/moderate").status_code == 200


def test_idle_and_expired_sessions_end(app, session: Session) -> None:
    user = make_user(session)
    client = browser(app)
    sign_in(client, user.email)
    session.execute(text("UPDATE web_session SET last_seen_at = now() - interval '1 day'"))
    session.commit()
    assert client.get("/moderate").status_code == 401
    sign_in(client, user.email)
    session.execute(text("UPDATE web_session SET expires_at = now() - interval '1 second'"))
    session.commit()
    assert client.get("/moderate").status_code == 401


def test_disabled_accounts_cannot_sign_in_or_keep_using_a_session(app, session: Session) -> None:
    user = make_user(session)
    client = browser(app)
    sign_in(client, user.email)
    session.execute(text("UPDATE user_account SET disabled = true"))
    session.commit()
    assert client.get("/moderate").status_code == 401
    token = page_token(client, "/login")
    assert (
        client.post("/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD}).status_code == 401
    )


def test_a_session_works_on_the_api_with_its_csrf_header_for_changes(app, session: Session) -> None:
    user = make_user(session)
    client = browser(app)
    sign_in(client, user.email)
    assert client.get("/api/v1/moderation/submissions").status_code == 200
    missing = "/api/v1/moderation/submissions/00000000-0000-4000-8000-000000000000/reject"
    assert client.post(missing, json={"note": "no"}).status_code == 403  # no X-CSRF-Token: refused before anything else
    token = csrf_of(client.get("/moderate").text)
    assert client.post(missing, json={"note": "no"}, headers={"X-CSRF-Token": token}).status_code == 404


def test_revoked_api_keys_stop_working(client, session: Session) -> None:
    key, plain = create_api_key(session, "council moderation tool", Role.moderator)
    assert client.get("/api/v1/moderation/submissions", headers={"X-API-Key": plain}).status_code == 200
    result = CliRunner().invoke(cli, ["revoke-api-key", str(key.id)])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/moderation/submissions", headers={"X-API-Key": plain}).status_code == 401
    assert CliRunner().invoke(cli, ["revoke-api-key", "999999"]).exit_code == 1


def test_create_user_command_reads_the_password_from_stdin_or_the_environment(session: Session, councils) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["create-user", "--role", "admin", "--email", "Admin@Council.Example", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        cli,
        ["create-user", "--role", "moderator", "--email", "m@council.example", "--area", "E08000003"],
        env={"ASSETMAP_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    rows = session.execute(text("SELECT email, role, areas FROM user_account ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        ("admin@council.example", "admin", []),
        ("m@council.example", "moderator", ["E08000003"]),
    ]
    refused = runner.invoke(
        cli, ["create-user", "--role", "admin", "--email", "x@council.example", "--password-stdin"], input="short\n"
    )
    assert refused.exit_code == 1 and "at least 12" in refused.output
    assert PASSWORD not in result.output


def test_sessions_expire_within_the_configured_lifetime(app, session: Session) -> None:
    user = make_user(session)
    sign_in(browser(app), user.email)
    expires = session.execute(text("SELECT expires_at FROM web_session")).scalar_one()
    assert expires - datetime.now(UTC) <= timedelta(hours=get_settings().session_max_hours)


def test_accounts_can_be_disabled_and_enabled_from_the_command_line(app, session: Session) -> None:
    user = make_user(session)
    client = browser(app)
    sign_in(client, user.email)
    runner = CliRunner()
    assert runner.invoke(cli, ["disable-user", "--email", user.email.upper()]).exit_code == 0
    assert session.execute(text("SELECT count(*) FROM web_session")).scalar_one() == 0
    assert client.get("/moderate").status_code == 401
    assert runner.invoke(cli, ["disable-user", "--email", user.email, "--enable"]).exit_code == 0
    for _ in range(get_settings().login_max_failures):
        assert _try(client, user.email, "wrong password!!").status_code == 401
    assert _try(client, user.email, PASSWORD).status_code == 401  # locked out from this address
    assert runner.invoke(cli, ["disable-user", "--email", user.email, "--enable"]).exit_code == 0
    sign_in(client, user.email)  # enabled and unlocked
    assert runner.invoke(cli, ["disable-user", "--email", "nobody@council.example"]).exit_code == 1


def test_api_keys_are_listed_without_their_secret(session: Session) -> None:
    key, plain = create_api_key(session, "council import", Role.admin)
    result = CliRunner().invoke(cli, ["list-api-keys"])
    assert result.exit_code == 0 and f"{key.id}\tadmin\tcouncil import" in result.output and plain not in result.output
