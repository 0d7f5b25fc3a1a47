"""Commands that load data: `import …` (one per kind of file), `imports` (past runs) and `load-demo`."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.areas.models import AreaLevel
from app.assets.models import AssetStatus
from app.cli.output import console, progress
from app.core.config import get_settings


def import_postcodes(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV (or .csv.gz) with postcode,lat,long")],
    outcodes: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Outcode centroids CSV")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and check the file, change nothing")] = False,
) -> None:
    """Load a postcode file (replaces the postcode table, all or nothing) and, optionally, outcode centroids.

    For example: assetmap import postcodes ../shared/data/postcodes/uk_postcodes_nspl_may2025.csv.gz
    --outcodes ../shared/data/postcodes/outcode_centroids_derived.csv
    """
    from app.core.errors import AppError
    from app.imports.postcodes import import_postcodes as load

    try:
        with progress() as bar:
            task = bar.add_task(f"Postcodes from {file.name}", total=None)
            run = load(file, outcodes, dry_run, lambda n: bar.advance(task, n))
    except AppError as exc:
        console.print(f"[red]Import failed:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    console.print(run.message, markup=False)


def import_oruk(
    source: Annotated[str, typer.Argument(help="Base URL of an Open Referral UK API (e.g. https://example.org/oruk) or a folder of JSON files")],
    status: Annotated[str, typer.Option(help="Status of new assets: published, or pending to review them first")] = "published",
    default_category: Annotated[str, typer.Option(help="Category slug for services none of whose terms match ours")] = "charities",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and check everything, save nothing")] = False,
    service_area: Annotated[
        list[str] | None,
        typer.Option(help="Area code (repeatable; UK for the whole UK) for services by phone or online whose own service areas name none we know"),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each request to a live feed")] = 30,
) -> None:
    """Import another directory's Open Referral UK services (version 3.0 or 1, told from the feed) as assets; running
    it again updates them."""
    from app.core.errors import AppError
    from app.openreferral.feed import FeedError
    from app.openreferral.importer import Options, run_import

    options = Options(
        status=_new_asset_status(status), default_category=default_category, dry_run=dry_run,
        service_areas=service_area or [], timeout=timeout,
    )
    with progress() as bar:
        task = bar.add_task(f"Services from {source}", total=None)
        try:
            run = run_import(
                source, options, on_total=lambda n: bar.update(task, total=n), on_service=lambda: bar.advance(task)
            )
        except (FeedError, AppError) as exc:
            console.print(f"[red]Import failed:[/red] {exc}")
            raise typer.Exit(1) from exc
    _print_problems(run.id, run.errors, sum(run.counts.get(k, 0) for k in ("failed", "skipped", "notes")))
    console.print(run.message, markup=False)


def import_osm(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".osm.pbf (or another format osmium reads), or an OSM extract .csv/.geojson")],
    status: Annotated[str, typer.Option(help="Status of new assets: published, or pending to review them first")] = "published",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and check everything, save nothing")] = False,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of", formats=["%Y-%m-%d"],
            help="The date the file was taken (YYYY-MM-DD): the date places without a timestamp of their own are vouched for",
        ),
    ] = None,
) -> None:
    """Import OpenStreetMap community places (tag mapping: docs/osm-tags.md); running it again updates them."""
    from rich.markup import escape

    from app.core.errors import AppError
    from app.imports.osm import import_osm as run_osm_import

    with progress() as bar:
        task = bar.add_task(f"Places from {file.name}", total=None)
        try:
            run = run_osm_import(
                file, dry_run=dry_run, status=_new_asset_status(status), as_of=as_of.replace(tzinfo=UTC) if as_of else None,
                on_total=lambda n: bar.update(task, total=n), on_progress=lambda n: bar.advance(task, n),
            )
        except AppError as exc:
            console.print("[red]Import failed:[/red] " + escape(exc.message), highlight=False)
            raise typer.Exit(1) from exc
    _print_problems(run.id, run.errors, sum(run.counts.get(k, 0) for k in ("failed", "notes")))
    console.print(run.message, markup=False)


def import_boundaries(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="ONS GeoJSON with areacd and areanm properties")],
    level: Annotated[AreaLevel, typer.Option(help="The tier of government the file's areas are")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and check the file, change nothing")] = False,
) -> None:
    """Load council, region or country outlines; adds new areas and updates known ones by code (safe to re-run).

    For example: assetmap import boundaries ../shared/data/boundaries/ltla_2025_uk_bsc.geojson --level ltla
    (then utla_…, rgn_… as region and ctry_… as country).
    """
    from app.core.errors import AppError
    from app.imports.boundaries import import_boundaries

    try:
        with progress() as bar:
            task = bar.add_task(f"{level.value} outlines from {file.name}", total=None)
            run = import_boundaries(file, level, dry_run, lambda n: bar.update(task, total=n), lambda n: bar.advance(task, n))
    except AppError as exc:
        console.print(f"[red]Import failed:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    console.print(run.message, markup=False)


Status = typer.Option(help="Status of new assets: published, or pending to review them first")
Mapping = typer.Option("--mapping", exists=True, dir_okay=False, help="YAML mapping of columns to fields (docs/imports.md)")
DryRun = typer.Option("--dry-run", help="Read and check everything, save nothing")
SuggestMapping = typer.Option("--suggest-mapping", help="Print a mapping suggested from the file's columns, import nothing")


def _import_file(kind: str, file: Path, mapping: Path | None, dry_run: bool, status: str, suggest: bool = False) -> None:
    from app.core.errors import AppError
    from app.imports.readers import import_file

    if suggest:
        _suggest(kind, file)
        return
    if mapping is None:
        raise typer.BadParameter("give a mapping, or --suggest-mapping to have one suggested", param_hint="--mapping")

    with progress() as bar:
        task = bar.add_task(f"Rows of {file.name}", total=None)
        try:
            run = import_file(
                kind, file, mapping, dry_run=dry_run, status=_new_asset_status(status),
                on_total=lambda n: bar.update(task, total=n), on_progress=lambda n: bar.advance(task, n),
            )
        except AppError as exc:
            bar.stop()
            console.print(f"Import failed, nothing was changed: {exc.message}", markup=False)
            raise typer.Exit(1) from None
    _print_problems(run.id, run.errors, sum(run.counts.get(k, 0) for k in ("failed", "notes")))
    console.print(run.message, markup=False)


def _suggest(kind: str, file: Path) -> None:
    """Prints the mapping suggested from the file's columns (app/imports/suggest.py)."""
    from app.core.errors import AppError
    from app.imports.readers import columns_and_rows
    from app.imports.suggest import as_yaml, source_name, suggest_mapping

    try:
        columns, rows = columns_and_rows(kind, file)
    except AppError as exc:
        console.print(f"Cannot suggest a mapping: {exc.message}", markup=False)
        raise typer.Exit(1) from None
    sample = {c: [r.get(c, "") for r in rows] for c in columns}
    typer.echo(as_yaml(suggest_mapping(columns, source_name(file), sample)).rstrip("\n"))


