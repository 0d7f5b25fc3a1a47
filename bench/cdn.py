"""How much a caching proxy in front of the app answers by itself during a scripted map session, with versioned layer
URLs (`?v=<data version>`, cached as immutable) against unversioned ones (the short max-ages):
`python -m bench.cdn --assets 50000`.

The proxy is nginx (Debian's nginx-light, `scripts/ensure-system.sh bench`) with `proxy_cache` in front of
`assetmap serve` (production settings), as a CDN would be: it keeps what Cache-Control allows, revalidates with the
ETag when that has run out, and sends one request on for many asking for the same thing at once (`proxy_cache_lock`).
Its access log tells, for each request, whether it went on to the app (an upstream address) or was answered by nginx.

The session: `--users` people use the map at once, in `--rounds` rounds; in each, every person looks at one view of
1280×800 pixels and fetches what a map page asks for there: its vector tiles (256 px) and its GeoJSON bbox (the
page's rounding, limit 1000). Each starts at one of a few views (the map's default, and places in shared links), then
pans by a random 100–500 px, zooms in or zooms out (seeded, the same script in both modes). Half-way, a published
place is edited (an SQL UPDATE, so the triggers of migration 0020 bump the data version).

Time is compressed: a round stands for SIMULATED_ROUND_S of someone's session, so the max-ages the app is served with
are divided by the same factor (TILE_MAX_AGE_SECONDS 300 s and GEOJSON_MAX_AGE_SECONDS 60 s of a real session), as is
the page's version check (asset-map.js asks for /api/v1/data-version when the map moves a minute or more after the
last check; it also takes a newer version from any answer's X-Data-Version). The version checks are counted too.

Reported per mode: requests, those answered by the proxy and those sent on to the app (a revalidation counts as sent
on), and the answers made before the edit that people got after it (their X-Data-Version is older).
"""

import argparse
import math
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlmodel import Session

from bench import common, generate

