"""CSV and GeoJSON files as `SourceRow`s, through a mapping (`assetmap import csv|geojson FILE --mapping M.yaml`).

Each reader checks the file as a whole first (UTF-8, the mapped columns present, JSON that is a FeatureCollection)
and raises ImportFileError with one message when it is unusable; then each row becomes asset fields or a problem with
its line number or feature number.
"""

import csv
import hashlib
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from shapely.errors import GEOSException
from shapely.geometry import shape
from sqlmodel import Session

from app.areas.service import service_area_codes
from app.assets.models import AssetStatus
from app.categories.service import get_taxonomy
from app.core.db import get_engine
from app.core.errors import AppError, Invalid
from app.geo.service import locate_postcode
from app.imports.digests import KnownRows, known_rows
from app.imports.mapping import Getter, Mapping, delivered_remotely, load_mapping
from app.imports.models import ImportRun
from app.imports.runner import ImportFileError, ProgressFn, SourceRow, file_source, numbered, read_text, run_import
from app.moderation.service import in_areas, listed_place_in_areas

ID_MEMBER = "@id"  # in a GeoJSON mapping, external_id: "@id" means the feature's own id


def import_file(
    kind: str,
    path: Path,
    mapping_path: Path,
    *,
    dry_run: bool = False,
    status: AssetStatus = AssetStatus.published,
    on_total: ProgressFn | None = None,
    on_progress: ProgressFn | None = None,
    areas: tuple[str, ...] = (),
) -> ImportRun:
    """Imports a CSV (`kind` "csv") or GeoJSON ("geojson") file through a mapping; the run is recorded. With `areas`
    (an area moderator's council areas) only rows placed inside them are imported (`within`), so each row is read;
    otherwise a row unchanged since its last import is known by its digest (app/imports/digests.py)."""

    def read() -> list[SourceRow]:
        mapping = load_mapping(mapping_path)
        with Session(get_engine()) as session:
            try:
                get_taxonomy(session).require(sorted(mapping.slugs()))
            except Invalid as exc:
                raise ImportFileError(f"The mapping {mapping_path.name}: {exc.message}") from None
            known = known_rows(session, mapping, trusted=not areas)
            rows = with_service_areas(session, READERS[kind](path, mapping, known))
            return within(session, rows, areas) if areas else rows

    return run_import(
        kind, import_source(path, mapping_path), read, dry_run=dry_run, status=status, on_total=on_total,
        on_progress=on_progress, bulk=True,
    )


def with_service_areas(session: Session, rows: list[SourceRow]) -> list[SourceRow]:
    """The rows with their service areas as codes: each value an ONS code (or a URI holding one), "UK", or the name of
    a council, region or nation we hold, in any case (areas.service.service_area_codes); one naming no area is left out
    with a note; a service by phone, online or at home left with none fails (it is found by them alone)."""
    resolved: list[SourceRow] = []
    for row in rows:
        described = (row.fields or {}).get("service_areas")
        if not described:
            resolved.append(row)
            continue
        codes, unknown = service_area_codes(session, [str(d) for d in described])
        if not codes and delivered_remotely(row.fields):
            named = "; ".join(text[:60] for text in unknown)
            resolved.append(SourceRow(row.ref, problem=f"service areas '{named}': neither an area code nor the name of "
                                      "an area we hold, and a service by phone, online or at home needs one"))
            continue
        notes = tuple(
            f"service area '{text[:60]}' is neither an area code nor the name of an area we hold; left out"
            for text in unknown
        )
        resolved.append(replace(row, fields={**row.fields, "service_areas": codes}, notes=row.notes + notes))
    return resolved


