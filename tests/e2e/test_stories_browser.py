"""Stories in a real browser: a resident tells a place's story, a moderator takes a name out and publishes it, it shows
on the place page and in the finder, a reader reports it, and its author removes it with the reference."""

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
TOLD = "Dave Jones from number 4 brought me here when I was low. The Tuesday singing got me through the winter."
REDACTED = "A neighbour brought me here when I was low. The Tuesday singing got me through the winter."


@pytest.fixture
def people(browser: Browser, live_server: str, guard: Guard) -> Iterator[Callable[[], Page]]:
    """Each call opens a page in a context of its own (another person, with their own cookies)."""
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


def test_a_story_from_sending_to_removal(people: Callable[[], Page], session: Session) -> None:
    place = make_asset(session, name="Tuesday Singers", categories=["choirs-music"], lat=53.4836, lon=-2.2320)
    create_user(session, MODERATOR, PASSWORD, Role.moderator)

    # A resident tells the place's story, and is given a reference
    author = people()
    author.goto(f"/places/{place.id}")
    expect(author.get_by_text("No stories yet.")).to_be_visible()
    author.get_by_role("link", name="Share your story").click()
    expect(author.get_by_role("heading", name="Share your story about Tuesday Singers")).to_be_visible()
    author.get_by_label("Your story").fill(TOLD)
    author.get_by_label("Your first name").fill("<script>alert(1)</script>")
    author.get_by_role("button", name="Send your story").click()
    # refused, and said so, with what was typed kept (as text)
    expect(author.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(author.get_by_text("Your first name must be plain text", exact=False).first).to_be_visible()
    expect(author.get_by_text("Tick the box to agree", exact=False).first).to_be_visible()
    expect(author.get_by_label("Your first name")).to_have_value("<script>alert(1)</script>")
    author.get_by_label("Your first name").fill("Jean")
    author.get_by_label("I agree that my story may be published").check()
    author.get_by_role("button", name="Send your story").click()
    expect(author.get_by_role("heading", name="Thank you for your story")).to_be_visible()
    reference = author.locator("#story-reference").inner_text()
    assert re.fullmatch(r"ST-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    author.get_by_role("link", name="Back to Tuesday Singers").click()
    expect(author.get_by_text("Dave Jones", exact=False)).to_have_count(0)  # not before a moderator approves it

    # A moderator takes the name out, then publishes it
    moderator = people()
    moderator.goto("/moderate")
    moderator.get_by_label("Email address").fill(MODERATOR)
    moderator.get_by_label("Password").fill(PASSWORD)
    moderator.get_by_role("button", name="Sign in").click()
    moderator.get_by_role("navigation", name="Moderation").get_by_role("link", name="Stories").click()
    expect(moderator.get_by_role("heading", name="Stories to moderate")).to_be_visible()
    moderator.get_by_role("link", name=re.compile("Dave Jones")).click()
    moderator.get_by_label("The story").fill(REDACTED)
    expect(moderator.get_by_label("Why (for the history)")).to_have_value("Edited to remove a name")
    moderator.get_by_role("button", name="Save the edit").click()
    expect(moderator.get_by_text("Saved. The history records your edit")).to_be_visible()
    history = moderator.locator("#story-history")
    expect(history).to_contain_text("Edited by")
    expect(history).to_contain_text("“Edited to remove a name”")
    expect(history).not_to_contain_text("Dave")
    moderator.get_by_role("button", name="Approve and publish").click()
    expect(moderator.get_by_text("Done: the story is now published.")).to_be_visible()

    # It shows on the place page and in the finder's details, in its language
    reader = people()
    reader.goto(f"/places/{place.id}")
    story = reader.locator("figure.story")
    expect(story.locator('blockquote[lang="en"]')).to_have_text(REDACTED)
    expect(story.locator("figcaption")).to_contain_text("Jean")
    reader.goto("/finder?postcode=M1+1AE")
    result = reader.locator(".finder-result", has_text="Tuesday Singers")
    result.get_by_text("1 story from people who go there").click()
    expect(result.locator("figure.story blockquote")).to_have_text(REDACTED)

    # A reader reports it: it stays up, and heads the moderator's reported list
    reader.goto(f"/places/{place.id}")
    reader.get_by_role("link", name="Report this story").click()
    reader.get_by_role("button", name="Report this story").click()
    expect(reader.get_by_text("Choose what is wrong").first).to_be_visible()
    reader.get_by_label("It is unkind or offensive").check()
    reader.get_by_role("button", name="Report this story").click()
    expect(reader.get_by_role("heading", name="Thank you for telling us")).to_be_visible()
    reader.goto(f"/places/{place.id}")
    expect(reader.locator("figure.story")).to_have_count(1)
    moderator.goto("/moderate/stories?reported=true")
    expect(moderator.get_by_text("1 report")).to_be_visible()

    # The author removes it with the reference
    author.goto("/stories/remove")
    author.get_by_label("Your reference").fill("ST-0000-0000-0000")
    author.get_by_role("button", name="Remove my story").click()
    expect(author.get_by_text("No story has this reference", exact=False).first).to_be_visible()
    author.get_by_label("Your reference").fill(reference.lower())
    author.get_by_role("button", name="Remove my story").click()
    expect(author.get_by_role("heading", name="Your story has been removed")).to_be_visible()
    reader.goto(f"/places/{place.id}")
    expect(reader.locator("figure.story")).to_have_count(0)
    moderator.goto("/moderate/stories?reported=true")
    expect(moderator.get_by_text("Nothing to do here.")).to_be_visible()
