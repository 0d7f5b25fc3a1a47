"""Finding areas, and checking the area codes callers filter by."""

import re
from dataclasses import dataclass

from sqlmodel import Session

from app.areas import repository
from app.areas.models import WHOLE_UK, AreaLevel
from app.areas.schemas import AreaDetail, AreaSummary
from app.areas.welsh_names import codes_named
from app.core.errors import Invalid, NotFound
from app.core.text import checked_text
from app.i18n import Text
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l


def require_area(session: Session, code: str, field: str = "area") -> str:
    """The area's code in canonical form; Invalid (422) when no area has it."""
    canonical = checked_text(code, field).upper()
    if canonical and repository.exists(session, canonical):
        return canonical
    shown = code.strip()[:20]
    if not repository.any_loaded(session):
        raise Invalid(_("Unknown area '%(code)s': no boundaries are loaded (run `assetmap import boundaries`).") % {"code": shown}, field)
    message = _("Unknown area '%(code)s'. Use an ONS code such as E08000003 (Manchester); find one with /api/v1/areas?q=<name>.")
    raise Invalid(message % {"code": shown}, field)


def area_filter(session: Session, code: str) -> tuple[str, dict[str, str]]:
    """The SQL condition keeping `asset a` inside the area, with its parameter."""
    return repository.AREA_FILTER, {"area": require_area(session, code)}


def serves_area_filter(session: Session, code: str) -> tuple[str, dict[str, str]]:
    """The SQL condition keeping the services not delivered at a location that serve people in the area (whole UK, or
    a service area holding it or inside it), with its parameters; the `area` filter of those services."""
    return repository.SERVES_AREA_FILTER, {"area": require_area(session, code), "whole_uk": WHOLE_UK}


def require_service_areas(session: Session, codes: list[str], field: str = "service_areas") -> list[str]:
    """The codes of a service's areas in canonical form, each once, in the order given: areas we hold, or WHOLE_UK
    (K02000001, also written "UK"); Invalid (422) naming the first unknown one."""
    canonical: list[str] = []
    for code in codes:
        value = (checked_text(code, field) or "").upper()
        value = WHOLE_UK if value == "UK" else value
        if value and value not in canonical:
            canonical.append(value)
    known = repository.existing(session, [c for c in canonical if c != WHOLE_UK]) | {WHOLE_UK}
    for code in canonical:
        if code not in known:
            require_area(session, code, field)  # raises with the usual message
    return canonical


_CODE = re.compile(r"\b([EKNSW]\d{8})\b")
_WHOLE_UK_NAMES = frozenset({"uk", "united kingdom", "the uk", "the united kingdom", "national", "nationwide", "uk wide", "uk-wide"})


def find_service_areas(session: Session, described: list[str]) -> list[str]:
    """The area codes a feed's service areas name (service_area_codes), the unknown ones left out."""
    return service_area_codes(session, described)[0]


def service_area_codes(session: Session, described: list[str]) -> tuple[list[str], list[str]]:
    """The area codes that texts naming a service's areas give, each once, in order: an ONS code anywhere in the text
    (a URI such as http://statistics.data.gov.uk/id/statistical-geography/E08000003 included) of an area we hold,
    else an area's name in any case, or the whole UK by code, "UK" or name ("United Kingdom", "national"); and the
    texts that name no area we hold."""
    found: list[str | None] = []
    names: list[str] = []
    for text in described:
        if (code := _CODE.search(text.upper())) is not None:
            found.append(code[1])
        elif text.strip().lower() in _WHOLE_UK_NAMES:
            found.append(WHOLE_UK)
        else:
            found.append(None)
            names.append(text.strip())
    known = repository.existing(session, [c for c in found if c]) | {WHOLE_UK}
    by_name = repository.codes_by_name(session, names) if names else {}
    codes: list[str] = []
    unknown: list[str] = []
    for text, code in zip(described, found, strict=True):
        code = code if code in known else by_name.get(text.strip().lower()) if code is None else None
        if code:
            codes.append(code)
        elif text.strip():
            unknown.append(text.strip())
    return list(dict.fromkeys(codes)), unknown


def area_names(session: Session, codes: list[str]) -> dict[str, str]:
    """How each of these areas is named to people, in the request's language ("the whole UK" for WHOLE_UK), in the
    order of `codes`; one statement for any number of services' areas."""
    found = {row["code"]: AreaSummary.model_validate(row).name for row in repository.summaries(session, codes)}
    found[WHOLE_UK] = _("the whole UK")
    return {code: found[code] for code in codes if code in found}


def serves_point_filter(lat: float, lon: float) -> tuple[str, dict[str, object]]:
    """The SQL condition keeping the services not delivered at a location whose service areas hold the point."""
    return repository.SERVES_POINT_FILTER, {"whole_uk": WHOLE_UK, "lat": lat, "lon": lon}


def find_areas(session: Session, q: str | None, level: AreaLevel | None, limit: int) -> list[AreaSummary]:
    """Areas by code or by name, in English or in Welsh."""
    words = checked_text(q or "", "q") or None
    rows = repository.find(session, words, level, limit, also=codes_named(words) if words else None)
    areas = [AreaSummary.model_validate(row) for row in rows]
    return areas if words else sorted(areas, key=lambda area: area.name)  # by the name as shown (Welsh on Welsh pages)


@dataclass(frozen=True)
class AreaGroup:
    """Areas of one kind as a form offers them: nations, regions or councils."""

    legend: Text
    areas: list[AreaSummary]


# The groups a service's areas are chosen from, widest first; a code loaded at several tiers (a unitary council is
# ltla and utla) is offered once, in the first group whose tiers it has.
_CHOICE_GROUPS: tuple[tuple[Text, frozenset[AreaLevel]], ...] = (
    (_l("Nations"), frozenset({AreaLevel.country})),
    (_l("Regions of England"), frozenset({AreaLevel.region})),
    (_l("Councils"), frozenset({AreaLevel.ltla, AreaLevel.utla})),
)


def area_choices(session: Session) -> list[AreaGroup]:
    """Every area we hold, grouped for the place form's service areas (the whole UK, WHOLE_UK, is offered apart), by
    name in the request's language; groups without areas are left out."""
    areas = find_areas(session, None, None, 5000)
    groups: list[AreaGroup] = []
    offered: set[str] = set()
    for legend, levels in _CHOICE_GROUPS:
        members = [a for a in areas if a.code not in offered and levels & set(a.levels)]
        offered |= {a.code for a in members}
        if members:
            groups.append(AreaGroup(legend, members))
    return groups


def area_summary(session: Session, code: str, field: str = "area") -> AreaSummary:
    """The area without its outline (which can be large; its box is enough to fit a map); Invalid (422) as
    require_area."""
    return AreaSummary.model_validate(repository.get(session, require_area(session, code, field), outline=False))


def get_area(session: Session, code: str) -> AreaDetail:
    row = repository.get(session, checked_text(code, "code").upper())
    if row is None:
        message = _("No area has the code '%(code)s'. Find one with /api/v1/areas?q=<name>.")
        raise NotFound(message % {"code": code.strip()[:20]}, "code")
    return AreaDetail.model_validate(row)
