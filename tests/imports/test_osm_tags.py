"""The OSM tag mapping on its own: categories, skips and the fields each tag gives."""

import pytest

from app.imports.osm_tags import asset_fields, categories_for


@pytest.mark.parametrize(
    ("tags", "categories"),
    [
        ({"amenity": "community_centre"}, ["community-centres"]),
        ({"club": "chess"}, ["clubs-societies"]),
        ({"club": "sport"}, ["sports-clubs"]),  # an exact row wins over club=*
        ({"charity": "yes", "shop": "charity"}, ["charities"]),
        ({"charity": "no", "shop": "books"}, []),
        ({"shop": "hairdresser;beauty"}, ["hairdressers"]),
        ({"shop": "hairdresser", "hairdresser": "barber"}, ["hairdressers", "barbers"]),
        ({"amenity": "social_facility", "social_facility": "food_bank"}, ["charities", "food-banks"]),
        ({"leisure": "garden", "garden:type": "community"}, ["parks", "community-gardens"]),
        ({"amenity": "school", "name": "X"}, []),
        ({"highway": "footway"}, []),
    ],
)
def test_categories(tags: dict[str, str], categories: list[str]) -> None:
    assert categories_for(tags) == categories


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        ({"amenity": "pub"}, "no name (amenity=pub): an asset needs a name"),
        ({"amenity": "restaurant", "name": "Bistro"}, "no category for amenity=restaurant"),
        ({"natural": "tree", "name": "Old Oak"}, "no category for no amenity, shop, leisure or office tag"),
        ({"leisure": "pitch", "name": "School field", "access": "private"}, "access=private: not open to the public"),
    ],
)
def test_skipped_with_a_reason(tags: dict[str, str], problem: str) -> None:
    assert asset_fields(tags) == (None, problem, [])


def test_fields_and_fallbacks() -> None:
    fields, problem, notes = asset_fields({
        "amenity": "library", "name:en": "Town Library", "addr:unit": "Unit 2", "addr:housename": "The Old Bank",
        "addr:housenumber": "5", "addr:street": "Station Road", "addr:city": "Port Erin", "addr:postcode": "im9 6ae",
        "contact:phone": "+44 1624 835412; +44 1624 000000", "contact:email": "not-an-email", "url": "library.example.org",
        "wheelchair": "designated", "description": "Books and a warm welcome", "opening_hours": "Mo-Sa 08:00+",
    })
    assert problem is None
    assert fields == {
        "name": "Town Library", "categories": ["libraries"], "tags": [],
        "address": "Unit 2, The Old Bank, 5 Station Road, Port Erin", "postcode": "IM9 6AE",
        "phone": "+44 1624 835412", "email": None, "website": "https://library.example.org",
        "accessibility": ["step_free"], "schedule": [], "opening_hours_text": "Mo-Sa 08:00+",
        "description": "Books and a warm welcome",
    }
    assert notes == ["email 'not-an-email' is not valid; left out", "opening_hours 'Mo-Sa 08:00+' not understood; kept as text"]


def test_a_postcode_is_written_the_usual_way_or_left_out() -> None:
    tidy, _, _ = asset_fields({"amenity": "cafe", "name": "Cafe", "addr:postcode": "  sw1a   1aa "})
    assert tidy["postcode"] == "SW1A 1AA"
    messy, problem, notes = asset_fields({"amenity": "cafe", "name": "Cafe", "addr:postcode": "M1 1AE UK"})
    assert problem is None and messy["postcode"] is None
    assert notes == ["addr:postcode 'M1 1AE UK' is not a UK postcode; left out"]


def test_absent_tags_clear_fields() -> None:
    fields, _, notes = asset_fields({"amenity": "cafe", "name": "Cafe", "addr:full": "1 Main St, Oakham", "wheelchair": "limited"})
    assert fields["address"] == "1 Main St, Oakham"
    assert {k: fields[k] for k in ("postcode", "phone", "email", "website", "opening_hours_text")} == dict.fromkeys(
        ("postcode", "phone", "email", "website", "opening_hours_text"))
    assert fields["accessibility"] == [] and fields["schedule"] == [] and fields["description"] == ""  # removed in OSM: cleared
    assert notes == ["wheelchair=limited: partly step-free, so not marked step-free"]