def within(session: Session, rows: list[SourceRow], areas: tuple[str, ...]) -> list[SourceRow]:
    """The rows an area moderator may import: those placed inside their council areas (by latitude/longitude, else by
    the postcode's centre) that create a place or update one already inside them. Others are skipped with the reason;
    so is a row that would archive a place, as that place may lie anywhere, and a service with no place on the map,
    which only a moderator not limited to areas decides on (moderation.service.require_in_areas)."""
    kept: list[SourceRow] = []
    for row in rows:
        if row.gone:
            kept.append(SourceRow(row.ref, skipped=f"{row.gone}; left out (a moderator limited to council areas does not archive places by import)"))
            continue
        if row.fields is None or row.problem:
            kept.append(row)
            continue
        if delivered_remotely(row.fields):
            kept.append(SourceRow(row.ref, skipped="a service by phone, online or at home has no place on the map: a moderator not limited to council areas imports it"))
            continue
        if listed_place_in_areas(session, areas, row.fields["source"], row.fields["external_id"]) is False:
            kept.append(SourceRow(row.ref, skipped=f"updates a place outside the council areas you moderate ({', '.join(areas)}); not imported"))
            continue
        lat, lon = row.fields.get("lat"), row.fields.get("lon")
        if lat is None or lon is None:
            try:
                place = locate_postcode(session, row.fields.get("postcode") or "")
            except AppError:
                kept.append(row)  # the import reports why it cannot be placed
                continue
            lat, lon = place.lat, place.lon
        if in_areas(session, areas, lat, lon):
            kept.append(row)
        else:
            kept.append(SourceRow(row.ref, skipped=f"outside the council areas you moderate ({', '.join(areas)}); not imported"))
    return kept


def import_source(path: Path, mapping_path: Path) -> str:
    """The file and the mapping's name and fingerprint: a run of the same file through an edited mapping differs."""
    fingerprint = hashlib.sha256(mapping_path.read_bytes()).hexdigest()[:12] if mapping_path.is_file() else "missing"
    return f"{file_source(path)} via {mapping_path.name} ({fingerprint})"


def read_csv(path: Path, mapping: Mapping, known: KnownRows | None = None) -> list[SourceRow]:
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise ImportFileError(f"{path.name} is not a CSV file ({exc}).") from None
    if not any(header):
        raise ImportFileError(f"{path.name} is empty: expected a header line naming the columns.")
    if not mapping.columns() & set(header):
        first = ", ".join(h for h in header if h)[:80]
        raise ImportFileError(
            f"{path.name} has no header line: its first line ({first}) names none of the columns the mapping uses."
        )
    _require(path, mapping.columns(), set(header), "column")
    index = {name: i for i, name in reversed(list(enumerate(header)))}  # the first of repeated names wins
    rows: list[SourceRow] = []
    seen: dict[str, str] = {}
    try:
        for line, values in numbered(reader):
            ref = f"line {line}"
            if not any(v.strip() for v in values):
                continue

            def get(column: str, values: list[str] = values) -> str | None:
                i = index[column]
                return (values[i].strip() or None) if i < len(values) else None

            rows.append(_row(ref, mapping, get, None, seen, known))
    except csv.Error as exc:
        raise ImportFileError(f"{path.name}, line {reader.line_num}: not valid CSV ({exc}).") from None
    return rows


def columns_and_rows(kind: str, path: Path, limit: int = 20) -> tuple[list[str], list[dict[str, str]]]:
    """A file's column names (a CSV's header, a GeoJSON's property names) and its first `limit` records, for a
    suggested mapping; ImportFileError as an import would raise it for a file that cannot be read."""
    if kind == "geojson":
        try:
            data = json.loads(read_text(path))
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"{path.name} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).") from None
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            raise ImportFileError(f"{path.name} is not a GeoJSON FeatureCollection.")
        props = [f.get("properties") or {} for f in features if isinstance(f, dict)]
        columns = list(dict.fromkeys(k for p in props if isinstance(p, dict) for k in p))
        return columns, [{k: str(v) for k, v in p.items() if v is not None} for p in props[:limit] if isinstance(p, dict)]
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            raise ImportFileError(f"{path.name} is empty: expected a header line naming the columns.")
        rows = [dict(zip(header, (v.strip() for v in values), strict=False)) for _, values in zip(range(limit), reader, strict=False)]
    except csv.Error as exc:
        raise ImportFileError(f"{path.name} is not a CSV file ({exc}).") from None
    return header, rows


