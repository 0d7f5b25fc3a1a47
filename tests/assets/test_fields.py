"""The field declaration (app/assets/fields.py) is what every output shows: a place with every field filled in is
read back through each output, and each output carries exactly the fields the declaration gives it."""

import csv
import html
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from app.assets.fields import BY_NAME, FIELDS, FORM_ORDER, FORM_SECTIONS, WRITABLE, Output, PlaceField, shown_in
from app.assets.schemas import AssetCreate, AssetPublic, AssetUpdate
from app.exports import formats
from app.maps.views import PAGE_SECTIONS
from app.moderation.views import FIELD_ORDER, LABELS
from tests.factories import make_asset

_SPECIAL_VALUES: dict[str, Any] = {
    "categories": ["choirs-music"],
    "organisation": {"name": "Sample Arts Trust", "website": "https://arts.example.org", "email": "arts@example.org", "phone": "0161 111 1111"},
    "schedule": [{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "term time"}],
    "status": "published",
    "postcode": "M1 1AE",
    "lat": 53.4808,
    "lon": -2.2426,
    "email": "hello@example.org",
    "website": "https://example.org/singers",
    "phone": "0161 000 0000",
    "accessibility": ["step_free"],
    "location_precision": "exact",
    "delivery": "location",
    "service_areas": ["K02000001"],
    "min_age": 18,
    "max_age": 99,
    "last_verified_at": datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
}


def sample(place_field: PlaceField) -> Any:
    """A value for any field, so that a field added later is filled in too."""
    if place_field.name in _SPECIAL_VALUES:
        return _SPECIAL_VALUES[place_field.name]
    return {
        "text": f"Sample {place_field.name}",
        "long_text": f"Sample {place_field.name}",
        "yes_no": True,
        "number": 7,
        "words": [f"Sample {place_field.name}"],
    }[place_field.kind]


@pytest.fixture
def full_place(session) -> AssetPublic:
    return make_asset(session, **{f.name: sample(f) for f in WRITABLE})


def _names(output: Output) -> set[str]:
    return {f.name for f in shown_in(output)}


def test_the_api_schemas_are_the_declared_fields():
    assert set(AssetPublic.model_fields) == _names(Output.API)
    assert set(AssetUpdate.model_fields) == set(AssetCreate.model_fields) == {f.name for f in WRITABLE}
    for f in WRITABLE:  # limits come from the declaration
        if f.max_length:
            too_long = "x" * (f.max_length + 1)
            with pytest.raises(ValueError, match="at most"):
                AssetUpdate.model_validate({f.name: too_long})


def test_every_field_is_filled_and_read_back_by_the_api(client, full_place):
    body = client.get(f"/api/v1/assets/{full_place.id}").json()
    assert set(body) == _names(Output.API) | {"stale"}
    for f in WRITABLE:
        assert body[f.name] not in (None, "", []), f.name


def test_the_csv_export_has_a_column_for_each_declared_field(client, full_place):
    text = client.get("/api/v1/export.csv").content.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO("\n".join(text.splitlines()[formats.METADATA_LINES:]))))
    assert header == [name for f in shown_in(Output.CSV) for name in f.csv or (f.name,)] + ["url"]
    cells = dict(zip(header, row, strict=True))
    assert all(cells[name] for name in header), {name for name in header if not cells[name]}


def test_the_geojson_export_and_the_map_layer_carry_their_declared_fields(client, full_place):
    exported = client.get("/api/v1/export.geojson").json()["features"][0]
    assert exported["id"] == str(full_place.id)
    assert exported["geometry"]["coordinates"] == [-2.2426, 53.4808]
    assert set(exported["properties"]) == _names(Output.GEOJSON) - {"id", "lat", "lon"} | {"url"}

    layer = client.get("/api/v1/assets.geojson", params={"bbox": "-2.3,53.4,-2.2,53.5"}).json()["features"][0]
    assert set(layer["properties"]) == _names(Output.LAYER) - {"lat", "lon"} | {"category", "stale", "url"}
    assert all(layer["properties"][name] not in (None, []) for name in _names(Output.LAYER) - {"lat", "lon"})


def test_the_place_form_asks_for_each_declared_field_prefilled(client, full_place):
    page = client.get(f"/places/{full_place.id}/suggest").text
    for f in shown_in(Output.FORM):
        name = "schedule-0-day" if f.name == "schedule" else f.name
        assert f'name="{name}"' in page, f.name
    assert 'value="Sample audience"' in page and 'value="M1 1AE"' in page
    assert sorted(FORM_ORDER) == sorted(_names(Output.FORM)), "each form field is in exactly one form section"
    assert all(BY_NAME[name].form for section in FORM_SECTIONS for name in section.fields)


def test_the_place_page_shows_each_declared_field(client, full_place):
    """Each in the page's language: a Welsh text on the Welsh page, where it takes its English field's place."""
    page = html.unescape(client.get(f"/places/{full_place.id}").text)
    welsh_page = html.unescape(client.get(f"/places/{full_place.id}", params={"lang": "cy"}).text)
    assert PAGE_SECTIONS <= _names(Output.PAGE)
    for f in shown_in(Output.PAGE):
        value = sample(f)
        if f.kind in ("text", "long_text"):
            assert value in (welsh_page if f.translates else page), f.name
        elif f.kind == "words":
            assert ", ".join(value) in page, f.name
        if f.name not in PAGE_SECTIONS:  # listed with its label under "More about it"
            assert f"<dt>{f.label}</dt>" in page, f.name


def test_moderators_compare_and_name_every_field():
    assert sorted(FIELD_ORDER) == sorted(f.name for f in WRITABLE)
    assert all(LABELS[f.name] == f.label for f in FIELDS)


def test_a_field_an_output_handles_itself_says_why():
    for f in FIELDS:
        if f.kind == "special" or f.name in ("id", "lat", "lon"):
            assert f.special, f.name
