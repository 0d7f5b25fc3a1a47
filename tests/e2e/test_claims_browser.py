"""A group keeps its own listing, in a real browser with a real SMTP server: claim the place, open the confirmation
link from the e-mail, a moderator approves, the claimant signs in from the e-mailed link, edits the place (live on its
page at once) and confirms it is still running, and a moderator restores the earlier version."""

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_user
from tests.e2e.conftest import BLANK_TILE, Guard, free_port_url, serving
from tests.factories import make_asset
from tests.smtp import SmtpServer

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
MODERATOR = "moderator@council.example"
GROUP = "organiser@knitters.example"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def mail_server(database: str, smtp: SmtpServer) -> Iterator[str]:
    """The app, sending its e-mail to the test's SMTP server; links in e-mails point to it."""
    url = free_port_url()
    with serving(smtp.settings(public_base_url=url, tile_url=BLANK_TILE), url) as served:
        yield served


@pytest.fixture
def person(browser: Browser, mail_server: str) -> Iterator:
    """Each call opens a page in a context of its own (another person), watched like every browser test's."""
    guard = Guard(allowed_hosts={urlsplit(mail_server).netloc})
    contexts = []

    def open_page() -> Page:
        context = guard.watch(browser.new_context(base_url=mail_server, viewport={"width": 1280, "height": 900}))
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
    guard.check()


def test_a_group_claims_and_keeps_its_listing(person, session: Session, smtp: SmtpServer) -> None:
    place = make_asset(session, name="Hulme Knit and Natter", phone="0161 000 0000", lat=53.4809, lon=-2.2374)
    create_user(session, MODERATOR, PASSWORD, Role.moderator)

    group = person()
    group.goto(f"/places/{place.id}")
    group.get_by_role("link", name="Is this your group? Claim this listing").click()
    group.get_by_label("Your group's or work e-mail address").fill(GROUP)
    group.get_by_label("How are you connected with the group?").fill("I run the Tuesday sessions.")
    group.get_by_role("button", name="Send my claim").click()
    expect(group.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    (link,) = smtp.only(GROUP).links
    group.goto(link)
    group.get_by_role("button", name="Confirm my claim").click()
    expect(group.get_by_role("heading", name="Thank you: your claim is with a moderator")).to_be_visible()

    moderator = person()
    moderator.goto("/login?next=/moderate/claims")
    moderator.get_by_label("Email address").fill(MODERATOR)
    moderator.get_by_label("Password").fill(PASSWORD)
    moderator.get_by_role("button", name="Sign in").click()
    expect(moderator.get_by_role("heading", name="Claims")).to_be_visible()
    expect(moderator.get_by_text("I run the Tuesday sessions.")).to_be_visible()
    moderator.get_by_role("button", name="Approve").click()
    expect(moderator.get_by_role("status")).to_contain_text("Claim approved")

    group.goto("/claimant")
    group.get_by_label("Email address").fill(GROUP)
    group.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(group.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    sign_in = [m for m in smtp.messages if GROUP in m.recipients][-1]
    assert sign_in.subject == "Your sign-in link"
    group.goto(sign_in.links[0])
    group.get_by_role("button", name="Sign in").click()
    expect(group.get_by_role("heading", name="Your places")).to_be_visible()
    group.get_by_role("link", name="Edit this place").click()
    group.get_by_role("textbox", name="Phone").fill("0161 999 9999")
    group.get_by_role("button", name="Save changes").click()
    expect(group.get_by_role("status")).to_contain_text("Hulme Knit and Natter is updated on the map")
    group.get_by_role("button", name="Still running").click()
    expect(group.get_by_role("status")).to_contain_text("marked as still running")

    visitor = person()
    visitor.goto(f"/places/{place.id}")
    expect(visitor.get_by_text("0161 999 9999")).to_be_visible()

    moderator.goto(f"/moderate/assets/{place.id}/history")
    expect(moderator.get_by_text("By claimant:").first).to_be_visible()
    moderator.get_by_role("button", name="Restore this version").last.click()
    visitor.goto(f"/places/{place.id}")
    expect(visitor.get_by_text("0161 000 0000")).to_be_visible()
    expect(visitor.get_by_text("0161 999 9999")).to_have_count(0)
