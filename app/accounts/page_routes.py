"""Signing in and out of the web pages."""

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.accounts.deps import MODERATORS
from app.accounts.service import LoginRefused, end_session, sign_in, start_session
from app.core.deps import SessionDep, SettingsDep
from app.i18n import gettext as _
from app.web.browser import CSRF_COOKIE, SESSION_COOKIE, FormDep, VisitorDep, render, safe_next, set_cookie
from app.web.ratelimit import RateLimited, client_bucket, consume

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/login")
def login_form(request: Request, visitor: VisitorDep, next: str = Query("/moderate", max_length=500)) -> HTMLResponse:
    return render(request, "moderation/login.html", {"next": safe_next(next, "/moderate"), "message": None})


@router.post("/login", response_model=None)
def login(
    request: Request, session: SessionDep, settings: SettingsDep, visitor: VisitorDep, form: FormDep
) -> HTMLResponse | RedirectResponse:
    email = str(form.get("email", ""))[:254]
    password = str(form.get("password", ""))[:256]
    target = safe_next(str(form.get("next", "")), "/moderate")
    client = request.client.host if request.client else "unknown"
    try:
        consume(session, client_bucket("login", client), settings.login_rate_limit, settings.login_rate_window_s,
                _("You have tried to sign in many times recently."))
        session.commit()
        user = sign_in(session, email, password, client, settings.login_max_failures, settings.login_lockout_minutes)
    except RateLimited as limited:
        context = {"next": target, "message": limited.message, "email": email}
        return render(request, "moderation/login.html", context, 429, headers={"Retry-After": str(limited.retry_after)})
    except LoginRefused as refused:
        return render(
            request, "moderation/login.html", {"next": target, "message": refused.message, "email": email}, 401
        )
    if visitor.web_session:  # signing in again replaces the old session
        end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    _web_session, token = start_session(session, user, settings.session_idle_minutes, settings.session_max_hours)
    if user.role not in MODERATORS and target.startswith("/moderate"):
        target = "/"
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, SESSION_COOKIE, token, settings.session_cookie_secure, max_age=settings.session_max_hours * 3600)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, settings: SettingsDep, visitor: VisitorDep, form: FormDep
) -> RedirectResponse:
    if visitor.web_session:
        end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=settings.session_cookie_secure, httponly=True, samesite="lax"
    )
    return response
