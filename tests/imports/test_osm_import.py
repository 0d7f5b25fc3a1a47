"""`assetmap import osm`: a small .osm.pbf written here with pyosmium, and the OSM extracts of the demo pack (data/demo)."""

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import osmium
import pytest
from osmium.osm import mutable
from shapely.geometry import Point, Polygon
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.assets.models import Asset, AssetCategory, AssetHistory
from app.assets.repository import find_by_source
from app.assets.service import get_asset
from app.categories.models import Category
from app.cli import app as cli
from app.imports.models import ImportRun
from app.imports.osm import read_osm, read_osm_extract
from app.imports.osm_tags import CATEGORY_TAGS
from app.imports.runner import ImportFileError, plain_suffix, read_text, run_import

DOC = Path(__file__).resolve().parents[2] / "docs" / "osm-tags.md"
PARK = [(-0.7300, 52.6700), (-0.7280, 52.6700), (-0.7280, 52.6712), (-0.7290, 52.6705), (-0.7300, 52.6712)]  # concave
PATH = [(-0.7200, 52.6600), (-0.7180, 52.6600), (-0.7180, 52.6620)]

CAFE = {
    "amenity": "cafe", "name": "Corner Cafe", "opening_hours": "Mo-Fr 09:00-17:00; Sa 10:00-12:00", "wheelchair": "yes",
    "addr:housenumber": "12", "addr:street": "High Street", "addr:city": "Oakham", "addr:postcode": "LE15 6AA",
    "contact:phone": "01572 000000", "website": "corner.example.org",
}
CHURCH = {"amenity": "place_of_worship", "name": "St Peter's", "opening_hours": "sunrise-sunset", "religion": "christian",
          "denomination": "anglican"}
BARBER = {"shop": "hairdresser", "hairdresser": "barber", "name": "Sam's Barbers", "wheelchair": "limited"}


def write_pbf(path: Path, cafe: dict[str, str] = CAFE) -> Path:
    """Nodes with and without community tags, a closed way (park), an open way (path) and an unmapped way."""
    if path.exists():
        path.unlink()
    with osmium.SimpleWriter(str(path)) as writer:
        writer.add_node(mutable.Node(id=1, location=(-0.7310, 52.6690), tags=cafe))
        writer.add_node(mutable.Node(id=2, location=(-0.7320, 52.6695), tags=CHURCH))
        writer.add_node(mutable.Node(id=3, location=(-0.7330, 52.6697), tags={"amenity": "pub"}))  # no name
        writer.add_node(mutable.Node(id=4, location=(-0.7340, 52.6698), tags={"amenity": "parking", "name": "Car park"}))
        writer.add_node(mutable.Node(id=5, location=(-0.7350, 52.6699), tags={"natural": "tree"}))
        writer.add_node(mutable.Node(id=6, location=(-0.7360, 52.6700), tags=BARBER))
        for n, (lon, lat) in enumerate(PARK + PATH, start=10):
            writer.add_node(mutable.Node(id=n, location=(lon, lat)))
        writer.add_way(mutable.Way(id=100, nodes=[10, 11, 12, 13, 14, 10], tags={"leisure": "park", "name": "Cutts Close"}))
        writer.add_way(mutable.Way(id=101, nodes=[15, 16, 17], tags={"leisure": "park", "name": "Riverside Walk"}))
        writer.add_way(mutable.Way(id=102, nodes=[15, 16], tags={"highway": "footway"}))
    return path


def import_file(path: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["import", "osm", str(path), *args])


def latest_run(session: Session) -> ImportRun:
    return session.exec(select(ImportRun).order_by(ImportRun.id.desc())).first()


def asset(session: Session, external_id: str):
    row = find_by_source(session, "osm", external_id)
    assert row is not None, external_id
    return get_asset(session, row.id, record=True)


