"""`assetmap import csv|geojson` through a mapping, on files the tests write, into real PostGIS."""

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.assets.models import Asset, AssetHistory
from app.cli import app as cli
from app.core.db import get_engine
from app.geo.service import locate_postcode
from app.imports.mapping import load_mapping, title_case
from app.imports.models import ImportRun
from app.imports.readers import import_file, read_csv
from app.imports.runner import RECORDED_PER_KIND, ImportFileError, SourceRow, apply_rows, unrecorded
from tests.factories import make_asset

MAPPING = """\
source: testfile
external_id: ref
fields:
  name: {column: Name, case: title}
  address: [Street, Town]
  postcode: Postcode
  lat: Lat
  lon: Lon
  email: Email
constants:
  free: true
categories:
  column: Kind
  values: {cafe: cafes, hall: community-centres}
schedule:
  mon: Monday
  sat: Saturday
"""
HEADER = "ref,Name,Street,Town,Postcode,Lat,Lon,Email,Kind,Monday,Saturday\n"
GOOD = [
    'a1,THE CORNER CAFE,1 High St,Manchester,M1 1AE,53.4835,-2.2312,,cafe,09:00-17:00,"10:00-13:00,14:00-16:00"\n',
    "a2,ST MARY'S HALL,Church Rd,Manchester,M1 1AF,53.4800,-2.2400,St Mary's <hall@example.org>,hall,,\n",
    "a3,Ancoats Hall,,,M1 1AE,,,,hall,18:00-21:00,\n",
]


def write(tmp_path: Path, rows: list[str], mapping: str = MAPPING, header: str = HEADER) -> tuple[Path, Path]:
    (tmp_path / "places.csv").write_text(header + "".join(rows), encoding="utf-8")
    (tmp_path / "mapping.yaml").write_text(mapping, encoding="utf-8")
    return tmp_path / "places.csv", tmp_path / "mapping.yaml"


def counts(session: Session) -> tuple[int, int]:
    assets = session.execute(text("SELECT count(*) FROM asset")).scalar_one()
    history = session.execute(text("SELECT count(*) FROM asset_history")).scalar_one()
    return assets, history


def by_ref(session: Session, ref: str) -> Asset:
    return session.exec(select(Asset).where(Asset.source == "testfile", Asset.external_id == ref)).one()


def test_import_creates_then_a_rerun_changes_nothing(tmp_path, session):
    path, mapping = write(tmp_path, GOOD)
    run = import_file("csv", path, mapping)
    assert run.status == "succeeded" and run.counts == {"created": 3}
    assert run.message == "3 created."
    before = counts(session)
    assert before == (3, 3)

    again = import_file("csv", path, mapping)
    assert again.counts == {"unchanged": 3}
    assert counts(session) == before
    assert session.exec(select(ImportRun)).all()[-1].id == again.id


def test_fields_schedule_categories_and_title_case(tmp_path, client):
    path, mapping = write(tmp_path, GOOD)
    import_file("csv", path, mapping)
    with Session(get_engine()) as s:
        cafe_id, hall_id = by_ref(s, "a1").id, by_ref(s, "a2").id
    cafe = client.get(f"/api/v1/assets/{cafe_id}").json()
    assert cafe["name"] == "The Corner Cafe"
    assert cafe["address"] == "1 High St, Manchester"
    assert cafe["categories"] == ["cafes"] and cafe["free"] is True
    assert cafe["schedule"] == [
        {"day": "mon", "opens": "09:00", "closes": "17:00", "note": None},
        {"day": "sat", "opens": "10:00", "closes": "13:00", "note": None},
        {"day": "sat", "opens": "14:00", "closes": "16:00", "note": None},
    ]
    assert cafe["source"] == "testfile" and cafe["external_id"] == "a1"
    hall = client.get(f"/api/v1/assets/{hall_id}").json()
    assert hall["name"] == "St Mary's Hall" and hall["email"] == "hall@example.org"
    assert hall["categories"] == ["community-centres"]


def test_postcode_places_a_row_without_coordinates(tmp_path, session):
    path, mapping = write(tmp_path, [GOOD[2]])
    run = import_file("csv", path, mapping)
    assert run.counts == {"created": 1}
    place = locate_postcode(session, "M1 1AE")
    lon, lat = session.execute(
        text("SELECT ST_X(location::geometry), ST_Y(location::geometry) FROM asset WHERE external_id = 'a3'")
    ).one()
    assert (lat, lon) == pytest.approx((place.lat, place.lon))
    assert by_ref(session, "a3").postcode == "M1 1AE"


