"""The shared shortlist's page `/s/{code}` (phone and print friendly) and its QR code."""

import io
from datetime import UTC, datetime

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.core.dates import uk_date
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import AppError
from app.finder.views import summarise
from app.i18n import current_locale
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.shortlists import service
from app.stories import service as place_stories
from app.web.browser import as_page
from app.web.templates import templates

router = APIRouter(include_in_schema=False)
_TITLES = {404: _l("Shortlist not found"), 410: _l("This shortlist has expired")}
SHORTLIST_STORIES = 2  # the newest stories of each place, when the list is shown with stories


def qr_svg(url: str) -> bytes:
    """The address as a QR code, drawn as SVG on the server (no network, no script)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2, title=_("QR code of this list's address"))
    return out.getvalue()


@router.get("/s/{code}", response_class=HTMLResponse)
def shortlist_page(
    request: Request, session: SessionDep, settings: SettingsDep, code: str, stories: bool = False
) -> HTMLResponse:
    """`stories`: with the newest of each place's stories (to print them too)."""
    with as_page(_TITLES, _("Cannot show this list")):
        shared = service.get(session, code)
    now = datetime.now(UTC)
    # Dated meetings: a shared list is printed and read on other days, when "Tomorrow" would be wrong.
    places = [summarise(i.asset, n, note=i.note, now=now, dated=True) for n, i in enumerate(shared.items, start=1)]
    context = {
        "shortlist": shared.shortlist,
        "places": places,
        "url": service.share_url(str(request.base_url), code, settings.public_base_url, current_locale()),
        "made": uk_date(shared.shortlist.created_at),
        "expires": uk_date(shared.shortlist.expires_at, with_time=True),  # it goes at that time of day
        "with_stories": stories,
        "stories": place_stories.published_for(session, [p.asset.id for p in places], SHORTLIST_STORIES) if stories else {},
    }
    return templates.TemplateResponse(request, "shortlists/page.html", context, headers={"Cache-Control": "no-store"})


@router.get("/s/{code}/qr.svg")
def shortlist_qr(request: Request, session: SessionDep, settings: SettingsDep, code: str) -> Response:
    try:
        service.get(session, code)
    except AppError as exc:
        return Response(status_code=exc.status_code)
    return Response(qr_svg(service.share_url(str(request.base_url), code, settings.public_base_url, current_locale())), media_type="image/svg+xml")
