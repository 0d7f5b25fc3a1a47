"""The nearby search's statement on asyncio's loop (app/core/async_reads.py) keeps the read sessions' rules: a pooled
connection is pinged only after being idle, a read whose connection was closed since its last use runs again on a
new one and any other failure does not, a replica that fails hands the read to the primary and is skipped after;
and a search is built on the loop from the caches alone only when they hold all it needs (app/core/db.py
CACHES_ONLY), its postcode's place read into them on the loop too."""

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, text

from app.core import async_reads, db
from app.core.async_reads import AsyncReads, ConnectionLost
from app.core.config import get_settings
from app.core.errors import Invalid, NotFound
from app.core.replicas import _READ_PRIMARY, Replicas
from app.geo import service as geo
from app.geo.service import fetch_postcode, forget_places, locate_postcode
from app.search import routes, service
from app.search.schemas import NearbyQuery

BACKEND = "SELECT pg_backend_pid()"
ONE_CONNECTION = {"db_pool_size": 1, "db_max_overflow": 0}


def _reads(replicas: Replicas | None = None, **settings: Any) -> AsyncReads:
    return AsyncReads(db.get_read_engine(), replicas, get_settings().model_copy(update={**ONE_CONNECTION, **settings}))


def _run(use: Callable[[AsyncReads], Awaitable[Any]], reads: AsyncReads | None = None) -> Any:
    """`use(reads)` on an event loop of its own, the pools closed after."""
    reads = reads or _reads()

    async def main() -> Any:
        try:
            return await use(reads)
        finally:
            await reads.close()

    return asyncio.run(main())


def _terminate(pid: int) -> None:
    with db.get_engine().connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()


@pytest.fixture
def pings(monkeypatch) -> list[None]:
    made: list[None] = []
    ping = async_reads.ping

    async def counted(conn: psycopg.AsyncConnection) -> None:
        made.append(None)
        await ping(conn)

    monkeypatch.setattr(async_reads, "ping", counted)
    return made


def test_parameters_bind_as_the_sync_reads_bind_them(reads) -> None:
    """Named parameters, a literal `%` and a `::` cast, as the search's statement has them."""
    sql = "SELECT :name || '%' || CAST(:n AS int)::text || E', \\n ', :n * 2"
    got = _run(lambda r: r.one_row({}, sql, {"name": "50", "n": 2}))
    assert got == ("50%2, \n ", 4) == reads.one_row(sql, {"name": "50", "n": 2})


def test_a_connection_used_again_at_once_is_not_pinged(pings) -> None:
    async def backends(reads: AsyncReads) -> list[int]:
        return [(await reads.one_row({}, BACKEND, {}))[0] for _ in range(5)]

    found = _run(backends)
    assert found == [found[0]] * 5 and pings == []


def test_an_idle_connection_closed_by_the_database_is_replaced_before_use(pings, monkeypatch) -> None:
    async def use(reads: AsyncReads) -> tuple[int, int]:
        (first,) = await reads.one_row({}, BACKEND, {})
        await asyncio.to_thread(_terminate, first)
        monkeypatch.setattr(async_reads, "PING_AFTER_IDLE_S", 0.0)  # as if it had been idle long enough
        (second,) = await reads.one_row({}, BACKEND, {})
        return first, second

    first, second = _run(use)
    assert second != first and len(pings) == 1


def test_a_read_on_a_connection_closed_since_its_last_use_runs_again(pings, monkeypatch) -> None:
    monkeypatch.setattr(async_reads, "PING_AFTER_IDLE_S", 3600)  # however slow the termination, no ping finds it first
    async def use(reads: AsyncReads) -> tuple[int, int]:
        (first,) = await reads.one_row({}, BACKEND, {})
        await asyncio.to_thread(_terminate, first)
        (second,) = await reads.one_row({}, BACKEND, {})
        # Without the second try the statement fails (which is why there is one).
        await asyncio.to_thread(_terminate, second)
        with pytest.raises(ConnectionLost):
            await reads._fetch_one(db.get_read_engine(), BACKEND, {})
        return first, second

    first, second = _run(use)
    assert second != first and pings == []