def test_a_changed_row_updates_the_asset_and_records_its_history(tmp_path, session):
    path, mapping = write(tmp_path, GOOD)
    import_file("csv", path, mapping)
    asset_id = by_ref(session, "a2").id
    changed = GOOD[:1] + ["a2,ST MARY'S CHURCH HALL,Church Rd,Manchester,M1 1AF,53.4800,-2.2400,,hall,19:00-21:00,\n"] + GOOD[2:]
    write(tmp_path, changed)

    run = import_file("csv", path, mapping)
    assert run.counts == {"updated": 1, "unchanged": 2}
    history = session.exec(select(AssetHistory).where(AssetHistory.asset_id == asset_id).order_by(AssetHistory.id)).all()
    assert [h.action for h in history] == ["create", "update"]
    assert history[-1].changes["name"] == ["St Mary's Hall", "St Mary's Church Hall"]
    assert history[-1].changes["email"] == ["hall@example.org", None]
    assert history[-1].actor == "import:csv"
    assert counts(session) == (3, 4)


def test_a_changed_schedule_or_category_alone_is_an_update(tmp_path, client, session):
    """A re-run rewrites an asset's categories and sessions only when they differ (service._apply): a change in
    either alone must still be seen and saved."""
    path, mapping = write(tmp_path, GOOD)
    import_file("csv", path, mapping)
    cafe_id, hall_id = by_ref(session, "a1").id, by_ref(session, "a2").id
    changed = [
        GOOD[0].replace("14:00-16:00", "14:00-16:30"),
        GOOD[1].replace(",hall,", ",cafe,"),
        GOOD[2],
    ]
    write(tmp_path, changed)

    run = import_file("csv", path, mapping)
    assert run.counts == {"updated": 2, "unchanged": 1}
    cafe = client.get(f"/api/v1/assets/{cafe_id}").json()
    assert cafe["schedule"][-1] == {"day": "sat", "opens": "14:00", "closes": "16:30", "note": None}
    assert len(cafe["schedule"]) == 3
    assert client.get(f"/api/v1/assets/{hall_id}").json()["categories"] == ["cafes"]
    changes = {h.asset_id: h.changes for h in session.exec(select(AssetHistory).where(AssetHistory.action == "update")).all()}
    assert set(changes[cafe_id]) == {"schedule"} and set(changes[hall_id]) == {"categories"}
    assert import_file("csv", path, mapping).counts == {"unchanged": 3}


def test_bad_rows_are_reported_by_line_while_good_rows_are_saved(tmp_path, session):
    rows = [
        GOOD[0],
        ",No Id Cafe,,,M1 1AE,,,,cafe,,\n",  # line 3
        'a4,"A cafe with a\nlong, two-line name",,,,,,,cafe,,\n',  # lines 4-5: no position at all
        "a5,Nowhere Cafe,,,ZZ9 9ZZ,,,,cafe,,\n",  # line 6: a postcode we do not know
        "a6,Odd Cafe,,,hello,,,,cafe,,\n",  # line 7: not a postcode
        "a7,Mystery,,,M1 1AE,,,,shop,,\n",  # line 8: no category for 'shop'
        "a8,Bad Email Cafe,,,M1 1AE,,,not-an-email,cafe,,\n",  # line 9: saved, without the email
        "a1,Twin,,,M1 1AE,,,,cafe,,\n",  # line 10: id again
        "a9,Late Cafe,,,M1 1AE,,,,cafe,07:00-02:00,nonsense\n",  # line 11: saved, with two notes
    ]
    path, mapping = write(tmp_path, rows)
    run = import_file("csv", path, mapping)
    assert run.status == "succeeded"
    assert run.counts == {"created": 3, "failed": 6, "notes": 3}
    problems = {(p["ref"], p["kind"]): p["message"] for p in run.errors}
    assert "no ref" in problems[("line 3", "failed")]
    assert "no position" in problems[("line 4", "failed")]
    assert "ZZ9 9ZZ" in problems[("line 6", "failed")]
    assert "not a UK postcode" in problems[("line 7", "failed")]
    assert "'shop' has no category" in problems[("line 8", "failed")]
    assert problems[("line 9", "notes")] == "Email (email) 'not-an-email' is not an email address; left out"
    assert "also on line 2" in problems[("line 10", "failed")]
    notes = [p["message"] for p in run.errors if p["ref"] == "line 11"]
    assert any("past midnight" in n for n in notes) and any("'nonsense' not understood" in n for n in notes)
    assert sorted(a.external_id for a in session.exec(select(Asset)).all()) == ["a1", "a8", "a9"]
    assert by_ref(session, "a1").name == "The Corner Cafe"


