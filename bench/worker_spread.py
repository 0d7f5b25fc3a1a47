"""How wrk's connections spread over the app's worker processes, and what the spread does to the nearby search's
throughput and tail: `python -m bench.worker_spread`.

`bench.nearby` runs wrk with keep-alive connections (8 at concurrency 8). uvicorn's workers share one listening socket,
and a connection stays with the worker that accepted it, so an HTTP slice is served by however the connections fell:
four and four, or all eight on one worker while the other idles. This serves the app as `bench.nearby` does and runs
`--trials` short wrk runs of the same searches, each on new connections; during each, `ss` counts the established
connections of each worker. The table gives each run's spread beside its searches/s and percentiles, and the CPU time
the virtual machine's host took meanwhile (`common.stolen_share`): that, not the spread, may be what a tail follows.
"""

import argparse
import re
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

from bench import common, nearby


def spread(port: str) -> list[int]:
    """The app's established connections on `port`, counted per worker process, largest first."""
    listing = subprocess.run(
        [common.require("ss"), "-tnpH", "state", "established", f"( sport = :{port} )"],
        capture_output=True, text=True, check=True,
    ).stdout
    return sorted(Counter(re.findall(r"pid=(\d+)", listing)).values(), reverse=True)


def run(url: str, trials: int, concurrency: int, seconds: int) -> dict[str, Any]:
    paths = [f"/api/v1/assets/nearby?postcode={quote(p)}" for p in nearby.make_points(url)]
    runs: list[dict[str, Any]] = []
    with common.app_server(url, {"INSIGHTS_REFRESH_MINUTES": "0"}) as base:
        common.wrk(base, paths, concurrency, 5)  # warm-up: caches, connection pools, prepared statements
        port = base.rsplit(":", 1)[1]
        with ThreadPoolExecutor(max_workers=1) as load:
            for _ in range(trials):
                ticks = common.cpu_ticks()
                measured = load.submit(common.wrk, base, paths, concurrency, seconds)
                time.sleep(seconds / 2)
                counts = spread(port)
                runs.append({"spread": counts, **measured.result(), "stolen": common.stolen_share(ticks)})
                print(runs[-1], flush=True)
    return {"machine": common.machine(url), "concurrency": concurrency, "seconds": seconds, "runs": runs}


def report(result: dict[str, Any], command: str) -> str:
    rows = [
        ["/".join(map(str, r["spread"])), f"{r['rps']:,.0f}", f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}", f"{r['p99_ms']:.1f}",
         f"{r['stolen']:.0%}"]
        for r in sorted(result["runs"], key=lambda r: r["spread"])
    ]
    return "\n\n".join([
        "### Nearby search: wrk's connections over the app's workers",
        common.machine_line(result["machine"]),
        f"Command: `{command}`: {len(result['runs'])} wrk runs of {result['seconds']} s at concurrency "
        f"{result['concurrency']}, each on new keep-alive connections; the spread is the connections each worker held "
        "half-way through, largest first; \"stolen\" is the share of the machine's CPU time its host gave to other "
        "guests during the run (steal, /proc/stat).",
        common.table(["connections per worker", "searches/s", "p50 ms", "p95 ms", "p99 ms", "stolen"], rows),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--database", default=common.BENCH_DB)
    args = parser.parse_args()
    result = run(common.bench_url(args.database), args.trials, args.concurrency, args.seconds)
    command = f"python -m bench.worker_spread --trials {args.trials} --concurrency {args.concurrency} --seconds {args.seconds}"
    common.publish("worker-spread", "worker_spread", result, report(result, command))


if __name__ == "__main__":
    main()
