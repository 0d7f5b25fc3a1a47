"""`assetmap import oruk`: from this app's own /oruk served by uvicorn on a second port, and from folders of JSON
(the profile's own examples among them)."""

import copy
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.assets.models import Asset, AssetHistory
from app.assets.schemas import AssetUpdate
from app.assets.service import get_asset, update_asset
from app.cli import app as cli
from app.imports.models import ImportRun
from app.openreferral import feed
from app.openreferral.importer import Options, import_feed, run_import
from tests.factories import make_asset
from tests.oruk_schemas import EXAMPLES
from tests.processes import free_port

COMPARED = (
    "name", "name_cy", "description", "categories", "address", "postcode", "phone", "email", "website", "free", "cost_description",
    "accessibility", "languages", "min_age", "max_age", "audience", "schedule", "opening_hours_text", "organisation",
)

ORIGINALS: list[dict[str, Any]] = [
    {
        "name": "Ancoats Lunch Club", "categories": ["lunch-clubs", "older-people-groups"], "lat": 53.4858, "lon": -2.2290,
        "description": "Hot two-course lunch & a natter.", "address": "Ancoats Dispensary, Old Mill Street, Manchester",
        "postcode": "M4 6EE", "schedule": [{"day": "mon", "opens": "12:00", "closes": "14:00", "note": "booking advised"},
                                           {"day": "thu", "opens": "12:00", "closes": "14:00"}],
        "min_age": 60, "free": False, "cost_description": "£3.50 a meal",
        "organisation": {"name": "Ancoats Community Trust", "website": "https://trust.example.org", "email": "hello@trust.example.org", "phone": "0161 000 0001"},
        "phone": "0161 000 0002", "email": "lunch@example.org", "website": "https://lunch.example.org",
        "accessibility": ["step_free", "accessible_toilet", "hearing_loop"], "languages": ["English", "Urdu", "Cymraeg"],
        "audience": "People over 60", "name_cy": "Clwb Cinio Ancoats",
    },
    {"name": "Hulme Walking Group", "categories": ["walking-groups"], "lat": 53.4660, "lon": -2.2480, "free": True,
     "schedule": [{"day": "sat", "opens": "09:00", "closes": "11:00"}]},
    {"name": "Levenshulme Library", "categories": ["libraries"], "lat": 53.4440, "lon": -2.1920,
     "opening_hours_text": "Check the website for opening times", "min_age": 0, "max_age": 120},
]


@pytest.fixture(scope="module")
def oruk_url(database: str):
    """This app, on the test database, served by uvicorn on a second local port."""
    from app.main import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{server.config.port}/oruk"
    server.should_exit = True
    thread.join(10)


def _imported(session: Session, source: str) -> dict[str, Asset]:
    session.expire_all()
    return {a.name: a for a in session.exec(select(Asset).where(Asset.source == source))}


def _public(session: Session, asset: Asset) -> dict[str, Any]:
    return get_asset(session, asset.id, record=True).model_dump(include=set(COMPARED) | {"lat", "lon"})