def test_dry_run_reports_but_writes_nothing(tmp_path, session):
    make_asset(session, name="Already here")
    before = counts(session)
    path, mapping = write(tmp_path, GOOD + ["a5,Nowhere Cafe,,,ZZ9 9ZZ,,,,cafe,,\n"])
    run = import_file("csv", path, mapping, dry_run=True)
    assert run.dry_run and run.status == "succeeded"
    assert run.counts == {"created": 3, "failed": 1}
    assert run.message.startswith("Dry run (nothing saved): 3 created, 1 failed")
    assert counts(session) == before


BROKEN_CASES = {
    "latin-1": (lambda p, m: p.write_bytes((HEADER + "a1,Café Rouge,,,M1 1AE,,,,cafe,,\n").encode("latin-1")), "not UTF-8"),
    "missing columns": (lambda p, m: p.write_text("ref,Name,Postcode\na1,x,M1 1AE\n"), "'Kind'"),
    "empty file": (lambda p, m: p.write_text(""), "empty"),
    "broken YAML": (lambda p, m: m.write_text("source: x\nfields: [unclosed\n"), "not valid YAML at line"),
    "YAML not a mapping": (lambda p, m: m.write_text("- a\n- b\n"), "must be a YAML mapping"),
    "unknown field": (lambda p, m: m.write_text(MAPPING.replace("  email: Email", "  colour: Email")), "colour: not a field"),
    "bad constant": (lambda p, m: m.write_text(MAPPING.replace("free: true", "free: maybe")), "constants: free: Input should be a valid boolean"),
    "no categories": (lambda p, m: m.write_text(MAPPING[: MAPPING.index("categories:")]), "categories"),
    "unknown category": (lambda p, m: m.write_text(MAPPING.replace("cafe: cafes", "cafe: caffs")), "Unknown category 'caffs'"),
}


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_an_unusable_file_or_mapping_fails_whole_and_changes_nothing(tmp_path, session, case):
    path, mapping = write(tmp_path, GOOD)
    import_file("csv", path, mapping)
    by_ref(session, "a1")
    before = counts(session)
    spoil, expected = BROKEN_CASES[case]
    write(tmp_path, [r.replace("Manchester", "Salford") for r in GOOD])  # would update every row...
    spoil(path, mapping)  # ...but the file or the mapping is broken
    with pytest.raises(ImportFileError) as failure:
        import_file("csv", path, mapping)
    assert expected in failure.value.message
    assert counts(session) == before
    assert by_ref(session, "a1").address == "1 High St, Manchester"
    last = session.exec(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert last.status == "failed" and expected in last.message


def test_missing_columns_are_all_named(tmp_path):
    path, mapping = write(tmp_path, [], header="ref,Name\n")
    with pytest.raises(ImportFileError) as failure:
        read_csv(path, load_mapping(mapping))
    for column in ("Street", "Town", "Postcode", "Lat", "Lon", "Email", "Kind", "Monday", "Saturday"):
        assert f"'{column}'" in failure.value.message


@pytest.mark.parametrize(
    ("shouted", "readable"),
    [
        ("THE DENSHAM SURGERY", "The Densham Surgery"),
        ("ST MARY'S MEDICAL CENTRE", "St Mary's Medical Centre"),
        ("STOCKTON-ON-TEES", "Stockton-on-Tees"),
        ("O'NEILL & PARTNERS NHS PCN", "O'Neill & Partners NHS PCN"),
        ("1ST FLOOR, THE HEALTH CENTRE", "1st Floor, The Health Centre"),
    ],
)
def test_title_case(shouted, readable):
    assert title_case(shouted) == readable


GEO_MAPPING = """\
source: testgeo
external_id: "@id"
fields:
  name: name
  postcode: postcode
categories: parks
"""


def feature(fid, name, geometry, **properties):
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": {"name": name} | properties}


def test_geojson_points_polygons_and_postcodes(tmp_path, session):
    square = [[[-2.25, 53.47], [-2.24, 53.47], [-2.24, 53.48], [-2.25, 53.48], [-2.25, 53.47]]]
    features = [
        feature("p1", "Piccadilly Gardens", {"type": "Point", "coordinates": [-2.2367, 53.4810]}),
        feature("p2", "Square Park", {"type": "Polygon", "coordinates": square}),
        feature("p3", "Postcode Park", None, postcode="M1 1AE"),
        feature("p4", "Broken Park", {"type": "Polygon", "coordinates": "nope"}),
        feature("p5", "Lost Park", None),
        {"type": "Nonsense"},
    ]
    (tmp_path / "parks.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    (tmp_path / "parks.yaml").write_text(GEO_MAPPING)
    run = import_file("geojson", tmp_path / "parks.geojson", tmp_path / "parks.yaml")
    assert run.counts == {"created": 3, "failed": 3, "notes": 1}
    problems = {p["ref"]: p["message"] for p in run.errors}
    assert problems["feature 2"] == "polygon: used a point inside it"
    assert "cannot be read" in problems["feature 4"]
    assert "no position" in problems["feature 5"]
    assert "not a GeoJSON Feature" in problems["feature 6"]
    x, y = session.execute(text("SELECT ST_X(location::geometry), ST_Y(location::geometry) FROM asset WHERE external_id = 'p2'")).one()
    assert -2.25 < x < -2.24 and 53.47 < y < 53.48
    x, y = session.execute(text("SELECT ST_X(location::geometry), ST_Y(location::geometry) FROM asset WHERE external_id = 'p1'")).one()
    assert (x, y) == pytest.approx((-2.2367, 53.4810))
    again = CliRunner().invoke(cli, ["import", "geojson", str(tmp_path / "parks.geojson"), "--mapping", str(tmp_path / "parks.yaml")])
    assert again.exit_code == 0, again.output
    assert "feature 2: note: polygon: used a point inside it" in again.output
    assert "3 unchanged, 3 failed, 1 note." in again.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"type": "FeatureCollection", "features": [', "not valid JSON"),
        ('{"type": "Feature", "geometry": null, "properties": {}}', "not a GeoJSON FeatureCollection"),
        ('[1, 2]', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"title": "x"}}]}', "'name'"),
    ],
)
def test_broken_geojson_fails_whole(tmp_path, session, content, expected):
    (tmp_path / "parks.geojson").write_text(content)
    (tmp_path / "parks.yaml").write_text(GEO_MAPPING)
    with pytest.raises(ImportFileError) as failure:
        import_file("geojson", tmp_path / "parks.geojson", tmp_path / "parks.yaml")
    assert expected in failure.value.message
    assert counts(session) == (0, 0)


