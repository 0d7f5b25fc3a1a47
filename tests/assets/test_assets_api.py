"""Creating, reading, changing and archiving assets through the API, with history and bad input."""

import json

import pytest
from sqlalchemy import text

from app.accounts.models import Role
from app.accounts.service import create_api_key
from tests.factories import make_asset

NEW = {
    "name": "Tuesday Singers",
    "description": "A friendly community choir.",
    "categories": ["choirs-music", "older-people-groups"],
    "postcode": "m1 1ae",
    "free": True,
    "drop_in": True,
    "accessibility": ["step_free"],
    "schedule": [{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "first Tuesday of the month"}],
    "organisation": {"name": "Manchester Sings", "website": "manchestersings.example.org"},
    "website": "https://example.org/singers",
    "min_age": 18,
}


def asset_count(session) -> int:
    return session.execute(text("SELECT count(*) FROM asset")).scalar_one()


def test_create_places_an_asset_at_its_postcode(client, admin_headers):
    response = client.post("/api/v1/assets", json=NEW, headers=admin_headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["postcode"] == "M1 1AE"
    assert (body["lat"], body["lon"]) == pytest.approx((53.48348, -2.23118))
    assert body["categories"] == ["choirs-music", "older-people-groups"]
    assert body["schedule"] == [{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "first Tuesday of the month"}]
    assert body["organisation"]["website"] == "https://manchestersings.example.org"
    assert body["status"] == "published"
    assert client.get(f"/api/v1/assets/{body['id']}").json()["name"] == "Tuesday Singers"


def test_create_by_coordinates(client, admin_headers):
    body = client.post("/api/v1/assets", json={**NEW, "postcode": None, "lat": 51.4816, "lon": -3.1791}, headers=admin_headers).json()
    assert (body["lat"], body["lon"]) == pytest.approx((51.4816, -3.1791))


def test_a_pinned_asset_keeps_its_postcode_in_the_usual_form_or_is_refused(client, admin_headers, session):
    pinned = {**NEW, "lat": 51.4816, "lon": -3.1791}
    body = client.post("/api/v1/assets", json={**pinned, "postcode": "cf10  1ep"}, headers=admin_headers).json()
    assert body["postcode"] == "CF10 1EP" and body["lat"] == pytest.approx(51.4816)  # the pin places it
    bad = client.post("/api/v1/assets", json={**pinned, "postcode": "CF10 1E"}, headers=admin_headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "postcode"
    assert "is not a UK postcode" in bad.json()["errors"][0]["message"]
    assert session.execute(text("SELECT count(*) FROM asset")).scalar_one() == 1


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "am_wrong"}])
def test_writing_needs_a_valid_key(client, headers, session):
    response = client.post("/api/v1/assets", json=NEW, headers=headers)
    assert response.status_code == 401
    assert "API key" in response.json()["detail"]
    assert asset_count(session) == 0


def test_writing_needs_an_admin_key(client, session):
    _, key = create_api_key(session, "a link worker's system", Role.link_worker)
    response = client.post("/api/v1/assets", json=NEW, headers={"X-API-Key": key})
    assert response.status_code == 403
    asset = make_asset(session)
    assert client.patch(f"/api/v1/assets/{asset.id}", json={"name": "x"}, headers={"X-API-Key": key}).status_code == 403
    assert client.delete(f"/api/v1/assets/{asset.id}", headers={"X-API-Key": key}).status_code == 403


def test_a_revoked_key_is_refused(client, session):
    from app.accounts.models import ApiKey

    key_row, key = create_api_key(session, "old", Role.admin)
    session.get(ApiKey, key_row.id).revoked_at = key_row.created_at
    session.commit()
    assert client.post("/api/v1/assets", json=NEW, headers={"X-API-Key": key}).status_code == 401


