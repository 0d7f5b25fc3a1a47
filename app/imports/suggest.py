"""A mapping suggested from a file's column names (`assetmap import csv --suggest-mapping FILE`): the usual names
councils and directories give their columns, matched to our fields. The result is the same YAML that
`--mapping` reads (app/imports/mapping.py), for a person to check and edit: categories in particular must be chosen.
"""

import re
from pathlib import Path
from typing import Any

import yaml

# Field -> the column names it is suggested for, compared without case, spaces, "_", "-" and ".".
_NAMES: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "ref", "reference", "uid", "uniqueid", "identifier", "code", "orgid", "siteid", "urn"),
    "name": ("name", "title", "placename", "sitename", "venuename", "organisationname", "organizationname",
             "servicename", "groupname", "projectname"),
    "description": ("description", "about", "summary", "details", "servicedescription"),
    "address": ("address", "fulladdress", "streetaddress", "address1", "addressline1", "address2", "addressline2",
                "address3", "addressline3", "street", "town", "city"),
    "postcode": ("postcode", "postalcode", "zip", "zipcode"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "website": ("website", "url", "web", "webaddress", "websiteurl", "homepage"),
    "email": ("email", "emailaddress", "contactemail"),
    "phone": ("phone", "telephone", "tel", "phonenumber", "telephonenumber", "contactnumber", "contactphone"),
    "free": ("free", "isfree", "freeofcharge"),
    "cost_description": ("cost", "costs", "price", "charges"),
    "drop_in": ("dropin", "walkin"),
    "audience": ("audience", "whoitisfor", "eligibility", "whofor"),
    "delivery": ("delivery", "deliverymethod", "deliverymode", "howdelivered", "servicedelivery", "format"),
    "service_areas": ("servicearea", "serviceareas", "areaserved", "areasserved", "areacovered", "areascovered",
                      "coverage"),
    "last_verified_at": ("lastverified", "lastchecked", "verified", "lastupdated", "updated", "dateupdated"),
}
_INVERTED: dict[str, tuple[str, ...]] = {"drop_in": ("referralrequired", "referralneeded", "byreferral", "referral")}
_OSM_HOURS = ("openinghours",)  # OpenStreetMap syntax when the column is called that and looks like it
_HOURS = ("hours", "openinghours", "openingtimes", "times", "when", "sessions", "openingtime", "whenopen")
_OSM_LOOK = re.compile(r"^(?:24/7|(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)[ ,\-A-Za-z]*\d{2}:\d{2}-\d{2}:\d{2})")


def _key(column: str) -> str:
    return re.sub(r"[\s_\-.()]+", "", column.strip().lower())


def suggest_mapping(columns: list[str], source: str, sample: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """A mapping for a file with these columns; `sample` (column -> some of its values) tells OSM hours from words."""
    sample = sample or {}
    fields: dict[str, Any] = {}
    taken: set[str] = set()
    mapping: dict[str, Any] = {"source": source, "external_id": None}
    for column in columns:
        key = _key(column)
        if not key or column in taken:
            continue
        for field, names in _NAMES.items():
            if key not in names:
                continue
            if field == "external_id":
                if mapping["external_id"] is None:
                    mapping["external_id"] = column
                    taken.add(column)
            elif field == "address":
                fields.setdefault("address", []).append(column)
                taken.add(column)
            elif field not in fields:
                fields[field] = column
                taken.add(column)
            break
        else:
            for field, names in _INVERTED.items():
                if key in names and field not in fields:
                    fields[field] = {"column": column, "invert": True}
                    taken.add(column)
    hours = next((c for c in columns if _key(c) in _HOURS and c not in taken), None)
    if "address" in fields and len(fields["address"]) == 1:
        fields["address"] = fields["address"][0]
    if ("lat" in fields) != ("lon" in fields):
        fields.pop("lat", None)
        fields.pop("lon", None)
    mapping["external_id"] = mapping["external_id"] or (fields.get("name") or columns[0])
    mapping["fields"] = fields
    mapping["categories"] = "community-centres"
    if hours:
        values = [v for v in sample.get(hours, []) if v]
        osm = _key(hours) in _OSM_HOURS and values and all(_OSM_LOOK.match(v) for v in values)
        mapping["schedule"] = {"osm" if osm else "text": hours}
    return mapping


def as_yaml(mapping: dict[str, Any]) -> str:
    """The mapping as the YAML `--mapping` reads, with a reminder to choose its categories."""
    text = yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True, width=120)
    return (
        "# Suggested from the file's columns: check every line. Choose the categories (a slug, a list, or a table by a\n"
        "# column's values: docs/imports.md); a mapped yes/no column that means the opposite takes invert: true.\n"
        + text
    )


def source_name(path: Path) -> str:
    """A mapping's `source` from a file's name: 'Food support (May).csv' -> 'food-support-may'."""
    stem = path.name.split(".")[0]
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:40] or "import"
