"""The value cleaners of imports (app/imports/cleaning.py) and the opening times in words (app/imports/hours_text.py)."""

import pytest

from app.imports import cleaning
from app.imports.hours_text import parse_hours_text


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("1", True), ("0", False), ("1.0", True), ("0.0", False), ("Y", True), ("n", False), ("YES", True),
        ("No", False), ("true", True), ("FALSE", False), ("✓", True), (" yes ", True), ("t", True), ("f", False),
    ],
)
def test_yes_no_values(text, answer):
    assert cleaning.yes_no(text) is answer


@pytest.mark.parametrize("text", ["maybe", "2", "", "sometimes", "-1"])
def test_what_is_not_yes_or_no(text):
    with pytest.raises(cleaning.Unusable, match="not a yes/no value"):
        cleaning.yes_no(text)


def test_trim_cuts_at_a_word_boundary_with_an_ellipsis():
    text = "Open every weekday morning for tea, toast and a chat with friendly volunteers"
    trimmed = cleaning.trim(text, 40)
    assert len(trimmed) <= 40 and trimmed.endswith("…")
    assert text.startswith(trimmed[:-1]) and text[len(trimmed) - 1] in " ,"  # ends where a word ended
    assert cleaning.trim("short", 40) == "short"
    assert cleaning.trim("x" * 100, 40) == "x" * 39 + "…"  # one long word is cut inside it


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("0161 496 0000", "0161 496 0000"),
        ("Tel: 0161  496   0000", "0161 496 0000"),
        ("01614960000 / 07700 900123", "01614960000"),
        ("+44 (0)161 496 0000", "+44 (0)161 496 0000"),
        ("0161-496-0000 or 07700 900123", "0161-496-0000"),
    ],
)
def test_phone_numbers(text, cleaned):
    assert cleaning.phone(text) == cleaned


@pytest.mark.parametrize("text", ["ask at reception", "hall@example.org", "123", "n/a"])
def test_what_is_not_a_phone_number(text):
    with pytest.raises(cleaning.Unusable):
        cleaning.phone(text)


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("www.example.org", "https://www.example.org"),
        ("example.org/hall", "https://example.org/hall"),
        ("http://example.org", "http://example.org"),
        ("Web: www.example.org", "https://www.example.org"),
        ("www.example.org; www.other.org", "https://www.example.org"),
        (" https://example.org/cafe. ", "https://example.org/cafe"),
    ],
)
def test_web_addresses(text, cleaned):
    assert cleaning.website(text) == cleaned


@pytest.mark.parametrize("text", ["none", "javascript:alert(1)", "see facebook", "ftp://example.org"])
def test_what_is_not_a_web_address(text):
    with pytest.raises(cleaning.Unusable):
        cleaning.website(text)


def test_whole_numbers():
    assert cleaning.whole_number("18") == 18 and cleaning.whole_number("18.0") == 18
    for text in ("18+", "eighteen", "7.5"):
        with pytest.raises(cleaning.Unusable):
            cleaning.whole_number(text)


def week(days: str, opens: str, closes: str) -> list[dict[str, str]]:
    return [{"day": d, "opens": opens, "closes": closes} for d in days.split()]


# Phrasings from the two directories of issue 18 and others like them: what each must read as, or None.
HOURS = [
    ("Tuesday 11.00 – 13.00", week("tue", "11:00", "13:00")),
    ("Mon - 1PM - 5:30PM", week("mon", "13:00", "17:30")),
    ("Monday to Friday 9am-5pm", week("mon tue wed thu fri", "09:00", "17:00")),
    ("Mon-Fri 9:00-17:00", week("mon tue wed thu fri", "09:00", "17:00")),
    ("Tuesdays 10-2pm", week("tue", "10:00", "14:00")),
    ("Thursday 7pm-9.30pm", week("thu", "19:00", "21:30")),
    ("Wednesday: 1-3pm", week("wed", "13:00", "15:00")),
    ("Sat 9.30am to midday", week("sat", "09:30", "12:00")),
    ("Mon, Wed & Fri 10am - 12 noon", week("mon wed fri", "10:00", "12:00")),
    ("Daily 8am-8pm", week("mon tue wed thu fri sat sun", "08:00", "20:00")),
    ("Weekdays 9.30-16.30, Saturday closed", week("mon tue wed thu fri", "09:30", "16:30")),
    ("Mon 9am-12 and 1-4pm", week("mon", "09:00", "12:00") + week("mon", "13:00", "16:00")),
    ("Mon-Fri 9:00-17:00; Sat 10am-2pm", week("mon tue wed thu fri", "09:00", "17:00") + week("sat", "10:00", "14:00")),
    ("Mon 9:00-12:00\nTue 13:00-15:00", week("mon", "09:00", "12:00") + week("tue", "13:00", "15:00")),
    ("FRIDAY 10AM - 12PM", week("fri", "10:00", "12:00")),
    # Not sure enough: these keep their text only.
    ("Mon 10-2", None),  # which hours?
    ("9-5", None),
    ("10am-2pm", None),  # which days?
    ("Every other Tuesday 10am-12pm", None),
    ("Tuesday 10am-12pm (term time only)", None),
    ("Term time only", None),
    ("By appointment", None),
    ("Fri - Mon 10am-2pm", None),
    ("Mon 9am-5pm; Mon 6pm-8pm", None),  # the same day twice: as well, or instead?
    ("Monday 12am-2am", None),  # 12am: midnight or noon?
    ("Tuesday 22:00-02:00", None),  # past midnight
    ("Ring for details", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "sessions"), HOURS)
def test_hours_in_words(text, sessions):
    assert parse_hours_text(text) == sessions
