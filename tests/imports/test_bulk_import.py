"""CSV and GeoJSON imports apply their rows in bulk (assets.service.upsert_many_by_source): the same assets, history
entries and outcomes as the one-row path (upsert_by_source), which stays for the rows the bulk path leaves to it."""

import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from app.assets import bulk_repository
from app.assets.models import AssetHistory, AssetStatus
from app.assets.schemas import AssetCreate
from app.assets.service import _snapshot, merge_assets, upsert_many_by_source
from app.imports import runner
from app.imports.mapping import load_mapping
from app.imports.readers import import_file, read_csv
from app.imports.runner import apply_rows
from tests.factories import make_asset
from tests.imports.test_tabular_import import GEO_MAPPING, GOOD, by_ref, feature, write

CHANGED = [
    GOOD[0].replace("14:00-16:00", "14:00-16:30"),  # a schedule
    "a2,ST MARY'S CHURCH HALL,Church Rd,Manchester,M1 1AF,53.4800,-2.2400,,cafe,19:00-21:00,\n",  # name, email, kind, hours
    GOOD[2].replace("M1 1AE", "M1 1AF"),  # placed by another postcode
]


def histories(session: Session) -> dict[str, list[tuple[str, str, dict[str, Any], dict[str, Any]]]]:
    """Each asset's history by its external id: (actor, action, changes, snapshot), oldest first."""
    sql = """
        SELECT a.external_id, h.actor, h.action, h.changes, h.snapshot FROM asset_history h JOIN asset a ON a.id = h.asset_id
        ORDER BY a.external_id, h.id
    """
    found: dict[str, list[tuple[str, str, dict[str, Any], dict[str, Any]]]] = {}
    for external_id, *entry in session.execute(text(sql)):
        found.setdefault(external_id, []).append(tuple(entry))  # type: ignore[arg-type]
    return found


def no_one_row_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a good row went through the one-row path")

    monkeypatch.setattr(runner, "upsert_by_source", refuse)


def test_bulk_and_one_row_paths_write_the_same_assets_and_history(tmp_path, session, monkeypatch):
    no_one_row_path(monkeypatch)
    path, mapping = write(tmp_path, GOOD)
    assert import_file("csv", path, mapping).counts == {"created": 3}
    write(tmp_path, CHANGED)
    assert import_file("csv", path, mapping).counts == {"updated": 3}
    bulk = histories(session)
    session.execute(text("DELETE FROM asset"))
    session.commit()
    monkeypatch.undo()

    for rows in (GOOD, CHANGED):
        write(tmp_path, rows)
        apply_rows(session, read_csv(path, load_mapping(mapping)), "csv", bulk=False)
    one_row = histories(session)
    assert [action for _, action, _, _ in bulk["a2"]] == ["create", "update"]
    assert set(bulk["a2"][1][2]) == {"name", "email", "categories", "schedule"}
    assert bulk == one_row


def test_good_rows_take_the_bulk_path_and_a_rerun_writes_nothing(tmp_path, session, monkeypatch):
    no_one_row_path(monkeypatch)
    monkeypatch.setattr(bulk_repository, "COPY_LINES", 2)  # the 3 rows go to COPY in two writes
    path, mapping = write(tmp_path, GOOD)
    assert import_file("csv", path, mapping).counts == {"created": 3}
    sessions = session.execute(text("SELECT array_agg(id ORDER BY id) FROM asset_session")).scalar_one()
    stamps = session.execute(text("SELECT array_agg(updated_at ORDER BY id) FROM asset")).scalar_one()
    assert import_file("csv", path, mapping).counts == {"unchanged": 3}
    assert session.execute(text("SELECT array_agg(id ORDER BY id) FROM asset_session")).scalar_one() == sessions
    assert session.execute(text("SELECT array_agg(updated_at ORDER BY id) FROM asset")).scalar_one() == stamps
    assert session.execute(text("SELECT count(*) FROM asset_history")).scalar_one() == 3
    assert session.execute(text("SELECT count(*) FROM asset_source_id WHERE imported IS NOT NULL")).scalar_one() == 3
    assert session.execute(text("SELECT count(*) FROM pg_class WHERE relname = 'import_stage'")).scalar_one() == 0


