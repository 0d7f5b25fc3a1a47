"""A replica that does not answer at all (a host gone from the network) holds no request for its connection timeout:
its check runs apart from the request that started it (app/core/replicas.py)."""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine

from app.core.db import get_engine
from app.core.replicas import CHECK_WAIT_S, Replicas


@pytest.fixture
def silent_server() -> Iterator[tuple[int, threading.Event]]:
    """A TCP port that accepts connections and answers none; once the event is set, it hangs up on each (those
    held and any later). Yields (port, event)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    release, stop = threading.Event(), threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                pass
            if release.is_set():
                while held:
                    held.pop().close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], release
    finally:
        release.set()
        stop.set()
        thread.join()
        listener.close()


def test_a_replica_that_does_not_answer_holds_no_request(silent_server) -> None:
    port, release = silent_server
    silent = create_engine(f"postgresql+psycopg://assetmap@127.0.0.1:{port}/assetmap", connect_args={"connect_timeout": 5})
    replicas = Replicas([silent], get_engine(), max_lag_s=60, check_s=0)
    try:
        # The check is still waiting for the silent server when the request goes on, with the primary for its reads.
        assert replicas.pick() is None
        assert replicas.replicas[0].state == "unknown"
        release.set()  # the server hangs up: the check ends, and finds the replica down
        deadline = time.monotonic() + 10
        while replicas.replicas[0].state == "unknown":
            assert time.monotonic() < deadline, "the check did not end"
            time.sleep(0.05)
        assert replicas.replicas[0].state == "down"
    finally:
        silent.dispose()


@pytest.mark.parametrize("wait", [True, False])
def test_a_pick_from_the_event_loop_does_not_wait_for_the_check_it_starts(silent_server, wait: bool) -> None:
    """app/core/async_reads.py picks with wait=False: the event loop must not stop for even CHECK_WAIT_S."""
    port, release = silent_server
    silent = create_engine(f"postgresql+psycopg://assetmap@127.0.0.1:{port}/assetmap", connect_args={"connect_timeout": 5})
    replicas = Replicas([silent], get_engine(), max_lag_s=60, check_s=0)
    try:
        started = time.monotonic()
        assert replicas.pick(wait=wait) is None
        assert (time.monotonic() - started >= CHECK_WAIT_S) is wait
    finally:
        release.set()
        silent.dispose()
