"""Free local ports, processes, and the app served as a user would serve it, for the tests that start servers,
clusters and databases and clean them up."""

import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ASSETMAP = Path(sys.executable).with_name("assetmap")


# Each test process (pytest-xdist's gw0, gw1, …) takes ports from a range of its own, below the ephemeral range the
# kernel hands out (32768 and up on Linux): another test process cannot pick the same port, nor can an outgoing
# connection take it as its source port, between `free_port` and the server's own bind.
PORTS_FROM, PORTS_PER_PROCESS = 21_000, 500
_ports_taken = itertools.count()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on, from this test process's range, never the same twice in a row."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    first = PORTS_FROM + PORTS_PER_PROCESS * (int(worker) if worker.isdigit() else 0)
    for _ in range(PORTS_PER_PROCESS):
        port = first + next(_ports_taken) % PORTS_PER_PROCESS
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {first}–{first + PORTS_PER_PROCESS - 1}")


def alive(pid: int) -> bool:
    """Whether process `pid` still runs on this machine (a killed test run's leftovers may be cleaned up)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: alive
    return True


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """`assetmap serve` (its own process) on a free port with the environment `env`; yields its base URL once it
    answers, and stops it afterwards."""
    port = free_port()
    process = subprocess.Popen([str(ASSETMAP), "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "assetmap serve did not answer within 60 s"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
