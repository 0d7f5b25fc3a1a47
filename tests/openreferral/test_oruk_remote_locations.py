"""Services that are not a place in our Open Referral UK output (issue 19): HSDS 3.0 gives a virtual location the url
people reach it at, so only a service online with a website has one. A service by phone or at home, or online without
a website, is at no location: it has no service_at_location in the list, by id or in its service, and is found by its
service_areas (docs/openreferral.md)."""

import pytest

from app.openreferral import ids
from tests.factories import make_asset
from tests.oruk_schemas import check, check_page

pytestmark = pytest.mark.usefixtures("councils")


@pytest.fixture
def services(session):
    def remote(name: str, delivery: str, **kw):
        return make_asset(session, name=name, delivery=delivery, service_areas=["E08000003"], lat=None, lon=None, **kw)

    return {
        "place": make_asset(session, name="Lunch club", lat=53.4808, lon=-2.2426),
        "phone": remote("Phone line", "phone", phone="0161 000 1111"),
        "home": remote("Home library", "home", website="https://library.example.org"),
        "online_bare": remote("Online group without a website", "online"),
        "online": remote("Online group", "online", website="https://group.example.org/join"),
    }


def test_only_places_and_online_services_with_a_url_are_at_locations(client, services):
    body = client.get("/oruk/service_at_locations").json()
    check_page("compiled/service_at_location_list.json", body)
    assert body["total_items"] == 2
    found = {item["service"]["name"]: item["location"] for item in body["contents"]}
    assert set(found) == {"Lunch club", "Online group"}
    assert found["Online group"]["location_type"] == "virtual"
    assert found["Online group"]["url"] == "https://group.example.org/join"
    assert found["Lunch club"]["location_type"] == "physical"
    near = client.get("/oruk/service_at_locations", params={"postcode": "M1 1AE"}).json()
    assert [item["service"]["name"] for item in near["contents"]] == ["Lunch club"]  # only places have a distance


def test_a_service_at_no_location_has_no_service_at_location(client, services):
    for name in ("phone", "home", "online_bare"):
        made = services[name]
        assert client.get(f"/oruk/service_at_locations/{ids.service_at_location_id(made.id)}").status_code == 404, name
        body = client.get(f"/oruk/services/{made.id}").json()
        check("compiled/service.json", body)
        assert body["service_at_locations"] == [] and [a["name"] for a in body["service_areas"]] == ["Manchester"]
    online = services["online"]
    sal = client.get(f"/oruk/service_at_locations/{ids.service_at_location_id(online.id)}")
    assert sal.status_code == 200 and sal.json()["location"]["url"] == "https://group.example.org/join"
    check("compiled/service_at_location.json", sal.json())
    listed = client.get("/oruk/services").json()
    assert listed["total_items"] == 5  # every service is still a service
