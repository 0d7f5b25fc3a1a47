"""Published assets as open-data files: CSV and GeoJSON, written row by row for streaming.

Both carry the licence and attribution: the CSV in METADATA_LINES comment lines starting with "# " before the
header row; the GeoJSON in a top-level "metadata" foreign member (RFC 7946 §6.1). Only public fields are written:
the same ones the public API shows (no history, no submitter, no source ids).
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ROWS_PER_CHUNK = 200
METADATA_LINES = 4
# A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection"): it is prefixed with '.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "id", "name", "description", "categories", "tags", "organisation", "organisation_website", "organisation_email",
    "organisation_phone", "address", "postcode", "latitude", "longitude", "phone", "email", "website", "free",
    "cost_description", "accessibility", "languages", "min_age", "max_age", "audience", "drop_in", "opening_hours",
    "opening_hours_text", "last_verified_at", "updated_at", "url",
)
# Numbers we format ourselves: never formulas, and a leading minus (a longitude west of Greenwich) must stay a minus.
_NUMERIC = {"latitude", "longitude", "min_age", "max_age"}


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


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def opening_hours(schedule: list[dict[str, Any]]) -> str:
    """'Tue 10:00-12:00 (first Tuesday); Sat 09:00-11:00'"""
    return "; ".join(
        f"{s['day'].capitalize()} {s['opens']}-{s['closes']}" + (f" ({s['note']})" if s.get("note") else "") for s in schedule
    )


def _csv_row(row: dict[str, Any], asset_url: str) -> list[str]:
    org = row["organisation"] or {}
    values: dict[str, Any] = {
        "id": row["id"], "name": row["name"], "description": row["description"], "categories": "; ".join(row["categories"]),
        "tags": "; ".join(row["tags"]), "organisation": org.get("name"), "organisation_website": org.get("website"),
        "organisation_email": org.get("email"), "organisation_phone": org.get("phone"), "address": row["address"],
        "postcode": row["postcode"], "latitude": f"{row['lat']:.6f}", "longitude": f"{row['lon']:.6f}", "phone": row["phone"],
        "email": row["email"], "website": row["website"], "free": row["free"], "cost_description": row["cost_description"],
        "accessibility": "; ".join(row["accessibility"]), "languages": "; ".join(row["languages"]), "min_age": row["min_age"],
        "max_age": row["max_age"], "audience": row["audience"], "drop_in": row["drop_in"],
        "opening_hours": opening_hours(row["schedule"]), "opening_hours_text": row["opening_hours_text"],
        "last_verified_at": _iso(row["last_verified_at"]), "updated_at": _iso(row["updated_at"]),
        "url": asset_url.format(id=row["id"]),
    }
    cells = []
    for column in CSV_COLUMNS:
        value = values[column]
        text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        cells.append(text if column in _NUMERIC else safe_cell(text))
    return cells


def csv_lines(rows: Iterable[dict[str, Any]], meta: Metadata, asset_url: str) -> Iterator[str]:
    """UTF-8 with a byte-order mark (so spreadsheets read accents and £ correctly), then the metadata lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(f"\ufeff# {meta.title}. Published by {meta.publisher}, generated {meta.generated_at.isoformat()}.\r\n")
    buffer.write(f"# Licence: {meta.licence} ({meta.licence_url})\r\n")
    buffer.write(f"# Attribution: {meta.attribution}\r\n")
    buffer.write(f"# Source: {meta.source_url}. The column names are on the next line.\r\n")
    writer.writerow(CSV_COLUMNS)
    for n, row in enumerate(rows, start=1):
        writer.writerow(_csv_row(row, asset_url))
        if n % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _feature(row: dict[str, Any], asset_url: str) -> dict[str, Any]:
    properties = {
        key: row[key]
        for key in (
            "name", "description", "categories", "tags", "organisation", "address", "postcode", "phone", "email", "website",
            "free", "cost_description", "accessibility", "languages", "min_age", "max_age", "audience", "drop_in",
            "schedule", "opening_hours_text",
        )
    }
    properties |= {
        "last_verified_at": _iso(row["last_verified_at"]),
        "updated_at": _iso(row["updated_at"]),
        "url": asset_url.format(id=row["id"]),
    }
    return {
        "type": "Feature",
        "id": str(row["id"]),
        "geometry": {"type": "Point", "coordinates": [round(row["lon"], 6), round(row["lat"], 6)]},
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
