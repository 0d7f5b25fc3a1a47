"""Journeys in a real browser: a resident adds a place and a moderator publishes it; a closure report hides a place."""

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_user
from tests.e2e.conftest import Guard
from tests.factories import make_asset

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
MODERATOR = "moderator@council.example"


def nearby(page: Page) -> list[str]:
    response = page.request.get("/api/v1/assets/nearby", params={"postcode": "M1 1AE", "radius_m": 2000})
    assert response.ok
    return [item["name"] for item in response.json()["items"]]


def sign_in_and_open(page: Page, place_name: str) -> None:
    """A moderator signs in, finds the submission in the queue and opens it."""
    page.goto("/moderate")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email address").fill(MODERATOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    page.get_by_role("link", name=place_name).click()


@pytest.fixture
def moderator(session: Session) -> None:
    create_user(session, MODERATOR, PASSWORD, Role.moderator)


@pytest.fixture
def new_person(browser: Browser, live_server: str, guard: Guard) -> Iterator[Callable[[], Page]]:
    """Each call opens a page in a context of its own (its own cookies: another person), watched by the guard."""
    contexts = []

    def open_page() -> Page:
        context = guard.watch(browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}))
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_a_residents_new_place_is_published_by_a_moderator(new_person: Callable[[], Page], moderator: None) -> None:
    resident = new_person()
    resident.goto("/add")
    resident.get_by_label("Name of the place or group (in English)").fill("Ancoats Ukulele Circle")
    resident.get_by_label("What is it? (in English)").fill("Bring a ukulele, or borrow one. All levels.")
    resident.locator("summary", has_text="Arts, music and culture").click()
    resident.get_by_label("Choirs and music").check()
    resident.get_by_label("Postcode").fill("M1 1AE")
    resident.get_by_label("Yes, it is free").check()
    resident.get_by_role("button", name="Send for checking").click()
    expect(resident.get_by_role("heading", name="Thank you")).to_be_visible()
    reference = resident.locator(".reference").inner_text()
    assert re.fullmatch(r"AM-[0-9A-Z]{8}", reference)
    assert "Ancoats Ukulele Circle" not in nearby(resident)

    moderator_page = new_person()
    sign_in_and_open(moderator_page, "Ancoats Ukulele Circle")
    expect(moderator_page.get_by_role("cell", name="Bring a ukulele, or borrow one. All levels.")).to_be_visible()
    moderator_page.get_by_role("button", name="Approve and publish").click()
    expect(moderator_page.get_by_role("status")).to_contain_text(f"Approved {reference}")
    assert "Ancoats Ukulele Circle" in nearby(resident)
    resident.goto("/?postcode=M1 1AE")
    expect(resident.locator(".asset-marker[title^='Ancoats Ukulele Circle']")).to_have_count(1)
    expect(resident.locator("#results-list .result", has_text="Ancoats Ukulele Circle")).to_have_count(1)

    resident.goto(f"/submitted/{reference}")
    expect(resident.get_by_text("Approved", exact=True)).to_be_visible()


def test_a_closure_report_approved_by_a_moderator_removes_the_place(
    new_person: Callable[[], Page], moderator: None, session: Session
) -> None:
    asset = make_asset(session, name="Piccadilly Lunch Club", lat=53.4809, lon=-2.2374)
    resident = new_person()
    assert "Piccadilly Lunch Club" in nearby(resident)
    resident.goto(f"/places/{asset.id}/report")
    resident.get_by_label("It has closed or no longer runs").check()
    resident.get_by_label("Anything our moderators should know?").fill("The hall shut in May.")
    resident.get_by_role("button", name="Send report").click()
    expect(resident.get_by_role("heading", name="Thank you")).to_be_visible()

    moderator_page = new_person()
    sign_in_and_open(moderator_page, "Piccadilly Lunch Club")
    expect(moderator_page.get_by_text("The hall shut in May.")).to_be_visible()
    moderator_page.get_by_role("button", name="Approve: archive this place").click()
    expect(moderator_page.get_by_role("status")).to_contain_text("Approved")
    assert "Piccadilly Lunch Club" not in nearby(resident)
    resident.goto("/?postcode=M1 1AE")
    expect(resident.locator("#results-status")).to_contain_text(re.compile(r"(near|of) M1 1AE"))
    expect(resident.locator("#results-list .result", has_text="Piccadilly Lunch Club")).to_have_count(0)
