"""Read replicas (issue 17): the read-only traffic is served by a real streaming replica (a cluster made with
pg_basebackup from a primary cluster of the test's own), whoever writes reads their own writes from the primary, a
replica that stops mid-run fails no request, and one that is back is used again; a lagging one is skipped.

A search is shown to come from the replica by pausing its replay: a place added on the primary then is missing from
an anonymous search (the replica has not replayed it yet) and present for the client that added it.
"""

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import Engine, create_engine
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_api_key
from app.core.provision import create_database, migrate
from app.core.replicas import PRIMARY_COOKIE, Replicas
from app.web.browser import SESSION_COOKIE
from tests.clusters import Cluster, debian_cluster, replica_of, requires_clusters
from tests.processes import serving

pytestmark = [requires_clusters(), pytest.mark.slow]

PASSWORD = "replica-test"
LAT, LON = 53.4808, -2.2426
NEARBY = f"/api/v1/assets/nearby?lat={LAT}&lon={LON}&radius_m=2000&limit=100"


@dataclass
class Setup:
    base: str
    primary: Cluster
    replica: Cluster
    primary_url: str
    replica_url: str
    key: str


def _wait(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """Waits for `condition` (replication and checks take their time); fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still not {what} after {seconds} s"
        time.sleep(0.2)


def _caught_up(primary: Cluster, replica: Cluster) -> None:
    lsn = primary.psql("SELECT pg_current_wal_lsn()")
    _wait(lambda: replica.psql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") == "t", "replayed")


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    with debian_cluster() as primary:
        primary.psql(f"CREATE ROLE assetmap LOGIN PASSWORD '{PASSWORD}'")
        primary_url = f"postgresql+psycopg://assetmap:{PASSWORD}@127.0.0.1:{primary.port}/assetmap"
        create_database(primary_url, as_superuser=True)
        migrate(primary_url)
        with replica_of(primary) as replica:
            engine = create_engine(primary_url)
            with Session(engine) as session:
                key = create_api_key(session, "tests", Role.admin)[1]
            engine.dispose()
            _caught_up(primary, replica)  # the replica has replayed a transaction: its replay time is known
            replica_url = primary_url.replace(str(primary.port), str(replica.port))
            env = dict(os.environ) | {
                "DATABASE_URL": primary_url, "DATABASE_READ_URLS": replica_url, "READ_REPLICA_CHECK_S": "1",
                "READ_REPLICA_MAX_LAG_S": "3600", "SESSION_COOKIE_SECURE": "false", "DB_POOL_SIZE": "2",
                "DB_MAX_OVERFLOW": "1",
            }
            with serving(env) as base:
                yield Setup(base, primary, replica, primary_url, replica_url, key)


def _names(client: httpx.Client, path: str = NEARBY) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    return {item["name"] for item in response.json()["items"]}


def _add_place(client: httpx.Client, key: str) -> str:
    name = f"Replica test {uuid.uuid4().hex[:8]}"
    response = client.post("/api/v1/assets", headers={"X-API-Key": key}, json={
        "name": name, "categories": ["community-centres"], "lat": LAT, "lon": LON, "status": "published",
    })
    assert response.status_code == 201, response.text[:300]
    return name


def _served_by_the_replica(s: Setup) -> bool:
    """Whether anonymous reads come from the replica: with its replay paused, a place added on the primary is missing
    from them (and present for the client that added it, which reads from the primary)."""
    s.replica.psql("SELECT pg_wal_replay_pause()")
    try:
        with httpx.Client(base_url=s.base, timeout=30) as writer:
            name = _add_place(writer, s.key)
            assert writer.cookies.get(PRIMARY_COOKIE) == "1"
            assert name in _names(writer)  # reads its own write at once, without its key: the cookie
        with httpx.Client(base_url=s.base, timeout=30) as anyone:
            return name not in _names(anyone)
    finally:
        s.replica.psql("SELECT pg_wal_replay_resume()")
        _caught_up(s.primary, s.replica)


def test_the_read_only_traffic_is_served_by_the_replica(setup: Setup) -> None:
    assert _served_by_the_replica(setup)
    setup.replica.psql("SELECT pg_wal_replay_pause()")
    try:
        with httpx.Client(base_url=setup.base, timeout=30) as admin:
            name = _add_place(admin, setup.key)
        with httpx.Client(base_url=setup.base, timeout=30) as anyone:
            geojson = anyone.get(f"/api/v1/assets.geojson?bbox={LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}")
            assert geojson.status_code == 200
            assert name not in {f["properties"]["name"] for f in geojson.json()["features"]}
            export = anyone.get("/api/v1/export.csv")
            assert export.status_code == 200 and "Replica test" in export.text and name not in export.text
            oruk = anyone.get("/oruk/services?per_page=100")
            assert oruk.status_code == 200 and "Replica test" in oruk.text and name not in oruk.text
            finder = anyone.get(f"/finder?lat={LAT}&lon={LON}&radius_m=1609")  # the link workers' page too
            assert finder.status_code == 200 and "Replica test" in finder.text and name not in finder.text
            # A moderator or admin with a key, or signed in, reads from the primary on every request.
            keyed = anyone.get(NEARBY, headers={"X-API-Key": setup.key})
            assert name in {item["name"] for item in keyed.json()["items"]}
            signed_in = anyone.get(NEARBY, headers={"Cookie": f"{SESSION_COOKIE}=a-session"})
            assert name in {item["name"] for item in signed_in.json()["items"]}
    finally:
        setup.replica.psql("SELECT pg_wal_replay_resume()")
        _caught_up(setup.primary, setup.replica)
    with httpx.Client(base_url=setup.base, timeout=30) as anyone:
        assert name in _names(anyone)
    # Writes go to the primary: the replica's pool never sees one (a replica refuses writes).
    assert setup.replica.psql(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = 'assetmap' AND query ILIKE 'INSERT%'", "assetmap"
    ) == "0"


def test_a_replica_that_stops_mid_run_fails_no_request_and_is_used_again(setup: Setup) -> None:
    statuses: list[int] = []
    stop = threading.Event()

    def search() -> None:
        with httpx.Client(base_url=setup.base, timeout=30) as client:
            while not stop.is_set():
                statuses.append(client.get(NEARBY).status_code)
                client.get(f"/tiles/assets/14/{8089}/{5300}.pbf")

    def replica_state() -> str:
        body = httpx.get(f"{setup.base}/healthz", timeout=30).json()
        assert PASSWORD not in str(body)
        [replica] = body["replicas"]
        assert replica["database"] == f"127.0.0.1:{setup.replica.port}/assetmap"
        return replica["state"]

    def more(n: int) -> Callable[[], bool]:
        start = len(statuses)
        return lambda: len(statuses) >= start + n

    searching = threading.Thread(target=search)
    searching.start()
    try:
        _wait(more(20), "searching")
        assert replica_state() == "up"
        setup.replica.ctl("stop")
        try:
            _wait(more(50), "searching without the replica")
            assert replica_state() == "down"
        finally:
            setup.replica.ctl("start")
        _wait(lambda: replica_state() == "up", "up again")
        _wait(more(20), "searching with the replica back")
    finally:
        stop.set()
        searching.join()
    assert len(statuses) >= 90 and set(statuses) == {200}
    _caught_up(setup.primary, setup.replica)
    assert _served_by_the_replica(setup)


def _engine(url: str) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT")


def test_a_lagging_replica_is_skipped_until_it_catches_up(setup: Setup) -> None:
    primary, replica = _engine(setup.primary_url), _engine(setup.replica_url)
    strict = Replicas([replica], primary, max_lag_s=0, check_s=0)
    lenient = Replicas([replica], primary, max_lag_s=3600, check_s=0)
    setup.replica.psql("SELECT pg_wal_replay_pause()")
    try:
        setup.primary.psql("CREATE TABLE IF NOT EXISTS probe (n int); INSERT INTO probe VALUES (1)", "assetmap")
        assert strict.pick() is None and strict.replicas[0].state == "lagging" and strict.replicas[0].lag_s > 0
        assert lenient.pick() is not None and lenient.replicas[0].state == "up"
    finally:
        setup.replica.psql("SELECT pg_wal_replay_resume()")
    _wait(lambda: strict.pick() is not None, "caught up")
    assert strict.replicas[0].state == "up"
    primary.dispose()
    replica.dispose()
