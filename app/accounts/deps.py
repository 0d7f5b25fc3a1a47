"""Route guards for the API: `Depends(require_role(Role.admin))` answers 401 without credentials, 403 with the wrong role.

Machines send an API key in `X-API-Key`. A signed-in browser may use its session cookie instead; then any request
that changes something must also send the session's CSRF token in `X-CSRF-Token`.
"""

import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import Actor, authenticate_key, find_session, user_actor
from app.core.config import Settings
from app.core.db import get_engine
from app.core.deps import SessionDep, SettingsDep, app_settings
from app.i18n import gettext as _
from app.web.browser import SESSION_COOKIE, PageError, Visitor, VisitorDep

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_CHALLENGE = {"WWW-Authenticate": "API-Key"}


def _identify(
    request: Request, session: Session, settings: Settings, x_api_key: str | None, x_csrf_token: str | None
) -> Actor | None:
    """The caller by API key, else by session cookie (with its CSRF token for a change); None when they send neither.
    A key that is not valid is a 401 even where no key is needed: the caller meant to be someone."""
    if x_api_key:
        actor = authenticate_key(session, x_api_key)
        if actor is None:
            raise HTTPException(401, _("That API key is not valid or has been revoked."), headers=_CHALLENGE)
        return actor
    cookie = request.cookies.get(SESSION_COOKIE)
    found = find_session(session, cookie, settings.session_idle_minutes) if cookie else None
    if found is None:
        return None
    web_session, user = found
    if request.method not in _SAFE_METHODS and not (
        x_csrf_token and secrets.compare_digest(x_csrf_token, web_session.csrf_token)
    ):
        raise HTTPException(403, _("With a session cookie, send the session's CSRF token in the X-CSRF-Token header."))
    return user_actor(user)


def optional_viewer(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    x_api_key: str | None = Header(default=None, description="Optional: an API key (link workers see more)"),
) -> Actor | None:
    """Who reads a public answer that says more to staff (where a place not shown exactly really is); None: anyone."""
    return _identify(request, session, settings, x_api_key, None)


ViewerDep = Annotated[Actor | None, Depends(optional_viewer)]


def require_role(*roles: Role) -> Callable[..., Actor]:
    def guard(
        request: Request,
        session: SessionDep,
        settings: SettingsDep,
        x_api_key: str | None = Header(default=None, description="An API key"),
        x_csrf_token: str | None = Header(default=None, description="Only with a browser session: its CSRF token"),
    ) -> Actor:
        actor = _identify(request, session, settings, x_api_key, x_csrf_token)
        if actor is None:
            raise HTTPException(
                401, _("This needs an API key in the X-API-Key header (or a signed-in session)."), headers=_CHALLENGE
            )
        if actor.role not in roles:
            word = _("or")
            needed = f" {word} ".join(r.value for r in roles)
            raise HTTPException(
                403, _("This needs a %(roles)s key or account; yours is %(role)s.") % {"roles": needed, "role": actor.role.value}
            )
        return actor

    def check_before_body(request: Request) -> None:
        """The same check for a request whose body could not even be parsed (FastAPI parses the body before it runs
        any dependency): a caller without the right key learns that first, not what is wrong with the body."""
        with Session(get_engine()) as session:
            guard(
                request, session, app_settings(request), request.headers.get("x-api-key"), request.headers.get("x-csrf-token")
            )

    guard.check_before_body = check_before_body  # type: ignore[attr-defined]  # read by app.core.errors
    return guard


MODERATORS = (Role.admin, Role.moderator)


def require_page_role(*roles: Role) -> Callable[[Visitor], Actor]:
    """The signed-in actor, if their role is one of `roles`: otherwise the sign-in page (401) or a 403 page."""

    def guard(visitor: VisitorDep) -> Actor:
        if visitor.user is None:
            raise PageError(401, _("Sign in"), _("Sign in to see this page."))
        if visitor.user.role not in roles:
            raise PageError(403, _("Not allowed"), _("Your account cannot see this page: it is for moderators."))
        return user_actor(visitor.user)

    return guard


ModeratorPage = Annotated[Actor, Depends(require_page_role(*MODERATORS))]
