"""Who is the client: forwarded headers are believed only from the proxies in TRUSTED_PROXIES (issue 12, item 4).

`assetmap serve` is run with uvicorn.run replaced, to see what it asks of uvicorn, and a real uvicorn server is then
started with those options, so the test covers what a deployment does rather than a copy of it."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import ValidationError
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.config import Settings, get_settings
from app.main import create_app
from tests.processes import free_port

PLACE = {"kind": "new", "place": {"name": "Hulme Knit and Natter", "categories": ["arts-crafts"], "lat": 53.48, "lon": -2.24}}


def serve_options(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What `assetmap serve` passes to uvicorn."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    return seen


@contextmanager
def served(options: dict[str, Any]) -> Iterator[str]:
    """The app served by uvicorn on a free local port, with `assetmap serve`'s proxy options."""
    proxy = {k: options[k] for k in ("proxy_headers", "forwarded_allow_ips") if k in options}
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning", **proxy))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def statuses(base: str, forwarded_for: list[str]) -> list[int]:
    with httpx.Client(base_url=base) as http:
        return [
            http.post("/api/v1/submissions", json=PLACE, headers={"X-Forwarded-For": address}).status_code
            for address in forwarded_for
        ]


def test_a_local_caller_cannot_get_a_fresh_limit_by_sending_x_forwarded_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "submission_rate_limit", 2)
    options = serve_options(monkeypatch)
    with served(options) as base:
        assert statuses(base, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) == [202, 202, 429]


def test_a_trusted_proxy_names_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "submission_rate_limit", 2)
    monkeypatch.setattr(get_settings(), "trusted_proxies", ["127.0.0.0/8"])
    options = serve_options(monkeypatch)
    with served(options) as base:
        assert statuses(base, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) == [202, 202, 202]
        assert statuses(base, ["198.51.100.1"]) == [202]
        assert statuses(base, ["198.51.100.1"]) == [429]  # each real client has its own limit


def test_trusted_proxies_are_addresses_or_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().trusted_proxies == []  # none by default
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5, 172.16.0.0/12,::1")
    assert Settings().trusted_proxies == ["10.0.0.5", "172.16.0.0/12", "::1"]
    monkeypatch.setenv("TRUSTED_PROXIES", "proxy.example.org")
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES"):
        Settings()
    monkeypatch.delenv("TRUSTED_PROXIES")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5")  # uvicorn's name for it, as older deployments set it
    assert Settings().trusted_proxies == ["10.0.0.5"]
