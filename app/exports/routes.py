"""Open-data downloads of every published asset: `GET /api/v1/export.geojson` and `GET /api/v1/export.csv`; and of
their published stories, `GET /api/v1/export-stories.csv`."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from app.assets.filters import Criteria, filters_for
from app.core.config import Settings
from app.core.db import read_session
from app.core.deps import ReadSessionDep, SettingsDep
from app.exports import formats, repository
from app.stories import repository as stories
from app.web.transport import is_head

router = APIRouter(prefix="/api/v1", tags=["open data"])

_CATEGORY = Query([], description="Category slug (repeatable; includes sub-categories). Unknown slugs are refused.")
_AREA = Query(None, description="Council (or region) code such as E08000003: only assets inside it", examples=["E08000003"])
_DESCRIPTION = (
    "Every published asset, streamed as a download (`Content-Disposition: attachment`). Only public fields: the same "
    "ones the public API shows. The licence and attribution travel with the file: {where}. Spreadsheet formula "
    "characters (= + - @) at the start of a text cell are escaped with a leading apostrophe."
)


def _rows(request: Request, read: Callable[[Session], Iterator[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """What `read` yields, in a session of its own: the request's closes when the endpoint returns, before the body has
    streamed.

    The first row is read before the download starts, so that a database that cannot be reached is an error answer
    (503), not a download cut off after its headers. A HEAD request (answered as a GET without its body,
    app/web/transport.py) stops there: no more rows are read for a body no one will get.
    """
    session = read_session(request, streaming=True)
    rows = read(session)
    try:
        first = next(rows, None)
    except Exception:
        session.close()
        raise
    if is_head(request):
        session.close()
        return iter(())

    def stream() -> Iterator[dict[str, Any]]:
        with session:
            if first is not None:
                yield first
                yield from rows

    return stream()


def _metadata(
    request: Request, settings: Settings, title: str = "Community assets (published listings)"
) -> formats.Metadata:
    return formats.Metadata(
        title=title,
        publisher=settings.data_publisher,
        licence=settings.data_licence,
        licence_url=settings.data_licence_url,
        attribution=f"{settings.data_publisher}. {settings.attribution}",
        generated_at=datetime.now(UTC).replace(microsecond=0),
        source_url=str(request.url),
    )


def _download(
    chunks: Iterator[str], media_type: str, extension: str, name: str = "community-assets"
) -> StreamingResponse:
    filename = f"{name}-{datetime.now(UTC):%Y-%m-%d}.{extension}"
    return StreamingResponse(chunks, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _asset_url(request: Request) -> str:
    return str(request.base_url) + "api/v1/assets/{id}"


@router.get(
    "/export.geojson",
    summary="Download all published assets as GeoJSON",
    description=_DESCRIPTION.format(where='a top-level "metadata" member (title, publisher, licence, licence_url, attribution, generated_at, source)'),
    response_class=StreamingResponse,
    responses={200: {"content": {"application/geo+json": {}}}, 422: {"description": "Unknown category or area"}},
)
def export_geojson(
    request: Request,
    session: ReadSessionDep,
    settings: SettingsDep,
    category: list[str] = _CATEGORY,
    area: str | None = _AREA,
) -> StreamingResponse:
    filters, params = filters_for(session, Criteria(category=category, area=area))
    rows = _rows(request, lambda session: repository.stream_published(session, filters, params))
    chunks = formats.geojson_chunks(rows, _metadata(request, settings), _asset_url(request))
    return _download(chunks, "application/geo+json", "geojson")


@router.get(
    "/export.csv",
    summary="Download all published assets as CSV",
    description=_DESCRIPTION.format(
        where=f"the first {formats.METADATA_LINES} lines start with `# ` (title, licence, attribution, source), then "
        "comes the header row; UTF-8 with a byte-order mark. Lists (categories, tags, accessibility, languages) are "
        "separated by `; `"
    ),
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, 422: {"description": "Unknown category or area"}},
)
def export_csv(
    request: Request,
    session: ReadSessionDep,
    settings: SettingsDep,
    category: list[str] = _CATEGORY,
    area: str | None = _AREA,
) -> StreamingResponse:
    filters, params = filters_for(session, Criteria(category=category, area=area))
    rows = _rows(request, lambda session: repository.stream_published(session, filters, params))
    chunks = formats.csv_lines(rows, _metadata(request, settings), _asset_url(request))
    return _download(chunks, "text/csv; charset=utf-8", "csv")


@router.get(
    "/export-stories.csv",
    summary="Download all published stories as CSV",
    description=(
        "Every published story of a published place, by place: a file of its own, as the asset files have no place "
        "for them (nor has Open Referral UK). Columns: story_id, asset_id, place_name, language (`en` or `cy`), story, "
        "signature (a first name, or empty: anonymous), published_at, url (the place in the API). The licence lines "
        f"come first as in `export.csv` ({formats.METADATA_LINES} lines starting with `# `); UTF-8 with a byte-order "
        "mark; formula characters escaped."
    ),
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_stories_csv(request: Request, settings: SettingsDep) -> StreamingResponse:
    meta = _metadata(request, settings, "Stories about community assets (published)")
    chunks = formats.story_csv_lines(_rows(request, stories.stream_published), meta, _asset_url(request))
    return _download(chunks, "text/csv; charset=utf-8", "csv", "community-asset-stories")
