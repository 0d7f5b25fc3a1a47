"""`assetmap load-demo` on small real inputs, twice: the second run changes nothing and says so."""

import csv
import gzip
import io
from dataclasses import replace
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.config import get_settings
from app.core.db import get_engine
from app.imports.demo import PACK, STEPS, default_data, origin, pack_data, shared_data
from app.imports.models import ImportRun
from app.imports.runner import read_text
from tests.conftest import COUNCILS_FILE, OUTCODES_FILE, POSTCODES_FILE

OSM_CHARITIES = pack_data().osm[1]  # the Isle of Man charities (36 places), first of its sorted GeoJSON files


def _slice(source: Path, target: Path, rows: int, spoil: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The header and `rows` rows of a real file; `spoil` overwrites columns of the last row."""
    reader = csv.DictReader(io.StringIO(read_text(source), newline=""))
    kept = [row for _, row in zip(range(rows), reader, strict=False)]
    header = reader.fieldnames
    if spoil:
        kept[-1] |= spoil
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(kept)
    return kept


def _state() -> dict[str, int]:
    queries = {
        "assets": "SELECT count(*) FROM asset",
        "history": "SELECT count(*) FROM asset_history",
        "sessions": "SELECT count(*) FROM asset_session",
        "postcodes": "SELECT count(*) FROM postcode",
        "outcodes": "SELECT count(*) FROM outcode",
        "ltla": "SELECT count(*) FROM area WHERE 'ltla' = ANY(levels)",
    }
    with Session(get_engine()) as session:  # a session of its own, so no lock is left to block a TRUNCATE
        return {name: session.execute(text(sql)).scalar_one() for name, sql in queries.items()}


def test_load_demo_twice_adds_nothing_the_second_time(tmp_path, session):
    data = pack_data()
    libraries = _slice(data.tables["libraries"], tmp_path / "libraries.csv", 20)
    gps = _slice(
        data.tables["gp_practices"], tmp_path / "gp.csv", 20, {"latitude": "", "longitude": "", "postcode": "ZZ9 9ZZ"}
    )
    args = [
        "load-demo", "--postcodes", str(POSTCODES_FILE), "--outcodes", str(OUTCODES_FILE),
        "--boundaries", f"ltla={COUNCILS_FILE}",
        "--libraries", str(tmp_path / "libraries.csv"), "--gp-practices", str(tmp_path / "gp.csv"),
        "--osm", str(OSM_CHARITIES), "--deprivation", str(data.deprivation.imd.parent),
    ]
    first = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "Loading demo data from the files given (" in first.output
    assert "Postcodes: Loaded" in first.output
    assert "UK public libraries: 20 created." in first.output
    assert "GP practices: 19 created, 1 failed. See `assetmap imports --show" in first.output
    assert "OpenStreetMap (charities.geojson.gz): 36 created, 2 notes." in first.output
    after_first = _state()
    assert after_first["assets"] == 39 + 36
    assert after_first["postcodes"] > 50_000 and after_first["ltla"] == 361
    runs = session.exec(select(ImportRun)).all()
    assert sorted(r.kind for r in runs) == ["boundaries:ltla", "csv", "csv", "deprivation", "osm", "postcodes"]
    assert "Deprivation: Loaded 2,559 LSOAs (650 in England, 1,909 in Wales)" in first.output
    assert all(r.status == "succeeded" for r in runs)

    second = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    assert second.exit_code == 0, second.output
    assert "Postcodes: already loaded" in second.output and "skipped" in second.output
    assert "Outlines (ltla): already loaded" in second.output
    assert "Deprivation: already loaded from" in second.output
    assert "UK public libraries: already imported from libraries.csv" in second.output
    assert "OpenStreetMap: already imported charities.geojson.gz" in second.output
    assert "GP practices: already imported from gp.csv" in second.output and "(import run " in second.output and "19 created, 1 failed); skipped." in second.output
    assert _state() == after_first
    assert len(session.exec(select(ImportRun)).all()) == len(runs)

    # A changed file is imported again: only the changed row is updated, and only it gains a history entry.
    _slice(data.tables["libraries"], tmp_path / "libraries.csv", 20, {"Library name": "Renamed Library"})
    third = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    assert third.exit_code == 0, third.output
    assert "UK public libraries: 1 updated, 19 unchanged." in third.output
    assert "GP practices: already imported" in third.output
    assert _state() == after_first | {"history": after_first["history"] + 1}

    # What was loaded reads well: a library's staffed hours became sessions, a GP practice's name is not shouted.
    with_hours = next(r for r in libraries if r["Monday staffed hours"])
    row = session.execute(
        text(
            "SELECT a.name, s.opens, s.closes FROM asset a JOIN asset_session s ON s.asset_id = a.id "
            "WHERE a.source = 'librarydata' AND a.external_id = :id AND s.weekday = 0 ORDER BY s.opens LIMIT 1"
        ),
        {"id": with_hours["id"]},
    ).one()
    assert row.name == (with_hours["Library name"] if with_hours is not libraries[-1] else "Renamed Library")
    assert f"{row.opens:%H:%M}" == with_hours["Monday staffed hours"].split(",")[0].split("-")[0]
    gp = session.execute(
        text("SELECT name, phone, address FROM asset WHERE source = 'epraccur' AND external_id = :id"),
        {"id": gps[0]["organisation_code"]},
    ).one()
    assert gp.name == "The Densham Surgery" and gp.phone == gps[0]["contact_telephone_number"]
    assert gp.address.startswith("The Health Centre, Lawson Street, Stockton on Tees")
    categories = session.execute(
        text(
            "SELECT DISTINCT a.source, c.slug FROM asset a JOIN asset_category ac ON ac.asset_id = a.id "
            "JOIN category c ON c.id = ac.category_id WHERE a.source <> 'osm' ORDER BY 1"
        )
    ).all()
    assert [tuple(c) for c in categories] == [("epraccur", "gp-practices"), ("librarydata", "libraries")]
    # Keyed by the OSM object's own id, so a later import of a .osm.pbf updates the same asset.
    charity = session.execute(text("SELECT name FROM asset WHERE source = 'osm' AND external_id = 'way/101756496'")).one()
    assert charity.name == "Age Concern Isle of Man"


def test_a_changed_postcode_file_is_loaded_again(tmp_path, session):
    few = tmp_path / "few.csv"
    few.write_text(gzip.decompress(POSTCODES_FILE.read_bytes()).decode("utf-8")[:2000], encoding="utf-8")
    load_postcodes = STEPS[0]
    lines: list[str] = []

    def track(description, total=None):
        return (lambda n: None), (lambda n: None)

    def load(path: Path) -> None:
        load_postcodes(replace(default_data(), postcodes=path, outcodes=OUTCODES_FILE), track, lines.append)

    try:
        load(POSTCODES_FILE)
        load(POSTCODES_FILE)
        load(few)
        assert "Loaded" in lines[0] and "already loaded" in lines[1] and "Loaded" in lines[2]
        assert _state()["postcodes"] < 100
    finally:
        load(POSTCODES_FILE)  # the other tests need Manchester's postcodes
    assert _state()["postcodes"] > 50_000


def test_load_demo_names_missing_files_and_changes_nothing(tmp_path):
    before = _state()
    result = CliRunner().invoke(cli, ["load-demo", "--boundaries", f"ltla={tmp_path / 'nowhere.geojson'}"])
    assert result.exit_code == 1
    # The console wraps at 80 columns, within a long path (as under pytest-xdist, …/popen-gw0/…).
    assert "Demo data not found" in result.output and "nowhere.geojson" in result.output.replace("\n", "")
    bad = CliRunner().invoke(cli, ["load-demo", "--boundaries", "county=x.geojson"])
    assert bad.exit_code == 2 and "LEVEL=FILE" in bad.output
    assert _state() == before


def test_the_shared_folder_when_complete_otherwise_the_pack(tmp_path):
    """default_data() is the one place that decides; load-demo says first which data it loads."""
    assert default_data(tmp_path / "nowhere") == pack_data()
    assert not pack_data().missing() and all(p.is_relative_to(PACK) for p in pack_data().files())
    folder = tmp_path / "shared"
    for path in shared_data(folder).files() + [folder / "assets" / "osm" / "isle_of_man" / "charities.geojson"]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    assert default_data(folder) == shared_data(folder)
    (folder / "assets" / "gp_practices_england_wales_epraccur_active_geocoded.csv").unlink()
    assert default_data(folder) == pack_data()  # not complete: the pack

    assert origin(pack_data()).startswith(f"the demo pack in {PACK} (postcodes of Wales, Rutland, Manchester")
    assert origin(shared_data(get_settings().shared_data_dir)).startswith("the shared data folder")