def test_cli_import_prints_a_summary_and_the_first_problems(tmp_path, session):
    rows = GOOD + [f"b{n},Nowhere {n},,,ZZ9 9ZZ,,,,cafe,,\n" for n in range(25)]
    path, mapping = write(tmp_path, rows)
    result = CliRunner().invoke(cli, ["import", "csv", str(path), "--mapping", str(mapping), "--status", "pending"])
    assert result.exit_code == 0, result.output
    assert "3 created, 25 failed." in result.output
    assert "line 5: failed: We do not know the postcode 'ZZ9 9ZZ'" in result.output
    run = session.exec(select(ImportRun)).one()
    assert f"… and 5 more (import run {run.id}" in result.output
    assert {a.status for a in session.exec(select(Asset)).all()} == {"pending"}

    listing = CliRunner().invoke(cli, ["imports", "--limit", "5"], env={"COLUMNS": "250"})
    assert listing.exit_code == 0
    assert re.search(rf"│ {run.id} +│ csv +│ places.csv +│ [-0-9: ]+│ +│ succeeded +│ 3 created, 25 failed +│ +│", listing.output)
    shown = CliRunner().invoke(cli, ["imports", "--show", str(run.id)])
    assert shown.exit_code == 0
    assert "line 29: failed" in shown.output and shown.output.count("ZZ9 9ZZ") == 25
    missing = CliRunner().invoke(cli, ["imports", "--show", str(run.id + 1)])
    assert missing.exit_code == 1 and f"No import run has the id {run.id + 1}." in missing.output


