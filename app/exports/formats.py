"""Published assets as open-data files: CSV and GeoJSON, written row by row for streaming; and their published
stories as a CSV file of their own.

Both carry the licence and attribution: the CSV in METADATA_LINES comment lines starting with "# " before the
header row; the GeoJSON in a top-level "metadata" foreign member (RFC 7946 §6.1). Only public fields are written:
the same ones the public API shows (no history, no submitter, no source ids).
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.assets.fields import Output, PlaceField, shown_in

ROWS_PER_CHUNK = 200
METADATA_LINES = 4
# A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection"): it is prefixed with '.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_CSV_FIELDS = shown_in(Output.CSV)
CSV_COLUMNS = (*(name for f in _CSV_FIELDS for name in f.csv or (f.name,)), "url")
# Numbers we format ourselves: never formulas, and a leading minus (a longitude west of Greenwich) must stay a minus.
_NUMERIC = {name for f in _CSV_FIELDS if f.kind == "number" for name in f.csv or (f.name,)}
# The GeoJSON gives id, lat and lon as the feature's id and geometry rather than as properties.
_GEOJSON_PROPERTIES = tuple(f for f in shown_in(Output.GEOJSON) if f.name not in {"id", "lat", "lon"})


@dataclass(frozen=True)
class Metadata:
    title: str
    publisher: str
    licence: str
    licence_url: str
    attribution: str
    generated_at: datetime
    source_url: str

    def as_json(self) -> dict[str, str]:
        return {
            "title": self.title,
            "publisher": self.publisher,
            "licence": self.licence,
            "licence_url": self.licence_url,
            "attribution": self.attribution,
            "generated_at": self.generated_at.isoformat(),
            "source": self.source_url,
        }


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def opening_hours(schedule: list[dict[str, Any]]) -> str:
    """'Tue 10:00-12:00 (first Tuesday); Sat 09:00-11:00'"""
    return "; ".join(
        f"{s['day'].capitalize()} {s['opens']}-{s['closes']}" + (f" ({s['note']})" if s.get("note") else "")
        for s in schedule
    )


def _csv_cells(place_field: PlaceField, value: Any) -> list[Any]:
    """A field's CSV cells: one per name in its `csv` (the organisation's are `organisation_<key>`, its name first)."""
    if place_field.name == "organisation":
        org = value or {}
        return [
            org.get(column.removeprefix("organisation_") if column != "organisation" else "name")
            for column in place_field.csv
        ]
    if place_field.name == "schedule":
        return [opening_hours(value)]
    if place_field.name in ("lat", "lon"):
        return [None if value is None else f"{value:.6f}"]  # none: delivered by phone, online or at home
    if isinstance(value, list):
        return ["; ".join(value)]
    if isinstance(value, datetime):
        return [value.isoformat()]
    return [value]


def _csv_row(row: dict[str, Any], asset_url: str) -> list[str]:
    values = [cell for f in _CSV_FIELDS for cell in _csv_cells(f, row[f.name])] + [asset_url.format(id=row["id"])]
    cells = []
    for column, value in zip(CSV_COLUMNS, values, strict=True):
        text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        cells.append(text if column in _NUMERIC else safe_cell(text))
    return cells


def csv_lines(rows: Iterable[dict[str, Any]], meta: Metadata, asset_url: str) -> Iterator[str]:
    return _csv_file(CSV_COLUMNS, (_csv_row(row, asset_url) for row in rows), meta)


# The stories export (docs/stories.md): a file of its own, one row per published story of a published place.
STORY_COLUMNS = ("story_id", "asset_id", "place_name", "language", "story", "signature", "published_at", "url")


def story_csv_lines(rows: Iterable[dict[str, Any]], meta: Metadata, asset_url: str) -> Iterator[str]:
    cells = (
        [str(r["id"]), str(r["asset_id"]), safe_cell(r["place_name"]), r["language"], safe_cell(r["text"]),
         safe_cell(r["signature"] or ""), r["published_at"].isoformat(), asset_url.format(id=r["asset_id"])]
        for r in rows
    )
    return _csv_file(STORY_COLUMNS, cells, meta)


def _csv_file(columns: Sequence[str], rows: Iterable[list[str]], meta: Metadata) -> Iterator[str]:
    """UTF-8 with a byte-order mark (so spreadsheets read accents and £ correctly), then the metadata lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(f"\ufeff# {meta.title}. Published by {meta.publisher}, generated {meta.generated_at.isoformat()}.\r\n")
    buffer.write(f"# Licence: {meta.licence} ({meta.licence_url})\r\n")
    buffer.write(f"# Attribution: {meta.attribution}\r\n")
    buffer.write(f"# Source: {meta.source_url}. The column names are on the next line.\r\n")
    writer.writerow(columns)
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _feature(row: dict[str, Any], asset_url: str) -> dict[str, Any]:
    properties = {f.name: _json_value(row[f.name]) for f in _GEOJSON_PROPERTIES}
    properties["url"] = asset_url.format(id=row["id"])
    return {
        "type": "Feature",
        "id": str(row["id"]),
        # A service delivered by phone, online or at home has no position: a feature without geometry (RFC 7946 §3.2),
        # with its service_areas among the properties.
        "geometry": None if row["lon"] is None else {
            "type": "Point", "coordinates": [round(row["lon"], 6), round(row["lat"], 6)]
        },
        "properties": properties,
    }


def geojson_chunks(rows: Iterable[dict[str, Any]], meta: Metadata, asset_url: str) -> Iterator[str]:
    head = json.dumps({"type": "FeatureCollection", "metadata": meta.as_json()}, ensure_ascii=False)
    parts = [head[:-1] + ', "features": [\n']
    for n, row in enumerate(rows):
        parts.append((",\n" if n else "") + json.dumps(_feature(row, asset_url), ensure_ascii=False))
        if len(parts) >= ROWS_PER_CHUNK:
            yield "".join(parts)
            parts = []
    parts.append("\n]}\n")
    yield "".join(parts)
