"""The `assetmap` command: serve, migrate, load data, manage keys."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.accounts.models import Role
from app.areas.models import AreaLevel
from app.assets.models import AssetStatus
from app.core.config import get_settings

app = typer.Typer(help="Community Asset Map: serve the map and manage its data.", no_args_is_help=True)
import_app = typer.Typer(help="Import data files.", no_args_is_help=True)
app.add_typer(import_app, name="import")
console = Console(stderr=True)


class PlainProgress:
    """Progress for a file or a pipe (a log, CI): a plain line at every tenth of the work (or every 50,000 items when
    the total is unknown) and one when a task ends, instead of a redrawn bar's fragments. The part of rich's Progress
    that the commands use."""

    def __init__(self) -> None:
        self.console = console
        self.tasks: dict[int, list] = {}  # task id -> [description, total, done, last tenth or step reported]

    def __enter__(self) -> "PlainProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_task(self, description: str, total: int | None = None) -> int:
        self.tasks[len(self.tasks)] = [description, total, 0, 0]
        return len(self.tasks) - 1

    def update(self, task: int, total: int | None = None) -> None:
        self.tasks[task][1] = total

    def advance(self, task: int, n: int = 1) -> None:
        state = self.tasks[task]
        state[2] += n
        description, total, done, reported = state
        step = done * 10 // total if total else done // 50_000
        if step > reported:
            state[3] = step
            share = f" of {total:,} ({done * 100 // total}%)" if total else ""
            console.print(f"{description}: {done:,}{share}", markup=False, soft_wrap=True, highlight=False)

    def stop(self) -> None:
        for description, total, done, _ in self.tasks.values():
            console.print(f"{description}: done, {done:,}{f' of {total:,}' if total else ''}.", markup=False,
                          soft_wrap=True, highlight=False)
        self.tasks.clear()


def progress() -> Progress | PlainProgress:
    if not console.is_terminal:
        return PlainProgress()
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=False
    )


@app.command("init-db")
def init_db() -> None:
    """Make the database ready: DATABASE_URL's database and extensions, or, when it is not set, a local role and
    database made through the `postgres` account, with DATABASE_URL written to .env (README: "Run it")."""
    from sqlalchemy.engine import make_url

    from app.core.local_postgres import LocalServerError
    from app.core.provision import ProvisionError, ensure_database

    try:
        url = ensure_database()
    except (ProvisionError, LocalServerError) as exc:
        console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    get_settings.cache_clear()  # a .env written just now
    target = make_url(url)
    console.print(f"Database {target.database!r} on {target.host}:{target.port} is ready, for the role {target.username!r}.",
                  markup=False, soft_wrap=True)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (alembic upgrade head)."""
    from app.core.db import database_url
    from app.core.provision import migrate as run_migrations

    run_migrations(database_url())
    console.print("Schema is up to date.")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes")] = None,
) -> None:
    """Serve the map and API (uvicorn)."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "app.main:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        # X-Forwarded-For/-Proto only from the proxies named in TRUSTED_PROXIES (uvicorn would trust 127.0.0.1 by
        # default, letting any local caller choose the address every rate limit counts).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
    )


@app.command("create-api-key")
def create_api_key(
    role: Annotated[Role, typer.Option(help="What the key may do")],
    name: Annotated[str, typer.Option(help="Who or what the key is for")],
) -> None:
    """Create an API key. The key is printed once, as the last line; only its hash is stored."""
    from sqlmodel import Session

    from app.accounts.service import create_api_key as create
    from app.core.db import get_engine

    with Session(get_engine()) as session:
        key, plain = create(session, name, role)
    console.print(f"Created {role.value} key {key.id} ({name}). Keep it safe: it cannot be shown again.")
    typer.echo(plain)


@app.command("revoke-api-key")
def revoke_api_key(key_id: Annotated[int, typer.Argument(help="The key's id, as printed when it was created")]) -> None:
    """Revoke an API key: it stops working at once. Its record stays, for the history."""
    from sqlmodel import Session

    from app.accounts.service import revoke_api_key as revoke
    from app.core.db import get_engine
    from app.core.errors import NotFound

    with Session(get_engine()) as session:
        try:
            key = revoke(session, key_id)
        except NotFound as exc:
            console.print(exc.message)
            raise typer.Exit(1) from None
    console.print(f"Revoked {key.role} key {key.id} ({key.name}).")


@app.command("list-api-keys")
def list_api_keys() -> None:
    """List API keys: id, role, name, first characters, when last used, and whether revoked."""
    from sqlmodel import Session

    from app.accounts.repository import list_keys
    from app.core.db import get_engine

    with Session(get_engine()) as session:
        for key in list_keys(session):
            used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never used"
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            typer.echo(f"{key.id}\t{key.role}\t{key.name}\t{key.prefix}…\t{used}\t{state}")


@app.command("create-user")
def create_user(
    role: Annotated[Role, typer.Option(help="What the person may do")],
    email: Annotated[str, typer.Option(help="Their email address, used to sign in")],
    area: Annotated[list[str] | None, typer.Option(help="A council area code a moderator is limited to (repeatable)")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input")] = False,
) -> None:
    """Create a sign-in account. The password is asked for, or read from ASSETMAP_PASSWORD or standard input."""
    import os
    import sys

    from sqlmodel import Session

    from app.accounts.service import create_user as create
    from app.core.db import get_engine
    from app.core.errors import AppError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = os.environ.get("ASSETMAP_PASSWORD") or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with Session(get_engine()) as session:
        try:
            user = create(session, email, password, role, area or [])
        except AppError as exc:
            console.print(exc.message)
            raise typer.Exit(1) from None
    limits = f", limited to {', '.join(user.areas)}" if user.areas else ""
    console.print(f"Created {user.role} account {user.id} for {user.email}{limits}.")


@app.command("disable-user")
def disable_user(
    email: Annotated[str, typer.Option(help="The account's email address")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable it again (and clear any lock-out) instead")] = False,
) -> None:
    """Disable a sign-in account, ending its sessions at once; or, with --enable, enable and unlock it."""
    from sqlmodel import Session

    from app.accounts.service import set_user_disabled
    from app.core.db import get_engine
    from app.core.errors import AppError

    with Session(get_engine()) as session:
        try:
            user = set_user_disabled(session, email, not enable)
        except AppError as exc:
            console.print(exc.message)
            raise typer.Exit(1) from None
    console.print(f"{'Enabled' if enable else 'Disabled'} the account for {user.email}.")


@app.command("purge-submissions")
def purge_submissions(
    days: Annotated[int | None, typer.Option(help="Retention in days (default: SUBMISSION_RETENTION_DAYS)")] = None,
) -> None:
    """Delete submitters' names, emails and notes from submissions decided longer ago than the retention period."""
    from sqlmodel import Session

    from app.core.db import get_engine
    from app.submissions.moderation import purge_private_details

    with Session(get_engine()) as session:
        count = purge_private_details(session, days)
    console.print(f"Deleted the private details of {count} decided submission{'s' * (count != 1)}.")


