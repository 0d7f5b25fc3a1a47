"""What the benchmark scripts share: the bench database, the machine's description, a server on a free port, wrk, and
the generated sections of docs/benchmarks.md and bench/results/*.json."""

import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
BENCH_DB = "assetmap_bench"

# The settings the benchmarks serve the app with: the production ones (docs/deployment.md, Dockerfile), with as
# many workers as the machine has cores. No insights refresh by itself: with the default INSIGHTS_REFRESH_MINUTES a
# served app starts a full refresh at once when the last one is over an hour old (always, on a new bench database),
# and it ran in PostgreSQL beside the measured requests for the first minutes of a run (bench/insights.py measures it).
PRODUCTION_ENV = {
    "WORKERS": str(os.cpu_count() or 2),
    "DB_POOL_SIZE": "8",
    "DB_MAX_OVERFLOW": "4",
    "DB_STATEMENT_TIMEOUT_MS": "5000",
    "LOG_LEVEL": "warning",
    "INSIGHTS_REFRESH_MINUTES": "0",
}


def bench_url(database: str = BENCH_DB) -> str:
    """DATABASE_URL's server (the environment's, or .env's) with the bench database's name (never the app's own)."""
    from app.core.db import database_url

    server = database_url()
    return make_url(server).set(database=database).render_as_string(hide_password=False)


def engine(url: str) -> Engine:
    # Bulk statements, not requests: no statement timeout; JIT off as in app/core/db.py.
    return create_engine(url, connect_args={"options": "-c statement_timeout=0 -c jit=off"})


def libpq_args(url: str) -> list[str]:
    """psql/pgbench connection options for a SQLAlchemy URL."""
    u = make_url(url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres", u.database or ""]
    return args


def libpq_env(url: str) -> dict[str, str]:
    password = make_url(url).password
    return {**os.environ, **({"PGPASSWORD": str(password)} if password else {})}


def machine(url: str) -> dict[str, Any]:
    """The machine the figures were measured on, and how busy it was (other people's tests share it)."""
    with engine(url).connect() as conn:
        pg = conn.execute(text("SELECT split_part(version(), ' on ', 1)")).scalar_one()
        postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
        shared_buffers = conn.execute(text("SHOW shared_buffers")).scalar_one()
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else platform.processor(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "postgresql": pg,
        "postgis": postgis,
        "shared_buffers": shared_buffers,
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
        "commit": commit,
    }


def cpu_ticks() -> tuple[int, int]:
    """The machine's CPU ticks since boot (/proc/stat): those stolen (a virtual machine's CPU time that its host gave to
    another guest) and all of them."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return steal, user + nice + system + idle + iowait + irq + softirq + steal


def stolen_share(since: tuple[int, int]) -> float:
    """The share of the machine's CPU time that its host took since `cpu_ticks()` gave `since`."""
    steal, total = cpu_ticks()
    return (steal - since[0]) / max(1, total - since[1])


def machine_line(m: dict[str, Any]) -> str:
    load = ", ".join(f"{x:.2f}" for x in m["load_average"])
    return (
        f"Measured {m['date']} at commit `{m['commit']}` on {m['nproc']} cores ({m['cpu']}), {m['memory_gb']} GB RAM, "
        f"{m['postgresql']} with PostGIS {m['postgis']} (shared_buffers {m['shared_buffers']}), Python {m['python']}; "
        f"load average before the run {load}."
    )


def save_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


def load_results(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def write_section(name: str, script: str, markdown: str) -> None:
    """Replaces the generated section `name` of docs/benchmarks.md (between its markers), or appends it."""
    start, end = f"<!-- bench:{name} start (generated by bench/{script}.py) -->", f"<!-- bench:{name} end -->"
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{start}\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    doc = pattern.sub(lambda _: block, doc) if pattern.search(doc) else doc.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(doc)


def publish(name: str, script: str, data: dict[str, Any], markdown: str) -> None:
    """Keeps the raw figures in bench/results/<name>.json, rewrites the doc's section `name` and prints it."""
    save_results(name, data)
    write_section(name, script, markdown)
    print(markdown)


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout} s")
        time.sleep(0.3)


@contextmanager
def app_server(url: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`assetmap serve` on a free port against `url`, with the production settings; yields its base URL."""
    with served_app(url, env) as (base, _):
        yield base


@contextmanager
def served_app(url: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """As app_server, yielding the server's process too (the leader of its own process group, with its workers)."""
    port = free_port()
    server_env = {**os.environ, **PRODUCTION_ENV, **(env or {}), "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", "from app.cli import app; app()", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=server_env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        yield base, proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Ends a server we started, with its worker processes (its own process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["Accept-Encoding"] = os.getenv("BENCH_ENCODING")})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"mean_us": %f, "non_2xx": %d, "errors": %d, "bytes": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, e.status, e.connect + e.read + e.write + e.timeout, summary.bytes))
end
"""


def require(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise SystemExit(f"{tool} is not installed: run `scripts/ensure-system.sh bench` (Debian package).")
    return found


def wrk(base: str, paths: list[str], concurrency: int, seconds: int, gzip: bool = False) -> dict[str, Any]:
    """Requests/s and latency percentiles (ms) of GETs on random paths from `paths`, `concurrency` at a time."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    script, path_file = RESULTS / "wrk.lua", RESULTS / f"wrk-paths-{os.getpid()}.txt"
    script.write_text(WRK_SCRIPT)
    path_file.write_text("\n".join(paths) + "\n")
    threads = str(min(concurrency, 2))
    env = {**os.environ, "BENCH_PATHS": str(path_file), "BENCH_ENCODING": "gzip" if gzip else "identity"}
    cmd = [require("wrk"), "-t", threads, "-c", str(concurrency), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(script), base]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    path_file.unlink()
    raw = json.loads(next(line for line in out.splitlines() if line.startswith("BENCH "))[6:])
    return {
        "concurrency": concurrency,
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "requests": raw["requests"],
        "errors": raw["errors"],
        "non_2xx": raw["non_2xx"],
    }
