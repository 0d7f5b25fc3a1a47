"""Areas in Welsh: the ONS's Welsh names of Wales's councils, the nations and England's regions, by Accept-Language
and on Welsh pages; an English council keeps its only name, marked lang="en" where it stands alone."""

import re

import pytest

pytestmark = pytest.mark.usefixtures("councils")


def test_the_api_names_a_welsh_council_in_welsh_for_a_welsh_request(client):
    english = client.get("/api/v1/areas/W06000015").json()
    welsh = client.get("/api/v1/areas/W06000015", headers={"Accept-Language": "cy"}).json()
    assert english["name"] == "Cardiff" and welsh["name"] == "Caerdydd"
    assert {k: v for k, v in welsh.items() if k != "name"} == {k: v for k, v in english.items() if k != "name"}
    manchester = client.get("/api/v1/areas/E08000003", headers={"Accept-Language": "cy"}).json()
    assert manchester["name"] == "Manchester"  # no Welsh name of its own


@pytest.mark.parametrize("q", ["Caerdydd", "caerdydd", "Ynys Mon", "môn"])
def test_an_area_is_found_by_its_welsh_name_accents_ignored(client, q):
    codes = [a["code"] for a in client.get("/api/v1/areas", params={"q": q}).json()]
    assert codes and codes[0] in {"W06000015", "W06000001"}
    assert set(codes) <= {"W06000015", "W06000001"}


def test_a_welsh_page_lists_welsh_names_and_marks_english_only_names(client):
    page = client.get("/insights?lang=cy").text
    assert re.search(r'<option value="W06000015"[^>]*>Caerdydd \(W06000015\)</option>', page)
    assert re.search(r'<option value="E08000003" lang="en">Manchester \(E08000003\)</option>', page)
    english = client.get("/insights?lang=en").text
    assert re.search(r'<option value="W06000015">Cardiff \(W06000015\)</option>', english)
    assert 'lang="en">Manchester' not in english
