import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.accounts.deps import ViewerDep, require_role
from app.accounts.models import Role
from app.accounts.service import Actor
from app.assets import repository, service
from app.assets.filters import Criteria, filters_for
from app.assets.schemas import AssetCreate, AssetPage, AssetPublic, AssetUpdate
from app.core.deps import SessionDep
from app.core.paging import next_url
from app.geo.bbox import parse_bbox

router = APIRouter(prefix="/api/v1/assets", tags=["assets"])
AdminDep = Annotated[Actor, Depends(require_role(Role.admin))]
_ERRORS = {401: {"description": "No or bad API key"}, 403: {"description": "Not an admin key"}, 422: {"description": "Invalid fields"}}


@router.get(
    "",
    response_model=AssetPage,
    summary="List published assets in a box",
    description="Published assets inside `bbox` (minlon,minlat,maxlon,maxlat) and/or an `area`, by name, optionally filtered.",
)
def list_assets(
    request: Request,
    session: SessionDep,
    bbox: str | None = Query(None, examples=["-2.30,53.46,-2.20,53.50"]),
    category: list[str] = Query([], description="Category slug (repeatable; includes sub-categories)"),
    q: str | None = Query(None, max_length=200, description="Words to search for in name, description and tags"),
    area: str | None = Query(
        None, max_length=20, description="Only assets inside this council or region (ONS code, see /api/v1/areas)", examples=["E08000003"]
    ),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=100_000),
) -> AssetPage:
    filters, params = filters_for(
        session, Criteria(bbox=parse_bbox(bbox) if bbox else None, category=category, q=q, area=area)
    )
    total, rows = repository.list_published(session, filters, params, limit, offset)
    return AssetPage(total=total, items=[service.public_asset(r) for r in rows], next=next_url(request, offset, limit, total))


@router.get(
    "/{asset_id}",
    response_model=AssetPublic,
    summary="One published asset",
    description="With a link worker's, moderator's or admin's key (or signed-in session), a place not shown exactly "
    "gives where it really is, and its address where the place allows it (docs/privacy.md); such answers are never "
    "cached.",
    responses={404: {"description": "Not found"}, 401: {"description": "An API key that is not valid"}},
)
def get_asset(asset_id: uuid.UUID, session: SessionDep, viewer: ViewerDep, response: Response) -> AssetPublic:
    asset = service.get_asset_for(session, asset_id, viewer.role if viewer else None)[0]
    if viewer is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return asset


_CLASH = {409: {"description": "Another asset already has this source and external_id (the message names it)"}}


@router.post("", response_model=AssetPublic, status_code=201, summary="Add an asset (admin key)", responses={**_ERRORS, **_CLASH})
def create_asset(data: AssetCreate, session: SessionDep, actor: AdminDep) -> AssetPublic:
    return service.create_asset(session, data, actor.label)


@router.patch(
    "/{asset_id}", response_model=AssetPublic, summary="Change an asset (admin key)", responses={**_ERRORS, **_CLASH}
)
def update_asset(asset_id: uuid.UUID, data: AssetUpdate, session: SessionDep, actor: AdminDep) -> AssetPublic:
    return service.update_asset(session, asset_id, data, actor.label)


@router.delete(
    "/{asset_id}",
    response_model=AssetPublic,
    summary="Archive an asset (admin key)",
    description="Archiving hides the asset from search and maps; its record and history are kept.",
    responses=_ERRORS,
)
def archive_asset(asset_id: uuid.UUID, session: SessionDep, actor: AdminDep) -> AssetPublic:
    return service.archive_asset(session, asset_id, actor.label)
