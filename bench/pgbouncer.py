"""Debian's PgBouncer in transaction pooling mode on a free port, in front of a PostgreSQL server on this machine: for
the pooling benchmark (bench/pooling.py) and the test of the app through it (tests/core/test_pgbouncer.py).

It runs as the postgres account (PgBouncer refuses root), with its configuration in a folder of its own that is
removed afterwards. The server must let the URL's role in from 127.0.0.1 without a password (the test server trusts
local connections), as PgBouncer is told to trust its clients.
"""

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from app.core.config import Settings, libpq_url

BINARY = "/usr/sbin/pgbouncer"
ACCOUNT = "postgres"
STATEMENT_TIMEOUT_MS = Settings.model_fields["db_statement_timeout_ms"].default


def config(port: int, server: str, pool_size: int, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS) -> str:
    """pgbouncer.ini. The app's connection options (statement_timeout, jit) are a startup parameter PgBouncer does
    not pass on: it ignores them, and connect_query sets them on each server connection instead (docs/scaling.md)."""
    url = make_url(server)
    return f"""[databases]
* = host={url.host} port={url.port or 5432} connect_query='SET jit = off; SET statement_timeout = {statement_timeout_ms}'
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options
"""


@contextmanager
def pgbouncer(server: str, port: int, pool_size: int) -> Iterator[str]:
    """PgBouncer on `port` in front of `server` (a SQLAlchemy URL); yields the same URL through it."""
    folder = Path(tempfile.mkdtemp(prefix="assetmap-pgbouncer-"))
    (folder / "pgbouncer.ini").write_text(config(port, server, pool_size))
    (folder / "userlist.txt").write_text(f'"{make_url(server).username}" ""\n')
    for path in (folder, *folder.iterdir()):
        shutil.chown(path, ACCOUNT)
    process = subprocess.Popen(
        ["runuser", "-u", ACCOUNT, "--", BINARY, "pgbouncer.ini"], cwd=folder,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = make_url(server).set(port=port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(libpq_url(url)).close()
                break
            except psycopg.OperationalError:
                if process.poll() is not None:
                    raise RuntimeError(f"pgbouncer stopped: {process.stderr.read().decode()}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("pgbouncer did not answer within 30 s") from None
                time.sleep(0.1)
        yield url.render_as_string(hide_password=False)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder)
