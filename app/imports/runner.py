"""One way to run every file import (CSV, GeoJSON, OpenStreetMap): read, check, upsert, report, record.

A reader turns a file into `SourceRow`s. It raises `ImportFileError` when the file as a whole is unusable (wrong
encoding, missing columns, broken JSON, truncated pbf); because the whole file is read before anything is written,
such a failure leaves the database unchanged. A row that is merely bad carries a `problem` and is reported with its
`ref` (line number, feature index or OSM id) while the good rows are saved. Each row is applied through
`assets.service.upsert_by_source` in its own savepoint, so a re-run changes nothing and a changed row updates the asset
and records its history. Every run, also a failed or dry one, is recorded in `import_run` (`assetmap imports`).
"""

import gc
import gzip
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from queue import Queue
from typing import Any, BinaryIO

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.assets.models import AssetStatus
from app.assets.schemas import AssetCreate
from app.assets.service import flag_duplicates, retire_by_source, upsert_by_source, upsert_many_by_source
from app.core.config import get_settings
from app.core.db import get_engine
from app.core.errors import AppError
from app.geo.uk import position_problem, position_problems
from app.imports.models import ImportRun
from app.imports.record import recorded_run

COMMIT_EVERY = 200
BULK_CHUNK = 20_000  # rows a bulk import stages, applies and commits at a time
BULK_WRITERS = 2  # chunks written at once (`_apply_bulk`)
# The reported rows a run keeps, per kind: thousands of skipped objects (most of an OSM file) or notes never crowd out
# the failures, which are what a person has to act on. The run's counts always hold the totals.
RECORDED_PER_KIND = {"failed": 10_000, "archived": 10_000, "skipped": 500, "notes": 500}


class ImportFileError(AppError):
    """The file cannot be imported at all; the message says why in words a person can act on."""

    status_code = 422


@dataclass(frozen=True)
class SourceRow:
    """One record of a source file: the asset fields it gives, or why it cannot be used."""

    ref: str  # where it is in the file, e.g. "line 12", "feature 3", "way 4242"
    fields: dict[str, Any] | None = None  # AssetCreate fields, including source and external_id
    problem: str | None = None  # set when the row cannot be imported (counted and reported as "failed")
    notes: tuple[str, ...] = ()  # imported, but something was changed on the way (reported, not an error)
    skipped: str | None = None  # set when the row is left out on purpose, e.g. not a community place ("skipped")
    # Set when the source says the record is no longer a place to list (private, nameless, uncategorised, defunct):
    # the asset with `key` (source, external id), if there is one, is archived with this reason ("archived"); with no
    # such asset the row is reported as `skipped` or `problem` says.
    gone: str | None = None
    key: tuple[str, str] | None = None
    # The digest of the row's cells (app/imports/digests.py), stored with its identifier when the bulk path writes it
    # without notes; `unchanged` (with its `key`) when that stored digest says the row would change nothing, so it
    # is not read.
    digest: bytes | None = None
    unchanged: bool = False


@dataclass
class Outcome:
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[dict[str, Any]] = field(default_factory=list)
    recorded: Counter[str] = field(default_factory=Counter)

    def report(self, ref: str, kind: str, message: str) -> None:
        self.counts[kind] += 1
        self._keep({"ref": ref, "kind": kind, "message": message})

    def merge(self, later: "Outcome") -> None:
        """Adds the outcome of later rows: their counts, and their reported rows while there is room."""
        self.counts.update(later.counts)
        for problem in later.problems:
            self._keep(problem)

    def _keep(self, problem: dict[str, Any]) -> None:
        if self.recorded[problem["kind"]] < RECORDED_PER_KIND.get(problem["kind"], 500):
            self.recorded[problem["kind"]] += 1
            self.problems.append(problem)


def unrecorded(counts: Mapping[str, int], problems: list[dict[str, Any]]) -> dict[str, int]:
    """How many reported rows of each kind a run counted but did not keep (see RECORDED_PER_KIND)."""
    kept = Counter(p["kind"] for p in problems)
    return {kind: counts.get(kind, 0) - kept[kind] for kind in RECORDED_PER_KIND if counts.get(kind, 0) > kept[kind]}


