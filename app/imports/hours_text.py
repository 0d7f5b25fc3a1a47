"""Opening times written in words, as directories write them, turned into weekly sessions when the reading is sure.

Understood: a day, a day range or a list of days ("Tuesday", "Mon - Fri", "Monday to Friday", "Mon, Wed & Fri",
"Tuesdays", "Weekdays", "Daily"), then one or more time ranges with ".", ":", am/pm, "noon", a hyphen, an en dash or
"to" ("11.00 – 13.00", "1PM - 5:30PM", "9am-12 noon", "10am-12pm and 1-3pm"), or "closed"; several such parts
separated by ";", ",", "/", "and" or new lines. The whole text must be read this way, or nothing is: "10-2" (which
hours?), "every other Tuesday", "term time only", "by appointment" give None, and the caller keeps the raw text only.
The raw text is always kept as the place's opening-hours text (app/imports/mapping.HoursColumn).
"""

import re

from app.assets.types import WEEKDAYS

_DAY_WORDS = {
    "mon": ("monday", "mondays", "mon", "mo"),
    "tue": ("tuesday", "tuesdays", "tues", "tue", "tu"),
    "wed": ("wednesday", "wednesdays", "weds", "wed", "we"),
    "thu": ("thursday", "thursdays", "thurs", "thur", "thu", "th"),
    "fri": ("friday", "fridays", "fri", "fr"),
    "sat": ("saturday", "saturdays", "sat", "sa"),
    "sun": ("sunday", "sundays", "sun", "su"),
}
_DAY_OF = {word: day for day, words in _DAY_WORDS.items() for word in words}
_DAY = r"(?:" + "|".join(sorted(_DAY_OF, key=len, reverse=True)) + r")\.?"
_GROUPS = {"daily": WEEKDAYS, "every day": WEEKDAYS, "everyday": WEEKDAYS, "weekdays": WEEKDAYS[:5], "weekends": WEEKDAYS[5:]}
_GROUP = r"(?:" + "|".join(_GROUPS) + r")"
_TO = r"\s*(?:-|–|—|to|until|till|til)\s*"
_DAYS = rf"(?:{_GROUP}|{_DAY}(?:{_TO}{_DAY})?(?:\s*(?:,|&|and|\+)\s*{_DAY}(?:{_TO}{_DAY})?)*)"
_TIME = r"(?:12\s*noon|12\s*midday|noon|midday|\d{1,2}(?:[.:]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?)"
_RANGE = rf"{_TIME}{_TO}{_TIME}"
_TIMES = rf"(?:closed|{_RANGE}(?:\s*(?:,|&|and)\s*{_RANGE})*)"
_PART = re.compile(rf"({_DAYS})\s*(?::|-|–|—|,)?\s*({_TIMES})", re.IGNORECASE)
_BETWEEN = re.compile(r"^[\s;,/\n]*(?:and)?[\s;,/\n]*$", re.IGNORECASE)
_ONE_TIME = re.compile(r"(\d{1,2})(?:[.:](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?|(noon|midday)", re.IGNORECASE)
_ONE_RANGE = re.compile(rf"({_TIME}){_TO}({_TIME})", re.IGNORECASE)
MAX_SESSIONS = 50


class _Unsure(Exception):
    pass


def parse_hours_text(text: str | None) -> list[dict[str, str]] | None:
    """Sessions (as AssetCreate's `schedule` takes them) for opening times in words, or None when the whole text
    cannot be read for sure."""
    text = (text or "").strip()
    if not text:
        return None
    sessions: dict[str, list[tuple[int, int]]] = {}
    end = 0
    try:
        for match in _PART.finditer(text):
            if not _BETWEEN.match(text[end : match.start()]):
                return None
            end = match.end()
            days = _days(match.group(1))
            spans = [] if match.group(2).lower() == "closed" else _spans(match.group(2))
            for day in days:
                if day in sessions and spans and sessions[day]:
                    raise _Unsure  # the same day given times twice: "as well" or "instead"?
                sessions.setdefault(day, []).extend(spans)
    except _Unsure:
        return None
    if end == 0 or not _BETWEEN.match(text[end:]):
        return None
    result = [
        {"day": day, "opens": _clock(start), "closes": _clock(stop)}
        for day in WEEKDAYS
        for start, stop in sorted(sessions.get(day, []))
    ]
    if not result or len(result) > MAX_SESSIONS or _overlapping(result):
        return None
    return result


