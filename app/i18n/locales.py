"""The interface languages, and the one a request is served in.

A page's language is chosen by, in order: `?lang=cy|en` (which the middleware also remembers in a cookie), that
cookie, the browser's `Accept-Language`, and English. The API, the map layers and the Open Referral feed are called
by programs (app/core/paths.py), so only `?lang` and `Accept-Language` choose theirs: a response never depends on a cookie a case system did not send.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from app.core.headers import weighted
from app.core.paths import PROGRAM_PREFIXES

LOCALES = ("en", "cy")
DEFAULT = "en"
HTML_LANG = {"en": "en-GB", "cy": "cy"}  # <html lang>, Content-Language
NAMES = {"en": "English", "cy": "Cymraeg"}  # each language in its own words, for the switch
COOKIE = "am_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

_current: ContextVar[str] = ContextVar("locale", default=DEFAULT)


def current_locale() -> str:
    return _current.get()


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Translate in `locale` within the block (a request, a command that renders Welsh, a test)."""
    token = _current.set(locale if locale in LOCALES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def supported(value: str | None) -> str | None:
    """`value` if it names a language we serve ("cy", "CY", "cy-GB" …), else None."""
    primary = (value or "").strip().lower().split("-")[0]
    return primary if primary in LOCALES else None


def from_accept_language(header: str | None) -> str | None:
    """The best language we serve in an Accept-Language header (RFC 9110 §12.5.4), or None."""
    ranked = [
        (-quality, position, locale)
        for position, (tag, quality) in enumerate(weighted(header or ""))
        if quality > 0 and (locale := supported(tag))
    ]
    return min(ranked)[2] if ranked else None


def choose(path: str, query_lang: str | None, cookie: str | None, accept_language: str | None) -> str:
    if locale := supported(query_lang):
        return locale
    if not path.startswith(PROGRAM_PREFIXES) and (locale := supported(cookie)):
        return locale
    return from_accept_language(accept_language) or DEFAULT


def language_headers() -> dict[str, str]:
    """The headers of a response whose text follows the request's language, for a type the middleware does not label
    itself (app/i18n/middleware.py TRANSLATED_TYPES)."""
    return {"Content-Language": HTML_LANG[current_locale()], "Vary": "Accept-Language"}
