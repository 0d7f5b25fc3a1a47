"""The moderators' pages under /moderate: the queue, a submission and its decision, history, stale places and
duplicates."""

import re
import uuid
from contextlib import suppress
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.accounts.deps import ModeratorPage
from app.accounts.service import Actor
from app.areas.models import AreaLevel
from app.areas.schemas import AreaSummary
from app.areas.service import find_areas
from app.assets.schemas import AssetPublic
from app.assets.service import get_asset
from app.core.deps import SessionDep, app_settings
from app.core.errors import AppError
from app.core.ids import RowId
from app.finder.views import distance_text
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.moderation import service as moderation
from app.moderation.views import FIELD_ORDER, action_name, compared, label, shower
from app.submissions import forms, service
from app.submissions.models import KIND_NAMES, STATUS_NAMES, SubmissionKind, SubmissionStatus
from app.submissions.schemas import parse_proposal
from app.web.browser import FormDep, PageError, as_page, render, safe_next

router = APIRouter(include_in_schema=False)
_DONE = re.compile(r"^(approved|rejected) (AM-[0-9A-Z]{8})$")
# What the moderation pages answer for a service's refusal, by status.
_ERROR_TITLES = {403: _l("Not allowed"), 404: _l("Not found"), 409: _l("Already decided"), 422: _l("Cannot do that")}
_PROBLEM = _l("Something is wrong")


def _confirmation(done: str | None) -> str | None:
    """What the queue says after a decision (`done`: "approved AM-…"): only our own confirmations, never arbitrary
    text."""
    found = _DONE.match(done or "")
    if found is None:
        return None
    said = _("Approved %(reference)s.") if found[1] == "approved" else _("Rejected %(reference)s.")
    return said % {"reference": found[2]}


@router.get("/moderate")
def queue_page(
    request: Request,
    session: SessionDep,
    actor: ModeratorPage,
    kind: SubmissionKind | None = None,
    area: str | None = Query(None, max_length=9),
    status: SubmissionStatus = SubmissionStatus.pending,
    offset: int = Query(0, ge=0, le=100_000),
    done: str | None = Query(None, max_length=40),
) -> HTMLResponse:
    limit = 50
    with as_page(_ERROR_TITLES, _PROBLEM):
        total, rows = moderation.queue(session, actor, kind, area or None, status, limit, offset, app_settings(request))
    context = {
        "rows": rows,
        "total": total,
        "kind": kind,
        "area": area or "",
        "status": status,
        "offset": offset,
        "limit": limit,
        "done": _confirmation(done),
        "area_choices": _area_choices(session, actor),
        "kind_names": KIND_NAMES,
        "status_names": STATUS_NAMES,
    }
    return render(request, "moderation/queue.html", context)


def _area_choices(session: Session, actor: Actor) -> list[AreaSummary]:
    """The areas a moderator may filter by: their own, or every council."""
    councils = find_areas(session, None, None, 1000)
    if actor.areas:
        return [a for a in councils if a.code in actor.areas]
    return [a for a in councils if {AreaLevel.ltla, AreaLevel.utla} & set(a.levels)]


