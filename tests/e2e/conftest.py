"""Browser-test fixtures, shared by every page's tests.

- `live_server`: the app served by uvicorn (in a thread) on a free port, on the test database, with the basemap
  pointed at a blank tile the app serves itself and `other_site` allowed to embed the map.
- `other_site`: a second local origin (another port) serving whatever pages a test puts in it, to act as a
  council's website.
- `browser`: one headless Debian Chromium for the whole session (Playwright never downloads a browser here).
- `page`: a fresh browser context and page per test, watched by `guard`: any request to a host other than the two
  local origins is blocked and fails the test, as does a JavaScript dialog (alert/confirm), an uncaught script
  error or a Content-Security-Policy violation. A test making its own context calls `guard.watch(context)`.

Tests using them are marked `browser`.
"""

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, expect, sync_playwright

from app.core.config import PROJECT_ROOT, Settings, get_settings
from app.main import create_app
from tests.processes import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BLANK_TILE = "/static/blank-tile.png"
VENDOR = PROJECT_ROOT / "app" / "static" / "vendor"
CSP_VIOLATION = re.compile(r"Content Security Policy", re.I)


class OtherSite:
    """A second origin: `put(path, html)` then open `url(path)`."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(urlsplit(self.path).path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def put(self, path: str, html: str) -> str:
        self.pages[path] = html
        return self.origin + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# A busy 2-core CI machine can take a while to draw markers: wait up to 15 s (not the default 5 s) before failing.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def other_site() -> Iterator[OtherSite]:
    site = OtherSite()
    yield site
    site.close()


def free_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@contextmanager
def serving(settings: Settings, url: str | None = None) -> Iterator[str]:
    """The app with these settings, served by uvicorn in a thread at `url` (a free port by default); yields its URL."""
    if not (VENDOR / "leaflet" / "leaflet.js").exists():
        pytest.fail("The front-end libraries are missing: run `make frontend` (make test does it for you).")
    url = url or free_port_url()
    port = int(url.rsplit(":", 1)[1])
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("The test server did not start")
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def live_server(database: str, other_site: OtherSite) -> Iterator[str]:
    settings = get_settings().model_copy(update={"tile_url": BLANK_TILE, "embed_allowed_origins": [other_site.origin]})
    with serving(settings) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Guard:
    """What a page did that a test must not let pass."""

    allowed_hosts: set[str]
    outside_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> BrowserContext:
        """Watches every request and page of this context (call before opening pages)."""
        context.route("**/*", self.route)
        context.on("page", self.watch_page)
        return context

    def watch_page(self, page: Page) -> None:
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", self.console)

    def route(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc in self.allowed_hosts:
            route.continue_()
        else:
            self.outside_requests.append(url)
            route.abort()

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and CSP_VIOLATION.search(message.text):
            self.csp_violations.append(message.text)

    def check(self) -> None:
        assert not self.outside_requests, f"requests left the app's own origin: {self.outside_requests}"
        assert not self.dialogs, f"a script opened a dialog: {self.dialogs}"
        assert not self.page_errors, f"uncaught script errors: {self.page_errors}"
        assert not self.csp_violations, f"Content-Security-Policy violations: {self.csp_violations}"


@pytest.fixture
def guard(live_server: str, other_site: OtherSite) -> Iterator[Guard]:
    """Checked when the test ends; route a context's requests through `guard.route` to watch them."""
    watcher = Guard(allowed_hosts={urlsplit(live_server).netloc, urlsplit(other_site.origin).netloc})
    yield watcher
    watcher.check()


@pytest.fixture
def page(browser: Browser, live_server: str, guard: Guard) -> Iterator[Page]:
    context = guard.watch(browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800}))
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
