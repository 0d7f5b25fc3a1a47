"""Files uploaded on the import page (/moderate/imports): kept under a random name until their import has run, then
deleted (docs/privacy.md). The page's mapping is the same YAML the CLI reads (app/imports/mapping.py)."""

import re
import secrets
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from app.accounts.service import Actor
from app.core.config import get_settings
from app.core.db import get_engine
from app.core.errors import AppError
from app.imports import repository
from app.imports.mapping import load_mapping
from app.imports.models import ImportMapping, ImportRun
from app.imports.readers import READERS, columns_and_rows, import_file, within
from app.imports.runner import ImportFileError, ProgressFn
from app.imports.suggest import as_yaml, source_name, suggest_mapping

KINDS = {".csv": "csv", ".geojson": "geojson", ".json": "geojson"}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
PREVIEW_ROWS = 20
FORGOTTEN_AFTER_S = 24 * 3600  # an upload never imported is deleted after a day (at the next upload)


def upload_dir() -> Path:
    path = get_settings().upload_dir
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Upload:
    token: str  # the file's random name, which the page's forms carry
    name: str  # the name it was uploaded with, as people know it
    kind: str  # csv or geojson

    @property
    def path(self) -> Path:
        return upload_dir() / f"{self.token}.{self.kind}"


def saved_mappings() -> list[ImportMapping]:
    """The mappings saved by earlier imports from the page, one per source."""
    with Session(get_engine()) as session:
        return repository.saved_mappings(session)


def save(name: str, data: bytes, saved: str | None = None) -> tuple[Upload, str]:
    """Keeps an uploaded file and gives its mapping: the one saved for source `saved`, else one suggested from its
    columns (YAML); ImportFileError with one message for a file that cannot be imported at all (its kind, empty, not
    UTF-8, no header), and then nothing is kept."""
    kind = KINDS.get(Path(name).suffix.lower())
    if kind is None:
        raise ImportFileError(f"{name} is not a .csv or .geojson file.")
    if not data.strip():
        raise ImportFileError(f"{name} is empty: expected a header line naming the columns.")
    _forget_old()
    upload = Upload(secrets.token_urlsafe(18), Path(name).name[:100], kind)
    upload.path.write_bytes(data)
    try:
        columns, rows = columns_and_rows(kind, upload.path)
    except ImportFileError as exc:
        discard(upload)
        raise ImportFileError(exc.message.replace(upload.path.name, upload.name)) from None
    if saved:
        with Session(get_engine()) as session:
            kept = repository.get_mapping(session, saved)
        if kept is not None:
            return upload, kept.mapping
    sample = {c: [r.get(c, "") for r in rows] for c in columns}
    return upload, as_yaml(suggest_mapping(columns, source_name(Path(name)), sample))


def find(token: str, name: str) -> Upload | None:
    """The upload with this token, if it is still here."""
    if not _TOKEN.match(token):
        return None
    for kind in ("csv", "geojson"):
        upload = Upload(token, Path(name).name[:100] or token, kind)
        if upload.path.is_file():
            return upload
    return None


def preview(
    upload: Upload, mapping_yaml: str, areas: tuple[str, ...] = ()
) -> list[tuple[str, dict | None, str | None, tuple[str, ...]]]:
    """The first rows as they would be stored: (line, fields, why it is left out, notes)."""
    mapping = load_mapping(_mapping_file(upload, mapping_yaml))
    rows = READERS[upload.kind](upload.path, mapping)[:PREVIEW_ROWS]
    if areas:
        with Session(get_engine()) as session:
            rows = within(session, rows, areas)
    return [(row.ref, row.fields, row.problem or row.skipped, row.notes) for row in rows]


@dataclass
class Progress:
    """An import the page started: rows done of the total, then its run or why it failed (`finished`)."""

    by: str  # the actor's label: only they follow it
    upload: Upload
    done: int = 0
    total: int | None = None
    run: ImportRun | None = None
    error: str | None = None
    finished: bool = False


# Imports started from the page, by upload token, in this process (a page follows its own import through the worker
# that started it: with several workers behind a proxy without sticky sessions the progress page may not find it).
_STARTED: dict[str, Progress] = {}
KEEP_FINISHED = 50


def start(upload: Upload, mapping_yaml: str, actor: Actor) -> Progress:
    """Runs the import in a thread of its own (the page follows it through `progress_of`); the mapping and the file's
    columns are checked first, so that what would refuse the whole file is said at once and the upload is kept."""
    preview(upload, mapping_yaml, actor.areas)
    progress = Progress(actor.label, upload)
    finished = [t for t, p in _STARTED.items() if p.finished]
    for token in finished[: max(0, len(finished) - KEEP_FINISHED)]:
        _STARTED.pop(token, None)
    _STARTED[upload.token] = progress

    def total(n: int) -> None:
        progress.total = n

    def advance(n: int) -> None:
        progress.done += n

    def work() -> None:
        try:
            progress.run = run(upload, mapping_yaml, False, actor, on_total=total, on_progress=advance)
        except AppError as exc:
            progress.error = exc.message
        finally:
            progress.finished = True

    threading.Thread(target=work, name=f"import {upload.name}", daemon=True).start()
    return progress


def progress_of(token: str, actor: Actor) -> Progress | None:
    progress = _STARTED.get(token)
    return progress if progress is not None and progress.by == actor.label else None


def run(
    upload: Upload, mapping_yaml: str, dry_run: bool, actor: Actor, on_total: ProgressFn | None = None,
    on_progress: ProgressFn | None = None,
) -> ImportRun:
    """Imports (or dry-runs) the upload through the mapping, for an area moderator only the rows inside their areas;
    after a real run the file is deleted and the mapping saved for its source (`saved_mappings`)."""
    try:
        path = _mapping_file(upload, mapping_yaml)
        run = import_file(
            upload.kind, upload.path, path, dry_run=dry_run, areas=actor.areas, on_total=on_total, on_progress=on_progress
        )
        if not dry_run and run.status == "succeeded":
            with Session(get_engine()) as session:
                repository.save_mapping(session, load_mapping(path).source, upload.kind, mapping_yaml, actor.label[:200])
                session.commit()
        return run
    finally:
        if not dry_run:
            discard(upload)


def _forget_old() -> None:
    """Deletes uploads (and their mappings) left for over FORGOTTEN_AFTER_S: files nobody imported."""
    cutoff = time.time() - FORGOTTEN_AFTER_S
    for path in upload_dir().iterdir():
        with suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def discard(upload: Upload) -> None:
    upload.path.unlink(missing_ok=True)
    upload.path.with_suffix(".yaml").unlink(missing_ok=True)


def _mapping_file(upload: Upload, mapping_yaml: str) -> Path:
    path = upload.path.with_suffix(".yaml")
    path.write_text(mapping_yaml, encoding="utf-8")
    if not path.read_text(encoding="utf-8").strip():
        raise ImportFileError("The mapping is empty.")
    return path
