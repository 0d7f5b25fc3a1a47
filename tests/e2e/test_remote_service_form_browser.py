"""A resident adds a service that is not a place (issue 19) in real headless Chromium: a phone helpline serving Wales,
with no postcode; a moderator approves it, and the finder lists it under "By phone or online" for a Cardiff postcode
(and not for a Manchester one)."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_user
from tests.e2e.conftest import Guard

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("nations")]
PASSWORD = "a long enough password"
NAME = "Carers Wales <b>helpline</b>"  # what people type is shown as text


@pytest.fixture
def moderator_page(session: Session, browser: Browser, live_server: str, guard: Guard) -> Iterator[Page]:
    create_user(session, "all@council.example", PASSWORD, Role.moderator)
    context = guard.watch(browser.new_context(base_url=live_server))
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_resident_adds_a_helpline_for_wales_found_from_cardiff(page: Page, moderator_page: Page) -> None:
    page.goto("/add")
    page.get_by_label("Name of the place or group (in English)").fill(NAME)
    page.locator("summary", has_text="Social connection").click()
    page.get_by_label("Befriending", exact=True).check()
    page.get_by_label("By phone", exact=True).check()
    page.get_by_role("button", name="Send for checking").click()  # no area yet: the form says so
    expect(page.locator("#service_areas-error")).to_contain_text("needs its service areas")
    expect(page.get_by_label("By phone", exact=True)).to_be_checked()
    page.locator("#service_areas summary", has_text="Nations").click()
    page.get_by_label("Wales", exact=True).check()
    page.get_by_label("Phone (optional)").fill("0800 000 1234")
    page.get_by_role("button", name="Send for checking").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    moderator_page.goto("/moderate")
    moderator_page.get_by_label("Email address").fill("all@council.example")
    moderator_page.get_by_label("Password").fill(PASSWORD)
    moderator_page.get_by_role("button", name="Sign in").click()
    moderator_page.get_by_role("link", name=NAME).click()
    moderator_page.get_by_role("button", name="Approve and publish").click()
    expect(moderator_page.get_by_role("status")).to_contain_text("Approved")

    page.goto("/finder")
    page.get_by_label("Postcode").fill("CF10 1EP")
    page.get_by_role("button", name="Search", exact=True).click()
    remote = page.locator(".finder-remote")
    expect(remote.get_by_role("heading", name="By phone or online")).to_be_visible()
    line = remote.locator(".remote-result", has=page.get_by_role("link", name=NAME))
    expect(line).to_contain_text("By phone: for people in Wales")
    expect(line.get_by_role("link", name="0800 000 1234")).to_be_visible()

    page.goto("/finder?postcode=M1+1AE")
    expect(page.locator(".finder-remote .remote-result")).to_have_count(0)
