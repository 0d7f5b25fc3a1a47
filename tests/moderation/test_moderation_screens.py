"""What moderators read on their screens: field names as words, dates as dates, and only the actions that fit."""

import re
from datetime import UTC, datetime

from sqlalchemy import text

from app.accounts.models import Role
from app.assets.service import archive_asset, verify_asset
from app.core.dates import uk_date
from tests.factories import make_asset
from tests.people import browser, make_user, sign_in

RAW_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
FIELD_KEY = re.compile(r">\s*([a-z]+_[a-z_]+)\s*<")  # a snake_case name shown as text


def _moderator(app, session):
    web = browser(app)
    sign_in(web, make_user(session, Role.moderator, "mod@council.example").email)
    return web


def test_history_shows_field_labels_and_formatted_dates(app, session):
    place = make_asset(session, name="Knit and natter", last_verified_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC))
    verified = verify_asset(session, place.id, "mod@council.example")
    page = _moderator(app, session).get(f"/moderate/assets/{place.id}/history").text
    assert "Last checked" in page
    assert uk_date(verified.last_verified_at, with_time=True) in page
    assert "1 March 2025, 09:30" in page  # the value before: UK time
    assert not RAW_TIMESTAMP.search(page), RAW_TIMESTAMP.search(page).group(0)
    assert not FIELD_KEY.findall(page), FIELD_KEY.findall(page)


def test_a_report_shows_the_place_with_field_labels_and_formatted_dates(app, client, session):
    place = make_asset(session, name="Men's shed", source="osm", external_id="node/42",
                       last_verified_at=datetime(2025, 7, 14, 16, 5, tzinfo=UTC))
    sent = client.post("/api/v1/submissions", json={"kind": "report", "asset_id": str(place.id), "reason": "closed"})
    assert sent.status_code == 202, sent.text
    submission_id = session.execute(text("SELECT id FROM submission")).scalar_one()
    page = _moderator(app, session).get(f"/moderate/submissions/{submission_id}").text
    assert "Last checked" in page and "14 July 2025, 17:05" in page  # BST
    assert ">Status<" in page and ">Published<" in page
    assert not RAW_TIMESTAMP.search(page), RAW_TIMESTAMP.search(page).group(0)
    assert not FIELD_KEY.findall(page), FIELD_KEY.findall(page)


def test_an_archived_place_does_not_offer_still_running(app, session):
    place = make_asset(session, name="Closed caff")
    web = _moderator(app, session)
    assert "Still running?" in web.get(f"/moderate/assets/{place.id}/history").text
    archive_asset(session, place.id, "mod@council.example")
    page = web.get(f"/moderate/assets/{place.id}/history").text
    assert "mark verified" not in page
    assert f'action="/moderate/assets/{place.id}/verify"' not in page