def test_after_a_lost_connection_the_read_runs_again_on_a_new_one_not_another_idle_one(pings, monkeypatch) -> None:
    monkeypatch.setattr(async_reads, "PING_AFTER_IDLE_S", 3600)
    async def use(reads: AsyncReads) -> tuple[set[int], int]:
        held = "SELECT pg_backend_pid() FROM pg_sleep(0.2)"
        idle = {pid for (pid,) in await asyncio.gather(reads.one_row({}, held, {}), reads.one_row({}, held, {}))}
        for pid in idle:  # as a restart does: both connections the pool keeps are closed by the database
            await asyncio.to_thread(_terminate, pid)
        (after,) = await reads.one_row({}, BACKEND, {})
        return idle, after

    idle, after = _run(use, _reads(db_pool_size=2))
    assert len(idle) == 2 and after not in idle and pings == []


def test_a_read_that_fails_otherwise_is_not_run_again() -> None:
    async def use(reads: AsyncReads) -> int:
        with pytest.raises(psycopg.errors.DivisionByZero):
            await reads.one_row({}, "SELECT 1 / 0", {})
        return (await reads.one_row({}, "SELECT 1", {}))[0]  # and the connection serves the next read

    assert _run(use) == 1


def test_a_caller_waits_for_a_free_connection_and_gives_up_after_the_timeout(monkeypatch) -> None:
    monkeypatch.setattr(async_reads, "TIMEOUT_S", 0.5)

    async def use(reads: AsyncReads) -> list[Any]:
        # One connection: the second waits for the first to finish, the third times out behind a long one.
        waited = await asyncio.gather(reads.one_row({}, "SELECT pg_sleep(0.2), 1", {}), reads.one_row({}, "SELECT 2", {}))
        late = await asyncio.gather(
            reads.one_row({}, "SELECT pg_sleep(1.5)", {}), reads.one_row({}, "SELECT 3", {}), return_exceptions=True
        )
        return [row[-1] for row in waited] + [type(late[1])]

    assert _run(use) == [1, 2, async_reads.PoolTimeout]


def test_an_unreachable_database_fails_at_once_rather_than_after_the_timeout(monkeypatch) -> None:
    replicas = _up_but_unreachable()
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError):
        _run(lambda r: r._fetch_one(replicas.replicas[0].engine, "SELECT 1", {}), _reads(replicas))
    assert time.monotonic() - started < async_reads.TIMEOUT_S


def test_only_a_connection_at_rest_goes_back_to_the_pool() -> None:
    """Not one still in a transaction or a statement (a request cancelled mid-way), which the next would inherit."""

    async def use(reads: AsyncReads) -> tuple[bool, bool, int]:
        pool = reads._pool(db.get_read_engine())
        busy = await pool.get()
        await busy.execute("BEGIN")
        await pool.put(busy)
        at_rest = await pool.get()
        await pool.put(at_rest)
        return busy.closed, at_rest.closed, len(pool._idle)

    assert _run(use) == (True, False, 1)


def test_a_statement_with_no_row_is_an_error_not_an_answer() -> None:
    with pytest.raises(psycopg.ProgrammingError):
        _run(lambda r: r.one_row({}, "SELECT 1 WHERE false", {}))


def _up_but_unreachable() -> Replicas:
    """Replicas of one that was up at the last check and has stopped since (nothing listens on its port)."""
    engine = create_engine("postgresql+psycopg://assetmap@127.0.0.1:9/nowhere", connect_args={"connect_timeout": 2})
    replicas = Replicas([engine], db.get_read_engine(), max_lag_s=10, check_s=3600)
    replicas.replicas[0].state, replicas._checked_at = "up", time.monotonic()
    return replicas


def test_a_read_that_fails_on_a_replica_runs_on_the_primary_and_the_replica_is_skipped() -> None:
    replicas = _up_but_unreachable()
    primary_backend = db.get_read_engine().connect()
    try:
        expected = primary_backend.execute(text("SELECT current_database()")).scalar_one()
    finally:
        primary_backend.close()
    reads = _reads(replicas)
    assert _run(lambda r: r.one_row({}, "SELECT current_database()", {}), reads) == (expected,)
    assert replicas.replicas[0].state == "down" and replicas.pick() is None


