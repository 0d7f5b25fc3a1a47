"""OpenStreetMap tags → asset fields: which features become assets, in which categories, with what details.

The category mapping is data (`CATEGORY_TAGS`), documented in docs/osm-tags.md (a test keeps the two in step).
A tag matches a row when its key is the row's key and its value is the row's value, or the row's value is "*" (any
value but "no"); a key with an exact row never also takes its "*" row ("club=sport" is a sports club, not also a
club or society). Values listed with ";" ("hairdresser;beauty") are each looked up.
"""

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from app.assets.types import Accessibility, Email, Url
from app.geo.postcodes import parse_postcode
from app.imports.opening_hours import parse_opening_hours

# (key, value or "*", category slug from the taxonomy of migration 0001)
CATEGORY_TAGS: tuple[tuple[str, str, str], ...] = (
    ("amenity", "community_centre", "community-centres"),
    ("amenity", "village_hall", "community-centres"),
    ("amenity", "social_centre", "community-centres"),
    ("community_centre", "youth_centre", "youth-clubs"),
    ("amenity", "library", "libraries"),
    ("amenity", "place_of_worship", "places-of-worship"),
    ("amenity", "cafe", "cafes"),
    ("amenity", "pub", "pubs"),
    ("amenity", "bar", "pubs"),
    ("amenity", "social_facility", "charities"),
    ("social_facility", "food_bank", "food-banks"),
    ("social_facility", "soup_kitchen", "community-meals"),
    ("social_facility", "shelter", "homelessness-support"),
    ("social_facility", "outreach", "homelessness-support"),
    ("amenity", "food_bank", "food-banks"),
    ("amenity", "arts_centre", "arts-culture"),
    ("amenity", "theatre", "drama-dance"),
    ("tourism", "museum", "heritage-museums"),
    ("tourism", "gallery", "heritage-museums"),
    ("amenity", "doctors", "gp-practices"),
    ("healthcare", "doctor", "gp-practices"),
    ("amenity", "pharmacy", "pharmacies"),
    ("healthcare", "pharmacy", "pharmacies"),
    ("amenity", "dentist", "dentists"),
    ("healthcare", "dentist", "dentists"),
    ("amenity", "clinic", "health-clinics"),
    ("amenity", "hospital", "health-clinics"),
    ("healthcare", "clinic", "health-clinics"),
    ("healthcare", "hospital", "health-clinics"),
    ("healthcare", "hospice", "health-clinics"),
    ("healthcare", "counselling", "mental-health-services"),
    ("healthcare", "psychotherapist", "mental-health-services"),
    ("shop", "hairdresser", "hairdressers"),
    ("shop", "barber", "barbers"),
    ("hairdresser", "barber", "barbers"),
    ("shop", "charity", "charities"),
    ("charity", "*", "charities"),
    ("office", "charity", "charities"),
    ("office", "ngo", "charities"),
    ("office", "association", "clubs-societies"),
    ("office", "society", "clubs-societies"),
    ("club", "*", "clubs-societies"),
    ("club", "sport", "sports-clubs"),
    ("club", "scout", "youth-clubs"),
    ("club", "youth", "youth-clubs"),
    ("leisure", "social_club", "clubs-societies"),
    ("leisure", "sports_club", "sports-clubs"),
    ("leisure", "park", "parks"),
    ("leisure", "garden", "parks"),
    ("garden:type", "community", "community-gardens"),
    ("landuse", "allotments", "community-gardens"),
    ("leisure", "nature_reserve", "parks"),
    ("leisure", "recreation_ground", "parks"),
    ("landuse", "recreation_ground", "parks"),
    ("landuse", "village_green", "parks"),
    ("leisure", "common", "parks"),
    ("leisure", "playground", "parks"),
    ("leisure", "sports_centre", "leisure-centres"),
    ("leisure", "fitness_centre", "leisure-centres"),
    ("leisure", "swimming_pool", "leisure-centres"),
    ("leisure", "pitch", "physical-activity"),
    ("leisure", "golf_course", "sports-clubs"),
    ("leisure", "dance", "drama-dance"),
)
CATEGORY_KEYS: frozenset[str] = frozenset(key for key, _, _ in CATEGORY_TAGS)
_EXACT: dict[tuple[str, str], list[str]] = {}
_ANY: dict[str, list[str]] = {}
_POSITION: dict[str, int] = {}
for _n, (_key, _value, _slug) in enumerate(CATEGORY_TAGS):
    (_ANY.setdefault(_key, []) if _value == "*" else _EXACT.setdefault((_key, _value), [])).append(_slug)
    _POSITION.setdefault(_slug, _n)

