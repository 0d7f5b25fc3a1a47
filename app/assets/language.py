"""Welsh and English in a place's data: which language its text is shown in, and the names Welsh goes by.

Which language: the request's, or else the other one, said with `lang` (app/i18n/bilingual.py).

A place's name, description, opening hours in words and who it is for may be written in English, in Welsh
(`<name>_cy`, app/assets/fields.py) or in both. A page shows each in its own language where there is one, and otherwise
the other language's text, marked as such (`lang="en"` on a Welsh page, `lang="cy"` on an English one), so that a
screen reader reads it in the right voice. Templates call `place_text` (the `place_text` filter); page scripts do the
same with AssetMapDom.placeText (static/js/dom.js).
"""

from typing import Any

from app.assets.fields import WELSH
from app.i18n.bilingual import Shown, bilingual

# A place lists the languages it is offered in as its organisers write them: Welsh as "Welsh" or as "Cymraeg".
WELSH_NAMES = ("welsh", "cymraeg")


def is_welsh(language: str) -> bool:
    """Whether a language a place lists, or one asked for, is Welsh."""
    return language.strip().lower() in WELSH_NAMES


def language_names(language: str) -> list[str]:
    """The names (in lower case) that a language asked for matches in a place's list: Welsh is Welsh or Cymraeg,
    however it is asked for; any other language its own name."""
    return list(WELSH_NAMES) if is_welsh(language) else [language.strip().lower()]


def _value(place: Any, name: str) -> str:
    value = place.get(name) if isinstance(place, dict) else getattr(place, name, None)
    return value.strip() if isinstance(value, str) else ""


def place_text(place: Any, field: str) -> Shown:
    """`field` of `place` (an AssetPublic, or a dict of its fields) in the request's language, or else in the other."""
    return bilingual(_value(place, field), _value(place, WELSH[field]))
