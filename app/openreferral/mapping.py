"""An asset row (see repository.COLUMNS) as Open Referral objects: service, organization, location and the rest.

One asset is one service at one physical location. Only published assets reach here, so status is always
"active". Weekly sessions become WEEKLY schedules; `free`/`cost_description` become a cost option; the
accessibility features become the location's accessibility entries; the categories become attributes linking the
service to our taxonomy's terms; the Welsh name is the service's alternate name, and Welsh among the languages has
its ISO 639-1 code. Values we do not have are left out. Decisions are documented in docs/openreferral.md.
"""

import uuid
from collections import Counter
from typing import Any

from app.areas.models import WHOLE_UK
from app.assets.language import is_welsh
from app.assets.types import ACCESSIBILITY_LABELS, WEEKDAYS
from app.categories.service import CategoryNode, Taxonomy
from app.openreferral import ids
from app.openreferral.schemas import BYDAY

TAXONOMY_NAME = "Community Asset Map categories"
TAXONOMY_DESCRIPTION = (
    "The categories this directory files community assets under: broad needs (such as social connection or food) "
    "with more specific categories below them."
)
COUNTRY = "GB"
WELSH_CODE = "cy"  # ISO 639-1


Row = dict[str, Any]
Json = dict[str, Any]


def _compact(obj: Json) -> Json:
    return {k: v for k, v in obj.items() if v is not None and v != ""}


# --- taxonomy ---------------------------------------------------------------------------------------------------


def taxonomy(tree: Taxonomy, uri: str | None, with_terms: bool) -> Json:
    obj = {"id": ids.taxonomy_id(), "name": TAXONOMY_NAME, "description": TAXONOMY_DESCRIPTION, "uri": uri}
    if with_terms:
        obj["taxonomy_terms"] = [taxonomy_term(tree, node) for node in tree.by_slug.values()]
    return _compact(obj)


def taxonomy_term(tree: Taxonomy, node: CategoryNode) -> Json:
    return _compact(
        {
            "id": ids.term_id(node.slug),
            "name": node.name,
            "description": node.description,
            "parent_id": ids.term_id(node.parent_slug) if node.parent_slug else None,
            "taxonomy": TAXONOMY_NAME,
            "taxonomy_id": ids.taxonomy_id(),
            "term": node.name,
            "code": node.slug,
        }
    )


# --- service ----------------------------------------------------------------------------------------------------


def organization(row: Row, full: bool) -> Json | None:
    org = row["organisation"]
    if not org or row["organisation_id"] is None:
        return None
    obj = _compact({"id": row["organisation_id"], "name": org["name"], "email": org.get("email"), "website": org.get("website")})
    obj["description"] = ""  # required by the profile; we hold no description of organisations
    if full and org.get("phone"):
        obj["phones"] = [{"id": ids.derived("phone", row["organisation_id"]), "number": org["phone"]}]
    return obj


def service_summary(row: Row) -> Json:
    return _compact(
        {
            "id": row["id"],
            "organization_id": row["organisation_id"],
            "name": row["name"],
            "alternate_name": row["name_cy"],  # HSDS 3.0 core: the profile has no other place for a Welsh name
            "description": row["description"],
            "url": row["website"],
            "email": row["email"],
            "status": "active",
            "fees": row["cost_description"],
            "minimum_age": row["min_age"],
            "maximum_age": row["max_age"],
            "assured_date": row["last_verified_at"].date().isoformat() if row["last_verified_at"] else None,
            "last_modified": row["updated_at"],
            "eligibility_description": row["audience"],
            "organization": organization(row, full=False),
        }
    )


def service_full(row: Row, tree: Taxonomy, with_locations: bool = True) -> Json:
    service_id = row["id"]
    obj = service_summary(row) | {
        "schedules": schedules(row),
        "languages": languages(row),
        "cost_options": cost_options(row),
        "attributes": [attribute(tree, service_id, slug) for slug in row["categories"]],
        "phones": [{"id": ids.derived("phone", service_id), "number": row["phone"]}] if row["phone"] else [],
    }
    org = organization(row, full=True)
    if org:
        obj["organization"] = org
    if with_locations:
        # A service by phone or at home is at no location, not even a virtual one; online, it is at its website
        # (repository.AT_A_LOCATION).
        at_a_location = row["at_a_location"]
        obj["service_at_locations"] = [_service_at_location(row) | {"location": location(row, full=True)}] if at_a_location else []
    obj["service_areas"] = service_areas(row)
    return obj


# The URI of an area: the ONS's statistical geography register, which ends with the area's code (so a reader finds
# the code, as our importer does).
AREA_URI = "http://statistics.data.gov.uk/id/statistical-geography/{code}"


def service_areas(row: Row) -> list[Json]:
    return [
        _compact({
            "id": ids.derived("service_area", row["id"], code),
            "service_id": row["id"],
            "name": "United Kingdom" if code == WHOLE_UK else name or code,
            "uri": AREA_URI.format(code=code),
        })
        for code, name in zip(row["service_areas"], row["service_area_names"], strict=False)
    ]


