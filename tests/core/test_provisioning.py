"""`make run`'s database steps on a server set up as Debian sets one up: peer authentication on the socket and
scram-sha-256 on TCP, so nothing connects without the right password (issue 20). The server is a throw-away cluster
of its own on another port, chosen through PGPORT as a user would."""

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from app.core.config import libpq_url
from app.core.local_postgres import read_env
from tests.clusters import Cluster, debian_cluster, requires_clusters
from tests.processes import serving

pytestmark = [requires_clusters(), pytest.mark.slow]
ASSETMAP = Path(sys.executable).with_name("assetmap")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with debian_cluster() as made:
        yield made


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ASSETMAP), *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def environment(cluster: Cluster, env_file: Path, **extra: str) -> dict[str, str]:
    """The environment of a user's shell: no DATABASE_URL (unless given), PGPORT naming the cluster."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    return env | {"PGPORT": str(cluster.port), "ASSETMAP_ENV_FILE": str(env_file), "COLUMNS": "200"} | extra


def test_the_cluster_refuses_what_a_trusting_one_allows(cluster: Cluster) -> None:
    """The premise: without a password, TCP is refused, as on a user's Debian machine."""
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres", connect_timeout=5)


def test_init_db_provisions_a_private_ordinary_role_and_the_app_serves(cluster: Cluster, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env = environment(cluster, env_file)
    done = run(env, "init-db")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    url = make_url(read_env(env_file)["DATABASE_URL"])
    assert (url.username, url.port, url.database) == ("assetmap", cluster.port, "assetmap") and url.password

    role = cluster.psql("SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication FROM pg_roles WHERE rolname = 'assetmap'")
    assert role == "f|f|f|f"
    owned = cluster.psql("SELECT string_agg(datname, ',') FROM pg_database WHERE pg_get_userbyid(datdba) = 'assetmap'")
    assert owned == "assetmap"
    extensions = cluster.psql("SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension", database="assetmap")
    assert {"postgis", "pg_trgm", "unaccent", "uuid-ossp"} <= set(extensions.split(","))

    written = env_file.read_text()
    assert run(env, "init-db").returncode == 0
    assert env_file.read_text() == written, "a second run reuses .env"

    done = run(env, "migrate")
    assert done.returncode == 0, done.stderr
    with serving(env) as base:
        health = httpx.get(f"{base}/healthz", timeout=5)
        assert health.status_code == 200 and health.json()["database"] == "ok"
        categories = httpx.get(f"{base}/api/v1/categories", timeout=5)
        assert categories.status_code == 200 and '"slug":"libraries"' in categories.text.replace(" ", "")


def test_a_lost_password_is_replaced_but_an_operators_url_is_not(cluster: Cluster, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env = environment(cluster, env_file)
    assert run(env, "init-db").returncode == 0
    cluster.psql("ALTER ROLE assetmap PASSWORD 'changed-by-someone'")
    assert run(env, "init-db").returncode == 0
    assert "changed-by-someone" not in env_file.read_text()
    with psycopg.connect(libpq_url(read_env(env_file)["DATABASE_URL"])):
        pass

    operators = tmp_path / "operators.env"
    operators.write_text(f"DATABASE_URL=postgresql+psycopg://assetmap:wrong@127.0.0.1:{cluster.port}/assetmap\n")
    done = run(environment(cluster, operators), "init-db")
    assert done.returncode == 1 and "password authentication failed" in done.stderr
    assert "wrong" in operators.read_text(), "a URL the operator wrote is never replaced"


def test_an_operators_role_without_rights_is_told_the_exact_sql(cluster: Cluster, tmp_path: Path) -> None:
    cluster.psql("CREATE ROLE limited LOGIN PASSWORD 'limited-pw'")
    url = f"postgresql+psycopg://limited:limited-pw@127.0.0.1:{cluster.port}/limited_db"
    env = environment(cluster, tmp_path / ".env", DATABASE_URL=url)

    done = run(env, "init-db")
    assert done.returncode == 1
    assert "may not create databases" in done.stderr
    assert 'CREATE DATABASE "limited_db" OWNER "limited";' in done.stderr
    assert 'CREATE EXTENSION IF NOT EXISTS "postgis";' in done.stderr
    assert not (tmp_path / ".env").exists(), "an operator's database is used as it is: no .env is written"

    # The administrator makes the database; the owner can make the trusted extensions, not PostGIS.
    cluster.psql('CREATE DATABASE limited_db OWNER limited')
    done = run(env, "init-db")
    assert done.returncode == 1
    assert 'CREATE EXTENSION IF NOT EXISTS "postgis";' in done.stderr and "pg_trgm" not in done.stderr

    cluster.psql('CREATE EXTENSION postgis', database="limited_db")
    done = run(env, "init-db")
    assert done.returncode == 0, done.stderr
    assert run(env, "migrate").returncode == 0


def test_commands_without_a_database_say_so_in_one_line(cluster: Cluster, tmp_path: Path) -> None:
    env = environment(cluster, tmp_path / "none.env")
    done = run(env, "migrate")
    assert done.returncode == 1
    assert done.stderr.strip().startswith("DATABASE_URL is not set") and "Traceback" not in done.stderr
    env = environment(cluster, tmp_path / "none.env", DATABASE_URL=f"postgresql+psycopg://nobody:x@127.0.0.1:{cluster.port}/x")
    done = run(env, "stale")
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("Cannot reach the database")


def test_env_is_private_from_the_first_byte(tmp_path: Path) -> None:
    """An existing .env readable by others is replaced by a private file; its other lines stay."""
    from app.core.local_postgres import write_env

    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=warning\nDATABASE_URL=postgresql+psycopg://old@127.0.0.1/x\n")
    env_file.chmod(0o644)
    write_env(env_file, "DATABASE_URL", "postgresql+psycopg://assetmap:secret@127.0.0.1:5432/assetmap")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert read_env(env_file) == {"LOG_LEVEL": "warning", "DATABASE_URL": "postgresql+psycopg://assetmap:secret@127.0.0.1:5432/assetmap"}
    assert [p.name for p in tmp_path.iterdir()] == [".env"]  # no draft left behind


def test_a_new_pgport_provisions_the_server_it_names(cluster: Cluster, tmp_path: Path) -> None:
    """A URL init-db wrote for one server is not kept when PGPORT now names another."""
    env_file = tmp_path / ".env"
    assert run(environment(cluster, env_file), "init-db").returncode == 0
    assert make_url(read_env(env_file)["DATABASE_URL"]).port == cluster.port
    with debian_cluster() as other:
        done = run(environment(other, env_file), "init-db")
        assert done.returncode == 0, done.stderr
        assert make_url(read_env(env_file)["DATABASE_URL"]).port == other.port
        assert other.psql("SELECT rolsuper FROM pg_roles WHERE rolname = 'assetmap'") == "f"