def test_round_trip_through_our_own_feed_is_faithful_and_idempotent(session, oruk_url, monkeypatch):
    monkeypatch.setattr(feed, "PER_PAGE", 2)  # three originals: two pages of /services
    originals = {spec["name"]: make_asset(session, **spec) for spec in ORIGINALS}
    source = f"oruk:{oruk_url.split('/')[2]}"

    result = CliRunner().invoke(cli, ["import", "oruk", oruk_url, "--status", "pending"])
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    imported = _imported(session, source)
    assert set(imported) == set(originals)
    for name, original in originals.items():
        copy_ = imported[name]
        assert copy_.status == "pending" and copy_.external_id == str(original.id)
        got, want = _public(session, copy_), original.model_dump(include=set(COMPARED) | {"lat", "lon"})
        assert got.pop("lat") == pytest.approx(want.pop("lat")) and got.pop("lon") == pytest.approx(want.pop("lon"))
        assert got == want

    run = session.exec(select(ImportRun).order_by(ImportRun.id.desc())).first()
    # Each copy is our own place again, from another source: flagged for moderators as a likely duplicate.
    assert (run.kind, run.status, run.source, run.counts) == ("oruk", "succeeded", oruk_url, {"created": 3, "possible_duplicates": 3})

    history_before = session.exec(select(AssetHistory)).all()
    again = run_import(oruk_url, Options())
    assert again.counts == {"unchanged": 3}
    assert len(session.exec(select(AssetHistory)).all()) == len(history_before)

    lunch = originals["Ancoats Lunch Club"]
    update_asset(session, lunch.id, AssetUpdate(name="Ancoats Lunch Club (Tuesdays too)", schedule=[
        {"day": "tue", "opens": "12:00", "closes": "14:00"}]), actor="tests")
    third = run_import(oruk_url, Options())
    assert third.counts == {"updated": 1, "unchanged": 2}
    updated = _imported(session, source)["Ancoats Lunch Club (Tuesdays too)"]
    assert updated.status == "pending"  # an update leaves the status alone
    assert [s.day for s in get_asset(session, updated.id, record=True).schedule] == ["tue"]
    last = session.exec(select(AssetHistory).where(AssetHistory.asset_id == updated.id).order_by(AssetHistory.id.desc())).first()
    assert last.actor == "import:oruk" and set(last.changes) == {"name", "schedule"}


def test_unreachable_feed_fails_clearly_and_is_recorded(session):
    port = free_port()
    result = CliRunner().invoke(cli, ["import", "oruk", f"http://127.0.0.1:{port}/oruk"])
    assert result.exit_code == 1
    assert "Could not reach" in result.output
    run = session.exec(select(ImportRun)).one()
    assert run.status == "failed" and "Could not reach" in run.message


