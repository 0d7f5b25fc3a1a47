"""Our map layers against a peer, tipg: `python -m bench.layers --assets 1000000`.

tipg (PyPI, in its own virtualenv bench/.venv-tipg, as it may pin other versions of FastAPI and pydantic) serves a
view of the same published assets with the same properties as our GeoJSON (`bench_asset_layer`); both servers run
against the bench database (ours with the production settings, tipg with one worker: see tipg_server). For each zoom 8–16 the same list of tiles (those holding a random
sample of real postcodes) and the same bboxes (those tiles' bounds) are fetched from both, one request at a time and
interleaved, so both see the same machine; each is fetched once to warm up, then `--rounds` times. Requests accept
gzip, as browsers do; sizes are bytes on the wire (and decoded).

Compared: our `/tiles/assets/{z}/{x}/{y}.pbf` with tipg's `/collections/…/tiles/WebMercatorQuad/{z}/{x}/{y}`
(properties id, name, category), and our `/api/v1/assets.geojson?bbox=…&limit=1000` with tipg's
`/collections/…/items?bbox=…&limit=1000`.
"""

import argparse
import math
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.assets.freshness import stale_sql
from app.assets.repository import CATEGORY_SLUGS, SCHEDULE, TOP_CATEGORY
from bench import common, generate, nearby

TARGET_RATIO = 0.80  # issue 17: ours at most this multiple of tipg's median, at every zoom 8-16

TIPG_VENV = common.ROOT / "bench" / ".venv-tipg"
TIPG_REQUIREMENTS = ["tipg>=1.6,<2", "uvicorn>=0.30"]
VIEW = "bench_asset_layer"
COLLECTION = f"public.{VIEW}"
ZOOMS = range(8, 17)
LIMIT = 1000  # features per GeoJSON answer: our map page's default (app/maps/views.py GEOJSON_LIMIT)
MAX_FEATURES_PER_TILE = "5000"  # as our tile_max_features

# The same published assets and properties as our GeoJSON layer (app/maps/repository.py), for tipg to serve.
VIEW_SQL = f"""
    CREATE VIEW {VIEW} AS
    SELECT a.id, a.name, {CATEGORY_SLUGS} AS categories, {TOP_CATEGORY} AS category, a.address, a.postcode, a.free,
           a.drop_in, coalesce({SCHEDULE}, '[]'::json) AS schedule, a.opening_hours_text, a.last_verified_at,
           {stale_sql()} AS stale, '/places/' || a.id AS url, a.location::geometry AS geom
    FROM asset a WHERE a.status = 'published'
"""


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    n = 1 << z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def workload(url: str, per_zoom: int) -> dict[int, list[tuple[int, int]]]:
    """Per zoom, the distinct tiles holding the first `per_zoom` sample postcodes (real places, seeded)."""
    nearby.make_points(url)
    with common.engine(url).connect() as conn:
        points = conn.execute(
            text("SELECT p.lat, p.lon FROM bench_point b JOIN postcode p USING (key) ORDER BY b.i LIMIT :n"), {"n": per_zoom}
        ).all()
    return {z: list(dict.fromkeys(tile_of(lat, lon, z) for lat, lon in points)) for z in ZOOMS}


