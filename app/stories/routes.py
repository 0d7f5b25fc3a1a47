"""The stories API: a place's published stories, sending one, reporting one and removing one's own (`public`); the
moderators' queue and decisions under /api/v1/moderation/stories (`moderation`)."""

import uuid
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from app.accounts.deps import MODERATORS, require_role
from app.accounts.service import Actor
from app.core.deps import SessionDep, SettingsDep
from app.core.paging import next_url
from app.i18n import gettext as _
from app.stories import service
from app.stories.models import MAX_CHARS, MAX_WORDS, StoryStatus
from app.stories.schemas import (
    Done,
    RemovalIn,
    ReportIn,
    StoryDecision,
    StoryDetail,
    StoryEdit,
    StoryIn,
    StoryItem,
    StoryPage,
    StoryQueuePage,
    StoryReceived,
)
from app.web.ratelimit import RateLimited, client_address

public = APIRouter(tags=["stories"])
moderation = APIRouter(prefix="/api/v1/moderation/stories", tags=["moderation"])
ModeratorDep = Annotated[Actor, Depends(require_role(*MODERATORS))]
_LIMIT = Query(20, ge=1, le=100)
_OFFSET = Query(0, ge=0, le=100_000)


T = TypeVar("T")


def _limited(call: Callable[[], T]) -> T:
    """429 with Retry-After for the rate limit, as the submissions API answers it."""
    try:
        return call()
    except RateLimited as limited:
        raise HTTPException(429, limited.message, headers={"Retry-After": str(limited.retry_after)}) from None


@public.get(
    "/api/v1/assets/{asset_id}/stories",
    response_model=StoryPage,
    summary="A place's stories",
    description=(
        "What residents wrote about a published place (moderated), newest first. Only the story, its language and "
        "the signature its author chose (a first name, or null for anonymous) are given."
    ),
    responses={404: {"description": "No published place has this id"}},
)
def list_stories(
    request: Request, session: SessionDep, asset_id: uuid.UUID, limit: int = _LIMIT, offset: int = _OFFSET
) -> StoryPage:
    total, items = service.published(session, asset_id, limit, offset)
    return StoryPage(total=total, items=items, next=next_url(request, offset, limit, total))


@public.post(
    "/api/v1/assets/{asset_id}/stories",
    status_code=202,
    response_model=StoryReceived,
    summary="Tell a place's story",
    description=(
        f"A short story about a published place (plain text, at most {MAX_WORDS} words and {MAX_CHARS} characters): "
        "what it means to you, or how it helped. `consent` must be true. Signed with a first name, or anonymous "
        "without one. It is published once a moderator approves it. The answer's `reference` is shown only this "
        "once (only its hash is stored): with it the author can remove the story (`POST /api/v1/stories/remove`). "
        "Each client may send `SUBMISSION_RATE_LIMIT` stories per window (429 beyond that)."
    ),
    responses={
        404: {"description": "No published place has this id"},
        422: {"description": "Too long, markup, a signature that is not a first name, or no consent"},
        429: {"description": "Too many stories"},
    },
)
def send_story(
    request: Request, session: SessionDep, settings: SettingsDep, asset_id: uuid.UUID, data: StoryIn
) -> StoryReceived:
    story, reference = _limited(lambda: service.submit(session, asset_id, data, client_address(request), settings))
    return StoryReceived(
        id=story.id, reference=reference, status=StoryStatus(story.status),
        message=_("Thank you. A moderator will read your story before it appears."),
    )


@public.post(
    "/api/v1/stories/{story_id}/report",
    status_code=202,
    response_model=Done,
    summary="Report a story",
    description=(
        "Flags a published story for the moderators, with a reason from a fixed list. It stays published until a "
        "moderator decides (docs/stories.md says why). Rate-limited like submissions."
    ),
    responses={404: {"description": "No published story has this id"}, 429: {"description": "Too many reports"}},
)
def report_story(
    request: Request, session: SessionDep, settings: SettingsDep, story_id: uuid.UUID, data: ReportIn
) -> Done:
    story = _limited(lambda: service.report(session, story_id, data.reason, client_address(request), settings))
    return Done(id=story.id, status=StoryStatus(story.status), message=_("Thank you. A moderator will look at it."))


