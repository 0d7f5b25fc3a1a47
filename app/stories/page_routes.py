"""Residents' story pages, without an account: tell a place's story, report a story, remove your own with its
reference; and the moderators' /moderate/stories pages."""

import logging
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.accounts.deps import ModeratorPage
from app.accounts.service import Actor
from app.assets.schemas import AssetPublic
from app.assets.service import get_asset
from app.core.deps import SessionDep, app_settings
from app.core.errors import AppError, Invalid, validation_errors
from app.i18n import current_locale
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.stories import service
from app.stories.models import (
    ACTION_NAMES,
    LANGUAGES,
    MAX_CHARS,
    MAX_SIGNATURE,
    MAX_WORDS,
    REPORT_REASONS,
    STATUS_NAMES,
    Story,
    StoryStatus,
)
from app.stories.schemas import ReportIn, StoryDecision, StoryEdit, StoryIn
from app.web.browser import FormDep, VisitorDep, as_page, render
from app.web.ratelimit import RateLimited, client_address

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
_TITLES = {
    403: _l("Not allowed"), 404: _l("Not found"), 409: _l("Cannot do that now"), 410: _l("Already removed"),
    422: _l("Cannot do that"), 429: _l("Too many attempts"),
}
_PROBLEM = _l("Something is wrong")
_LABELS = {"text": _l("Your story"), "signature": _l("Your first name"), "language": _l("Language"), "note": _l("Why")}
_SAID_OTHERWISE = {"consent": _l("Tick the box to agree that your story may be published")}  # the form's own words
NO_STORE = {"Cache-Control": "no-store"}  # a page showing a reference is never kept by a browser or a proxy


def _form_errors(exc: ValidationError) -> dict[str, str]:
    """One sentence per form field ("Your story has 301 words: …")."""
    errors: dict[str, str] = {}
    for error in validation_errors(list(exc.errors())):
        field = error["field"] or "form"
        if field in _SAID_OTHERWISE:
            errors.setdefault(field, str(_SAID_OTHERWISE[field]))
            continue
        label, message = _LABELS.get(field), error["message"]
        sentence = _("%(field)s %(message)s") % {"field": label, "message": message} if label else message
        errors.setdefault(field, sentence[:1].upper() + sentence[1:])
    return errors


def _text(form: FormData, name: str) -> str:
    return str(form.get(name, ""))


def _place(session: Session, asset_id: uuid.UUID) -> AssetPublic:
    with as_page(_TITLES, _PROBLEM):
        return get_asset(session, asset_id)