def count(session: Session, model: Any) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_pbf_import_makes_assets_with_categories_schedules_and_step_free(session: Session, tmp_path: Path) -> None:
    result = import_file(write_pbf(tmp_path / "town.osm.pbf"))
    assert result.exit_code == 0, result.output
    assert "5 created, 1 skipped, 2 notes." in result.output
    assert "node/3" in result.output and "no name" in result.output

    cafe = asset(session, "node/1")
    assert (cafe.name, cafe.categories, cafe.accessibility, cafe.status) == ("Corner Cafe", ["cafes"], ["step_free"], "published")
    assert [(s.day, s.opens, s.closes) for s in cafe.schedule] == [
        *((day, "09:00", "17:00") for day in ("mon", "tue", "wed", "thu", "fri")), ("sat", "10:00", "12:00")]
    assert cafe.opening_hours_text is None
    assert (cafe.address, cafe.postcode, cafe.phone, cafe.website) == (
        "12 High Street, Oakham", "LE15 6AA", "01572 000000", "https://corner.example.org")
    assert (cafe.lon, cafe.lat) == pytest.approx((-0.7310, 52.6690))

    church = asset(session, "node/2")
    assert (church.categories, church.schedule, church.opening_hours_text) == (["places-of-worship"], [], "sunrise-sunset")
    assert church.tags == ["christian", "anglican"] and church.accessibility == []

    barber = asset(session, "node/6")
    assert sorted(barber.categories) == ["barbers", "hairdressers"] and barber.accessibility == []

    park = asset(session, "way/100")
    assert park.categories == ["parks"]
    assert Polygon(PARK).contains(Point(park.lon, park.lat))
    path = asset(session, "way/101")
    assert Point(path.lon, path.lat).distance(Point(-0.7180, 52.6600)) < 1e-6  # halfway along the open way

    assert find_by_source(session, "osm", "node/3") is None and find_by_source(session, "osm", "node/4") is None
    assert count(session, Asset) == 5

    run = latest_run(session)
    assert (run.kind, run.status, run.counts) == ("osm", "succeeded", {"created": 5, "skipped": 1, "notes": 2})
    notes = {p["ref"]: p["message"] for p in run.errors if p["kind"] == "notes"}
    assert "not understood" in notes["node/2"] and "wheelchair=limited" in notes["node/6"]


def test_rerun_changes_nothing_and_a_changed_tag_updates_with_history(session: Session, tmp_path: Path) -> None:
    pbf = write_pbf(tmp_path / "town.osm.pbf")
    assert import_file(pbf).exit_code == 0
    history = count(session, AssetHistory)
    assert history == 5

    result = import_file(pbf)
    assert result.exit_code == 0 and "5 unchanged, 1 skipped" in result.output
    assert count(session, AssetHistory) == history and count(session, Asset) == 5

    changed = {k: v for k, v in CAFE.items() if k != "wheelchair"} | {"name": "Corner Café", "opening_hours": "Tu 10:00-12:00; PH off"}
    result = import_file(write_pbf(pbf, cafe=changed))
    assert result.exit_code == 0 and "1 updated, 4 unchanged" in result.output
    cafe = asset(session, "node/1")
    assert (cafe.name, cafe.accessibility, cafe.opening_hours_text) == ("Corner Café", [], "Closed on bank holidays.")
    assert [(s.day, s.opens, s.closes) for s in cafe.schedule] == [("tue", "10:00", "12:00")]
    entries = session.exec(select(AssetHistory).where(AssetHistory.asset_id == cafe.id).order_by(AssetHistory.id)).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].actor == "import:osm"
    assert {"name", "accessibility", "schedule", "opening_hours_text"} <= set(entries[1].changes)
    assert entries[1].changes["name"] == ["Corner Cafe", "Corner Café"]


def test_new_assets_can_wait_for_review(session: Session, tmp_path: Path) -> None:
    assert import_file(write_pbf(tmp_path / "town.osm.pbf"), "--status", "pending").exit_code == 0
    assert asset(session, "node/1").status == "pending"
    assert import_file(tmp_path / "town.osm.pbf", "--status", "archived").exit_code != 0


