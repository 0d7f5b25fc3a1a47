"""The nearby search under load, over HTTP and straight in PostgreSQL: `python -m bench.nearby --assets 1000000`.

A link worker's search is "what is near this postcode": `GET /api/v1/assets/nearby?postcode=…` with the API's
defaults (one mile, 20 results). The postcodes are drawn at random from a fixed sample of real ones (table
`bench_point`), so the searches land where people live. wrk sends them at concurrency 1, 8 and 32 to the app served
with the production settings; pgbench then runs the SQL the app runs for such a request (the postcode's position, then
`app.search.repository.nearby_json_statement`, the very statement, services delivered remotely included, with
prepared statements as psycopg uses) with the same random picks at the same concurrency: the database's ceiling, with
no HTTP, Python or JSON in the way. A third
side, "least SQL", runs only what any search that answers the API's question must do (`FLOOR_STATEMENT`: the 20
nearest ids and the exact count within the radius, with no ranking rule and none of the items' fields): how fast the
database could be if everything else were free.
"""

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import text

from app.areas.models import WHOLE_UK
from app.areas.repository import SERVES_POINT_FILTER
from app.search.repository import ORIGIN, nearby_json_statement, page_params
from bench import common, generate

CONCURRENCY = (1, 8, 32)
POINTS = 2000  # postcodes searched from
RADIUS_M, LIMIT = 1609, 20  # the API's defaults (app/search/schemas.py)
# Issue 17's targets at 1M assets and concurrency 8, against the least SQL in the same run: the API's searches/s at
# least this share of the least SQL's, and its p95 at most this multiple of the least SQL's.
TARGET_SHARE_OF_LEAST, TARGET_P95_TIMES_LEAST = 0.35, 3.0


def make_points(url: str, count: int = POINTS) -> list[str]:
    """A fixed random sample of real postcodes (seeded, so every run and both sides use the same ones)."""
    with common.engine(url).begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_point (i int PRIMARY KEY, key text NOT NULL, postcode text NOT NULL)"))
        have = conn.execute(text("SELECT count(*), max(i) FROM bench_point")).one()
        if tuple(have) != (count, count):
            conn.execute(text("TRUNCATE bench_point"))
            conn.execute(text("SELECT setseed(0.42)"))
            conn.execute(
                text(
                    "INSERT INTO bench_point SELECT row_number() OVER (), key, postcode FROM "
                    "(SELECT key, postcode FROM (SELECT * FROM postcode ORDER BY key) p ORDER BY random() LIMIT :n) s"
                ),
                {"n": count},
            )
        return list(conn.execute(text("SELECT postcode FROM bench_point ORDER BY i")).scalars())


# The least a search within the radius must do: the nearest ids and the exact count (see the module's docstring).
_WITHIN = f"a.status = 'published' AND ST_DWithin(a.location, {ORIGIN}, :radius)"
FLOOR_STATEMENT = f"""SELECT (SELECT count(*) FROM asset a WHERE {_WITHIN}) AS total,
    ARRAY(SELECT a.id FROM asset a WHERE {_WITHIN} ORDER BY a.location <-> {ORIGIN} LIMIT :limit) AS ids"""


def pgbench_script(count: int, statement: str) -> str:
    """One API search's SQL for pgbench: the postcode's position (as geo.repository looks it up), then `statement`
    (with the parameters lat, lon, radius, window, limit and offset)."""
    statement = " ".join(statement.split())  # pgbench reads one command per line unless it ends with ;
    # pgbench's parameters are untyped text; psycopg binds floats as float8 and ints as integers: say so.
    statement = re.sub(r"(?<!:):(lon|lat)\b", r"CAST(:\1 AS float8)", statement)
    statement = re.sub(r"(?<!:):(radius|window|knn|limit|offset|remote_limit)\b", r"CAST(:\1 AS int)", statement)
    statement = re.sub(r"(?<!:):whole_uk\b", f"'{WHOLE_UK}'", statement)  # pgbench's variables are numbers
    # pgbench would take the `:MI` of a literal 'HH24:MI' for a variable: spell such colons chr(58).
    statement = re.sub(r"'[^']*'", lambda m: m.group(0).replace(":", "' || chr(58) || '"), statement)
    return "\n".join([
        f"\\set i random(1, {count})",
        f"\\set radius {RADIUS_M}",
        f"\\set limit {LIMIT}",
        "\\set offset 0",
        f"\\set remote_limit {LIMIT}",
        f"\\set window {LIMIT}",
        f"\\set knn {page_params(LIMIT, 0)['knn']}",
        "SELECT lat, lon FROM postcode WHERE key = (SELECT key FROM bench_point WHERE i = :i) \\gset",
        statement + ";",
        "",
    ])


