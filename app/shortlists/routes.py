"""The shortlist API: `POST /api/v1/shortlists` and `GET /api/v1/shortlists/{code}`."""

from fastapi import APIRouter, HTTPException, Request, Response

from app.core.deps import SessionDep, SettingsDep
from app.i18n import current_locale
from app.shortlists import service
from app.shortlists.schemas import ShortlistCreated, ShortlistIn, ShortlistItemOut, ShortlistOut
from app.web.ratelimit import RateLimited, client_address

router = APIRouter(prefix="/api/v1/shortlists", tags=["shortlists"])


@router.post(
    "",
    status_code=201,
    response_model=ShortlistCreated,
    summary="Share a shortlist of places",
    description=(
        "Stores 1–30 published places in this order, each with an optional short note, and answers the code and "
        "the address of a page to share (`/s/{code}`). Do not put names or other personal details in the title or "
        "notes: anyone with the link can read them. The list is deleted `SHORTLIST_DAYS` (90) days later. Each client "
        "may make `SHORTLIST_RATE_LIMIT` lists per window (429 with `Retry-After` beyond that)."
    ),
    responses={422: {"description": "Invalid fields, an unknown place or one listed twice"}, 429: {"description": "Too many"}},
)
def create_shortlist(request: Request, session: SessionDep, settings: SettingsDep, data: ShortlistIn) -> ShortlistCreated:
    try:
        shortlist = service.create(session, data, client_address(request), settings)
    except RateLimited as limited:
        raise HTTPException(429, limited.message, headers={"Retry-After": str(limited.retry_after)}) from None
    url = service.share_url(str(request.base_url), shortlist.code, settings.public_base_url, current_locale())
    return ShortlistCreated(code=shortlist.code, url=url, expires_at=shortlist.expires_at)


@router.get(
    "/{code}",
    response_model=ShortlistOut,
    summary="A shared shortlist",
    responses={404: {"description": "No such shortlist"}, 410: {"description": "The shortlist has expired"}},
)
def get_shortlist(
    request: Request, response: Response, session: SessionDep, settings: SettingsDep, code: str
) -> ShortlistOut:
    response.headers["Cache-Control"] = "no-store"  # notes stay out of shared caches
    shared = service.get(session, code)
    s = shared.shortlist
    return ShortlistOut(
        code=s.code,
        url=service.share_url(str(request.base_url), s.code, settings.public_base_url, current_locale()),
        title=s.title,
        created_at=s.created_at,
        expires_at=s.expires_at,
        items=[ShortlistItemOut(position=i.position, note=i.note, asset=i.asset) for i in shared.items],
    )
