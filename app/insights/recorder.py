"""Writes recorded searches to `search_demand` from a background thread, so recording never slows a search and a
failure to record never breaks one.

A search hands over its anonymised record (app/insights/service.record_search) and returns at once. The origin's
coordinates travel with the record only as far as the one INSERT that turns them into an LSOA code
(repository.RECORD); they are never written. Records still queued when the process stops are lost (a few seconds'
worth at most), and when the queue is full (the database unreachable for long) new ones are dropped: demand is a
statistic, not a log.
"""

import logging
import threading
from collections import deque
from typing import Any

from app.core.db import get_engine
from app.insights import repository

log = logging.getLogger(__name__)
MAX_QUEUED = 10_000
BATCH = 500
# How often the writer looks for records. A search does not wake it: waking a thread on every search cost the
# searching thread more than the rest of recording.
WAKE_S = 0.5

_pending: deque[dict[str, Any]] = deque()
_wake = threading.Event()
_written = threading.Condition()  # notified when a batch is done; guards _writing
_writing = False  # a batch taken from _pending is being written
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
        if len(_pending) >= MAX_QUEUED:
            log.warning("search demand: queue full, a search was not recorded")
            return
        _pending.append(record)
    except Exception:
        log.warning("search demand: a search could not be queued", exc_info=True)


def flush(timeout: float = 10.0) -> None:
    """Waits until every queued record is written (or has failed): for tests and an orderly shutdown."""
    with _written:
        _wake.set()
        _written.wait_for(lambda: not _pending and not _writing, timeout)


def _write_forever() -> None:
    global _writing
    while True:
        _wake.wait(WAKE_S)
        _wake.clear()
        while True:
            with _written:
                batch = [_pending.popleft() for _ in range(min(BATCH, len(_pending)))]
                _writing = bool(batch)
            if not batch:
                break
            try:
                with get_engine().begin() as conn:
                    repository.record_searches(conn, batch)
            except Exception as exc:
                # Only the exception's kind: its text could quote the statement's parameters (the origin).
                log.warning("search demand: %d searches could not be recorded (%s)", len(batch), type(exc).__name__)
            finally:
                with _written:
                    _writing = False
                    _written.notify_all()