@app.command("purge-shortlists")
def purge_shortlists() -> None:
    """Delete the shortlists that have expired (SHORTLIST_DAYS after they were made), with their notes."""
    from sqlmodel import Session

    from app.core.db import get_engine
    from app.shortlists.service import purge_expired

    with Session(get_engine()) as session:
        count = purge_expired(session)
    console.print(f"Deleted {count} expired shortlist{'s' * (count != 1)}.")


@app.command("stale")
def stale(
    area: Annotated[str | None, typer.Option(help="Only places inside this council area (ONS code, e.g. E08000003)")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many places")] = 1000,
    csv: Annotated[bool, typer.Option("--csv", help="Write CSV (with a header row) instead of tab-separated lines")] = False,
) -> None:
    """List published places not verified for over STALE_AFTER_DAYS (365) days, least recently verified first."""
    import csv as csv_module
    import sys

    from sqlmodel import Session

    from app.assets.filters import Criteria, filters_for
    from app.assets.repository import list_stale
    from app.core.db import get_engine
    from app.core.errors import AppError

    with Session(get_engine()) as session:
        try:
            filters, params = filters_for(session, Criteria(area=area))
        except AppError as exc:
            console.print(exc.message, markup=False)
            raise typer.Exit(1) from None
        total, rows = list_stale(session, filters, params, limit, 0)
    lines = [
        [r["name"], f"{r['last_verified_at']:%Y-%m-%d}" if r["last_verified_at"] else "not yet checked", r["postcode"] or "", str(r["id"])]
        for r in rows
    ]
    if csv:
        writer = csv_module.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["name", "last_verified", "postcode", "id"])
        writer.writerows(lines)
    else:
        for line in lines:
            typer.echo("\t".join(line))
    more = f" (showing the first {len(rows):,}; use --limit for more)" if total > len(rows) else ""
    console.print(f"{total:,} published place{'s' * (total != 1)} not verified for over {get_settings().stale_after_days} days{more}.")


