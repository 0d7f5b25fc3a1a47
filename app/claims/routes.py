"""The claims API: the moderators' list and decisions, and what a signed-in claimant does with their places. Claiming
a place and signing in happen on the pages (docs/claims.md), since each needs a link e-mailed to a person."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from app.accounts.deps import require_role
from app.accounts.models import Role
from app.accounts.service import Actor
from app.assets.schemas import AssetPublic, AssetUpdate
from app.claims import service
from app.claims.models import ClaimStatus
from app.claims.schemas import ClaimItem, ClaimPage, Decision, Rejection
from app.core.deps import SessionDep, SettingsDep
from app.core.paging import next_url
from app.mail.deps import MailerDep

router = APIRouter(tags=["claims"])
ModeratorDep = Annotated[Actor, Depends(require_role(Role.admin, Role.moderator))]
ClaimantDep = Annotated[Actor, Depends(require_role(Role.claimant))]
_GUARDED = {
    401: {"description": "No API key or session"},
    403: {"description": "Not the right role, outside the moderator's council areas, or not the claimant's place"},
    404: {"description": "Not found"},
}


def base_url(request: Request, public_base_url: str) -> str:
    """Where links in e-mails point: PUBLIC_BASE_URL, else the address the request came in on."""
    return public_base_url or str(request.base_url).rstrip("/")


@router.get(
    "/api/v1/moderation/claims",
    response_model=ClaimPage,
    summary="Claims to places (moderators)",
    description="Claims with this status (pending by default: confirmed, waiting for a decision), oldest first; a "
    "moderator limited to council areas sees only claims to places inside them.",
    responses=_GUARDED,
)
def list_claims(
    request: Request,
    session: SessionDep,
    actor: ModeratorDep,
    status: ClaimStatus = ClaimStatus.pending,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=100_000),
) -> ClaimPage:
    total, rows = service.queue(session, actor, status, limit, offset)
    return ClaimPage(total=total, items=[ClaimItem.model_validate(r) for r in rows], next=next_url(request, offset, limit, total))


@router.post(
    "/api/v1/moderation/claims/{claim_id}/approve",
    response_model=ClaimItem,
    summary="Approve a claim: its group keeps the place's listing from now on",
    description="The claimant is told by e-mail and can then sign in with links e-mailed to them.",
    responses={**_GUARDED, 409: {"description": "Not pending, or the address is a staff account"}},
)
def approve_claim(
    request: Request, session: SessionDep, settings: SettingsDep, mailer: MailerDep, actor: ModeratorDep,
    claim_id: uuid.UUID, data: Decision | None = None,
) -> ClaimItem:
    claim = service.decide(
        session, actor, claim_id, True, data.note if data else None, settings, mailer, base_url(request, settings.public_base_url)
    )
    return ClaimItem.model_validate(claim)


@router.post(
    "/api/v1/moderation/claims/{claim_id}/reject",
    response_model=ClaimItem,
    summary="Reject a claim, with a reason the claimant reads in the e-mail",
    responses={**_GUARDED, 409: {"description": "Not pending"}},
)
def reject_claim(
    request: Request, session: SessionDep, settings: SettingsDep, mailer: MailerDep, actor: ModeratorDep,
    claim_id: uuid.UUID, data: Rejection,
) -> ClaimItem:
    claim = service.decide(session, actor, claim_id, False, data.note, settings, mailer, base_url(request, settings.public_base_url))
    return ClaimItem.model_validate(claim)


@router.get(
    "/api/v1/claimant/places",
    response_model=list[AssetPublic],
    summary="The places the signed-in claimant keeps",
    responses=_GUARDED,
)
def my_places(session: SessionDep, actor: ClaimantDep) -> list[AssetPublic]:
    return service.claimed_places(session, actor)


@router.get(
    "/api/v1/claimant/places/{asset_id}", response_model=AssetPublic, summary="One of the claimant's places", responses=_GUARDED
)
def my_place(session: SessionDep, actor: ClaimantDep, asset_id: uuid.UUID) -> AssetPublic:
    return service.claimed_place(session, actor, asset_id)


@router.patch(
    "/api/v1/claimant/places/{asset_id}",
    response_model=AssetPublic,
    summary="Change one of the claimant's places (live at once)",
    description="Only the fields given change; recorded in the place's history with the claimant as actor (a "
    "moderator can restore an earlier version). `status`, `source`, `external_id`, `last_verified_at` and `tags` are "
    "for moderators (403).",
    responses={**_GUARDED, 409: {"description": "The place is archived"}},
)
def edit_my_place(session: SessionDep, actor: ClaimantDep, asset_id: uuid.UUID, data: AssetUpdate) -> AssetPublic:
    return service.edit_place(session, actor, asset_id, data)


@router.post(
    "/api/v1/claimant/places/{asset_id}/verify",
    response_model=AssetPublic,
    summary="Still running: the claimant confirms the listing is right",
    description="Sets `last_verified_at` to now; recorded in its history as a `verify` by the claimant.",
    responses={**_GUARDED, 409: {"description": "The place is archived"}},
)
def verify_my_place(session: SessionDep, actor: ClaimantDep, asset_id: uuid.UUID) -> AssetPublic:
    return service.still_running(session, actor, asset_id)
