"""A re-run of a CSV or GeoJSON import counts a row it stored the digest of as unchanged without reading it
(app/imports/digests.py), and reads it again when the asset, or anything the row is read through, changed since."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.assets import bulk_repository
from app.assets.schemas import AssetUpdate
from app.assets.service import merge_assets, update_asset
from app.core.db import get_engine
from app.geo import service as geo_service
from app.geo.service import locate_postcode
from app.imports import digests
from app.imports.mapping import Mapping
from app.imports.models import ImportRun
from app.imports.readers import import_file
from tests.imports.test_tabular_import import GEO_MAPPING, GOOD, MAPPING, by_ref, feature, write


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The ids of the rows the mapping reads (`Mapping.record`), in order."""
    read: list[str | None] = []
    record = Mapping.record

    def counted(self: Mapping, get, point=None):  # type: ignore[no-untyped-def]
        read.append(get(self.external_id))
        return record(self, get, point)

    monkeypatch.setattr(Mapping, "record", counted)
    return read


def rerun(path: Path, mapping: Path, reads: list[str | None], **kwargs) -> tuple[dict[str, int], list[str | None]]:  # type: ignore[no-untyped-def]
    """The counts of another import of the file, and the rows it read."""
    reads.clear()
    return import_file("csv", path, mapping, **kwargs).counts, list(reads)


def test_a_rerun_reads_only_the_rows_that_changed(tmp_path, session, reads):
    path, mapping = write(tmp_path, GOOD)
    assert rerun(path, mapping, reads) == ({"created": 3}, ["a1", "a2", "a3"])
    assert rerun(path, mapping, reads) == ({"unchanged": 3}, [])
    write(tmp_path, [GOOD[0], GOOD[1].replace("ST MARY'S HALL", "ST MARY'S CHURCH HALL"), GOOD[2]])
    assert rerun(path, mapping, reads) == ({"updated": 1, "unchanged": 2}, ["a2"])
    assert by_ref(session, "a2").name == "St Mary's Church Hall"
    assert rerun(path, mapping, reads) == ({"unchanged": 3}, [])
    assert rerun(path, mapping, reads, dry_run=True) == ({"unchanged": 3}, [])
    assert session.execute(text("SELECT count(*) FROM asset_history")).scalar_one() == 4


def test_a_place_changed_since_its_import_is_read_again(tmp_path, session, reads):
    """A moderator's edit is put back by the source's values, as a re-run always did; a change made in SQL, which
    leaves updated_at alone, moves it on all the same (migration 0027)."""
    path, mapping = write(tmp_path, GOOD)
    import_file("csv", path, mapping)
    update_asset(session, by_ref(session, "a1").id, AssetUpdate(address="9 Other St"), "moderator@example.org")
    assert rerun(path, mapping, reads) == ({"updated": 1, "unchanged": 2}, ["a1"])
    session.expire_all()
    assert by_ref(session, "a1").address == "1 High St, Manchester"

    session.execute(text("UPDATE asset SET name = 'Hall' WHERE external_id = 'a2'"))
    session.commit()
    assert rerun(path, mapping, reads) == ({"updated": 1, "unchanged": 2}, ["a2"])
    assert rerun(path, mapping, reads) == ({"unchanged": 3}, [])


def _edit_mapping(tmp_path: Path, session: Session) -> None:
    (tmp_path / "mapping.yaml").write_text(MAPPING.replace("free: true", "free: false"))


def _load_postcodes(tmp_path: Path, session: Session) -> None:
    session.add(ImportRun(kind="postcodes", source="postcodes.csv", status="succeeded"))
    session.commit()


def _change_the_code(tmp_path: Path, session: Session) -> None:
    reading = tmp_path / "reading.py"
    reading.write_text("# read differently\n")


@pytest.mark.parametrize("change", [_edit_mapping, _load_postcodes, _change_the_code])
def test_every_row_is_read_again_when_what_it_is_read_through_changes(
    tmp_path, session, reads, monkeypatch, change: Callable[[Path, Session], None]
):
    (tmp_path / "reading.py").write_text("# read\n")
    monkeypatch.setattr(digests, "_READING_CODE", [*digests._READING_CODE, tmp_path / "reading.py"])
    monkeypatch.setattr(digests, "_READING", digests._reading_code())
    path, mapping = write(tmp_path, GOOD)
    import_file("csv", path, mapping)
    change(tmp_path, session)
    monkeypatch.setattr(digests, "_READING", digests._reading_code())  # as a process started after the change would
    counts, read = rerun(path, mapping, reads)
    assert read == ["a1", "a2", "a3"]
    assert counts == ({"updated": 3} if change is _edit_mapping else {"unchanged": 3})
    assert rerun(path, mapping, reads) == ({"unchanged": 3}, [])


def test_a_row_with_notes_is_read_and_reported_every_time(tmp_path, session, reads):
    noted = GOOD[1].replace("St Mary's <hall@example.org>", "not an address")
    path, mapping = write(tmp_path, [GOOD[0], noted])
    assert rerun(path, mapping, reads) == ({"created": 2, "notes": 1}, ["a1", "a2"])
    reads.clear()
    run = import_file("csv", path, mapping)
    assert run.counts == {"unchanged": 2, "notes": 1} and reads == ["a2"]
    assert [(p["ref"], p["kind"]) for p in run.errors] == [("line 3", "notes")]
    assert run.errors[0]["message"].startswith("Email (email) 'not an address'")


