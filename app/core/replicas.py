"""Streaming replicas for the read-only traffic (DATABASE_READ_URLS, docs/scaling.md): which of them may serve reads
now, a read session that falls back to the primary, and the clients that must read from the primary.

app/core/db.py makes the engines and routes each read session; nothing else needs to know replicas exist."""

import itertools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, TypeVar

import psycopg
from sqlalchemy import Dialect, Engine, text
from sqlalchemy import exc as sa_exc
from sqlmodel import Session
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_T = TypeVar("_T")
State = Literal["unknown", "up", "down", "lagging", "not a replica"]

# On a replica: whether it replays a primary's WAL, whether it has replayed all the primary had written a moment ago,
# and how old the last transaction it replayed is (the lag while it has not caught up; an idle primary writes nothing,
# so an old timestamp alone is no lag).
_REPLAY = text(
    "SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn() >= CAST(:primary AS pg_lsn), false), "
    "extract(epoch FROM now() - pg_last_xact_replay_timestamp())"
)
_PRIMARY_LSN = text("SELECT CAST(pg_current_wal_lsn() AS text)")


@dataclass
class Replica:
    engine: Engine  # in transactions, which server-side cursors (streamed downloads) need
    name: str  # host:port/database, never the user or password: /healthz shows it
    state: State = "unknown"
    lag_s: float | None = None
    autocommit: Engine = field(init=False)  # the same pool, each statement its own transaction

    def __post_init__(self) -> None:
        self.autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")


CHECK_WAIT_S = 0.5


class Replicas:
    """The replicas of one process. Their states are checked at most every `check_s` seconds, when the first request
    after that asks; a request never waits for another's check (it uses the states as they were). The check runs in
    a thread of its own, and the request that started it waits for it at most `CHECK_WAIT_S`: a check takes
    milliseconds, but one of a replica that does not answer would last its connection timeout (5 s)."""

    def __init__(self, engines: list[Engine], primary: Engine, max_lag_s: float, check_s: float) -> None:
        self.replicas = [Replica(e, f"{e.url.host}:{e.url.port or 5432}/{e.url.database}") for e in engines]
        self._primary, self._max_lag_s, self._check_s = primary, max_lag_s, check_s
        self._checked_at = -math.inf
        self._lock = threading.Lock()
        self._turn = itertools.count()

    def pick(self, streaming: bool = False, wait: bool = True) -> Engine | None:
        """A usable replica's engine (autocommit unless `streaming`), each in turn; None when there is none (then
        the primary serves the reads). `wait`: as `states`."""
        usable = [r for r in self.states(wait) if r.state == "up"]
        if not usable:
            return None
        replica = usable[next(self._turn) % len(usable)]
        return replica.engine if streaming else replica.autocommit

    def check_due(self) -> bool:
        """Whether the next `pick` or `states` starts a check (and may wait for it)."""
        return time.monotonic() - self._checked_at >= self._check_s

    def states(self, wait: bool = True) -> list[Replica]:
        """The replicas as last checked, after starting a check when one is due; `wait`: for it, up to
        `CHECK_WAIT_S` (never on an event loop)."""
        if self.check_due() and self._lock.acquire(blocking=False):
            done = threading.Event()

            def check() -> None:
                try:
                    self._check_all()
                finally:
                    self._lock.release()
                    done.set()

            threading.Thread(target=check, name="replica-check", daemon=True).start()
            if wait:
                done.wait(CHECK_WAIT_S)
        return self.replicas

    def failed(self, engine: Engine) -> None:
        """A statement failed on `engine` (a replica's, or one sharing its pool): it is skipped until the next check
        finds it up."""
        for replica in self.replicas:
            if replica.engine.pool is engine.pool:
                replica.state, replica.lag_s = "down", None

    def _check_all(self) -> None:
        try:
            with self._primary.connect() as conn:
                primary_lsn = conn.execute(_PRIMARY_LSN).scalar_one()
        except sa_exc.SQLAlchemyError:
            primary_lsn = None  # the primary is down: the replicas' lag cannot be judged, and they may as well serve
        for replica in self.replicas:
            self._check(replica, primary_lsn)
        self._checked_at = time.monotonic()

    def _check(self, replica: Replica, primary_lsn: str | None) -> None:
        try:
            with replica.autocommit.connect() as conn:
                in_recovery, caught_up, replay_age = conn.execute(_REPLAY, {"primary": primary_lsn}).one()
        except sa_exc.SQLAlchemyError:
            replica.state, replica.lag_s = "down", None
            return
        if not in_recovery:  # promoted, or a primary named by mistake: its data may have parted from the primary's
            replica.state, replica.lag_s = "not a replica", None
            return
        lag = 0.0 if caught_up or primary_lsn is None else float(replay_age if replay_age is not None else math.inf)
        replica.lag_s = round(lag, 3) if math.isfinite(lag) else None
        replica.state = "up" if lag <= self._max_lag_s else "lagging"


