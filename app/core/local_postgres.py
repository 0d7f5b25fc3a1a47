"""The local PostgreSQL server's superuser, reached the way Debian sets a server up: as the `postgres` operating-system
account over the Unix socket, with peer authentication and no password.

`assetmap init-db` (run by `make run`) provisions the app's own role and database through it when DATABASE_URL is not
set, and the tests and benchmarks create their throw-away databases through it. The app never connects this way: it
logs in over TCP as its own ordinary role, with the password written to `.env`.

`PGHOST` and `PGPORT` choose another local server, as they do for every PostgreSQL tool.
"""

import os
import pwd
import re
import secrets
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url

from app.core.db import connect

ACCOUNT = "postgres"
LOCAL_HOSTS = {None, "", "localhost", "127.0.0.1", "::1"}
EXTENSIONS = ("postgis", "pg_trgm", "unaccent", "uuid-ossp")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# The marker on the DATABASE_URL line that init-db writes, so that a later run may replace a URL it wrote itself
# (a new cluster, a lost password) but never one an operator wrote.
WRITTEN_BY_US = "# written by assetmap init-db"


class LocalServerError(RuntimeError):
    """The local server could not do what was asked; the message is psql's own."""


def available() -> bool:
    """Whether this process can act as the `postgres` account: the account and psql exist, and we are root (through
    runuser) or that account."""
    try:
        pwd.getpwnam(ACCOUNT)
    except KeyError:
        return False
    return shutil.which("psql") is not None and (os.geteuid() == 0 or _whoami() == ACCOUNT)


def serves(url: str) -> bool:
    """Whether `url` names a server on this machine that the `postgres` account can reach."""
    return make_url(url).host in LOCAL_HOSTS and available()


def psql(sql: str, database: str = "postgres", port: int | None = None) -> str:
    """Runs `sql` (one or more statements, read from standard input so that no password shows in the process list)
    as the superuser; returns what it printed, unaligned and without headers."""
    command = ["psql", "-X", "-q", "-A", "-t", "-w", "-v", "ON_ERROR_STOP=1", "-d", database, "-f", "-"]
    if port:
        command += ["-p", str(port)]
    if _whoami() != ACCOUNT:
        command = ["runuser", "-u", ACCOUNT, "--", *command]
    # The socket, where peer authentication lets the postgres account in: PGHOST only when it names a socket folder
    # (over TCP Debian asks for a password, which the postgres account has none of).
    env = {k: v for k, v in os.environ.items() if k not in ("PGUSER", "PGPASSWORD", "PGDATABASE", "PGSERVICE")}
    if not env.get("PGHOST", "/").startswith("/"):
        del env["PGHOST"]
    done = subprocess.run(command, input=sql, capture_output=True, text=True, cwd="/", env=env, check=False)
    if done.returncode != 0:
        raise LocalServerError(done.stderr.strip() or f"psql exited with {done.returncode}")
    return done.stdout.strip()


def create_database(url: str) -> bool:
    """Creates the database named in `url`, owned by the URL's role, with the extensions. True if it was created."""
    target = make_url(url)
    database, role = _identifier(target.database), _identifier(target.username or ACCOUNT)
    created = not psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'", port=target.port)
    if created:
        psql(f'CREATE DATABASE "{database}" OWNER "{role}"', port=target.port)
    psql(extensions_sql(), database=database, port=target.port)
    return created


def drop_database(url: str) -> None:
    target = make_url(url)
    psql(f'DROP DATABASE IF EXISTS "{_identifier(target.database)}" WITH (FORCE)', port=target.port)


def provision(env_path: Path, role: str = "assetmap", database: str = "assetmap") -> str:
    """Makes the app's own login role (not a superuser, owning only its database), the database and its extensions,
    and writes DATABASE_URL to `env_path`, readable by its owner only. A second run keeps the URL when it still
    connects, and otherwise gives the role a new password. Returns the URL."""
    role, database = _identifier(role), _identifier(database)
    host, port = _server()
    kept = read_env(env_path).get("DATABASE_URL")
    password = None if kept and still_ours(kept) else secrets.token_urlsafe(24)
    psql(
        f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE "{role}" LOGIN; END IF;
        END $$;
        ALTER ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
          {f"PASSWORD '{password}'" if password else ""};
        """,
        port=port,
    )
    url = URL.create("postgresql+psycopg", role, password, host, port, database)
    owner = psql(f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{database}'", port=port)
    if owner and owner != role:
        raise LocalServerError(
            f'The database "{database}" exists and belongs to "{owner}", not to "{role}". Set DATABASE_URL to use it '
            f'as it is, or drop it (as {ACCOUNT}: DROP DATABASE "{database}") and run this again.'
        )
    rendered = url.render_as_string(hide_password=False)
    create_database(rendered)
    if password is None:  # the URL in .env still works: keep it
        return kept
    write_env(env_path, "DATABASE_URL", rendered)
    return rendered


def _server() -> tuple[str, int]:
    """The local server PGHOST and PGPORT name (a socket folder in PGHOST means this machine's TCP address)."""
    host = os.environ.get("PGHOST", "")
    return (host if host and not host.startswith("/") else "127.0.0.1"), int(os.environ.get("PGPORT") or 5432)


def still_ours(url: str) -> bool:
    """Whether a URL init-db wrote still names the server PGHOST/PGPORT choose now, and still connects."""
    target = make_url(url)
    return (target.host, target.port or 5432) == _server() and connects(url)


def connects(url: str) -> bool:
    try:
        connect(url).close()
    except psycopg.OperationalError:
        return False
    return True


def read_env(path: Path) -> dict[str, str]:
    """The KEY=VALUE lines of a `.env` file (comments and blank lines left out)."""
    if not path.is_file():
        return {}
    values = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#"):
            values[key.strip()] = value.split(" #", 1)[0].strip().strip("'\"")
    return values


def written_by_us(path: Path) -> bool:
    return path.is_file() and any(
        line.startswith("DATABASE_URL=") and line.endswith(WRITTEN_BY_US) for line in path.read_text().splitlines()
    )


def write_env(path: Path, key: str, value: str) -> None:
    """Sets `key` in the `.env` file at `path`, keeping its other lines; the file is readable by its owner only."""
    lines = [line for line in (path.read_text().splitlines() if path.is_file() else []) if not line.startswith(f"{key}=")]
    lines.append(f"{key}={value}  {WRITTEN_BY_US}")
    # A new file beside it, private before anything is written, then moved over the old one (which may have been
    # readable by others): the password is never in a file others can read, and a crash leaves the old file whole.
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # whatever the umask
    with os.fdopen(fd, "w") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(draft, path)


def extensions_sql(names: Sequence[str] = EXTENSIONS, indent: str = "") -> str:
    """The statements that make `names`, one a line (for psql here, and for the administrator's instructions)."""
    return "".join(f'{indent}CREATE EXTENSION IF NOT EXISTS "{name}";\n' for name in names)


def _identifier(name: str | None) -> str:
    if not name or not _IDENTIFIER.match(name):
        raise LocalServerError(f"not a plain PostgreSQL name: {name!r} (lower-case letters, digits and _)")
    return name


def _whoami() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name
