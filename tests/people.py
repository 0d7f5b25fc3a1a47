"""Accounts and signed-in clients for tests of the pages and the moderation API."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.models import Role, UserAccount
from app.accounts.service import create_user

PASSWORD = "a long enough password"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(
    session: Session, role: Role = Role.moderator, email: str | None = None, areas: list[str] | None = None
) -> UserAccount:
    return create_user(session, email or f"{role.value}@council.example", PASSWORD, role, areas)


def browser(app) -> TestClient:
    """A client on https, so the Secure cookies travel as they would in a browser."""
    return TestClient(app, base_url="https://testserver")


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def page_token(client: TestClient, path: str) -> str:
    """The CSRF token of the form on `path`."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    return csrf_of(response.text)