def _story_form(
    request: Request, asset: AssetPublic, values: dict[str, Any], errors: dict[str, str], status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {
        "asset": asset, "values": values, "errors": errors, "languages": LANGUAGES, "max_words": MAX_WORDS,
        "max_chars": MAX_CHARS, "max_signature": MAX_SIGNATURE,
    }
    return render(request, "stories/form.html", context, status_code, headers)


@router.get("/places/{asset_id}/stories/new")
def story_form(request: Request, session: SessionDep, visitor: VisitorDep, asset_id: uuid.UUID) -> HTMLResponse:
    return _story_form(request, _place(session, asset_id), {"language": current_locale()}, {})


@router.post("/places/{asset_id}/stories/new")
def send_story(request: Request, session: SessionDep, form: FormDep, asset_id: uuid.UUID) -> HTMLResponse:
    asset = _place(session, asset_id)
    values = {
        "text": _text(form, "text"), "signature": _text(form, "signature"),
        "language": _text(form, "language") or current_locale(), "consent": form.get("consent") == "yes",
    }
    if form.get("fax"):
        log.info("Honeypot field filled in: story discarded")
        return render(request, "stories/sent.html", {"asset": asset, "reference": None}, headers=NO_STORE)
    try:
        data = StoryIn.model_validate(values)
    except ValidationError as exc:
        return _story_form(request, asset, values, _form_errors(exc), 422)
    try:
        story, reference = service.submit(session, asset_id, data, client_address(request), app_settings(request))
    except RateLimited as limited:
        retry = {"Retry-After": str(limited.retry_after)}
        return _story_form(request, asset, values, {"form": limited.message}, 429, retry)
    except AppError as exc:
        return _story_form(request, asset, values, {exc.field or "form": exc.message}, exc.status_code)
    return render(request, "stories/sent.html", {"asset": asset, "reference": reference}, headers=NO_STORE)


def _published_story(session: Session, story_id: uuid.UUID) -> tuple[Story, AssetPublic]:
    with as_page(_TITLES, _PROBLEM):
        story = service.published_story(session, story_id)
        return story, get_asset(session, story.asset_id)


@router.get("/stories/{story_id}/report")
def report_form(request: Request, session: SessionDep, visitor: VisitorDep, story_id: uuid.UUID) -> HTMLResponse:
    story, asset = _published_story(session, story_id)
    context = {"story": story, "asset": asset, "reasons": REPORT_REASONS, "values": {}, "errors": {}}
    return render(request, "stories/report.html", context)


@router.post("/stories/{story_id}/report")
def report_story(request: Request, session: SessionDep, form: FormDep, story_id: uuid.UUID) -> HTMLResponse:
    story, asset = _published_story(session, story_id)
    values = {"reason": _text(form, "reason")}
    context = {"story": story, "asset": asset, "reasons": REPORT_REASONS, "values": values}
    try:
        data = ReportIn.model_validate(values)
    except ValidationError:
        return render(request, "stories/report.html", {**context, "errors": {"reason": _("Choose what is wrong")}}, 422)
    try:
        service.report(session, story_id, data.reason, client_address(request), app_settings(request))
    except RateLimited as limited:
        errors = {"form": limited.message}
        return render(request, "stories/report.html", {**context, "errors": errors}, 429, {"Retry-After": str(limited.retry_after)})
    return render(request, "stories/reported.html", {"asset": asset})


@router.get("/stories/remove")
def removal_form(request: Request, visitor: VisitorDep) -> HTMLResponse:
    return render(request, "stories/remove.html", {"values": {}, "errors": {}, "removed": False})


@router.post("/stories/remove")
def remove_story(request: Request, session: SessionDep, form: FormDep) -> HTMLResponse:
    values = {"reference": _text(form, "reference")[:40]}
    try:
        service.remove(session, values["reference"], client_address(request), app_settings(request))
    except RateLimited as limited:
        errors, status, headers = {"reference": limited.message}, 429, {"Retry-After": str(limited.retry_after)}
    except AppError as exc:
        errors, status, headers = {"reference": exc.message}, exc.status_code, None
    else:
        return render(request, "stories/remove.html", {"values": {}, "errors": {}, "removed": True})
    return render(request, "stories/remove.html", {"values": values, "errors": errors, "removed": False}, status, headers)


# The moderators' pages


@router.get("/moderate/stories")
def queue_page(
    request: Request,
    session: SessionDep,
    actor: ModeratorPage,
    status: StoryStatus = StoryStatus.pending,
    reported: bool = False,
    offset: int = Query(0, ge=0, le=100_000),
    done: StoryStatus | None = None,
) -> HTMLResponse:
    limit = 50
    total, rows = service.queue(session, actor, status, reported, limit, offset)
    context = {
        "rows": rows, "total": total, "status": status, "reported": reported, "offset": offset, "limit": limit,
        "status_names": STATUS_NAMES, "done": done,
    }
    return render(request, "stories/queue.html", context)


def _story_page(
    request: Request, session: Session, actor: Actor, story_id: uuid.UUID, values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:
    with as_page(_TITLES, _PROBLEM):
        item = service.detail(session, actor, story_id)
    context = {
        "item": item, "values": values or {"text": item["text"], "signature": item["signature"] or ""},
        "errors": errors or {}, "status_names": STATUS_NAMES, "action_names": ACTION_NAMES, "reasons": REPORT_REASONS,
        "languages": LANGUAGES, "max_chars": MAX_CHARS, "max_signature": MAX_SIGNATURE,
    }
    return render(request, "stories/moderate.html", context, status_code)


@router.get("/moderate/stories/{story_id}")
def story_page(request: Request, session: SessionDep, actor: ModeratorPage, story_id: uuid.UUID) -> HTMLResponse:
    return _story_page(request, session, actor, story_id)


@router.post("/moderate/stories/{story_id}/edit", response_model=None)
def edit_story(
    request: Request, session: SessionDep, actor: ModeratorPage, form: FormDep, story_id: uuid.UUID
) -> HTMLResponse | RedirectResponse:
    values = {"text": _text(form, "text"), "signature": _text(form, "signature"), "note": _text(form, "note")}
    try:
        data = StoryEdit.model_validate(values)
    except ValidationError as exc:
        return _story_page(request, session, actor, story_id, values, _form_errors(exc), 422)
    with as_page(_TITLES, _PROBLEM):
        try:
            service.edit(session, actor, story_id, data)
        except Invalid as exc:  # nothing changed
            return _story_page(request, session, actor, story_id, values, {exc.field or "text": exc.message}, 422)
    return RedirectResponse(f"/moderate/stories/{story_id}?edited=1", status_code=303)


Decide = Callable[[Session, Actor, uuid.UUID, str | None], Story]


def _decision(session: Session, actor: Actor, form: FormData, story_id: uuid.UUID, decide: Decide) -> RedirectResponse:
    with as_page(_TITLES, _PROBLEM):
        note = StoryDecision.model_validate({"note": _text(form, "note") or None}).note
        story = decide(session, actor, story_id, note)
    return RedirectResponse(f"/moderate/stories?done={story.status}", status_code=303)


@router.post("/moderate/stories/{story_id}/approve")
def approve_story(session: SessionDep, actor: ModeratorPage, form: FormDep, story_id: uuid.UUID) -> RedirectResponse:
    return _decision(session, actor, form, story_id, service.approve)


@router.post("/moderate/stories/{story_id}/reject")
def reject_story(session: SessionDep, actor: ModeratorPage, form: FormDep, story_id: uuid.UUID) -> RedirectResponse:
    return _decision(session, actor, form, story_id, service.reject)


@router.post("/moderate/stories/{story_id}/keep")
def keep_story(session: SessionDep, actor: ModeratorPage, form: FormDep, story_id: uuid.UUID) -> RedirectResponse:
    return _decision(session, actor, form, story_id, service.dismiss_reports)