NGINX = "/usr/sbin/nginx"
TILE_PX = 256
VIEW_W, VIEW_H = 1280, 800
REAL_TILE_MAX_AGE_S, REAL_GEOJSON_MAX_AGE_S, REAL_VERSION_CHECK_S = 300, 60, 60
SIMULATED_ROUND_S = 30  # of a real session, per round
ROUND_S = 3.0  # of wall-clock time per round (the report says how many took longer)
# Where people start: the map's default view (Manchester at zoom 13, app/core/config.py) and shared links.
STARTS = [(53.4808, -2.2426, 13), (53.4808, -2.2426, 13), (53.7997, -1.5492, 14), (51.4545, -2.5879, 15), (51.4816, -3.1791, 14)]

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    proxy_cache_path {dir}/cache levels=1:2 keys_zone=layers:20m max_size=2g inactive=1d use_temp_path=off;
    log_format cache '$upstream_cache_status|$upstream_addr|$uri';
    server {{
        listen 127.0.0.1:{port};
        access_log {dir}/access.log cache;
        location / {{
            proxy_pass {upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache layers;
            proxy_cache_lock on;
            proxy_cache_revalidate on;
        }}
    }}
}}
"""


@contextmanager
def nginx(upstream: str) -> Iterator[tuple[str, Path]]:
    """nginx with an empty cache in front of `upstream`; yields its URL and its access log."""
    if not os.access(NGINX, os.X_OK):
        raise SystemExit("nginx is not installed: run `scripts/ensure-system.sh bench` (Debian's nginx-light).")
    workdir = Path(tempfile.mkdtemp(prefix="bench-cdn-"))
    workdir.chmod(0o777)  # nginx's worker runs as nobody when started by root
    port = common.free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=workdir, port=port, upstream=upstream))
    proc = subprocess.Popen([NGINX, "-p", str(workdir), "-e", str(workdir / "error.log"), "-c", str(conf)], start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        common.wait_for(f"{base}/healthz")
        yield base, workdir / "access.log"
    finally:
        common.stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


# ---- the scripted session ----------------------------------------------------------------------------------------


def world_px(lat: float, lon: float, z: int) -> tuple[float, float]:
    size = TILE_PX * 2**z
    return (lon + 180) / 360 * size, (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * size


def lonlat(px: float, py: float, z: int) -> tuple[float, float]:
    size = TILE_PX * 2**z
    return px / size * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / size))))


@dataclass(frozen=True)
class View:
    px: float  # the view's centre in world pixels at zoom z
    py: float
    z: int

    def tiles(self) -> list[tuple[int, int, int]]:
        x0, x1 = int((self.px - VIEW_W / 2) // TILE_PX), int((self.px + VIEW_W / 2) // TILE_PX)
        y0, y1 = int((self.py - VIEW_H / 2) // TILE_PX), int((self.py + VIEW_H / 2) // TILE_PX)
        return [(self.z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]

    def bbox(self) -> str:
        west, north = lonlat(self.px - VIEW_W / 2, self.py - VIEW_H / 2, self.z)
        east, south = lonlat(self.px + VIEW_W / 2, self.py + VIEW_H / 2, self.z)
        return ",".join(f"{n:.5f}" for n in (west, south, east, north))  # as asset-map.js bboxParam

    def moved(self, rng: random.Random) -> "View":
        step = rng.random()
        if step < 0.6:
            angle, distance = rng.uniform(0, 2 * math.pi), rng.uniform(100, 500)
            return View(self.px + distance * math.cos(angle), self.py + distance * math.sin(angle), self.z)
        if step < 0.8 and self.z < 16:
            return View(self.px * 2, self.py * 2, self.z + 1)
        if self.z > 11:
            return View(self.px / 2, self.py / 2, self.z - 1)
        return View(self.px * 2, self.py * 2, self.z + 1)


def script(users: int, rounds: int, seed: int) -> list[list[View]]:
    """Each person's views, round by round."""
    rng = random.Random(seed)
    sessions = []
    for _ in range(users):
        lat, lon, z = rng.choice(STARTS)
        view = View(*world_px(lat, lon, z), z)
        views = [view]
        for _ in range(rounds - 1):
            view = view.moved(rng)
            views.append(view)
        sessions.append(views)
    return sessions


@dataclass
class Person:
    """One map page: the version it asks with (versioned mode) and when it last checked it."""

    version: str | None
    checked_round: int = 0
    requests: Counter = field(default_factory=Counter)

    def adopt(self, version: str | None) -> None:
        if version and self.version and newer(version, self.version):
            self.version = version


def newer(a: str, b: str) -> bool:
    """As asset-map.js's `newer`: a later counter, or day, or at the same ones another settings mark."""
    (counter_a, day_a, _), (counter_b, day_b, _) = a.split("-"), b.split("-")
    return (int(counter_a), int(day_a)) > (int(counter_b), int(day_b)) or ((counter_a, day_a) == (counter_b, day_b) and a != b)


