"""The nearby search's `area=` filter and services that are not a place (issue 19): a service by phone, online or at
home is kept when it serves people in the chosen area: it serves the whole UK, or one of its service areas holds the
area (the nation, the region) or lies within it; a neighbouring council's service is not (docs/api.md)."""

import pytest

from tests.factories import make_asset

pytestmark = pytest.mark.usefixtures("nations")

MANCHESTER = {"lat": 53.4808, "lon": -2.2426}  # Albert Square (E08000003), in the North West (E12000002)
CARDIFF = {"lat": 51.4816, "lon": -3.1791}  # W06000015, in Wales (W92000004)


@pytest.fixture
def services(session):
    def remote(name: str, areas: list[str]) -> None:
        make_asset(session, name=name, delivery="phone", service_areas=areas, lat=None, lon=None)

    remote("Manchester line", ["E08000003"])
    remote("Salford line", ["E08000006"])  # Manchester's neighbour: serves Salford only
    remote("North West line", ["E12000002"])
    remote("Wales line", ["W92000004"])
    remote("Cardiff line", ["W06000015"])
    remote("UK line", ["UK"])
    make_asset(session, name="Lunch club", **MANCHESTER)


def nearby(client, **params) -> dict:
    response = client.get("/api/v1/assets/nearby", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return {"places": [i["name"] for i in body["items"]], "remote": [i["name"] for i in body["remote"]["items"]],
            "remote_total": body["remote"]["total"]}


def test_a_council_area_keeps_the_services_serving_it(client, services):
    found = nearby(client, **MANCHESTER, area="E08000003")
    assert found["places"] == ["Lunch club"]
    assert found["remote"] == ["Manchester line", "North West line", "UK line"] and found["remote_total"] == 3


def test_a_wider_area_keeps_the_services_of_the_councils_inside_it(client, services):
    assert nearby(client, **CARDIFF, area="W92000004")["remote"] == ["Cardiff line", "UK line", "Wales line"]
    assert nearby(client, **MANCHESTER, area="E12000002")["remote"] == ["Manchester line", "North West line", "UK line"]


def test_a_service_must_still_serve_the_searched_point(client, services):
    """area= narrows what serves the origin; it does not bring in services of the area that do not serve it."""
    assert nearby(client, **MANCHESTER, area="E08000006")["remote"] == ["North West line", "UK line"]
    assert nearby(client, **CARDIFF, area="E08000003") == {"places": [], "remote": ["UK line"], "remote_total": 1}


def test_an_unknown_area_is_refused_as_before(client, services):
    response = client.get("/api/v1/assets/nearby", params={**MANCHESTER, "area": "E99999999"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "area"
