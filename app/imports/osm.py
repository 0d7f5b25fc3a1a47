"""OpenStreetMap readers for the import runner: a .osm.pbf file, and the CSV/GeoJSON extracts in shared/data.

Both give one `SourceRow` per feature, through the same tag mapping (app/imports/osm_tags.py), with source "osm" and
external id "node/123", "way/456" or "relation/789", so one OSM object is one asset whichever file it came from.
Nodes and ways are read from a pbf (a way is placed at a point inside it, or halfway along it when it is not closed);
relations only from the extracts, which give their point. Objects with no mapped tag are passed over in a pbf (a pbf
holds mostly roads, houses and car parks); in an extract, which is a list of places, they are reported.

The date an object is vouched for (`last_verified_at`) is its own timestamp (the last edit, in a pbf with metadata, or
an extract's `timestamp` column), else the date the extract was taken when the importer is told it (`as_of`, the CLI's
`--as-of`), else none: an import is not a verification.

An object imported before that is no longer a place to list (private, nameless, no longer in a mapped category; in a
pbf also one that has lost every category tag, found by a second pass over the file for the ids we hold) is given as
a `gone` row, which archives its asset. An object missing from a file is left alone: a file may cover another area.
"""

import csv
import io
import json
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import osmium
from shapely.geometry import LineString, Polygon, shape
from sqlmodel import Session

from app.assets import repository as assets_repository
from app.assets.models import AssetStatus
from app.core.db import get_engine
from app.imports.models import ImportRun
from app.imports.osm_tags import CATEGORY_KEYS, NAME_TAGS, asset_fields, categories_for, describe
from app.imports.runner import (
    ImportFileError,
    ProgressFn,
    SourceRow,
    file_source,
    numbered,
    plain_suffix,
    read_text,
    run_import,
)

SOURCE = "osm"
OSM_TYPES = ("node", "way", "relation")
EXTRACT_COLUMNS = {"osm_id", "osm_type"}
# Columns of the extracts that describe the row, not the OSM object's tags.
_META_COLUMNS = {"osm_id", "osm_type", "osm_url", "lat", "lon", "category_key", "category_value", "timestamp"}
# A pbf written without metadata gives every object the epoch as its timestamp: no date at all.
_NO_TIMESTAMP = datetime(1970, 1, 2, tzinfo=UTC)
# An extract of one kind of place may leave out the tag that makes it that kind: this puts it back, by file name.
IMPLIED_TAGS: dict[str, dict[str, str]] = {"places-of-worship": {"amenity": "place_of_worship"}}


def import_osm(
    path: Path,
    dry_run: bool = False,
    status: AssetStatus = AssetStatus.published,
    on_total: ProgressFn | None = None,
    on_progress: ProgressFn | None = None,
    as_of: datetime | None = None,
) -> ImportRun:
    """Imports a .osm.pbf (or any file osmium reads) or an extract .csv/.geojson, and records the run. `as_of`: the
    date the file was taken, for objects without a timestamp of their own."""

    def read() -> Iterator[SourceRow]:
        if plain_suffix(path) in (".csv", ".geojson", ".json"):
            return read_osm_extract(path, as_of)
        with Session(get_engine()) as session:
            listed = assets_repository.listed_external_ids(session, SOURCE)
        return read_osm(path, listed, as_of)

    source = file_source(path) + (f" as of {as_of:%Y-%m-%d}" if as_of else "")
    return run_import("osm", source, read, dry_run=dry_run, status=status, on_total=on_total, on_progress=on_progress)


GONE_UNTAGGED = "no longer has a tag that makes it a community place"


def read_osm(path: Path, listed: Collection[str] = (), as_of: datetime | None = None) -> Iterator[SourceRow]:
    """Mapped nodes and ways of a .osm.pbf; a truncated or corrupt file raises ImportFileError.

    `listed`: external ids ("node/1") of our unarchived OSM assets; one of them that the file holds but that is no
    longer a community place is given as a `gone` row."""
    seen: set[str] = set()
    try:
        processor = osmium.FileProcessor(str(path)).with_locations()
        for obj in processor.with_filter(osmium.filter.KeyFilter(*CATEGORY_KEYS)):
            if not (obj.is_node() or obj.is_way()):
                continue
            kind = "node" if obj.is_node() else "way"
            tags = dict(obj.tags)
            seen.add(f"{kind}/{obj.id}")
            if not categories_for(tags):  # amenity=parking, shop=clothes…: not a community place
                if f"{kind}/{obj.id}" in listed:
                    yield _gone(kind, obj.id, f"no category for {describe(tags)}")
                continue
            stamp = obj.timestamp if obj.timestamp and obj.timestamp > _NO_TIMESTAMP else as_of
            yield _row(kind, obj.id, tags, _node_point(obj) if kind == "node" else _way_point(obj), vouched=stamp)
        unseen = {ref for ref in listed if ref.split("/")[0] in ("node", "way")} - seen
        if unseen:  # objects we hold that have lost every category tag: the first pass never met them
            ids = {int(ref.split("/")[1]) for ref in unseen}
            second = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            for obj in second.with_filter(osmium.filter.IdFilter(ids)):
                ref = f"{'node' if obj.is_node() else 'way'}/{obj.id}"
                if ref in unseen:
                    yield _gone(*ref.split("/"), GONE_UNTAGGED)
    except RuntimeError as exc:
        raise ImportFileError(
            f"{path.name} is not a complete OpenStreetMap file ({exc}); nothing was imported. "
            "Download it again: it may be cut short."
        ) from None


