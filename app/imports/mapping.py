"""The mapping file of `assetmap import csv|geojson`: which column (or feature property) fills which asset field.

A mapping is YAML (documented with examples in docs/imports.md; the demo's are in data/mappings/). It is checked as a
whole when loaded, so a typo fails the import before any row is read. `Mapping.record` turns one record (a CSV row or
a feature's properties) into asset fields, or says why it cannot be used.
"""

import re
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.assets.fields import BY_NAME, LIST_FIELDS
from app.assets.models import Delivery, LocationPrecision
from app.assets.schemas import AssetCreate, AssetUpdate
from app.assets.types import DAY_NAMES, Accessibility, Weekday, split_words
from app.core.text import clean_email
from app.geo.postcodes import parse_postcode
from app.imports import cleaning
from app.imports.hours_text import parse_hours_text
from app.imports.opening_hours import parse_opening_hours
from app.imports.runner import ImportFileError, reason

# Only these can fail a row (docs/imports.md, "Lose no place"); any other value that cannot be used is left out.
_VITAL = frozenset({"name", "source", "external_id", "lat", "lon", "postcode", "categories", "schedule"})
# Fields a column may fill; categories, schedule, source and external_id have their own keys.
MAPPABLE = sorted(
    set(AssetCreate.model_fields)
    - {"categories", "schedule", "source", "external_id", "status", "organisation"}
)
_NAMED_EMAIL = re.compile(r"[<(]\s*([^<>()\s]+@[^<>()\s]+)\s*[>)]")  # "Bude Library <bude.library@example.org>"

Getter = Callable[[str], str | None]  # a column's value, stripped; None when empty or absent
# Fields a column gives as a list, its values separated by ";" or ",": the lists of words and choices, and the service
# areas (codes or names, made codes by readers.with_service_areas, which has the database).
_LISTS = LIST_FIELDS | {"service_areas"}


class Column(BaseModel):
    """Where a field's value comes from: one column, or several joined with ", " (empty and repeated parts skipped)."""

    model_config = ConfigDict(extra="forbid")

    columns: list[str] = Field(min_length=1)
    case: Literal["title"] | None = Field(default=None, description="title: 'THE DENSHAM SURGERY' -> 'The Densham Surgery'")
    invert: bool = Field(default=False, description="a yes/no field: the column means the opposite (referral_required)")
    values: dict[str, Any] = Field(default_factory=dict, description="a cell's value (any case) -> the field's value")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"columns": [value]}
        if isinstance(value, list):
            return {"columns": value}
        if isinstance(value, dict) and "column" in value:
            value = dict(value)
            value["columns"] = [value.pop("column")]
        return value

    @field_validator("values", mode="after")
    @classmethod
    def _any_case(cls, value: dict[str, Any]) -> dict[str, Any]:
        return {str(k).strip().casefold(): v for k, v in value.items()}

    def value(self, get: Getter) -> Any:
        """The cell's text (several joined), or what `values` gives for it."""
        if len(self.columns) == 1 and self.case is None:
            text = get(self.columns[0])  # the usual column, read on every row of a file: nothing to join or change
        else:
            parts = [get(c) for c in self.columns]
            parts = [title_case(p) if self.case == "title" else p for p in parts if p]
            text = ", ".join(dict.fromkeys(parts)) or None  # "The Hayes, Cardiff, Cardiff" reads "The Hayes, Cardiff"
        if text is not None and self.values:
            return self.values.get(text.casefold(), text)
        return text


class HoursColumn(BaseModel):
    """A schedule read from one column: OpenStreetMap `opening_hours` syntax (`osm`), or words (`text`: "Tuesday
    11.00 – 13.00", app/imports/hours_text.py) whose raw text is always kept as the opening-hours text."""

    model_config = ConfigDict(extra="forbid")

    osm: str | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _one(self) -> "HoursColumn":
        if (self.osm is None) == (self.text is None):
            raise ValueError("schedule: give one of osm: COLUMN or text: COLUMN")
        return self

    @property
    def column(self) -> str:
        return self.osm or self.text or ""

    def read(self, get: Getter, notes: list[str]) -> tuple[list[dict[str, str]], str | None]:
        """(sessions, text to keep as opening_hours_text)."""
        raw = get(self.column)
        if not raw:
            return [], None
        if self.osm:
            parsed = parse_opening_hours(raw)
            if parsed is None:
                notes.append(f"{self.column} '{raw[:60]}' is opening_hours that cannot be read as times; kept as text")
                return [], raw
            return parsed.sessions, parsed.text
        sessions = parse_hours_text(raw)
        if sessions is None:
            notes.append(f"{self.column} '{raw[:60]}' cannot be read as times for sure; kept as text only")
            return [], raw
        return sessions, raw


