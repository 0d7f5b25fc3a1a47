"""A database outage: every endpoint answers 503 (JSON with Retry-After for the API, a short HTML page for pages), no
connection closes without an answer, and the app recovers by itself when the database is back (issue 12, item 3).

The app runs in its own process (`assetmap serve`) on a throw-away cluster that the test stops and starts.
"""

import os
import re
import time
from collections.abc import Iterator

import httpx
import pytest

from app.core.provision import create_database, migrate
from app.main import create_app
from tests.clusters import Cluster, debian_cluster, requires_clusters
from tests.processes import serving
from tests.routes import every_route

pytestmark = [requires_clusters(), pytest.mark.slow]

# A value for each path parameter, so that each route is reached (validation passes, the database is needed).
ASSET = "7d0c8d1e-3f0a-4c55-9a43-1a2b3c4d5e6f"
SAMPLES = {"asset_id": ASSET, "reference": "ABCD-EFGH", "code": "abcdefgh", "postcode": "M1 1AE", "z": "10", "x": "511",
           "y": "340", "version": "1", "id": "1", "key_id": "1", "submission_id": "1", "user_id": "1"}


def _routes() -> list[tuple[str, str]]:
    """(method, path) of every route of the app, with sample path parameters."""
    found = []
    for route in every_route(create_app(), into_mounts=False):  # /oruk is called by its full paths below
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLES.get(m.group(1), "1"), route.path)
        found += [(method, path) for method in sorted(route.methods - {"HEAD"})]
    return found


@pytest.fixture(scope="module")
def down_app(tmp_path_factory) -> Iterator[tuple[str, Cluster]]:
    """The app served on its own cluster, with the database stopped."""
    with debian_cluster() as cluster:
        cluster.psql("CREATE ROLE assetmap LOGIN PASSWORD 'outage-test'")
        url = f"postgresql+psycopg://assetmap:outage-test@127.0.0.1:{cluster.port}/assetmap"
        create_database(url, as_superuser=True)
        migrate(url)
        env = dict(os.environ) | {"DATABASE_URL": url, "DB_POOL_SIZE": "2", "DB_MAX_OVERFLOW": "1"}
        with serving(env) as base:
            assert httpx.get(f"{base}/api/v1/categories").status_code == 200
            cluster.ctl("stop")
            try:
                yield base, cluster
            finally:
                cluster.ctl("start")


def test_every_api_route_answers_503_json_or_a_4xx(down_app) -> None:
    base, _ = down_app
    unavailable = 0
    with httpx.Client(base_url=base, timeout=30) as client:
        for method, path in _routes():
            if not path.startswith(("/api/", "/tiles/", "/healthz")):
                continue
            response = client.request(method, path, json={} if method in ("POST", "PATCH", "PUT") else None)
            assert response.status_code != 500 and response.status_code < 504, (method, path, response.text)
            if response.status_code == 503:
                unavailable += 1
                assert response.headers["retry-after"].isdigit(), (method, path)
                body = response.json()
                assert body["detail"] and body["errors"] == [], (method, path, body)
    assert len(_routes()) > 50 and unavailable >= 10  # every read of the database, at least


def test_known_reads_are_503_with_the_error_shape(down_app) -> None:
    base, _ = down_app
    # (The category tree is cached in each worker: it is still served.)
    for path in ("/api/v1/areas?q=Rutland", "/api/v1/assets/nearby?postcode=M1%201AE", f"/api/v1/assets/{ASSET}",
                 "/api/v1/export.csv", "/api/v1/export.geojson", "/tiles/assets/10/511/340.pbf",
                 "/api/v1/assets.geojson?bbox=-2.3,53.4,-2.2,53.5", "/oruk/services", f"/oruk/services/{ASSET}"):
        response = httpx.get(base + path, timeout=30)
        assert response.status_code == 503, (path, response.status_code, response.text[:200])
        assert response.headers["retry-after"] == "30"
        assert response.json() == {"detail": response.json()["detail"], "errors": []}
        assert "temporarily unavailable" in response.json()["detail"]


def test_every_page_answers_a_short_html_page(down_app) -> None:
    base, _ = down_app
    pages = [path for method, path in _routes() if method == "GET" and not path.startswith(("/api/", "/tiles/", "/oruk", "/healthz", "/openapi", "/docs"))]
    pages += ["/finder?postcode=M1%201AE", "/?category=libraries", "/embed?area=E06000017"]
    assert {"/", "/finder", "/add", "/embed", "/moderate", "/login"} <= set(pages) | {"/finder"}
    unavailable = 0
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in pages:
            response = client.get(path)
            assert response.status_code != 500, (path, response.text[:300])
            if response.status_code == 503:
                unavailable += 1
                assert response.headers["content-type"].startswith("text/html")
                assert "Temporarily unavailable" in response.text and response.headers["retry-after"] == "30"
        welsh = client.get("/finder?postcode=CF10+1EP&lang=cy")
        assert welsh.status_code == 503 and '<html lang="cy">' in welsh.text and "<h1>Ddim ar gael dros dro</h1>" in welsh.text
    assert unavailable >= 5


def test_the_app_recovers_without_a_restart(down_app) -> None:
    base, cluster = down_app
    assert httpx.get(f"{base}/api/v1/areas?q=Rutland", timeout=30).status_code == 503
    cluster.ctl("start")
    try:
        deadline = time.monotonic() + 30
        while (status := httpx.get(f"{base}/api/v1/areas?q=Rutland", timeout=30).status_code) != 200:
            assert status == 503 and time.monotonic() < deadline
            time.sleep(0.5)
        assert httpx.get(f"{base}/healthz", timeout=30).json()["database"] == "ok"
    finally:
        cluster.ctl("stop")
