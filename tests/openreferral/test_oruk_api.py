"""The Open Referral UK API under /oruk: every response checked against the UK profile's compiled JSON Schemas, and
every filter checked against the data it was given."""

import uuid
from typing import Any

import pytest
from pyproj import Geod

from app.assets.service import archive_asset
from app.openreferral import ids
from tests.factories import make_asset
from tests.oruk_schemas import check, check_page

ORIGIN = (53.48348, -2.23118)  # M1 1AE
GEOD = Geod(ellps="WGS84")
# An id nothing has; fixed, not random, so that every pytest-xdist worker collects the same test ids.
UNKNOWN_ID = "5f0c6a57-0000-4000-8000-00000000dead"

# Published, except where a status says otherwise. Positions are at known distances east/south of M1 1AE.
ASSETS: list[dict[str, Any]] = [
    {
        "name": "Ancoats Lunch Club", "categories": ["lunch-clubs"], "lat": 53.4858, "lon": -2.2290,
        "address": "Ancoats Dispensary, Old Mill Street, Manchester", "postcode": "M4 6EE",
        "schedule": [{"day": "mon", "opens": "12:00", "closes": "14:00"}, {"day": "thu", "opens": "12:00", "closes": "14:00"}],
        "min_age": 60, "free": True, "organisation": {"name": "Ancoats Community Trust", "phone": "0161 000 0001"},
        "phone": "0161 000 0002", "email": "lunch@example.org", "website": "https://lunch.example.org",
        "accessibility": ["step_free", "accessible_toilet"], "languages": ["English", "Urdu"],
    },
    {
        "name": "Tuesday Singers", "categories": ["choirs-music", "older-people-groups"], "lat": 53.4900, "lon": -2.2300,
        "description": "A friendly community choir. No auditions.",
        "schedule": [{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "not in August"}],
        "min_age": 18, "free": False, "cost_description": "£2 a session",
    },
    {
        "name": "Hulme Walking Group", "categories": ["walking-groups"], "lat": 53.4660, "lon": -2.2480,
        "schedule": [{"day": "tue", "opens": "18:00", "closes": "19:30"}, {"day": "sat", "opens": "09:00", "closes": "11:00"}],
    },
    {
        "name": "Gorton Youth Club", "categories": ["youth-clubs"], "lat": 53.4650, "lon": -2.1700,
        "schedule": [{"day": "wed", "opens": "16:00", "closes": "20:00"}], "min_age": 11, "max_age": 18,
        "organisation": {"name": "Gorton Youth Trust", "website": "https://youth.example.org"},
    },
    {
        "name": "Levenshulme Library", "categories": ["libraries"], "lat": 53.4440, "lon": -2.1920,
        "opening_hours_text": "Check the website for opening times", "audience": "Everyone",
    },
    {
        "name": "Choir Awaiting Review", "categories": ["choirs-music"], "lat": 53.4836, "lon": -2.2312, "status": "pending",
        "schedule": [{"day": "tue", "opens": "10:00", "closes": "12:00"}],
    },
    {"name": "Closed Choir", "categories": ["choirs-music"], "lat": 53.4837, "lon": -2.2313, "archive": True},
]
PUBLISHED = sorted(a["name"] for a in ASSETS if a.get("status", "published") == "published" and not a.get("archive"))


@pytest.fixture
def assets(session) -> dict[str, Any]:
    made = {}
    for spec in ASSETS:
        fields = {k: v for k, v in spec.items() if k != "archive"}
        asset = make_asset(session, **fields)
        if spec.get("archive"):
            archive_asset(session, asset.id, "tests")
        made[spec["name"]] = asset
    return made


def _spec(name: str) -> dict[str, Any]:
    return next(a for a in ASSETS if a["name"] == name)


def _names(page: dict[str, Any]) -> list[str]:
    return [item.get("service", item)["name"] for item in page["contents"]]


