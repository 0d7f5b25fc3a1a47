"""The pool checks a connection before use only when it has been idle a while (app/core/db.py `_ping_when_idle`),
and a read that finds its connection closed by the database runs again on a new one, the pool renewed
(app/core/replicas.py), whether it runs through SQLAlchemy (`execute`) or on psycopg's cursor (`rows` and `one_row`,
the hot paths')."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, exc, text
from sqlmodel import Session

from app.core import db
from app.core.config import get_settings
from app.core.replicas import ReadSession

BACKEND = text("SELECT pg_backend_pid()")
# A read session's ways to run a statement (SQLAlchemy's execute, psycopg's cursor for one row or several), each
# giving the first column of the first row.
READS = {
    "execute": lambda session, sql, params: session.execute(text(sql), params).one()[0],
    "one_row": lambda session, sql, params: session.one_row(sql, params)[0],
    "rows": lambda session, sql, params: session.rows(sql, params)[0][0],
}
each_read = pytest.mark.parametrize("read", READS.values(), ids=READS.keys())


@pytest.fixture
def engine(database: str) -> Iterator[Engine]:
    """An engine of the app's kind with a pool of one connection, so each check-out gets the same one."""
    made = db._create_engine(database, get_settings().model_copy(update={"db_pool_size": 1, "db_max_overflow": 0}))
    try:
        yield made
    finally:
        made.dispose()


@pytest.fixture
def pings(engine: Engine, monkeypatch) -> list[None]:
    """The pings made on `engine`'s connections, one entry each."""
    made: list[None] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection) -> bool:
        made.append(None)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return made


def _backend(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(BACKEND).scalar_one()


def _terminate(pid: int) -> None:
    with db.get_engine().connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()


def test_a_connection_used_again_at_once_is_not_pinged(engine: Engine, pings: list[None]) -> None:
    first = _backend(engine)
    assert [_backend(engine) for _ in range(5)] == [first] * 5
    assert pings == []


def test_an_idle_connection_closed_by_the_database_is_replaced_before_use(engine, pings, monkeypatch) -> None:
    first = _backend(engine)
    _terminate(first)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # as if it had been idle long enough
    second = _backend(engine)
    assert second != first and len(pings) == 1


@each_read
def test_a_read_on_a_connection_closed_since_its_last_use_runs_again(engine, pings, read) -> None:
    first = _backend(engine)
    _terminate(first)
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    with ReadSession(reads, engine, None) as session:
        second = read(session, BACKEND.text, {})
    assert second != first and pings == []
    # Without the read session's second try, the statement fails (which is why it has one).
    _terminate(second)
    with Session(reads) as session, pytest.raises(exc.OperationalError) as failed:
        session.execute(BACKEND)
    assert failed.value.connection_invalidated


@each_read
def test_after_a_lost_connection_the_retry_takes_a_new_one_not_another_pooled_one(database, monkeypatch, read) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600)  # however slow the terminations, no ping finds them first
    two = db._create_engine(database, get_settings().model_copy(update={"db_pool_size": 2, "db_max_overflow": 0}))
    try:
        with two.connect() as a, two.connect() as b:
            pooled = {a.execute(BACKEND).scalar_one(), b.execute(BACKEND).scalar_one()}
        for pid in pooled:  # as a restart does: both connections the pool keeps are closed by the database
            _terminate(pid)
        with ReadSession(two.execution_options(isolation_level="AUTOCOMMIT"), two, None) as session:
            after = read(session, BACKEND.text, {})
        assert len(pooled) == 2 and after not in pooled
    finally:
        two.dispose()


@each_read
def test_a_read_that_fails_otherwise_is_not_run_again(engine, read) -> None:
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    with ReadSession(reads, engine, None) as session, pytest.raises(exc.DataError) as failed:
        read(session, "SELECT 1 / 0", {})
    assert not failed.value.connection_invalidated
    with ReadSession(reads, engine, None) as session:  # and the connection serves the next read
        assert read(session, "SELECT 1", {}) == 1


def test_rows_bind_parameters_as_execute_does(engine) -> None:
    """Named parameters, a literal `%` and a `::` cast, as the search's statement has them."""
    sql = "SELECT :name || '%' || CAST(:n AS int)::text || E', \\n '"
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    with ReadSession(reads, engine, None) as session:
        assert READS["one_row"](session, sql, {"name": "50", "n": 2}) == "50%2, \n "
        assert READS["one_row"](session, sql, {"name": "x", "n": 3}) == READS["execute"](session, sql, {"name": "x", "n": 3})
        with pytest.raises(exc.NoResultFound):
            session.one_row("SELECT 1 WHERE false", {})
        with pytest.raises(exc.MultipleResultsFound):
            session.one_row("SELECT generate_series(1, 2)", {})
        assert session.rows("SELECT n, n * :k FROM generate_series(1, 3) n", {"k": 10}) == [(1, 10), (2, 20), (3, 30)]
        assert session.rows("SELECT 1 WHERE false", {}) == []