def test_a_merged_place_keeps_the_one_row_rule(tmp_path, session):
    """On a place that holds another source's identifier, a source changes only what changed in it."""
    path, mapping = write(tmp_path, GOOD)
    import_file("csv", path, mapping)
    other = make_asset(session, name="The Corner Café", source="council", external_id="c-9", phone="0161 000 0000")
    merge_assets(session, other.id, by_ref(session, "a1").id, "moderator")
    merged = [GOOD[0].replace("THE CORNER CAFE", "CORNER CAFE"), *GOOD[1:]]
    write(tmp_path, merged)
    assert import_file("csv", path, mapping).counts == {"updated": 1, "unchanged": 2}
    session.expire_all()
    kept = session.exec(select(AssetHistory).where(AssetHistory.asset_id == other.id).order_by(AssetHistory.id)).all()[-1]
    assert kept.action == "update" and set(kept.changes) == {"name"} and kept.snapshot["phone"] == "0161 000 0000"


def test_a_batch_the_database_refuses_goes_row_by_row(tmp_path, session, monkeypatch):
    def refused(*args: Any) -> None:
        raise DBAPIError("COPY asset_history", {}, Exception("refused"))

    monkeypatch.setattr(bulk_repository, "copy_history", refused)
    path, mapping = write(tmp_path, GOOD)
    assert import_file("csv", path, mapping).counts == {"created": 3}
    assert session.execute(text("SELECT count(*) FROM asset_history")).scalar_one() == 3


def test_a_dry_run_in_bulk_leaves_nothing(tmp_path, session, monkeypatch):
    no_one_row_path(monkeypatch)
    path, mapping = write(tmp_path, GOOD)
    run = import_file("csv", path, mapping, dry_run=True)
    assert run.counts == {"created": 3}
    assert session.execute(text("SELECT count(*) FROM asset")).scalar_one() == 0