def test_a_client_that_must_read_from_the_primary_never_reaches_a_replica() -> None:
    replicas = _up_but_unreachable()
    reads = _reads(replicas)
    assert _run(lambda r: r.one_row({_READ_PRIMARY: True}, "SELECT 1", {}), reads) == (1,)
    assert replicas.replicas[0].state == "up"  # not tried, so not found down


def test_a_check_that_is_due_is_waited_for_in_a_worker_thread_not_on_the_event_loop(monkeypatch) -> None:
    replicas = _up_but_unreachable()
    replicas._checked_at = -math.inf
    monkeypatch.setattr(replicas, "_check_all", lambda: setattr(replicas, "_checked_at", time.monotonic()))
    loop_thread = threading.get_ident()  # asyncio.run runs its loop in this thread
    picks: list[tuple[bool, bool, bool]] = []  # (a check was due, picked on the loop's thread, waiting for a check)
    pick = replicas.pick

    def watched(streaming: bool = False, wait: bool = True) -> Any:
        picks.append((replicas.check_due(), threading.get_ident() == loop_thread, wait))
        return pick(streaming, wait)

    monkeypatch.setattr(replicas, "pick", watched)

    async def twice(reads: AsyncReads) -> None:
        for _ in range(2):
            assert await reads.one_row({}, "SELECT 1", {}) == (1,)

    _run(twice, _reads(replicas))
    assert picks == [(True, False, True), (False, True, False)]


def test_a_search_is_built_from_the_caches_alone_only_when_they_hold_what_it_needs(session, reads) -> None:
    forget_places()
    query = NearbyQuery(postcode="M1 1AE")
    with pytest.raises(db.NeedsDatabase):
        service.nearby_search(db.CACHES_ONLY, query)  # the postcode has not been looked up
    with_database = service.nearby_search(reads, query)
    assert service.nearby_search(db.CACHES_ONLY, query) == with_database
    with pytest.raises(db.NeedsDatabase):
        service.nearby_search(db.CACHES_ONLY, NearbyQuery(postcode="M1 1AE", area="E08000003"))  # an area is read


@pytest.mark.parametrize("typed", ["m11ae", "M1", "CF10 1EP"])
def test_a_postcode_read_on_the_loop_is_the_place_the_sync_lookup_finds_and_is_kept(session, typed) -> None:
    forget_places()
    fetched = _run(lambda reads: fetch_postcode(reads, {}, typed))
    assert locate_postcode(db.CACHES_ONLY, typed) == fetched  # kept: found without the database
    forget_places()
    assert locate_postcode(session, typed) == fetched
    forget_places()


@pytest.mark.parametrize(("typed", "error"), [("ZZ9 9ZZ", NotFound), ("ZZ9", NotFound), ("hello", Invalid)])
def test_a_postcode_read_on_the_loop_is_refused_as_the_sync_lookup_refuses_it(session, typed, error) -> None:
    forget_places()
    with pytest.raises(error) as on_loop:
        _run(lambda reads: fetch_postcode(reads, {}, typed, field="near"))
    with pytest.raises(error) as in_thread:
        locate_postcode(session, typed, field="near")
    assert (on_loop.value.message, on_loop.value.field) == (in_thread.value.message, in_thread.value.field)
    assert geo._places == {}


def test_a_search_by_a_postcode_not_yet_looked_up_needs_no_worker_thread(client, monkeypatch) -> None:
    def in_a_thread(*args: Any) -> None:
        raise AssertionError("the search went to a worker thread")

    monkeypatch.setattr(routes, "_search_with_database", in_a_thread)
    forget_places()
    found = client.get("/api/v1/assets/nearby", params={"postcode": "cf10 1ep"})
    assert found.status_code == 200 and found.json()["origin"]["postcode"] == "CF10 1EP"
    unknown = client.get("/api/v1/assets/nearby", params={"postcode": "ZZ9 9ZZ"})
    assert unknown.status_code == 404 and "do not know the postcode 'ZZ9 9ZZ'" in unknown.json()["detail"]
    welsh = client.get("/api/v1/assets/nearby", params={"postcode": "ZZ9 9ZZ"}, headers={"Accept-Language": "cy"})
    assert welsh.status_code == 404 and "Nid ydym yn adnabod y cod post 'ZZ9 9ZZ'" in welsh.json()["detail"]
    forget_places()
