"""Pages: residents' forms (add a place, suggest a change, report) and the moderation screens."""

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.accounts.service import Actor
from app.accounts.web import FormDep, ModeratorPage, PageError, VisitorDep, render, safe_next
from app.areas.models import AreaLevel
from app.areas.schemas import AreaSummary
from app.areas.service import find_areas
from app.assets.schemas import ACCESSIBILITY_LABELS, DAY_NAMES, AssetPublic
from app.assets.service import get_asset
from app.categories.service import get_taxonomy
from app.core.config import PROJECT_ROOT, get_settings
from app.core.deps import SessionDep
from app.core.errors import AppError
from app.core.ids import RowId
from app.finder.views import distance_text
from app.submissions import forms, moderation, service
from app.submissions.api import client_address
from app.submissions.display import FIELD_ORDER, label, show
from app.submissions.models import REPORT_REASONS, SubmissionKind, SubmissionStatus
from app.submissions.ratelimit import RateLimited
from app.submissions.schemas import (
    EditSubmission,
    NewSubmission,
    ReportSubmission,
    parse_proposal,
)

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

KIND_NAMES = {"new": "New place", "edit": "Suggested change", "report": "Report: closed or wrong"}
STATUS_NAMES = {"pending": "Waiting for a moderator", "approved": "Approved", "rejected": "Not accepted"}
_DONE = re.compile(r"^(approved|rejected) AM-[0-9A-Z]{8}$")
_ERROR_TITLES = {
    403: "Not allowed",
    404: "Not found",
    409: "Already decided",
    422: "Cannot do that",
    429: "Too many submissions",
}


_LEAFLET = (PROJECT_ROOT / "app" / "static" / "vendor" / "leaflet" / "leaflet.js").exists()


def _form_context(session: Session) -> dict[str, Any]:
    return {
        "leaflet": _LEAFLET,
        "taxonomy": get_taxonomy(session),
        "accessibility_labels": ACCESSIBILITY_LABELS,
        "day_names": DAY_NAMES,
        "reasons": REPORT_REASONS,
        "pin_max_distance_m": get_settings().pin_max_distance_m,
    }


def _shower(session: Session) -> Callable[..., str]:
    names = {slug: node.name for slug, node in get_taxonomy(session).by_slug.items()}
    return partial(show, category_names=names)


@contextmanager
def _as_page() -> Iterator[None]:
    """Turns a service's AppError into an HTML error page."""
    try:
        yield
    except AppError as exc:
        raise PageError(
            exc.status_code, _ERROR_TITLES.get(exc.status_code, "Something is wrong"), exc.message
        ) from None


def _private_values(form: FormData) -> dict[str, Any]:
    return {
        "note": str(form.get("note", "")).strip(),
        "submitter_name": str(form.get("submitter_name", "")).strip(),
        "submitter_email": str(form.get("submitter_email", "")).strip(),
        "consent": form.get("consent") == "yes",
    }


def _position_confirmed(form: FormData) -> bool:
    """The resident's (or moderator's) "Yes, the place is really here" for a pin far from its postcode."""
    return form.get("position_confirmed") == "yes"


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
        submission = service.submit(session, data, client_address(request))
    except RateLimited as limited:
        return retry({"form": limited.message}, 429, {"Retry-After": str(limited.retry_after)})
    except service.PinFarFromPostcode as far:
        return retry({"position_confirmed": far.form_message}, far.status_code, None)
    except AppError as exc:
        field = forms.form_field((exc.field or "form").split("."), exc.message)
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
    context = {
        **_form_context(session),
        "values": values,
        "errors": errors,
        "asset": asset,
        "heading": f"Suggest a change to {asset.name}" if asset else "Add a place or group",
        "action": f"/places/{asset.id}/suggest" if asset else "/add",
        "button": "Send suggestion" if asset else "Send for checking",
    }
    return render(request, "submissions/place_form.html", context, status_code, headers)


@router.post("/add", response_model=None)
def add_place(request: Request, session: SessionDep, form: FormDep) -> HTMLResponse | RedirectResponse:
    values = {**forms.form_values(form), **_private_values(form), "position_confirmed": _position_confirmed(form)}
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
    with _as_page():
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
    values = {**forms.form_values(form), **_private_values(form), "position_confirmed": _position_confirmed(form)}
    changed = forms.changed_fields(forms.form_values(form), forms.asset_values(asset.model_dump()))
    fields, errors = forms.to_fields(values, only=changed)
    if not changed:
        errors["form"] = "You have not changed anything yet: change the details that are wrong, then send."
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
    errors = {} if values["reason"] else {"reason": "Choose what the problem is"}
    payload = {"kind": "report", "asset_id": asset_id, "reason": values["reason"] or None, **_private_fields(values)}

    def retry(errors: dict[str, str], status: int, headers: dict[str, str] | None) -> HTMLResponse:
        return _report_form(request, asset, values, errors, status, headers)

    return _accept(request, session, form, ReportSubmission, payload, errors, retry)


