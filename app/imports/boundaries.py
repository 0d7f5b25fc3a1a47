"""Loading council, region and country outlines from ONS GeoJSON files (properties `areacd`, `areanm`).

Every feature's code, name and geometry type are checked before anything is written; outlines are then repaired
(ST_MakeValid) and saved in one transaction, so a bad file changes nothing.
"""

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.areas import repository
from app.areas.models import AreaLevel
from app.core.db import get_engine
from app.core.errors import Invalid
from app.imports.models import ImportRun
from app.imports.record import recorded_run
from app.imports.runner import file_source, read_text

ProgressFn = Callable[[int], None]
_SHAPES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Boundary:
    code: str
    name: str
    geometry: str  # GeoJSON text


@dataclass
class BoundaryCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def import_boundaries(
    path: Path,
    level: AreaLevel,
    dry_run: bool = False,
    on_total: ProgressFn | None = None,
    on_progress: ProgressFn | None = None,
) -> ImportRun:
    """Reads, checks and saves the file's outlines (all or nothing), or only reads and checks them; a recorded run."""
    with recorded_run(f"boundaries:{level.value}", file_source(path), dry_run) as run:
        boundaries = read_boundaries(path)
        if dry_run:
            run.counts = {"read": len(boundaries)}
            run.message = f"Dry run (nothing saved): {len(boundaries):,} {level.value} outlines read and checked."
            return run
        if on_total:
            on_total(len(boundaries))
        with Session(get_engine()) as session:
            counts = save_boundaries(session, boundaries, level, on_progress)
        run.counts = asdict(counts)
        run.message = (
            f"Loaded {counts.total:,} areas: {counts.created:,} new, {counts.updated:,} changed, "
            f"{counts.unchanged:,} unchanged."
        )
    return run


def read_boundaries(path: Path) -> list[Boundary]:
    """Every feature of the file, checked; Invalid naming the first problem."""
    try:
        data = json.loads(read_text(path, Invalid))  # a .geojson.gz is read as it is
    except json.JSONDecodeError as exc:
        raise Invalid(f"{path.name} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise Invalid(f"{path.name} is not a GeoJSON FeatureCollection.")
    crs = str(((data.get("crs") or {}).get("properties") or {}).get("name", "CRS84"))
    if not crs.upper().endswith(("CRS84", "4326")):
        raise Invalid(f"{path.name} is in {crs}; boundaries must be in longitude/latitude (WGS84).")
    if not data["features"]:
        raise Invalid(f"{path.name} has no features.")
    boundaries: list[Boundary] = []
    seen: set[str] = set()
    for number, feature in enumerate(data["features"], start=1):
        boundary = _boundary(feature, f"{path.name}, feature {number}")
        if boundary.code in seen:
            raise Invalid(f"{path.name}, feature {number}: the code {boundary.code} appears twice.")
        seen.add(boundary.code)
        boundaries.append(boundary)
    return boundaries


def save_boundaries(
    session: Session, boundaries: list[Boundary], level: AreaLevel, on_progress: ProgressFn | None = None
) -> BoundaryCounts:
    """Adds or updates each area by code (running it again changes nothing) and commits; all or nothing."""
    counts = BoundaryCounts()
    current: Boundary | None = None
    try:
        repository.allow_long_statements(session)
        for current in boundaries:
            shape, lonlat = repository.repair(session, current.geometry)
            if shape is None:
                raise Invalid(f"{current.code} ({current.name}) has an outline with no area, even once repaired.")
            if not lonlat:
                raise Invalid(
                    f"{current.code} ({current.name}) has coordinates outside longitude/latitude; is the file in another projection?"
                )
            outcome = repository.upsert(session, current.code, current.name, level, shape)
            setattr(counts, outcome, getattr(counts, outcome) + 1)
            if on_progress:
                on_progress(1)
    except DBAPIError as exc:
        session.rollback()
        reason = str(exc.orig).splitlines()[0] if exc.orig else "the database refused it"
        where = f"{current.code} ({current.name})" if current else "the file"
        raise Invalid(f"{where} has an outline PostGIS cannot read ({reason}). Nothing was changed.") from None
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return counts


def _boundary(feature: Any, where: str) -> Boundary:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise Invalid(f"{where} is not a GeoJSON Feature.")
    properties = feature.get("properties") or {}
    code, name = properties.get("areacd"), properties.get("areanm")
    if not isinstance(code, str) or not code.strip():
        raise Invalid(f"{where} has no areacd (the ONS area code).")
    if not isinstance(name, str) or not name.strip():
        raise Invalid(f"{where} ({code}) has no areanm (the area name).")
    code = code.strip().upper()
    if len(code) > 9:
        raise Invalid(f"{where}: '{code[:20]}' is not an ONS area code (nine characters, such as E08000003).")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in _SHAPES:
        kind = geometry.get("type") if isinstance(geometry, dict) else "no geometry"
        raise Invalid(f"{where} ({code}) has {kind}; expected a Polygon or MultiPolygon.")
    if not isinstance(geometry.get("coordinates"), list) or not geometry["coordinates"]:
        raise Invalid(f"{where} ({code}) has no coordinates.")
    return Boundary(code=code, name=name.strip(), geometry=json.dumps(geometry))