def test_cli_dry_run_and_broken_file(tmp_path, session):
    path, mapping = write(tmp_path, GOOD)
    result = CliRunner().invoke(cli, ["import", "csv", str(path), "--mapping", str(mapping), "--dry-run"])
    assert result.exit_code == 0 and "Dry run (nothing saved): 3 created." in result.output
    path.write_bytes("ref,Name\n\xff\xfe".encode("latin-1"))
    result = CliRunner().invoke(cli, ["import", "csv", str(path), "--mapping", str(mapping)])
    assert result.exit_code == 1
    assert "Import failed, nothing was changed: places.csv is not UTF-8" in result.output
    listing = CliRunner().invoke(cli, ["imports"], env={"COLUMNS": "250"})
    assert re.search(r"│ csv +│ places.csv +│ [-0-9: ]+│ +│ failed +│ +│ places.csv is not UTF-8", listing.output)
    assert re.search(r"│ csv +│ places.csv +│ [-0-9: ]+│ yes +│ succeeded +│ 3 created +│", listing.output)
    assert counts(session) == (0, 0)
    result = CliRunner().invoke(cli, ["import", "csv", str(path), "--mapping", str(mapping), "--status", "archived"])
    assert result.exit_code == 2


def test_joined_columns_leave_out_a_repeated_part(tmp_path):
    row = "a9,Hall,The Hayes,The Hayes,M1 1AE,53.48,-2.24,,hall,,\n"
    path, mapping = write(tmp_path, [row])
    [read] = read_csv(path, load_mapping(mapping))
    assert read.fields is not None and read.fields["address"] == "The Hayes"


def test_a_reimport_keeps_the_status_a_moderator_gave(tmp_path, session):
    path, mapping = write(tmp_path, GOOD)
    import_file("csv", path, mapping)
    cafe = by_ref(session, "a1")
    cafe.status = "archived"  # closed, as a moderator decided
    session.add(cafe)
    session.commit()
    changed = [GOOD[0].replace("1 High St", "2 High St"), *GOOD[1:]]
    run = import_file("csv", *write(tmp_path, changed), status="pending")
    assert run.counts == {"updated": 1, "unchanged": 2}
    session.expire_all()
    assert by_ref(session, "a1").status == "archived" and by_ref(session, "a1").address.startswith("2 High St")
    assert {by_ref(session, ref).status for ref in ("a2", "a3")} == {"published"}


def test_many_skipped_rows_never_crowd_out_the_failures(session):
    skipped = RECORDED_PER_KIND["skipped"] + 100
    rows = [SourceRow(f"way {n}", skipped="not a community place") for n in range(skipped)]
    rows += [SourceRow(f"line {n}", problem="no position") for n in range(3)]
    outcome = apply_rows(session, rows, "osm", dry_run=True)
    assert outcome.counts == {"skipped": skipped, "failed": 3}
    assert [p["ref"] for p in outcome.problems if p["kind"] == "failed"] == ["line 0", "line 1", "line 2"]
    assert unrecorded(outcome.counts, outcome.problems) == {"skipped": 100}


# The lifecycle of an imported row (issue 12, item 13)


def test_a_row_that_loses_its_name_or_category_is_archived_with_the_reason(tmp_path, session):
    path, mapping = write(tmp_path, GOOD)
    import_file("csv", path, mapping)
    write(tmp_path, [GOOD[0].replace("THE CORNER CAFE", ""), GOOD[1].replace(",hall,", ",closed,"), GOOD[2]])
    run = import_file("csv", path, mapping)
    assert run.counts == {"archived": 2, "unchanged": 1}, run.counts
    assert {p["ref"]: p["message"] for p in run.errors if p["kind"] == "archived"} == {
        "line 2": "no Name (the name)", "line 3": "Kind 'closed' has no category in the mapping"}
    assert by_ref(session, "a1").status == by_ref(session, "a2").status == "archived"
    assert by_ref(session, "a3").status == "published"


