"""Test set-up: one fresh PostGIS database per test process (pytest-xdist runs several), migrated with Alembic and
dropped at the end.

The database is created on the server named by TEST_DATABASE_URL, DATABASE_URL or the DATABASE_URL in `.env` that
`assetmap init-db` wrote (the name is replaced by one of this run's own), so nothing made by hand is needed and nothing
is left behind: a run that was killed before it could drop its database is cleaned up by the next run on the same
machine (`_drop_orphans`).

The app under test connects as that URL's role, an ordinary one after `make test`'s provisioning, so a test fails if a
feature works only for a superuser. Creating and dropping databases (and replicas or outages, in the tests that need
them) is done as the local server's superuser through the `postgres` account (app/core/local_postgres.py) when the
server is on this machine, and otherwise with the role's own rights.
"""

import hashlib
import os
import re
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from app.core.config import PROJECT_ROOT, Settings, env_file

_server = os.environ.get("TEST_DATABASE_URL") or Settings(_env_file=env_file()).database_url
if not _server:
    raise SystemExit("No database for the tests: run `make test` (it provisions one and writes .env), or set DATABASE_URL.")
# assetmap_test_<machine>_<pid>_<random>: the machine and process let a later run tell a dead run's database.
_MACHINE = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
_OURS = re.compile(rf"^assetmap_[a-z]+_{_MACHINE}_(\d+)_[0-9a-f]+$")


def scratch_url(prefix: str) -> str:
    """A new database name of this run's own (`assetmap_<word>_<machine>_<pid>_<random>`), on the test server."""
    name = f"{prefix}_{_MACHINE}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    return make_url(_server).set(database=name).render_as_string(hide_password=False)


TEST_DATABASE_URL = scratch_url("assetmap_test")
os.environ["DATABASE_URL"] = TEST_DATABASE_URL  # before any app module reads the settings
os.environ["INSIGHTS_REFRESH_MINUTES"] = "0"  # no background refresh in tests, unless a test's own settings ask
# Uploads of this process's own: the import tests compare the folder's files before and after. Made by the first upload
# (not here: pytest-xdist's controlling process imports this module too, and runs no test) and removed at the end.
UPLOAD_DIR = Path(tempfile.gettempdir()) / f"assetmap-uploads-{_MACHINE}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
os.environ["UPLOAD_DIR"] = str(UPLOAD_DIR)

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import app.core.models  # noqa: E402  (registers every table for DATA_TABLES)
from app.core.db import get_engine, get_read_engine  # noqa: E402
from app.core.provision import create_database, drop_database, migrate  # noqa: E402
from app.core.replicas import ReadSession  # noqa: E402
from tests.processes import alive  # noqa: E402

# The data the tests load comes with the repository (data/demo/README.md), so they pass in a fresh clone; the few that
# need the national files in the shared folder (SHARED_DATA_DIR, as load-demo reads it) skip without it.
SHARED_DATA = Settings(_env_file=env_file()).shared_data_dir
DEMO_PACK = PROJECT_ROOT / "data" / "demo"
POSTCODES_FILE = DEMO_PACK / "postcodes" / "demo_postcodes_nspl_may2025.csv.gz"  # Wales, Sheffield, Rutland, all of M
OUTCODES_FILE = DEMO_PACK / "postcodes" / "outcode_centroids_derived.csv.gz"
COUNCILS_FILE = DEMO_PACK / "boundaries" / "ltla_2025_uk_bsc.geojson.gz"
NATIONS_FILES = {"region": DEMO_PACK / "boundaries" / "rgn_2025_uk_bsc.geojson.gz",
                 "country": DEMO_PACK / "boundaries" / "ctry_2025_uk_bsc.geojson.gz"}
# Reference data every test shares (loaded once per run, or seeded by the migrations); every other table of the
# models is emptied before each test, so a new table needs no entry here.
REFERENCE_TABLES = {"category", "postcode", "outcode", "area", "lsoa"}
DATA_TABLES = ", ".join(sorted(set(SQLModel.metadata.tables) - REFERENCE_TABLES))


