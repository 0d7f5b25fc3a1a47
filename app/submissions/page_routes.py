"""Residents' pages: add a place, suggest a change, report a problem, and a submission's status."""

import logging
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup, escape
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.assets.language import place_text
from app.assets.schemas import AssetPublic
from app.core.deps import SessionDep, app_settings
from app.core.errors import AppError
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.submissions import forms, service
from app.submissions.models import KIND_NAMES, REPORT_REASONS, STATUS_NAMES
from app.submissions.schemas import EditSubmission, NewSubmission, ReportSubmission
from app.web.browser import FormDep, VisitorDep, as_page, render
from app.web.ratelimit import RateLimited, client_address

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

# What a resident's pages answer for a service's refusal, by status.
_ERROR_TITLES = {404: _l("Not found"), 422: _l("Cannot do that"), 429: _l("Too many submissions")}
_PROBLEM = _l("Something is wrong")


def _private_values(form: FormData) -> dict[str, Any]:
    return {
        "note": str(form.get("note", "")).strip(),
        "submitter_name": str(form.get("submitter_name", "")).strip(),
        "submitter_email": str(form.get("submitter_email", "")).strip(),
        "consent": form.get("consent") == "yes",
    }


def _private_fields(values: dict[str, Any]) -> dict[str, Any]:
    submitter = {
        "name": values["submitter_name"] or None,
        "email": values["submitter_email"] or None,
        "consent": values["consent"],
    }
    return {"note": values["note"] or None, "submitter": submitter if submitter["name"] or submitter["email"] else None}


def _accept(
    request: Request,
    session: Session,
    form: FormData,
    model: type[NewSubmission | EditSubmission | ReportSubmission],
    payload: dict[str, Any],
    errors: dict[str, str],
    retry: Callable[[dict[str, str], int, dict[str, str] | None], HTMLResponse],
) -> HTMLResponse | RedirectResponse:
    """Validates and stores a submission from a form; on any problem, shows the form again with what was typed."""
    if form.get("fax"):
        log.info("Honeypot field filled in: submission discarded")
        return render(request, "submissions/received.html", {"just_sent": True, "status": None})
    try:
        data = model.model_validate(payload)
    except ValidationError as exc:
        errors = {**forms.field_errors(exc), **errors}
    if errors:
        return retry(errors, 422, None)
    try:
        submission = service.submit(session, data, client_address(request), app_settings(request))
    except RateLimited as limited:
        return retry({"form": limited.message}, 429, {"Retry-After": str(limited.retry_after)})
    except service.PinFarFromPostcode as far:
        return retry({"position_confirmed": far.form_message}, far.status_code, None)
    except AppError as exc:
        field = forms.form_field((exc.field or "form").split("."))
        return retry({field: exc.message}, exc.status_code, None)
    return RedirectResponse(f"/submitted/{submission.reference}?sent=1", status_code=303)


