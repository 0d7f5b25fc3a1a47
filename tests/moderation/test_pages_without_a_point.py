"""Every /moderate page with services that have no point (issue 19: by phone, online or at home): the queue (each
kind, filtered by area, decided), a new service's, a suggested change's and a report's page with the place edit form
and its amendment, the place's history and a restore, stale places and duplicates, in English and Welsh. None may
fail; each says what it is about."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from app.accounts.models import Role
from app.assets.service import flag_duplicates
from app.core.config import get_settings
from tests.factories import make_asset
from tests.people import browser, make_user, page_token, sign_in

pytestmark = pytest.mark.usefixtures("councils")
LINE = "Befriending <i>line</i>"


@pytest.fixture
def moderator(app, session):
    make_user(session, Role.moderator, "all@council.example")
    web = browser(app)
    sign_in(web, "all@council.example")
    return web


@pytest.fixture
def line(session, client):
    since = datetime.now(UTC) - timedelta(minutes=1)
    old = datetime.now(UTC) - timedelta(days=800)
    made = make_asset(session, name=LINE, delivery="phone", service_areas=["E08000003"], lat=None, lon=None,
                      phone="0161 000 1111", source="import:a", external_id="1", last_verified_at=old)
    make_asset(session, name="Befriending line", delivery="online", service_areas=["UK"], lat=None, lon=None,
               source="import:b", external_id="2", website="https://line.example.org")
    flag_duplicates(session, ["import:a"], since, get_settings())
    new = {"name": "Befriending line too", "categories": ["befriending"], "delivery": "phone", "service_areas": ["UK"]}
    for body in (
        {"kind": "new", "place": new},
        {"kind": "edit", "asset_id": str(made.id), "changes": {"phone": "0161 999 0000"}},
        {"kind": "report", "asset_id": str(made.id), "reason": "closed"},
    ):
        assert client.post("/api/v1/submissions", json=body).status_code == 202
    return made


def ok(web, path: str, **params) -> str:
    response = web.get(path, params=params)
    assert response.status_code == 200, (path, params, response.status_code)
    assert "<i>line</i>" not in response.text  # what people typed is escaped
    return response.text


def test_every_moderation_page_shows_a_service_without_a_point(moderator, session, line):
    ids = dict(session.execute(text("SELECT kind, id FROM submission")).all())
    for lang in ("en", "cy"):
        queue = ok(moderator, "/moderate", lang=lang)
        assert queue.count("/moderate/submissions/") >= 3
        for kind in ("new", "edit", "report"):
            ok(moderator, "/moderate", kind=kind, lang=lang)
            page = ok(moderator, f"/moderate/submissions/{ids[kind]}", lang=lang)
            assert 'name="service_areas"' in page or kind == "report" or 'name="delivery"' in page
        ok(moderator, "/moderate", area="E08000003", lang=lang)
        assert "Befriending &lt;i&gt;line&lt;/i&gt;" in ok(moderator, f"/moderate/assets/{line.id}/history", lang=lang)
        ok(moderator, "/moderate/stale", lang=lang)
        duplicates = ok(moderator, "/moderate/duplicates", lang=lang)
        assert "Befriending &lt;i&gt;line&lt;/i&gt;" in duplicates
    assert "Befriending &lt;i&gt;line&lt;/i&gt;" in ok(moderator, "/moderate/stale")


def test_deciding_on_a_service_without_a_point_on_the_pages(moderator, session, client, line):
    ids = dict(session.execute(text("SELECT kind, id FROM submission")).all())
    path = f"/moderate/submissions/{ids['edit']}"
    amended = {"name": LINE, "categories": ["community-centres"], "delivery": "phone", "service_areas": ["E08000003"],
               "phone": "0161 999 0001", "csrf_token": page_token(moderator, path)}
    done = moderator.post(f"{path}/amend", data=amended, follow_redirects=False)
    assert done.status_code == 303, done.text
    approved = moderator.post(f"{path}/approve", data={"csrf_token": amended["csrf_token"]}, follow_redirects=False)
    assert approved.status_code == 303
    assert client.get(f"/api/v1/assets/{line.id}").json()["phone"] == "0161 999 0001"
    history = ok(moderator, f"/moderate/assets/{line.id}/history")
    entry = session.execute(text("SELECT min(id) FROM asset_history WHERE asset_id = :id"), {"id": line.id}).scalar_one()
    restored = moderator.post(f"/moderate/assets/{line.id}/history/{entry}/restore",
                              data={"csrf_token": page_token(moderator, f"/moderate/assets/{line.id}/history")},
                              follow_redirects=False)
    assert restored.status_code == 303 and "0161 999 0001" in history
    assert client.get(f"/api/v1/assets/{line.id}").json()["phone"] == "0161 000 1111"
    ok(moderator, "/moderate", status="approved")
    verified = moderator.post(f"/moderate/assets/{line.id}/verify",
                              data={"csrf_token": page_token(moderator, "/moderate/stale"), "next": "/moderate/stale"},
                              follow_redirects=False)
    assert verified.status_code == 303
    ok(moderator, "/moderate/stale", verified=str(line.id))
    report = f"/moderate/submissions/{ids['report']}"
    archived = moderator.post(f"{report}/approve", data={"csrf_token": page_token(moderator, report)},
                              follow_redirects=False)
    assert archived.status_code == 303
    ok(moderator, f"/moderate/assets/{line.id}/history")