def _days(text: str) -> list[str]:
    text = text.strip().lower()
    if text in _GROUPS:
        return list(_GROUPS[text])
    days: list[str] = []
    for piece in re.split(r"\s*(?:,|&|\band\b|\+)\s*", text):
        ends = [_DAY_OF[w.strip().rstrip(".")] for w in re.split(_TO, piece) if w.strip()]
        if len(ends) == 1:
            days.append(ends[0])
        elif len(ends) == 2:
            first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[1])
            if last <= first:
                raise _Unsure  # "Fri - Mon" is rare enough to be a typo
            days.extend(WEEKDAYS[first : last + 1])
        else:
            raise _Unsure
    return days


def _spans(text: str) -> list[tuple[int, int]]:
    return [_span(m.group(1), m.group(2)) for m in _ONE_RANGE.finditer(text)]


def _span(opens: str, closes: str) -> tuple[int, int]:
    """Minutes after midnight of a range; am/pm given on one side only is shared when that is the only sensible
    reading ("10-2pm" is 10am to 2pm, "1-5pm" 1pm to 5pm); hours without am/pm must carry minutes ("11.00")."""
    h1, m1, half1 = _parts(opens)
    h2, m2, half2 = _parts(closes)
    if half1 is None and half2 is None:
        if m1 is None or m2 is None:
            raise _Unsure  # "10-2", "9-5": which hours?
        start, end = h1 * 60 + m1, h2 * 60 + m2
    elif half1 is not None and half2 is not None:
        start, end = _minutes(h1, m1, half1), _minutes(h2, m2, half2)
    elif half2 is not None:  # "10-2pm", "1-5pm"
        end = _minutes(h2, m2, half2)
        start = _minutes(h1, m1, "pm" if h1 == 12 else half2)
        if start >= end:
            start = _minutes(h1, m1, "am")
    else:  # "9am-5", "9am-12"
        start = _minutes(h1, m1, half1)
        end = _minutes(h2, m2, "pm" if h2 == 12 else half1)
        if end <= start:
            end = _minutes(h2, m2, "pm")
    if not 0 <= start < end < 24 * 60:
        raise _Unsure
    return start, end


def _parts(text: str) -> tuple[int, int | None, str | None]:
    match = _ONE_TIME.fullmatch(re.sub(r"^12\s*(?=noon|midday)", "", text.strip(), flags=re.IGNORECASE))
    if not match:
        raise _Unsure
    if match.group(4):
        return 12, 0, "pm"
    hour, minute = int(match.group(1)), match.group(2)
    half = match.group(3).replace(".", "").lower() if match.group(3) else None
    if minute is not None and int(minute) > 59:
        raise _Unsure
    if half and not 1 <= hour <= 12:
        raise _Unsure
    if hour > 23:
        raise _Unsure
    return hour, int(minute) if minute is not None else None, half


def _minutes(hour: int, minute: int | None, half: str | None) -> int:
    if half == "am":
        if hour == 12:
            raise _Unsure  # 12am: midnight or noon?
        hour = hour % 12
    elif half == "pm":
        hour = hour % 12 + 12
    return hour * 60 + (minute or 0)


def _overlapping(sessions: list[dict[str, str]]) -> bool:
    return any(a["day"] == b["day"] and b["opens"] < a["closes"] for a, b in zip(sessions, sessions[1:], strict=False))


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
