"""The insights refresh at the bench database's size: `python -m bench.insights --assets 1000000`.

Makes the bench database hold `--assets` synthetic assets (bench/generate.py: sampled from the real UK postcodes,
so they are as dense as people are), loads every LSOA of England and Wales from the shared data folder
(`assetmap import deprivation ../shared/data/deprivation`, timed too, once) and times `--runs` full refreshes
(`assetmap insights refresh`: places of each of the 18 top-level categories within 800 m and 1,600 m of all 34,753
LSOA centroids and the nearest, then the published demand), each through the real command line, start-up included.
The refresh's own time is the one it records in `insights_refresh.counts.seconds`. Target: under 2 minutes at 1M.

By default the bench database has no recorded searches and no council outlines, so the published demand's two steps
(per LSOA, and per area and month) run on nothing. `--searches N` gives them work: the UK outlines are loaded
(`assetmap import boundaries`, as load-demo does) and `search_demand` is made to hold N synthetic searches spread
evenly over the 12 whole months the refresh publishes and the current one, each from a random LSOA, for one random
category (70%) or none, with a random count of places found. `--steps` adds one more refresh, run in-process with
each of its statements timed, to show where the time goes.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from typing import Any

from sqlalchemy import text

from app.core.config import get_settings
from bench import common, generate

TARGET_S = 120
OUTLINES = (("ltla", "ltla"), ("utla", "utla"), ("region", "rgn"), ("country", "ctry"))  # as app/imports/demo.py


def assetmap(url: str, *args: str) -> float:
    """Runs the `assetmap` command against `url`; its wall time in seconds."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(common.ROOT)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from app.cli import app; app()", *args], cwd=common.ROOT, env=env, check=True)
    return time.perf_counter() - started


def lsoas(url: str) -> dict[str, Any]:
    """Loads the LSOAs of England and Wales unless they are there; the import's wall time."""
    with common.engine(url).connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM lsoa")).scalar_one()
    if have >= 34_753:
        return {"lsoas": have, "seconds": None}
    seconds = assetmap(url, "import", "deprivation", str(get_settings().shared_data_dir / "deprivation"))
    with common.engine(url).connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM lsoa")).scalar_one()
    return {"lsoas": have, "seconds": round(seconds, 1)}


def areas(url: str) -> dict[str, Any]:
    """Loads the UK's council, region and country outlines unless some are there (the monthly demand sums LSOAs into
    them); the import's wall time."""
    with common.engine(url).connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM area")).scalar_one()
    if have:
        return {"areas": have, "seconds": None}
    folder = get_settings().shared_data_dir / "boundaries"
    seconds = sum(assetmap(url, "import", "boundaries", str(folder / f"{prefix}_2025_uk_bsc.geojson"), "--level", level)
                  for level, prefix in OUTLINES)
    with common.engine(url).connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM area")).scalar_one()
    return {"areas": have, "seconds": round(seconds, 1)}


# N synthetic searches over the 12 whole months before the current one and the current month so far, each from a
# random LSOA, for one random category (70%) or none, with 0-30 places found (about a tenth unmet).
SEARCHES = """
    INSERT INTO search_demand (day, lsoa_code, categories, filters, found)
    SELECT start + floor(random() * (current_date - start + 1))::int,
           codes[1 + floor(random() * cardinality(codes))::int],
           CASE WHEN random() < 0.7 THEN ARRAY[slugs[1 + floor(random() * cardinality(slugs))::int]]
                ELSE CAST('{}' AS text[]) END,
           CASE WHEN random() < 0.3 THEN ARRAY['free'] ELSE CAST('{}' AS text[]) END,
           floor(random() * 31)::int
    FROM generate_series(1, :n) g,
         (SELECT (date_trunc('month', current_date) - interval '12 months')::date AS start) d,
         (SELECT array_agg(code) AS codes FROM lsoa) l,
         (SELECT array_agg(slug) AS slugs FROM category) c
"""