@router.get("/submitted/{reference}")
def submission_page(
    request: Request, session: SessionDep, visitor: VisitorDep, reference: str, sent: bool = False
) -> HTMLResponse:
    with _as_page():
        status = service.get_status(session, reference[:20])
    context = {"status": status, "just_sent": sent, "kind_names": KIND_NAMES, "status_names": STATUS_NAMES}
    return render(request, "submissions/received.html", context)


# Moderation screens


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
    done = done if done and _DONE.match(done) else None  # only our own confirmations, never arbitrary text
    with _as_page():
        total, rows = moderation.queue(session, actor, kind, area or None, status, limit, offset)
    context = {
        "rows": rows,
        "total": total,
        "kind": kind,
        "area": area or "",
        "status": status,
        "offset": offset,
        "limit": limit,
        "done": done,
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
    with _as_page():
        item = moderation.detail(session, actor, submission_id)
    current: AssetPublic | None = item["current"]
    current_fields = current.model_dump() if current else {}
    if item["kind"] != SubmissionKind.new:  # an edit, or a report the moderator corrects
        form_source = {**current_fields, **item["proposed"]}
    else:
        form_source = item["proposed"]
    duplicates = [
        {**d, "asset": get_asset(session, d["id"], include_unpublished=True) if d["source"] == "asset" else None}
        for d in item["duplicates"]
    ]
    context = {
        **_form_context(session),
        "item": item,
        "current": current_fields,
        "duplicates": duplicates,
        "move": moderation.postcode_move(session, current, item["proposed"]),
        "pin": service.pin_distance(session, item["proposed"], current),
        "distance": distance_text,
        "values": amended_values or forms.asset_values(form_source),
        "errors": errors or {},
        "field_order": FIELD_ORDER,
        "label": label,
        "show": _shower(session),
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
    with _as_page():
        submission = moderation.visible_submission(session, actor, submission_id)
        kind = SubmissionKind(submission.kind)
        values = {**forms.form_values(form), "position_confirmed": _position_confirmed(form)}
        if kind != SubmissionKind.new:
            current = forms.asset_values(get_asset(session, submission.asset_id, include_unpublished=True).model_dump())
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
            moderation.amend(session, actor, submission_id, proposal, values["position_confirmed"])
        except service.PinFarFromPostcode as far:
            errors = {"position_confirmed": far.form_message}
        except AppError as exc:
            errors = {forms.form_field((exc.field or "form").split("."), exc.message): exc.message}
    if errors:
        return _submission_page(request, session, actor, submission_id, errors, values, 422)
    return RedirectResponse(f"/moderate/submissions/{submission_id}?amended=1", status_code=303)


@router.post("/moderate/submissions/{submission_id}/approve")
def approve_submission(
    session: SessionDep, actor: ModeratorPage, form: FormDep, submission_id: uuid.UUID
) -> RedirectResponse:
    with _as_page():
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
            request, session, actor, submission_id, {"reason": "Give a reason the submitter can read"}, None, 422
        )
    with _as_page():
        submission = moderation.reject(session, actor, submission_id, note)
    return RedirectResponse(f"/moderate?done=rejected+{submission.reference}", status_code=303)


@router.get("/moderate/assets/{asset_id}/history")
def history_page(request: Request, session: SessionDep, actor: ModeratorPage, asset_id: uuid.UUID) -> HTMLResponse:
    with _as_page():
        entries = moderation.history(session, actor, asset_id)
        asset = get_asset(session, asset_id, include_unpublished=True)
    context = {"asset": asset, "entries": list(reversed(entries)), "label": label, "show": _shower(session)}
    return render(request, "moderation/history.html", context)


@router.post("/moderate/assets/{asset_id}/history/{entry_id}/restore")
def restore_version(
    session: SessionDep, actor: ModeratorPage, form: FormDep, asset_id: uuid.UUID, entry_id: RowId
) -> RedirectResponse:
    with _as_page():
        moderation.restore(session, actor, asset_id, entry_id)
    return RedirectResponse(f"/moderate/assets/{asset_id}/history?restored={entry_id}", status_code=303)


@router.post("/moderate/assets/{asset_id}/archive")
def archive_place(session: SessionDep, actor: ModeratorPage, form: FormDep, asset_id: uuid.UUID) -> RedirectResponse:
    with _as_page():
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
    with _as_page():
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
    with _as_page():
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
    with _as_page():
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
    with _as_page():
        kept = moderation.merge(session, actor, _form_id(form, "keep"), _form_id(form, "merge"))
    return RedirectResponse(f"/moderate/duplicates?merged={kept.id}", status_code=303)


@router.post("/moderate/duplicates/dismiss")
def dismiss_duplicates(session: SessionDep, actor: ModeratorPage, form: FormDep) -> RedirectResponse:
    with _as_page():
        moderation.not_duplicates(session, actor, _form_id(form, "first"), _form_id(form, "second"))
    return RedirectResponse("/moderate/duplicates", status_code=303)


def _form_id(form: FormData, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(form.get(name, "")))
    except ValueError:
        raise PageError(422, "Cannot do that", f"The form's {name} is not a place id.") from None