def test_dry_run_writes_nothing_but_records_the_run(session: Session, tmp_path: Path) -> None:
    result = import_file(write_pbf(tmp_path / "town.osm.pbf"), "--dry-run")
    assert result.exit_code == 0
    assert "Dry run (nothing saved): 5 created, 1 skipped" in result.output
    assert count(session, Asset) == 0 and count(session, AssetHistory) == 0
    run = latest_run(session)
    assert run.dry_run and run.status == "succeeded"


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_pbf_fails_with_one_message_and_changes_nothing(session: Session, tmp_path: Path, keep: float) -> None:
    good = write_pbf(tmp_path / "good.osm.pbf")
    assert import_file(good).exit_code == 0
    before = {a.external_id: (a.name, a.updated_at) for a in session.exec(select(Asset)).all()}
    history = count(session, AssetHistory)

    changed = write_pbf(tmp_path / "changed.osm.pbf", cafe=CAFE | {"name": "Renamed Cafe"})
    data = changed.read_bytes()
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(data[: int(len(data) * keep)])
    result = import_file(cut)
    assert result.exit_code == 1
    assert "Import failed: cut.osm.pbf is not a complete OpenStreetMap file" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 4

    session.expire_all()
    assert {a.external_id: (a.name, a.updated_at) for a in session.exec(select(Asset)).all()} == before
    assert count(session, AssetHistory) == history
    run = latest_run(session)
    assert run.status == "failed" and "not a complete OpenStreetMap" in run.message


def test_other_osmium_formats_are_read_too(session: Session, tmp_path: Path) -> None:
    result = import_file(write_pbf(tmp_path / "town.osm"))  # OSM XML
    assert result.exit_code == 0 and "5 created, 1 skipped" in result.output
    assert asset(session, "way/100").categories == ["parks"]


def test_a_file_that_is_not_a_pbf_fails_before_writing(tmp_path: Path) -> None:
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"<html>not found</html>" * 20)
    with pytest.raises(ImportFileError, match="junk.osm.pbf is not a complete OpenStreetMap"):
        list(read_osm(junk))


def test_same_object_from_a_pbf_and_an_extract_is_one_asset(session: Session, tmp_path: Path, demo_pack: Path) -> None:
    """Grainstore, node 14588981, is in the Rutland extract; a pbf with the same node updates that asset."""
    extract = demo_pack / "assets" / "osm" / "rutland_osm_2018_community_pois.csv.gz"
    assert import_file(extract).exit_code == 0
    grainstore = asset(session, "node/14588981")
    assert grainstore.name == "Grainstore" and grainstore.categories == ["pubs"]
    total = count(session, Asset)

    pbf = tmp_path / "rutland.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        tags = {"amenity": "pub", "name": "Grainstore Brewery", "addr:street": "Station Approach", "addr:postcode": "LE15 6RE"}
        writer.add_node(mutable.Node(id=14588981, location=(-0.7341023, 52.6727071), tags=tags))
    result = import_file(pbf)
    assert result.exit_code == 0 and "1 updated." in result.output
    assert count(session, Asset) == total
    assert asset(session, "node/14588981").name == "Grainstore Brewery"


def _extract_rows(path: Path) -> int:
    if plain_suffix(path) == ".csv":
        return sum(1 for _ in csv.DictReader(io.StringIO(read_text(path), newline="")))
    return len(json.loads(read_text(path))["features"])


EXTRACTS = [
    # (file, at least this many become assets, categories that must be among them)
    ("rutland_osm_2018_community_pois.csv.gz", 150, {"pubs", "places-of-worship", "parks", "cafes", "community-centres"}),
    ("rutland_osm_2018_community_pois.geojson.gz", 150, {"pubs", "places-of-worship", "parks", "cafes", "libraries"}),
    ("isle_of_man/food-and-drink.geojson.gz", 180, {"cafes", "pubs"}),
    ("isle_of_man/places-of-worship.csv.gz", 90, {"places-of-worship"}),
    ("isle_of_man/healthcare.geojson.gz", 55, {"gp-practices", "pharmacies", "dentists"}),
    ("isle_of_man/shops.geojson.gz", 80, {"hairdressers", "barbers", "charities"}),
    ("isle_of_man/charities.csv.gz", 30, {"charities"}),
]


