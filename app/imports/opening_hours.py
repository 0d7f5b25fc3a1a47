"""The common part of OpenStreetMap's `opening_hours` syntax, turned into weekly schedule sessions.

Understood: weekday lists and ranges ("Mo-Fr", "Mo,We", "We-Mo"), one or more time spans ("09:00-13:00,14:00-17:30"),
rules without days (every day), "off"/"closed", "24/7", and "PH off" (closed on bank holidays). Rules separated by ","
add to each other; a later ";" rule that gives other times to a day already given times is ambiguous in practice
(the standard says it replaces them, mappers often mean "as well"), so such a string is not understood. Anything
else — open ends ("08:30+"), comments, "||" fallbacks, sunrise/sunset, weeks, months, dates, school holidays — is not
understood either: `parse_opening_hours` returns None and the caller keeps the raw string instead.
"""

import re
from dataclasses import dataclass, field

from app.assets.types import WEEKDAYS

_OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_RANGE = re.compile(r"(Mo|Tu|We|Th|Fr|Sa|Su|PH)(?:\s*-\s*(Mo|Tu|We|Th|Fr|Sa|Su))?")
_SPAN = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
_OFF = ("off", "closed")
_LAST_MINUTE = 24 * 60 - 1
MAX_SESSIONS = 50


@dataclass(frozen=True)
class ParsedHours:
    """Sessions as AssetCreate's `schedule` takes them, and a line for what sessions cannot say (e.g. bank holidays)."""

    sessions: list[dict[str, str]]
    text: str | None = None


@dataclass
class _Rule:
    days: set[str] = field(default_factory=set)
    public_holidays: bool = False
    spans: list[tuple[int, int]] = field(default_factory=list)
    off: bool = False


class _NotUnderstood(Exception):
    pass


def parse_opening_hours(value: str | None) -> ParsedHours | None:
    """Sessions for an OSM opening_hours value, or None when it says something we do not model."""
    value = (value or "").strip()
    if not value:
        return None
    if value == "24/7":
        return ParsedHours([_session(day, 0, _LAST_MINUTE, "open 24 hours") for day in WEEKDAYS])
    try:
        return _parse(value)
    except _NotUnderstood:
        return None


def _parse(value: str) -> ParsedHours:
    schedule: dict[str, list[tuple[int, int]]] = {}
    closed_on_holidays = False
    for part in value.split(";"):
        if not part.strip():
            continue
        given: dict[str, list[tuple[int, int]]] = {}
        for rule in _rules(part):
            if rule.public_holidays:
                if not rule.off:
                    raise _NotUnderstood  # special bank holiday times
                closed_on_holidays = True
            for day in rule.days:
                if rule.off:
                    given[day] = []
                else:
                    given.setdefault(day, []).extend(rule.spans)
        for day, spans in given.items():
            if spans and schedule.get(day):
                raise _NotUnderstood  # a ";" rule over a day that already has times
            schedule[day] = spans
    sessions = [
        _session(day, start, end, note)
        for day in WEEKDAYS
        for start, end, note in sorted(_fit(span) for span in schedule.get(day, []))
    ]
    if not sessions or len(sessions) > MAX_SESSIONS or _overlapping(sessions):
        raise _NotUnderstood
    return ParsedHours(sessions, "Closed on bank holidays." if closed_on_holidays else None)


def _rules(part: str) -> list[_Rule]:
    """Splits one ";" part into its ","-joined rules: "Mo 12:00-14:00, 17:00-21:30, We-Th,Su 17:00-21:30"."""
    rules: list[_Rule] = []
    for piece in (p.strip() for p in part.split(",")):
        match = _DAY_RANGE.match(piece)
        rest = piece[match.end():].strip() if match else piece
        if match:
            if not rules or rules[-1].spans or rules[-1].off:
                rules.append(_Rule())
            _add_days(rules[-1], match.group(1), match.group(2))
        elif not rules:
            rules.append(_Rule(days=set(WEEKDAYS)))  # times with no days: every day
        rule = rules[-1]
        if rest.lower() in _OFF:
            rule.off = True
        elif rest:
            span = _SPAN.fullmatch(rest)
            if not span or rule.off:
                raise _NotUnderstood
            rule.spans.append(_minutes(*span.groups()))
    if not rules or any(not (rule.spans or rule.off) for rule in rules):
        raise _NotUnderstood  # days with no times ("Mo-Fr" alone means all day; rarely meant)
    return rules


def _add_days(rule: _Rule, first: str, last: str | None) -> None:
    if first == "PH":
        rule.public_holidays = True
        return
    start = _OSM_DAYS.index(first)
    length = (_OSM_DAYS.index(last) - start) % 7 + 1 if last else 1  # "We-Mo" runs over the weekend
    rule.days.update(WEEKDAYS[(start + i) % 7] for i in range(length))


def _minutes(h1: str, m1: str, h2: str, m2: str) -> tuple[int, int]:
    start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
    if int(m1) > 59 or int(m2) > 59 or start >= 24 * 60 or end > 48 * 60 or start == end:
        raise _NotUnderstood
    return start, end


def _fit(span: tuple[int, int]) -> tuple[int, int, str | None]:
    """A session must close on the day it opens: "17:00-01:00" and "12:00-24:30" close at 23:59 with a note."""
    start, end = span
    if start < end < 24 * 60:
        return start, end, None
    if end == 24 * 60:
        return start, _LAST_MINUTE, "until midnight"
    return start, _LAST_MINUTE, f"until {_clock(end % (24 * 60))} the next day"


def _overlapping(sessions: list[dict[str, str]]) -> bool:
    return any(a["day"] == b["day"] and b["opens"] < a["closes"] for a, b in zip(sessions, sessions[1:], strict=False))


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _session(day: str, start: int, end: int, note: str | None) -> dict[str, str]:
    session = {"day": day, "opens": _clock(start), "closes": _clock(end)}
    return session | {"note": note} if note else session
