"""Translated interface text from the gettext catalogues, in the request's language.

English is the source language: its text is the message id itself. Each other language's catalogue is read from its
`.po` file once per process and compiled in memory, so no compiled `.mo` file has to be built or kept in step.
Mark text with `_` (`from app.i18n import gettext as _`) where it is used, or with `_l` (`lazy_gettext`) where it is
defined at import time (field labels, choices): a lazy string is translated each time it is shown.
"""

import io
from functools import cache
from gettext import GNUTranslations, NullTranslations
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy

from app.i18n.locales import DEFAULT, current_locale

LOCALE_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"


# Interface text: a plain string, or a lazy one translated when shown.
Text = str | LazyProxy


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> NullTranslations:
    """The catalogue of `locale`; English (the message ids) needs none. Fuzzy entries (awaiting review) are not used."""
    if locale == DEFAULT:
        return NullTranslations()
    with po_path(locale).open("rb") as po:
        catalog = read_po(po, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return GNUTranslations(compiled)


def gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def gettext_noop(message: str) -> str:
    """`message` itself, marked for `make messages`: a default kept in English where it is defined (a setting's
    default) and translated with `gettext` where it is shown."""
    return message


def lazy_gettext(message: str) -> LazyProxy:
    return LazyProxy(gettext, message, enable_cache=False)