@dataclass(frozen=True)
class Edit:
    """The edit made before round `round_no`: `make()` makes it and returns the new version; the place is at `spot`
    (world pixels at zoom 0, to find the tiles and boxes that show it)."""

    round_no: int | None
    make: Callable[[], str]
    spot: tuple[float, float]

    def shown_by_tile(self, z: int, x: int, y: int) -> bool:
        return (int(self.spot[0] * 2**z // TILE_PX), int(self.spot[1] * 2**z // TILE_PX)) == (x, y)

    def shown_by_view(self, view: View) -> bool:
        px, py = self.spot[0] * 2**view.z, self.spot[1] * 2**view.z
        return abs(px - view.px) <= VIEW_W / 2 and abs(py - view.py) <= VIEW_H / 2


def run_mode(
    base: str, sessions: list[list[View]], start_version: str | None, edit: Edit, version_check_rounds: int
) -> dict[str, Any]:
    """Replays the session through the proxy at `base`, with versioned URLs from `start_version` (the map page's
    settings) or unversioned ones (None), making `edit` on the way."""
    limits = httpx.Limits(max_connections=len(sessions) + 1)
    with httpx.Client(base_url=base, timeout=60, headers={"Accept-Encoding": "gzip"}, limits=limits) as client:
        people = [Person(start_version) for _ in sessions]
        edited: dict[str, str] = {}
        showing = Counter()  # answers after the edit that show the edited place's spot, and those made before it
        lock = threading.Lock()

        def fetch(person: Person, kind: str, path: str, params: dict[str, str], shows_edit: bool) -> None:
            if person.version:
                params = {**params, "v": person.version}
            response = client.get(path, params=params)
            if response.status_code not in (200, 204):
                raise RuntimeError(f"{path} {params}: {response.status_code} {response.text[:200]}")
            answer_version = response.headers.get("x-data-version", "")
            with lock:
                person.requests[kind] += 1
                if edited and shows_edit:
                    showing["after"] += 1
                    showing["made before"] += newer(edited["version"], answer_version)
            person.adopt(answer_version)

        def look(person: Person, view: View, round_no: int) -> None:
            if person.version and round_no - person.checked_round >= version_check_rounds:
                person.checked_round = round_no
                person.adopt(client.get("/api/v1/data-version").json()["version"])
                person.requests["version check"] += 1
            for z, x, y in view.tiles():
                fetch(person, "tile", f"/tiles/assets/{z}/{x}/{y}.pbf", {}, edit.shown_by_tile(z, x, y))
            params = {"bbox": view.bbox(), "limit": "1000"}
            fetch(person, "geojson", "/api/v1/assets.geojson", params, edit.shown_by_view(view))

        rounds = len(sessions[0])
        started, overran = time.monotonic(), 0
        with ThreadPoolExecutor(len(sessions)) as pool:
            for round_no in range(rounds):
                if round_no == edit.round_no:
                    edited["version"] = edit.make()
                began = time.monotonic()
                list(pool.map(look, people, [views[round_no] for views in sessions], [round_no] * len(people)))
                spare = ROUND_S - (time.monotonic() - began)
                overran += spare < 0
                time.sleep(max(0.0, spare))
        seconds = time.monotonic() - started
    requests = sum((p.requests for p in people), Counter())
    return {
        "requests": dict(requests),
        "seconds": round(seconds, 1),
        "rounds_over_time": overran,
        "answers_showing_the_edit": showing["after"],
        "of_them_made_before_the_edit": showing["made before"],
    }


def proxy_counts(log: Path) -> dict[str, dict[str, int]]:
    """Per kind of request (tile, geojson, version check, other): answered by the proxy, sent on to the app."""
    counts: dict[str, dict[str, int]] = {}
    for line in log.read_text().splitlines():
        status, upstream, uri = line.split("|", 2)
        kind = "tile" if uri.startswith("/tiles/") else "geojson" if uri.endswith(".geojson") else (
            "version check" if uri == "/api/v1/data-version" else "other")
        entry = counts.setdefault(kind, {"proxy": 0, "app": 0})
        entry["app" if upstream != "-" else "proxy"] += 1
        entry[status] = entry.get(status, 0) + 1
    return counts


def data_version(url: str) -> str:
    """The version a map page gets in its settings (app/maps/data_version.py), with the settings the app is served
    with (the same environment)."""
    from app.core.config import get_settings
    from app.maps.data_version import current

    with Session(common.engine(url)) as session:
        return current(session, get_settings())


def edit_a_place(url: str, place_id: str) -> str:
    with common.engine(url).begin() as conn:
        conn.execute(text("UPDATE asset SET name = name || ' (edited)' WHERE id = :id"), {"id": place_id})
    return data_version(url)


def trigger_cost(url: str, repeats: int = 3, single_rows: int = 2000) -> dict[str, float]:
    """Seconds (medians) of writing published places with the data-version triggers and without them (disabled in a
    transaction that is rolled back): every published place in one UPDATE, and `single_rows` one-row UPDATEs in one
    transaction (the per-row writes of today's imports)."""
    triggers = [f"asset_data_version_{event}" for event in ("insert", "update", "delete", "truncate")]
    timings: dict[str, list[float]] = {}
    with common.engine(url).connect() as conn:
        ids = conn.execute(text("SELECT id FROM asset WHERE status = 'published' LIMIT :n"), {"n": single_rows}).scalars().all()
        conn.rollback()
        for repeat in range(repeats):
            for on in (True, False) if repeat % 2 == 0 else (False, True):  # neither always runs on a cleaner table
                with conn.begin() as transaction:
                    if not on:
                        for trigger in triggers:
                            conn.execute(text(f"ALTER TABLE asset DISABLE TRIGGER {trigger}"))
                    started = time.perf_counter()
                    conn.execute(text("UPDATE asset SET name = name WHERE status = 'published'"))
                    timings.setdefault(f"bulk {'with' if on else 'without'}", []).append(time.perf_counter() - started)
                    started = time.perf_counter()
                    for asset_id in ids:
                        conn.execute(text("UPDATE asset SET free = free WHERE id = :id"), {"id": asset_id})
                    timings.setdefault(f"rows {'with' if on else 'without'}", []).append(time.perf_counter() - started)
                    transaction.rollback()
    return {name: round(statistics.median(values), 3) for name, values in timings.items()}


SCENARIOS = ("an edit half-way", "no edit")
MODES = ("unversioned", "versioned")


def run(url: str, users: int, rounds: int, seed: int) -> dict[str, Any]:
    factor = SIMULATED_ROUND_S / ROUND_S
    env = {
        "TILE_MAX_AGE_SECONDS": str(max(1, round(REAL_TILE_MAX_AGE_S / factor))),
        "GEOJSON_MAX_AGE_SECONDS": str(max(1, round(REAL_GEOJSON_MAX_AGE_S / factor))),
    }
    version_check_rounds = max(1, round(REAL_VERSION_CHECK_S / SIMULATED_ROUND_S))
    sessions = script(users, rounds, seed)
    with common.engine(url).connect() as conn:
        assets = conn.execute(text("SELECT count(*) FROM asset WHERE status = 'published'")).scalar_one()
        lat, lon, _ = STARTS[0]
        place = conn.execute(text(
            "SELECT id::text, ST_Y(location::geometry), ST_X(location::geometry) FROM asset WHERE status = 'published' "
            "ORDER BY location::geometry <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 1"), {"lat": lat, "lon": lon}).one()
    result: dict[str, Any] = {
        "machine": common.machine(url), "assets": assets, "users": users, "rounds": rounds, "seed": seed,
        "app_env": env, "version_check_rounds": version_check_rounds, "simulated_round_s": SIMULATED_ROUND_S,
        "round_s": ROUND_S, "single_rows": 2000, "trigger_cost": trigger_cost(url), "runs": {},
    }
    with common.app_server(url, env) as app:
        for scenario in SCENARIOS:
            edit = Edit(rounds // 2 if scenario == "an edit half-way" else None, lambda: edit_a_place(url, place[0]),
                        world_px(place[1], place[2], 0))
            for mode in MODES:
                with nginx(app) as (proxy, log):
                    start = data_version(url) if mode == "versioned" else None
                    session = run_mode(proxy, sessions, start, edit, version_check_rounds)
                    time.sleep(0.5)  # nginx writes its log lines as each answer ends
                    result["runs"].setdefault(scenario, {})[mode] = {**session, "proxy": proxy_counts(log)}
    return result


def _ratio(counts: dict[str, int] | None) -> str:
    return f"{counts['proxy'] / (counts['proxy'] + counts['app']):.0%}" if counts else "–"


def report(result: dict[str, Any], command: str) -> str:
    rows, notes = [], []
    for scenario, modes in result["runs"].items():
        sent = {}
        for mode, data in modes.items():
            counts = {k: c for k, c in data["proxy"].items() if k != "other"}
            proxy, app = sum(c["proxy"] for c in counts.values()), sum(c["app"] for c in counts.values())
            revalidated = sum(c.get("REVALIDATED", 0) for c in counts.values())
            checks = counts.get("version check", {}).get("app", 0)
            sent[mode] = app
            rows.append([
                scenario, mode, _ratio(counts.get("tile")), _ratio(counts.get("geojson")), checks, proxy + app, proxy,
                f"{app} ({revalidated})", f"**{proxy / (proxy + app):.0%}**",
            ])
            if data["answers_showing_the_edit"]:
                notes.append(
                    f"{mode}: of the {data['answers_showing_the_edit']} answers after the edit that cover the edited "
                    f"place, {data['of_them_made_before_the_edit']} were made before it (showed it as it was)"
                )
        rows.append(["", f"versioned ÷ unversioned, sent on to the app: {sent['versioned'] / sent['unversioned']:.2f}×"] + [""] * 7)
    cost = result["trigger_cost"]
    env = result["app_env"]
    over = sum(d["rounds_over_time"] for modes in result["runs"].values() for d in modes.values())
    return "\n\n".join([
        "## A caching proxy in front of the map layers (nginx proxy_cache)",
        common.machine_line(result["machine"]),
        f"Command: `{command}` (bench/cdn.py). {result['assets']:,} published places; {result['users']} people at once, "
        f"{result['rounds']} rounds of one view each (its tiles and its GeoJSON box), the same script in each run, each "
        f"run with an empty nginx cache. A round stands for {result['simulated_round_s']} s of a session and takes "
        f"{result['round_s']} s ({over} rounds of all runs took longer), so the app ran with "
        f"TILE_MAX_AGE_SECONDS={env['TILE_MAX_AGE_SECONDS']} and GEOJSON_MAX_AGE_SECONDS={env['GEOJSON_MAX_AGE_SECONDS']} "
        f"(300 s and 60 s scaled), and versioned pages checked the version every {result['version_check_rounds']} "
        f"rounds (a minute). \"An edit half-way\": a published place in the first view is renamed before round "
        f"{result['rounds'] // 2}.",
        common.table([
            "session", "URLs", "tiles hit ratio", "GeoJSON hit ratio", "version checks", "requests",
            "answered by the proxy", "sent on to the app (revalidations)", "hit ratio",
        ], rows),
        "After the edit: " + "; ".join(notes) + ".",
        f"What the triggers cost a write (medians of 3, in transactions rolled back): one UPDATE of all "
        f"{result['assets']:,} published places took {cost['bulk with']:.2f} s with them against {cost['bulk without']:.2f} s "
        f"without ({cost['bulk with'] / cost['bulk without']:.2f}×); {result['single_rows']:,} one-row UPDATEs in one "
        f"transaction {cost['rows with']:.2f} s against {cost['rows without']:.2f} s "
        f"({cost['rows with'] / cost['rows without']:.2f}×).",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=50_000, help="generate this many assets first (0: use what is there)")
    parser.add_argument("--users", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--database", default="assetmap_bench_cdn")
    args = parser.parse_args()
    url = common.bench_url(args.database)
    if args.assets:
        generate.prepare(url)
        generate.generate(url, args.assets)
    result = run(url, args.users, args.rounds, args.seed)
    command = (
        f"flock /tmp/bench.lock python -m bench.cdn --assets {args.assets} --users {args.users} --rounds {args.rounds} "
        f"--seed {args.seed} --database {args.database}"
    )
    common.publish("cdn", "cdn", result, report(result, command))


if __name__ == "__main__":
    main()