def _submission_page(
    request: Request,
    session: Session,
    actor: ModeratorPage,
    submission_id: uuid.UUID,
    errors: dict[str, str] | None = None,
    amended_values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        item = moderation.detail(session, actor, submission_id, app_settings(request))
    current: AssetPublic | None = item["current"]
    current_fields = current.model_dump() if current else {}
    if item["kind"] != SubmissionKind.new:  # an edit, or a report the moderator corrects
        form_source = {**current_fields, **item["proposed"]}
    else:
        form_source = item["proposed"]
    duplicates = [
        {**d, "asset": get_asset(session, d["id"], record=True) if d["source"] == "asset" else None}
        for d in item["duplicates"]
    ]
    pin_max_m = app_settings(request).pin_max_distance_m
    context = {
        **forms.form_context(session, pin_max_m),
        "item": item,
        "current": current_fields,
        "duplicates": duplicates,
        "move": moderation.postcode_move(session, current, item["proposed"]),
        "pin": service.pin_distance(session, item["proposed"], current, limit_m=pin_max_m),
        "distance": distance_text,
        "values": amended_values or forms.asset_values(form_source),
        "errors": errors or {},
        "field_order": FIELD_ORDER,
        "compared": compared,
        "label": label,
        "show": shower(session),
        "kind_names": KIND_NAMES,
        "status_names": STATUS_NAMES,
    }
    return render(request, "moderation/submission.html", context, status_code)


@router.get("/moderate/submissions/{submission_id}")
def submission_detail(
    request: Request, session: SessionDep, actor: ModeratorPage, submission_id: uuid.UUID
) -> HTMLResponse:
    return _submission_page(request, session, actor, submission_id)


@router.post("/moderate/submissions/{submission_id}/amend", response_model=None)
def amend_submission(
    request: Request, session: SessionDep, actor: ModeratorPage, form: FormDep, submission_id: uuid.UUID
) -> HTMLResponse | RedirectResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        submission = moderation.visible_submission(session, actor, submission_id)
        kind = SubmissionKind(submission.kind)
        values = {**forms.form_values(form), "position_confirmed": forms.position_confirmed(form)}
        if kind != SubmissionKind.new:
            current = forms.asset_values(get_asset(session, submission.asset_id, record=True).model_dump())
            only = forms.changed_fields(forms.form_values(form), current)
            if "postcode" in only and values["lat"] and values["lon"]:
                only |= {"lat", "lon"}  # a moderator's form keeps the position it shows (moderation.postcode_move)
            fields, errors = forms.to_fields(values, only=only)
        else:
            fields, errors = forms.to_fields(values)
        fields = forms.with_unshown(submission.proposed, fields, values)
    try:
        proposal = parse_proposal(kind, fields)
    except ValidationError as exc:
        errors = {**forms.field_errors(exc), **errors}
    if not errors:
        try:
            moderation.amend(
                session, actor, submission_id, proposal, values["position_confirmed"],
                pin_max_m=app_settings(request).pin_max_distance_m,
            )
        except service.PinFarFromPostcode as far:
            errors = {"position_confirmed": far.form_message}
        except AppError as exc:
            errors = {forms.form_field((exc.field or "form").split(".")): exc.message}
    if errors:
        return _submission_page(request, session, actor, submission_id, errors, values, 422)
    return RedirectResponse(f"/moderate/submissions/{submission_id}?amended=1", status_code=303)


@router.post("/moderate/submissions/{submission_id}/approve")
def approve_submission(
    session: SessionDep, actor: ModeratorPage, form: FormDep, submission_id: uuid.UUID
) -> RedirectResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        note = str(form.get("note", "")).strip() or None
        submission = moderation.approve(session, actor, submission_id, note)
    return RedirectResponse(f"/moderate?done=approved+{submission.reference}", status_code=303)


@router.post("/moderate/submissions/{submission_id}/reject", response_model=None)
def reject_submission(
    request: Request, session: SessionDep, actor: ModeratorPage, form: FormDep, submission_id: uuid.UUID
) -> HTMLResponse | RedirectResponse:
    note = str(form.get("reason", "")).strip()[:2000]
    if not note:
        return _submission_page(
            request, session, actor, submission_id, {"reason": _("Give a reason the submitter can read")}, None, 422
        )
    with as_page(_ERROR_TITLES, _PROBLEM):
        submission = moderation.reject(session, actor, submission_id, note)
    return RedirectResponse(f"/moderate?done=rejected+{submission.reference}", status_code=303)


@router.get("/moderate/assets/{asset_id}/history")
def history_page(request: Request, session: SessionDep, actor: ModeratorPage, asset_id: uuid.UUID) -> HTMLResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        entries = moderation.history(session, actor, asset_id)
        asset = get_asset(session, asset_id, record=True)
    context = {
        "asset": asset, "entries": list(reversed(entries)), "label": label, "show": shower(session), "action_name": action_name
    }
    return render(request, "moderation/history.html", context)


@router.post("/moderate/assets/{asset_id}/history/{entry_id}/restore")
def restore_version(
    session: SessionDep, actor: ModeratorPage, form: FormDep, asset_id: uuid.UUID, entry_id: RowId
) -> RedirectResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        moderation.restore(session, actor, asset_id, entry_id)
    return RedirectResponse(f"/moderate/assets/{asset_id}/history?restored={entry_id}", status_code=303)


@router.post("/moderate/assets/{asset_id}/archive")
def archive_place(session: SessionDep, actor: ModeratorPage, form: FormDep, asset_id: uuid.UUID) -> RedirectResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        moderation.archive(session, actor, asset_id)
    return RedirectResponse(f"/moderate/assets/{asset_id}/history?archived=1", status_code=303)


@router.get("/moderate/stale")
def stale_page(
    request: Request,
    session: SessionDep,
    actor: ModeratorPage,
    area: str | None = Query(None, max_length=9),
    offset: int = Query(0, ge=0, le=100_000),
    verified: uuid.UUID | None = None,
) -> HTMLResponse:
    """Places nobody has verified for over `stale_after_days`, least recently verified first."""
    limit = 50
    with as_page(_ERROR_TITLES, _PROBLEM):
        total, rows = moderation.stale_places(session, actor, area or None, limit, offset)
    confirmed = None
    if verified:
        with suppress(AppError):  # only a courtesy: a stale link shows the list without it
            confirmed = moderation.visible_asset(session, actor, verified)
    context = {
        "rows": rows,
        "total": total,
        "area": area or "",
        "offset": offset,
        "limit": limit,
        "confirmed": confirmed,
        "area_choices": _area_choices(session, actor),
    }
    return render(request, "moderation/stale.html", context)


@router.post("/moderate/assets/{asset_id}/verify")
def verify_place(session: SessionDep, actor: ModeratorPage, form: FormDep, asset_id: uuid.UUID) -> RedirectResponse:
    """"Yes, still running": marks the place verified now, then goes back to the page the button was on."""
    with as_page(_ERROR_TITLES, _PROBLEM):
        moderation.verify(session, actor, asset_id)
    back = urlsplit(safe_next(str(form.get("next", "")), "/moderate/stale"))
    query = [(k, v) for k, v in parse_qsl(back.query) if k != "verified"] + [("verified", str(asset_id))]
    return RedirectResponse(back._replace(query=urlencode(query)).geturl(), status_code=303)


@router.get("/moderate/duplicates")
def duplicates_page(
    request: Request,
    session: SessionDep,
    actor: ModeratorPage,
    area: str | None = Query(None, max_length=9),
    offset: int = Query(0, ge=0, le=100_000),
    merged: uuid.UUID | None = None,
) -> HTMLResponse:
    """Places imports found listed twice, with "Keep this one" on each and "Not the same place"."""
    limit = 20
    with as_page(_ERROR_TITLES, _PROBLEM):
        total, rows = moderation.duplicate_pairs(session, actor, area or None, limit, offset)
    kept = None
    if merged:
        with suppress(AppError):
            kept = moderation.visible_asset(session, actor, merged)
    context = {
        "rows": rows, "total": total, "area": area or "", "offset": offset, "limit": limit, "merged": kept,
        "area_choices": _area_choices(session, actor),
    }
    return render(request, "moderation/duplicates.html", context)


@router.post("/moderate/duplicates/merge")
def merge_duplicates(session: SessionDep, actor: ModeratorPage, form: FormDep) -> RedirectResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        kept = moderation.merge(session, actor, _form_id(form, "keep"), _form_id(form, "merge"))
    return RedirectResponse(f"/moderate/duplicates?merged={kept.id}", status_code=303)


@router.post("/moderate/duplicates/dismiss")
def dismiss_duplicates(session: SessionDep, actor: ModeratorPage, form: FormDep) -> RedirectResponse:
    with as_page(_ERROR_TITLES, _PROBLEM):
        moderation.not_duplicates(session, actor, _form_id(form, "first"), _form_id(form, "second"))
    return RedirectResponse("/moderate/duplicates", status_code=303)


def _form_id(form: FormData, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(form.get(name, "")))
    except ValueError:
        raise PageError(422, _("Cannot do that"), _("The form's %(name)s is not a place id.") % {"name": name}) from None
