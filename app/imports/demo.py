"""`assetmap load-demo`: real open data for a demo, loaded step by step; running it again adds nothing twice.

A step is skipped when the same file (path and size; for asset files, through the same mapping) was loaded before
and what it loaded is still there; a changed file is loaded again, which updates only what changed (an asset file's
unchanged rows are counted "unchanged" and get no history entry).
Sources, licences and timings: docs/demo-data.md. To add a step, write a function like the ones below and add one
line to STEPS.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlmodel import Session

from app.areas.models import AreaLevel
from app.areas.repository import count_at_level
from app.assets.repository import count_by_source
from app.core.config import PROJECT_ROOT, get_settings
from app.core.db import get_engine
from app.geo.repository import count_postcodes
from app.imports import repository
from app.imports.boundaries import import_boundaries
from app.imports.deprivation import KIND as DEPRIVATION
from app.imports.deprivation import DeprivationFiles, import_deprivation
from app.imports.mapping import load_mapping
from app.imports.osm import SOURCE as OSM_SOURCE
from app.imports.osm import import_osm
from app.imports.postcodes import import_postcodes
from app.imports.readers import import_file, import_source
from app.imports.runner import ProgressFn, file_source
from app.insights.repository import count_lsoas

MAPPINGS = PROJECT_ROOT / "data" / "mappings"


# The demo pack that comes with the repository (data/demo/README.md; built by scripts/build_demo_pack.py): all UK
# outlines, libraries and GP practices, but the postcodes of Wales, Rutland, Manchester and Sheffield only.
PACK = PROJECT_ROOT / "data" / "demo"
_OUTLINES = ((AreaLevel.ltla, "ltla"), (AreaLevel.utla, "utla"), (AreaLevel.region, "rgn"), (AreaLevel.country, "ctry"))


@dataclass(frozen=True)
class DemoData:
    postcodes: Path
    outcodes: Path
    boundaries: dict[AreaLevel, Path]
    tables: dict[str, Path] = field(default_factory=dict)  # mapping name (data/mappings/<name>.yaml) -> CSV file
    osm: list[Path] = field(default_factory=list)  # OpenStreetMap extracts (.geojson/.csv) or .osm.pbf files
    deprivation: DeprivationFiles | None = None  # IMD, WIMD, LSOA centroids and outlines (app/imports/deprivation.py)

    def files(self) -> list[Path]:
        lsoas = self.deprivation.all() if self.deprivation else []
        return [self.postcodes, self.outcodes, *self.boundaries.values(), *self.tables.values(), *self.osm, *lsoas]

    def missing(self) -> list[Path]:
        return [p for p in self.files() if not p.is_file()]


def shared_data(shared: Path) -> DemoData:
    """The whole UK, from the shared data folder (../shared/data/README.md)."""
    return DemoData(
        postcodes=shared / "postcodes" / "uk_postcodes_nspl_may2025.csv.gz",
        outcodes=shared / "postcodes" / "outcode_centroids_derived.csv",
        boundaries={level: shared / "boundaries" / f"{prefix}_2025_uk_bsc.geojson" for level, prefix in _OUTLINES},
        tables={
            "libraries": shared / "assets" / "uk_public_libraries_librarydata.csv",
            "gp_practices": shared / "assets" / "gp_practices_england_wales_epraccur_active_geocoded.csv",
        },
        # The GeoJSON extracts carry every tag (the CSVs lack opening hours): docs/osm-tags.md.
        osm=[
            shared / "assets" / "osm" / "rutland_osm_2018_community_pois.geojson",
            *sorted((shared / "assets" / "osm" / "isle_of_man").glob("*.geojson")),
        ],
        deprivation=DeprivationFiles(
            imd=shared / "deprivation" / "imd2019_File_2_IoD2019_Domains_of_Deprivation_lsoa11.csv",
            wimd=shared / "deprivation" / "wimd2019_lsoa11_wales.csv",
            centroids=shared / "deprivation" / "lsoa11_centroids_ew.csv",
            boundaries=shared / "deprivation" / "lsoa11_boundaries_super_generalised_clipped_ew.geojson.gz",
        ),
    )


def pack_data(pack: Path = PACK) -> DemoData:
    """The same kinds of file from the demo pack, gzip-compressed (the importers read .gz files as they are)."""
    return DemoData(
        postcodes=pack / "postcodes" / "demo_postcodes_nspl_may2025.csv.gz",
        outcodes=pack / "postcodes" / "outcode_centroids_derived.csv.gz",
        boundaries={level: pack / "boundaries" / f"{prefix}_2025_uk_bsc.geojson.gz" for level, prefix in _OUTLINES},
        tables={
            "libraries": pack / "assets" / "uk_public_libraries_librarydata.csv.gz",
            "gp_practices": pack / "assets" / "gp_practices_england_wales_epraccur_active_geocoded.csv.gz",
        },
        osm=[
            pack / "assets" / "osm" / "rutland_osm_2018_community_pois.geojson.gz",
            *sorted((pack / "assets" / "osm" / "isle_of_man").glob("*.geojson.gz")),
        ],
        # England's IMD rows of Rutland, Manchester and Sheffield only; all of Wales (data/demo/README.md).
        deprivation=DeprivationFiles(
            imd=pack / "deprivation" / "imd2019_File_2_IoD2019_Domains_of_Deprivation_lsoa11_demo.csv.gz",
            wimd=pack / "deprivation" / "wimd2019_lsoa11_wales.csv.gz",
            centroids=pack / "deprivation" / "lsoa11_centroids_ew_demo.csv.gz",
            boundaries=pack / "deprivation" / "lsoa11_boundaries_super_generalised_clipped_ew_demo.geojson.gz",
        ),
    )


def default_data(shared: Path | None = None) -> DemoData:
    """The one place that decides what `load-demo` loads: the shared data folder (`SHARED_DATA_DIR`, by default
    ../shared/data beside the clone) when it is there with every file, otherwise the demo pack in data/demo/."""
    data = shared_data(shared or get_settings().shared_data_dir)
    return data if data.osm and not data.missing() else pack_data()


def origin(data: DemoData) -> str:
    """Which data a load is of, in words, for the one line load-demo prints first."""
    files = [p.resolve() for p in data.files()]
    shared = get_settings().shared_data_dir.resolve()
    if all(p.is_relative_to(PACK.resolve()) for p in files):
        return (
            f"the demo pack in {PACK} (postcodes of Wales, Rutland, Manchester and Sheffield; libraries, GP practices "
            f"and outlines of the whole UK), as the shared data folder {shared} is not there or not complete; "
            "for the whole UK see docs/demo-data.md"
        )
    if all(p.is_relative_to(shared) for p in files):
        return f"the shared data folder {shared} (the whole UK)"
    defaults = default_data()
    given = [p for p in data.files() if p not in set(defaults.files())]
    rest = "" if len(given) == len(data.files()) else f", and otherwise {origin(defaults)}"
    return f"the files given ({', '.join(map(str, given))}){rest}"


class Track(Protocol):
    """Starts a progress bar; returns (set its total, advance it)."""

    def __call__(self, description: str, total: int | None = None) -> tuple[ProgressFn, ProgressFn]: ...


Say = Callable[[str], None]
Step = Callable[[DemoData, Track, Say], None]


def load_postcodes(data: DemoData, track: Track, say: Say) -> None:
    source = file_source(data.postcodes) + f" with {file_source(data.outcodes)}"
    with Session(get_engine()) as session:
        before = repository.last_success(session, "postcodes", source)
        if before and count_postcodes(session) == before.counts.get("postcodes"):
            say(f"Postcodes: already loaded from {data.postcodes.name} (import run {before.id}); skipped.")
            return
    _, advance = track(f"Postcodes from {data.postcodes.name}")
    run = import_postcodes(data.postcodes, data.outcodes, on_progress=advance)
    say(f"Postcodes: {run.message}")


def load_boundaries(data: DemoData, track: Track, say: Say) -> None:
    for level, path in data.boundaries.items():
        with Session(get_engine()) as session:
            before = repository.last_success(session, f"boundaries:{level.value}", file_source(path))
            if before and count_at_level(session, level) >= sum(before.counts.values()):
                say(f"Outlines ({level.value}): already loaded from {path.name} (import run {before.id}); skipped.")
                continue
        set_total, advance = track(f"{level.value} outlines from {path.name}")
        run = import_boundaries(path, level, on_total=set_total, on_progress=advance)
        say(f"Outlines ({level.value}): {run.message}")


def load_table(name: str, title: str) -> Step:
    """A step importing the CSV file `data.tables[name]` through data/mappings/<name>.yaml.

    Skipped when the same file went through the same mapping before and every asset it saved is still there.
    """

    def step(data: DemoData, track: Track, say: Say) -> None:
        path = data.tables.get(name)
        if path is None:
            return
        mapping = MAPPINGS / f"{name}.yaml"
        with Session(get_engine()) as session:
            before = repository.last_success(session, "csv", import_source(path, mapping))
            saved = sum(before.counts.get(k, 0) for k in ("created", "updated", "unchanged")) if before else 0
            if before and count_by_source(session, load_mapping(mapping).source) >= saved:
                say(f"{title}: already imported from {path.name} (import run {before.id}: {before.message.rstrip('.')}); skipped.")
                return
        set_total, advance = track(f"{title} from {path.name}")
        run = import_file("csv", path, mapping, on_total=set_total, on_progress=advance)
        problems = run.counts.get("failed", 0) + run.counts.get("notes", 0)
        more = f" See `assetmap imports --show {run.id}` for the {problems:,} reported rows." if problems else ""
        say(f"{title}: {run.message}{more}")

    return step


def load_osm(data: DemoData, track: Track, say: Say) -> None:
    """Each OpenStreetMap file through the OSM tag mapping; skipped when loaded before and its places are still there."""
    for path in data.osm:
        with Session(get_engine()) as session:
            before = repository.last_success(session, "osm", file_source(path))
            saved = sum(before.counts.get(k, 0) for k in ("created", "updated", "unchanged")) if before else 0
            if before and count_by_source(session, OSM_SOURCE) >= saved:
                say(f"OpenStreetMap: already imported {path.name} (import run {before.id}); skipped.")
                continue
        set_total, advance = track(f"OpenStreetMap places from {path.name}")
        run = import_osm(path, on_total=set_total, on_progress=advance)
        say(f"OpenStreetMap ({path.name}): {run.message}")


def load_deprivation(data: DemoData, track: Track, say: Say) -> None:
    """LSOAs with each nation's deprivation decile, centroid and outline; skipped when the same files were loaded
    before and their LSOAs are still there."""
    files = data.deprivation
    if files is None:
        return
    with Session(get_engine()) as session:
        before = repository.last_success(session, DEPRIVATION, files.source())
        saved = sum(before.counts.get(k, 0) for k in ("created", "updated", "unchanged")) if before else 0
        if before and count_lsoas(session) >= saved:
            say(f"Deprivation: already loaded from {files.imd.parent} (import run {before.id}); skipped.")
            return
    set_total, advance = track(f"LSOAs from {files.centroids.name}")
    run = import_deprivation(files, on_total=set_total, on_progress=advance)
    say(f"Deprivation: {run.message}")


STEPS: list[Step] = [
    load_postcodes,
    load_boundaries,
    load_table("libraries", "UK public libraries"),
    load_table("gp_practices", "GP practices"),
    load_osm,
    load_deprivation,
]


def load_demo(data: DemoData, track: Track, say: Say) -> None:
    say(f"Loading demo data from {origin(data)}.")
    for step in STEPS:
        step(data, track, say)