def test_geojson_features_take_the_bulk_path(tmp_path, session, monkeypatch):
    no_one_row_path(monkeypatch)
    features = [
        feature("p1", "Piccadilly Gardens", {"type": "Point", "coordinates": [-2.2367, 53.4810]}),
        feature("p3", "Postcode Park", None, postcode="M1 1AE"),
    ]
    (tmp_path / "parks.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    (tmp_path / "parks.yaml").write_text(GEO_MAPPING)
    assert import_file("geojson", tmp_path / "parks.geojson", tmp_path / "parks.yaml").counts == {"created": 2}
    assert import_file("geojson", tmp_path / "parks.geojson", tmp_path / "parks.yaml").counts == {"unchanged": 2}
    assert session.execute(text("SELECT count(*) FROM asset_history WHERE actor = 'import:geojson'")).scalar_one() == 2


def test_text_with_quotes_backslashes_and_line_breaks_arrives_as_written(tmp_path, session, monkeypatch):
    """The staging COPY writes its own text format: the characters it escapes must come through unchanged."""
    no_one_row_path(monkeypatch)
    name = 'Caf\u00e9 "Y Bont" \\ Back\tRoom {a,b} NULL'
    row = '"a1","' + name.replace('"', '""') + '","1 High St\nRear door",Manchester,M1 1AE,53.4835,-2.2312,,cafe,,\n'
    path, mapping = write(tmp_path, [row])
    assert import_file("csv", path, mapping).counts == {"created": 1}
    asset = by_ref(session, "a1")
    assert asset.name == 'Caf\u00e9 "Y Bont" \\ Back\tRoom {A,B} Null'  # the mapping title-cases the name
    assert asset.address == "1 High St\nRear door, Manchester"
    snapshot = session.exec(select(AssetHistory)).one().snapshot
    assert snapshot["name"] == asset.name and snapshot["address"] == asset.address
    assert import_file("csv", path, mapping).counts == {"unchanged": 1}


def test_created_places_history_as_the_one_row_path_reads_them(session):
    """The database writes a created place's history entry (bulk_repository.write_created_history): its snapshot is
    the place as `_snapshot` reads it through AssetPublic, and its changes every value that is not empty, whatever
    the kind of value (times with and without microseconds, numbers, lists, booleans, Welsh text, sessions)."""
    common = {
        "source": "rich", "description": "Tea and talk", "description_cy": "Te a sgwrs", "tags": ["tea", "talk"],
        "address": "1 High St", "postcode": "M1 1AE", "lat": 53.4835, "lon": -2.2312, "phone": "0161 000 0000",
        "website": "https://example.org/tea", "free": False, "accessibility": ["step_free", "hearing_loop"],
        "languages": ["Welsh"], "min_age": 0, "max_age": 99, "drop_in": True, "categories": ["cafes"],
        "schedule": [{"day": "mon", "opens": "09:00", "closes": "17:30", "note": "term time"}],
        "location_precision": "approximate",
    }
    items = [
        AssetCreate.model_validate(common | {"external_id": "r1", "name": "Tea Room", "name_cy": "Ystafell De",
                                              "last_verified_at": "2026-03-01T10:20:30Z"}),
        AssetCreate.model_validate(common | {"external_id": "r2", "name": "Tea Hut", "name_cy": "",
                                              "last_verified_at": "2026-03-01T10:20:30.000123+01:00"}),
    ]
    assert upsert_many_by_source(session, items, "import:test", AssetStatus.published) == ["created", "created"]
    for asset_id, changes, snapshot in session.execute(text("SELECT asset_id, changes, snapshot FROM asset_history")):
        assert snapshot == _snapshot(session, asset_id)
        assert changes == {k: [None, v] for k, v in snapshot.items() if v not in (None, [], "")}


@pytest.mark.parametrize("others", [1, 4])
def test_an_import_flags_the_same_duplicate_whichever_side_leads(tmp_path, session, others):
    """The check pairs places from the smaller side (assets.repository.flag_duplicates): one place without the file's
    source against the file's three, or four against three; the same pair either way."""
    make_asset(session, name="The Corner Cafe", lat=53.4836, lon=-2.2313)
    for n in range(others - 1):
        make_asset(session, name=f"Far Away Hall {n}", lat=52.0, lon=-1.0 - n / 100)
    path, mapping = write(tmp_path, GOOD)
    assert import_file("csv", path, mapping).counts == {"created": 3, "possible_duplicates": 1}
    pairs = session.execute(text("SELECT a.name, b.name FROM asset_duplicate d JOIN asset a ON a.id = d.asset_id JOIN asset b ON b.id = d.other_id"))
    assert [sorted(pair) for pair in pairs] == [["The Corner Cafe", "The Corner Cafe"]]


def test_chunks_written_side_by_side_report_in_file_order_and_a_dry_run_leaves_nothing(tmp_path, session, monkeypatch):
    """With a chunk per row, the chunks go to BULK_WRITERS sessions at once (runner._apply_bulk): the same outcome and
    the reported rows in file order; a dry run (one writer) leaves nothing."""
    monkeypatch.setattr(runner, "BULK_CHUNK", 1)
    bad = "a9,,Church Rd,Manchester,M1 1AF,53.4800,-2.2400,,hall,,\n"
    path, mapping = write(tmp_path, [GOOD[0], bad, *GOOD[1:], bad.replace("a9", "a8")])
    dry = import_file("csv", path, mapping, dry_run=True)
    assert dry.counts == {"created": 3, "failed": 2}
    assert session.execute(text("SELECT count(*) FROM asset")).scalar_one() == 0
    run = import_file("csv", path, mapping)
    assert run.counts == {"created": 3, "failed": 2} and [p["ref"] for p in run.errors] == ["line 3", "line 6"]
    assert session.execute(text("SELECT count(*) FROM asset_history")).scalar_one() == 3
    assert import_file("csv", path, mapping).counts == {"unchanged": 3, "failed": 2}


def test_a_writer_leaves_the_statistics_to_another_writer_refreshing_them(session):
    """ANALYZE keeps its lock to the end of its transaction, so a writer's ANALYZE would wait for another writer's
    whole batch (runner.BULK_WRITERS): it goes on without; with no one else analysing, it analyses."""
    session.execute(text("ANALYZE asset_category"))
    session.commit()
    make_asset(session)  # one row more than the statistics know of
    estimate = text("SELECT reltuples::int FROM pg_class WHERE oid = 'asset_category'::regclass")
    rows = session.execute(text("SELECT count(*) FROM asset_category")).scalar_one()
    assert session.execute(estimate).scalar_one() == rows - 1
    with Session(session.get_bind()) as other:
        other.execute(text(f"LOCK TABLE {bulk_repository._ANALYZED} IN SHARE UPDATE EXCLUSIVE MODE"))
        session.execute(text("SET LOCAL lock_timeout = '10s'"))  # a wait ends in an error rather than a hang
        bulk_repository._analyze_when_grown(session, created=1_000_000)
        assert session.execute(estimate).scalar_one() == rows - 1
        other.rollback()
    bulk_repository._analyze_when_grown(session, created=1_000_000)
    assert session.execute(estimate).scalar_one() == rows
    session.rollback()