@pytest.mark.parametrize(("name", "at_least", "categories"), EXTRACTS, ids=[e[0] for e in EXTRACTS])
def test_extracts_load_with_sensible_counts(session: Session, demo_pack: Path, name: str, at_least: int,
                                            categories: set[str]) -> None:
    path = demo_pack / "assets" / "osm" / name
    rows = list(read_osm_extract(path))
    assert len(rows) == _extract_rows(path)  # every row is accounted for: imported or reported
    run = run_import("osm", str(path), lambda: rows)
    created, left_out = run.counts.get("created", 0), run.counts.get("skipped", 0) + run.counts.get("failed", 0)
    assert created >= at_least and created + left_out == len(rows), run.counts
    for problem in run.errors:
        assert re.match(r"(line|feature) \d+ \((node|way|relation)/\d+\)$", problem["ref"]), problem
    found = set(session.exec(select(Category.slug).join(AssetCategory, AssetCategory.category_id == Category.id)))
    assert categories <= found
    assert import_file(path).exit_code == 0
    assert latest_run(session).counts.get("unchanged") == created  # idempotent


def test_extract_rows_with_problems_are_reported_by_line_and_the_rest_saved(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "few.csv"
    path.write_text(
        "osm_type,osm_id,name,amenity,lat,lon,wheelchair\n"
        "node,1,Hall,community_centre,52.6,-0.7,yes\n"
        "node,2,Broken place,library,not-a-lat,-0.7,\n"
        "shape,3,Odd,cafe,52.6,-0.7,\n"
        "node,4,School,school,52.6,-0.7,\n"
        "way,5,Library,library,52.61,-0.71,no\n",
        encoding="utf-8",
    )
    result = import_file(path)
    assert result.exit_code == 0, result.output
    problems = {p["ref"]: p["message"] for p in latest_run(session).errors}
    assert problems == {
        "line 3 (node/2)": "no usable location",
        "line 4": "osm_type/osm_id 'shape'/'3' is not an OSM object",
        "line 5 (node/4)": "no category for amenity=school",
    }
    assert asset(session, "node/1").accessibility == ["step_free"] and asset(session, "way/5").categories == ["libraries"]


def test_extract_values_keep_their_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "few.csv"
    path.write_text(
        "osm_type,osm_id,name,amenity,description,lat,lon\n"
        'node,1,Hall,community_centre,"Upstairs\nside door",52.6,-0.7\n'
        "node,2,Lib\u2028rary,library,,52.61,-0.71\n",
        encoding="utf-8",
    )
    rows = list(read_osm_extract(path))
    assert [row.ref for row in rows] == ["line 2 (node/1)", "line 4 (node/2)"]  # where each record starts
    assert rows[0].fields["description"] == "Upstairs\nside door" and rows[1].fields["name"] == "Lib\u2028rary"


def test_an_extract_without_osm_ids_is_refused(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text("name,amenity,lat,lon\nHall,community_centre,52.6,-0.7\n", encoding="utf-8")
    result = import_file(path)
    assert result.exit_code == 1 and "places.csv has no osm_id, osm_type column" in result.output
    assert count(session, Asset) == 0


def test_every_mapped_category_exists(client) -> None:
    slugs = {c["slug"] for c in _flatten(client.get("/api/v1/categories").json())}
    assert {slug for _, _, slug in CATEGORY_TAGS} <= slugs


def _flatten(nodes: Any) -> list[dict[str, Any]]:
    items = nodes["items"] if isinstance(nodes, dict) and "items" in nodes else nodes
    return [n for node in items for n in [node, *_flatten(node.get("children", []))]]


def test_doc_table_matches_the_mapping() -> None:
    rows = re.findall(r"^\| `([^=`]+)=([^`]+)` \| `([a-z-]+)` \|$", DOC.read_text(encoding="utf-8"), flags=re.M)
    assert tuple(rows) == CATEGORY_TAGS


# The lifecycle of an imported place (issue 12, item 13)


def _reported(session: Session, kind: str) -> dict[str, str]:
    return {p["ref"]: p["message"] for p in latest_run(session).errors if p["kind"] == kind}


def test_a_place_that_turns_private_nameless_or_uncategorised_is_archived_with_the_reason(session: Session, tmp_path: Path) -> None:
    pbf = write_pbf(tmp_path / "town.osm.pbf")
    assert import_file(pbf).exit_code == 0
    with osmium.SimpleWriter(str(tmp_path / "later.osm.pbf")) as writer:
        writer.add_node(mutable.Node(id=1, location=(-0.7310, 52.6690), tags=CAFE | {"access": "private"}))
        writer.add_node(mutable.Node(id=2, location=(-0.7320, 52.6695), tags={k: v for k, v in CHURCH.items() if k != "name"}))
        writer.add_node(mutable.Node(id=6, location=(-0.7360, 52.6700), tags=BARBER | {"shop": "clothes", "hairdresser": "no"}))
        for n, (lon, lat) in enumerate(PARK + PATH, start=10):
            writer.add_node(mutable.Node(id=n, location=(lon, lat)))
        writer.add_way(mutable.Way(id=100, nodes=[10, 11, 12, 13, 14, 10], tags={"name": "Cutts Close"}))  # no category key at all
        writer.add_way(mutable.Way(id=101, nodes=[15, 16, 17], tags={"leisure": "park", "name": "Riverside Walk"}))
    result = import_file(tmp_path / "later.osm.pbf")
    assert result.exit_code == 0, result.output
    run = latest_run(session)
    assert run.counts == {"archived": 4, "unchanged": 1}, run.counts
    archived = _reported(session, "archived")
    assert archived["node/1"] == "access=private: not open to the public"
    assert archived["node/2"].startswith("no name (amenity=place_of_worship)")
    assert archived["node/6"] == "no category for shop=clothes"
    assert archived["way/100"] == "no longer has a tag that makes it a community place"
    for ref in ("node/1", "node/2", "node/6", "way/100"):
        place = asset(session, ref)
        assert place.status == "archived"
        last = session.exec(select(AssetHistory).where(AssetHistory.asset_id == place.id).order_by(AssetHistory.id.desc())).first()
        assert (last.action, last.actor, last.changes["status"]) == ("archive", "import:osm", ["published", "archived"])
    assert asset(session, "way/101").status == "published"

    # Nothing left to archive: the private and the nameless are skipped as new ones would be; the others passed over.
    again = import_file(tmp_path / "later.osm.pbf")
    assert again.exit_code == 0 and latest_run(session).counts == {"unchanged": 1, "skipped": 2}, latest_run(session).counts


def test_an_extract_row_that_loses_its_category_is_archived(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "few.csv"
    path.write_text("osm_type,osm_id,name,amenity,lat,lon\nnode,1,Hall,community_centre,52.6,-0.7\n", encoding="utf-8")
    assert import_file(path).exit_code == 0
    path.write_text("osm_type,osm_id,name,amenity,lat,lon\nnode,1,Hall,school,52.6,-0.7\n", encoding="utf-8")
    assert import_file(path).exit_code == 0
    assert latest_run(session).counts == {"archived": 1}
    assert _reported(session, "archived") == {"line 2 (node/1)": "no category for amenity=school"}
    assert asset(session, "node/1").status == "archived"


def test_a_file_without_a_column_never_blanks_that_field(session: Session, tmp_path: Path) -> None:
    """The GeoJSON extract has opening hours and a description; its CSV twin has neither column."""
    geojson = tmp_path / "hall.geojson"
    properties = {"osm_type": "node", "osm_id": 1, "name": "Hall", "amenity": "community_centre",
                  "opening_hours": "Mo 10:00-12:00", "description": "Upstairs", "phone": "01572 000001"}
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-0.7, 52.6]}, "properties": properties}]}))
    assert import_file(geojson).exit_code == 0
    twin = tmp_path / "hall.csv"
    twin.write_text("osm_type,osm_id,name,amenity,phone,lat,lon\nnode,1,Hall,community_centre,01572 000002,52.6,-0.7\n")
    assert import_file(twin).exit_code == 0
    hall = asset(session, "node/1")
    assert latest_run(session).counts == {"updated": 1}
    assert (hall.description, hall.phone) == ("Upstairs", "01572 000002")
    assert [(s.day, s.opens, s.closes) for s in hall.schedule] == [("mon", "10:00", "12:00")]