class ReadSession(Session):
    """A session that only reads. On a replica, a statement that fails there (the replica stopped or restarted, its
    pool is exhausted, or it cancelled the statement in a recovery conflict) runs again on the primary, and the replica
    is skipped until a check finds it up: a replica going down never fails a request. On the primary, a statement
    that found its pooled connection closed (the database restarted since it was last used; app/core/db.py pings only
    connections that were idle a while) runs again once on a new one. Each statement is its own transaction (the
    engines are autocommit), so running one again changes nothing else."""

    def __init__(self, bind: Engine, primary: Engine, replicas: Replicas | None) -> None:
        super().__init__(bind)
        self._primary, self._replicas = primary, replicas

    def _execute_internal(self, *args: Any, **kwargs: Any) -> Any:
        return self._with_fallback(super()._execute_internal, *args, **kwargs)

    def rows(self, statement: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of `statement` (with `:name` parameters), run on psycopg's own cursor instead of through
        SQLAlchemy's execution, and falling back as `execute` does. For the hot paths' one statement per request (the
        map layers; the nearby search's runs in app/core/async_reads.py), where SQLAlchemy's cache-key lookup and
        result objects cost about as much of the app's CPU as psycopg's own work (docs/benchmarks.md, issue 17)."""
        return self._with_fallback(self._fetch, statement, params)

    def one_row(self, statement: str, params: dict[str, Any]) -> tuple[Any, ...]:
        """As `rows`, for a statement that returns exactly one row (an aggregate)."""
        found = self.rows(statement, params)
        if not found:
            raise sa_exc.NoResultFound("The statement returned no row.")
        if len(found) > 1:
            raise sa_exc.MultipleResultsFound("The statement returned more than one row.")
        return found[0]

    def _fetch(self, statement: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        connection = self.connection()
        sql = driver_sql(statement, connection.dialect)
        try:
            return connection.connection.driver_connection.execute(sql, params).fetchall()
        except psycopg.Error as error:  # raised as SQLAlchemy would: its kind, and the connection dropped if lost
            lost = connection.dialect.is_disconnect(error, connection.connection.dbapi_connection, None)
            if lost:
                connection.invalidate(error)
                # The others the pool keeps may be lost too (the database restarted): a new pool, as SQLAlchemy's
                # own execution renews it on a disconnect, so the read's second try takes a new connection.
                connection.engine.dispose(close=False)
            raise sa_exc.DBAPIError.instance(sql, params, error, psycopg.Error, connection_invalidated=lost) from error

    def _with_fallback(self, run: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        try:
            return run(*args, **kwargs)
        except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError) as error:
            if self._replicas is not None and self.bind.pool is not self._primary.pool:
                self._replicas.failed(self.bind)
                self.bind = self._primary
            elif not getattr(error, "connection_invalidated", False):
                raise
            self.rollback()
            return run(*args, **kwargs)


@lru_cache(maxsize=64)
def driver_sql(statement: str, dialect: Dialect) -> str:
    """`statement` with its `:name` parameters written as psycopg takes them (`%(name)s`, and `%` doubled)."""
    return text(statement).compile(dialect=dialect).string


PRIMARY_COOKIE = "am_wrote"
_READ_PRIMARY = "assetmap.read_primary"
_READS = {"GET", "HEAD", "OPTIONS"}


def reads_from_primary(scope: Scope) -> bool:
    return scope.get(_READ_PRIMARY, False)


class ReadYourWrites:
    """Whoever changes something sees it at once, whatever a replica's lag: a client reads from the primary for
    `seconds` after a write (a cookie set on a write's successful answer, holding nothing but "1"), and so do signed-in
    sessions and API keys, which moderators and admins use. Installed only when there are replicas."""

    def __init__(self, app: ASGIApp, seconds: int, session_cookie: str, secure: bool) -> None:
        self.app, self.session_cookie = app, session_cookie
        self.cookie = f"{PRIMARY_COOKIE}=1; Max-Age={seconds}; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = HTTPConnection(scope)
        scope[_READ_PRIMARY] = bool(
            {PRIMARY_COOKIE, self.session_cookie} & client.cookies.keys() or "x-api-key" in client.headers
        )
        if scope["method"] in _READS or not self.seconds:
            await self.app(scope, receive, send)
            return

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                MutableHeaders(scope=message).append("set-cookie", self.cookie)
            await send(message)

        await self.app(scope, receive, send_marked)
