"""Freshness: the stale flag, verifying (API, moderation pages), `assetmap stale`, and nearby ranking by band."""

import csv
import io
import math
import random
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session
from typer.testing import CliRunner

from app.accounts.models import Role
from app.accounts.service import create_api_key
from app.cli import app as cli
from app.core.config import get_settings
from app.search.repository import BAND_M, KNN_FACTOR, nearby_json_statement, page_params
from tests.factories import make_asset
from tests.people import browser, csrf_of, make_user, sign_in
from tests.search.test_nearby import ORIGIN, geodesic_m, point_at

SCRIPT = "<script>alert('x')</script>"
M1 = {"lat": 53.4809, "lon": -2.2374}  # Manchester (E08000003)
LEEDS = {"lat": 53.7997, "lon": -1.5492}  # Leeds (E08000035)
YEAR = timedelta(days=365)


def ago(delta: timedelta) -> datetime:
    return datetime.now(UTC) - delta


@pytest.fixture
def moderator_headers(session: Session) -> dict[str, str]:
    return {"X-API-Key": create_api_key(session, "moderation tool", Role.moderator)[1]}


def history_actions(session: Session, asset_id: uuid.UUID) -> list[str]:
    sql = "SELECT action FROM asset_history WHERE asset_id = :a ORDER BY id"
    return list(session.execute(text(sql), {"a": asset_id}).scalars())


# The flag


def test_the_flag_turns_on_just_after_365_days(client, session: Session) -> None:
    just_fresh = make_asset(session, name="Just fresh", last_verified_at=ago(YEAR - timedelta(minutes=5)))
    just_stale = make_asset(session, name="Just stale", last_verified_at=ago(YEAR + timedelta(minutes=5)))
    never = make_asset(session, name="Never verified")
    flags = {a.name: client.get(f"/api/v1/assets/{a.id}").json()["stale"] for a in (just_fresh, just_stale, never)}
    assert flags == {"Just fresh": False, "Just stale": True, "Never verified": True}
    items = client.get("/api/v1/assets/nearby", params={**M1, "radius_m": 5000}).json()["items"]
    assert {i["name"]: i["stale"] for i in items} == flags
    listed = client.get("/api/v1/assets", params={"bbox": "-2.3,53.4,-2.2,53.5"}).json()["items"]
    assert {i["name"]: i["stale"] for i in listed} == flags


def test_the_flag_follows_the_setting_everywhere(client, session: Session, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "stale_after_days", 30)
    month_old = make_asset(session, name="Month old", last_verified_at=ago(timedelta(days=40)))
    assert client.get(f"/api/v1/assets/{month_old.id}").json()["stale"] is True
    result = CliRunner().invoke(cli, ["stale"])
    assert result.exit_code == 0 and "Month old" in result.stdout


def test_the_flag_is_not_recorded_in_history_and_restore_still_works(client, session: Session, moderator_headers) -> None:
    asset = make_asset(session, name="Tuesday Singers")
    client.post(f"/api/v1/assets/{asset.id}/verify", headers=moderator_headers)
    history = client.get(f"/api/v1/assets/{asset.id}/history", headers=moderator_headers).json()
    assert all("stale" not in h["snapshot"] and "stale" not in h["changes"] for h in history)
    restored = client.post(f"/api/v1/assets/{asset.id}/history/{history[0]['id']}/restore", headers=moderator_headers)
    assert restored.status_code == 200, restored.text
    assert restored.json()["stale"] is True and restored.json()["last_verified_at"] is None


# Verifying through the API


