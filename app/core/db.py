"""The database engine and sessions. One engine per process, created lazily from settings.

The one place outside the entry points (create_app, the CLI's commands) that reads the process's settings
(`get_settings()`): the engine and its pool belong to the process, not to an app, and are made before any request and
shared by every app and command in it, so there is no request or caller to take DATABASE_URL and the pool's sizes from.
Everything else takes its settings from its caller."""

from collections.abc import Iterator
from functools import lru_cache

import psycopg
from sqlalchemy import Engine, TextClause, text
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session, create_engine

from app.core.config import get_settings


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
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(plain, autocommit=autocommit, connect_timeout=5)


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return create_engine(
        database_url(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": 5,
            # JIT compiling pays off only for long analytic queries; on this app's short ones PostgreSQL's cost
            # estimates (per-row subqueries, large tables) trigger it anyway and it costs 0.1 to 2 seconds a query.
            "options": f"-c statement_timeout={settings.db_statement_timeout_ms} -c jit=off",
        },
    )


def get_session() -> Iterator[Session]:
    with Session(get_engine()) as session:
        yield session


@lru_cache
def get_read_engine() -> Engine:
    """The same pool, with each statement in its own (autocommit) transaction."""
    return get_engine().execution_options(isolation_level="AUTOCOMMIT")


def get_read_session() -> Iterator[Session]:
    """A session for requests that only read (search, map layers, postcodes): no BEGIN/ROLLBACK round trips, and the
    connection keeps its prepared statements, which psycopg forgets on every ROLLBACK; so a search statement is
    planned once per connection instead of once per request (about 1 ms of a 2.5 ms search at 1M assets).
    """
    with Session(get_read_engine()) as session:
        yield session


@lru_cache(maxsize=512)
def cached_text(statement: str) -> TextClause:
    """`text(statement)`, parsed once: for statements run on every request (the search), where parsing the bind
    parameters again each time costs more than the lookup."""
    return text(statement)
