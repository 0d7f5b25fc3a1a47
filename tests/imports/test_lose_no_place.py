"""Issue 18, "lose no place": a CSV of real-world mess imports every place that has a name and a position, cleans or
leaves out the rest with a note naming the line and the column, and reads schedules from OSM syntax or words."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from app.assets.models import Asset
from app.core.db import get_engine
from app.imports.mapping import load_mapping
from app.imports.readers import import_file
from app.imports.runner import ImportFileError

MAPPING = """\
source: foodlist
external_id: id
fields:
  name: Name
  address: Address
  postcode: Postcode
  lat: Lat
  lon: Lon
  phone: Phone
  website: Website
  drop_in: {column: Referral required, invert: true}
  free: {column: Cost, values: {Free: yes, "Small charge": no}}
  min_age: Min age
  accessibility: Access
categories: cafes
schedule: {text: Hours}
"""
HEADER = "id,Name,Address,Postcode,Lat,Lon,Phone,Website,Referral required,Cost,Min age,Access,Hours\n"
LONG_ADDRESS = "The Old Chapel Hall, " + "Back Lane off the Market Square behind the bus station, " * 8 + "Sheffield"
LONG_HOURS = "Tuesday 11.00 – 13.00. " + "Please ring ahead during school holidays as times may change. " * 40
ROWS = [
    f'f1,Hope Pantry,"{LONG_ADDRESS}",S63BS,53.3811,-1.4701,Tel: 0114  496 0000,www.hope.example.org,1.0,Free,18.0,step_free;lift,"{LONG_HOURS}"\n',
    "f2,Crookes Larder,1 Crookes Rd,s10 1ua,53.3850,-1.5020,ask at reception,see facebook,0.0,Small charge,adults,,Mon - 1PM - 5:30PM\n",
    "f3,Walkley Fridge,,,53.3900,-1.4900,,,✓,,,,Mon 10-2\n",
    "f4,,2 Nowhere St,,53.39,-1.49,,,,,,,\n",  # no name: fails
    "f5,Lost Cafe,,,,,,,,,,,\n",  # no position: fails
    ",No Id Cafe,,,53.39,-1.49,,,,,,,\n",  # no id: fails
    "f7,Odd Values,,,53.3901,-1.4901,,,maybe,Donation,,,\n",
]


def write(tmp_path: Path, rows: list[str], mapping: str = MAPPING, header: str = HEADER) -> tuple[Path, Path]:
    (tmp_path / "food.csv").write_text(header + "".join(rows), encoding="utf-8")
    (tmp_path / "food.yaml").write_text(mapping, encoding="utf-8")
    return tmp_path / "food.csv", tmp_path / "food.yaml"


def asset(session: Session, ref: str) -> Asset:
    return session.exec(select(Asset).where(Asset.source == "foodlist", Asset.external_id == ref)).one()


def notes_of(run, line: int) -> list[str]:
    return [p["message"] for p in run.errors if p["ref"] == f"line {line}" and p["kind"] == "notes"]


def test_only_name_position_and_identity_fail_a_row(tmp_path):
    path, mapping = write(tmp_path, ROWS)
    run = import_file("csv", path, mapping)
    assert run.counts["created"] == 4 and run.counts["failed"] == 3
    failed = {p["ref"]: p["message"] for p in run.errors if p["kind"] == "failed"}
    assert set(failed) == {"line 5", "line 6", "line 7"}
    assert "the name" in failed["line 5"] and "no position" in failed["line 6"] and "no id" in failed["line 7"]

    with Session(get_engine()) as s:
        hope, crookes, walkley, odd = (asset(s, r) for r in ("f1", "f2", "f3", "f7"))
        assert hope.postcode == "S6 3BS" and crookes.postcode == "S10 1UA"
        assert len(hope.address) <= 300 and hope.address.endswith("…") and LONG_ADDRESS.startswith(hope.address[:-1])
        assert hope.opening_hours_text.endswith("…") and len(hope.opening_hours_text) <= 2000
        assert hope.phone == "0114 496 0000" and hope.website == "https://www.hope.example.org"
        assert hope.drop_in is False and hope.free is True and hope.min_age == 18  # referral required 1.0: not drop in
        assert hope.accessibility == ["step_free"]
        assert crookes.drop_in is True and crookes.free is False
        assert crookes.phone is None and crookes.website is None and crookes.min_age is None
        assert walkley.drop_in is False  # ✓ referral required
        assert odd.drop_in is None and odd.free is None

    line2 = notes_of(run, 2)
    assert any(n.startswith("Address (address): ") and "trimmed to 300 at a word boundary" in n for n in line2)
    assert any(n.startswith("Hours (opening_hours_text): ") and "trimmed to 2,000" in n for n in line2)
    assert any("lift not an accessibility code" in n for n in line2)
    line3 = notes_of(run, 3)
    assert "Phone (phone) 'ask at reception' is not a phone number; left out" in line3
    assert any(n.startswith("Website (website) 'see facebook'") for n in line3)
    assert "Min age (min_age) 'adults' is not a number; left out" in line3
    assert any(n.startswith("Cost (free) 'Donation' is not a yes/no value") for n in notes_of(run, 8))
    assert any(n.startswith("Referral required (drop_in) 'maybe'") for n in notes_of(run, 8))


def test_hours_in_words_become_sessions_and_the_text_is_always_kept(tmp_path, client):
    path, mapping = write(tmp_path, ROWS)
    run = import_file("csv", path, mapping)
    with Session(get_engine()) as s:
        ids = {r: asset(s, r).id for r in ("f1", "f2", "f3")}
    hope = client.get(f"/api/v1/assets/{ids['f1']}").json()
    crookes = client.get(f"/api/v1/assets/{ids['f2']}").json()
    walkley = client.get(f"/api/v1/assets/{ids['f3']}").json()
    # The long text says more than the times, so it is not read as a schedule; the text is kept (trimmed).
    assert hope["schedule"] == [] and hope["opening_hours_text"].startswith("Tuesday 11.00 – 13.00.")
    assert crookes["schedule"] == [{"day": "mon", "opens": "13:00", "closes": "17:30", "note": None}]
    assert crookes["opening_hours_text"] == "Mon - 1PM - 5:30PM"
    assert walkley["schedule"] == [] and walkley["opening_hours_text"] == "Mon 10-2"
    assert any("Hours 'Mon 10-2' cannot be read as times for sure" in n for n in notes_of(run, 4))


def test_reimporting_the_same_file_changes_nothing(tmp_path, session):
    path, mapping = write(tmp_path, ROWS)
    import_file("csv", path, mapping)
    before = session.execute(text("SELECT count(*), (SELECT count(*) FROM asset_history) FROM asset")).one()
    again = import_file("csv", path, mapping)
    assert again.counts["unchanged"] == 4 and "created" not in again.counts and "updated" not in again.counts
    assert session.execute(text("SELECT count(*), (SELECT count(*) FROM asset_history) FROM asset")).one() == before


def test_a_schedule_in_openstreetmap_syntax(tmp_path, client):
    mapping = MAPPING.replace("schedule: {text: Hours}", "schedule: {osm: Hours}")
    rows = [
        "o1,Corner Cafe,,,53.3811,-1.4701,,,,,,,Mo-Fr 09:00-17:00; PH off\n",
        "o2,Odd Cafe,,,53.3812,-1.4702,,,,,,,Mo-Fr 08:30+\n",
    ]
    path, mapping_path = write(tmp_path, rows, mapping)
    run = import_file("csv", path, mapping_path)
    assert run.counts["created"] == 2
    with Session(get_engine()) as s:
        ids = [asset(s, r).id for r in ("o1", "o2")]
    corner, odd = (client.get(f"/api/v1/assets/{i}").json() for i in ids)
    assert [x["day"] for x in corner["schedule"]] == ["mon", "tue", "wed", "thu", "fri"]
    assert corner["schedule"][0]["opens"] == "09:00" and corner["opening_hours_text"] == "Closed on bank holidays."
    assert odd["schedule"] == [] and odd["opening_hours_text"] == "Mo-Fr 08:30+"
    assert any("cannot be read as times; kept as text" in n for n in notes_of(run, 3))


def test_mapping_options_are_checked_when_loaded(tmp_path):
    (tmp_path / "m.yaml").write_text(MAPPING.replace("schedule: {text: Hours}", "schedule: {osm: A, text: B}"))
    with pytest.raises(ImportFileError, match="one of osm: COLUMN or text: COLUMN"):
        load_mapping(tmp_path / "m.yaml")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,Name\nf1,Caf\xe9\n".encode("latin-1"), "is not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "is not UTF-8 text"),
        (b"", "is empty"),
        (b"\n\n", "is empty"),
        (b"f1,Hope Pantry,,S6 3BS\n", "has no header line"),
    ],
)
def test_bad_files_get_one_message_and_change_nothing(tmp_path, session, content, message):
    path, mapping = write(tmp_path, [])
    path.write_bytes(content)
    before = session.execute(text("SELECT count(*) FROM asset")).scalar_one()
    with pytest.raises(ImportFileError, match=message):
        import_file("csv", path, mapping)
    assert session.execute(text("SELECT count(*) FROM asset")).scalar_one() == before
