"""The nearby search's statements (its postcode's place, then the search), run on asyncio's own loop: psycopg's async
connections in a pool per database.

Every other read goes through SQLAlchemy's sync sessions (app/core/db.py), which a route runs in a worker thread.
The search is the app's hottest request, and the hop to that thread and back was about an eighth of its Python time
(docs/benchmarks.md, issue 17); here its statements are awaited instead. It follows the read sessions' rules exactly:
- on a usable replica (app/core/replicas.py picks it), unless the client must read from the primary;
- a statement that fails on a replica runs again on the primary, and the replica is skipped until a check finds it up;
- on the primary, a statement whose connection was lost (the database restarted since its last use) runs again once
  on a new one, and the pool's idle connections, which may be lost too, are closed;
- the same connection settings (statement timeout, no JIT, prepared statements unless DB_PREPARED_STATEMENTS is
  false) and pool sizes, and a pooled connection is pinged before use only when it has been idle a while.

A pool (`_Pool`) belongs to the event loop that made it (a uvicorn worker has one). It holds no connection until the
first search, and the app's lifespan closes those of its loop when it stops.
"""

import asyncio
import time
import weakref
from typing import Any

import psycopg
from sqlalchemy import Engine
from starlette.types import Scope

from app.core.config import Settings, libpq_url
from app.core.replicas import Replicas, driver_sql, reads_from_primary

IDLE = psycopg.pq.TransactionStatus.IDLE
PING_AFTER_IDLE_S = 1.0  # as app/core/db.py's pools
TIMEOUT_S = 30.0  # a caller's wait for a free connection, as SQLAlchemy's pool_timeout


class PoolTimeout(psycopg.OperationalError):
    """Every connection of the pool stayed in use for TIMEOUT_S (a 503, as the sync pool's TimeoutError)."""


class ConnectionLost(psycopg.OperationalError):
    """The statement's connection was closed under it (a restart, an idle timeout): another connection may succeed."""


class AsyncReads:
    """The async pools of one process: the primary's (`primary`, autocommit) and each replica's."""

    def __init__(self, primary: Engine, replicas: Replicas | None, settings: Settings) -> None:
        self._primary, self._replicas = primary, replicas
        self._kwargs: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": 5,
            "options": f"-c statement_timeout={settings.db_statement_timeout_ms} -c jit=off",
        }
        if not settings.db_prepared_statements:
            self._kwargs["prepare_threshold"] = None
        self._size, self._max_size = settings.db_pool_size, settings.db_pool_size + settings.db_max_overflow
        # By event loop (a loop that ended without the lifespan closing its pools takes them with it), then by engine
        # (the primary's or a replica's; an Engine hashes by identity, while its URL is written out to be hashed).
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Engine, _Pool]] = weakref.WeakKeyDictionary()

    async def one_row(self, scope: Scope, statement: str, params: dict[str, Any]) -> tuple[Any, ...]:
        """The one row of `statement` (with `:name` parameters), read as the module describes."""
        row = await self.first_row(scope, statement, params)
        if row is None:
            raise psycopg.ProgrammingError("The statement returned no row.")
        return row

    async def first_row(self, scope: Scope, statement: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row of `statement`, or None when it returns none; read as `one_row`."""
        sql = driver_sql(statement, self._primary.dialect)
        replica = None if self._replicas is None or reads_from_primary(scope) else await self._pick(self._replicas)
        if replica is not None:
            try:
                return await self._fetch_one(replica, sql, params)
            except (psycopg.OperationalError, psycopg.InterfaceError):
                self._replicas.failed(replica)  # type: ignore[union-attr]  # a replica was picked: there are some
        try:
            return await self._fetch_one(self._primary, sql, params)
        except ConnectionLost:
            return await self._fetch_one(self._primary, sql, params)

    async def close(self) -> None:
        """Closes the idle connections of the running event loop's pools (the app's lifespan, as it ends)."""
        for pool in self._pools.pop(asyncio.get_running_loop(), {}).values():
            await pool.close()

    @staticmethod
    async def _pick(replicas: Replicas) -> Engine | None:
        # A check of the replicas may wait on one that does not answer: never on the event loop.
        return await asyncio.to_thread(replicas.pick) if replicas.check_due() else replicas.pick(wait=False)

    async def _fetch_one(self, engine: Engine, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
        pool = self._pool(engine)
        conn = await pool.get()
        try:
            cursor = await conn.execute(sql, params)
            row = await cursor.fetchone()
        except psycopg.Error as error:
            if conn.broken or conn.closed:
                # Those idle beside it may have been closed too (the database restarted): the next caller, the retry
                # among them, gets a new connection rather than another dead one.
                await pool.close()
                raise ConnectionLost(str(error)) from error
            raise
        finally:
            await pool.put(conn)
        return row

    def _pool(self, engine: Engine) -> "_Pool":
        pools = self._pools.setdefault(asyncio.get_running_loop(), {})
        pool = pools.get(engine)
        if pool is None:
            pool = pools[engine] = _Pool(libpq_url(engine.url), self._kwargs, self._size, self._max_size)
        return pool


async def ping(conn: psycopg.AsyncConnection) -> None:
    await conn.execute("")


class _Pool:
    """Connections to one database on one event loop, as SQLAlchemy's QueuePool keeps them: at most `max_size` at
    once (a caller waits `TIMEOUT_S` for one, then fails), at most `size` kept idle, the most recently used handed out
    first, a broken or busy one dropped. A connection is made when a caller needs it, so a database that cannot be
    reached fails that caller at once (and a replica's read goes to the primary)."""

    def __init__(self, url: str, kwargs: dict[str, Any], size: int, max_size: int) -> None:
        self._url, self._kwargs, self._size = url, kwargs, size
        self._slots = asyncio.Semaphore(max_size)
        self._idle: list[tuple[psycopg.AsyncConnection, float]] = []  # (connection, idle since)

    async def get(self) -> psycopg.AsyncConnection:
        if self._slots.locked():  # all in use: wait (wait_for costs a task, so not when one is free)
            try:
                await asyncio.wait_for(self._slots.acquire(), TIMEOUT_S)
            except TimeoutError:
                raise PoolTimeout(f"No connection was free within {TIMEOUT_S} s.") from None
        else:
            await self._slots.acquire()
        try:
            while self._idle:
                conn, idle_since = self._idle.pop()
                if time.monotonic() - idle_since < PING_AFTER_IDLE_S:
                    return conn
                try:  # idle a while: the database may have closed it meanwhile
                    await ping(conn)
                    return conn
                except BaseException as error:  # a failed ping, or the request cancelled during it
                    await conn.close()
                    if not isinstance(error, psycopg.Error):
                        raise
            return await psycopg.AsyncConnection.connect(self._url, **self._kwargs)
        except BaseException:
            self._slots.release()
            raise

    async def put(self, conn: psycopg.AsyncConnection) -> None:
        try:
            # Only a connection at rest is kept: not one broken, nor one whose statement was cancelled mid-way (the
            # request's task was), which would still be running it.
            if conn.info.transaction_status == IDLE and len(self._idle) < self._size:
                self._idle.append((conn, time.monotonic()))
            else:
                await conn.close()
        finally:
            self._slots.release()

    async def close(self) -> None:
        """Closes the idle connections (those in use are closed or kept as they come back)."""
        idle, self._idle = self._idle, []  # taken first: another task may get or put one while this one awaits
        for conn, _ in idle:
            await conn.close()
