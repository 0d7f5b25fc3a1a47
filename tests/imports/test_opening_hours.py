"""OSM opening_hours → schedule sessions: a table of real values, and properties over every value in the OSM extracts of
the demo pack (data/demo)."""

import csv
import io
import json

import pytest

from app.assets.types import WEEKDAYS, ScheduleSession
from app.imports.opening_hours import parse_opening_hours
from app.imports.runner import read_text

WEEKDAY = ["mon", "tue", "wed", "thu", "fri"]


def _every(days: list[str], opens: str, closes: str, note: str | None = None) -> list[tuple[str, str, str, str | None]]:
    return [(day, opens, closes, note) for day in days]


UNDERSTOOD = [
    ("Mo-Fr 09:00-17:00", _every(WEEKDAY, "09:00", "17:00"), None),
    ("Mo,We 10:00-12:00; Sa 09:00-13:00", _every(["mon", "wed"], "10:00", "12:00") + _every(["sat"], "09:00", "13:00"), None),
    (
        "Mo-We 09:15-13:00,14:00-17:30",
        [s for day in ("mon", "tue", "wed") for s in ((day, "09:15", "13:00", None), (day, "14:00", "17:30", None))],
        None,
    ),
    ("24/7", _every(list(WEEKDAYS), "00:00", "23:59", "open 24 hours"), None),
    ("Tu 10:00-12:00; PH off", [("tue", "10:00", "12:00", None)], "Closed on bank holidays."),
    ("09:00-17:00", _every(list(WEEKDAYS), "09:00", "17:00"), None),
    ("Mo-Fr 09:00-17:00, Sa 10:00-17:00, Su,PH off", _every(WEEKDAY, "09:00", "17:00") + [("sat", "10:00", "17:00", None)],
     "Closed on bank holidays."),
    ("We-Mo 17:00-22:00", _every(["mon", "wed", "thu", "fri", "sat", "sun"], "17:00", "22:00"), None),
    ("Mo-We, Fr-Sa 10:00-13:00, 14:00-17:00",
     [s for day in ("mon", "tue", "wed", "fri", "sat") for s in ((day, "10:00", "13:00", None), (day, "14:00", "17:00", None))], None),
    ("Mo 12:00-14:00, 17:00-21:30, We-Th,Su 17:00-21:30",
     [("mon", "12:00", "14:00", None), ("mon", "17:00", "21:30", None)] + _every(["wed", "thu", "sun"], "17:00", "21:30"), None),
    ("Mo-Sa 09:00-16:00, Mo-Fr 08:00-09:00",
     [s for day in WEEKDAY for s in ((day, "08:00", "09:00", None), (day, "09:00", "16:00", None))] + [("sat", "09:00", "16:00", None)],
     None),
    ("We 11:00-15:00; Tu,Th-Sa 10:00-17:00; Su 12:00-15:00; Mo closed",
     [("tue", "10:00", "17:00", None), ("wed", "11:00", "15:00", None)] + _every(["thu", "fri", "sat"], "10:00", "17:00")
     + [("sun", "12:00", "15:00", None)], None),
    ("Mo-Sa 10:00-18:00; We off", _every(["mon", "tue", "thu", "fri", "sat"], "10:00", "18:00"), None),
    ("Fr-Sa 17:00-01:00", _every(["fri", "sat"], "17:00", "23:59", "until 01:00 the next day"), None),
    ("Fr 12:00-24:30; Sa 12:00-24:00",
     [("fri", "12:00", "23:59", "until 00:30 the next day"), ("sat", "12:00", "23:59", "until midnight")], None),
    ("Tu-Su 17:00-23:00; PH closed", _every(["tue", "wed", "thu", "fri", "sat", "sun"], "17:00", "23:00"), "Closed on bank holidays."),
    ("Mo-Fr 9:00-17:00", _every(WEEKDAY, "09:00", "17:00"), None),
]

NOT_UNDERSTOOD = [
    "sunrise-sunset",
    "week 1-53 Mo 10:00-12:00",
    "Apr-Oct: Mo-Su 10:00-17:00",
    "Jan 01 off; Mo-Fr 09:00-17:00 ; Dec 25 off",
    "08:30+",
    "Mo-Sa 08:00+",
    '"By appointment"',
    'Mo-Fr 09:00-15:00, Sa-Su "By appointment"',
    "Mo-Sa 12:00-23:00 || Fr-Sa 23:00-01:00",
    "Mo-Fr 10:00-17:00; Th-Fr 17:00-18:30",  # a ";" rule over days that already have times: ambiguous
    "Mo,Tu,Th,Fr 09:00-13:00; Mo,Tu,Th 14:00-18:00; We 11:00-14:00,15:00-18:00",
    "lunchtimes",
    "Mo-Fr",
    "PH 10:00-14:00",
    "SH off",
    "Mo-Fr 09:00-17:00; PH 10:00-12:00",
    "Mo-Fr 25:00-26:00",
    "Mo-Fr 09:60-17:00",
    "Mo-Fr 09:00-09:00",
    "mo-fr 09:00-17:00",
    "Monday 9-5",
    "Mo-Fr 09:00-17:00 off",
    "Mo-Fr 09:00-12:00,10:00-13:00",  # overlapping sessions
    "",
    "   ",
]


@pytest.mark.parametrize(("value", "sessions", "text"), UNDERSTOOD, ids=[v for v, _, _ in UNDERSTOOD])
def test_common_values_become_sessions(value: str, sessions: list[tuple[str, str, str, str | None]], text: str | None) -> None:
    parsed = parse_opening_hours(value)
    assert parsed is not None
    assert [(s["day"], s["opens"], s["closes"], s.get("note")) for s in parsed.sessions] == sessions
    assert parsed.text == text


@pytest.mark.parametrize("value", NOT_UNDERSTOOD)
def test_anything_else_is_not_understood(value: str) -> None:
    assert parse_opening_hours(value) is None


def _real_values(demo_pack) -> set[str]:
    folder = demo_pack / "assets" / "osm"
    values: set[str] = set()
    for path in folder.rglob("*.csv.gz"):
        rows = csv.DictReader(io.StringIO(read_text(path), newline=""))
        values |= {row["opening_hours"] for row in rows if row.get("opening_hours")}
    for path in folder.rglob("*.geojson.gz"):
        features = json.loads(read_text(path))["features"]
        values |= {f["properties"]["opening_hours"] for f in features if f["properties"].get("opening_hours")}
    return values


def test_every_real_value_gives_valid_sessions_or_none(demo_pack) -> None:
    """Over all distinct opening_hours in the pack's OSM extracts: sessions are valid, in week order, never
    overlapping, each from a day and times the string names; most values are understood."""
    values = _real_values(demo_pack)
    assert len(values) > 150
    understood = 0
    for value in values:
        parsed = parse_opening_hours(value)
        if parsed is None:
            continue
        understood += 1
        sessions = [ScheduleSession.model_validate(s) for s in parsed.sessions]  # closes after opens, known days
        keys = [(WEEKDAYS.index(s.day), s.opens) for s in sessions]
        assert keys == sorted(keys), value
        for a, b in zip(sessions, sessions[1:], strict=False):
            assert a.day != b.day or b.opens >= a.closes, value
        for s in sessions:
            assert f"{s.opens:%H:%M}" in value or f"{s.opens.hour}:{s.opens:%M}" in value or value == "24/7", value
    assert understood / len(values) > 0.85
