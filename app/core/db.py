"""The database engine and sessions. One engine per process, created lazily from settings.

The one place outside the entry points (create_app, the CLI's commands) that reads the process's settings
(`get_settings()`): the engine and its pool belong to the process, not to an app, and are made before any request and
shared by every app and command in it, so there is no request or caller to take DATABASE_URL and the pool's sizes from.
Everything else takes its settings from its caller.

Reads that may be a moment stale (get_read_session) go to a streaming replica when DATABASE_READ_URLS names some
(app/core/replicas.py); everything else, and every write, goes to the primary (DATABASE_URL). The nearby search's
statements (its postcode's place, the search) run on asyncio's loop instead of a worker thread, with the same rules
(get_async_reads, app/core/async_reads.py)."""

import time
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, NoReturn

import psycopg
from fastapi import Request
from sqlalchemy import Engine, TextClause, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlmodel import Session, create_engine

from app.core.async_reads import AsyncReads
from app.core.config import Settings, get_settings, libpq_url
from app.core.replicas import ReadSession, Replicas, reads_from_primary


class DatabaseNotConfigured(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "DATABASE_URL is not set: run `make run` (it provisions a local database and writes .env), or set "
            "DATABASE_URL to an existing PostGIS database (README, docs/deployment.md)."
        )


def database_url() -> str:
    url = get_settings().database_url
    if not url:
        raise DatabaseNotConfigured()
    return url


def connect(url: str | URL, autocommit: bool = False) -> psycopg.Connection:
    """A plain connection outside the app's pool, for provisioning: `url` in the app's SQLAlchemy form."""
    return psycopg.connect(libpq_url(url), autocommit=autocommit, connect_timeout=5)


def _create_engine(url: str, settings: Settings) -> Engine:
    """An engine on the primary or on a replica: the same pool sizes and connection settings for each."""
    connect_args: dict[str, object] = {
        "connect_timeout": 5,
        # JIT compiling pays off only for long analytic queries; on this app's short ones PostgreSQL's cost
        # estimates (per-row subqueries, large tables) trigger it anyway and it costs 0.1 to 2 seconds a query.
        "options": f"-c statement_timeout={settings.db_statement_timeout_ms} -c jit=off",
    }
    if not settings.db_prepared_statements:
        connect_args["prepare_threshold"] = None
    engine = create_engine(
        url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow, connect_args=connect_args
    )
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Checks a pooled connection on check-out only when it has been idle for `PING_AFTER_IDLE_S`: one that the
    database closed meanwhile (a restart, an idle timeout) is replaced before anyone uses it. SQLAlchemy's
    `pool_pre_ping` checks every check-out, a round trip per request, when under load connections are idle for
    milliseconds (docs/benchmarks.md, issue 17). A connection closed in the second before its next use fails that
    statement instead; the pool is then renewed, and read sessions run the statement again
    (app/core/replicas.py ReadSession)."""

    @event.listens_for(engine, "checkin")
    def checked_in(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except psycopg.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError() from error  # the pool connects again
            raise


@lru_cache
def get_engine() -> Engine:
    return _create_engine(database_url(), get_settings())


def get_session() -> Iterator[Session]:
    with Session(get_engine()) as session:
        yield session


@lru_cache
def get_read_engine() -> Engine:
    """The same pool, with each statement in its own (autocommit) transaction."""
    return get_engine().execution_options(isolation_level="AUTOCOMMIT")


@lru_cache
def get_replicas() -> Replicas | None:
    """The replicas DATABASE_READ_URLS names, with the same pool sizes as the primary; None without any."""
    settings = get_settings()
    if not settings.database_read_urls:
        return None
    engines = [_create_engine(url, settings) for url in settings.database_read_urls]
    return Replicas(engines, get_read_engine(), settings.read_replica_max_lag_s, settings.read_replica_check_s)


def read_session(request: Request, streaming: bool = False) -> ReadSession:
    """A session for a request that only reads: on a usable replica unless the client must see its own writes
    (replicas.ReadYourWrites), and on the primary otherwise. `streaming` (downloads read with `yield_per`): in a
    transaction, which PostgreSQL's server-side cursors need.

    The map layers open it in their route rather than take get_read_session as a dependency: FastAPI runs a
    generator dependency's start and its end in the thread pool, each apart from a sync route, so a request made
    three hops to a worker thread instead of one."""
    replicas = get_replicas()
    replica = None if replicas is None or reads_from_primary(request.scope) else replicas.pick(streaming)
    primary = get_engine() if streaming else get_read_engine()
    return ReadSession(replica or primary, primary, replicas)


def get_read_session(request: Request) -> Iterator[ReadSession]:
    """A session for requests that only read (map layers, ORUK, exports, insights): on a replica when there is a
    usable one; no BEGIN/ROLLBACK round trips, and the connection keeps its prepared statements, which psycopg
    forgets on every ROLLBACK; so a hot statement is planned once per connection instead of once per request (for
    the search, about 1 ms of a 2.5 ms search at 1M assets, when it ran here).
    """
    with read_session(request) as session:
        yield session


@lru_cache(maxsize=512)
def cached_text(statement: str) -> TextClause:
    """`text(statement)`, parsed once: for statements run on every request (the search), where parsing the bind
    parameters again each time costs more than the lookup."""
    return text(statement)


@lru_cache
def get_async_reads() -> AsyncReads:
    """The nearby search's async pools, on the primary and the replicas of get_read_engine and get_replicas."""
    return AsyncReads(get_read_engine(), get_replicas(), get_settings())


async def close_async_reads() -> None:
    """Closes the async pools of the running event loop, if any were made (the app's lifespan, as it ends)."""
    if get_async_reads.cache_info().currsize:
        await get_async_reads().close()


class NeedsDatabase(LookupError):
    """Raised by any use of CACHES_ONLY."""


class _CachesOnly:
    """Stands in for a session when a request is first built from what the process has cached (a postcode's place,
    the categories): any use of it raises NeedsDatabase, and the caller builds it again with a real session, in a
    worker thread. So the common request needs no thread, and a rare one loses only the first attempt."""

    def __getattr__(self, name: str) -> NoReturn:
        raise NeedsDatabase(name)


CACHES_ONLY: Any = _CachesOnly()
