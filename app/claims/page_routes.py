"""The claims' pages: claiming a place and confirming the address, the moderators' list of claims, and the
claimant's sign-in by e-mail link, their places, the place form and "still running"."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from app.accounts.deps import ModeratorPage, require_page_role
from app.accounts.models import Role
from app.accounts.service import Actor, end_session, start_session
from app.assets.language import place_text
from app.assets.schemas import AssetPublic, AssetUpdate
from app.claims import service
from app.claims.models import CLAIM_STATUS_NAMES, ClaimStatus
from app.claims.routes import base_url
from app.core.deps import SessionDep, SettingsDep, app_settings
from app.core.errors import AppError
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.mail.deps import MailerDep
from app.submissions import forms
from app.submissions.service import published_asset
from app.web.browser import CSRF_COOKIE, SESSION_COOKIE, FormDep, VisitorDep, as_page, render, set_cookie
from app.web.ratelimit import RateLimited, client_address

router = APIRouter(include_in_schema=False)
ClaimantPage = Annotated[Actor, Depends(require_page_role(Role.claimant))]
_ERROR_TITLES = {
    403: _l("Not allowed"), 404: _l("Not found"), 409: _l("Already claimed"), 410: _l("This link no longer works"),
    422: _l("Cannot do that"), 429: _l("Too many e-mails"),
}
_PROBLEM = _l("Something is wrong")


def _notice(request: Request, title: str, text: str, action: str | None = None, button: str | None = None) -> HTMLResponse:
    """A short page: a heading, a sentence, and perhaps one button (a single-use link is used only by a POST, so
    a mail scanner that opens the link does not use it up)."""
    return render(request, "claims/notice.html", {"title": title, "text": text, "action": action, "button": button})


def _claim_form(
    request: Request, asset: AssetPublic, values: dict[str, str], errors: dict[str, str], status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(request, "claims/claim_form.html", {"asset": asset, "values": values, "errors": errors}, status, headers)


@router.get("/places/{asset_id}/claim")
def claim_form(request: Request, session: SessionDep, visitor: VisitorDep, asset_id: uuid.UUID) -> HTMLResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        asset = published_asset(session, asset_id)
    return _claim_form(request, asset, {"email": "", "note": ""}, {})


@router.post("/places/{asset_id}/claim")
def claim_place(
    request: Request, session: SessionDep, settings: SettingsDep, mailer: MailerDep, form: FormDep, asset_id: uuid.UUID
) -> HTMLResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        asset = published_asset(session, asset_id)
    values = {"email": str(form.get("email", "")).strip()[:300], "note": str(form.get("note", "")).strip()}
    try:
        service.claim_place(
            session, asset_id, values["email"], values["note"] or None, client_address(request), settings, mailer,
            base_url(request, settings.public_base_url),
        )
    except RateLimited as limited:
        return _claim_form(request, asset, values, {"email": limited.message}, 429, {"Retry-After": str(limited.retry_after)})
    except AppError as exc:
        field = exc.field if exc.field in ("email", "note") else "email"
        return _claim_form(request, asset, values, {field: exc.message}, exc.status_code)
    return _notice(
        request, _("Check your e-mail"),
        _("We have sent a link to %(email)s. Open it within %(hours)s hours to send your claim to a moderator.")
        % {"email": values["email"], "hours": settings.claim_confirm_hours},
    )


@router.get("/claims/confirm/{token}")
def confirm_page(request: Request, visitor: VisitorDep, token: str) -> HTMLResponse:
    return _notice(
        request, _("Confirm your claim"), _("Press the button to confirm your e-mail address and send your claim."),
        f"/claims/confirm/{token[:100]}", _("Confirm my claim"),
    )


@router.post("/claims/confirm/{token}")
def confirm_claim(request: Request, session: SessionDep, form: FormDep, token: str) -> HTMLResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        service.confirm_claim(session, token)
    return _notice(
        request, _("Thank you: your claim is with a moderator"),
        _("A moderator will check it. We will e-mail you when they have decided."),
    )


# Moderators


@router.get("/moderate/claims")
def claims_queue(request: Request, session: SessionDep, actor: ModeratorPage, done: str | None = None) -> HTMLResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        total, rows = service.queue(session, actor, ClaimStatus.pending, 200, 0)
    confirmations = {"approved": _("Claim approved: the claimant has been told."), "rejected": _("Claim rejected: the claimant has been told.")}
    context = {"rows": rows, "total": total, "done": confirmations.get(done or ""), "status_names": CLAIM_STATUS_NAMES}
    return render(request, "moderation/claims.html", context)


@router.post("/moderate/claims/{claim_id}/{decision}")
def decide_claim(
    request: Request, session: SessionDep, settings: SettingsDep, mailer: MailerDep, actor: ModeratorPage,
    form: FormDep, claim_id: uuid.UUID, decision: str,
) -> RedirectResponse:
    if decision not in ("approve", "reject"):
        with as_page(_ERROR_TITLES, _PROBLEM):
            raise AppError(_("A claim is approved or rejected."))
    note = str(form.get("note", "")).strip()[:2000] or None
    with as_page(_ERROR_TITLES, _PROBLEM, ("/moderate/claims", _("Back to the claims"))):
        service.decide(
            session, actor, claim_id, decision == "approve", note, settings, mailer, base_url(request, settings.public_base_url)
        )
    return RedirectResponse(f"/moderate/claims?done={'approved' if decision == 'approve' else 'rejected'}", status_code=303)


# Claimants


@router.get("/claimant", response_model=None)
def sign_in_form(request: Request, visitor: VisitorDep) -> HTMLResponse | RedirectResponse:
    if visitor.user is not None and visitor.user.role == Role.claimant:
        return RedirectResponse("/claimant/places", status_code=303)
    return render(request, "claims/sign_in.html", {"email": "", "error": None})


@router.post("/claimant")
def ask_for_link(
    request: Request, session: SessionDep, settings: SettingsDep, mailer: MailerDep, form: FormDep
) -> HTMLResponse:
    email = str(form.get("email", "")).strip()[:300]
    try:
        service.request_sign_in(session, email, client_address(request), settings, mailer, base_url(request, settings.public_base_url))
    except RateLimited as limited:
        context = {"email": email, "error": limited.message}
        return render(request, "claims/sign_in.html", context, 429, {"Retry-After": str(limited.retry_after)})
    except AppError as exc:
        return render(request, "claims/sign_in.html", {"email": email, "error": exc.message}, exc.status_code)
    return _notice(
        request, _("Check your e-mail"),
        _("If %(email)s keeps a place on the map, we have sent it a sign-in link. It works once, within %(minutes)s minutes.")
        % {"email": email, "minutes": settings.sign_in_link_minutes},
    )


@router.get("/claimant/sign-in/{token}")
def sign_in_page(request: Request, visitor: VisitorDep, token: str) -> HTMLResponse:
    return _notice(
        request, _("Sign in"), _("Press the button to sign in and update your places."),
        f"/claimant/sign-in/{token[:100]}", _("Sign in"),
    )


@router.post("/claimant/sign-in/{token}")
def sign_in(
    request: Request, session: SessionDep, settings: SettingsDep, visitor: VisitorDep, form: FormDep, token: str
) -> RedirectResponse:
    with as_page(_ERROR_TITLES, _PROBLEM, ("/claimant", _("Ask for a new link"))):
        user = service.sign_in_with_link(session, token)
    if visitor.web_session:  # signing in again replaces the old session
        end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    _web_session, cookie = start_session(session, user, settings.session_idle_minutes, settings.session_max_hours)
    response = RedirectResponse("/claimant/places", status_code=303)
    set_cookie(response, SESSION_COOKIE, cookie, settings.session_cookie_secure, max_age=settings.session_max_hours * 3600)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/claimant/places")
def my_places(request: Request, session: SessionDep, actor: ClaimantPage, verified: uuid.UUID | None = None,
              saved: uuid.UUID | None = None) -> HTMLResponse:
    places = service.claimed_places(session, actor)
    names = {p.id: place_text(p, "name").text for p in places}
    context = {"places": places, "verified": names.get(verified) if verified else None, "saved": names.get(saved) if saved else None}
    return render(request, "claims/places.html", context)


def _edit_form(
    request: Request, session: Session, asset: AssetPublic, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    context = {**forms.form_context(session, app_settings(request).pin_max_distance_m), "asset": asset, "values": values, "errors": errors}
    return render(request, "claims/edit.html", context, status)


@router.get("/claimant/places/{asset_id}/edit")
def edit_form(request: Request, session: SessionDep, actor: ClaimantPage, asset_id: uuid.UUID) -> HTMLResponse:
    with as_page(_ERROR_TITLES, _PROBLEM, ("/claimant/places", _("Your places"))):
        asset = service.claimed_place(session, actor, asset_id)
    return _edit_form(request, session, asset, forms.asset_values(asset.model_dump()), {})


@router.post("/claimant/places/{asset_id}/edit", response_model=None)
def edit_place(
    request: Request, session: SessionDep, actor: ClaimantPage, form: FormDep, asset_id: uuid.UUID
) -> HTMLResponse | RedirectResponse:
    with as_page(_ERROR_TITLES, _PROBLEM, ("/claimant/places", _("Your places"))):
        asset = service.claimed_place(session, actor, asset_id)
    values = forms.form_values(form)
    changed = forms.changed_fields(values, forms.asset_values(asset.model_dump()))
    fields, errors = forms.to_fields(values, only=changed)
    if not changed:
        errors["form"] = _("You have not changed anything yet: change the details that are wrong, then save.")
    if not errors:
        try:
            service.edit_place(session, actor, asset_id, AssetUpdate.model_validate(fields))
        except ValidationError as exc:
            errors = forms.field_errors(exc)
        except AppError as exc:
            errors = {forms.form_field((exc.field or "form").split(".")): exc.message}
    if errors:
        session.rollback()
        return _edit_form(request, session, asset, values, errors, 422)
    return RedirectResponse(f"/claimant/places?saved={asset_id}", status_code=303)


@router.post("/claimant/places/{asset_id}/verify")
def still_running(session: SessionDep, actor: ClaimantPage, form: FormDep, asset_id: uuid.UUID) -> RedirectResponse:
    with as_page(_ERROR_TITLES, _PROBLEM, ("/claimant/places", _("Your places"))):
        service.still_running(session, actor, asset_id)
    return RedirectResponse(f"/claimant/places?verified={asset_id}", status_code=303)