def _services(client, params: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.get("/oruk/services", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    check_page("compiled/service_list.json", body)
    return body


def _sals(client, params: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.get("/oruk/service_at_locations", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    check_page("compiled/service_at_location_list.json", body)
    return body


def test_root_without_its_slash_redirects_with_cors(client):
    response = client.get("/oruk", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/oruk/"
    assert response.headers["access-control-allow-origin"] == "*"
    assert client.get("/oruk").json()["version"] == "HSDS-UK-3.0"


def test_root_describes_the_api_and_its_openapi_document(client):
    response = client.get("/oruk/")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "HSDS-UK-3.0"
    assert body["profile"].startswith("https://")
    assert body["openapi_url"] == "http://testserver/oruk/openapi.json"
    openapi = client.get(body["openapi_url"]).json()
    assert openapi["info"]["title"].endswith("Open Referral UK API")
    assert {"/", "/services", "/services/{id}", "/service_at_locations", "/service_at_locations/{id}", "/taxonomies",
            "/taxonomies/{id}", "/taxonomy_terms", "/taxonomy_terms/{id}"} <= set(openapi["paths"])
    params = {p["name"] for p in openapi["paths"]["/service_at_locations"]["get"]["parameters"]}
    assert {"search", "page", "per_page", "taxonomy_term_id", "taxonomy_id", "minimum_age", "maximum_age", "day",
            "start_time", "end_time", "postcode", "proximity"} <= params
    assert client.get("/oruk/docs").status_code == 200


def test_services_pages_first_middle_last_and_past_the_end(client, assets):
    pages = [_services(client, {"per_page": 2, "page": n}) for n in (1, 2, 3, 4)]
    assert [p["page_number"] for p in pages] == [1, 2, 3, 4]
    assert all(p["total_items"] == len(PUBLISHED) and p["total_pages"] == 3 for p in pages)
    assert [(p["first_page"], p["last_page"], p["size"], p["empty"]) for p in pages] == [
        (True, False, 2, False), (False, False, 2, False), (False, True, 1, False), (False, True, 0, True)
    ]
    assert [n for p in pages for n in _names(p)] == PUBLISHED  # by name; pending and archived left out


def test_service_detail_is_fully_nested_and_valid(client, assets):
    for name in PUBLISHED:
        asset = assets[name]
        response = client.get(f"/oruk/services/{asset.id}")
        assert response.status_code == 200
        body = response.json()
        check("compiled/service.json", body)
        assert body["id"] == str(asset.id) and body["status"] == "active"
        [sal] = body["service_at_locations"]
        assert sal["id"] == str(ids.service_at_location_id(asset.id))
        assert sal["location"]["latitude"] == pytest.approx(_spec(name)["lat"])
        assert len(body["schedules"]) == len(_spec(name).get("schedule", [])) + bool(_spec(name).get("opening_hours_text"))


def test_service_detail_maps_every_field(client, assets):
    body = client.get(f"/oruk/services/{assets['Ancoats Lunch Club'].id}").json()
    assert body["url"] == "https://lunch.example.org" and body["email"] == "lunch@example.org"
    assert body["minimum_age"] == 60 and "maximum_age" not in body
    assert body["organization"]["name"] == "Ancoats Community Trust"
    assert body["organization"]["phones"][0]["number"] == "0161 000 0001"
    assert body["organization_id"] == body["organization"]["id"]
    assert [p["number"] for p in body["phones"]] == ["0161 000 0002"]
    assert [(s["freq"], s["interval"], s["byday"], s["opens_at"], s["closes_at"]) for s in body["schedules"]] == [
        ("WEEKLY", 1, "MO", "12:00:00", "14:00:00"), ("WEEKLY", 1, "TH", "12:00:00", "14:00:00")
    ]
    assert body["cost_options"] == [{"id": body["cost_options"][0]["id"], "service_id": body["id"], "option": "Free", "amount": 0}]
    assert [lang["name"] for lang in body["languages"]] == ["English", "Urdu"]
    assert [a["taxonomy_term"]["code"] for a in body["attributes"]] == ["lunch-clubs"]
    assert body["attributes"][0]["taxonomy_term_id"] == str(ids.term_id("lunch-clubs"))
    location = body["service_at_locations"][0]["location"]
    assert location["addresses"][0] | {"id": None, "location_id": None} == {
        "id": None, "location_id": None, "address_1": "Ancoats Dispensary, Old Mill Street", "city": "Manchester",
        "state_province": "", "postal_code": "M4 6EE", "country": "GB", "address_type": "physical",
    }
    assert [a["accessibility"] for a in location["accessibility"]] == ["Step-free access", "Accessible toilet"]

    singers = client.get(f"/oruk/services/{assets['Tuesday Singers'].id}").json()
    assert "organization" not in singers and "organization_id" not in singers
    assert singers["cost_options"][0]["option"] == "Charge" and singers["fees"] == "£2 a session"
    assert singers["schedules"][0]["description"] == "not in August"
    library = client.get(f"/oruk/services/{assets['Levenshulme Library'].id}").json()
    assert library["schedules"][0]["description"] == "Check the website for opening times"
    assert library["eligibility_description"] == "Everyone"
    assert library["service_at_locations"][0]["location"]["addresses"] == []


def test_ids_are_stable_between_requests_and_unique(client, assets, session):
    first = client.get(f"/oruk/services/{assets['Hulme Walking Group'].id}").json()
    again = client.get(f"/oruk/services/{assets['Hulme Walking Group'].id}").json()
    assert first == again
    twice = make_asset(session, schedule=[{"day": "fri", "opens": "10:00", "closes": "11:00", "note": "upstairs"},
                                          {"day": "fri", "opens": "10:00", "closes": "11:00", "note": "downstairs"}])
    body = client.get(f"/oruk/services/{twice.id}").json()
    assert len({s["id"] for s in body["schedules"]}) == 2


def test_unpublished_and_unknown_services_are_404(client, assets):
    for name in ("Choir Awaiting Review", "Closed Choir"):
        assert client.get(f"/oruk/services/{assets[name].id}").status_code == 404
        sal = ids.service_at_location_id(assets[name].id)
        assert client.get(f"/oruk/service_at_locations/{sal}").status_code == 404
    response = client.get(f"/oruk/services/{uuid.uuid4()}")
    assert response.status_code == 404 and "No service has the id" in response.json()["detail"]


def test_service_at_locations_pages_and_details(client, assets):
    pages = [_sals(client, {"per_page": 2, "page": n}) for n in (1, 2, 3)]
    assert [n for p in pages for n in _names(p)] == PUBLISHED
    assert (pages[0]["first_page"], pages[1]["first_page"], pages[2]["last_page"]) == (True, False, True)
    for item in (i for p in pages for i in p["contents"]):
        assert item["location_id"] == item["location"]["id"] and item["service_id"] == item["service"]["id"]
        response = client.get(f"/oruk/service_at_locations/{item['id']}")
        assert response.status_code == 200
        detail = response.json()
        check("compiled/service_at_location.json", detail)
        assert detail["id"] == item["id"] and detail["service"]["id"] == item["service_id"]
        assert detail["location"] == client.get(f"/oruk/services/{item['service_id']}").json()["service_at_locations"][0]["location"]


def _matching(predicate) -> list[str]:
    return sorted(n for n in PUBLISHED if predicate(_spec(n)))


def _sessions(spec: dict[str, Any]) -> list[dict[str, str]]:
    return spec.get("schedule", [])


FILTERS = [
    ({"search": "choir"}, lambda s: "choir" in (s["name"] + s.get("description", "")).lower()),
    ({"taxonomy_term_id": str(ids.term_id("arts-culture"))}, lambda s: "choirs-music" in s["categories"]),
    ({"taxonomy_term_id": str(ids.term_id("walking-groups"))}, lambda s: "walking-groups" in s["categories"]),
    ({"taxonomy_id": str(ids.taxonomy_id())}, lambda s: True),
    ({"minimum_age": 18}, lambda s: s.get("min_age", 0) >= 18),
    ({"maximum_age": 20}, lambda s: s.get("max_age") is not None and s["max_age"] <= 20),
    ({"day": "TU"}, lambda s: any(x["day"] == "tue" for x in _sessions(s))),
    ({"day": "saturday"}, lambda s: any(x["day"] == "sat" for x in _sessions(s))),
    ({"start_time": "12:00"}, lambda s: any(x["opens"] >= "12:00" for x in _sessions(s))),
    ({"end_time": "12:00"}, lambda s: any(x["closes"] <= "12:00" for x in _sessions(s))),
    (
        {"day": "tu", "start_time": "09:00", "end_time": "13:00"},
        lambda s: any(x["day"] == "tue" and x["opens"] >= "09:00" and x["closes"] <= "13:00" for x in _sessions(s)),
    ),
    ({"search": "club", "minimum_age": 50}, lambda s: "club" in s["name"].lower() and s.get("min_age", 0) >= 50),
    ({"day": "SU"}, lambda s: False),
    ({"search": "zebra crossing"}, lambda s: False),
]


def test_filters_really_filter(client, assets):
    """One data set, every filter (alone and combined): each list page is valid and holds exactly what matches."""
    for params, predicate in FILTERS:
        expected = _matching(predicate)
        services = _services(client, params)
        assert _names(services) == expected, params
        assert services["total_items"] == len(expected) and services["empty"] == (not expected), params
        assert services["total_pages"] == (1 if expected else 0), params
        assert _names(_sals(client, params)) == expected, params


def _distance(item: dict[str, Any]) -> float:
    location = item["location"]
    return GEOD.inv(ORIGIN[1], ORIGIN[0], location["longitude"], location["latitude"])[2]


def test_proximity_keeps_only_results_within_it_nearest_first(client, assets):
    distance_of = {n: GEOD.inv(ORIGIN[1], ORIGIN[0], _spec(n)["lon"], _spec(n)["lat"])[2] for n in PUBLISHED}
    for proximity in (600, 1000, 3000, 6000):
        body = _sals(client, {"postcode": "M1 1AE", "proximity": proximity, "per_page": 50})
        distances = [_distance(item) for item in body["contents"]]
        assert all(d <= proximity for d in distances) and distances == sorted(distances), proximity
        within = sorted(n for n, d in distance_of.items() if d <= proximity)
        assert sorted(_names(body)) == within and body["total_items"] == len(within), proximity
    assert 0 < len([d for d in distance_of.values() if d <= 1000]) < len(PUBLISHED)  # the radii really cut


def test_postcode_alone_orders_everything_nearest_first_across_pages(client, assets):
    pages = [_sals(client, {"postcode": "m11ae", "per_page": 2, "page": n}) for n in (1, 2, 3)]
    items = [i for p in pages for i in p["contents"]]
    assert sorted(_names({"contents": items})) == PUBLISHED
    distances = [_distance(i) for i in items]
    assert distances == sorted(distances)


def test_proximity_combines_with_other_filters(client, assets):
    body = _sals(client, {"postcode": "M1 1AE", "proximity": 3000, "day": "TU"})
    assert _names(body) == ["Tuesday Singers", "Hulme Walking Group"]


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/oruk/services?day=XX", 422, "day"),
        ("/oruk/services?start_time=25:00", 422, "start_time"),
        ("/oruk/services?end_time=noon", 422, "end_time"),
        ("/oruk/services?start_time=14:00&end_time=10:00", 422, ""),
        ("/oruk/services?page=0", 422, "page"),
        ("/oruk/services?page=two", 422, "page"),
        ("/oruk/services?per_page=1000", 422, "per_page"),
        ("/oruk/services?minimum_age=-1", 422, "minimum_age"),
        ("/oruk/services?taxonomy_term_id=nope", 422, "taxonomy_term_id"),
        (f"/oruk/services?taxonomy_term_id={UNKNOWN_ID}", 422, "taxonomy_term_id"),
        (f"/oruk/services?taxonomy_id={UNKNOWN_ID}", 422, "taxonomy_id"),
        ("/oruk/services?modified_after=2024-01-01", 422, "modified_after"),
        ("/oruk/service_at_locations?postcode=ZZ9 9ZZ", 404, "postcode"),
        ("/oruk/service_at_locations?postcode=hello", 422, "postcode"),
        ("/oruk/service_at_locations?proximity=1000", 422, ""),
        ("/oruk/service_at_locations?postcode=M1 1AE&proximity=-5", 422, "proximity"),
        ("/oruk/services/not-a-uuid", 422, "id"),
        (f"/oruk/taxonomies/{UNKNOWN_ID}", 404, ""),
        (f"/oruk/taxonomy_terms/{UNKNOWN_ID}", 404, ""),
    ],
)
def test_bad_parameters_get_a_clear_4xx(client, path, status, field):
    response = client.get(path)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["detail"]
    if field:
        assert field in [e["field"] for e in body["errors"]]
    assert response.headers["access-control-allow-origin"] == "*"


def test_every_response_allows_any_origin_and_preflight_is_answered(client, assets):
    for path in ("/oruk/", "/oruk/services", "/oruk/taxonomy_terms", f"/oruk/services/{uuid.uuid4()}", "/oruk/nowhere"):
        assert client.get(path).headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/oruk/services", headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*" and "GET" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-origin" not in client.get("/api/v1/categories").headers


def test_taxonomy_and_its_terms(client, session):
    from app.categories.service import get_taxonomy

    tree = get_taxonomy(session)
    listing = client.get("/oruk/taxonomies").json()
    check_page("taxonomy.json", listing)
    [summary] = listing["contents"]
    assert summary["id"] == str(ids.taxonomy_id()) and "taxonomy_terms" not in summary
    full = client.get(f"/oruk/taxonomies/{summary['id']}").json()
    check("taxonomy.json", full)
    assert len(full["taxonomy_terms"]) == len(tree.by_slug)

    per_page = 20
    last = -(-len(tree.by_slug) // per_page)
    terms = []
    for n in range(1, last + 1):
        page = client.get("/oruk/taxonomy_terms", params={"page": n, "per_page": per_page}).json()
        check_page("taxonomy_term.json", page)
        assert (page["first_page"], page["last_page"]) == (n == 1, n == last)
        terms += page["contents"]
    assert [t["id"] for t in terms] == [t["id"] for t in full["taxonomy_terms"]]
    assert [t["id"] for t in terms] == [str(ids.term_id(slug)) for slug in tree.by_slug]
    by_id = {t["id"]: t for t in terms}
    for term in terms:
        node = tree.by_slug[term["code"]]
        assert term["name"] == node.name and term["taxonomy_id"] == summary["id"]
        assert term.get("parent_id") == (str(ids.term_id(node.parent_slug)) if node.parent_slug else None)
        assert term.get("parent_id") is None or term["parent_id"] in by_id
    detail = client.get(f"/oruk/taxonomy_terms/{ids.term_id('choirs-music')}").json()
    check("taxonomy_term.json", detail)
    assert detail["name"] == "Choirs and music"


def test_empty_directory_gives_valid_empty_pages(client):
    for body in (_services(client), _sals(client), _sals(client, {"postcode": "M1 1AE", "proximity": 500})):
        assert (body["total_items"], body["total_pages"], body["size"], body["empty"]) == (0, 0, 0, True)
        assert body["first_page"] and body["last_page"] and body["contents"] == []


def test_every_accessibility_feature_has_a_label():
    from app.assets.types import Accessibility
    from app.openreferral.mapping import ACCESSIBILITY_LABELS
    from app.openreferral.to_asset import ACCESSIBILITY_WORDS

    assert set(ACCESSIBILITY_LABELS) == set(ACCESSIBILITY_WORDS) == {a.value for a in Accessibility}
