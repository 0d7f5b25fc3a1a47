"""Every import is recorded in `import_run` (listed by `assetmap imports`), also when it fails or is a dry run."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlmodel import Session

from app.core.db import get_engine
from app.core.errors import AppError
from app.imports.models import ImportRun


@contextmanager
def recorded_run(kind: str, source: str, dry_run: bool = False) -> Iterator[ImportRun]:
    """Yields the run, saved as "running"; the block fills in `counts`, `errors` and `message`.

    On leaving, the run is saved as succeeded, or as failed with the reason if the block raised (the error goes on).
    The record is written in its own session, so it survives the import's rollback.
    """
    with Session(get_engine(), expire_on_commit=False) as log:
        run = ImportRun(kind=kind, source=source, dry_run=dry_run)
        log.add(run)
        log.commit()
        try:
            yield run
            run.status = "succeeded"
        except BaseException as exc:
            run.status = "failed"
            run.message = (exc.message if isinstance(exc, AppError) else str(exc) or type(exc).__name__)[:1000]
            raise
        finally:
            run.finished_at = datetime.now(UTC)
            log.add(run)
            log.commit()
