"""Open Referral UK as councils publish it: version 3.0 (HSDS-UK-3.0) and version 1, which most live council feeds
still are. The version is told from the list envelope (3.0: `total_items`, `total_pages`, `page_number`, `size`,
`first_page`, `last_page`, `empty`, `contents`; v1, Spring's page: `totalElements`, `totalPages`, `number`, `size`,
`first`, `last`, `content`) and, in a folder of files, from a service's own fields (v1's `regular_schedules`,
`service_taxonomys`, `physical_addresses` …). A v1 service is read by turning it into the 3.0 shape to_asset.py reads,
field by field; what neither version defines (a supplier's extensions such as `pc_…`) is left out and counted."""

from typing import Any

Json = dict[str, Any]

V1 = "1.0"
V3 = "3.0"
NAMES = {V1: "Open Referral UK version 1", V3: "Open Referral UK 3.0 (HSDS-UK-3.0)"}

# The fields of a service each version defines (3.0: the profile's schema/service.json, with the HSDS 3.0 core fields
# our own feed adds; v1: the UK profile 1.0's service and its nested objects).
V3_FIELDS = frozenset({
    "accreditations", "alert", "assured_date", "assurer_email", "attributes", "contacts", "cost_options", "description",
    "email", "fees", "funding", "id", "languages", "last_modified", "maximum_age", "minimum_age", "name", "organization",
    "organization_id", "schedules", "service_areas", "service_at_locations", "status", "url", "phones",
    "alternate_name", "eligibility_description", "program_id", "interpretation_services", "application_process",
})
V1_FIELDS = frozenset({
    "id", "name", "description", "url", "email", "status", "fees", "accreditations", "deliverable_type", "attending_type",
    "attending_access", "assured_date", "organization", "service_at_locations", "regular_schedules", "holiday_schedules",
    "service_areas", "service_taxonomys", "languages", "contacts", "cost_options", "eligibilitys", "fundings",
    "reviews", "links", "phones", "locations",
})
_V1_ONLY = frozenset({"regular_schedules", "service_taxonomys", "eligibilitys", "holiday_schedules", "fundings"})
_V1_LOCATION = frozenset({"physical_addresses", "accessibility_for_disabilities"})
_DAYS = {"monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH", "friday": "FR", "saturday": "SA",
         "sunday": "SU"}


def page_version(body: Any) -> str | None:
    """The version a list page's envelope is in, or None when it is neither."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("contents"), list):
        return V3
    if isinstance(body.get("content"), list):
        return V1
    return None


def page_items(body: Json) -> list[Any]:
    return body["contents"] if page_version(body) == V3 else body["content"]


def page_is_last(body: Json, page: int) -> bool:
    """Whether a page says it is the last (neither version requires saying so). v1's `number` counts from 0."""
    if page_version(body) == V3:
        last, total = body.get("last_page"), body.get("total_pages")
    else:
        last, total = body.get("last"), body.get("totalPages")
    return last is True or (isinstance(total, int) and page >= total)


def service_version(service: Json) -> str:
    """v1 when the service uses a field only v1 has (or a location v1's way), else 3.0."""
    if _V1_ONLY & service.keys():
        return V1
    for sal in service.get("service_at_locations") or []:
        location = sal.get("location") if isinstance(sal, dict) else None
        if isinstance(location, dict) and _V1_LOCATION & location.keys():
            return V1
    return V3


def unknown_fields(service: Json, version: str) -> list[str]:
    """The service's fields its version does not define: a supplier's extensions, ignored."""
    known = V1_FIELDS if version == V1 else V3_FIELDS
    return sorted(k for k in service if k not in known)


def _list(value: Any) -> list[Json]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _v1_schedule(s: Json) -> Json:
    day = _DAYS.get(str(s.get("weekday") or "").strip().lower(), str(s.get("weekday") or "").strip()[:2].upper())
    return {"freq": "WEEKLY", "interval": 1, "byday": day, "opens_at": s.get("opens_at"),
            "closes_at": s.get("closes_at"), "description": s.get("description")}


def _v1_location(location: Json) -> Json:
    return {
        **location,
        "addresses": _list(location.get("addresses")) or _list(location.get("physical_addresses")),
        "accessibility": _list(location.get("accessibility")) or _list(location.get("accessibility_for_disabilities")),
    }


def from_v1(service: Json) -> Json:
    """A v1 service in the 3.0 shape: regular schedules as weekly schedules, its taxonomies as attributes, languages
    by name, locations' physical addresses and accessibility, service areas by name. Fields the two share are kept."""
    converted = {k: v for k, v in service.items() if k in V1_FIELDS}
    converted["schedules"] = [_v1_schedule(s) for s in _list(service.get("regular_schedules"))]
    converted["attributes"] = [
        {"taxonomy_term": {"name": t.get("name"), "code": t.get("id")}}
        for t in (st.get("taxonomy") for st in _list(service.get("service_taxonomys"))) if isinstance(t, dict)
    ]
    converted["languages"] = [{"name": lang.get("language") or lang.get("name")} for lang in _list(service.get("languages"))]
    converted["service_areas"] = [
        {**area, "name": area.get("name") or area.get("service_area")} for area in _list(service.get("service_areas"))
    ]
    ages = [e for e in _list(service.get("eligibilitys")) if e.get("minimum_age") is not None or e.get("maximum_age") is not None]
    if ages:
        converted["minimum_age"], converted["maximum_age"] = ages[0].get("minimum_age"), ages[0].get("maximum_age")
    converted["service_at_locations"] = [
        {**sal, "location": _v1_location(sal["location"]), "schedules": [_v1_schedule(s) for s in _list(sal.get("regular_schedules"))]}
        if isinstance(sal.get("location"), dict) else sal
        for sal in _list(service.get("service_at_locations"))
    ]
    return converted