def pgbench(url: str, script: str, concurrency: int, seconds: int) -> dict[str, Any]:
    """Transactions/s and latency percentiles (ms) of `script` at `concurrency` clients, from pgbench's per-transaction log."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nearby.sql"
        path.write_text(script)
        cmd = [
            common.require("pgbench"), "-n", "-M", "prepared", "-f", str(path), "-c", str(concurrency),
            "-j", str(min(concurrency, 2)), "-T", str(seconds), "-l", "--log-prefix", f"{tmp}/log",
            *common.libpq_args(url),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, env=common.libpq_env(url))
        if out.returncode:
            raise RuntimeError(f"pgbench failed: {out.stderr}")
        latencies = sorted(
            int(line.split()[2]) / 1000 for log in Path(tmp).glob("log*") for line in log.read_text().splitlines()
        )
    tps = float(next(line for line in out.stdout.splitlines() if line.startswith("tps =")).split()[2])
    return {"concurrency": concurrency, "rps": round(tps, 1), **percentiles(latencies), "requests": len(latencies)}


def percentiles(ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"p50_ms": round(q[49], 2), "p95_ms": round(q[94], 2), "p99_ms": round(q[98], 2)}


def combine(slices: list[dict[str, Any]]) -> dict[str, Any]:
    """One figure from alternating slices: requests/s over their total time, percentiles averaged (weighted by requests)."""
    n = sum(s["requests"] for s in slices)
    out: dict[str, Any] = {"concurrency": slices[0]["concurrency"], "requests": n, "slices": slices}
    out["rps"] = round(n / sum(s["requests"] / s["rps"] for s in slices), 1)
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        out[key] = round(sum(s[key] * s["requests"] for s in slices) / n, 2)
    for key in ("errors", "non_2xx"):
        if key in slices[0]:
            out[key] = sum(s[key] for s in slices)
    return out


def run(
    url: str, seconds: int, concurrencies: tuple[int, ...] = CONCURRENCY, slices: int = 2, floor: bool = True
) -> dict[str, Any]:
    """HTTP and pgbench figures at each concurrency (with `floor`, the least SQL's too), against whatever the bench
    database holds.

    Other people's work shares the machine, so the sides alternate in `slices` slices per concurrency: each sees the
    same mix of busy and quiet moments.
    """
    postcodes = make_points(url)
    paths = [f"/api/v1/assets/nearby?postcode={quote(p)}" for p in postcodes]
    with common.engine(url).connect() as conn:
        assets = conn.execute(text("SELECT count(*) FROM asset WHERE status = 'published'")).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM asset")).scalar_one()
    ticks = common.cpu_ticks()
    result: dict[str, Any] = {"machine": common.machine(url), "assets": total, "published_assets": assets,
                              "seconds": seconds, "http": [], "sql": [], "floor": []}
    script = pgbench_script(len(postcodes), nearby_json_statement([], [SERVES_POINT_FILTER]))
    floor_script = pgbench_script(len(postcodes), FLOOR_STATEMENT)
    part = max(1, seconds // slices)
    with common.app_server(url) as base:
        common.wrk(base, paths, 8, 5)  # warm-up: caches, connection pools, prepared statements
        pgbench(url, script, 8, 5)
        for c in concurrencies:
            sides: dict[str, list[dict[str, Any]]] = {"http": [], "sql": [], "floor": []}
            for _ in range(slices):
                sides["http"].append(common.wrk(base, paths, c, part))
                sides["sql"].append(pgbench(url, script, c, part))
                if floor:
                    sides["floor"].append(pgbench(url, floor_script, c, part))
            for side, measured in sides.items():
                if measured:
                    result[side].append(combine(measured))
                    print(side, {k: v for k, v in result[side][-1].items() if k != "slices"}, flush=True)
    result["load_after"] = os.getloadavg()
    result["stolen"] = common.stolen_share(ticks)
    return result


def report(result: dict[str, Any], command: str) -> str:
    rows = []
    for http, sql, least in zip(result["http"], result["sql"], result["floor"], strict=True):
        rows.append([
            http["concurrency"], f"{http['rps']:,.0f}", f"{http['p50_ms']:.1f}", f"{http['p95_ms']:.1f}", f"{http['p99_ms']:.1f}",
            f"{sql['rps']:,.0f}", f"{sql['p50_ms']:.1f}", f"{sql['p95_ms']:.1f}", f"{sql['p99_ms']:.1f}",
            f"{http['rps'] / sql['rps']:.0%}", http["errors"] + http["non_2xx"],
            f"{least['rps']:,.0f}", f"{least['p50_ms']:.1f}", f"{least['p95_ms']:.1f}",
            f"{http['rps'] / least['rps']:.0%}", f"{http['p95_ms'] / least['p95_ms']:.1f}",
        ])
    c8 = next((h, f) for h, f in zip(result["http"], result["floor"], strict=True) if h["concurrency"] == 8)
    share, times = c8[0]["rps"] / c8[1]["rps"], c8[0]["p95_ms"] / c8[1]["p95_ms"]
    verdict = (
        f"At concurrency 8: the API at {share:.0%} of the least SQL's searches/s (target ≥ {TARGET_SHARE_OF_LEAST:.0%}: "
        f"{'met' if share >= TARGET_SHARE_OF_LEAST else 'missed'}), its p95 {times:.1f}× the least SQL's (target ≤ "
        f"{TARGET_P95_TIMES_LEAST:.0f}×: {'met' if times <= TARGET_P95_TIMES_LEAST else 'missed'})."
    )
    header = ["concurrency", "HTTP req/s", "p50 ms", "p95 ms", "p99 ms", "SQL tx/s", "p50 ms", "p95 ms", "p99 ms",
              "HTTP/SQL", "errors", "least SQL tx/s", "p50 ms", "p95 ms", "HTTP/least", "p95 ×"]
    return "\n\n".join([
        f"### Nearby search, {result['published_assets']:,} published assets",
        common.machine_line(result["machine"]),
        f"Command: `{command}`: {result['seconds']} s per concurrency and side, in slices alternating HTTP, SQL and "
        "least SQL (the 20 nearest ids and the exact count only); percentiles are the slices' averaged. "
        "Load average after the run "
        + ", ".join(f"{x:.2f}" for x in result["load_after"]) + "."
        + (f" The virtual machine's host took {result['stolen']:.0%} of its CPU time during the run (steal, /proc/stat)."
           if "stolen" in result else ""),
        common.table(header, rows),
        verdict,
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=100_000, help="generate this many assets first (0: use what is there)")
    parser.add_argument("--seconds", type=int, default=20, help="length of each measured run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=list(CONCURRENCY), help="concurrencies measured")
    parser.add_argument("--database", default=common.BENCH_DB)
    args = parser.parse_args()
    url = common.bench_url(args.database)
    if args.assets:
        generate.prepare(url)
        generate.generate(url, args.assets)
    started = time.time()
    result = run(url, args.seconds, tuple(args.concurrency))
    result["wall_seconds"] = round(time.time() - started)
    size = result["assets"]  # sections and results are named by the database's size, however it was made
    command = f"python -m bench.nearby --assets {args.assets} --seconds {args.seconds}"
    if args.concurrency != list(CONCURRENCY):
        command += " --concurrency " + " ".join(map(str, args.concurrency))
    common.publish(f"nearby-{size}", "nearby", result, report(result, command))


if __name__ == "__main__":
    main()