def test_a_feature_that_loses_its_name_is_archived_too(tmp_path, session):
    square = [[[-2.25, 53.47], [-2.24, 53.47], [-2.24, 53.48], [-2.25, 53.48], [-2.25, 53.47]]]
    parks = tmp_path / "parks.geojson"
    (tmp_path / "parks.yaml").write_text(GEO_MAPPING)
    for name in ("Square Park", None):
        features = [feature("p2", name, {"type": "Polygon", "coordinates": square}), feature("p3", "Postcode Park", None, postcode="M1 1AE")]
        parks.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        run = import_file("geojson", parks, tmp_path / "parks.yaml")
    assert run.counts == {"archived": 1, "unchanged": 1}
    assert session.execute(text("SELECT status FROM asset WHERE external_id = 'p2'")).scalar_one() == "archived"


def test_a_new_row_without_a_name_still_fails(tmp_path, session):
    path, mapping = write(tmp_path, [GOOD[0].replace("THE CORNER CAFE", "")])
    run = import_file("csv", path, mapping)
    assert run.counts == {"failed": 1} and run.errors[0]["message"] == "no Name (the name)"


def test_coordinates_at_0_0_give_way_to_the_postcode_with_a_note(tmp_path, session):
    rows = ["z1,Zero Cafe,,,M1 1AE,0,0,,cafe,,\n", "z2,Far Cafe,,,,40.0,-74.0,,cafe,,\n"]
    path, mapping = write(tmp_path, rows)
    run = import_file("csv", path, mapping)
    assert run.counts == {"created": 1, "failed": 1, "notes": 1}, run.errors
    problems = {(p["ref"], p["kind"]): p["message"] for p in run.errors}
    assert "outside the UK, the Isle of Man and the Channel Islands" in problems[("line 3", "failed")]
    assert "placed at its postcode M1 1AE" in problems[("line 2", "notes")]
    assert by_ref(session, "z1").postcode == "M1 1AE"


# The date a source vouches for (issue 12, item 11)


def test_an_import_is_not_a_verification(tmp_path, client, session):
    path, mapping = write(tmp_path, GOOD[:1])
    import_file("csv", path, mapping)
    cafe = client.get(f"/api/v1/assets/{by_ref(session, 'a1').id}").json()
    assert cafe["last_verified_at"] is None and cafe["stale"] is True
    assert "Not yet checked" in client.get(f"/places/{cafe['id']}").text


def test_a_column_the_mapping_names_gives_the_verified_date(tmp_path, session):
    dated = MAPPING.replace("  email: Email\n", "  email: Email\n  last_verified_at: Checked\n")
    header = HEADER.replace("Email,", "Email,Checked,")
    rows = [
        "d1,Dated Cafe,,,M1 1AE,,,,2024-03-05,cafe,,\n",
        "d2,British Cafe,,,M1 1AE,,,,05/03/2024,cafe,,\n",
        "d3,Undated Cafe,,,M1 1AE,,,,,cafe,,\n",
        "d4,Odd Cafe,,,M1 1AE,,,,last spring,cafe,,\n",
    ]
    path, mapping = write(tmp_path, rows, dated, header)
    run = import_file("csv", path, mapping)
    assert run.counts == {"created": 4, "notes": 1}, run.errors
    assert run.errors[0]["message"] == "Checked (last_verified_at) 'last spring' is not a date (YYYY-MM-DD or DD/MM/YYYY); left out"
    days = {ref: by_ref(session, ref).last_verified_at for ref in ("d1", "d2", "d3", "d4")}
    assert days["d1"].date().isoformat() == days["d2"].date().isoformat() == "2024-03-05"
    assert days["d3"] is None and days["d4"] is None

    # A moderator checks the place later; a re-import with the file's older date leaves their date alone.
    session.execute(text("UPDATE asset SET last_verified_at = '2025-01-01' WHERE external_id = 'd1'"))
    session.commit()
    assert import_file("csv", path, mapping).counts["unchanged"] == 4
    session.expire_all()
    assert by_ref(session, "d1").last_verified_at.date().isoformat() == "2025-01-01"
    write(tmp_path, [rows[0].replace("2024-03-05", "2025-06-30")], dated, header)
    assert import_file("csv", path, mapping).counts == {"updated": 1}
    session.expire_all()
    assert by_ref(session, "d1").last_verified_at.date().isoformat() == "2025-06-30"
