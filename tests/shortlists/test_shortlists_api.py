"""The shortlist API: sharing a list of places, reading it back, expiry, validation, the rate limit and the purge."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.core.config import get_settings
from app.shortlists.service import purge_expired
from tests.factories import make_asset


@pytest.fixture
def places(session: Session):
    return [
        make_asset(session, name="Tuesday Singers", last_verified_at=datetime.now(UTC) - timedelta(days=30)),
        make_asset(session, name="Old Lunch Club", last_verified_at=datetime.now(UTC) - timedelta(days=400)),
        make_asset(session, name="Never Checked Garden"),
    ]


def share(client, items, title=None):
    body = {"items": items, **({"title": title} if title is not None else {})}
    return client.post("/api/v1/shortlists", json=body)


def test_share_and_read_back_in_the_chosen_order(client, places):
    order = [places[2], places[0], places[1]]
    made = share(client, [{"asset_id": str(p.id), "note": f"note {i}"} for i, p in enumerate(order)], "For Tuesday")
    assert made.status_code == 201, made.text
    body = made.json()
    assert len(body["code"]) == 16
    assert body["url"] == f"http://testserver/s/{body['code']}"
    expires = datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=1)

    got = client.get(f"/api/v1/shortlists/{body['code']}")
    assert got.status_code == 200
    assert got.headers["cache-control"] == "no-store"
    data = got.json()
    assert data["title"] == "For Tuesday"
    assert [i["asset"]["name"] for i in data["items"]] == ["Never Checked Garden", "Tuesday Singers", "Old Lunch Club"]
    assert [i["note"] for i in data["items"]] == ["note 0", "note 1", "note 2"]
    assert [i["asset"]["stale"] for i in data["items"]] == [True, False, True]
    assert [i["position"] for i in data["items"]] == [1, 2, 3]


def test_codes_are_different_and_unguessable(client, places):
    codes = {share(client, [{"asset_id": str(places[0].id)}]).json()["code"] for _ in range(5)}
    assert len(codes) == 5
    assert client.get("/api/v1/shortlists/AAAAAAAAAAAAAAAA").status_code == 404
    assert client.get("/api/v1/shortlists/%27%3B--%20drop").status_code == 404


def test_public_base_url_makes_the_link(client, places, monkeypatch):
    monkeypatch.setattr(get_settings(), "public_base_url", "https://map.example.org/")
    body = share(client, [{"asset_id": str(places[0].id)}]).json()
    assert body["url"] == f"https://map.example.org/s/{body['code']}"


def test_unknown_shortlist_is_404(client):
    response = client.get("/api/v1/shortlists/abcdefghijklmnop")
    assert response.status_code == 404
    assert "no shortlist" in response.json()["detail"]


def test_expired_shortlist_is_410_then_purged(client, session, places):
    code = share(client, [{"asset_id": str(places[0].id)}]).json()["code"]
    keep = share(client, [{"asset_id": str(places[1].id)}]).json()["code"]
    session.execute(text("UPDATE shortlist SET expires_at = now() - interval '1 day' WHERE code = :c"), {"c": code})
    session.commit()
    gone = client.get(f"/api/v1/shortlists/{code}")
    assert gone.status_code == 410
    assert "expired" in gone.json()["detail"]

    assert purge_expired(session) == 1
    assert client.get(f"/api/v1/shortlists/{code}").status_code == 404
    assert client.get(f"/api/v1/shortlists/{keep}").status_code == 200
    assert session.execute(text("SELECT count(*) FROM shortlist_item")).scalar_one() == 1


def test_purge_command(client, session, places):
    from typer.testing import CliRunner

    from app.cli import app as cli

    code = share(client, [{"asset_id": str(places[0].id)}]).json()["code"]
    session.execute(text("UPDATE shortlist SET expires_at = now() - interval '1 second' WHERE code = :c"), {"c": code})
    session.commit()
    result = CliRunner().invoke(cli, ["purge-shortlists"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 expired shortlist." in result.output
    assert session.execute(text("SELECT count(*) FROM shortlist")).scalar_one() == 0


def test_unknown_or_unpublished_place_is_422_naming_it(client, session, places):
    from app.assets.service import archive_asset

    missing = uuid.uuid4()
    response = share(client, [{"asset_id": str(places[0].id)}, {"asset_id": str(missing)}])
    assert response.status_code == 422
    assert str(missing) in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "items.1.asset_id"

    archive_asset(session, places[1].id, actor="tests")
    response = share(client, [{"asset_id": str(places[1].id)}])
    assert response.status_code == 422
    assert str(places[1].id) in response.json()["detail"]
    assert session.execute(text("SELECT count(*) FROM shortlist")).scalar_one() == 0


def test_archived_place_drops_out_of_a_shared_list(client, session, places):
    from app.assets.service import archive_asset

    code = share(client, [{"asset_id": str(p.id)} for p in places]).json()["code"]
    archive_asset(session, places[1].id, actor="tests")
    names = [i["asset"]["name"] for i in client.get(f"/api/v1/shortlists/{code}").json()["items"]]
    assert names == ["Tuesday Singers", "Never Checked Garden"]


@pytest.mark.parametrize(
    ("items", "title", "field"),
    [
        ([], None, "items"),
        ("many", None, "items"),
        ("twice", None, "items.1.asset_id"),
        ([{"asset_id": "not-a-uuid"}], None, "items.0.asset_id"),
        ([{"asset_id": "ID", "note": "x" * 281}], None, "items.0.note"),
        ([{"asset_id": "ID", "note": "bad\x07bell"}], None, "items.0.note"),
        ([{"asset_id": "ID"}], "t" * 121, "title"),
        ([{"asset_id": "ID"}], "a\x00b", "title"),
        ([{"asset_id": "ID", "name": "Jo Bloggs"}], None, "items.0.name"),
    ],
)
def test_validation(client, session, places, items, title, field):
    first = str(places[0].id)
    if items == "many":
        items = [{"asset_id": str(make_asset(session).id)} for _ in range(31)]
    elif items == "twice":
        items = [{"asset_id": first}, {"asset_id": first}]
    else:
        items = [{**i, "asset_id": first if i["asset_id"] == "ID" else i["asset_id"]} for i in items]
    response = share(client, items, title)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.json()


def test_thirty_items_and_a_280_character_note_are_fine(client, session):
    items = [{"asset_id": str(make_asset(session).id), "note": "n" * 280} for _ in range(30)]
    assert share(client, items, "t" * 120).status_code == 201


def test_rate_limit(client, places, monkeypatch):
    monkeypatch.setattr(get_settings(), "shortlist_rate_limit", 2)
    for _ in range(2):
        assert share(client, [{"asset_id": str(places[0].id)}]).status_code == 201
    refused = share(client, [{"asset_id": str(places[0].id)}])
    assert refused.status_code == 429
    assert "shortlists" in refused.json()["detail"]
    assert 0 < int(refused.headers["Retry-After"]) <= get_settings().shortlist_rate_window_s


def test_public_base_url_must_be_a_site_address():
    from pydantic import ValidationError

    from app.core.config import Settings

    assert Settings(public_base_url="https://map.example.org/").public_base_url == "https://map.example.org"
    assert Settings(public_base_url="https://council.gov.uk/map").public_base_url == "https://council.gov.uk/map"
    with pytest.raises(ValidationError):
        Settings(public_base_url="javascript:alert(1)")


def test_the_api_is_documented(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/shortlists"] and "get" in paths["/api/v1/shortlists/{code}"]
