"""Serve each request in its language (app/i18n/locales.py): translate in it, and say which it was."""

from urllib.parse import parse_qs, unquote

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.paths import ENGLISH_ONLY_PREFIXES, PROGRAM_PREFIXES
from app.i18n.locales import COOKIE, COOKIE_MAX_AGE, HTML_LANG, choose, supported, use_locale
from app.web.security import EMBED_PATHS


def _cookie(scope: Scope) -> str | None:
    """The remembered language, from every Cookie header (HTTP/2 may send several), read as Starlette reads cookies."""
    cookies: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            cookies.update(cookie_parser(value.decode("latin-1")))
    return cookies.get(COOKIE)


def lang_in_query(query: bytes) -> str | None:
    """The last `lang` of the query string, read as Starlette reads it. Most requests have none, and a name that
    decodes to "lang" leaves those letters in the whole query string decoded, so only such a query string is parsed
    (decoding it whole is one call; parsing it, several per parameter)."""
    text = query.decode("latin-1")
    if "lang" not in (unquote(text) if "%" in text else text):
        return None
    return parse_qs(text).get("lang", [None])[-1]


def _header(scope: Scope, wanted: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == wanted), None)


# Only these responses hold interface text (pages, and the API's labels and error messages); tiles, map layers, static
# files and open-data files are the same in every language, so no Vary splits their caches. A response of another
# type that does hold translated text (the insights figures' notes) says so itself (locales.language_headers).
TRANSLATED_TYPES = ("text/html", "application/json", "application/problem+json")


class LocaleMiddleware:
    """Chooses the request's language and sets it for gettext and templates (app.i18n.current_locale). A response
    with interface text says which language it is in (`Content-Language`) and what chose it (`Vary`), and a page asked
    for with `?lang=` remembers the choice in a cookie for a year. An embed does not: its `lang` is the language a
    council chose for its own site (and its links carry it), not the visitor's choice for this one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        query_lang = lang_in_query(scope.get("query_string", b""))
        locale = choose(path, query_lang, _cookie(scope), _header(scope, b"accept-language"))
        is_page = not path.startswith(PROGRAM_PREFIXES)
        language = "en-GB" if path.startswith(ENGLISH_ONLY_PREFIXES) else HTML_LANG[locale]

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not headers.get("content-type", "").startswith(TRANSLATED_TYPES):
                    await send(message)
                    return
                headers.setdefault("Content-Language", language)
                headers.add_vary_header("Accept-Language")
                if is_page:
                    headers.add_vary_header("Cookie")
                if is_page and supported(query_lang) and path not in EMBED_PATHS:
                    headers.append(
                        "Set-Cookie",
                        f"{COOKIE}={locale}; Max-Age={COOKIE_MAX_AGE}; Path=/; HttpOnly; SameSite=Lax"
                        + ("; Secure" if scope.get("scheme") == "https" else ""),  # not a secret: plain http too
                    )
            await send(message)

        with use_locale(locale):
            await self.app(scope, receive, send_with_language)
