"""`assetmap import deprivation`: England's IMD 2019 and Wales's WIMD 2019 by LSOA (2011), with the LSOAs' ONS
centroids and super-generalised outlines, into `lsoa` (app/insights/models.py).

Four files, each of them plain or gzipped (read through `runner.open_file`): the IMD 2019 File 2 (UTF-8 with a
byte-order mark), the WIMD 2019 LSOA file, the LSOA centroids (LSOA11CD, LSOA11NM, LONG, LAT) and the LSOA boundaries
(GeoJSON, LSOA11CD). The centroid file is the list of LSOAs; each takes its nation's own rank and decile (an English
decile and a Welsh one are not comparable) and its outline. Everything is read and checked before anything is
written; the rows are then upserted by code in one transaction, so a re-run changes nothing and says so, and a bad file
changes nothing. The super-generalised outline (ONS's own 200 m generalisation, clipped to the coastline) is the one
kept: it is light enough for the map and places a search's origin in its LSOA.
"""

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import Invalid
from app.imports.models import ImportRun
from app.imports.record import recorded_run
from app.imports.runner import BROKEN_GZIP, file_source, open_file, read_text
from app.insights import repository
from app.insights.repository import LsoaRow

ProgressFn = Callable[[int], None]
KIND = "deprivation"
_CODE = re.compile(r"^[EW]01\d{6}$")
IMD_CODE = "LSOA code (2011)"
IMD_RANK = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
IMD_DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"


@dataclass(frozen=True)
class DeprivationFiles:
    imd: Path  # English IMD 2019, File 2
    wimd: Path  # Welsh WIMD 2019
    centroids: Path
    boundaries: Path

    def all(self) -> list[Path]:
        return [self.imd, self.wimd, self.centroids, self.boundaries]

    def source(self) -> str:
        return " + ".join(file_source(p) for p in self.all())


_PATTERNS = {
    "imd": "imd2019_File_2*.csv*",
    "wimd": "wimd2019*.csv*",
    "centroids": "lsoa11_centroids*.csv*",
    "boundaries": "lsoa11_boundaries*.geojson*",
}


def files_in(folder: Path) -> DeprivationFiles:
    """The four files in a folder such as ../shared/data/deprivation or data/demo/deprivation, found by name; Invalid
    naming what is missing."""
    found: dict[str, Path] = {}
    for key, pattern in _PATTERNS.items():
        matches = sorted(folder.glob(pattern))
        if not matches:
            raise Invalid(f"{folder} has no file named like {pattern} (see ../shared/data/README.md).")
        found[key] = matches[0]
    return DeprivationFiles(**found)


def import_deprivation(
    files: DeprivationFiles, on_total: ProgressFn | None = None, on_progress: ProgressFn | None = None
) -> ImportRun:
    """Reads and checks the four files, then upserts every LSOA (all or nothing); a recorded import run."""
    with recorded_run(KIND, files.source()) as run:
        rows, notes = read_lsoas(files)
        if on_total:
            on_total(len(rows))
        counts = repository.save_lsoas(rows, on_progress)
        run.counts = {**counts, **{k: v for k, v in notes.items() if v}}
        nations = {n: sum(1 for r in rows if r.nation == n) for n in ("E", "W")}
        extra = "".join(f"; {v:,} {k.replace('_', ' ')}" for k, v in notes.items() if v)
        run.message = (
            f"Loaded {len(rows):,} LSOAs ({nations['E']:,} in England, {nations['W']:,} in Wales): {counts['created']:,} new, "
            f"{counts['updated']:,} changed, {counts['unchanged']:,} unchanged{extra}."
        )
    return run


def _csv(path: Path) -> list[dict[str, str]]:
    text = read_text(path, Invalid)
    try:
        return list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise Invalid(f"{path.name} is not a readable CSV file ({exc}); nothing was loaded.") from None


def _need(rows: list[dict[str, str]], columns: tuple[str, ...], path: Path) -> None:
    header = set(rows[0]) if rows else set()
    missing = [c for c in columns if c not in header]
    if missing or not rows:
        raise Invalid(f"{path.name} is missing the column(s) {', '.join(missing) or '(no rows)'}; found {', '.join(sorted(header))}.")


