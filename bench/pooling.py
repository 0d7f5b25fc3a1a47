"""What PgBouncer's transaction pooling costs the nearby search: `python -m bench.pooling --assets 100000`.

Debian 12's PgBouncer (1.18) does not keep prepared statements across transactions, so behind it the app runs with
DB_PREPARED_STATEMENTS=false (docs/scaling.md). The same app and bench database are served three ways at once, with
the production settings, and wrk sends each the nearby search (`/api/v1/assets/nearby?postcode=…`, the postcodes of
bench.nearby's fixed sample, the API's defaults) at concurrency 8, in slices taken in turn so that the three sides
see the same busy and quiet moments of the shared machine:

- `prepared`: straight to PostgreSQL, psycopg's prepared statements on (the default);
- `unprepared`: straight to PostgreSQL with DB_PREPARED_STATEMENTS=false: what the setting alone costs;
- `pgbouncer`: through PgBouncer in transaction pooling mode (bench/pgbouncer.py), the setting off: what a deployment
  behind it gets, the extra hop included.

Each side's requests/s is reported as a ratio of `prepared`'s. `--no-doc` keeps the figures in
bench/results/pooling-<assets>.json without writing docs/benchmarks.md (which `--from-results` then does).
"""

import argparse
import os
from contextlib import ExitStack
from typing import Any
from urllib.parse import quote

from sqlalchemy import text

from bench import common, generate, nearby
from bench.pgbouncer import pgbouncer

CONCURRENCY = 8
SIDES = ("prepared", "unprepared", "pgbouncer")


def run(url: str, seconds: int, slices: int) -> dict[str, Any]:
    paths = [f"/api/v1/assets/nearby?postcode={quote(p)}" for p in nearby.make_points(url)]
    with common.engine(url).connect() as conn:
        assets = conn.execute(text("SELECT count(*) FROM asset")).scalar_one()
    result: dict[str, Any] = {"machine": common.machine(url), "assets": assets, "seconds": seconds, "slices": slices}
    unprepared = {"DB_PREPARED_STATEMENTS": "false"}
    with ExitStack() as stack:
        # PgBouncer's server pool holds as many connections as the app may open (its pool and overflow per worker).
        per_worker = int(common.PRODUCTION_ENV["DB_POOL_SIZE"]) + int(common.PRODUCTION_ENV["DB_MAX_OVERFLOW"])
        bounced = stack.enter_context(pgbouncer(url, common.free_port(), per_worker * int(common.PRODUCTION_ENV["WORKERS"])))
        bases = {
            "prepared": stack.enter_context(common.app_server(url)),
            "unprepared": stack.enter_context(common.app_server(url, unprepared)),
            "pgbouncer": stack.enter_context(common.app_server(bounced, unprepared)),
        }
        for base in bases.values():
            common.wrk(base, paths, CONCURRENCY, 5)  # warm-up: caches, pools, prepared statements
        measured: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
        for _ in range(slices):
            for side in SIDES:
                measured[side].append(common.wrk(bases[side], paths, CONCURRENCY, max(1, seconds // slices)))
    for side in SIDES:
        result[side] = nearby.combine(measured[side])
        print(side, {k: v for k, v in result[side].items() if k != "slices"}, flush=True)
    result["load_after"] = os.getloadavg()
    return result


def report(result: dict[str, Any], command: str) -> str:
    base = result["prepared"]["rps"]
    rows = [
        [side, f"{result[side]['rps']:,.0f}", f"{result[side]['rps'] / base:.2f}", f"{result[side]['p50_ms']:.1f}",
         f"{result[side]['p95_ms']:.1f}", result[side]["errors"] + result[side]["non_2xx"]]
        for side in SIDES
    ]
    return "\n\n".join([
        f"### Prepared statements and PgBouncer: the nearby search, {result['assets']:,} assets",
        common.machine_line(result["machine"]),
        f"Command: `{command}`: concurrency {CONCURRENCY}, {result['seconds']} s per side in {result['slices']} "
        "slices taken in turn; the three apps served at once with the production settings. Load average after the "
        "run " + ", ".join(f"{x:.2f}" for x in result["load_after"]) + ".",
        common.table(["side", "req/s", "× prepared", "p50 ms", "p95 ms", "errors"], rows),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=100_000, help="generate this many assets first (0: use what is there)")
    parser.add_argument("--seconds", type=int, default=30, help="measured seconds per side")
    parser.add_argument("--slices", type=int, default=3)
    parser.add_argument("--database", default=common.BENCH_DB)
    parser.add_argument("--no-doc", action="store_true", help="keep the figures, do not write docs/benchmarks.md")
    parser.add_argument("--from-results", type=int, metavar="ASSETS", help="write the doc from a kept run")
    args = parser.parse_args()
    if args.from_results:
        result = common.load_results(f"pooling-{args.from_results}")
        if result is None:
            raise SystemExit(f"no bench/results/pooling-{args.from_results}.json")
    else:
        url = common.bench_url(args.database)
        if args.assets:
            generate.prepare(url)
            generate.generate(url, args.assets)
        result = run(url, args.seconds, args.slices)
        result["command"] = (
            f"python -m bench.pooling --assets {args.assets} --seconds {args.seconds} --slices {args.slices}"
            + (f" --database {args.database}" if args.database != common.BENCH_DB else "")
        )
        common.save_results(f"pooling-{result['assets']}", result)
    markdown = report(result, result["command"])
    if args.no_doc:
        print(markdown)
    else:
        common.write_section(f"pooling-{result['assets']}", "pooling", markdown)
        print(markdown)


if __name__ == "__main__":
    main()
