"""What every server-rendered page shares: who is visiting, cookies, CSRF tokens, rendering, and the one error page.

Every form carries a CSRF token in a hidden `csrf_token` field. A signed-in visitor's token belongs to their web
session; an anonymous visitor gets a random token in an HttpOnly `am_csrf` cookie that the form must repeat (the
double-submit pattern; SameSite=Lax keeps other sites' forms from sending the cookie at all).
"""

import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.accounts.models import UserAccount, WebSession
from app.accounts.service import find_session
from app.core.deps import SessionDep, SettingsDep, app_settings
from app.core.errors import AppError, validation_errors
from app.i18n import gettext as _
from app.web.templates import templates

SESSION_COOKIE = "am_session"
CSRF_COOKIE = "am_csrf"
CSRF_FIELD = "csrf_token"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass
class Visitor:
    user: UserAccount | None
    web_session: WebSession | None
    csrf_token: str
    new_csrf_cookie: bool = False


class PageError(Exception):
    """Answered with the one HTML error page (error.html): 401 shows the sign-in form, anything else the title, the
    messages and a way on (`back`: a link and its words; the map by default). Raised while a request is served, so
    the caller gives its words already translated (`_`)."""

    def __init__(self, status_code: int, title: str, message: str | Sequence[str], back: tuple[str, str] | None = None):
        self.messages = [message] if isinstance(message, str) else list(message)
        super().__init__(" ".join(self.messages))
        self.status_code = status_code
        self.title = title
        self.message = " ".join(self.messages)
        self.back = back or ("/", _("Go to the map"))


@contextmanager
def as_page(titles: Mapping[int, str], default: str, back: tuple[str, str] | None = None) -> Iterator[None]:
    """Inside a page route: what a service raises (an AppError, or a ValidationError of the page's query) becomes a
    PageError, titled by its status from `titles` (else `default`)."""
    try:
        yield
    except ValidationError as exc:
        errors = validation_errors(list(exc.errors()))
        messages = [f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors]
        raise PageError(422, titles.get(422, default), messages, back) from None
    except AppError as exc:
        raise PageError(exc.status_code, titles.get(exc.status_code, default), exc.message, back) from None


def set_cookie(response: Response, name: str, value: str, secure: bool, max_age: int | None = None) -> None:
    """One of the site's own cookies; `secure`: the app's SESSION_COOKIE_SECURE."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, secure=secure, samesite="lax")


def get_visitor(request: Request, session: SessionDep, settings: SettingsDep) -> Visitor:
    token = request.cookies.get(SESSION_COOKIE)
    found = find_session(session, token, settings.session_idle_minutes) if token else None
    if found:
        web_session, user = found
        visitor = Visitor(user, web_session, web_session.csrf_token)
    elif _TOKEN.match(anonymous := request.cookies.get(CSRF_COOKIE, "")):
        visitor = Visitor(None, None, anonymous)
    else:
        visitor = Visitor(None, None, secrets.token_urlsafe(32), new_csrf_cookie=True)
    request.state.visitor = visitor
    return visitor


VisitorDep = Annotated[Visitor, Depends(get_visitor)]


async def checked_form(request: Request, visitor: VisitorDep) -> FormData:
    """The posted form, after checking its CSRF token (403 if it is missing or wrong)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not secrets.compare_digest(sent, visitor.csrf_token):
        raise PageError(
            403,
            _("This form has expired"),
            _("For your security we could not accept this form. Go back, reload the page and try again."),
        )
    return form


FormDep = Annotated[FormData, Depends(checked_form)]


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    visitor: Visitor = request.state.visitor
    response = templates.TemplateResponse(
        request,
        template,
        {"visitor": visitor, "csrf_token": visitor.csrf_token, **context},
        status_code=status_code,
        headers=headers,
    )
    if visitor.new_csrf_cookie:
        set_cookie(response, CSRF_COOKIE, visitor.csrf_token, app_settings(request).session_cookie_secure)
    return response


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site, never `//elsewhere` or an absolute URL."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


def install_page_errors(app: FastAPI) -> None:
    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> HTMLResponse:
        if not hasattr(request.state, "visitor"):
            request.state.visitor = Visitor(None, None, secrets.token_urlsafe(32), new_csrf_cookie=True)
        if exc.status_code == 401:
            back = request.url.path if request.method == "GET" else "/moderate"
            return render(request, "moderation/login.html", {"next": back, "message": exc.message}, 401)
        context = {"title": exc.title, "messages": exc.messages, "back": exc.back}
        return render(request, "error.html", context, exc.status_code)
