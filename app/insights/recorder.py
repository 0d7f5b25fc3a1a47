"""Writes recorded searches to `search_demand` from a background thread, so recording never slows a search and a
failure to record never breaks one.

A search hands over its anonymised record (app/insights/service.record_search) and returns at once. The origin's
coordinates travel with the record only as far as the one INSERT that turns them into an LSOA code
(repository.RECORD); they are never written. Records still queued when the process stops are lost (a few seconds'
worth at most), and when the queue is full (the database unreachable for long) new ones are dropped: demand is a
statistic, not a log.
"""

import logging
import queue
import threading
from typing import Any

from app.core.db import get_engine
from app.insights import repository

log = logging.getLogger(__name__)
MAX_QUEUED = 10_000
BATCH = 500

_queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=MAX_QUEUED)
_started = threading.Lock()
_thread: threading.Thread | None = None


def submit(record: dict[str, Any]) -> None:
    """Queues one search's record; never blocks and never raises."""
    global _thread
    try:
        if _thread is None or not _thread.is_alive():
            with _started:
                if _thread is None or not _thread.is_alive():
                    _thread = threading.Thread(target=_write_forever, name="search-demand", daemon=True)
                    _thread.start()
        _queue.put_nowait(record)
    except queue.Full:
        log.warning("search demand: queue full, a search was not recorded")
    except Exception:
        log.warning("search demand: a search could not be queued", exc_info=True)


def flush(timeout: float = 10.0) -> None:
    """Waits until every queued record is written (or has failed): for tests and an orderly shutdown."""
    done = threading.Event()

    def wait() -> None:
        _queue.join()
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    done.wait(timeout)


def _write_forever() -> None:
    while True:
        batch = [_queue.get()]
        while len(batch) < BATCH:
            try:
                batch.append(_queue.get_nowait())
            except queue.Empty:
                break
        try:
            with get_engine().begin() as conn:
                repository.record_searches(conn, batch)
        except Exception as exc:
            # Only the exception's kind: its text could quote the statement's parameters (the origin).
            log.warning("search demand: %d searches could not be recorded (%s)", len(batch), type(exc).__name__)
        finally:
            for _ in batch:
                _queue.task_done()
