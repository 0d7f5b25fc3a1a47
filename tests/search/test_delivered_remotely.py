"""Services that are not a place (issue 19): delivered by phone, online or at home, found by their service areas.

The nearby search lists them apart (`remote`), without a distance, when the searched point lies inside one of their
areas; the usual filters apply to them; they are never among the places (`items`, `total`), the map or the exports'
geometries, and they have no position, public or private."""

import pytest
from sqlalchemy import text

from tests.factories import make_asset

pytestmark = pytest.mark.usefixtures("councils")

MANCHESTER = {"lat": 53.4808, "lon": -2.2426}  # Albert Square (E08000003)
SALFORD = {"lat": 53.4830, "lon": -2.2930}  # Salford Crescent (E08000006)
CARDIFF = {"lat": 51.4816, "lon": -3.1791}  # W06000015


def remote(client, **params) -> dict:
    response = client.get("/api/v1/assets/nearby", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def names(body: dict) -> list[str]:
    return [item["name"] for item in body["remote"]["items"]]


@pytest.fixture
def services(session):
    made = {
        "line": make_asset(session, name="Manchester befriending line", delivery="phone",
                           service_areas=["E08000003"], phone="0161 000 1111", free=True,
                           schedule=[{"day": "tue", "opens": "10:00", "closes": "12:00"}], languages=["Polish"],
                           min_age=60, lat=None, lon=None),
        "group": make_asset(session, name="Salford and Manchester online peer group", delivery="online",
                            service_areas=["E08000006", "e08000003"], free=False, lat=None, lon=None,
                            categories=["mental-health-peer-support"]),
        "uk": make_asset(session, name="National rare condition group", delivery="online", service_areas=["UK"],
                         lat=None, lon=None, free=True),
        "place": make_asset(session, name="Lunch club", **MANCHESTER),
    }
    return made


def test_a_search_inside_a_service_area_lists_its_services_apart(client, services):
    body = remote(client, **MANCHESTER)
    assert [i["name"] for i in body["items"]] == ["Lunch club"]
    assert body["total"] == 1  # the places only
    assert body["remote"]["total"] == 3
    assert names(body) == [
        "Manchester befriending line", "National rare condition group", "Salford and Manchester online peer group",
    ]
    line = body["remote"]["items"][0]
    assert line["lat"] is None and line["lon"] is None and "distance_m" not in line
    assert line["delivery"] == "phone" and line["service_areas"] == ["E08000003"]
    assert body["items"][0]["delivery"] == "location" and body["items"][0]["service_areas"] == []


def test_a_search_outside_the_areas_finds_only_the_uk_wide_service(client, services):
    assert names(remote(client, **SALFORD)) == [
        "National rare condition group", "Salford and Manchester online peer group",
    ]
    body = remote(client, **CARDIFF)
    assert names(body) == ["National rare condition group"] and body["items"] == []
    assert names(remote(client, postcode="CF10 1EP")) == ["National rare condition group"]


def test_the_filters_apply_to_them(client, services):
    assert names(remote(client, **MANCHESTER, free="true")) == [
        "Manchester befriending line", "National rare condition group",
    ]
    assert names(remote(client, **MANCHESTER, day="tue", time="11:00")) == ["Manchester befriending line"]
    assert names(remote(client, **MANCHESTER, day="tue", time="13:00")) == []
    assert names(remote(client, **MANCHESTER, language="polish")) == ["Manchester befriending line"]
    assert names(remote(client, **MANCHESTER, age=30)) == [
        "National rare condition group", "Salford and Manchester online peer group",
    ]
    assert names(remote(client, **MANCHESTER, category="mental-health-peer-support")) == ["Salford and Manchester online peer group"]


def test_they_are_listed_once_on_the_first_page(client, services):
    body = remote(client, **MANCHESTER, limit=2)
    assert len(body["remote"]["items"]) == 2 and body["remote"]["total"] == 3
    later = remote(client, **MANCHESTER, offset=20)
    assert later["remote"] == {"total": 3, "items": []}


def test_they_have_no_position_public_or_private(client, session, services):
    row = session.execute(
        text("SELECT location, exact_location FROM asset WHERE id = :id"), {"id": services["line"].id}
    ).one()
    assert row == (None, None)
    stored = client.get(f"/api/v1/assets/{services['line'].id}").json()
    assert (stored["lat"], stored["lon"], stored["delivery"]) == (None, None, "phone")
    # not on the map's layer
    layer = client.get("/api/v1/assets.geojson", params={"bbox": "-2.4,53.4,-2.1,53.6"}).json()
    assert [f["properties"]["name"] for f in layer["features"]] == ["Lunch club"]


def test_the_exports_carry_the_area_and_no_geometry(client, services):
    features = {f["properties"]["name"]: f for f in client.get("/api/v1/export.geojson").json()["features"]}
    line = features["Manchester befriending line"]
    assert line["geometry"] is None
    assert line["properties"]["service_areas"] == ["E08000003"] and line["properties"]["delivery"] == "phone"
    csv_text = client.get("/api/v1/export.csv").text
    assert "E08000006; E08000003" in csv_text


def test_a_service_without_a_place_needs_known_service_areas(client, session, admin_headers):
    body = {"name": "Helpline", "categories": ["community-centres"], "delivery": "phone"}
    refused = client.post("/api/v1/assets", json=body, headers=admin_headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "service_areas"
    unknown = client.post("/api/v1/assets", json={**body, "service_areas": ["E99999999"]}, headers=admin_headers)
    assert unknown.status_code == 422 and "E99999999" in unknown.json()["detail"]
    made = client.post("/api/v1/assets", json={**body, "service_areas": ["uk"]}, headers=admin_headers)
    assert made.status_code == 201, made.text
    assert made.json()["service_areas"] == ["K02000001"] and made.json()["lat"] is None
    # moving it to a place gives it a position again; without one it is refused
    moved = client.patch(f"/api/v1/assets/{made.json()['id']}", json={"delivery": "location"}, headers=admin_headers)
    assert moved.status_code == 422
    placed = client.patch(
        f"/api/v1/assets/{made.json()['id']}", json={"delivery": "location", "postcode": "M1 1AE"}, headers=admin_headers
    )
    assert placed.status_code == 200 and placed.json()["lat"] is not None


def test_the_place_page_says_how_and_where_without_a_map(client, services):
    page = client.get(f"/places/{services['group'].id}").text
    assert "Online" in page and "Salford, Manchester" in page
    assert "place-map" not in page
    welsh = client.get(f"/places/{services['uk'].id}", params={"lang": "cy"}).text
    assert "Ar-lein" in welsh and "y Deyrnas Unedig gyfan" in welsh


def test_residents_can_report_and_suggest_changes_to_a_service_without_a_place(client, session, services):
    """A report or a suggested change is about no point (submission.location is null); an unrestricted moderator
    approves it."""
    from sqlalchemy import select as sql_select

    from app.accounts.models import Role
    from app.accounts.service import create_api_key
    from app.submissions.models import Submission

    line = services["line"].id
    report = client.post("/api/v1/submissions", json={"kind": "report", "asset_id": str(line), "reason": "closed"})
    assert report.status_code == 202, report.text
    edit = client.post("/api/v1/submissions", json={"kind": "edit", "asset_id": str(line), "changes": {"phone": "0161 999 0000"}})
    assert edit.status_code == 202, edit.text
    assert client.get(f"/places/{line}/suggest").status_code == 200
    stored = session.execute(sql_select(Submission).where(Submission.kind == "edit")).scalar_one()
    assert stored.location is None
    moderator = {"X-API-Key": create_api_key(session, "moderation tool", Role.moderator)[1]}
    approved = client.post(f"/api/v1/moderation/submissions/{stored.id}/approve", json={}, headers=moderator)
    assert approved.status_code == 200, approved.text
    after = client.get(f"/api/v1/assets/{line}").json()
    assert (after["phone"], after["delivery"], after["lat"]) == ("0161 999 0000", "phone", None)


def test_an_area_moderator_is_told_a_service_without_a_place_is_for_an_unrestricted_moderator(app, session, services):
    from app.accounts.models import Role
    from tests.people import browser, make_user, sign_in

    make_user(session, Role.moderator, "mcr@council.example", areas=["E08000003"])
    web = browser(app)
    sign_in(web, "mcr@council.example")
    refused = web.get(f"/api/v1/assets/{services['line'].id}/history")
    assert refused.status_code == 403
    assert "has no place on the map" in refused.json()["detail"]
    assert web.get(f"/api/v1/assets/{services['place'].id}/history").status_code == 200


def test_the_bulk_import_path_leaves_services_without_a_place_to_the_checked_one_row_path(session):
    """A CSV/GeoJSON import's bulk path would write service areas unchecked: it leaves such rows (None) to
    upsert_by_source, which checks them."""
    from app.assets.schemas import AssetCreate
    from app.assets.service import upsert_by_source, upsert_many_by_source
    from app.core.errors import Invalid

    def row(n: int, areas: list[str]) -> AssetCreate:
        return AssetCreate.model_validate({
            "name": f"Line {n}", "categories": ["befriending"], "delivery": "phone", "service_areas": areas,
            "source": "import:test", "external_id": str(n),
        })

    rows = [row(1, ["E08000003"]), row(2, ["E99999999"])]
    assert upsert_many_by_source(session, rows, "tests") == [None, None]
    assert upsert_by_source(session, rows[0], "tests") == "created"
    with pytest.raises(Invalid, match="E99999999"):
        upsert_by_source(session, rows[1], "tests")