def test_the_profile_examples_are_read_and_their_unusable_location_reported(session):
    result = CliRunner().invoke(cli, ["import", "oruk", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "1 skipped" in result.output and "Community Counselling" in result.output
    assert session.exec(select(Asset)).all() == []
    run = session.exec(select(ImportRun)).one()
    assert run.counts == {"skipped": 1}
    assert "valid coordinates or a known UK postcode" in run.errors[0]["message"]


def _write(folder: Path, name: str, content: Any) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps(content), encoding="utf-8")


def test_the_profile_example_service_maps_field_by_field(session, tmp_path):
    service = json.loads((EXAMPLES / "service_full.json").read_text())
    service["service_at_locations"][0]["location"] |= {"latitude": 53.4808, "longitude": -2.2426}
    _write(tmp_path / "feed", "service.json", service)
    run = run_import(str(tmp_path / "feed"), Options())
    assert run.counts["created"] == 1
    [asset] = session.exec(select(Asset).where(Asset.source == "oruk:feed")).all()
    public = get_asset(session, asset.id)
    assert asset.external_id == service["id"]
    assert (public.name, public.email, public.website) == ("Community Counselling", "email@example.com", "http://example.com/counselling")
    assert (public.min_age, public.max_age, public.free, public.cost_description) == (12, 100, False, "fees_description")
    assert public.categories == ["charities"] and public.tags == ["name"]  # no term matched: default category, kept as tag
    assert public.accessibility == ["step_free", "hearing_loop"]  # "Wheelchair access", "induction loops"
    assert [(s.day, s.opens, s.closes) for s in public.schedule] == [("thu", "10:00", "18:00"), ("fri", "10:00", "18:00")]
    assert public.address == "1-30 Main Street, MyCity, MyRegion, MyState" and public.postcode is None
    assert public.organisation.name == "Example Organization Inc." and public.organisation.website == "http://example.com"
    assert public.last_verified_at.date().isoformat() == "2005-01-01"


def _service(service_id: str, **fields: Any) -> dict[str, Any]:
    base = {
        "id": service_id, "name": f"Service {service_id[:4]}", "status": "active",
        "service_at_locations": [{"id": "5a1f0000-0000-4000-8000-000000000001", "location": {
            "id": "10c00000-0000-4000-8000-000000000001", "location_type": "physical",
            "addresses": [{"id": "addd0000-0000-4000-8000-000000000001", "address_1": "1 Oxford Road", "city": "Manchester",
                           "state_province": "", "postal_code": "m1 1ae", "country": "GB", "address_type": "physical"}]}}],
    }
    return base | fields


def _term(name: str, code: str | None = None) -> dict[str, Any]:
    term = {"id": "7e700000-0000-4000-8000-000000000001", "name": name, "description": name}
    return {"id": "a7700000-0000-4000-8000-000000000001", "taxonomy_term": term | ({"code": code} if code else {})}


def test_terms_postcodes_schedules_and_statuses_from_a_folder(session, tmp_path):
    folder = tmp_path / "borough-directory"
    food = _service(
        "f00d0000-0000-4000-8000-000000000001",
        attributes=[_term("Food Banks"), _term("Pantry", "food-pantries"), _term("Debt Help")],
        schedules=[
            {"id": "5c000000-0000-4000-8000-000000000001", "freq": "WEEKLY", "byday": "MO,WE", "opens_at": "09:30:00Z", "closes_at": "12:00:00Z"},
            {"id": "5c000000-0000-4000-8000-000000000002", "freq": "MONTHLY", "byday": "1SA", "opens_at": "10:00", "closes_at": "12:00"},
        ],
        contacts=[{"id": "c0000000-0000-4000-8000-000000000001", "phones": [{"id": "9e000000-0000-4000-8000-000000000001", "number": "0161 555 0000"}]}],
        email="not an email",
    )
    online = _service("0e000000-0000-4000-8000-000000000002", service_at_locations=[
        {"id": "5a1f0000-0000-4000-8000-000000000002", "location": {"id": "10c00000-0000-4000-8000-000000000002", "location_type": "virtual"}}])
    gone = _service("90e00000-0000-4000-8000-000000000003", status="defunct")
    _write(folder, "page.json", {"total_items": 3, "contents": [food, online, gone]})

    run = run_import(str(folder), Options())
    assert run.counts == {"created": 1, "skipped": 1, "inactive_skipped": 1, "notes": 1}
    [asset] = session.exec(select(Asset).where(Asset.source == "oruk:borough-directory")).all()
    public = get_asset(session, asset.id)
    assert public.categories == ["food-banks", "food-pantries"] and public.tags == ["Debt Help"]
    assert public.postcode == "M1 1AE" and public.lat == pytest.approx(53.48348)
    assert [(s.day, s.opens, s.closes) for s in public.schedule] == [("mon", "09:30", "12:00"), ("wed", "09:30", "12:00")]
    assert public.opening_hours_text == "MONTHLY 1SA 10:00-12:00"
    assert public.phone == "0161 555 0000" and public.email is None
    assert {p["kind"]: p["message"] for p in run.errors} == {
        "skipped": "skipped: it has no physical location and none of its service areas is an area we know (see --service-area)", "notes": "email 'not an email' is not valid: left out"
    }

    _write(folder, "page.json", {"contents": [food | {"status": "inactive"}]})
    later = run_import(str(folder), Options())
    assert later.counts == {"archived": 1, "notes": 1}
    assert [p["message"] for p in later.errors if p["kind"] == "archived"] == ["its status is inactive"]
    session.expire_all()
    assert session.get(Asset, asset.id).status == "archived"


def test_dry_run_saves_nothing_but_records_the_run(session, tmp_path):
    _write(tmp_path / "feed", "one.json", _service("d2000000-0000-4000-8000-000000000001"))
    run = run_import(str(tmp_path / "feed"), Options(dry_run=True))
    assert run.counts == {"created": 1, "notes": 1} and run.dry_run and run.message.startswith("Dry run")
    assert session.exec(select(Asset)).all() == []
    assert session.execute(text("SELECT count(*) FROM import_run WHERE dry_run")).scalar_one() == 1


def test_unknown_default_category_and_bad_source_are_refused(tmp_path):
    _write(tmp_path / "feed", "one.json", _service("d2000000-0000-4000-8000-000000000002"))
    result = CliRunner().invoke(cli, ["import", "oruk", str(tmp_path / "feed"), "--default-category", "nope"])
    assert result.exit_code == 1 and "Unknown category 'nope'" in result.output
    result = CliRunner().invoke(cli, ["import", "oruk", str(tmp_path / "missing")])
    assert result.exit_code == 1 and "neither an http(s) base URL nor a folder" in result.output


def test_a_service_seen_in_several_files_is_merged(tmp_path, session):
    full = _service("3e000000-0000-4000-8000-000000000001", description="Full text")
    listed = copy.deepcopy(full) | {"description": "", "service_at_locations": []}
    _write(tmp_path / "feed", "a_list.json", {"contents": [listed]})
    _write(tmp_path / "feed", "b_full.json", full)
    assert run_import(str(tmp_path / "feed"), Options()).counts["created"] == 1
    [asset] = session.exec(select(Asset)).all()
    assert asset.description == "Full text"


@pytest.mark.parametrize("page_info", [{}, {"last_page": False}, {"total_pages": 3}])
def test_a_feed_is_read_to_its_last_page_whatever_paging_it_states(page_info):
    """The profile requires neither `total_pages` nor `last_page`: the list is read until the pages run out."""
    ids = [f"5e000000-0000-4000-8000-{n:012d}" for n in range(250)]

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        contents = [{"id": i} for i in ids[(page - 1) * feed.PER_PAGE : page * feed.PER_PAGE]]
        return httpx.Response(200, json={**page_info, "page_number": page, "contents": contents})

    source = feed.UrlFeed("https://directory.example/feed/", client=httpx.Client(transport=httpx.MockTransport(answer)))
    assert source.ids == ids


def test_a_service_that_cannot_be_fetched_is_reported_and_the_rest_imported(session):
    """A feed whose detail endpoint fails for one service (HTTP stubbed; the database is real)."""
    good, broken = _service("600d0000-0000-4000-8000-000000000001"), _service("bad00000-0000-4000-8000-000000000002")

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/feed/services":
            return httpx.Response(200, json={"total_pages": 1, "last_page": True, "contents": [{"id": good["id"]}, {"id": broken["id"]}]})
        if request.url.path == f"/feed/services/{good['id']}":
            return httpx.Response(200, json=good)
        return httpx.Response(500, text="database on fire")

    source = feed.UrlFeed("https://directory.example/feed/", client=httpx.Client(transport=httpx.MockTransport(answer)))
    outcome = import_feed(session, source, Options())
    assert outcome.counts["created"] == 1 and outcome.counts["failed"] == 1
    assert "answered 500: database on fire" in next(p["message"] for p in outcome.problems if p["kind"] == "failed")
    [asset] = session.exec(select(Asset)).all()
    assert (asset.source, asset.external_id) == ("oruk:directory.example", good["id"])


# The lifecycle of an imported service (issue 12, item 13)


def test_a_service_that_turns_defunct_or_loses_its_location_is_archived_with_the_reason(session, tmp_path):
    folder = tmp_path / "directory"
    kept, closing, moving = (_service(f"11100000-0000-4000-8000-00000000000{n}") for n in (1, 2, 3))
    _write(folder, "page.json", {"contents": [kept, closing, moving]})
    assert run_import(str(folder), Options()).counts["created"] == 3
    nowhere = moving | {"service_at_locations": []}
    _write(folder, "page.json", {"contents": [kept, closing | {"status": "defunct"}, nowhere]})
    run = run_import(str(folder), Options())
    assert run.counts == {"unchanged": 1, "archived": 2, "notes": 2}, run.counts
    assert {p["ref"]: p["message"] for p in run.errors if p["kind"] == "archived"} == {
        "service 11100000-0000-4000-8000-000000000002 (Service 1110)": "its status is defunct",
        "service 11100000-0000-4000-8000-000000000003 (Service 1110)": "it has no physical location, no virtual location and no phone",
    }
    statuses = {a.external_id[-1]: a.status for a in session.exec(select(Asset)).all()}
    assert statuses == {"1": "published", "2": "archived", "3": "archived"}


def _organisation(name: str, website: str, org_id: str) -> dict[str, Any]:
    return {"id": org_id, "name": name, "description": "", "website": website}


def test_organisations_are_matched_by_source_and_id_never_by_name_across_sources(session, tmp_path):
    """Two directories name the same organisation; each keeps its own, and a re-run of both changes nothing."""
    a = _service("a0000000-0000-4000-8000-000000000001", organization=_organisation("Age UK", "https://a.example.org", "0a000000-0000-4000-8000-000000000001"))
    b = _service("b0000000-0000-4000-8000-000000000001", organization=_organisation("Age UK", "https://b.example.org", "0b000000-0000-4000-8000-000000000001"))
    _write(tmp_path / "north", "one.json", a)
    _write(tmp_path / "south", "one.json", b)
    for _ in range(2):
        runs = [run_import(str(tmp_path / name), Options()) for name in ("north", "south")]
    assert [r.counts.get("unchanged") for r in runs] == [1, 1], [r.counts for r in runs]
    websites = {a.source: get_asset(session, a.id).organisation.website for a in session.exec(select(Asset)).all()}
    assert websites == {"oruk:north": "https://a.example.org", "oruk:south": "https://b.example.org"}
    assert session.execute(text("SELECT count(*) FROM organisation")).scalar_one() == 2

    renamed = a | {"organization": _organisation("Age UK North", "https://a.example.org", "0a000000-0000-4000-8000-000000000001")}
    _write(tmp_path / "north", "one.json", renamed)
    assert run_import(str(tmp_path / "north"), Options()).counts.get("updated") == 1
    [north] = session.exec(select(Asset).where(Asset.source == "oruk:north")).all()
    last = session.exec(select(AssetHistory).where(AssetHistory.asset_id == north.id).order_by(AssetHistory.id.desc())).first()
    assert last.changes["organisation"][0]["name"] == "Age UK" and last.changes["organisation"][1]["name"] == "Age UK North"
    assert session.execute(text("SELECT count(*) FROM organisation")).scalar_one() == 2  # renamed, not a new one


def test_coordinates_outside_the_uk_give_way_to_the_postcode(session, tmp_path):
    service = _service("c0000000-0000-4000-8000-000000000001")
    service["service_at_locations"][0]["location"] |= {"latitude": 40.7, "longitude": -74.0}
    _write(tmp_path / "feed", "one.json", service)
    run = run_import(str(tmp_path / "feed"), Options())
    assert run.counts["created"] == 1
    [asset] = session.exec(select(Asset)).all()
    assert asset.postcode == "M1 1AE"
    assert any("outside the UK" in p["message"] and "postcode" in p["message"] for p in run.errors if p["kind"] == "notes")


def test_a_service_without_an_assured_date_is_not_yet_checked_and_our_feed_says_so(session, tmp_path, client):
    _write(tmp_path / "feed", "one.json", _service("e0000000-0000-4000-8000-000000000001", name="One"))
    _write(tmp_path / "feed", "two.json", _service("e0000000-0000-4000-8000-000000000002", name="Two", assured_date="2024-02-29"))
    run_import(str(tmp_path / "feed"), Options())
    dates = {a.external_id[-1]: a.last_verified_at for a in session.exec(select(Asset)).all()}
    assert dates["1"] is None and dates["2"].date().isoformat() == "2024-02-29"
    services = {s["name"]: s.get("assured_date") for s in client.get("/oruk/services").json()["contents"]}  # none: left out
    assert services == {"One": None, "Two": "2024-02-29"}