@public.post(
    "/api/v1/stories/remove",
    response_model=Done,
    summary="Remove your story",
    description=(
        "The author removes their story, published or not, with the reference they were given: it is taken down at "
        "once and its text and signature are deleted. Every attempt counts towards a rate limit."
    ),
    responses={
        404: {"description": "No story has this reference"},
        410: {"description": "The story has already been removed"},
        422: {"description": "Not a story reference"},
        429: {"description": "Too many attempts"},
    },
)
def remove_story(request: Request, session: SessionDep, settings: SettingsDep, data: RemovalIn) -> Done:
    story = _limited(lambda: service.remove(session, data.reference, client_address(request), settings))
    return Done(id=story.id, status=StoryStatus(story.status), message=_("Your story has been removed."))


_GUARDED = {
    401: {"description": "No API key or session"},
    403: {"description": "Not a moderator, or the place is outside the moderator's council areas"},
    404: {"description": "Not found"},
}
_DECIDED = {**_GUARDED, 409: {"description": "The story is not in a state this applies to"}}


@moderation.get(
    "",
    response_model=StoryQueuePage,
    summary="Stories to moderate",
    description=(
        "Stories with this status (pending by default), oldest first; or with `reported=true`, published stories "
        "that readers have reported, most reported first. Only places in the moderator's council areas."
    ),
    responses=_GUARDED,
)
def story_queue(
    request: Request,
    session: SessionDep,
    actor: ModeratorDep,
    status: StoryStatus = StoryStatus.pending,
    reported: bool = False,
    limit: int = Query(50, ge=1, le=200),
    offset: int = _OFFSET,
) -> StoryQueuePage:
    total, rows = service.queue(session, actor, status, reported, limit, offset)
    return StoryQueuePage(
        total=total, items=[StoryItem.model_validate(r) for r in rows], next=next_url(request, offset, limit, total)
    )


@moderation.get("/{story_id}", response_model=StoryDetail, summary="One story with its history", responses=_GUARDED)
def story_detail(session: SessionDep, actor: ModeratorDep, story_id: uuid.UUID) -> StoryDetail:
    return StoryDetail.model_validate(service.detail(session, actor, story_id), from_attributes=True)


@moderation.patch(
    "/{story_id}",
    response_model=StoryDetail,
    summary="Edit a story",
    description=(
        "Changes a pending or published story's text or signature, usually to take out the name of someone else. "
        "`note` says why; the history records the note and which fields changed, never the words taken out."
    ),
    responses={**_DECIDED, 422: {"description": "Invalid text, or nothing changed"}},
)
def edit_story(session: SessionDep, actor: ModeratorDep, story_id: uuid.UUID, data: StoryEdit) -> StoryDetail:
    service.edit(session, actor, story_id, data)
    return story_detail(session, actor, story_id)


@moderation.post(
    "/{story_id}/approve",
    response_model=StoryDetail,
    summary="Publish a pending story",
    description="It appears on the place page, in the finder, the API and the stories export.",
    responses=_DECIDED,
)
def approve_story(
    session: SessionDep, actor: ModeratorDep, story_id: uuid.UUID, data: StoryDecision | None = None
) -> StoryDetail:
    service.approve(session, actor, story_id, data.note if data else None)
    return story_detail(session, actor, story_id)


@moderation.post(
    "/{story_id}/reject",
    response_model=StoryDetail,
    summary="Refuse a pending story, or take down a published one",
    description="Its reports are cleared.",
    responses=_DECIDED,
)
def reject_story(
    session: SessionDep, actor: ModeratorDep, story_id: uuid.UUID, data: StoryDecision | None = None
) -> StoryDetail:
    service.reject(session, actor, story_id, data.note if data else None)
    return story_detail(session, actor, story_id)


@moderation.post(
    "/{story_id}/keep",
    response_model=StoryDetail,
    summary="Keep a reported story",
    description="Its reports are cleared and it stays published.",
    responses=_DECIDED,
)
def keep_story(
    session: SessionDep, actor: ModeratorDep, story_id: uuid.UUID, data: StoryDecision | None = None
) -> StoryDetail:
    service.dismiss_reports(session, actor, story_id, data.note if data else None)
    return story_detail(session, actor, story_id)
