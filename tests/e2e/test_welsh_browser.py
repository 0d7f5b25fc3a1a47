"""The Welsh pages in real headless Chromium (issue 15): no English interface text is left on them.

Every text a person can read or hear is collected from the page as the browser shows it: visible text, and the
aria-label, title, placeholder and alt of every element, and the values of buttons. Text inside an element marked
`lang="en"` is a place's own English (its fallback when it has no Welsh), and text marked `translate="no"` is code to
paste: both are left out, and so are the proper nouns in PROPER_NOUNS. What is left must contain none of ENGLISH_WORDS, common English words that are not Welsh.

Set ASSETMAP_SCREENSHOTS to a folder to keep a screenshot of each page (docs/screenshots holds the published ones:
`ASSETMAP_SCREENSHOTS=docs/screenshots .venv/bin/pytest -m browser tests/e2e/test_welsh_browser.py`).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from app.accounts.models import Role
from app.accounts.service import create_user
from app.core.config import get_settings
from app.insights import service as insights
from tests.factories import make_asset

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("lsoas", "councils")]

SCREENSHOTS = Path(os.environ["ASSETMAP_SCREENSHOTS"]) if os.environ.get("ASSETMAP_SCREENSHOTS") else None
PROPER_NOUNS = ("Open Referral UK", "OpenStreetMap", "Changing Places", "Leaflet", "GeoJSON", "CSV", "API", "QR")
ENGLISH_WORDS = frozenset("""
    the and with your you this that from search find places place near nearby results result submit send please
    about there what when where which who how cancel close back next previous more show hide add change report free
    open opens closed day days time times walk walking miles mile minutes people group groups support help contact
    phone email website address postcode category categories accessibility access step yes none only here
    list shortlist share map's embed sign password moderation queue history approve reject save sorry error
""".split())
# The text a person meets on the page: visible text, and what assistive technology reads out.
COLLECT = """
() => {
  const out = [];
  const skip = el => el.closest('body [lang^="en"], [translate="no"]') !== null;  // a place's English; code to paste
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || skip(el) || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'CODE'].includes(el.tagName)) continue;
    if (el.closest('[hidden], [aria-hidden="true"]')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (node.textContent.trim()) out.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], img[alt], input[type=submit], input[type=button]')) {
    if (skip(el)) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'value']) {
      if (el.hasAttribute(name) && (name !== 'value' || el.matches('input[type=submit], input[type=button]'))) out.push(el.getAttribute(name));
    }
  }
  out.push(document.title);
  return out;
}
"""
CARDIFF = "W06000015"


def english_in(page: Page) -> list[str]:
    """The texts on the page that hold an English word."""
    found = []
    for snippet in page.evaluate(COLLECT):
        rest = snippet
        for noun in PROPER_NOUNS:
            rest = rest.replace(noun, " ")
        words = {w.lower() for w in re.findall(r"[A-Za-z']+", rest)}
        if words & ENGLISH_WORDS:
            found.append(snippet)
    return found


def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"cy-{name}.png"), full_page=True)


@pytest.fixture
def places(session):
    """Two places in Cardiff: one written in both languages, one in English only (shown marked lang="en")."""
    both = make_asset(session, name="Community Cafe", name_cy="Caffi Cymunedol", categories=["cafes"],
                      description="A cafe run by volunteers.", description_cy="Caffi sy'n cael ei redeg gan wirfoddolwyr.",
                      lat=51.4816, lon=-3.1791, postcode="CF10 1EP", free=True, drop_in=True,
                      schedule=[{"day": "tue", "opens": "10:00", "closes": "12:00"}])
    english_only = make_asset(session, name="Male Voice Choir", categories=["choirs-music"], description="We sing.",
                              lat=51.4826, lon=-3.1781, postcode="CF10 1EP")
    last_month = insights.published_months(insights.today())[-1]
    rows = [{"d": last_month, "l": "W01001941"} for _ in range(12)]
    session.execute(text("INSERT INTO search_demand (day, lsoa_code, categories, found) VALUES (:d, :l, '{libraries}', 0)"), rows)
    session.commit()
    insights.refresh(get_settings())
    return both, english_only


def welsh(page: Page, path: str) -> None:
    page.goto(path + ("&" if "?" in path else "?") + "lang=cy")
    expect(page.locator("html")).to_have_attribute("lang", "cy")


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("map", "/"),
        ("finder", "/finder?postcode=CF10+1EP&radius=1600"),
        ("add", "/add"),
        ("embed", "/embed"),
        ("embed-builder", "/embed/builder"),
        ("insights", f"/insights?area={CARDIFF}&category=learning&measure=deprivation"),
        ("insights-print", f"/insights/print?area={CARDIFF}&category=learning&measure=deprivation"),
        ("login", "/login"),
        ("story-removal", "/stories/remove"),
        ("claimant-sign-in", "/claimant"),
    ],
)
def test_welsh_pages_have_no_english_interface_text(page: Page, places, name, path):
    welsh(page, path)
    page.wait_for_load_state("networkidle")
    shot(page, name)
    assert english_in(page) == []


def test_a_place_page_in_welsh_shows_the_welsh_text_and_marks_english_fallbacks(page: Page, places):
    both, english_only = places
    welsh(page, f"/places/{both.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Caffi Cymunedol")
    assert english_in(page) == []
    welsh(page, f"/places/{english_only.id}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Male Voice Choir")
    assert heading.evaluate("h => h.closest('[lang]').getAttribute('lang')") == "en"
    assert english_in(page) == []
    welsh(page, f"/places/{english_only.id}/report")
    assert english_in(page) == []
    for form in ("stories/new", "claim", "suggest"):  # the place's other forms: a story, a claim, a correction
        welsh(page, f"/places/{both.id}/{form}")
        assert english_in(page) == [], form


def test_a_printed_shortlist_in_welsh(page: Page, places):
    both, english_only = places
    items = [{"asset_id": str(both.id), "note": ""}, {"asset_id": str(english_only.id), "note": ""}]
    response = page.request.post("/api/v1/shortlists", data={"title": "Syniadau", "items": items})
    assert response.ok, response.text()
    welsh(page, response.json()["url"])
    page.emulate_media(media="print")
    expect(page.locator(".shortlist-qr img")).to_be_visible()
    shot(page, "shortlist-print")
    assert english_in(page) == []


def test_the_moderation_queue_in_welsh(page: Page, places, session):
    create_user(session, "moderator@council.example", "a long enough password", Role.moderator)
    welsh(page, "/moderate")
    page.locator("input[type=email]").fill("moderator@council.example")
    page.locator("input[type=password]").fill("a long enough password")
    page.locator("form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    assert english_in(page) == []


def test_the_check_finds_the_english_of_an_english_page(page: Page, places):
    # The same pages in English must trip the check, or it proves nothing about the Welsh ones.
    for path in ("/finder?postcode=CF10+1EP&radius=1600&lang=en", "/add?lang=en", "/embed/builder?lang=en"):
        page.goto(path)
        assert len(english_in(page)) > 10, path