def read_geojson(path: Path, mapping: Mapping, known: KnownRows | None = None) -> list[SourceRow]:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{path.name} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise ImportFileError(f"{path.name} is not a GeoJSON FeatureCollection.")
    features = data["features"]
    present = {k for f in features if isinstance(f, dict) for k in (f.get("properties") or {})} | {ID_MEMBER}
    _require(path, mapping.columns(), present, "property")
    rows: list[SourceRow] = []
    seen: dict[str, str] = {}
    for number, feature in enumerate(features, start=1):
        ref = f"feature {number}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            rows.append(SourceRow(ref, problem="not a GeoJSON Feature"))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            rows.append(SourceRow(ref, problem="its properties are not an object"))
            continue
        if feature.get("id") is not None:
            properties = properties | {ID_MEMBER: feature["id"]}
        point, note, problem = _point(feature.get("geometry"))
        if problem:
            rows.append(SourceRow(ref, problem=problem))
            continue

        def get(name: str, properties: dict[str, Any] = properties) -> str | None:
            value = properties.get(name)
            if value is None or isinstance(value, (dict, list)):
                return None
            if isinstance(value, bool):
                return "true" if value else "false"
            return str(value).strip() or None

        # A feature with a note (a shape read as a point inside it) is read every time, its note reported again.
        row = _row(ref, mapping, get, point, seen, None if note else known)
        rows.append(replace(row, notes=(note,) + row.notes) if note else row)
    return rows


def _require(path: Path, wanted: set[str], present: set[str], what: str) -> None:
    missing = sorted(wanted - present)
    if missing:
        names = ", ".join(f"'{m}'" for m in missing)
        raise ImportFileError(f"{path.name} has no {what}{'s' * (len(missing) > 1)} {names}, which the mapping uses.")


def _row(
    ref: str, mapping: Mapping, get: Getter, point: tuple[float, float] | None, seen: dict[str, str], known: KnownRows | None
) -> SourceRow:
    """The record read through the mapping, or, when `known` vouches for it, an `unchanged` row (a repeated id is read,
    to be reported as such)."""
    digest = None
    if known:
        digest, external_id = known.digest(get, point), get(mapping.external_id)
        # The id's first row is known; a later one is read, and reported as a repeat.
        if external_id and known.unchanged(external_id, digest) and seen.setdefault(external_id, ref) == ref:
            return SourceRow(ref, unchanged=True, key=(mapping.source, external_id))
    fields, problem, notes, gone = mapping.record(get, point)
    if gone is not None:
        return SourceRow(ref, problem=problem, notes=notes, gone=problem, key=(mapping.source, gone))
    if fields is not None:
        first = seen.setdefault(fields["external_id"], ref)
        if first != ref:
            return SourceRow(ref, problem=f"{mapping.external_id} {fields['external_id']} is also on {first}; left out")
    return SourceRow(ref, fields, problem, notes, digest=digest)


def _point(geometry: Any) -> tuple[tuple[float, float] | None, str | None, str | None]:
    """(lon, lat) of the geometry, a note when it is not a Point, or a problem; (None, None, None) when it has none."""
    if geometry is None:
        return None, None, None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    try:
        geom = shape(geometry)
    except (GEOSException, ValueError, TypeError, AttributeError, IndexError, KeyError):
        return None, None, f"its geometry ({kind or 'unknown type'}) cannot be read"
    if geom.is_empty:
        return None, None, None
    if geom.geom_type == "Point":
        return (geom.x, geom.y), None, None
    inside = geom.representative_point()
    return (inside.x, inside.y), f"{str(kind).lower()}: used a point inside it", None


READERS = {"csv": read_csv, "geojson": read_geojson}
