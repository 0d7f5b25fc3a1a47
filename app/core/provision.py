"""Creating the database and bringing its schema up to date (used by the CLI and the tests)."""

import os
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from geoalchemy2 import alembic_helpers
from psycopg import errors as pg_errors
from psycopg import sql
from sqlalchemy.engine import make_url

from app.core import local_postgres
from app.core.config import PROJECT_ROOT, env_file
from app.core.db import connect
from app.core.local_postgres import EXTENSIONS, extensions_sql


class ProvisionError(RuntimeError):
    """The database cannot be made ready with the rights at hand; the message says what to run, or what to set."""


def ensure_database() -> str:
    """`assetmap init-db`: makes the configured database ready, or provisions one. Returns its URL.

    - DATABASE_URL in the environment, or in `.env` as an operator wrote it: that is the operator's database, used as
      it is. Its database and extensions are created with the role's own rights; what needs more rights is reported
      as the exact SQL a database administrator must run.
    - Otherwise the local server is provisioned through the `postgres` account (local_postgres.provision), and
      DATABASE_URL is written to `.env`. A URL written there by an earlier run is kept while it names the server that
      PGHOST/PGPORT choose and still connects.
    """
    path = env_file()
    url = os.environ.get("DATABASE_URL") or local_postgres.read_env(path).get("DATABASE_URL")
    ours = not os.environ.get("DATABASE_URL") and local_postgres.written_by_us(path)
    if url and (not ours or local_postgres.still_ours(url)):
        create_database(url)
        return url
    if not local_postgres.available():
        raise ProvisionError(
            "DATABASE_URL is not set, and there is no local PostgreSQL server to provision through the "
            f"'{local_postgres.ACCOUNT}' account (run scripts/ensure-system.sh as root to install one, or set "
            "DATABASE_URL to an existing database)."
        )
    return local_postgres.provision(path)


def create_database(url: str, *, as_superuser: bool = False) -> bool:
    """Creates the database named in `url` if it is missing, with its extensions. True if it was created.

    By default this uses only the URL's own role, and a right it lacks becomes a ProvisionError with the SQL to run.
    `as_superuser` (tests and benchmarks) works through the local `postgres` account when it serves the URL, so that
    the database belongs to the URL's ordinary role and the extensions exist, as after a DBA's set-up.
    """
    if as_superuser and local_postgres.serves(url):
        return local_postgres.create_database(url)
    target = make_url(url)
    role, database = target.username or "", target.database or ""
    created = False
    try:
        connect(url).close()
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise ProvisionError(f"Cannot connect to the database: {str(exc).strip()}") from None
        try:
            with connect(target.set(database="postgres"), autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            created = True
        except pg_errors.InsufficientPrivilege:
            raise ProvisionError(
                f"The role {role!r} may not create databases. A database administrator must run:\n"
                + dba_sql(role, database)
            ) from None
    missing = []
    with connect(url, autocommit=True) as conn:
        for name in EXTENSIONS:
            try:
                conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))
            except pg_errors.InsufficientPrivilege:
                missing.append(name)
    if missing:
        raise ProvisionError(
            f"The role {role!r} may not create the extension(s) {', '.join(missing)}. A database administrator must "
            f"run, connected to the database {database!r}:\n" + extensions_sql(missing, indent="  ")
        )
    return created


def dba_sql(role: str, database: str) -> str:
    """What a database administrator runs to give the app its own database (docs/deployment.md has the same)."""
    return (
        f'  CREATE DATABASE "{database}" OWNER "{role}";\n'
        f'  \\connect "{database}"\n' + extensions_sql(indent="  ")
    )


def drop_database(url: str, *, as_superuser: bool = False) -> None:
    if as_superuser and local_postgres.serves(url):
        local_postgres.drop_database(url)
        return
    target = make_url(url)
    with connect(target.set(database="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target.database)))


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["url"] = url
    config.attributes["configure_logger"] = False
    return config


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """What Alembic compares: our tables, not PostGIS's own (spatial_ref_sys, tiger, topology)."""
    if type_ == "table" and reflected and compare_to is None:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