def _new_asset_status(status: str) -> AssetStatus:
    """The --status of an import: what new assets start as."""
    if status not in (AssetStatus.published, AssetStatus.pending):
        raise typer.BadParameter("must be published or pending", param_hint="--status")
    return AssetStatus(status)


def _print_problems(run_id: int | None, problems: list[dict], total: int, first: int = 20) -> None:
    for problem in problems[:first]:
        label = "note" if problem["kind"] == "notes" else problem["kind"]
        console.print(f"  {problem['ref']}: {label}: {problem['message']}", markup=False, soft_wrap=True)
    if total > first:
        console.print(f"  … and {total - first:,} more (import run {run_id}: assetmap imports --show {run_id})", markup=False)


def import_csv(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A UTF-8 CSV file with a header line")],
    mapping: Annotated[Path | None, Mapping] = None,
    dry_run: Annotated[bool, DryRun] = False,
    status: Annotated[str, Status] = "published",
    suggest_mapping: Annotated[bool, SuggestMapping] = False,
) -> None:
    """Import a CSV file as assets through a mapping; running it again updates them (docs/imports.md)."""
    _import_file("csv", file, mapping, dry_run, status, suggest_mapping)


def import_geojson(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A GeoJSON FeatureCollection")],
    mapping: Annotated[Path | None, Mapping] = None,
    dry_run: Annotated[bool, DryRun] = False,
    status: Annotated[str, Status] = "published",
    suggest_mapping: Annotated[bool, SuggestMapping] = False,
) -> None:
    """Import a GeoJSON file's features as assets through a mapping over their properties (docs/imports.md)."""
    _import_file("geojson", file, mapping, dry_run, status, suggest_mapping)


def list_imports(
    limit: Annotated[int, typer.Option(min=1, help="How many of the latest runs")] = 20,
    show: Annotated[int | None, typer.Option(help="Print the rows this run reported")] = None,
) -> None:
    """List past import runs, newest first; --show ID prints the rows a run reported."""
    from rich.table import Table
    from sqlmodel import Session

    from app.core.db import get_engine
    from app.imports import repository
    from app.imports.runner import describe_counts, unrecorded

    out = Console()
    with Session(get_engine()) as session:
        if show is not None:
            run = repository.get_run(session, show)
            if run is None:
                console.print(f"No import run has the id {show}.")
                raise typer.Exit(1)
            out.print(f"Import run {run.id}: {run.kind} {run.source}", markup=False)
            out.print(f"{run.status}{' (dry run)' if run.dry_run else ''}: {run.message}", markup=False)
            for problem in run.errors:
                out.print(f"  {problem.get('ref') or problem.get('id')}: {problem['kind']}: {problem['message']}", markup=False)
            if not run.errors:
                out.print("  No rows were reported.")
            for kind, left_out in unrecorded(run.counts, run.errors).items():
                out.print(f"  … and {left_out:,} more {kind} rows, counted but not kept (a run keeps a limited number of each kind)")
            return
        runs = repository.recent_runs(session, limit)
    if not runs:
        out.print("No imports yet.")
        return
    table = Table("id", "kind", "source", "when", "dry run", "status", "counts", "message")
    for column in table.columns[:2] + table.columns[3:6]:
        column.no_wrap = True
    for run in runs:
        table.add_row(
            str(run.id), run.kind, Path(run.source.split(" (")[0]).name, f"{run.started_at:%Y-%m-%d %H:%M}",
            "yes" if run.dry_run else "", run.status, describe_counts(run.counts),
            run.message if run.status != "succeeded" else "",  # a success's message repeats its counts
        )
    out.print(table)


