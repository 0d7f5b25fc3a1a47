"""Welsh in the Open Referral UK feed, as far as the profile allows: the Welsh name as the service's alternate name,
Welsh among the languages with its code, category labels in the language asked for; every answer still valid
against the profile's schemas; and the importer reading the same back."""

import json

from app.categories.service import get_taxonomy
from app.openreferral.to_asset import convert
from tests.factories import make_asset
from tests.oruk_schemas import check, check_page

CARDIFF = {"lat": 51.4816, "lon": -3.1791}


def test_the_welsh_name_and_welsh_among_the_languages_are_in_valid_answers(client, session):
    choir = make_asset(
        session, name="Treorchy Male Choir", name_cy="Côr Meibion Treorci", description_cy="Côr i ddynion",
        categories=["choirs-music"], languages=["Cymraeg", "Welsh", "Polish"], **CARDIFF,
    )
    for headers in ({}, {"Accept-Language": "cy"}):
        body = client.get(f"/oruk/services/{choir.id}", headers=headers).json()
        check("compiled/service.json", body)
        assert body["alternate_name"] == "Côr Meibion Treorci"
        # Welsh once, however the place wrote it, with its ISO 639-1 code; other languages as written.
        assert [(lang["name"], lang.get("code")) for lang in body["languages"]] == [("Cymraeg", "cy"), ("Polish", None)]
        sal = client.get(f"/oruk/service_at_locations/{body['service_at_locations'][0]['id']}", headers=headers).json()
        check("compiled/service_at_location.json", sal)
        page = client.get("/oruk/services", headers=headers).json()
        check_page("compiled/service.json", page)
        assert page["contents"][0]["alternate_name"] == "Côr Meibion Treorci"
    welsh = client.get(f"/oruk/services/{choir.id}", headers={"Accept-Language": "cy"}).json()
    assert welsh["attributes"][0]["taxonomy_term"]["name"] == "Corau a cherddoriaeth"  # labels in the language asked for
    assert welsh["attributes"][0]["taxonomy_term"]["code"] == "choirs-music"


def test_welsh_text_alone_does_not_make_a_place_welsh_speaking(client, session):
    """HSDS's languages are those spoken at a service: a translated description is not one of them."""
    place = make_asset(session, name="Food Bank", name_cy="Banc Bwyd", categories=["food-banks"], **CARDIFF)
    body = client.get(f"/oruk/services/{place.id}").json()
    assert body["alternate_name"] == "Banc Bwyd" and body["languages"] == []
    plain = client.get(f"/oruk/services/{make_asset(session, name='Library', **CARDIFF).id}").json()
    assert "alternate_name" not in plain  # absent values are left out, never null


def test_the_importer_reads_the_welsh_name_languages_and_welsh_category_names(session):
    service = {
        "id": "7a9f0c3e-4b8d-4e2a-9c1f-2d3e4f5a6b7c", "name": "Treorchy Male Choir", "alternate_name": "Côr Meibion Treorci",
        "status": "active",
        "languages": [{"id": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "code": "cy"}, {"id": "1b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "name": "Polish"}],
        "attributes": [{"taxonomy_term": {"name": "Corau a cherddoriaeth"}}],
        "service_at_locations": [{"location": {"location_type": "physical", "latitude": 51.65, "longitude": -3.50}}],
    }
    fields = convert(session, json.loads(json.dumps(service)), get_taxonomy(session), "charities").fields
    assert (fields["name"], fields["name_cy"]) == ("Treorchy Male Choir", "Côr Meibion Treorci")
    assert fields["languages"] == ["Welsh", "Polish"]  # a language given only by its code cy is Welsh
    assert fields["categories"] == ["choirs-music"]  # a term named in Welsh finds our category
