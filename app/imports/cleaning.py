"""Cleaning one optional value of an imported row the way a person would, so that a cell that does not matter never
loses a place (docs/imports.md, "Lose no place").

Each cleaner takes the cell's text and returns the value to store, or raises `Unusable` with words for the row's note
("is not a phone number"). `app/imports/mapping.py` calls them and writes the notes; only the name, the position and
the identity can fail a row.
"""

import re

from app.core.text import clean_url

ELLIPSIS = "…"
_YES = frozenset({"1", "1.0", "y", "yes", "true", "t", "✓", "✔"})
_NO = frozenset({"0", "0.0", "n", "no", "false", "f", "✗", "✘"})
_PHONE_PREFIX = re.compile(r"^(?:tel|phone|telephone|t)\s*[:.]?\s*", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d ()\-]{7,}$")
_URL_PREFIX = re.compile(r"^(?:web(?:site)?|url|www)\s*:\s*", re.IGNORECASE)


class Unusable(ValueError):
    """The cell cannot be cleaned into a value; its message ends the note ("is not a yes/no value")."""


def yes_no(text: str) -> bool:
    """`1`/`0`, `1.0`/`0.0`, `Y`/`N`, `yes`/`no`, `true`/`false`, `t`/`f`, `✓`/`✗`, in any case."""
    key = text.strip().casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise Unusable("is not a yes/no value (yes/no, true/false, 1/0, Y/N or ✓)")


def trim(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, ending with "…" (unchanged when it fits)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word boundary not too far back; else cut inside the (very long) word
        cut = cut[:space]
    return cut.rstrip(" ,;:-–") + ELLIPSIS


def phone(text: str) -> str:
    """'Tel: 0161  496 0000' -> '0161 496 0000'; the first of several numbers ('0161 496 0000 / 07700 900123');
    text that holds no phone number (an e-mail address, 'ask at reception') is Unusable."""
    value = _PHONE_PREFIX.sub("", text.strip())
    value = re.split(r"\s*(?:/|;|\bor\b|,)\s*", value, maxsplit=1)[0]
    value = re.sub(r"\s+", " ", value).strip()
    if not _PHONE.match(value) or sum(c.isdigit() for c in value) < 7:
        raise Unusable("is not a phone number")
    return value


def website(text: str) -> str:
    """'www.example.org' -> 'https://www.example.org'; the first of several addresses; spaces and a label such as
    'Web:' dropped; anything that is not an http(s) address is Unusable."""
    value = _URL_PREFIX.sub("", text.strip())
    if value[:4].lower() == "www:":
        value = value[4:]
    value = re.split(r"\s+(?:and|or|/)\s+|\s*[;,]\s*|\s+", value.strip(), maxsplit=1)[0].rstrip(".")
    try:
        cleaned = clean_url(value)
    except ValueError as exc:
        raise Unusable(str(exc)) from None
    if not cleaned or "." not in cleaned.split("://", 1)[1]:
        raise Unusable("is not a web address")
    return cleaned


def whole_number(text: str) -> int:
    """'18', '18.0' -> 18; anything else is Unusable."""
    try:
        number = float(text.strip())
    except ValueError:
        raise Unusable("is not a number") from None
    if not number.is_integer():
        raise Unusable("is not a whole number")
    return int(number)