def languages(row: Row) -> list[Json]:
    """The languages the place lists, each once: Welsh (listed as Welsh or Cymraeg, or both) once, with its code."""
    out: list[Json] = []
    for name in dict.fromkeys(row["languages"]):
        welsh = is_welsh(name)
        if welsh and any(language.get("code") == WELSH_CODE for language in out):
            continue
        language = {"id": ids.derived("language", row["id"], name), "service_id": row["id"], "name": name}
        out.append(language | ({"code": WELSH_CODE} if welsh else {}))
    return out


def schedules(row: Row) -> list[Json]:
    service_id = row["id"]
    out: list[Json] = []
    seen: Counter[tuple[str, str, str]] = Counter()
    for session in row["schedule"]:
        byday = BYDAY[WEEKDAYS.index(session["day"])]
        slot = (byday, session["opens"], session["closes"])
        seen[slot] += 1
        repeat = [seen[slot]] if seen[slot] > 1 else []  # the same slot twice (with different notes) needs its own id
        out.append(
            _compact(
                {
                    "id": ids.derived("schedule", service_id, *slot, *repeat),
                    "service_id": service_id,
                    "freq": "WEEKLY",
                    "interval": 1,
                    "byday": byday,
                    "opens_at": f"{session['opens']}:00",
                    "closes_at": f"{session['closes']}:00",
                    "description": session["note"],
                }
            )
        )
    if row["opening_hours_text"]:
        # Opening times we could not structure: kept as the schedule's free-text description.
        out.append({"id": ids.derived("schedule", service_id, "text"), "service_id": service_id, "description": row["opening_hours_text"]})
    return out


def cost_options(row: Row) -> list[Json]:
    free, description = row["free"], row["cost_description"]
    if free is None and not description:
        return []
    option = {True: "Free", False: "Charge", None: None}[free]
    return [
        _compact(
            {
                "id": ids.derived("cost_option", row["id"]),
                "service_id": row["id"],
                "option": option,
                "amount": 0 if free else None,
                "amount_description": description,
            }
        )
    ]


def attribute(tree: Taxonomy, service_id: uuid.UUID, slug: str) -> Json:
    term = taxonomy_term(tree, tree.by_slug[slug])
    return {
        "id": ids.derived("attribute", service_id, slug),
        "link_id": service_id,
        "link_type": "category",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }


# --- location ---------------------------------------------------------------------------------------------------


def location(row: Row, full: bool) -> Json:
    location_id = ids.location_id(row["id"])
    if row["delivery"] != "location":
        # Online: a virtual location (HSDS 3.0) at the url people reach it at, its website (repository.AT_A_LOCATION:
        # a service without one has no location at all).
        return {"id": location_id, "location_type": "virtual", "name": row["name"], "url": row["website"]}
    obj: Json = {
        "id": location_id,
        "location_type": "physical",
        "name": row["name"],
        "latitude": row["lat"],
        "longitude": row["lon"],
    }
    if full:
        address = postal_address(row)
        obj["addresses"] = [address] if address else []
        obj["accessibility"] = [
            {
                "id": ids.derived("accessibility", row["id"], code),
                "location_id": location_id,
                "description": str(ACCESSIBILITY_LABELS.get(code, code)),  # in the response's language
                "accessibility": str(ACCESSIBILITY_LABELS.get(code, code)),
            }
            for code in row["accessibility"]
        ]
    return obj


def postal_address(row: Row) -> Json | None:
    """Our one-line address as an HSDS address: the last comma-separated part (unless it is the postcode) is taken
    as the town. The profile requires city, state_province and postal_code; what we do not know is sent empty."""
    text, postcode = (row["address"] or "").strip(), row["postcode"] or ""
    if not text and not postcode:
        return None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if parts and postcode and parts[-1].replace(" ", "").upper() == postcode.replace(" ", "").upper():
        parts.pop()
    city = parts.pop() if len(parts) > 1 else ""
    return {
        "id": ids.derived("address", row["id"]),
        "location_id": ids.location_id(row["id"]),
        "address_1": ", ".join(parts),
        "city": city,
        "state_province": "",
        "postal_code": postcode,
        "country": COUNTRY,
        "address_type": "physical",
    }


# --- service_at_location ----------------------------------------------------------------------------------------


def _service_at_location(row: Row) -> Json:
    return {"id": ids.service_at_location_id(row["id"]), "service_id": row["id"], "location_id": ids.location_id(row["id"])}


def service_at_location_summary(row: Row) -> Json:
    return _service_at_location(row) | {"location": location(row, full=False), "service": service_summary(row)}


def service_at_location_full(row: Row, tree: Taxonomy) -> Json:
    return _service_at_location(row) | {
        "location": location(row, full=True),
        "service": service_full(row, tree, with_locations=False),
    }