@router.get("/add")
def add_form(request: Request, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    return _place_form(request, session, forms.asset_values({}), {}, None)


def _place_form(
    request: Request,
    session: Session,
    values: dict[str, Any],
    errors: dict[str, str],
    asset: AssetPublic | None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    # A place's name in the page's language, or the other one marked with lang (a <span> in the heading; text in the title).
    name = place_text(asset, "name") if asset else None
    context = {
        **forms.form_context(session, app_settings(request).pin_max_distance_m),
        "values": values,
        "errors": errors,
        "asset": asset,
        "title": _("Suggest a change to %(name)s") % {"name": name.text} if name else _("Add a place or group"),
        "heading": Markup(escape(_("Suggest a change to %(name)s"))) % {"name": name} if name else _("Add a place or group"),
        "action": f"/places/{asset.id}/suggest" if asset else "/add",
        "button": _("Send suggestion") if asset else _("Send for checking"),
    }
    return render(request, "submissions/place_form.html", context, status_code, headers)


@router.post("/add", response_model=None)
def add_place(request: Request, session: SessionDep, form: FormDep) -> HTMLResponse | RedirectResponse:
    values = {**forms.form_values(form), **_private_values(form), "position_confirmed": forms.position_confirmed(form)}
    fields, errors = forms.to_fields(values)
    payload = {
        "kind": "new",
        "place": fields,
        "position_confirmed": values["position_confirmed"],
        **_private_fields(values),
    }

    def retry(errors: dict[str, str], status: int, headers: dict[str, str] | None) -> HTMLResponse:
        return _place_form(request, session, values, errors, None, status, headers)

    return _accept(request, session, form, NewSubmission, payload, errors, retry)


def _published(session: Session, asset_id: uuid.UUID) -> AssetPublic:
    with as_page(_ERROR_TITLES, _PROBLEM):
        return service.published_asset(session, asset_id)


@router.get("/places/{asset_id}/suggest")
def suggest_form(request: Request, session: SessionDep, visitor: VisitorDep, asset_id: uuid.UUID) -> HTMLResponse:
    asset = _published(session, asset_id)
    return _place_form(request, session, forms.asset_values(asset.model_dump()), {}, asset)


@router.post("/places/{asset_id}/suggest", response_model=None)
def suggest_change(
    request: Request, session: SessionDep, form: FormDep, asset_id: uuid.UUID
) -> HTMLResponse | RedirectResponse:
    asset = _published(session, asset_id)
    values = {**forms.form_values(form), **_private_values(form), "position_confirmed": forms.position_confirmed(form)}
    changed = forms.changed_fields(forms.form_values(form), forms.asset_values(asset.model_dump()))
    fields, errors = forms.to_fields(values, only=changed)
    if not changed:
        errors["form"] = _("You have not changed anything yet: change the details that are wrong, then send.")
    payload = {
        "kind": "edit",
        "asset_id": asset_id,
        "changes": fields,
        "position_confirmed": values["position_confirmed"],
        **_private_fields(values),
    }

    def retry(errors: dict[str, str], status: int, headers: dict[str, str] | None) -> HTMLResponse:
        return _place_form(request, session, values, errors, asset, status, headers)

    return _accept(request, session, form, EditSubmission, payload, errors, retry)


def _report_form(
    request: Request,
    asset: AssetPublic,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {"asset": asset, "values": values, "errors": errors, "reasons": REPORT_REASONS}
    return render(request, "submissions/report.html", context, status_code, headers)


@router.get("/places/{asset_id}/report")
def report_form(request: Request, session: SessionDep, visitor: VisitorDep, asset_id: uuid.UUID) -> HTMLResponse:
    return _report_form(request, _published(session, asset_id), {}, {})


@router.post("/places/{asset_id}/report", response_model=None)
def report_problem(
    request: Request, session: SessionDep, form: FormDep, asset_id: uuid.UUID
) -> HTMLResponse | RedirectResponse:
    asset = _published(session, asset_id)
    values = {"reason": str(form.get("reason", "")), **_private_values(form)}
    errors = {} if values["reason"] else {"reason": _("Choose what the problem is")}
    payload = {"kind": "report", "asset_id": asset_id, "reason": values["reason"] or None, **_private_fields(values)}

    def retry(errors: dict[str, str], status: int, headers: dict[str, str] | None) -> HTMLResponse:
        return _report_form(request, asset, values, errors, status, headers)

    return _accept(request, session, form, ReportSubmission, payload, errors, retry)


@router.get("/submitted/{reference}")
def submission_page(
    request: Request, session: SessionDep, visitor: VisitorDep, reference: str, sent: bool = False
) -> HTMLResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        status = service.get_status(session, reference[:20])
    context = {"status": status, "just_sent": sent, "kind_names": KIND_NAMES, "status_names": STATUS_NAMES}
    return render(request, "submissions/received.html", context)
