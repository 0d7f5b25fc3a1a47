"""The app through PgBouncer in transaction pooling mode (issue 17): Debian's PgBouncer (1.18) hands each transaction
any server connection, so psycopg's prepared statements break there and DB_PREPARED_STATEMENTS=false turns them off.

PgBouncer runs as the postgres account (it refuses root) on a free port in front of the test server, with its own
configuration in a folder of the test's own; it is stopped and the folder removed afterwards.
"""

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from tests.conftest import TEST_DATABASE_URL
from tests.processes import free_port, serving

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
pytestmark = [
    pytest.mark.skipif(not Path(PGBOUNCER).exists() or os.geteuid() != 0, reason="needs root and Debian's pgbouncer"),
    pytest.mark.slow,
]
M1 = {"lat": 53.4809, "lon": -2.2374}
NEARBY = "/api/v1/assets/nearby?lat=53.4809&lon=-2.2374&radius_m=2000"


def _config(port: int, server: str, pool_size: int) -> str:
    url = make_url(server)
    # The app's connection options (statement_timeout, jit) are startup parameters PgBouncer does not pass on: it is
    # told to ignore them, and each server connection is given them by connect_query instead.
    return f"""
[databases]
* = host={url.host} port={url.port or 5432} connect_query='SET jit = off'
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
ignore_startup_parameters = extra_float_digits,options
"""


def _pgbouncer(pool_size: int) -> Iterator[str]:
    """PgBouncer in transaction pooling mode in front of the test server; yields the test database's URL through it."""
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="assetmap-pgbouncer-"))
    (folder / "pgbouncer.ini").write_text(_config(port, TEST_DATABASE_URL, pool_size))
    (folder / "userlist.txt").write_text(f'"{make_url(TEST_DATABASE_URL).username}" ""\n')
    shutil.chown(folder, "postgres")
    for file in folder.iterdir():
        shutil.chown(file, "postgres")
    process = subprocess.Popen(
        ["runuser", "-u", "postgres", "--", PGBOUNCER, "pgbouncer.ini"], cwd=folder,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = make_url(TEST_DATABASE_URL).set(port=port).render_as_string(hide_password=False)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)).close()
                break
            except psycopg.OperationalError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "pgbouncer did not answer within 30 s"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder)


@pytest.fixture
def bouncer() -> Iterator[str]:
    yield from _pgbouncer(pool_size=4)


@pytest.fixture
def one_server_connection() -> Iterator[str]:
    yield from _pgbouncer(pool_size=1)


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.mark.parametrize("prepare_threshold", [5, None])
def test_prepared_statements_break_in_transaction_pooling(one_server_connection: str, prepare_threshold: int | None) -> None:
    """Two clients share PgBouncer's one server connection: each prepares its own statement under psycopg's first name
    (_pg3_0), and the second finds it taken. With prepared statements off (None, as DB_PREPARED_STATEMENTS=false
    sets) nothing is prepared and both work."""
    url = _plain(one_server_connection)
    with psycopg.connect(url, autocommit=True, prepare_threshold=prepare_threshold) as first, \
            psycopg.connect(url, autocommit=True, prepare_threshold=prepare_threshold) as second:
        for _ in range(6):
            first.execute("SELECT count(*) FROM category").fetchone()
        try:
            for _ in range(6):
                second.execute("SELECT count(*) FROM postcode WHERE postcode = %s", ["M1 1AE"]).fetchone()
            failed = False
        except psycopg.errors.DuplicatePreparedStatement:
            failed = True
    assert failed == (prepare_threshold is not None)


def test_the_app_works_through_pgbouncer(bouncer: str, session: Session, admin_key: str) -> None:
    env = dict(os.environ) | {"DATABASE_URL": bouncer, "DB_PREPARED_STATEMENTS": "false", "DB_POOL_SIZE": "3"}
    headers = {"X-API-Key": admin_key}
    with serving(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        created = client.post("/api/v1/assets", headers=headers, json={
            "name": "Through the bouncer", "categories": ["community-centres"], **M1, "status": "published",
        })
        assert created.status_code == 201, created.text
        submitted = client.post("/api/v1/submissions", json={
            "kind": "new", "place": {"name": "Bouncer Knit and Natter", "categories": ["arts-crafts"], **M1},
        })
        assert submitted.status_code == 202, submitted.text
        sid = session.execute(
            text("SELECT id FROM submission WHERE reference = :r"), {"r": submitted.json()["reference"]}
        ).scalar_one()
        approved = client.post(f"/api/v1/moderation/submissions/{sid}/approve", json={"note": "ok"}, headers=headers)
        assert approved.status_code == 200, approved.text
        for _ in range(12):  # past psycopg's prepare threshold (5), on each of the app's connections
            found = client.get(NEARBY)
            assert found.status_code == 200, found.text
            assert {"Through the bouncer", "Bouncer Knit and Natter"} <= {i["name"] for i in found.json()["items"]}
        assert client.get("/tiles/assets/14/8089/5300.pbf").status_code in (200, 204)
        assert client.get("/healthz").json()["database"] == "ok"