def _drop_orphans() -> None:
    """Drops the test databases of earlier runs on this machine whose process is gone (killed before teardown)."""
    admin = create_engine(make_url(TEST_DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        names = conn.execute(text("SELECT datname FROM pg_database WHERE datname ~ '^assetmap_[a-z]+_'")).scalars()
        orphans = [n for n in names if (m := _OURS.match(n)) and not alive(int(m.group(1)))]
    admin.dispose()
    for name in orphans:
        drop_database(make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False), as_superuser=True)


@pytest.fixture(scope="session", autouse=True)
def database() -> Iterator[str]:
    from app.imports.postcodes import load_outcodes, load_postcodes

    _drop_orphans()
    create_database(TEST_DATABASE_URL, as_superuser=True)
    try:
        migrate(TEST_DATABASE_URL)
        with get_engine().begin() as conn:
            load_postcodes(conn, POSTCODES_FILE)
            load_outcodes(conn, OUTCODES_FILE)
        yield TEST_DATABASE_URL
    finally:
        get_engine().dispose()
        drop_database(TEST_DATABASE_URL, as_superuser=True)
        shutil.rmtree(UPLOAD_DIR, ignore_errors=True)


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """An empty database of the test's own (extensions, no schema), owned by the app's role; dropped afterwards."""
    url = scratch_url("assetmap_scratch")
    create_database(url, as_superuser=True)
    try:
        yield url
    finally:
        drop_database(url, as_superuser=True)


@pytest.fixture(autouse=True)
def _empty_tables(database: str) -> None:
    """Each test starts with empty data tables (the reference tables stay)."""
    from app.insights import recorder

    recorder.flush()  # the searches an earlier test made are written before the tables are emptied, not after
    with get_engine().begin() as conn:
        conn.execute(text(f"TRUNCATE {DATA_TABLES} CASCADE"))


@pytest.fixture(scope="session")
def councils(database: str) -> None:
    """Every council's (ltla) outline, loaded once for the tests that use areas (about a second)."""
    from app.areas.models import AreaLevel
    from app.imports.boundaries import read_boundaries, save_boundaries

    with Session(get_engine()) as s:
        save_boundaries(s, read_boundaries(COUNCILS_FILE), AreaLevel.ltla)


@pytest.fixture(scope="module")
def nations(councils: None) -> Iterator[None]:
    """The councils, and England's regions and the four nations (W92000004 Wales …) for a module's tests of services
    serving them; the regions and nations are deleted after the module, so that other tests see the councils alone."""
    from app.areas.models import AreaLevel
    from app.imports.boundaries import read_boundaries, save_boundaries

    with Session(get_engine()) as s:
        for level, path in NATIONS_FILES.items():
            save_boundaries(s, read_boundaries(path), AreaLevel(level))
    yield
    with get_engine().begin() as conn:
        conn.execute(text("DELETE FROM area WHERE NOT ('ltla' = ANY(levels))"))


@pytest.fixture(scope="session")
def lsoas(database: str) -> None:
    """The demo pack's LSOAs with their deprivation (every Welsh one; Rutland, Manchester and Sheffield), loaded once
    for the tests that use them (a few seconds)."""
    from app.imports.demo import pack_data
    from app.imports.deprivation import import_deprivation

    import_deprivation(pack_data().deprivation)


@pytest.fixture
def session() -> Iterator[Session]:
    with Session(get_engine()) as s:
        yield s


@pytest.fixture
def reads() -> Iterator[ReadSession]:
    """A read session on the primary, as the read-only routes have one: each statement its own transaction, so it
    sees what `session` has committed."""
    with ReadSession(get_read_engine(), get_engine(), None) as s:
        yield s


@pytest.fixture(scope="session")
def app():
    from app.main import create_app

    return create_app()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def admin_key(session: Session) -> str:
    from app.accounts.models import Role
    from app.accounts.service import create_api_key

    return create_api_key(session, "tests", Role.admin)[1]


@pytest.fixture
def admin_headers(admin_key: str) -> dict[str, str]:
    return {"X-API-Key": admin_key}


@pytest.fixture
def demo_pack() -> Path:
    return DEMO_PACK


@pytest.fixture
def shared_data() -> Path:
    """The shared data folder, for the tests that need its national files; they skip when it is not there."""
    if not (SHARED_DATA / "postcodes" / "uk_postcodes_nspl_may2025.csv.gz").is_file():
        pytest.skip(f"needs the national files of ../shared/data (SHARED_DATA_DIR, here {SHARED_DATA}), not in this clone")
    return SHARED_DATA