def _ranked(rows: list[dict[str, str]], code: str, rank: str, decile: str, path: Path) -> dict[str, tuple[int, int]]:
    _need(rows, (code, rank, decile), path)
    out: dict[str, tuple[int, int]] = {}
    for line, row in enumerate(rows, start=2):
        try:
            r, d = int(row[rank]), int(row[decile])
        except (TypeError, ValueError):
            raise Invalid(f"{path.name}, line {line}: rank {row[rank]!r} and decile {row[decile]!r} must be whole numbers.") from None
        if not 1 <= d <= 10 or r < 1:
            raise Invalid(f"{path.name}, line {line}: decile {d} is not 1–10, or rank {r} is not positive.")
        out[row[code].strip()] = (r, d)
    return out


def read_lsoas(files: DeprivationFiles) -> tuple[list[LsoaRow], dict[str, int]]:
    """Every LSOA of the centroid file with its nation's rank and decile and its outline; notes of what was missing."""
    imd = _ranked(_csv(files.imd), IMD_CODE, IMD_RANK, IMD_DECILE, files.imd)
    wimd = _ranked(_csv(files.wimd), "lsoa11cd", "IMD_rank", "IMD_decile", files.wimd)
    outlines = _outlines(files.boundaries)
    centroids = _csv(files.centroids)
    _need(centroids, ("LSOA11CD", "LSOA11NM", "LONG", "LAT"), files.centroids)
    rows: list[LsoaRow] = []
    for line, row in enumerate(centroids, start=2):
        code = row["LSOA11CD"].strip()
        if not _CODE.match(code):
            raise Invalid(f"{files.centroids.name}, line {line}: {code[:20]!r} is not a 2011 LSOA code of England or Wales (E01… or W01…).")
        try:
            lon, lat = float(row["LONG"]), float(row["LAT"])
        except ValueError:
            raise Invalid(f"{files.centroids.name}, line {line}: LONG and LAT must be numbers.") from None
        if not (-7 <= lon <= 2.1 and 49.8 <= lat <= 55.9):
            raise Invalid(f"{files.centroids.name}, line {line}: {lat}, {lon} is not in England or Wales.")
        nation = code[0]
        ranked = (imd if nation == "E" else wimd).get(code)
        rows.append(LsoaRow(code, row["LSOA11NM"].strip()[:120], nation, ranked[1] if ranked else None,
                            ranked[0] if ranked else None, outlines.get(code), lon, lat))
    codes = {r.code for r in rows}
    notes = {
        "without_deprivation": sum(1 for r in rows if r.decile is None),
        "without_outline": sum(1 for r in rows if r.boundary is None),
        "ranked_but_without_centroid": len((set(imd) | set(wimd)) - codes),
    }
    return rows, notes


def _outlines(path: Path) -> dict[str, str]:
    try:
        with open_file(path) as handle:
            data = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(f"{path.name} is not valid GeoJSON ({exc}); nothing was loaded.") from None
    except BROKEN_GZIP as exc:
        raise Invalid(f"{path.name} is not a complete gzip file ({exc}); nothing was loaded.") from None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise Invalid(f"{path.name} is not a GeoJSON FeatureCollection.")
    crs = str(((data.get("crs") or {}).get("properties") or {}).get("name", "CRS84"))
    if not crs.upper().endswith(("CRS84", "4326")):
        raise Invalid(f"{path.name} is in {crs}; the outlines must be in longitude/latitude (WGS84).")
    out: dict[str, str] = {}
    for number, feature in enumerate(data["features"], start=1):
        code = ((feature or {}).get("properties") or {}).get("LSOA11CD")
        geometry = (feature or {}).get("geometry")
        if not isinstance(code, str) or not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise Invalid(f"{path.name}, feature {number}: needs an LSOA11CD property and a Polygon or MultiPolygon.")
        out[code.strip()] = json.dumps(geometry, separators=(",", ":"))
    return out