def test_keys_are_stored_hashed(session, admin_key):
    stored = session.execute(text("SELECT key_hash, prefix FROM api_key")).one()
    assert admin_key not in stored.key_hash and len(stored.key_hash) == 64
    assert admin_key.startswith(stored.prefix)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"categories": ["unicorns"]}, "Unknown category 'unicorns'"),
        ({"categories": []}, "categories"),
        ({"name": ""}, "name"),
        ({"postcode": "ZZ9 9ZZ"}, "do not know the postcode"),
        ({"postcode": "nonsense!"}, "not a UK postcode"),
        ({"postcode": None}, "give lat and lon, or a postcode"),
        ({"lat": 95, "lon": 0, "postcode": None}, "lat must be at most 90"),
        ({"lat": 51, "lon": -200, "postcode": None}, "lon must be at least -180"),
        ({"lat": 51, "postcode": None}, "give both lat and lon"),
        ({"website": "javascript:alert(1)"}, "web address"),
        ({"website": "data:text/html,hi"}, "web address"),
        ({"email": "not-an-email"}, "not an email"),
        ({"description": "bell\x07"}, "control characters"),
        ({"schedule": [{"day": "tue", "opens": "12:00", "closes": "10:00"}]}, "must be after opens"),
        ({"schedule": [{"day": "tue", "opens": "25:00", "closes": "26:00"}]}, "schedule"),
        ({"schedule": [{"day": "someday", "opens": "10:00", "closes": "11:00"}]}, "schedule.0.day"),
        ({"min_age": 65, "max_age": 18}, "min_age must not be more than max_age"),
        ({"accessibility": ["teleporter"]}, "accessibility"),
        ({"status": "deleted"}, "status"),
        ({"favourite_colour": "green"}, "favourite_colour is not a field"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(client, admin_headers, session, change, words):
    response = client.post("/api/v1/assets", json={**NEW, **change}, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]
    assert asset_count(session) == 0
    assert session.execute(text("SELECT count(*) FROM organisation")).scalar_one() == 0


def test_a_mailto_link_is_kept_as_the_address_it_names(client, admin_headers):
    body = {**NEW, "email": " MailTo:hello@example.org", "organisation": {"name": "Friends", "email": "mailto:team@example.org"}}
    response = client.post("/api/v1/assets", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "hello@example.org"
    assert response.json()["organisation"]["email"] == "team@example.org"
    empty = client.post("/api/v1/assets", json={**NEW, "email": "mailto:"}, headers=admin_headers)
    assert empty.status_code == 201 and empty.json()["email"] is None  # nothing after it: no address


def test_malformed_json_is_422(client, admin_headers):
    response = client.post("/api/v1/assets", content=b"{not json", headers={**admin_headers, "content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"]


def test_oversized_body_is_413(client, admin_headers, session):
    big = {**NEW, "description": "x" * 1_100_000}
    response = client.post("/api/v1/assets", content=json.dumps(big), headers={**admin_headers, "content-type": "application/json"})
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert asset_count(session) == 0


def test_oversized_chunked_body_is_413(client, admin_headers):
    def chunks():
        for _ in range(30):
            yield b"x" * 50_000

    response = client.post("/api/v1/assets", content=chunks(), headers={**admin_headers, "content-type": "application/json"})
    assert response.status_code == 413


def test_patch_changes_only_what_is_sent_and_records_history(client, admin_headers, session):
    created = client.post("/api/v1/assets", json=NEW, headers=admin_headers).json()
    response = client.patch(
        f"/api/v1/assets/{created['id']}",
        json={"name": "Tuesday Community Choir", "free": False, "cost_description": "£2 a week"},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Tuesday Community Choir" and body["free"] is False
    assert body["schedule"] == created["schedule"] and body["categories"] == created["categories"]
    rows = session.execute(
        text("SELECT action, actor, changes FROM asset_history WHERE asset_id = :id ORDER BY id"), {"id": created["id"]}
    ).all()
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].actor.startswith("api-key:") and "(tests)" in rows[1].actor
    assert rows[1].changes == {
        "name": ["Tuesday Singers", "Tuesday Community Choir"],
        "free": [True, False],
        "cost_description": [None, "£2 a week"],
    }


def test_patch_that_changes_nothing_records_nothing(client, admin_headers, session):
    created = client.post("/api/v1/assets", json=NEW, headers=admin_headers).json()
    client.patch(f"/api/v1/assets/{created['id']}", json={"name": NEW["name"]}, headers=admin_headers)
    assert session.execute(text("SELECT count(*) FROM asset_history")).scalar_one() == 1


def test_failed_patch_changes_nothing(client, admin_headers, session):
    created = client.post("/api/v1/assets", json=NEW, headers=admin_headers).json()
    response = client.patch(
        f"/api/v1/assets/{created['id']}", json={"name": "New name", "categories": ["nope"]}, headers=admin_headers
    )
    assert response.status_code == 422
    assert client.get(f"/api/v1/assets/{created['id']}").json()["name"] == "Tuesday Singers"


def test_patch_can_move_an_asset_and_replace_its_schedule(client, admin_headers):
    created = client.post("/api/v1/assets", json=NEW, headers=admin_headers).json()
    body = client.patch(
        f"/api/v1/assets/{created['id']}",
        json={"postcode": "M1 1AA", "schedule": [{"day": "fri", "opens": "14:00", "closes": "15:30"}]},
        headers=admin_headers,
    ).json()
    assert body["postcode"] == "M1 1AA" and body["lat"] == pytest.approx(53.48737)
    assert body["schedule"] == [{"day": "fri", "opens": "14:00", "closes": "15:30", "note": None}]


def test_delete_archives(client, admin_headers, session):
    created = client.post("/api/v1/assets", json=NEW, headers=admin_headers).json()
    response = client.delete(f"/api/v1/assets/{created['id']}", headers=admin_headers)
    assert response.status_code == 200 and response.json()["status"] == "archived"
    assert client.get(f"/api/v1/assets/{created['id']}").status_code == 404
    assert client.get("/api/v1/assets/nearby", params={"postcode": "M1 1AE"}).json()["total"] == 0
    assert asset_count(session) == 1  # kept, with its history
    actions = session.execute(text("SELECT action FROM asset_history ORDER BY id")).scalars().all()
    assert actions == ["create", "archive"]


def test_unknown_and_malformed_ids(client, admin_headers):
    assert client.get("/api/v1/assets/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/api/v1/assets/not-a-uuid").status_code == 422
    assert client.patch("/api/v1/assets/00000000-0000-0000-0000-000000000000", json={"name": "x"}, headers=admin_headers).status_code == 404


def test_pending_assets_are_not_public(client, session):
    pending = make_asset(session, status="pending")
    assert client.get(f"/api/v1/assets/{pending.id}").status_code == 404


class TestBboxList:
    def test_lists_published_assets_in_the_box_by_name(self, client, session):
        make_asset(session, name="B inside", lat=53.48, lon=-2.24)
        make_asset(session, name="A inside", lat=53.47, lon=-2.25, categories=["food-banks"])
        make_asset(session, name="Outside", lat=51.5, lon=-0.1)
        make_asset(session, name="Hidden", lat=53.48, lon=-2.24, status="pending")
        body = client.get("/api/v1/assets", params={"bbox": "-2.30,53.40,-2.20,53.50"}).json()
        assert [i["name"] for i in body["items"]] == ["A inside", "B inside"]
        assert body["total"] == 2 and body["next"] is None
        only_food = client.get("/api/v1/assets", params={"bbox": "-2.30,53.40,-2.20,53.50", "category": "food"}).json()
        assert [i["name"] for i in only_food["items"]] == ["A inside"]

    def test_paging(self, client, session):
        for i in range(5):
            make_asset(session, name=f"Place {i}")
        first = client.get("/api/v1/assets", params={"limit": 2}).json()
        assert first["total"] == 5 and "offset=2" in first["next"]
        last = client.get("/api/v1/assets", params={"limit": 2, "offset": 4}).json()
        assert [i["name"] for i in last["items"]] == ["Place 4"] and last["next"] is None

    @pytest.mark.parametrize(
        ("bbox", "words"),
        [
            ("1,2,3", "four numbers"),
            ("a,b,c,d", "four numbers separated by commas"),
            ("-2.2,53.5,-2.3,53.4", "inverted"),
            ("-200,53,-2,54", "longitudes"),
            ("-2,-91,-1,54", "latitudes"),
        ],
    )
    def test_bad_bbox(self, client, bbox, words):
        response = client.get("/api/v1/assets", params={"bbox": bbox})
        assert response.status_code == 422
        assert words in response.json()["detail"]


def test_text_is_returned_as_typed_never_interpreted(client, admin_headers):
    payload = '<img src=x onerror=alert(1)>'
    body = client.post("/api/v1/assets", json={**NEW, "name": payload, "description": payload}, headers=admin_headers).json()
    assert body["name"] == payload
    assert client.get(f"/api/v1/assets/{body['id']}").headers["content-type"] == "application/json"


# Issue 12, item 2: what fuzzing found


def test_a_source_and_external_id_that_another_asset_has_is_a_409_naming_it(client, admin_headers, session):
    first = make_asset(session, name="Oakham Library", source="libraries", external_id="LIB-1")
    body = {"name": "Oakham Library again", "categories": ["libraries"], "lat": 52.67, "lon": -0.73,
            "source": "libraries", "external_id": "LIB-1"}
    created = client.post("/api/v1/assets", json=body, headers=admin_headers)
    assert created.status_code == 409, created.text
    assert str(first.id) in created.json()["detail"] and created.json()["errors"][0]["field"] == "external_id"
    assert asset_count(session) == 1
    other = make_asset(session, name="Uppingham Library", source="libraries", external_id="LIB-2")
    moved = client.patch(f"/api/v1/assets/{other.id}", json={"external_id": "LIB-1"}, headers=admin_headers)
    assert moved.status_code == 409 and str(first.id) in moved.json()["detail"]
    assert client.get(f"/api/v1/assets/{other.id}").json()["external_id"] == "LIB-2"
    # an asset may keep its own pair, and another source may use the same id
    assert client.patch(f"/api/v1/assets/{first.id}", json={"source": "libraries", "external_id": "LIB-1", "name": "Oakham Lib"}, headers=admin_headers).status_code == 200
    assert client.post("/api/v1/assets", json={**body, "source": "osm"}, headers=admin_headers).status_code == 201


def test_empty_source_and_external_id_are_no_identifier(client, admin_headers, session):
    body = {"name": "Walking Group", "categories": ["libraries"], "lat": 52.67, "lon": -0.73, "source": "", "external_id": " "}
    for _ in range(2):
        created = client.post("/api/v1/assets", json=body, headers=admin_headers)
        assert created.status_code == 201, created.text
        assert (created.json()["source"], created.json()["external_id"]) == (None, None)
    patched = client.patch(f"/api/v1/assets/{created.json()['id']}", json={"source": "", "external_id": ""}, headers=admin_headers)
    assert patched.status_code == 200 and patched.json()["external_id"] is None


@pytest.mark.parametrize("entry", ["2147483648", "9223372036854775808", "99999999999999999999999", "0", "-1"])
def test_an_out_of_range_history_entry_is_not_a_server_error(client, admin_headers, session, entry):
    asset = make_asset(session)
    response = client.post(f"/api/v1/assets/{asset.id}/history/{entry}/restore", headers=admin_headers)
    assert response.status_code in (404, 422), response.text
    assert response.json()["detail"]


def test_every_integer_in_a_path_is_bounded_to_what_postgresql_stores(app):
    """An integer path parameter must not reach PostgreSQL beyond int4/int8: each route declares the bounds
    (app.core.ids), so FastAPI answers 422 before any SQL runs."""
    from tests.routes import every_route

    unbounded, seen = [], 0
    for route in every_route(app):
        seen += 1
        for param in route.dependant.path_params:
            if param.field_info.annotation is int:
                bounds = {type(m).__name__: m for m in param.field_info.metadata}
                le = getattr(bounds.get("Le"), "le", None) or getattr(bounds.get("Lt"), "lt", None)
                ge = getattr(bounds.get("Ge"), "ge", None) if "Ge" in bounds else getattr(bounds.get("Gt"), "gt", None)
                if le is None or le > 2**63 - 1 or ge is None or ge < -(2**63):
                    unbounded.append(f"{route.path} {param.name}")
    assert seen > 50 and unbounded == []
