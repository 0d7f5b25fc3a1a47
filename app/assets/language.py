"""Welsh and English in a place's data: which language its text is shown in, and the names Welsh goes by.

Which language: the request's, or else the other one, said with `lang`.

A place's name, description, opening hours in words and who it is for may be written in English, in Welsh
(`<name>_cy`, app/assets/fields.py) or in both. A page shows each in its own language where there is one, and otherwise
the other language's text, marked as such (`lang="en"` on a Welsh page, `lang="cy"` on an English one), so that a
screen reader reads it in the right voice. Templates call `place_text` (the `place_text` filter); page scripts do the
same with AssetMapDom.placeText (static/js/dom.js).
"""

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from app.assets.fields import WELSH
from app.i18n import current_locale

LANGUAGES = ("en", "cy")  # the languages a place's text is written in: the field itself is English
# A place lists the languages it is offered in as its organisers write them: Welsh as "Welsh" or as "Cymraeg".
WELSH_NAMES = ("welsh", "cymraeg")


def is_welsh(language: str) -> bool:
    """Whether a language a place lists, or one asked for, is Welsh."""
    return language.strip().lower() in WELSH_NAMES


def language_names(language: str) -> list[str]:
    """The names (in lower case) that a language asked for matches in a place's list: Welsh is Welsh or Cymraeg,
    however it is asked for; any other language its own name."""
    return list(WELSH_NAMES) if is_welsh(language) else [language.strip().lower()]


@dataclass(frozen=True)
class Shown:
    """A text as shown on a page: `text` is in `lang`; empty when the place has it in neither language."""

    text: str
    lang: str
    foreign: bool  # not in the page's language

    def __bool__(self) -> bool:
        return bool(self.text)

    def __str__(self) -> str:
        return self.text

    @property
    def attr(self) -> Markup:
        """` lang="en"` for an element holding the text, when it is not in the page's language; else nothing."""
        return Markup(' lang="{}"').format(self.lang) if self.foreign else Markup("")

    def __html__(self) -> str:
        """The text in a template: escaped, and in a `<span lang>` when it is not in the page's language."""
        if self.foreign:
            return Markup("<span{}>{}</span>").format(self.attr, self.text)
        return str(escape(self.text))


def _value(place: Any, name: str) -> str:
    value = place.get(name) if isinstance(place, dict) else getattr(place, name, None)
    return value.strip() if isinstance(value, str) else ""


def place_text(place: Any, field: str) -> Shown:
    """`field` of `place` (an AssetPublic, or a dict of its fields) in the request's language, or else in the other."""
    page = current_locale()
    texts = {"en": _value(place, field), "cy": _value(place, WELSH[field])}
    for lang in sorted(LANGUAGES, key=lambda lang: lang != page):
        if texts[lang]:
            return Shown(texts[lang], lang, lang != page)
    return Shown("", page, False)
