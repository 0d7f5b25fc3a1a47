"""The app through PgBouncer in transaction pooling mode (issue 17): Debian's PgBouncer (1.18) hands each transaction
any server connection, so psycopg's prepared statements break there and DB_PREPARED_STATEMENTS=false turns them off.

PgBouncer runs on a free port in front of the test server (bench/pgbouncer.py), and is stopped afterwards.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.core.config import libpq_url
from bench.pgbouncer import BINARY, pgbouncer
from tests.conftest import TEST_DATABASE_URL
from tests.processes import free_port, serving

pytestmark = [
    pytest.mark.skipif(not Path(BINARY).exists() or os.geteuid() != 0, reason="needs root and Debian's pgbouncer"),
    pytest.mark.slow,
]
M1 = {"lat": 53.4809, "lon": -2.2374}
NEARBY = "/api/v1/assets/nearby?lat=53.4809&lon=-2.2374&radius_m=2000"


@pytest.fixture
def bouncer() -> Iterator[str]:
    with pgbouncer(TEST_DATABASE_URL, free_port(), pool_size=4) as url:
        yield url


@pytest.fixture
def one_server_connection() -> Iterator[str]:
    with pgbouncer(TEST_DATABASE_URL, free_port(), pool_size=1) as url:
        yield url


@pytest.mark.parametrize("prepare_threshold", [5, None])
def test_prepared_statements_break_in_transaction_pooling(one_server_connection: str, prepare_threshold: int | None) -> None:
    """Two clients share PgBouncer's one server connection: each prepares its own statement under psycopg's first name
    (_pg3_0), and the second finds it taken. With prepared statements off (None, as DB_PREPARED_STATEMENTS=false
    sets) nothing is prepared and both work."""
    url = libpq_url(one_server_connection)
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
