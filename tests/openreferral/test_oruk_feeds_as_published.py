"""`assetmap import oruk` on feeds as councils publish them (issue 19): version 1 and 3.0, served by a real local
HTTP server built here from realistic records (HTML descriptions, an empty name, a service with only a phone, one with
a service area, suppliers' `pc_` fields, several pages), and bad feeds, which are reported and lose nothing."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from app.assets.models import Asset
from app.assets.service import get_asset
from app.cli import app as cli
from app.imports.models import ImportRun
from app.openreferral.feed import FeedError
from app.openreferral.importer import Options, run_import

pytestmark = pytest.mark.usefixtures("councils")

HTML = (
    "<p>Weekly&nbsp;lunch club for people over 60.</p><p><br></p><p>Call &amp; book: it&#39;s free.</p>"
    '<script>alert("x")</script><img src=x onerror="alert(1)">'
)
CLEAN = "Weekly lunch club for people over 60.\n\nCall & book: it's free."
MANCHESTER_URI = "http://statistics.data.gov.uk/id/statistical-geography/E08000003"


class FeedServer:
    """Answers GET /services?page=N from `pages` and /services/{id} from `services`; `broken` maps a path to a status
    (500) or to "slow" (answers after the importer's timeout) or "text" (not JSON)."""

    def __init__(self) -> None:
        self.pages: list[dict[str, Any]] = []
        self.services: dict[str, dict[str, Any]] = {}
        self.broken: dict[str, Any] = {}
        self.requested: list[str] = []
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                feed.requested.append(self.path)
                problem = feed.broken.get(url.path)
                if problem == "slow":
                    time.sleep(2)
                if isinstance(problem, int):
                    return self._send(problem, b"Internal Server Error", "text/plain")
                if problem == "text":
                    return self._send(200, b"<html>Maintenance</html>", "text/html")
                if url.path == "/services":
                    page = int(parse_qs(url.query).get("page", ["1"])[0])
                    body = feed.pages[page - 1] if page <= len(feed.pages) else feed.pages[-1] | {"content": [], "contents": []}
                    return self._send(200, json.dumps(body).encode(), "application/json")
                service = feed.services.get(url.path.removeprefix("/services/"))
                if service is None:
                    return self._send(404, b"{}", "application/json")
                return self._send(200, json.dumps(service).encode(), "application/json")

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the importer gave up waiting (the timeout test)
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feed = FeedServer()
    yield feed
    feed.close()


# ---- version 1 ---------------------------------------------------------------------------------------------------


def v1_services() -> list[dict[str, Any]]:
    lunch = {
        "id": "101", "name": "Over 60s <b>Lunch</b> Club", "description": HTML, "status": "active",
        "url": "https://lunch.example.org", "email": "lunch@example.org", "fees": "<p>Free</p>",
        "pc_metadata": {"last_review": "2024-01-01"}, "pc_targetAudience": "<p>Older people</p>",
        "organization": {"id": "org-1", "name": "Age Friendly Manchester", "description": "<p>A charity</p>"},
        "service_taxonomys": [{"id": "st1", "taxonomy": {"id": "t1", "name": "Befriending", "vocabulary": "pc"}}],
        "languages": [{"id": "l1", "language": "Polish"}],
        "eligibilitys": [{"id": "e1", "eligibility": "Over 60", "minimum_age": 60, "maximum_age": None}],
        "regular_schedules": [],
        "service_at_locations": [{
            "id": "sal-101",
            "location": {
                "id": "loc-101", "name": "Town Hall", "latitude": 53.4794, "longitude": -2.2453,
                "physical_addresses": [{"id": "pa1", "address_1": "Albert Square", "city": "Manchester",
                                        "postal_code": "M2 5DB", "country": "GB"}],
                "accessibility_for_disabilities": [{"id": "a1", "accessibility": "Wheelchair accessible"}],
            },
            "regular_schedules": [{"id": "rs1", "weekday": "Tuesday", "opens_at": "10:00:00", "closes_at": "12:00:00"}],
        }],
    }
    nameless = {"id": "102", "name": "", "description": "<p>Draft</p>", "status": "active", "service_at_locations": []}
    phone_only = {
        "id": "103", "name": "Befriending phone line", "description": "<p>Someone to talk to.&nbsp;</p>",
        "status": "active", "service_at_locations": [], "service_areas": [],
        "contacts": [{"id": "c1", "name": "Desk", "phones": [{"id": "p1", "number": "0161 234 5678"}]}],
        "regular_schedules": [{"id": "rs2", "weekday": "Monday", "opens_at": "09:00", "closes_at": "17:00"}],
        "pc_referral": True,
    }
    area = {
        "id": "104", "name": "Online carers' group", "description": "Plain text, already clean.", "status": "active",
        "url": "https://carers.example.org", "service_at_locations": [],
        "service_areas": [{"id": "sa1", "service_area": "Salford", "extent": None, "uri": None}],
    }
    uri_area = {
        "id": "105", "name": "Home library service", "description": "<ul><li>Books</li><li>Audiobooks</li></ul>",
        "status": "active", "service_at_locations": [],
        "contacts": [{"id": "c2", "phones": [{"id": "p2", "number": "0161 000 0105"}]}],
        "service_areas": [{"id": "sa2", "service_area": "Manchester City Council", "uri": MANCHESTER_URI}],
    }
    return [lunch, nameless, phone_only, area, uri_area]


def serve_v1(server: FeedServer, services: list[dict[str, Any]], per_page: int = 2) -> None:
    pages = [services[i:i + per_page] for i in range(0, len(services), per_page)]
    server.pages = [
        {"totalElements": len(services), "totalPages": len(pages), "number": n, "size": per_page,
         "first": n == 0, "last": n == len(pages) - 1,
         "content": [{"id": s["id"], "name": s["name"]} for s in page]}
        for n, page in enumerate(pages)
    ]
    server.services = {s["id"]: s for s in services}


def by_name(session) -> dict[str, Any]:
    return {a.name: get_asset(session, a.id) for a in session.exec(select(Asset)).all()}


def test_a_version_1_feed_over_several_pages(session, server):
    serve_v1(server, v1_services())
    run = run_import(server.url, Options(service_areas=["E08000003"]))
    assert run.status == "succeeded"
    # notes: three services have no category of ours (filed under the default)
    assert run.counts == {"created": 4, "failed": 1, "extensions_ignored": 3, "notes": 3}, run.counts
    assert "Read as Open Referral UK version 1 (5)" in run.message
    assert "pc_metadata (1)" in run.message and "pc_targetAudience (1)" in run.message
    assert [p for p in run.errors if p["kind"] == "failed"] == [
        {"ref": "service 102", "kind": "failed", "message": "it has no name"}
    ]
    # the pages, then each service
    assert [r for r in server.requested if r.startswith("/services?")] == [
        "/services?page=1&per_page=100", "/services?page=2&per_page=100", "/services?page=3&per_page=100",
    ]
    assets = by_name(session)
    lunch = assets["Over 60s Lunch Club"]  # tags in a name are dropped too
    assert lunch.description == CLEAN
    assert "<" not in lunch.description and "alert" not in lunch.description
    assert lunch.cost_description == "Free" and lunch.delivery == "location"
    assert lunch.categories == ["befriending"] and lunch.languages == ["Polish"] and lunch.min_age == 60
    assert [(s.day, s.opens, s.closes) for s in lunch.schedule] == [("tue", "10:00", "12:00")]
    assert lunch.postcode == "M2 5DB" and lunch.accessibility == ["step_free"]
    assert lunch.organisation.name == "Age Friendly Manchester"

    line = assets["Befriending phone line"]
    assert (line.delivery, line.lat, line.service_areas) == ("phone", None, ["E08000003"])  # --service-area
    assert line.description == "Someone to talk to." and line.phone == "0161 234 5678"
    assert [(s.day, s.opens) for s in line.schedule] == [("mon", "09:00")]
    group = assets["Online carers' group"]
    assert (group.delivery, group.service_areas, group.website) == ("online", ["E08000006"], "https://carers.example.org")
    library = assets["Home library service"]
    assert (library.delivery, library.service_areas) == ("phone", ["E08000003"])
    assert library.description == "Books\nAudiobooks"

    # found by the nearby search inside their areas
    body = client_nearby(session, 53.4808, -2.2426)
    assert {i["name"] for i in body} == {"Befriending phone line", "Home library service"}

    # a second run changes nothing
    again = run_import(server.url, Options(service_areas=["E08000003"]))
    assert again.counts == {"unchanged": 4, "failed": 1, "extensions_ignored": 3, "notes": 3}, again.counts


def client_nearby(session, lat: float, lon: float) -> list[dict[str, Any]]:
    from app.assets.filters import Criteria
    from app.search.schemas import Origin
    from app.search.service import delivered_remotely_rows

    return delivered_remotely_rows(session, Origin(lat=lat, lon=lon, postcode=None), Criteria(), 20)[1]


def test_without_a_service_area_a_phone_line_is_skipped_with_the_reason(session, server):
    serve_v1(server, v1_services())
    run = run_import(server.url, Options())
    assert run.counts["created"] == 3 and run.counts["skipped"] == 1
    [skipped] = [p for p in run.errors if p["kind"] == "skipped"]
    assert skipped["ref"] == "service 103 (Befriending phone line)"
    assert "none of its service areas is an area we know" in skipped["message"]


# ---- version 3.0 -------------------------------------------------------------------------------------------------


def v3_services() -> list[dict[str, Any]]:
    def service(sid: str, name: str, **fields: Any) -> dict[str, Any]:
        return {"id": sid, "name": name, "status": "active", "description": "", **fields}

    return [
        service("a1", "Tuesday Singers", description=HTML, pc_supplier_ref="X1", service_at_locations=[{
            "id": "s1", "location": {"id": "l1", "location_type": "physical", "latitude": 53.4836, "longitude": -2.2320,
                                     "addresses": [{"id": "ad1", "address_1": "1 Piccadilly", "city": "Manchester",
                                                    "postal_code": "M1 1AE", "country": "GB"}]},
            "schedules": [{"id": "sc1", "freq": "WEEKLY", "byday": "TU", "opens_at": "10:00", "closes_at": "12:00"}]}]),
        service("a2", "   ", description="<p>No name</p>"),
        service("a3", "Samaritans-style line", phones=[{"id": "ph1", "number": "116 000"}],
                service_areas=[{"id": "sa1", "name": "United Kingdom"}]),
        service("a4", "Virtual peer group", service_at_locations=[{
            "id": "s4", "location": {"id": "l4", "location_type": "virtual", "url": "https://peer.example.org/join"}}],
            service_areas=[{"id": "sa2", "name": "Salford", "uri": "http://statistics.data.gov.uk/id/statistical-geography/E08000006"}]),
    ]


def serve_v3(server: FeedServer, services: list[dict[str, Any]], per_page: int = 3) -> None:
    pages = [services[i:i + per_page] for i in range(0, len(services), per_page)]
    server.pages = [
        {"total_items": len(services), "total_pages": len(pages), "page_number": n + 1, "size": len(page),
         "first_page": n == 0, "last_page": n == len(pages) - 1, "empty": False,
         "contents": [{"id": s["id"], "name": s["name"]} for s in page]}
        for n, page in enumerate(pages)
    ]
    server.services = {s["id"]: s for s in services}


def test_a_3_0_feed_with_service_areas_and_a_virtual_location(session, server):
    serve_v3(server, v3_services())
    run = run_import(server.url, Options())
    assert run.counts == {"created": 3, "failed": 1, "extensions_ignored": 1, "notes": 3}, run.counts
    assert "Read as Open Referral UK 3.0 (HSDS-UK-3.0) (4)" in run.message and "pc_supplier_ref (1)" in run.message
    assets = by_name(session)
    assert assets["Tuesday Singers"].description == CLEAN
    line = assets["Samaritans-style line"]
    assert (line.delivery, line.service_areas, line.phone) == ("phone", ["K02000001"], "116 000")
    group = assets["Virtual peer group"]
    assert (group.delivery, group.service_areas, group.website) == ("online", ["E08000006"], "https://peer.example.org/join")
    # inside Salford both, in Cardiff only the UK-wide line
    assert {i["name"] for i in client_nearby(session, 53.4830, -2.2930)} == {"Samaritans-style line", "Virtual peer group"}
    assert {i["name"] for i in client_nearby(session, 51.4816, -3.1791)} == {"Samaritans-style line"}


def test_our_own_output_round_trips_service_areas(session, server, client):
    """Our /oruk answers a service by phone with its service areas and no physical location; importing it back
    gives the same delivery and areas."""
    from tests.factories import make_asset

    made = make_asset(session, name="Helpline", delivery="phone", service_areas=["E08000003"], phone="0161 000 0001",
                      lat=None, lon=None)
    full = client.get(f"/oruk/services/{made.id}").json()
    assert full["service_areas"][0]["uri"] == MANCHESTER_URI and full["service_areas"][0]["name"] == "Manchester"
    assert full["service_at_locations"] == []
    session.delete(session.get(Asset, made.id))
    session.commit()
    serve_v3(server, [full])
    run = run_import(server.url, Options())
    assert run.counts == {"created": 1}, (run.counts, run.errors)
    [back] = by_name(session).values()
    assert (back.delivery, back.service_areas, back.lat) == ("phone", ["E08000003"], None)


# ---- bad feeds ---------------------------------------------------------------------------------------------------


def test_a_listing_that_is_not_json_or_not_a_page_fails_the_run_and_loses_nothing(session, server):
    serve_v1(server, v1_services())
    assert run_import(server.url, Options(service_areas=["E08000003"])).counts["created"] == 4
    server.broken["/services"] = "text"
    with pytest.raises(FeedError, match="did not answer JSON"):
        run_import(server.url, Options())
    server.broken.clear()
    server.pages = [{"items": [], "total": 0}]
    with pytest.raises(FeedError, match="neither a 3.0 'contents' list nor a version 1 'content' list"):
        run_import(server.url, Options())
    runs = session.exec(select(ImportRun).order_by(ImportRun.id)).all()
    assert [r.status for r in runs] == ["succeeded", "failed", "failed"]
    assert "not an Open Referral page" in runs[-1].message
    assert len(session.exec(select(Asset).where(Asset.status == "published")).all()) == 4  # nothing lost

    result = CliRunner().invoke(cli, ["import", "oruk", server.url])
    assert result.exit_code == 1 and "Import failed" in result.output and "not an Open Referral page" in result.output


def test_a_500_or_a_timeout_on_one_service_is_reported_and_the_rest_are_imported(session, server):
    serve_v1(server, v1_services())
    server.broken["/services/101"] = 500
    server.broken["/services/104"] = "slow"
    run = run_import(server.url, Options(service_areas=["E08000003"], timeout=0.5))
    assert run.status == "succeeded"
    assert run.counts["created"] == 2 and run.counts["failed"] == 3, run.counts
    failed = {p["ref"]: p["message"] for p in run.errors if p["kind"] == "failed"}
    assert "answered 500" in failed["service 101"]
    assert "Could not reach" in failed["service 104"] and "timed out" in failed["service 104"].lower()
    assert set(by_name(session)) == {"Befriending phone line", "Home library service"}


def test_our_output_for_services_without_a_place_is_valid_3_0(session, client):
    """Full responses and pages validate against the UK profile's compiled schemas: a service by phone (no
    service_at_location) and one online (a virtual location at its website), each with its service areas."""
    from tests.factories import make_asset
    from tests.oruk_schemas import check, check_page

    phone = make_asset(session, name="Phone line", delivery="phone", service_areas=["UK"], lat=None, lon=None)
    online = make_asset(session, name="Online group", delivery="online", service_areas=["E08000006", "E08000003"],
                        website="https://group.example.org", lat=None, lon=None)
    for made in (phone, online):
        check("compiled/service.json", client.get(f"/oruk/services/{made.id}").json())
    body = client.get(f"/oruk/services/{online.id}").json()
    assert [a["name"] for a in body["service_areas"]] == ["Salford", "Manchester"]
    [sal] = body["service_at_locations"]
    assert sal["location"] == {"id": sal["location_id"], "location_type": "virtual", "name": "Online group",
                               "url": "https://group.example.org"}
    whole = client.get(f"/oruk/services/{phone.id}").json()["service_areas"]
    assert [(a["name"], a["uri"].rsplit("/", 1)[1]) for a in whole] == [("United Kingdom", "K02000001")]
    check_page("compiled/service_list.json", client.get("/oruk/services").json())
    sals = client.get("/oruk/service_at_locations").json()
    check_page("compiled/service_at_location_list.json", sals)
    assert {s["location"]["location_type"] for s in sals["contents"]} == {"virtual"}
