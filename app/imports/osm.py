"""OpenStreetMap readers for the import runner: a .osm.pbf file, and the CSV/GeoJSON extracts in shared/data.

Both give one `SourceRow` per feature, through the same tag mapping (app/imports/osm_tags.py), with source "osm" and
external id "node/123", "way/456" or "relation/789", so one OSM object is one asset whichever file it came from.
Nodes and ways are read from a pbf (a way is placed at a point inside it, or halfway along it when it is not closed);
relations only from the extracts, which give their point. Objects with no mapped tag are passed over in a pbf (a pbf
holds mostly roads, houses and car parks); in an extract, which is a list of places, they are reported.
"""

import csv
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import osmium
from shapely.geometry import LineString, Polygon, shape

from app.assets.models import AssetStatus
from app.imports.models import ImportRun
from app.imports.osm_tags import CATEGORY_KEYS, asset_fields, categories_for
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
_META_COLUMNS = {"osm_id", "osm_type", "osm_url", "lat", "lon", "category_key", "category_value"}
# An extract of one kind of place may leave out the tag that makes it that kind: this puts it back, by file name.
IMPLIED_TAGS: dict[str, dict[str, str]] = {"places-of-worship": {"amenity": "place_of_worship"}}


def import_osm(
    path: Path,
    dry_run: bool = False,
    status: AssetStatus = AssetStatus.published,
    on_total: ProgressFn | None = None,
    on_progress: ProgressFn | None = None,
) -> ImportRun:
    """Imports a .osm.pbf (or any file osmium reads) or an extract .csv/.geojson, and records the run."""
    reader = read_osm_extract if plain_suffix(path) in (".csv", ".geojson", ".json") else read_osm
    return run_import(
        "osm", file_source(path), lambda: reader(path), dry_run=dry_run, status=status, on_total=on_total,
        on_progress=on_progress,
    )


def read_osm(path: Path) -> Iterator[SourceRow]:
    """Mapped nodes and ways of a .osm.pbf; a truncated or corrupt file raises ImportFileError."""
    try:
        processor = osmium.FileProcessor(str(path)).with_locations()
        for obj in processor.with_filter(osmium.filter.KeyFilter(*CATEGORY_KEYS)):
            tags = dict(obj.tags)
            if not categories_for(tags):
                continue  # amenity=parking, shop=clothes…: not a community place
            if obj.is_node():
                yield _row("node", obj.id, tags, _node_point(obj))
            elif obj.is_way():
                yield _row("way", obj.id, tags, _way_point(obj))
    except RuntimeError as exc:
        raise ImportFileError(
            f"{path.name} is not a complete OpenStreetMap file ({exc}); nothing was imported. "
            "Download it again: it may be cut short."
        ) from None


def read_osm_extract(path: Path) -> Iterator[SourceRow]:
    """Rows of an OSM extract: CSV or GeoJSON with osm_type, osm_id, lat/lon (or a geometry) and tag columns."""
    implied = IMPLIED_TAGS.get(path.name.split(".")[0], {})
    records = _geojson_records(path) if plain_suffix(path) in (".geojson", ".json") else _csv_records(path)
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
        yield _row(osm_type, int(osm_id), tags, point, ref)


def _row(osm_type: str, osm_id: int, tags: Mapping[str, str], point: tuple[float, float] | None, ref: str = "") -> SourceRow:
    external_id = f"{osm_type}/{osm_id}"
    ref = f"{ref} ({external_id})" if ref else external_id
    fields, reason_left_out, notes = asset_fields(tags)
    if fields is None:
        return SourceRow(ref, skipped=reason_left_out)
    if point is None:
        return SourceRow(ref, problem="no usable location")
    lon, lat = point
    return SourceRow(ref, {**fields, "source": SOURCE, "external_id": external_id, "lat": lat, "lon": lon}, notes=tuple(notes))


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


def _csv_records(path: Path) -> Iterator[tuple[str, dict[str, str], None]]:
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))  # quoted values may hold line breaks of any kind
    try:
        missing = EXTRACT_COLUMNS - set(reader.fieldnames or ())
        if missing:
            raise ImportFileError(f"{path.name} has no {', '.join(sorted(missing))} column; is it an OSM extract?")
        for line, record in numbered(reader):
            yield f"line {line}", record, None
    except csv.Error as exc:
        raise ImportFileError(f"{path.name}, line {reader.line_num}: not valid CSV ({exc}); nothing was imported.") from None


def _geojson_records(path: Path) -> Iterator[tuple[str, dict[str, Any], tuple[float, float] | None]]:
    text = read_text(path)
    try:
        features = json.loads(text)["features"]
    except (ValueError, KeyError, TypeError) as exc:
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