def ensure_tipg() -> str:
    """tipg's own virtualenv, made and installed from PyPI on first use. Returns its uvicorn."""
    uvicorn = TIPG_VENV / "bin" / "uvicorn"
    if not (TIPG_VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
    if subprocess.run([str(TIPG_VENV / "bin" / "python"), "-c", "import tipg, uvicorn"], capture_output=True).returncode:
        subprocess.run([str(TIPG_VENV / "bin" / "pip"), "install", "--quiet", *TIPG_REQUIREMENTS], check=True)
    return str(uvicorn)


def tipg_version() -> str:
    out = subprocess.run([str(TIPG_VENV / "bin" / "python"), "-c", "import tipg; print(tipg.__version__)"],
                         capture_output=True, text=True)
    return out.stdout.strip()


@contextmanager
def tipg_server(url: str, workers: int = 1) -> Iterator[str]:
    """tipg on a free port, serving only the view, with our per-tile cap; yields its base URL.

    One worker by default: with two, each of its answers took about 50 ms more on this machine (not chased), and the
    requests here come one at a time, so one worker is its best case.
    """
    uvicorn = ensure_tipg()
    u = make_url(url)
    dsn = f"postgresql://{u.username or 'postgres'}{':' + str(u.password) if u.password else ''}@{u.host or '127.0.0.1'}:{u.port or 5432}/{u.database}"
    env = {
        **os.environ, "DATABASE_URL": dsn, "TIPG_DB_SCHEMAS": '["public"]', "TIPG_DB_TABLES": f'["{COLLECTION}"]',
        "TIPG_DB_EXCLUDE_FUNCTION_SCHEMAS": '["public"]', "TIPG_DB_SPATIAL_EXTENT": "false",
        "TIPG_DB_DATETIME_EXTENT": "false", "TIPG_MAX_FEATURES_PER_TILE": MAX_FEATURES_PER_TILE,
        "TIPG_DB_MAX_CONN_SIZE": "10",
    }
    port = common.free_port()
    cmd = [uvicorn, "tipg.main:app", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
           "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        common.wait_for(f"{base}/collections/{COLLECTION}", timeout=90)
        yield base
    finally:
        common.stop(proc)


def fetch(client: httpx.Client, url: str) -> dict[str, Any]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code not in (200, 204):
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")
    return {"ms": elapsed, "wire": response.num_bytes_downloaded, "bytes": len(response.content)}


def compare(ours: str, tipg: str, tiles: dict[int, list[tuple[int, int]]], rounds: int) -> list[dict[str, Any]]:
    """Median latency and size per zoom and layer kind, ours and tipg's, on the same requests."""
    rows = []
    def client() -> httpx.Client:
        nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]  # as browsers: no Nagle delay on small writes
        transport = httpx.HTTPTransport(socket_options=nodelay)
        return httpx.Client(headers={"Accept-Encoding": "gzip"}, timeout=60, transport=transport)

    with client() as a, client() as b:
        for z in ZOOMS:
            pairs = {"tile": [], "geojson": []}
            for x, y in tiles[z]:
                box = ",".join(f"{v:.6f}" for v in tile_bounds(z, x, y))
                pairs["tile"].append((f"{ours}/tiles/assets/{z}/{x}/{y}.pbf",
                                      f"{tipg}/collections/{COLLECTION}/tiles/WebMercatorQuad/{z}/{x}/{y}?properties=id,name,category"))
                pairs["geojson"].append((f"{ours}/api/v1/assets.geojson?bbox={box}&limit={LIMIT}",
                                         f"{tipg}/collections/{COLLECTION}/items?bbox={box}&limit={LIMIT}"))
            for kind, urls in pairs.items():
                samples: dict[str, list[dict[str, Any]]] = {"ours": [], "tipg": []}
                for round_ in range(rounds + 1):
                    for i, (mine, theirs) in enumerate(urls):
                        order = [("ours", a, mine), ("tipg", b, theirs)]
                        if (i + round_) % 2:
                            order.reverse()  # neither side always goes first
                        for side, client, url in order:
                            result = fetch(client, url)
                            if round_:  # round 0 warms up
                                samples[side].append(result)
                row = {"zoom": z, "kind": kind, "requests": len(urls)}
                for side, got in samples.items():
                    row[f"{side}_p50_ms"] = round(statistics.median(s["ms"] for s in got), 2)
                    row[f"{side}_wire_bytes"] = round(statistics.median(s["wire"] for s in got))
                    row[f"{side}_bytes"] = round(statistics.median(s["bytes"] for s in got))
                row["ratio"] = round(row["ours_p50_ms"] / row["tipg_p50_ms"], 2)
                rows.append(row)
                print(row, flush=True)
    return rows


def run(url: str, per_zoom: int, rounds: int) -> dict[str, Any]:
    with common.engine(url).begin() as conn:
        conn.execute(text(f"DROP VIEW IF EXISTS {VIEW}"))
        conn.execute(text(VIEW_SQL))
        assets = conn.execute(text("SELECT count(*) FROM asset WHERE status = 'published'")).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM asset")).scalar_one()
    tiles = workload(url, per_zoom)
    result: dict[str, Any] = {"machine": common.machine(url), "assets": total, "published_assets": assets, "tipg": None,
                              "rounds": rounds}
    with common.app_server(url) as ours, tipg_server(url) as tipg:
        result["tipg"] = tipg_version()
        result["rows"] = compare(ours, tipg, tiles, rounds)
    return result


def report(result: dict[str, Any], command: str) -> str:
    sections = []
    for kind, title in (("tile", "Vector tiles"), ("geojson", "GeoJSON in a bbox")):
        rows = [
            [r["zoom"], r["requests"], f"{r['ours_p50_ms']:.1f}", f"{r['tipg_p50_ms']:.1f}", f"{r['ratio']:.2f}",
             f"{r['ours_wire_bytes']:,} ({r['ours_bytes']:,})", f"{r['tipg_wire_bytes']:,} ({r['tipg_bytes']:,})"]
            for r in result["rows"] if r["kind"] == kind
        ]
        worst = max(r["ratio"] for r in result["rows"] if r["kind"] == kind)
        met = "met" if worst <= TARGET_RATIO else "missed"
        verdict = f"Worst ratio {worst:.2f} (target ≤ {TARGET_RATIO:.2f} on every zoom: {met})."
        header = ["zoom", "requests", "ours p50 ms", "tipg p50 ms", "ratio", "ours bytes gz (raw)", "tipg bytes gz (raw)"]
        sections += [f"#### {title}", common.table(header, rows), verdict]
    return "\n\n".join([
        f"### Map layers against tipg {result['tipg']}, {result['published_assets']:,} published assets",
        common.machine_line(result["machine"]),
        f"Command: `{command}`; medians of {result['rounds']} rounds over each zoom's list, one request at a time.",
        *sections,
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=100_000, help="generate this many assets first (0: use what is there)")
    parser.add_argument("--per-zoom", type=int, default=30, help="sample postcodes whose tiles are fetched per zoom")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default=common.BENCH_DB)
    args = parser.parse_args()
    url = common.bench_url(args.database)
    if args.assets:
        generate.prepare(url)
        generate.generate(url, args.assets)
    result = run(url, args.per_zoom, args.rounds)
    size = result["assets"]  # sections and results are named by the database's size, however it was made
    command = f"python -m bench.layers --assets {args.assets} --per-zoom {args.per_zoom} --rounds {args.rounds}"
    common.publish(f"layers-{size}", "layers", result, report(result, command))


if __name__ == "__main__":
    main()
