"""Claims tests: an app that sends its e-mail to the real SMTP server of each test, and the steps of a claim."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.people import browser, page_token
from tests.smtp import SmtpServer, smtp_server  # noqa: F401  (a fixture)


@pytest.fixture
def mail_app(smtp_server: SmtpServer):  # noqa: F811
    return create_app(smtp_server.settings(public_base_url="https://map.example.org"))


@pytest.fixture
def web(mail_app) -> Iterator[TestClient]:
    """A visitor's browser on the app that sends mail."""
    with browser(mail_app) as client:
        yield client


def link_path(link: str) -> str:
    """The path of a link in an e-mail (they point to PUBLIC_BASE_URL)."""
    assert link.startswith("https://map.example.org/"), link
    return link.removeprefix("https://map.example.org")


def claim(web: TestClient, asset_id: object, email: str, note: str = "I run the Tuesday sessions.", **params: str):
    """Sends the claim form of a place; answers the response."""
    token = page_token(web, f"/places/{asset_id}/claim")
    return web.post(f"/places/{asset_id}/claim", data={"csrf_token": token, "email": email, "note": note}, params=params)


def open_link(web: TestClient, path: str):
    """Opens an e-mailed link's page and presses its button (links are used only by the POST)."""
    token = page_token(web, path)
    return web.post(path, data={"csrf_token": token}, follow_redirects=False)