def import_deprivation(
    folder: Annotated[
        Path | None,
        typer.Argument(exists=True, file_okay=False, help="Folder with the IMD 2019 File 2, WIMD 2019, LSOA centroids and outlines (default: load-demo's)"),
    ] = None,
) -> None:
    """Load deprivation by LSOA (England's IMD 2019, Wales's WIMD 2019) with LSOA centroids and outlines; adds new
    LSOAs and updates changed ones by code (safe to re-run).

    For example: assetmap import deprivation ../shared/data/deprivation (plain or .gz files, found by their names).
    """
    from app.core.errors import AppError
    from app.imports.demo import default_data
    from app.imports.deprivation import files_in
    from app.imports.deprivation import import_deprivation as load

    try:
        files = files_in(folder) if folder else default_data().deprivation
        assert files is not None
        with progress() as bar:
            task = bar.add_task(f"LSOAs from {files.centroids.name}", total=None)
            run = load(files, lambda n: bar.update(task, total=n), lambda n: bar.advance(task, n))
    except AppError as exc:
        console.print(f"[red]Import failed:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    console.print(run.message, markup=False)


def insights_refresh() -> None:
    """Recompute access (places within 800 m and 1,600 m of every LSOA, and the nearest) and the published search
    demand now, and delete raw searches past SEARCH_RETENTION_MONTHS (waits for a refresh already running)."""
    from app.insights.service import refresh

    console.print("Refreshing insights for every LSOA and top-level category…", markup=False)
    done = refresh(get_settings(), wait=True)
    console.print(done["message"] if done else "Nothing refreshed.", markup=False)


def load_demo(
    postcodes: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Postcode file (default: the shared folder's national file, or the demo pack's)")] = None,
    outcodes: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Outcode centroids file")] = None,
    boundaries: Annotated[
        list[str] | None, typer.Option(help="LEVEL=FILE outlines to load instead of the four UK files (repeatable)")
    ] = None,
    libraries: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Libraries CSV")] = None,
    gp_practices: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="GP practices CSV")] = None,
    osm: Annotated[
        list[Path] | None, typer.Option(exists=True, dir_okay=False, help="OpenStreetMap files instead of the shared extracts (repeatable)")
    ] = None,
    deprivation: Annotated[
        Path | None, typer.Option(exists=True, file_okay=False, help="Folder with the IMD, WIMD, LSOA centroid and outline files")
    ] = None,
) -> None:
    """Load the demo data (postcodes, outlines, libraries, GP practices, OpenStreetMap places, deprivation by LSOA);
    safe to run again.

    What is loaded from where, and the licences: docs/demo-data.md.
    """
    from dataclasses import replace

    from app.core.errors import AppError
    from app.imports.demo import default_data
    from app.imports.demo import load_demo as load
    from app.imports.deprivation import files_in

    data = default_data()
    outlines = data.boundaries
    if boundaries:
        try:
            outlines = {AreaLevel(level): Path(path) for level, _, path in (b.partition("=") for b in boundaries)}
        except ValueError:
            raise typer.BadParameter("expected LEVEL=FILE, LEVEL one of ltla, utla, region, country", param_hint="--boundaries") from None
    tables = {
        "libraries": libraries or data.tables["libraries"], "gp_practices": gp_practices or data.tables["gp_practices"]
    }
    data = replace(
        data, postcodes=postcodes or data.postcodes, outcodes=outcodes or data.outcodes, boundaries=outlines,
        tables=tables, osm=osm or data.osm,
    )
    if deprivation:
        try:
            data = replace(data, deprivation=files_in(deprivation))
        except AppError as exc:
            raise typer.BadParameter(exc.message, param_hint="--deprivation") from None
    missing = [p for p in (data.postcodes, data.outcodes, *outlines.values(), *tables.values(), *data.osm) if not p.is_file()]
    if missing:
        console.print(f"Demo data not found: {', '.join(map(str, missing))}", markup=False)
        raise typer.Exit(1)

    with progress() as bar:

        def track(description: str, total: int | None = None):  # noqa: ANN202 - (set total, advance)
            task = bar.add_task(description, total=total)
            return (lambda n: bar.update(task, total=n)), (lambda n: bar.advance(task, n))

        try:
            load(data, track, lambda line: bar.console.print(line, markup=False, soft_wrap=True))
        except AppError as exc:
            bar.stop()
            console.print(f"load-demo stopped: {exc.message}", markup=False)
            raise typer.Exit(1) from None
    console.print("Demo data loaded.")