def test_a_moderator_verifies_a_place_and_history_records_it(client, session: Session, moderator_headers) -> None:
    asset = make_asset(session, name="Knit and Natter", last_verified_at=ago(2 * YEAR))
    before = datetime.now(UTC)
    response = client.post(f"/api/v1/assets/{asset.id}/verify", headers=moderator_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stale"] is False
    assert before <= datetime.fromisoformat(body["last_verified_at"]) <= datetime.now(UTC)
    assert client.get(f"/api/v1/assets/{asset.id}").json()["stale"] is False
    latest = client.get(f"/api/v1/assets/{asset.id}/history", headers=moderator_headers).json()[-1]
    assert latest["action"] == "verify"
    assert latest["actor"].startswith("api-key:") and "moderation tool" in latest["actor"]
    assert list(latest["changes"]) == ["last_verified_at"]
    old, new = (datetime.fromisoformat(v) for v in latest["changes"]["last_verified_at"])
    assert old < ago(YEAR) and new == datetime.fromisoformat(body["last_verified_at"])


def test_admins_may_verify_and_unknown_places_are_404(client, session: Session, admin_headers) -> None:
    asset = make_asset(session)
    assert client.post(f"/api/v1/assets/{asset.id}/verify", headers=admin_headers).status_code == 200
    missing = client.post(f"/api/v1/assets/{uuid.uuid4()}/verify", headers=admin_headers)
    assert missing.status_code == 404 and "id" in missing.json()["detail"]
    assert client.post("/api/v1/assets/not-an-id/verify", headers=admin_headers).status_code == 422


def test_an_archived_place_cannot_be_verified(client, session: Session, admin_headers) -> None:
    asset = make_asset(session)
    assert client.post(f"/api/v1/assets/{asset.id}/archive", headers=admin_headers).status_code == 200
    refused = client.post(f"/api/v1/assets/{asset.id}/verify", headers=admin_headers)
    assert refused.status_code == 409 and "archived" in refused.json()["detail"]
    history = client.get(f"/api/v1/assets/{asset.id}/history", headers=admin_headers).json()
    assert [entry["action"] for entry in history].count("verify") == 0


def test_only_moderators_and_admins_may_verify(app, client, session: Session) -> None:
    asset = make_asset(session)
    path = f"/api/v1/assets/{asset.id}/verify"
    assert client.post(path).status_code == 401
    assert client.post(path, headers={"X-API-Key": "am_not-a-real-key"}).status_code == 401
    link_key = create_api_key(session, "gp surgery", Role.link_worker)[1]
    refused = client.post(path, headers={"X-API-Key": link_key})
    assert refused.status_code == 403 and "link_worker" in refused.json()["detail"]
    make_user(session, Role.link_worker, "lw@nhs.example")
    web = browser(app)
    sign_in(web, "lw@nhs.example")
    csrf = csrf_of(web.get("/add").text)
    assert web.post(path, headers={"X-CSRF-Token": csrf}).status_code == 403
    assert history_actions(session, asset.id) == ["create"]


def test_area_limited_moderators_verify_only_inside_their_areas(app, session: Session, councils) -> None:
    manchester = make_asset(session, name="Manchester Group", **M1)
    leeds = make_asset(session, name="Leeds Group", **LEEDS)
    make_user(session, Role.moderator, "mcr@council.example", areas=["E08000003"])
    web = browser(app)
    sign_in(web, "mcr@council.example")
    csrf = csrf_of(web.get("/moderate/stale").text)
    assert web.post(f"/api/v1/assets/{manchester.id}/verify").status_code == 403  # a session needs its CSRF token
    assert web.post(f"/api/v1/assets/{leeds.id}/verify", headers={"X-CSRF-Token": csrf}).status_code == 403
    assert web.post(f"/api/v1/assets/{manchester.id}/verify", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert history_actions(session, leeds.id) == ["create"]
    assert history_actions(session, manchester.id) == ["create", "verify"]


# The "Still running?" page


def test_the_stale_page_lists_stale_places_oldest_first_and_verifies_in_one_click(app, session: Session) -> None:
    make_asset(session, name="Fresh", last_verified_at=ago(timedelta(days=10)))
    make_asset(session, name="Pending", status="pending")
    make_asset(session, name="Archived", status="archived")
    two_years = make_asset(session, name="Two years", last_verified_at=ago(2 * YEAR), postcode="M1 1AE")
    make_asset(session, name="Eighteen months", last_verified_at=ago(YEAR + timedelta(days=180)))
    make_asset(session, name="Never")
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    assert 'href="/moderate/stale"' in web.get("/moderate").text
    page = web.get("/moderate/stale")
    assert page.status_code == 200
    html = page.text
    assert "3 places to check" in html
    assert html.index("Never") < html.index("Two years") < html.index("Eighteen months")
    for absent in ("Fresh", "Pending", "Archived"):
        assert absent not in html
    assert f'href="/places/{two_years.id}"' in html and f'href="/moderate/assets/{two_years.id}/history"' in html
    assert "M1 1AE" in html
    done = web.post(
        f"/moderate/assets/{two_years.id}/verify",
        data={"csrf_token": csrf_of(html), "next": "/moderate/stale?area=&offset=0"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/moderate/stale?offset=0&verified={two_years.id}"
    after = web.get(done.headers["location"]).text
    assert "Marked Two years as still running" in after and "2 places to check" in after
    assert history_actions(session, two_years.id) == ["create", "verify"]
    unknown = web.get("/moderate/stale", params={"verified": str(uuid.uuid4())})
    assert unknown.status_code == 200 and "Marked" not in unknown.text
    # only pages of this site are followed back to
    away = web.post(
        f"/moderate/assets/{two_years.id}/verify",
        data={"csrf_token": csrf_of(html), "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert away.headers["location"] == f"/moderate/stale?verified={two_years.id}"


def test_the_stale_page_pages_fifty_at_a_time(app, session: Session) -> None:
    for i in range(52):
        make_asset(session, name=f"Old place {i:02d}", last_verified_at=ago(YEAR + timedelta(days=100 - i)))
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    first = web.get("/moderate/stale").text
    assert "52 places to check" in first and "Old place 00" in first and "Old place 49" in first
    assert "Old place 50" not in first and "?area=&offset=50" in first
    second = web.get("/moderate/stale", params={"offset": 50}).text
    assert "Old place 50" in second and "Old place 51" in second and "Old place 49" not in second


def test_the_stale_page_needs_csrf_and_a_moderator(app, session: Session) -> None:
    asset = make_asset(session, name="Old")
    assert browser(app).get("/moderate/stale").status_code == 401
    make_user(session, Role.link_worker, "lw@nhs.example")
    lw = browser(app)
    sign_in(lw, "lw@nhs.example")
    assert lw.get("/moderate/stale").status_code == 403
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    assert web.post(f"/moderate/assets/{asset.id}/verify", data={}).status_code == 403
    assert web.post(f"/moderate/assets/{asset.id}/verify", data={"csrf_token": "x" * 43}).status_code == 403
    assert history_actions(session, asset.id) == ["create"]
    csrf = csrf_of(web.get("/moderate/stale").text)
    assert web.post(f"/moderate/assets/{uuid.uuid4()}/verify", data={"csrf_token": csrf}).status_code == 404


def test_names_are_escaped_on_the_stale_page(app, session: Session) -> None:
    asset = make_asset(session, name=f"Lunch {SCRIPT} club")
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    html = web.get("/moderate/stale").text
    assert SCRIPT not in html and "Lunch &lt;script&gt;" in html
    confirmed = web.post(f"/moderate/assets/{asset.id}/verify", data={"csrf_token": csrf_of(html)}).text
    assert SCRIPT not in confirmed and "Marked Lunch &lt;script&gt;" in confirmed


def test_the_stale_page_keeps_to_the_moderators_areas(app, session: Session, councils) -> None:
    make_asset(session, name="Manchester Group", **M1)
    leeds = make_asset(session, name="Leeds Group", **LEEDS)
    make_user(session, Role.moderator, "mcr@council.example", areas=["E08000003"])
    web = browser(app)
    sign_in(web, "mcr@council.example")
    html = web.get("/moderate/stale").text
    assert "Manchester Group" in html and "Leeds Group" not in html
    assert "Manchester (E08000003)" in html and "Leeds (E08000035)" not in html
    assert web.get("/moderate/stale", params={"area": "E08000035"}).status_code == 403
    elsewhere = web.get("/moderate/stale", params={"verified": str(leeds.id)})  # no confirmation outside the areas
    assert elsewhere.status_code == 200 and "Leeds Group" not in elsewhere.text
    assert web.post(f"/moderate/assets/{leeds.id}/verify", data={"csrf_token": csrf_of(html)}).status_code == 403
    assert history_actions(session, leeds.id) == ["create"]
    # a moderator for everywhere sees both, and can narrow to one council
    make_user(session, Role.moderator, "all@council.example")
    everywhere = browser(app)
    sign_in(everywhere, "all@council.example")
    both = everywhere.get("/moderate/stale").text
    assert "Manchester Group" in both and "Leeds Group" in both
    in_leeds = everywhere.get("/moderate/stale", params={"area": "e08000035"}).text
    assert "Leeds Group" in in_leeds and "Manchester Group" not in in_leeds
    unknown = everywhere.get("/moderate/stale", params={"area": "E99999999"})
    assert unknown.status_code == 422 and "Unknown area" in unknown.text


def test_the_history_page_offers_still_running(app, session: Session) -> None:
    asset = make_asset(session, name="Old club", last_verified_at=ago(2 * YEAR))
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    page = web.get(f"/moderate/assets/{asset.id}/history").text
    assert "Not verified for over a year" in page and "Still running?" in page
    after = web.post(
        f"/moderate/assets/{asset.id}/verify",
        data={"csrf_token": csrf_of(page), "next": f"/moderate/assets/{asset.id}/history"},
    )
    assert after.status_code == 200
    assert "Verify," in after.text and "Not verified for over a year" not in after.text
    assert history_actions(session, asset.id) == ["create", "verify"]


# assetmap stale


def run_stale(*args: str):
    return CliRunner().invoke(cli, ["stale", *args])


def test_the_stale_command_lists_oldest_first(session: Session) -> None:
    make_asset(session, name="Fresh", last_verified_at=ago(timedelta(days=3)))
    make_asset(session, name="Pending", status="pending")
    old = make_asset(session, name="Old", last_verified_at=datetime(2020, 5, 1, tzinfo=UTC), postcode="M1 1AE")
    never = make_asset(session, name="Never")
    result = run_stale()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"Never\tnot yet checked\t\t{never.id}", f"Old\t2020-05-01\tM1 1AE\t{old.id}"]
    assert "2 published places not verified for over 365 days" in result.stderr
    as_csv = run_stale("--csv", "--limit", "1")
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows == [["name", "last_verified", "postcode", "id"], ["Never", "not yet checked", "", str(never.id)]]
    assert "showing the first 1" in as_csv.stderr


def test_the_stale_command_filters_by_area(session: Session, councils) -> None:
    make_asset(session, name="Manchester Group", **M1)
    make_asset(session, name="Leeds Group", **LEEDS)
    result = run_stale("--area", "e08000035")
    assert result.exit_code == 0, result.output
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["Leeds Group"]
    unknown = run_stale("--area", "E99999999")
    assert unknown.exit_code == 1 and "Unknown area 'E99999999'" in unknown.output and unknown.stdout == ""


# Nearby ranking


def nearby(client, **params: object) -> dict:
    response = client.get("/api/v1/assets/nearby", params={"lat": ORIGIN[0], "lon": ORIGIN[1], **params})
    assert response.status_code == 200, response.text
    return response.json()


def place(session: Session, name: str, metres: float, fresh: bool, bearing: float = 0) -> None:
    lat, lon = point_at(metres, bearing)
    verified = ago(timedelta(days=30)) if fresh else ago(2 * YEAR)
    make_asset(session, name=name, lat=lat, lon=lon, last_verified_at=verified)


def test_fresh_places_come_first_within_a_band_but_never_across_bands(client, session: Session) -> None:
    place(session, "Stale 50", 50, fresh=False)
    place(session, "Fresh 350", 350, fresh=True)
    place(session, "Stale 410", 410, fresh=False)
    place(session, "Fresh 790", 790, fresh=True)
    place(session, "Fresh 820", 820, fresh=True)
    items = nearby(client, radius_m=2000)["items"]
    assert [i["name"] for i in items] == ["Fresh 350", "Stale 50", "Fresh 790", "Stale 410", "Fresh 820"]
    for item in items:
        assert item["distance_m"] == pytest.approx(geodesic_m(item["lat"], item["lon"]), abs=0.05)
    assert [i["stale"] for i in items] == [False, True, False, True, False]


def test_a_fresh_place_further_in_the_band_leads_even_the_first_small_page(client, session: Session) -> None:
    for i in range(5):
        place(session, f"Stale {i}", 10 + 10 * i, fresh=False, bearing=72 * i)
    place(session, "Fresh far in the band", 390, fresh=True)
    place(session, "Fresh next band", 401, fresh=True)
    first = nearby(client, limit=2)
    assert [i["name"] for i in first["items"]] == ["Fresh far in the band", "Stale 0"]
    assert first["total"] == 7


def test_a_fresh_place_beyond_the_nearest_stale_ones_still_leads_its_band(client, session: Session) -> None:
    """The ranking first looks only at the `KNN_FACTOR` × window nearest (app/search/repository.py); a fresh place
    beyond them, but in the same band as the stale ones among them, must still come first."""
    nearest = KNN_FACTOR * 2 + 2
    for i in range(nearest):
        place(session, f"Stale {i}", 10 + 5 * i, fresh=False, bearing=360 / nearest * i)
    place(session, "Fresh far in the band", 390, fresh=True)
    assert [i["name"] for i in nearby(client, limit=2)["items"]] == ["Fresh far in the band", "Stale 0"]
    second = nearby(client, limit=1, offset=1)
    assert [i["name"] for i in second["items"]] == ["Stale 0"] and second["total"] == nearest + 1


def ranking_scan_ran(session: Session, fresh: bool) -> bool:
    """Whether the ranking's scan out to the end of the band (its third step) ran for a page of 5 among 30 places
    within 100 m, all `fresh` or all stale."""
    for i in range(30):
        place(session, f"P{i}", 5 + 3 * i, fresh=fresh, bearing=12 * i)
    for setting in ("enable_seqscan", "enable_bitmapscan"):  # the plan a large table gets, as in test_nearby
        session.execute(text(f"SET LOCAL {setting} = off"))
    params = {"lat": ORIGIN[0], "lon": ORIGIN[1], "radius": 1609, **page_params(5, 0), "remote_limit": 5}
    plan = "\n".join(r[0] for r in session.execute(text("EXPLAIN ANALYZE " + nearby_json_statement([], [])), params))
    scan = plan[plan.index("One-Time Filter: (NOT"):]
    node = next(line for line in scan.splitlines() if re.search(r"Scan .*on asset a", line))
    return "never executed" not in node


def test_the_ranking_reads_no_further_when_the_nearest_places_settle_the_page(session: Session) -> None:
    assert not ranking_scan_ran(session, fresh=True)


def test_the_ranking_reads_the_whole_band_when_stale_places_could_be_overtaken(session: Session) -> None:
    assert ranking_scan_ran(session, fresh=False)


def test_mixed_pages_follow_the_documented_order_without_gaps_or_duplicates(client, session: Session) -> None:
    rng = random.Random(5)
    for i in range(30):
        metres = rng.uniform(0, 1500)
        if abs(metres - BAND_M * round(metres / BAND_M)) < 1:  # keep clear of band edges, where metres could round
            metres += 2
        place(session, f"P{i}", metres, fresh=rng.random() < 0.5, bearing=rng.uniform(0, 360))
    everything = nearby(client, limit=100)["items"]
    expected = sorted(
        everything, key=lambda i: (math.floor(geodesic_m(i["lat"], i["lon"]) / BAND_M), i["stale"], i["distance_m"])
    )
    assert [i["id"] for i in everything] == [i["id"] for i in expected]
    assert len({i["stale"] for i in everything}) == 2
    seen: list[str] = []
    url: str | None = "/api/v1/assets/nearby"
    params: dict | None = {"lat": ORIGIN[0], "lon": ORIGIN[1], "limit": 4}
    while url:
        body = client.get(url, params=params).json()
        assert body["total"] == 30
        seen += [i["id"] for i in body["items"]]
        url, params = body["next"], None
    assert seen == [i["id"] for i in everything]