# The address is these, then "addr:housenumber addr:street", then the rest, joined with commas (or addr:full).
BEFORE_STREET = ("addr:unit", "addr:housename")
AFTER_STREET = ("addr:substreet", "addr:place", "addr:locality", "addr:city")
CONTACT_TAGS = {  # first tag present wins
    "phone": ("phone", "contact:phone", "contact:mobile"),
    "email": ("email", "contact:email"),
    "website": ("website", "contact:website", "url", "contact:facebook"),
}
STEP_FREE_VALUES = ("yes", "designated")
TAG_KEYS = ("religion", "denomination", "sport")  # their values become the asset's free-text tags
_NOT_PUBLIC = ("private", "no")
NAME_TAGS = ("name", "name:en")
# The tags each field comes from: a file that has none of a field's tags as columns (an extract that leaves out
# opening hours, say) leaves that field as it is, where a file that has the column but not the value clears it.
FIELD_TAGS: dict[str, tuple[str, ...]] = {
    "description": ("description",),
    "tags": TAG_KEYS,
    "address": ("addr:full", "addr:housenumber", "addr:street", *BEFORE_STREET, *AFTER_STREET),
    "postcode": ("addr:postcode",),
    **CONTACT_TAGS,
    "accessibility": ("wheelchair",),
    "schedule": ("opening_hours",),
    "opening_hours_text": ("opening_hours",),
}
_URL: TypeAdapter[str] = TypeAdapter(Url)
_EMAIL: TypeAdapter[str] = TypeAdapter(Email)


def categories_for(tags: Mapping[str, str]) -> list[str]:
    """The category slugs a feature's tags map to, in table order, without repeats."""
    slugs: list[str] = []
    for key, value in tags.items():
        values = [v.strip() for v in value.split(";") if v.strip()]
        exact = [slug for v in values for slug in _EXACT.get((key, v), [])]
        wildcard = _ANY.get(key, []) if any(v != "no" for v in values) else []
        slugs += exact or wildcard
    return sorted(set(slugs), key=_POSITION.__getitem__)


def describe(tags: Mapping[str, str]) -> str:
    """The tags that decide the category, for messages: "amenity=school"."""
    main = [f"{k}={v}" for k, v in tags.items() if k in ("amenity", "shop", "leisure", "office", "healthcare", "tourism", "landuse", "club")]
    return ", ".join(main) or "no amenity, shop, leisure or office tag"


def asset_fields(
    tags: Mapping[str, str], columns: Collection[str] | None = None
) -> tuple[dict[str, Any] | None, str | None, list[str]]:
    """(fields, why not, notes) for a feature's tags; fields leave out source, external_id and the place.

    Every field the tags can give is set, to None (or empty) when the tag is absent, so a tag removed in OSM is removed
    here too; but when `columns` (the tag keys a file has at all, such as an extract's header) is given, a field none
    of whose tags is among them is left out, so that file never blanks it. "Why not" is a reason the place is not to
    be listed (no category, no name, not public): a new one is skipped, one imported before is archived.
    """
    categories = categories_for(tags)
    if not categories:
        return None, f"no category for {describe(tags)}", []
    name = (tags.get("name") or tags.get("name:en") or "").strip()
    if not name:
        return None, f"no name ({describe(tags)}): an asset needs a name", []
    if tags.get("access") in _NOT_PUBLIC:
        return None, f"access={tags['access']}: not open to the public", []
    notes: list[str] = []
    fields: dict[str, Any] = {
        "name": name[:200],
        "categories": categories[:10],
        "tags": _free_tags(tags),
        **_address(tags, notes),
        **_contacts(tags, notes),
        "accessibility": [Accessibility.step_free.value] if tags.get("wheelchair") in STEP_FREE_VALUES else [],
        **_hours(tags.get("opening_hours"), notes),
    }
    fields["description"] = tags.get("description", "").strip()[:5000]
    if tags.get("wheelchair") == "limited":
        notes.append("wheelchair=limited: partly step-free, so not marked step-free")
    if columns is not None:
        fields = {k: v for k, v in fields.items() if k not in FIELD_TAGS or any(t in columns for t in FIELD_TAGS[k])}
    return fields, None, notes


def _free_tags(tags: Mapping[str, str]) -> list[str]:
    values = (v.strip().replace("_", " ") for key in TAG_KEYS for v in tags.get(key, "").split(";"))
    return list(dict.fromkeys(v for v in values if v and len(v) <= 60))[:30]


def _address(tags: Mapping[str, str], notes: list[str]) -> dict[str, str | None]:
    street = " ".join(p for p in (tags.get("addr:housenumber"), tags.get("addr:street")) if p)
    parts = [*(tags.get(k) for k in BEFORE_STREET), street, *(tags.get(k) for k in AFTER_STREET)]
    address = tags.get("addr:full") or ", ".join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))
    postcode = (tags.get("addr:postcode") or "").strip()
    parsed = parse_postcode(postcode) if postcode else None
    if postcode and parsed is None:
        notes.append(f"addr:postcode {postcode[:20]!r} is not a UK postcode; left out")
    return {"address": address[:300] or None, "postcode": parsed.display if parsed else None}


def _contacts(tags: Mapping[str, str], notes: list[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for field_name, keys in CONTACT_TAGS.items():
        value = next((tags[k].split(";")[0].strip() for k in keys if tags.get(k, "").strip()), None)
        if value and field_name != "phone":
            try:
                value = (_URL if field_name == "website" else _EMAIL).validate_python(value)
            except ValidationError:
                notes.append(f"{field_name} {value!r} is not valid; left out")
                value = None
        found[field_name] = value[:40] if value and field_name == "phone" else value
    return found


def _hours(raw: str | None, notes: list[str]) -> dict[str, Any]:
    raw = (raw or "").strip()
    parsed = parse_opening_hours(raw)
    if parsed:
        return {"schedule": parsed.sessions, "opening_hours_text": parsed.text}
    if raw:
        notes.append(f"opening_hours {raw!r} not understood; kept as text")
    return {"schedule": [], "opening_hours_text": raw[:500] or None}
