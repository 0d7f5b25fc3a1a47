"""The moderation API: the queue and its decisions, asset history, restore, archive and verify, and duplicates."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from app.accounts.deps import require_role
from app.accounts.models import Role
from app.accounts.service import Actor
from app.assets.schemas import AssetPublic
from app.core.deps import SessionDep, SettingsDep
from app.core.ids import RowId
from app.core.paging import next_url
from app.moderation import service as moderation
from app.moderation.schemas import (
    Amendment,
    Decision,
    DuplicatePage,
    DuplicatePair,
    HistoryEntry,
    MergeRequest,
    NotDuplicates,
    QueueItem,
    QueuePage,
    Rejection,
    SubmissionDetail,
)
from app.submissions.models import SubmissionKind, SubmissionStatus
from app.submissions.schemas import parse_proposal

router = APIRouter(tags=["moderation"])
ModeratorDep = Annotated[Actor, Depends(require_role(Role.admin, Role.moderator))]
_GUARDED = {
    401: {"description": "No API key or session"},
    403: {"description": "Not a moderator, or outside the moderator's council areas"},
    404: {"description": "Not found"},
}


@router.get(
    "/api/v1/moderation/submissions",
    response_model=QueuePage,
    summary="The moderation queue",
    description="Submissions with this status (pending by default), oldest first; optionally one kind or one council area.",
    responses=_GUARDED,
)
def list_submissions(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ModeratorDep,
    kind: SubmissionKind | None = None,
    area: str | None = Query(
        None, max_length=9, description="A council area code, such as E08000003", examples=["E08000003"]
    ),
    status: SubmissionStatus = SubmissionStatus.pending,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=100_000),
) -> QueuePage:
    total, rows = moderation.queue(session, actor, kind, area, status, limit, offset, settings)
    return QueuePage(
        total=total, items=[QueueItem.model_validate(r) for r in rows], next=next_url(request, offset, limit, total)
    )


@router.get(
    "/api/v1/moderation/submissions/{submission_id}",
    response_model=SubmissionDetail,
    summary="One submission, with the current asset and likely duplicates",
    responses=_GUARDED,
)
def get_submission(
    session: SessionDep, settings: SettingsDep, actor: ModeratorDep, submission_id: uuid.UUID
) -> SubmissionDetail:
    return SubmissionDetail.model_validate(moderation.detail(session, actor, submission_id, settings))


@router.patch(
    "/api/v1/moderation/submissions/{submission_id}",
    response_model=SubmissionDetail,
    summary="Amend a pending submission's proposal",
    description=(
        "Replaces the proposal (validated like the resident's); the original stays in `submitted`. For a `report`, "
        "the proposal is the moderator's correction to the place (changes, as for an edit): approving then applies "
        "it instead of archiving the place. An amendment that changes the position or the postcode so that the "
        "position is more than `PIN_MAX_DISTANCE_M` from the postcode's centre is refused with 422 unless "
        "`position_confirmed` is true."
    ),
    responses={
        **_GUARDED,
        409: {"description": "Already decided"},
        422: {"description": "Invalid proposal, or a changed position far from its postcode, not confirmed"},
    },
)
def amend_submission(
    session: SessionDep, settings: SettingsDep, actor: ModeratorDep, submission_id: uuid.UUID, data: Amendment
) -> SubmissionDetail:
    submission = moderation.visible_submission(session, actor, submission_id)
    try:
        proposal = parse_proposal(SubmissionKind(submission.kind), data.proposed)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", "proposed", *e["loc"])} for e in exc.errors()]) from None
    moderation.amend(session, actor, submission_id, proposal, data.position_confirmed, pin_max_m=settings.pin_max_distance_m)
    return get_submission(session, settings, actor, submission_id)


@router.post(
    "/api/v1/moderation/submissions/{submission_id}/approve",
    response_model=SubmissionDetail,
    summary="Approve: publish the new place, apply the change, or archive the reported place",
    description=(
        "A report is approved by archiving the place, or, once a moderator has amended it with a correction, by "
        "applying that correction. The asset change is recorded in its history with the moderator and this "
        "submission; `last_verified_at` is set."
    ),
    responses={**_GUARDED, 409: {"description": "Already decided"}},
)
def approve_submission(
    session: SessionDep, settings: SettingsDep, actor: ModeratorDep, submission_id: uuid.UUID, data: Decision | None = None
) -> SubmissionDetail:
    moderation.approve(session, actor, submission_id, data.note if data else None)
    return get_submission(session, settings, actor, submission_id)


@router.post(
    "/api/v1/moderation/submissions/{submission_id}/reject",
    response_model=SubmissionDetail,
    summary="Reject, with a reason the submitter can read",
    responses={**_GUARDED, 409: {"description": "Already decided"}},
)
def reject_submission(
    session: SessionDep, settings: SettingsDep, actor: ModeratorDep, submission_id: uuid.UUID, data: Rejection
) -> SubmissionDetail:
    moderation.reject(session, actor, submission_id, data.note)
    return get_submission(session, settings, actor, submission_id)


@router.get(
    "/api/v1/assets/{asset_id}/history",
    response_model=list[HistoryEntry],
    summary="Every change to an asset (moderators)",
    description="Who made each change (user or API key), when, from which submission, each field's [before, after], "
    "and the whole asset after it. Oldest first.",
    responses=_GUARDED,
)
def asset_history(session: SessionDep, actor: ModeratorDep, asset_id: uuid.UUID) -> list[HistoryEntry]:
    return [HistoryEntry.model_validate(e, from_attributes=True) for e in moderation.history(session, actor, asset_id)]


@router.post(
    "/api/v1/assets/{asset_id}/history/{entry_id}/restore",
    response_model=AssetPublic,
    summary="Restore the asset to the version after a history entry",
    description="Recorded in the history as a `restore` by the moderator. A place merged into another cannot be "
    "brought back (409): the place it was merged into holds its identifiers.",
    responses={**_GUARDED, 409: {"description": "The place was merged into another"}},
)
def restore_version(session: SessionDep, actor: ModeratorDep, asset_id: uuid.UUID, entry_id: RowId) -> AssetPublic:
    return moderation.restore(session, actor, asset_id, entry_id)


@router.post(
    "/api/v1/assets/{asset_id}/archive",
    response_model=AssetPublic,
    summary="Archive an asset that has closed (moderators)",
    description="Takes it off the map and out of search; its record and history stay. Recorded in its history as an "
    "`archive` by the moderator; restoring an earlier version brings it back. A moderator limited to council areas "
    "can archive only assets inside them.",
    responses=_GUARDED,
)
def archive_asset(session: SessionDep, actor: ModeratorDep, asset_id: uuid.UUID) -> AssetPublic:
    return moderation.archive(session, actor, asset_id)


@router.post(
    "/api/v1/assets/{asset_id}/verify",
    response_model=AssetPublic,
    summary="Confirm the asset is still running as listed (moderators)",
    description="Sets `last_verified_at` to now, so the asset is no longer `stale`; recorded in its history as a "
    "`verify` by the moderator. A moderator limited to council areas can verify only assets inside them.",
    responses=_GUARDED,
)
def verify_asset(session: SessionDep, actor: ModeratorDep, asset_id: uuid.UUID) -> AssetPublic:
    return moderation.verify(session, actor, asset_id)


@router.get(
    "/api/v1/moderation/duplicates",
    response_model=DuplicatePage,
    summary="Places imports found listed twice (moderators)",
    description=(
        "Pairs of unarchived places from different sources within `DUPLICATE_RADIUS_M` whose names are at least "
        "`DUPLICATE_MIN_SIMILARITY` alike, flagged by each import, most alike first; a merged or dismissed pair leaves "
        "the list. A moderator limited to council areas sees only pairs with both places inside them."
    ),
    responses=_GUARDED,
)
def list_duplicates(
    request: Request,
    session: SessionDep,
    actor: ModeratorDep,
    area: str | None = Query(None, max_length=9, description="A council area code, such as E08000003"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=100_000),
) -> DuplicatePage:
    total, rows = moderation.duplicate_pairs(session, actor, area, limit, offset)
    return DuplicatePage(
        total=total, items=[DuplicatePair.model_validate(r) for r in rows], next=next_url(request, offset, limit, total)
    )


@router.post(
    "/api/v1/moderation/duplicates/merge",
    response_model=AssetPublic,
    summary="Merge a place listed twice into the other (moderators)",
    description=(
        "`keep` takes every source identifier of `merge` (later imports of either source update it), its categories and "
        "the values it lacks; `merge` is archived with `merged_into` pointing to `keep`. Both record a `merge` in their "
        "history. A moderator limited to council areas may merge only places inside them. Answers the kept place."
    ),
    responses={**_GUARDED, 409: {"description": "The place to keep is archived, or the other was merged already"}},
)
def merge_duplicates(session: SessionDep, actor: ModeratorDep, data: MergeRequest) -> AssetPublic:
    return moderation.merge(session, actor, data.keep, data.merge)


@router.post(
    "/api/v1/moderation/duplicates/dismiss",
    status_code=204,
    summary="Two flagged places are not the same (moderators)",
    description="The pair leaves the list and no later import flags it again.",
    responses=_GUARDED,
)
def dismiss_duplicates(session: SessionDep, actor: ModeratorDep, data: NotDuplicates) -> Response:
    moderation.not_duplicates(session, actor, data.first, data.second)
    return Response(status_code=204)