ProgressFn = Callable[[int], None]


def numbered(reader: Any) -> Iterator[tuple[int, Any]]:
    """Each record of a `csv` reader with the line it starts on (a quoted value may run over several lines)."""
    line = reader.line_num
    for record in reader:
        yield line + 1, record
        line = reader.line_num


# What reading a cut-short or corrupt .gz file raises (gzip.BadGzipFile is also an OSError).
BROKEN_GZIP = (EOFError, zlib.error, gzip.BadGzipFile)


def is_gzip(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def plain_suffix(path: Path) -> str:
    """The file's kind by its name, a .gz left out: ".csv" for both places.csv and places.csv.gz."""
    return (path.with_suffix("") if is_gzip(path) else path).suffix.lower()


def open_file(path: Path) -> BinaryIO:
    """Every importer opens its file here (directly or through `read_text`): its bytes, decompressed as they are read
    when the name ends in .gz, so any import file may be gzip-compressed. A broken .gz raises one of BROKEN_GZIP as it
    is read."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")  # type: ignore[return-value]


def read_text(path: Path, error: type[AppError] = ImportFileError) -> str:
    """The whole file (through `open_file`) as UTF-8 text, a leading byte-order mark dropped; `error`, with a message
    a person can act on, when it cannot be read, is a broken .gz or is not UTF-8."""
    try:
        with open_file(path) as handle:
            data = handle.read()
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            f"{path.name} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at position {exc.start:,}). "
            "Save it as UTF-8 (in Excel: 'CSV UTF-8') and import it again."
        ) from None
    except BROKEN_GZIP as exc:
        raise error(f"{path.name} is not a complete gzip file ({exc}); nothing was imported.") from None
    except OSError as exc:
        raise error(f"Cannot read {path.name}: {exc.strerror or exc}.") from None


def file_source(path: Path) -> str:
    """How a run names its file: the full path and size, so a changed file is told from the one loaded before."""
    return f"{path.resolve()} ({path.stat().st_size:,} bytes)"


def run_import(
    kind: str,
    source: str,
    read: Callable[[], Iterable[SourceRow]],
    *,
    dry_run: bool = False,
    status: AssetStatus = AssetStatus.published,
    on_total: ProgressFn | None = None,
    on_progress: ProgressFn | None = None,
    bulk: bool = False,
) -> ImportRun:
    """Reads every row (a broken file fails here, before any write), applies the good ones and records the run.

    `status` is given to new assets only; an update leaves an asset's status alone. `bulk`: see `apply_rows`.
    """
    with recorded_run(kind, source, dry_run) as run, _collector_paused():
        rows = list(read())
        if on_total:
            on_total(len(rows))
        since = datetime.now(UTC)
        with Session(get_engine()) as session:
            outcome = apply_rows(session, rows, kind, status, dry_run, on_progress, bulk)
            sources = sorted(
                {row.fields["source"] for row in rows if row.fields and row.fields.get("source")}
                | {row.key[0] for row in rows if row.unchanged and row.key}
            )
            if sources and not dry_run and (found := flag_duplicates(session, sources, since, get_settings())):
                outcome.counts["possible_duplicates"] = found
        run.counts = dict(outcome.counts)
        run.errors = outcome.problems
        run.message = summary(outcome, dry_run)
    return run


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pauses Python's cycle collector for a run. The rows read (hundreds of thousands of objects) live until the run
    ends, and every full collection walked them all again: on a 100,000-row file about as long as the import's own
    Python work. Nearly all the run's garbage is freed by reference counting anyway; the rest waits until the end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def apply_rows(
    session: Session,
    rows: Iterable[SourceRow],
    kind: str,
    status: AssetStatus = AssetStatus.published,
    dry_run: bool = False,
    on_progress: ProgressFn | None = None,
    bulk: bool = False,
) -> Outcome:
    """Upserts each good row in its own savepoint, or with `bulk` many rows at once (`_apply_bulk`); commits in
    batches, or rolls everything back on a dry run."""
    outcome = Outcome()
    actor = f"import:{kind}"
    if bulk:
        _apply_bulk(session, list(rows), actor, status, outcome, dry_run, on_progress)
        rows = ()
    for n, row in enumerate(rows, start=1):
        _apply_one(session, row, actor, status, outcome)
        if on_progress:
            on_progress(1)
        if n % COMMIT_EVERY == 0 and not dry_run:
            session.commit()
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return outcome


def _apply_bulk(
    session: Session, rows: list[SourceRow], actor: str, status: AssetStatus, outcome: Outcome, dry_run: bool,
    on_progress: ProgressFn | None,
) -> None:
    """Applies the rows BULK_CHUNK at a time through `upsert_many_by_source`; a row it does not take (a bad, gone or
    skipped one, or one it leaves to the one-row path) goes through `_apply_one`. Each row is reported in file order.

    BULK_WRITERS chunks are written at once, each in a session (and transaction) of its own, committed as it ends:
    most of a chunk's time is the database's, which then works on more than one core. The rows of a file are distinct
    (readers leave out a repeated id), so no two chunks write the same asset."""
    rows = _placed_rows(rows)
    chunks = [rows[start : start + BULK_CHUNK] for start in range(0, len(rows), BULK_CHUNK)]
    free: Queue[Session] = Queue()
    # A dry run keeps every writer's transaction open to the end, where another writer's ANALYZE
    # (bulk_repository._analyze_when_grown) would wait for it: it writes with one.
    writers = 1 if dry_run else min(BULK_WRITERS, len(chunks))
    extra = [Session(session.get_bind()) for _ in range(writers - 1)]
    for writer in (session, *extra):
        free.put(writer)

    def write(chunk: list[SourceRow]) -> Outcome:
        writer = free.get()
        try:
            part = Outcome()
            _apply_chunk(writer, chunk, actor, status, part)
            if not dry_run:
                writer.commit()
            return part
        finally:
            free.put(writer)

    pool = ThreadPoolExecutor(max_workers=writers)
    try:
        for chunk, part in zip(chunks, pool.map(write, chunks), strict=True):
            outcome.merge(part)
            if on_progress:
                on_progress(len(chunk))
    finally:
        pool.shutdown(cancel_futures=True)  # after a failed chunk, no more are begun
        for writer in extra:
            writer.close()  # a dry run's writes roll back with it


def _apply_chunk(session: Session, chunk: list[SourceRow], actor: str, status: AssetStatus, outcome: Outcome) -> None:
    """Writes the rows of `chunk` the bulk path takes in one go and the others one by one, reporting each in order."""
    ready: list[tuple[int, AssetCreate, tuple[str, ...], bytes | None]] = []
    for i, row in enumerate(chunk):
        if _writable(row):  # its position already checked by `_placed_rows`
            with suppress(ValidationError):
                ready.append((i, AssetCreate.model_validate(row.fields), row.notes, None if row.notes else row.digest))
    results = upsert_many_by_source(
        session, [data for _, data, _, _ in ready], actor, status, [digest for *_, digest in ready]
    )
    done = {i: (result, notes) for (i, _, notes, _), result in zip(ready, results, strict=True) if result is not None}
    for i, row in enumerate(chunk):
        if i not in done:
            _apply_one(session, row, actor, status, outcome)
            continue
        result, notes = done[i]
        outcome.counts[result] += 1
        for note in notes:
            outcome.report(row.ref, "notes", note)


def _apply_one(session: Session, row: SourceRow, actor: str, status: AssetStatus, outcome: Outcome) -> None:
    if row.unchanged:
        outcome.counts["unchanged"] += 1
        return
    if row.gone and row.key:
        with session.begin_nested():
            retired = retire_by_source(session, *row.key, actor)
        if retired == "archived":
            outcome.report(row.ref, "archived", row.gone)
            return
        if retired == "kept":
            outcome.report(row.ref, "notes", f"{row.gone}; another source still lists this place, so it stays on the map")
            return
    if row.skipped:
        outcome.report(row.ref, "skipped", row.skipped)
        return
    if row.problem or row.fields is None:
        outcome.report(row.ref, "failed", row.problem or "nothing to import")
        return
    fields, notes = placed(row.fields, row.notes)
    if fields is None:
        outcome.report(row.ref, "failed", notes[-1])
        return
    try:
        data = AssetCreate.model_validate(fields)
        with session.begin_nested():
            result = upsert_by_source(session, data, actor, new_status=status)
    except (ValidationError, AppError, DBAPIError) as exc:
        outcome.report(row.ref, "failed", reason(exc))
        return
    outcome.counts[result] += 1
    for note in notes:
        outcome.report(row.ref, "notes", note)


def placed(fields: dict[str, Any], notes: tuple[str, ...] = ()) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """Checks a row's latitude/longitude (`app.geo.uk`): 0,0 or a position outside the UK, the Isle of Man and the
    Channel Islands gives way to the row's postcode, with a note; without a postcode the row cannot be used (None, and
    the reason as the last note)."""
    position = _position(fields)
    return _moved(fields, notes, position_problem(*position) if position else None)


def _placed_rows(rows: list[SourceRow]) -> list[SourceRow]:
    """The rows a bulk import writes, each `placed` (a row it leaves without a place gets the reason as its
    `problem`), their positions tested all at once (`app.geo.uk.position_problems`) before the writers' threads
    start."""
    todo = {i: position for i, row in enumerate(rows) if _writable(row) and (position := _position(row.fields or {}))}
    problems = dict(zip(todo, position_problems(list(todo.values())), strict=True))
    out = []
    for i, row in enumerate(rows):
        if problems.get(i) is None:
            out.append(row)
            continue
        fields, notes = _moved(row.fields or {}, row.notes, problems[i])
        out.append(replace(row, fields=fields, notes=notes) if fields is not None else replace(row, problem=notes[-1]))
    return out


def _writable(row: SourceRow) -> bool:
    return not (row.gone or row.skipped or row.problem) and row.fields is not None


def _position(fields: dict[str, Any]) -> tuple[float, float] | None:
    lat, lon = fields.get("lat"), fields.get("lon")
    return (lat, lon) if isinstance(lat, (int, float)) and isinstance(lon, (int, float)) else None


def _moved(
    fields: dict[str, Any], notes: tuple[str, ...], problem: str | None
) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """`placed` once the position's `problem` is known."""
    if problem is None:
        return fields, notes
    if fields.get("postcode"):
        note = f"{problem}: placed at its postcode {fields['postcode']} instead"
        return fields | {"lat": None, "lon": None}, (*notes, note)
    return None, (*notes, f"{problem}, and there is no postcode to place it by")


def reason(exc: Exception) -> str:
    """A validation error as one line a person can read: "postcode: not a UK postcode; name: required"."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors())[:500]
    if isinstance(exc, DBAPIError):
        return f"the database refused it ({str(exc.orig).splitlines()[0] if exc.orig else exc})"[:500]
    return exc.message if isinstance(exc, AppError) else str(exc)


def summary(outcome: Outcome, dry_run: bool) -> str:
    return ("Dry run (nothing saved): " if dry_run else "") + (describe_counts(outcome.counts) or "nothing to import") + "."


def describe_counts(counts: dict[str, int]) -> str:
    """"3 created, 1 failed": the usual outcomes in a fixed order, then any others (stored JSONB keeps no order)."""
    order = ("created", "updated", "unchanged", "archived", "inactive_skipped", "skipped", "failed", "notes", "possible_duplicates")
    keys = [k for k in order if counts.get(k)] + sorted(k for k in counts if k not in order)
    return ", ".join(f"{counts[k]:,} {_SINGULAR.get(k, k) if counts[k] == 1 else k.replace('_', ' ')}" for k in keys)


_SINGULAR = {"notes": "note", "possible_duplicates": "possible duplicate"}
