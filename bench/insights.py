"""The insights refresh at the bench database's size: `python -m bench.insights --assets 1000000`.

Makes the bench database hold `--assets` synthetic assets (bench/generate.py: sampled from the real UK postcodes,
so they are as dense as people are), loads every LSOA of England and Wales from the shared data folder
(`assetmap import deprivation ../shared/data/deprivation`, timed too, once) and times `--runs` full refreshes
(`assetmap insights refresh`: places of each of the 18 top-level categories within 800 m and 1,600 m of all 34,753
LSOA centroids and the nearest, then the published demand), each through the real command line, start-up included.
The refresh's own time is the one it records in `insights_refresh.counts.seconds`. Target: under 2 minutes at 1M.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from sqlalchemy import text

from app.core.config import get_settings
from bench import common, generate

TARGET_S = 120


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
    return "\n\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2)
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
    with common.engine(url).connect() as conn:
        result["published_assets"] = conn.execute(text("SELECT count(*) FROM asset WHERE status = 'published'")).scalar_one()
    result["refresh"] = refreshes(url, args.runs)
    command = f"python -m bench.insights --assets {args.assets} --runs {args.runs}"
    common.publish(f"insights-{args.assets}", "insights", result, report(result, command))


if __name__ == "__main__":
    main()
