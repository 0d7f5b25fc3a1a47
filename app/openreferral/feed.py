"""Reading another directory's Open Referral UK feed: a live API (base URL) or a folder of JSON files.

Either way the result is a list of fully nested services (dicts as the profile's compiled service.json describes),
or, for a service that could not be fetched, the reason.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from app.core.errors import Invalid
from app.openreferral.versions import page_is_last, page_items, page_version

PER_PAGE = 100
MAX_PAGES = 10_000
USER_AGENT = "community-asset-map-oruk-importer"

Json = dict[str, Any]


class FeedError(Exception):
    """The feed as a whole cannot be read (unreachable, not JSON, not a paged list of services)."""


@dataclass
class Fetched:
    service_id: str
    service: Json | None  # None when it could not be fetched; `problem` says why
    problem: str | None = None


class Feed(Protocol):
    label: str  # names the source in asset.source, "oruk:<label>"
    version: str | None  # the version its list envelope is in (app/openreferral/versions.py); None: told per service

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Fetched]: ...


def open_feed(source: str, timeout: float = 30) -> Feed:
    """A base URL (http/https; `timeout` seconds for each request) or a folder of JSON files."""
    if source.startswith(("http://", "https://")):
        return UrlFeed(source, timeout=timeout)
    path = Path(source)
    if path.is_dir():
        return FolderFeed(path)
    raise Invalid(f"{source!r} is neither an http(s) base URL nor a folder of JSON files.", "source")


class UrlFeed:
    """Pages through `{base}/services` for the ids first (so changes made while importing cannot shift the pages),
    then fetches each `{base}/services/{id}` for its locations, schedules and the rest."""

    def __init__(self, base_url: str, client: httpx.Client | None = None, timeout: float = 30):
        self.base = base_url.rstrip("/").removesuffix("/services")
        self.label = urlsplit(self.base).netloc
        self.version: str | None = None
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})
        self.ids = self._list_ids()

    def _get(self, path: str, **params: Any) -> Any:
        url = f"{self.base}{path}"
        try:
            response = self.client.get(url, params=params)
        except httpx.HTTPError as exc:
            raise FeedError(f"Could not reach {url}: {exc}") from exc
        if response.status_code != 200:
            raise FeedError(f"{url} answered {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError as exc:
            raise FeedError(f"{url} did not answer JSON.") from exc

    def _list_ids(self) -> list[str]:
        """Every service id, page by page until a page says it is the last, the pages run out, or a page brings
        nothing new. Neither version's page requires `total_pages`/`totalPages` or `last_page`/`last`: either may be
        missing. The first page's envelope gives the feed's version (3.0 `contents`, v1 `content`). Both versions'
        feeds take `page` from 1 and `per_page` (v1 servers built on Spring answer the same)."""
        ids: dict[str, None] = {}
        for page in range(1, MAX_PAGES + 1):
            body = self._get("/services", page=page, per_page=PER_PAGE)
            version = page_version(body)
            if version is None:
                raise FeedError(
                    f"{self.base}/services is not an Open Referral page: neither a 3.0 'contents' list nor a "
                    "version 1 'content' list."
                )
            self.version = self.version or version
            before = len(ids)
            ids.update((str(item["id"]), None) for item in page_items(body) if isinstance(item, dict) and item.get("id"))
            if len(ids) == before or page_is_last(body, page):
                break
        return list(ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[Fetched]:
        try:
            for service_id in self.ids:
                try:
                    service = self._get(f"/services/{service_id}")
                except FeedError as exc:
                    yield Fetched(service_id, None, str(exc))
                    continue
                yield Fetched(service_id, service) if isinstance(service, dict) else Fetched(service_id, None, "not a service object")
        finally:
            self.client.close()


class FolderFeed:
    """Every *.json file in the folder: single services, service_at_locations, pages of either, or lists of them.
    The same service met several times (say in a list page and as a full service) is merged, fuller values first."""

    def __init__(self, folder: Path):
        self.label = folder.resolve().name
        self.version: str | None = None  # told per service
        self.services: dict[str, Json] = {}
        for path in sorted(folder.glob("*.json")):
            try:
                content = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise FeedError(f"{path.name} is not readable JSON: {exc}") from exc
            for item in _items(content):
                self._add(item)

    def _add(self, item: Json) -> None:
        if isinstance(item.get("service"), dict) and isinstance(item.get("location"), dict):
            service = dict(item["service"])
            sal = {k: v for k, v in item.items() if k != "service"}
            service["service_at_locations"] = [*(service.get("service_at_locations") or []), sal]
            self._merge(service)
        elif item.get("id") and item.get("name") and item.get("status"):
            self._merge(item)

    def _merge(self, service: Json) -> None:
        key = str(service["id"])
        merged = self.services.setdefault(key, {})
        for name, value in service.items():
            if name == "service_at_locations":
                by_id = {str(s.get("id")): s for s in merged.get(name, [])}
                for sal in value or []:
                    old = by_id.get(str(sal.get("id")), {})
                    by_id[str(sal.get("id"))] = sal if len(json.dumps(sal)) >= len(json.dumps(old)) else old
                merged[name] = list(by_id.values())
            elif value not in (None, "", [], {}) and merged.get(name) in (None, "", [], {}):
                merged[name] = value

    def __len__(self) -> int:
        return len(self.services)

    def __iter__(self) -> Iterator[Fetched]:
        for service_id, service in self.services.items():
            yield Fetched(service_id, service)


def _items(content: Any) -> Iterator[Json]:
    if isinstance(content, list):
        for item in content:
            yield from _items(item)
    elif isinstance(content, dict):
        if page_version(content):
            yield from _items(page_items(content))
        else:
            yield content
