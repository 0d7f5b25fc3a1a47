"""Data written in English, Welsh or both (a place's name, a category, an area): which of the two a request shows.

The request's language where there is text in it, and otherwise the other language's text, said with `lang`, so that
a screen reader reads it in the right voice (`lang="en"` on a Welsh page, `lang="cy"` on an English one).
"""

from dataclasses import dataclass

from markupsafe import Markup, escape

from app.i18n.locales import LOCALES, current_locale


@dataclass(frozen=True)
class Shown:
    """A text as shown on a page: `text` is in `lang`; empty when there is text in neither language."""

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


def bilingual(english: str | None, welsh: str | None) -> Shown:
    """The text in the request's language, or else in the other one."""
    page = current_locale()
    texts = {"en": (english or "").strip(), "cy": (welsh or "").strip()}
    for lang in sorted(LOCALES, key=lambda lang: lang != page):
        if texts[lang]:
            return Shown(texts[lang], lang, lang != page)
    return Shown("", page, False)