def searches(url: str, count: int) -> dict[str, Any]:
    """Makes `search_demand` hold `count` synthetic searches (see SEARCHES) unless it holds that many already."""
    with common.engine(url).begin() as conn:
        if conn.execute(text("SELECT count(*) FROM search_demand")).scalar_one() == count:
            return {"searches": count, "seconds": None}
        started = time.perf_counter()
        conn.execute(text("TRUNCATE search_demand"))
        conn.execute(text(SEARCHES), {"n": count})
    with common.engine(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE search_demand"))
    return {"searches": count, "seconds": round(time.perf_counter() - started, 1)}


def profile_refresh() -> None:
    """One refresh in this process (DATABASE_URL is the bench database's), each statement timed; prints the steps
    as JSON on its last line. Run by `steps` in a child process, so the app's settings and engine are the bench's."""
    from sqlalchemy import event

    from app.core.db import get_engine
    from app.insights import repository, service

    statements = ("PLACES", "PLACES_INDEX", "ACCESS", "DEMAND", "DEMAND_MONTHS")
    # As the driver receives them: SQLAlchemy's :name parameters written %(name)s.
    names = {re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", " ".join(getattr(repository, n).split())): n.lower()
             for n in statements}
    steps: list[dict[str, Any]] = []
    engine = get_engine()

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn: Any, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        flat = " ".join(statement.split())
        seconds = time.perf_counter() - conn.info["bench_started"]
        steps.append({"step": names.get(flat, flat[:60]), "seconds": round(seconds, 2), "rows": cursor.rowcount})

    started = time.perf_counter()
    service.refresh(get_settings())
    print(json.dumps({"total_seconds": round(time.perf_counter() - started, 1), "steps": steps}))


def steps(url: str) -> dict[str, Any]:
    """Runs profile_refresh in a child process against `url`; its steps."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(common.ROOT), "LOG_LEVEL": "warning"}
    out = subprocess.run([sys.executable, "-c", "from bench.insights import profile_refresh; profile_refresh()"],
                         cwd=common.ROOT, env=env, check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(f"refresh, timed by statement: {result}", flush=True)
    return result


def refreshes(url: str, runs: int) -> dict[str, Any]:
    walls, own = [], []
    for _ in range(runs):
        walls.append(round(assetmap(url, "insights", "refresh"), 1))
        with common.engine(url).connect() as conn:
            counts = conn.execute(text("SELECT counts FROM insights_refresh ORDER BY id DESC LIMIT 1")).scalar_one()
        own.append(counts["seconds"])
        print(f"refresh: {walls[-1]} s wall, {counts}", flush=True)
    return {"wall_seconds": walls, "refresh_seconds": own, "median_refresh_s": statistics.median(own), "counts": counts}


def report(result: dict[str, Any], command: str) -> str:
    r, published = result["refresh"], result["published_assets"]
    at_scale = result["assets"] >= 1_000_000
    met = ("met" if r["median_refresh_s"] < TARGET_S else "missed") if at_scale else f"not measured here: {result['assets']:,} assets"
    load = result["lsoas"]
    lines = [
        f"### Insights refresh, {published:,} published assets",
        common.machine_line(result["machine"]),
        f"Command: `{command}`.",
        common.table(
            ["run", "refresh (s)", "command wall time (s)"],
            [[i + 1, s, w] for i, (s, w) in enumerate(zip(r["refresh_seconds"], r["wall_seconds"], strict=True))],
        ),
        f"Each refresh wrote {r['counts']['access_rows']:,} access figures ({r['counts']['lsoas']:,} LSOAs × 18 top-level "
        f"categories). Median {r['median_refresh_s']} s (target under {TARGET_S} s at 1M assets: {met})."
        + (f" Loading the {load['lsoas']:,} LSOAs took {load['seconds']} s." if load["seconds"] else ""),
    ]
    if result.get("searches"):
        c = r["counts"]
        lines.append(
            f"Search demand: {result['searches']['searches']:,} synthetic recorded searches over 13 months "
            f"(`--searches`), {result['areas']['areas']:,} council, region and country outlines; each refresh wrote "
            f"{c.get('demand_rows', 0):,} published figures by LSOA and {c.get('monthly_rows', 0):,} by area and month."
        )
    if result.get("steps"):
        timed = result["steps"]
        rows = [[s["step"], f"{s['seconds']:.2f}", f"{s['rows']:,}" if s["rows"] >= 0 else ""]
                for s in timed["steps"] if s["seconds"] >= 0.05]
        lines += [
            f"One more refresh, each statement timed in-process (`--steps`): {timed['total_seconds']} s in all; the "
            "statements that took 0.05 s or more:",
            common.table(["statement", "seconds", "rows"], rows),
        ]
    return "\n\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--searches", type=int, default=0,
                        help="synthetic recorded searches over 13 months, and the UK's outlines (0: none, as before)")
    parser.add_argument("--steps", action="store_true", help="one more refresh with each statement timed")
    parser.add_argument("--database", default=common.BENCH_DB)
    args = parser.parse_args()
    url = common.bench_url(args.database)
    loaded = generate.prepare(url)
    if loaded:
        print(f"Loaded {loaded['rows']:,} postcodes in {loaded['seconds']} s", flush=True)
    made = generate.generate(url, args.assets)
    print(f"{args.database} holds {made['assets']:,} assets", flush=True)
    result: dict[str, Any] = {"machine": common.machine(url), "assets": args.assets, "lsoas": lsoas(url)}
    print(result["lsoas"], flush=True)
    if args.searches:
        result["areas"] = areas(url)
        result["searches"] = searches(url, args.searches)
        print(result["areas"], result["searches"], flush=True)
    with common.engine(url).connect() as conn:
        result["published_assets"] = conn.execute(text("SELECT count(*) FROM asset WHERE status = 'published'")).scalar_one()
    result["refresh"] = refreshes(url, args.runs)
    if args.steps:
        result["steps"] = steps(url)
    command = f"python -m bench.insights --assets {args.assets} --runs {args.runs}"
    command += (f" --searches {args.searches}" if args.searches else "") + (" --steps" if args.steps else "")
    name = f"insights-{args.assets}" + (f"-searches-{args.searches}" if args.searches else "")
    common.publish(name, "insights", result, report(result, command))


if __name__ == "__main__":
    main()