def test_a_repeated_id_is_still_reported(tmp_path, session, reads):
    path, mapping = write(tmp_path, [GOOD[0], GOOD[0]])
    first = import_file("csv", path, mapping)
    assert first.counts == {"created": 1, "failed": 1}
    counts, read = rerun(path, mapping, reads)
    assert (counts, read) == ({"unchanged": 1, "failed": 1}, ["a1"])
    assert import_file("csv", path, mapping).errors == first.errors


def test_an_area_moderators_import_reads_every_row_and_leaves_the_digests(tmp_path, session, reads, councils):
    path, mapping = write(tmp_path, GOOD)
    import_file("csv", path, mapping)
    session.execute(text("UPDATE asset_source_id SET row_digest = NULL"))
    session.commit()
    assert rerun(path, mapping, reads, areas=("E08000003",)) == ({"unchanged": 3}, ["a1", "a2", "a3"])
    assert rerun(path, mapping, reads, areas=("E08000003",)) == ({"unchanged": 3}, ["a1", "a2", "a3"])
    assert rerun(path, mapping, reads) == ({"unchanged": 3}, [])


def test_an_edit_saved_while_an_import_compares_is_put_back_by_the_next(tmp_path, session, reads, monkeypatch):
    """The digest is kept with the asset's updated_at as the import saw it, not as it is when the import ends."""
    path, mapping = write(tmp_path, GOOD)
    import_file("csv", path, mapping)
    session.execute(text("UPDATE asset_source_id SET row_digest = NULL"))  # the next run compares every row
    session.commit()
    write_history = bulk_repository.write_created_history

    def edit_meanwhile(*args):  # type: ignore[no-untyped-def]
        with Session(get_engine()) as other:
            update_asset(other, by_ref(other, "a2").id, AssetUpdate(address="Back Lane"), "moderator@example.org")
        write_history(*args)

    monkeypatch.setattr(bulk_repository, "write_created_history", edit_meanwhile)
    assert import_file("csv", path, mapping).counts == {"unchanged": 3}
    monkeypatch.setattr(bulk_repository, "write_created_history", write_history)
    assert rerun(path, mapping, reads) == ({"updated": 1, "unchanged": 2}, ["a2"])
    session.expire_all()
    assert by_ref(session, "a2").address == "Church Rd, Manchester"


def test_rows_of_one_source_merged_into_one_place_are_read_every_time(tmp_path, session, reads):
    path, mapping = write(tmp_path, GOOD)
    import_file("csv", path, mapping)
    merge_assets(session, by_ref(session, "a2").id, by_ref(session, "a3").id, "moderator@example.org")
    runs = [rerun(path, mapping, reads) for _ in range(3)]
    assert [read for _, read in runs] == [["a2", "a3"]] * 3
    assert runs[1][0] == runs[2][0] and runs[2][0]["updated"] == 1  # each row puts its own values back, every time


def test_a_postcode_this_process_kept_from_before_a_reload_is_looked_up_again(tmp_path, session):
    path, mapping = write(tmp_path, [GOOD[2]])  # placed by its postcode, M1 1AE
    real = locate_postcode(session, "M1 1AE")
    geo_service._remember("M11AE", geo_service.Place("M1 1AE", real.lat + 1, real.lon, "postcode"))
    assert locate_postcode(session, "M1 1AE").lat == real.lat + 1
    import_file("csv", path, mapping)
    lat = session.execute(text("SELECT ST_Y(location::geometry) FROM asset WHERE external_id = 'a3'")).scalar_one()
    assert lat == pytest.approx(real.lat)


def test_a_geojson_rerun_reads_only_the_feature_with_a_note(tmp_path, session, reads):
    square = [[[-2.25, 53.47], [-2.24, 53.47], [-2.24, 53.48], [-2.25, 53.48], [-2.25, 53.47]]]
    features = [
        feature("p1", "Piccadilly Gardens", {"type": "Point", "coordinates": [-2.2367, 53.4810]}),
        feature("p2", "Square Park", {"type": "Polygon", "coordinates": square}),
        feature("p3", "Postcode Park", None, postcode="M1 1AE"),
    ]
    (tmp_path / "parks.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    (tmp_path / "parks.yaml").write_text(GEO_MAPPING)
    assert import_file("geojson", tmp_path / "parks.geojson", tmp_path / "parks.yaml").counts == {"created": 3, "notes": 1}
    reads.clear()
    again = import_file("geojson", tmp_path / "parks.geojson", tmp_path / "parks.yaml")
    assert again.counts == {"unchanged": 3, "notes": 1} and reads == ["p2"]
    moved = [feature("p1", "Piccadilly Gardens", {"type": "Point", "coordinates": [-2.2368, 53.4810]}), *features[1:]]
    (tmp_path / "parks.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": moved}))
    reads.clear()
    assert import_file("geojson", tmp_path / "parks.geojson", tmp_path / "parks.yaml").counts == {"updated": 1, "unchanged": 2, "notes": 1}
    assert reads == ["p1", "p2"]
