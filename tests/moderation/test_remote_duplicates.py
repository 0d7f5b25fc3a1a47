"""Likely duplicates among services that are not a place (issue 19): they have no position, so they are alike when
both are by phone, online or at home, their names are alike and their service areas reach some of the same people
(a code in common, the whole UK, or one area holding the other). Imports flag such pairs for /moderate/duplicates,
and a resident's new service shows the existing one it may repeat."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from app.accounts.models import Role
from app.assets.service import flag_duplicates
from app.core.config import get_settings
from tests.factories import make_asset
from tests.people import browser, make_user, sign_in

pytestmark = pytest.mark.usefixtures("nations")


def remote(session, name: str, areas: list[str], source: str, delivery: str = "phone", **kw):
    return make_asset(session, name=name, delivery=delivery, service_areas=areas, lat=None, lon=None, source=source,
                      external_id=name, **kw)


def flagged(session) -> set[frozenset[str]]:
    rows = session.execute(text(
        "SELECT a.name, b.name FROM asset_duplicate p JOIN asset a ON a.id = p.asset_id JOIN asset b ON b.id = p.other_id"
    ))
    return {frozenset(row) for row in rows}


def test_an_import_flags_remote_services_alike_in_name_and_areas(session):
    since = datetime.now(UTC) - timedelta(minutes=1)
    remote(session, "Carers Wales helpline", ["W06000015"], "charity-file")  # Cardiff
    remote(session, "Carers Wales Helpline.", ["W92000004"], "import:oruk", delivery="online")  # Wales holds Cardiff
    remote(session, "Manchester befriending line", ["E08000003"], "charity-file")
    remote(session, "Manchester befriending line", ["E08000006"], "import:oruk")  # Salford: a neighbour, not the same
    remote(session, "Silver line", ["UK"], "import:oruk")
    remote(session, "The Silver Line", ["E08000003"], "charity-file")  # the whole UK reaches Manchester
    make_asset(session, name="Carers Wales helpline", lat=51.4816, lon=-3.1791, source="import:oruk", external_id="p")
    found = flag_duplicates(session, ["import:oruk"], since, get_settings())
    assert flagged(session) == {
        frozenset({"Carers Wales helpline", "Carers Wales Helpline."}),
        frozenset({"Silver line", "The Silver Line"}),
    }
    assert found == 2
    assert flag_duplicates(session, ["import:oruk"], since, get_settings()) == 0  # each pair once


def test_the_duplicates_page_and_api_show_a_remote_pair_without_a_distance(app, session, client, admin_headers):
    since = datetime.now(UTC) - timedelta(minutes=1)
    keep = remote(session, "Silver line", ["UK"], "import:oruk")
    other = remote(session, "The Silver Line", ["E08000003"], "charity-file")
    flag_duplicates(session, ["import:oruk"], since, get_settings())
    listed = client.get("/api/v1/moderation/duplicates", headers=admin_headers)
    assert listed.status_code == 200, listed.text
    [pair] = listed.json()["items"]
    assert pair["distance_m"] is None and {pair["first"]["delivery"], pair["second"]["delivery"]} == {"phone"}
    make_user(session, Role.moderator, "all@council.example")
    web = browser(app)
    sign_in(web, "all@council.example")
    page = web.get("/moderate/duplicates")
    assert page.status_code == 200 and "serving some of the same areas" in page.text and "m apart" not in page.text
    merged = client.post("/api/v1/moderation/duplicates/merge", json={"keep": str(keep.id), "merge": str(other.id)},
                         headers=admin_headers)
    assert merged.status_code == 200, merged.text
    assert merged.json()["delivery"] == "phone" and merged.json()["lat"] is None


def test_a_new_remote_service_shows_the_one_it_may_repeat(app, session, client, admin_headers):
    existing = remote(session, "Carers Wales helpline", ["W92000004"], "charity-file")
    remote(session, "Carers Wales helpline", ["E08000003"], "charity-file2")  # serves no one in Cardiff
    place = {"name": "Carers Wales Helpline", "categories": ["befriending"], "delivery": "phone",
             "service_areas": ["W06000015"]}
    sent = client.post("/api/v1/submissions", json={"kind": "new", "place": place})
    assert sent.status_code == 202, sent.text
    other = client.post("/api/v1/submissions", json={"kind": "new", "place": {**place, "service_areas": ["UK"]}})
    assert other.status_code == 202
    submission_id = session.execute(
        text("SELECT id FROM submission WHERE reference = :r"), {"r": sent.json()["reference"]}
    ).scalar_one()
    queue = client.get("/api/v1/moderation/submissions", headers=admin_headers).json()["items"]
    assert all(item["possible_duplicate"] for item in queue)
    detail = client.get(f"/api/v1/moderation/submissions/{submission_id}", headers=admin_headers).json()
    found = [(d["source"], d["id"] if d["source"] == "asset" else "other", d["distance_m"]) for d in detail["duplicates"]]
    assert found == [("asset", str(existing.id), None), ("submission", "other", None)]
    make_user(session, Role.moderator, "all@council.example")
    web = browser(app)
    sign_in(web, "all@council.example")
    page = web.get(f"/moderate/submissions/{submission_id}")
    assert page.status_code == 200 and "no position: it serves some of the same areas" in page.text