def read_osm_extract(path: Path, as_of: datetime | None = None) -> Iterator[SourceRow]:
    """Rows of an OSM extract: CSV or GeoJSON with osm_type, osm_id, lat/lon (or a geometry), tag columns and perhaps
    each object's timestamp; `as_of` is the date of the extract, for rows without a timestamp."""
    implied = IMPLIED_TAGS.get(path.name.split(".")[0], {})
    columns: set[str] = set(implied)
    records = _geojson_records(path, columns) if plain_suffix(path) in (".geojson", ".json") else _csv_records(path, columns)
    for ref, record, point in records:
        tags = {k: str(v).strip() for k, v in record.items() if k not in _META_COLUMNS and v not in (None, "")}
        if record.get("category_key") and record.get("category_value"):
            tags.setdefault(record["category_key"], record["category_value"])
        tags = implied | tags
        osm_type, osm_id = str(record.get("osm_type") or "").strip(), str(record.get("osm_id") or "").strip()
        if osm_type not in OSM_TYPES or not osm_id.isdigit():
            yield SourceRow(ref, problem=f"osm_type/osm_id {osm_type!r}/{osm_id!r} is not an OSM object")
            continue
        if point is None:
            point = _point(record.get("lat"), record.get("lon"))
        yield _row(osm_type, int(osm_id), tags, point, ref, columns, _timestamp(record.get("timestamp")) or as_of)


def _row(
    osm_type: str,
    osm_id: int,
    tags: Mapping[str, str],
    point: tuple[float, float] | None,
    ref: str = "",
    columns: Collection[str] | None = None,
    vouched: datetime | None = None,
) -> SourceRow:
    """The asset fields of one object; `columns`: the tag keys its file has at all (None: a pbf, with every tag)."""
    external_id = f"{osm_type}/{osm_id}"
    ref = f"{ref} ({external_id})" if ref else external_id
    fields, reason_left_out, notes = asset_fields(tags, columns)
    if fields is None:
        # A file without a name column says nothing about names: its nameless rows archive nothing.
        names_known = columns is None or any(t in columns for t in NAME_TAGS) or "no name" not in (reason_left_out or "")
        return SourceRow(
            ref, skipped=reason_left_out, gone=reason_left_out if names_known else None, key=(SOURCE, external_id)
        )
    if point is None:
        return SourceRow(ref, problem="no usable location")
    lon, lat = point
    fields |= {"source": SOURCE, "external_id": external_id, "lat": lat, "lon": lon}
    if vouched is not None:
        fields["last_verified_at"] = vouched
    return SourceRow(ref, fields, notes=tuple(notes))


def _timestamp(value: Any) -> datetime | None:
    """An extract's timestamp ("2019-06-01T10:00:00Z"), or None when it has none or it cannot be read."""
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    return moment.replace(tzinfo=moment.tzinfo or UTC) if moment else None


def _gone(osm_type: str, osm_id: int | str, reason: str) -> SourceRow:
    external_id = f"{osm_type}/{osm_id}"
    return SourceRow(external_id, skipped=reason, gone=reason, key=(SOURCE, external_id))


def _node_point(node: Any) -> tuple[float, float] | None:
    return (node.location.lon, node.location.lat) if node.location.valid() else None


def _way_point(way: Any) -> tuple[float, float] | None:
    """A point inside a closed way (its centroid may fall outside), or halfway along an open one."""
    coords = [(n.lon, n.lat) for n in way.nodes if n.location.valid()]
    if len(coords) < len(way.nodes) or not coords:
        return None  # some of its nodes are not in the file
    if len(coords) == 1 or len(set(coords)) == 1:
        return coords[0]
    if way.is_closed() and len(set(coords)) >= 3:
        polygon = Polygon(coords)
        point = polygon.representative_point() if polygon.is_valid else polygon.centroid
    else:
        point = LineString(coords).interpolate(0.5, normalized=True)
    return (round(point.x, 7), round(point.y, 7))


def _point(lat: Any, lon: Any) -> tuple[float, float] | None:
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    return (lon_f, lat_f) if -90 <= lat_f <= 90 and -180 <= lon_f <= 180 else None


def _csv_records(path: Path, columns: set[str]) -> Iterator[tuple[str, dict[str, str], None]]:
    """The rows of a CSV extract; `columns` is filled with its header's names."""
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))  # quoted values may hold line breaks of any kind
    try:
        columns.update(reader.fieldnames or ())
        missing = EXTRACT_COLUMNS - set(reader.fieldnames or ())
        if missing:
            raise ImportFileError(f"{path.name} has no {', '.join(sorted(missing))} column; is it an OSM extract?")
        for line, record in numbered(reader):
            yield f"line {line}", record, None
    except csv.Error as exc:
        raise ImportFileError(f"{path.name}, line {reader.line_num}: not valid CSV ({exc}); nothing was imported.") from None


def _geojson_records(path: Path, columns: set[str]) -> Iterator[tuple[str, dict[str, Any], tuple[float, float] | None]]:
    """The features of a GeoJSON extract; `columns` is filled with every property name any feature has."""
    text = read_text(path)
    try:
        features = json.loads(text)["features"]
        columns.update(k for f in features if isinstance(f, dict) for k in (f.get("properties") or {}))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ImportFileError(f"{path.name} is not a GeoJSON FeatureCollection ({exc}); nothing was imported.") from None
    for n, feature in enumerate(features, start=1):
        properties = dict((feature or {}).get("properties") or {})
        yield f"feature {n}", properties, _feature_point(feature, properties)


def _feature_point(feature: Mapping[str, Any], properties: Mapping[str, Any]) -> tuple[float, float] | None:
    """The extract's own lat/lon when it gives them, else the point of its geometry."""
    point = _point(properties.get("lat"), properties.get("lon"))
    if point or not feature.get("geometry"):
        return point
    try:
        geometry = shape(feature["geometry"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if geometry.is_empty:
        return None
    inside = geometry.representative_point()
    return (inside.x, inside.y)
