"""`assetmap import csv --suggest-mapping FILE`: a mapping from the file's columns that `--mapping` then reads."""

import json
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from app.assets.models import Asset
from app.cli import app as cli
from app.imports.mapping import load_mapping
from app.imports.readers import import_file
from app.imports.suggest import as_yaml, suggest_mapping

CSV = (
    "Org ID,Organisation name,Address 1,Address 2,Post code,Latitude,Longitude,Telephone,Web address,E-mail,"
    "Referral required,opening_hours,Notes\n"
    "h1,Hope Pantry,1 High St,Sheffield,S63BS,53.3811,-1.4701,0114 496 0000,www.hope.example.org,a@example.org,"
    "1.0,Mo-Fr 09:00-17:00,Bring a bag\n"
)


def test_the_suggested_mapping_reads_the_file(tmp_path: Path, session: Session):
    path = tmp_path / "Food support (May).csv"
    path.write_text(CSV, encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "csv", "--suggest-mapping", str(path)])
    assert result.exit_code == 0, result.output
    (tmp_path / "m.yaml").write_text(result.output, encoding="utf-8")
    mapping = load_mapping(tmp_path / "m.yaml")
    assert mapping.source == "food-support-may" and mapping.external_id == "Org ID"
    assert mapping.fields["address"].columns == ["Address 1", "Address 2"]
    assert mapping.fields["drop_in"].invert is True and mapping.schedule.osm == "opening_hours"
    assert "Notes" not in mapping.columns()

    run = import_file("csv", path, tmp_path / "m.yaml")
    assert run.counts == {"created": 1}
    hope = session.exec(select(Asset).where(Asset.external_id == "h1")).one()
    assert (hope.postcode, hope.drop_in, hope.website) == ("S6 3BS", False, "https://www.hope.example.org")


def test_hours_in_words_and_a_file_without_an_id_column():
    mapping = suggest_mapping(["Name", "Postcode", "Opening hours"], "x", {"Opening hours": ["Tuesday 11.00 – 13.00"]})
    assert mapping["schedule"] == {"text": "Opening hours"}
    assert mapping["external_id"] == "Name" and mapping["fields"] == {"name": "Name", "postcode": "Postcode"}


def test_a_file_that_cannot_be_read_says_why(tmp_path: Path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = CliRunner().invoke(cli, ["import", "csv", "--suggest-mapping", str(path)])
    assert result.exit_code == 1 and "empty.csv is empty" in result.output


def test_a_geojson_files_properties(tmp_path: Path):
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.47, 53.38]},
         "properties": {"name": "Hope Pantry", "ref": "h1", "website": "www.hope.example.org", "drop_in": 1.0}},
    ]
    path = tmp_path / "pantries.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "geojson", "--suggest-mapping", str(path)])
    assert result.exit_code == 0, result.output
    (tmp_path / "m.yaml").write_text(result.output, encoding="utf-8")
    mapping = load_mapping(tmp_path / "m.yaml")
    assert mapping.external_id == "ref" and set(mapping.fields) == {"name", "website", "drop_in"}
    run = import_file("geojson", path, tmp_path / "m.yaml")
    assert run.counts == {"created": 1}


def test_services_without_a_place_are_suggested_and_imported(tmp_path: Path, session: Session, nations):
    """A helpline's row: no address, no position, how it is delivered and the areas it serves."""
    path = tmp_path / "helplines.csv"
    path.write_text("ID,Name,Telephone,Delivery,Areas served\nl1,Wales Listening Line,0800 000 000,Phone,Wales\n",
                    encoding="utf-8")
    mapping = suggest_mapping(["ID", "Name", "Telephone", "Delivery", "Areas served"], "helplines")
    assert mapping["fields"]["delivery"] == "Delivery" and mapping["fields"]["service_areas"] == "Areas served"
    (tmp_path / "m.yaml").write_text(as_yaml(mapping), encoding="utf-8")
    assert import_file("csv", path, tmp_path / "m.yaml").counts == {"created": 1}
    line = session.exec(select(Asset).where(Asset.external_id == "l1")).one()
    assert (line.delivery, line.service_areas, line.location) == ("phone", ["W92000004"], None)