@import_app.command("postcodes")
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


@import_app.command("oruk")
def import_oruk(
    source: Annotated[str, typer.Argument(help="Base URL of an Open Referral UK API (e.g. https://example.org/oruk) or a folder of JSON files")],
    status: Annotated[str, typer.Option(help="Status of new assets: published, or pending to review them first")] = "published",
    default_category: Annotated[str, typer.Option(help="Category slug for services none of whose terms match ours")] = "charities",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and check everything, save nothing")] = False,
) -> None:
    """Import another directory's Open Referral UK (HSDS-UK-3.0) services as assets; running it again updates them."""
    from app.core.errors import AppError
    from app.openreferral.feed import FeedError
    from app.openreferral.importer import Options, run_import

    options = Options(status=_new_asset_status(status), default_category=default_category, dry_run=dry_run)
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


@import_app.command("osm")
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


@import_app.command("boundaries")
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


def _import_file(kind: str, file: Path, mapping: Path, dry_run: bool, status: str) -> None:
    from app.core.errors import AppError
    from app.imports.readers import import_file

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


@import_app.command("csv")
def import_csv(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A UTF-8 CSV file with a header line")],
    mapping: Annotated[Path, Mapping],
    dry_run: Annotated[bool, DryRun] = False,
    status: Annotated[str, Status] = "published",
) -> None:
    """Import a CSV file as assets through a mapping; running it again updates them (docs/imports.md)."""
    _import_file("csv", file, mapping, dry_run, status)


@import_app.command("geojson")
def import_geojson(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A GeoJSON FeatureCollection")],
    mapping: Annotated[Path, Mapping],
    dry_run: Annotated[bool, DryRun] = False,
    status: Annotated[str, Status] = "published",
) -> None:
    """Import a GeoJSON file's features as assets through a mapping over their properties (docs/imports.md)."""
    _import_file("geojson", file, mapping, dry_run, status)


@app.command("imports")
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


@app.command("load-demo")
def load_demo(
    postcodes: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Postcode file (default: all UK)")] = None,
    outcodes: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Outcode centroids file")] = None,
    boundaries: Annotated[
        list[str] | None, typer.Option(help="LEVEL=FILE outlines to load instead of the four UK files (repeatable)")
    ] = None,
    libraries: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Libraries CSV")] = None,
    gp_practices: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="GP practices CSV")] = None,
    osm: Annotated[
        list[Path] | None, typer.Option(exists=True, dir_okay=False, help="OpenStreetMap files instead of the shared extracts (repeatable)")
    ] = None,
) -> None:
    """Load the demo data (postcodes, outlines, libraries, GP practices, OpenStreetMap places); safe to run again.

    What is loaded from where, and the licences: docs/demo-data.md.
    """
    from dataclasses import replace

    from app.core.errors import AppError
    from app.imports.demo import default_data
    from app.imports.demo import load_demo as load

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


def main() -> None:
    """The `assetmap` command. A database that is not set, or cannot be reached, is one line, not a traceback."""
    from sqlalchemy.exc import OperationalError

    from app.core.db import DatabaseNotConfigured

    try:
        app()
    except DatabaseNotConfigured as exc:
        console.print(str(exc), markup=False, soft_wrap=True)
        raise SystemExit(1) from None
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        console.print(f"Cannot reach the database ({reason}). Check DATABASE_URL, or run `make run`.", markup=False, soft_wrap=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
