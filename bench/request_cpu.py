"""Where a nearby search's CPU goes, per search, under load: `python -m bench.request_cpu`.

On a 2-core machine the app, PostgreSQL and the load generator share the CPU, so at concurrency 8 the searches/s are
about two cores' seconds divided by the CPU one search costs in all. This measures that cost by side:
- the API: wrk sends bench.nearby's searches (the fixed sample postcodes) to the app served with the production
  settings; the CPU time (user + system, from /proc) of the app's processes, of the PostgreSQL backends its pool opened
  (tagged with their application_name) and of wrk, each divided by the searches served;
- the least SQL (bench/nearby.py `FLOOR_STATEMENT`): pgbench runs it the same way, and its backends' CPU and pgbench's
  own are divided by the searches it ran.
Backends are sampled from pg_stat_activity while the load runs, so one opened and closed between two samples (the
pool's overflow) is missed: the database's share is a lower bound.
"""

import argparse
import os
import resource
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from sqlalchemy.engine import make_url

from app.core.config import libpq_url
from bench import common, nearby

TAG = "bench-request-cpu"
TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of the processes still running among `pids`."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total * TICK_S


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def backends_cpu(url: str) -> Iterator[Callable[[], float]]:
    """While the block runs, samples the CPU of the PostgreSQL backends whose application_name is TAG; yields a
    function giving the CPU seconds they used since the block began."""
    seen: dict[int, list[float]] = {}
    done = threading.Event()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:

        def sample() -> None:
            for (pid,) in conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", (TAG,)):
                used = cpu_s([pid])
                seen.setdefault(pid, [used, used])[1] = used

        def poll() -> None:
            while not done.wait(0.2):
                sample()

        sample()
        poller = threading.Thread(target=poll)
        poller.start()
        try:
            yield lambda: sum(last - first for first, last in seen.values())
        finally:
            done.set()
            poller.join()


def app_side(url: str, paths: list[str], concurrency: int, seconds: int) -> dict[str, Any]:
    tagged = make_url(url).update_query_dict({"application_name": TAG}).render_as_string(hide_password=False)
    with common.served_app(tagged) as (base, server):
        common.wrk(base, paths, concurrency, 5)  # warm-up: pools, prepared statements
        group = [int(p) for p in subprocess.run(["pgrep", "-g", str(server.pid)], capture_output=True, text=True).stdout.split()]
        with backends_cpu(url) as database:
            app_before, wrk_before = cpu_s(group), children_cpu_s()
            measured = common.wrk(base, paths, concurrency, seconds)
            app, load = cpu_s(group) - app_before, children_cpu_s() - wrk_before
            db = database()
    return per_search(measured, app=app, database=db, load=load)


def least_side(url: str, concurrency: int, seconds: int) -> dict[str, Any]:
    script = nearby.pgbench_script(nearby.POINTS, nearby.FLOOR_STATEMENT)
    os.environ["PGAPPNAME"] = TAG
    try:
        nearby.pgbench(url, script, concurrency, 5)  # warm-up
        with backends_cpu(url) as database:
            load_before = children_cpu_s()
            measured = nearby.pgbench(url, script, concurrency, seconds)
            load, db = children_cpu_s() - load_before, database()
    finally:
        del os.environ["PGAPPNAME"]
    return per_search(measured, app=0.0, database=db, load=load)


def per_search(measured: dict[str, Any], **cpu: float) -> dict[str, Any]:
    n = measured["requests"]
    shares = {f"{side}_ms": round(seconds * 1000 / n, 3) for side, seconds in cpu.items()}
    return {"searches": n, "rps": measured["rps"], **shares, "total_ms": round(sum(cpu.values()) * 1000 / n, 3)}


def report(result: dict[str, Any], command: str) -> str:
    rows = [
        [label, f"{side['rps']:,.0f}", f"{side['app_ms']:.2f}", f"{side['database_ms']:.2f}", f"{side['load_ms']:.2f}",
         f"{side['total_ms']:.2f}"]
        for label, side in (("the API (wrk)", result["api"]), ("least SQL (pgbench)", result["least"]))
    ]
    return "\n\n".join([
        "### CPU per nearby search, by side",
        common.machine_line(result["machine"]),
        f"Command: `{command}`: concurrency {result['concurrency']}, {result['seconds']} s per side; CPU ms per search "
        "(user + system). Load average after the run " + ", ".join(f"{x:.2f}" for x in result["load_after"]) + ".",
        common.table(["side", "searches/s", "app ms", "database ms", "wrk or pgbench ms", "total ms"], rows),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database", default=common.BENCH_DB)
    args = parser.parse_args()
    url = common.bench_url(args.database)
    paths = [f"/api/v1/assets/nearby?postcode={quote(p)}" for p in nearby.make_points(url)]
    result = {
        "machine": common.machine(url), "concurrency": args.concurrency, "seconds": args.seconds,
        "api": app_side(url, paths, args.concurrency, args.seconds),
        "least": least_side(url, args.concurrency, args.seconds),
        "load_after": os.getloadavg(),
    }
    command = f"python -m bench.request_cpu --seconds {args.seconds} --concurrency {args.concurrency}"
    common.publish("request-cpu", "request_cpu", result, report(result, command))


if __name__ == "__main__":
    main()