def test_a_value_removed_in_osm_is_cleared(session: Session, tmp_path: Path) -> None:
    pbf = write_pbf(tmp_path / "town.osm.pbf", cafe=CAFE | {"description": "Cakes and tea"})
    assert import_file(pbf).exit_code == 0
    assert asset(session, "node/1").description == "Cakes and tea"
    assert import_file(write_pbf(pbf)).exit_code == 0
    cafe = asset(session, "node/1")
    assert cafe.description == "" and latest_run(session).counts["updated"] == 1


def test_coordinates_outside_the_uk_are_a_row_error_or_give_way_to_the_postcode(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "few.csv"
    path.write_text(
        "osm_type,osm_id,name,amenity,addr:postcode,lat,lon\n"
        "node,1,Null Island Hall,community_centre,,0,0\n"
        "node,2,Paris Hall,community_centre,,48.8566,2.3522\n"
        "node,3,Zero Hall,community_centre,M1 1AE,0,0\n"
        "node,4,Jersey Hall,community_centre,,49.1858,-2.1070\n"
        "node,5,Douglas Hall,community_centre,,54.1523,-4.4861\n"
        "node,6,Dublin Hall,community_centre,,53.3498,-6.2603\n",
        encoding="utf-8",
    )
    assert import_file(path).exit_code == 0
    run = latest_run(session)
    failed = _reported(session, "failed")
    assert set(failed) == {"line 2 (node/1)", "line 3 (node/2)", "line 7 (node/6)"}, run.errors
    assert "0, 0" in failed["line 2 (node/1)"] and "outside the UK" in failed["line 3 (node/2)"]
    zero = asset(session, "node/3")
    assert (zero.postcode, round(zero.lat, 2)) == ("M1 1AE", 53.48)
    assert "placed at its postcode M1 1AE" in _reported(session, "notes")["line 4 (node/3)"]
    assert asset(session, "node/4").status == asset(session, "node/5").status == "published"


# The date a source vouches for (issue 12, item 11)


def test_a_pbf_object_carries_its_own_timestamp_and_an_extract_the_date_given(session: Session, tmp_path: Path) -> None:
    pbf = tmp_path / "dated.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        writer.add_node(mutable.Node(id=1, location=(-0.7310, 52.6690), tags=CAFE, timestamp="2019-06-01T10:00:00Z", version=3))
        writer.add_node(mutable.Node(id=2, location=(-0.7320, 52.6695), tags=CHURCH))  # no timestamp in the file
    assert import_file(pbf).exit_code == 0
    assert asset(session, "node/1").last_verified_at.isoformat() == "2019-06-01T10:00:00+00:00"
    assert asset(session, "node/2").last_verified_at is None

    extract = tmp_path / "few.csv"
    extract.write_text("osm_type,osm_id,name,amenity,lat,lon\nnode,7,Hall,community_centre,52.6,-0.7\n", encoding="utf-8")
    assert import_file(extract).exit_code == 0
    assert asset(session, "node/7").last_verified_at is None and asset(session, "node/7").stale
    result = import_file(extract, "--as-of", "2018-04-30")
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    assert asset(session, "node/7").last_verified_at.date().isoformat() == "2018-04-30"
    assert import_file(extract, "--as-of", "30 April").exit_code != 0