class CategoryTable(BaseModel):
    """Categories chosen by a column's value; `default` for values not in the table (else the row is reported)."""

    model_config = ConfigDict(extra="forbid")

    column: str
    values: dict[str, list[str]]
    default: list[str] | None = None

    @field_validator("values", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("default", mode="before")
    @classmethod
    def _default_one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=40, description="Names where the rows come from, e.g. librarydata")
    external_id: str = Field(min_length=1, description="The column holding each row's id in the source")
    fields: dict[str, Column] = Field(default_factory=dict)
    constants: dict[str, Any] = Field(default_factory=dict)
    categories: list[str] | CategoryTable
    schedule: dict[Weekday, str] | HoursColumn = Field(
        default_factory=dict, description="Weekday -> column of 'HH:MM-HH:MM' ranges, or {osm: COLUMN} or {text: COLUMN}"
    )

    @field_validator("categories", mode="before")
    @classmethod
    def _one_slug(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _coherent(self) -> "Mapping":
        unknown = sorted((set(self.fields) | set(self.constants)) - set(MAPPABLE))
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not a field a column can fill (these can: {', '.join(MAPPABLE)})")
        given = set(self.fields) | set(self.constants)
        if "name" not in given:
            raise ValueError("map a column (or a constant) to name")
        if ("lat" in self.fields) != ("lon" in self.fields):
            raise ValueError("map both lat and lon, or neither")
        try:
            AssetUpdate.model_validate(self.constants)
        except ValidationError as exc:
            raise ValueError(f"constants: {reason(exc)}") from None
        return self

    def columns(self) -> set[str]:
        """Every column the mapping reads (checked against the file's header)."""
        used = {self.external_id}
        used.update([self.schedule.column] if isinstance(self.schedule, HoursColumn) else self.schedule.values())
        used.update(c for spec in self.fields.values() for c in spec.columns)
        if isinstance(self.categories, CategoryTable):
            used.add(self.categories.column)
        return used

    def slugs(self) -> set[str]:
        if isinstance(self.categories, list):
            return set(self.categories)
        table = self.categories
        return {s for slugs in table.values.values() for s in slugs} | set(table.default or [])

    def record(
        self, get: Getter, point: tuple[float, float] | None = None
    ) -> tuple[dict[str, Any] | None, str | None, tuple[str, ...], str | None]:
        """(asset fields, None, notes, None), or (None, why not, notes, external id when "why not" is that the row no
        longer names a place to list: no name, or a category value the mapping files nowhere, so the asset imported
        from it before is archived). `point` (lon, lat) wins over mapped lat/lon."""
        notes: list[str] = []
        external_id = get(self.external_id)
        if not external_id:
            return None, f"no {self.external_id} (the id column)", (), None
        fields: dict[str, Any] = {"source": self.source, "external_id": external_id} | dict(self.constants)
        for name, spec in self.fields.items():
            value = spec.value(get)
            if value is None and name in self.constants:
                continue  # the constant is the fallback
            fields[name] = split_words(value) if isinstance(value, str) and name in _LISTS else value
        if not fields.get("name"):
            return None, f"no {', '.join(self.fields['name'].columns) if 'name' in self.fields else 'name'} (the name)", (), external_id
        categories, problem = self._categories(get)
        if problem:
            return None, problem, (), external_id
        fields["categories"] = categories
        if isinstance(self.schedule, HoursColumn):
            fields["schedule"], text = self.schedule.read(get, notes)
            if text and not fields.get("opening_hours_text"):
                fields["opening_hours_text"] = text
        elif self.schedule:
            fields["schedule"] = [s for day, column in self.schedule.items() for s in _sessions(day, get(column), notes)]
        self._clean(fields, notes)
        problem = _place(fields, point, notes)
        if problem:  # an unreadable delivery is why a service without a place looks like a place without a position
            unread = [n for n in notes if "delivery" in self.fields and n.startswith(f"{self._where('delivery')} ")]
            return None, "; ".join([problem, *unread]), tuple(notes), None
        return fields, None, tuple(notes), None

    def _where(self, name: str) -> str:
        """How a note names a field's cell: its column(s), and the field when the names differ."""
        spec = self.fields.get(name)
        columns = ", ".join(spec.columns) if spec else name
        if spec is None and name == "opening_hours_text" and isinstance(self.schedule, HoursColumn):
            columns = self.schedule.column  # the schedule's raw text
        return columns if columns == name else f"{columns} ({name})"

    def _clean(self, fields: dict[str, Any], notes: list[str]) -> None:
        """Cleans every optional value; one that cannot be used is left out, one too long is trimmed, with a note
        naming its column (docs/imports.md). Then anything AssetCreate still refuses, but for the vital fields, is
        left out too, so only the name, the position and the identity can fail the row."""
        for name in list(fields):
            value = fields[name]
            if name in _VITAL or value is None or (name in self.constants and name not in self.fields):
                continue
            try:
                fields[name] = self._cleaned(name, value, notes)
            except cleaning.Unusable as exc:
                notes.append(f"{self._where(name)} '{str(value)[:60]}' {exc}; left out")
                fields[name] = None
        for _ in range(3):  # each pass leaves out what the last one refused
            try:
                AssetUpdate.model_validate({k: v for k, v in fields.items() if k not in _VITAL})
                return
            except ValidationError as exc:
                refused = {str(e["loc"][0]) for e in exc.errors() if e["loc"] and e["loc"][0] in fields}
                if not refused:
                    return  # the runner reports what is left
                for name in sorted(refused):
                    why = "; ".join(e["msg"] for e in exc.errors() if e["loc"] and e["loc"][0] == name)
                    notes.append(f"{self._where(name)} '{str(fields[name])[:60]}' {why}; left out")
                    fields[name] = None

    def _cleaned(self, name: str, value: Any, notes: list[str]) -> Any:
        """One field's value cleaned by its kind (app/assets/fields.py); raises cleaning.Unusable."""
        field = BY_NAME.get(name)
        kind = field.kind if field else "text"
        spec = self.fields.get(name)
        if kind == "yes_no":
            answer = value if isinstance(value, bool) else cleaning.yes_no(str(value))
            return answer != (spec is not None and spec.invert)
        if name in ("min_age", "max_age"):
            return value if isinstance(value, int) else cleaning.whole_number(str(value))
        if name == "location_precision":
            try:
                return LocationPrecision(str(value).strip().lower())
            except ValueError:  # a row asking for privacy in words we cannot read is kept, and kept private
                notes.append(f"{self._where(name)} '{str(value)[:60]}' is not exact, approximate or area; shown by area")
                return LocationPrecision.area
        if name == "delivery":  # unreadable, it is left out: the row is then a place, which needs a position
            try:
                return Delivery(str(value).strip().lower())
            except ValueError:
                raise cleaning.Unusable("is not location, phone, online or home") from None
        if name == "accessibility":
            known = [w for w in value if w in Accessibility._value2member_map_]
            if len(known) < len(value):
                unknown = ", ".join(w for w in value if w not in known)
                notes.append(f"{self._where(name)}: {unknown[:60]} not an accessibility code (docs/api.md); left out")
            return known
        if name in _LISTS:
            return [cleaning.trim(w, 60 if name in LIST_FIELDS else 200) for w in value]
        if name == "email":
            named = _NAMED_EMAIL.search(value)
            try:
                return clean_email(named.group(1) if named else value)
            except ValueError as exc:
                raise cleaning.Unusable(str(exc)) from None
        if name == "website":
            return cleaning.website(value)
        if name == "phone":
            value = cleaning.phone(value)
        if name == "last_verified_at" and isinstance(value, str):
            return _vouched(value, self._where(name), notes)
        limit = field.max_length if field else None
        if isinstance(value, str) and limit and len(value) > limit:
            notes.append(f"{self._where(name)}: {len(value):,} characters, trimmed to {limit:,} at a word boundary")
            return cleaning.trim(value, limit)
        return value

    def _categories(self, get: Getter) -> tuple[list[str], str | None]:
        if isinstance(self.categories, list):
            return self.categories, None
        table = self.categories
        value = get(table.column) or ""
        slugs = table.values.get(value, table.default)
        if not slugs:
            return [], f"{table.column} '{value[:60]}' has no category in the mapping"
        return slugs, None


def load_mapping(path: Path) -> Mapping:
    """The mapping, checked; ImportFileError with one clear message otherwise."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImportFileError(f"Cannot read the mapping {path.name}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise ImportFileError(f"The mapping {path.name} is not UTF-8 text.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be read"
        raise ImportFileError(f"The mapping {path.name} is not valid YAML{where}: {problem}.") from None
    if not isinstance(data, dict):
        raise ImportFileError(f"The mapping {path.name} must be a YAML mapping with source, external_id, fields, categories.")
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        raise ImportFileError(f"The mapping {path.name} is not usable: {reason(exc)}.") from None


_SMALL_WORDS = {"and", "of", "the", "in", "on", "at", "for", "upon", "by", "with", "under", "le", "de", "la"}
_ACRONYMS = {"NHS", "GP", "GPS", "PCN", "UK", "HMP", "RAF", "YMCA", "CIC", "LLP", "PLC", "II", "III", "IV", "BBC", "UHB"}
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")


def title_case(text: str) -> str:
    """'ST MARY'S SURGERY, STOCKTON-ON-TEES' -> "St Mary's Surgery, Stockton-on-Tees" (acronyms such as NHS kept)."""

    def word(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.upper() in _ACRONYMS:
            return token.upper()
        before = text[: match.start()].rstrip()
        if before and before[-1] not in ",;:(/" and token.lower() in _SMALL_WORDS:
            return token.lower()
        head, _, tail = token.partition("'")
        head = head[:1].upper() + head[1:].lower()
        if not tail:
            return head
        return f"{head}'{tail.lower() if len(tail) == 1 else tail[:1].upper() + tail[1:].lower()}"

    return _WORD.sub(word, text)


_RANGE = re.compile(r"^(\d{1,2}):?(\d{2})\s*[-–]\s*(\d{1,2}):?(\d{2})$")


def _sessions(day: str, text: str | None, notes: list[str]) -> list[dict[str, str]]:
    """'10:00-13:00,14:00-17:00' -> two sessions; a range it cannot use is left out with a note."""
    if not text:
        return []  # most cells of a column per weekday are empty
    sessions: list[dict[str, str]] = []
    for part, opens, closes in _ranges(text):
        if not opens:
            notes.append(f"{DAY_NAMES[day]} hours '{part[:40]}' not understood; left out")
        elif closes <= opens:
            notes.append(f"{DAY_NAMES[day]} hours {part} run past midnight; left out")
        else:
            sessions.append({"day": day, "opens": opens, "closes": closes})
    return sessions


@lru_cache(maxsize=4096)
def _ranges(text: str) -> tuple[tuple[str, str, str], ...]:
    """Each part of a cell of hours as (part, opens, closes), both "" when it is not a range of times. Cached: a
    spreadsheet's hours repeat ("09:00-17:00" on every weekday of most rows)."""
    ranges = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _RANGE.match(part)
        opens = closes = ""
        if match:
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h2 in (0, 24) and m2 == 0:
                h2, m2 = 23, 59  # "until midnight"
            if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60:
                opens, closes = f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"
        ranges.append((part, opens, closes))
    return tuple(ranges)


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d")


def _vouched(text: str, where: str, notes: list[str]) -> datetime | None:
    """The date a column says the source last checked the row ("2024-03-05", "05/03/2024", "20240305", or an ISO date
    and time), as a UTC time; None with a note when it is not one."""
    with suppress(ValueError):
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    for layout in _DATE_FORMATS:
        with suppress(ValueError):
            return datetime.strptime(text, layout).replace(tzinfo=UTC)
    notes.append(f"{where} '{text[:40]}' is not a date (YYYY-MM-DD or DD/MM/YYYY); left out")
    return None


def delivered_remotely(fields: dict[str, Any]) -> bool:
    """Whether a row's service reaches people by phone, online or at home (it then has no position, only areas)."""
    return fields.get("delivery") not in (None, "", Delivery.location)


def _place(fields: dict[str, Any], point: tuple[float, float] | None, notes: list[str]) -> str | None:
    """Sets lat/lon (from `point`, else the mapped columns) or leaves the postcode to place the asset; or says why not.
    A service by phone, online or at home needs no position but its service areas (assets.service.require_reach)."""
    if delivered_remotely(fields):
        if not fields.get("service_areas"):
            return "no service areas: a service by phone, online or at home has no position and is found by them"
        parsed = parse_postcode(fields["postcode"]) if fields.get("postcode") else None
        if fields.get("postcode") and parsed is None:
            notes.append(f"'{fields['postcode'][:20]}' is not a UK postcode; left out")
        fields["postcode"] = parsed.display if parsed else None
        fields["lat"] = fields["lon"] = None  # it has none (migration 0021)
        return None
    lat = lon = None
    if point is not None:
        lon, lat = point
    elif fields.get("lat") or fields.get("lon"):
        try:
            lat, lon = float(fields["lat"]), float(fields["lon"])
        except (TypeError, ValueError):
            notes.append(f"latitude/longitude '{fields.get('lat')}', '{fields.get('lon')}' are not both numbers")
    fields["lat"], fields["lon"] = lat, lon
    postcode = fields.get("postcode")
    if postcode:
        parsed = parse_postcode(postcode)
        if parsed is None and lat is None:
            return f"'{postcode[:20]}' is not a UK postcode, and there is no latitude/longitude to place it by"
        if parsed is None:
            notes.append(f"'{postcode[:20]}' is not a UK postcode; left out")
        fields["postcode"] = parsed.display if parsed else None
    if lat is None and not fields.get("postcode"):
        return "no position: no latitude/longitude and no postcode"
    return None

