"""Serve each request in its language (app/i18n/locales.py): translate in it, and say which it was."""

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n.locales import API_PREFIXES, COOKIE, COOKIE_MAX_AGE, HTML_LANG, choose, supported, use_locale
from app.web.security import EMBED_PATHS


def _cookie(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is no choice at all
                return None
            return jar[COOKIE].value if COOKIE in jar else None
    return None


def _header(scope: Scope, wanted: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == wanted), None)


# Only these responses hold interface text (pages, and the API's labels and error messages); tiles, map layers, static
# files and open-data files are the same in every language, so no Vary splits their caches.
TRANSLATED_TYPES = ("text/html", "application/json", "application/problem+json")


class LocaleMiddleware:
    """Chooses the request's language, sets it for gettext and for templates (`request.state.locale`). A response
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
        query_lang = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[-1]
        locale = choose(path, query_lang, _cookie(scope), _header(scope, b"accept-language"))
        scope.setdefault("state", {})["locale"] = locale
        is_page = not path.startswith(API_PREFIXES)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not headers.get("content-type", "").startswith(TRANSLATED_TYPES):
                    await send(message)
                    return
                headers.setdefault("Content-Language", HTML_LANG[locale])
                headers.add_vary_header("Accept-Language")
                if is_page:
                    headers.add_vary_header("Cookie")
                if is_page and supported(query_lang) and path not in EMBED_PATHS:
                    headers.append(
                        "Set-Cookie", f"{COOKIE}={locale}; Max-Age={COOKIE_MAX_AGE}; Path=/; SameSite=Lax"
                    )
            await send(message)

        with use_locale(locale):
            await self.app(scope, receive, send_with_language)
