"""Open Referral UK (HSDS-UK-3.0) read-only API, served as its own application under /oruk.

It has its own OpenAPI document (/oruk/openapi.json), answers every response with `Access-Control-Allow-Origin: *`
and needs no API key, as the UK profile's compliance rules require.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse

from app.core.config import Settings
from app.core.deps import ReadSessionDep
from app.core.errors import install_error_handlers
from app.core.query import query_model, query_parameters
from app.insights.service import records_searches
from app.openreferral import service
from app.openreferral.cors import AllowAnyOrigin
from app.openreferral.schemas import (
    HSDS_VERSION,
    PROFILE_URL,
    ApiInfo,
    Page,
    PageQuery,
    ServiceAtLocationFull,
    ServiceAtLocationQuery,
    ServiceAtLocationSummary,
    ServiceFull,
    ServiceQuery,
    ServiceSummary,
    Taxonomy,
    TaxonomyTerm,
)

MOUNT_PATH = "/oruk"
DESCRIPTION = f"""
The directory's published community assets as an [Open Referral UK]({PROFILE_URL}) feed (HSDS-UK-3.0), read-only.
No API key is needed and every response allows any origin (CORS).

Each asset is one **service** at one physical **location**, linked by a **service_at_location**. Lists are paged
(`page`, `per_page`) in the HSDS page envelope; their filters combine with AND. Errors answer
`{{"detail": "...", "errors": [{{"field": "...", "message": "..."}}]}}` with status 404 (unknown id or postcode) or
422 (a parameter that is not valid, or that this API does not support).
"""

# The lists' filters, read from the query string in one validation (app/core/query.py).
ServiceQueryDep = Annotated[ServiceQuery, Depends(query_model(ServiceQuery))]
ServiceAtLocationQueryDep = Annotated[ServiceAtLocationQuery, Depends(query_model(ServiceAtLocationQuery))]
PageQueryDep = Annotated[PageQuery, Depends(query_model(PageQuery))]

router = APIRouter()
mount_redirect = APIRouter()


@mount_redirect.get(MOUNT_PATH, include_in_schema=False)
def to_mounted_root() -> RedirectResponse:
    """`/oruk` → `/oruk/`, with the CORS header the profile asks for on every response (the mount alone sends none)."""
    return RedirectResponse(f"{MOUNT_PATH}/", status_code=307, headers={"Access-Control-Allow-Origin": "*"})
_NOT_FOUND = {404: {"description": "No such id"}}
_BAD = {422: {"description": "A parameter is not valid"}}
_LIST_FILTERS = (
    "Filters combine with AND. `day`, `start_time` and `end_time` must all hold for one weekly session. "
    "`taxonomy_term_id` includes the terms below it. `minimum_age`/`maximum_age` compare with the service's own "
    "age limits (a service with no minimum age counts as 0; one with no maximum age never matches `maximum_age`)."
)


def _site_url(request: Request, path: str) -> str:
    """An absolute URL on the main site (the part before /oruk)."""
    return str(request.base_url).removesuffix("/").removesuffix(MOUNT_PATH) + path


@router.get("/", response_model=ApiInfo, summary="About this API", operation_id="getAPIMetaInformation")
def api_info(request: Request) -> ApiInfo:
    return ApiInfo(version=HSDS_VERSION, profile=PROFILE_URL, openapi_url=_site_url(request, f"{MOUNT_PATH}/openapi.json"))


@router.get(
    "/services",
    response_model=Page[ServiceSummary],
    response_model_exclude_none=True,
    summary="Services, paged, by name",
    description="Each service's one-to-one fields and its organization. " + _LIST_FILTERS,
    operation_id="getPaginatedListOfServices",
    responses=_BAD,
    openapi_extra=query_parameters(ServiceQuery),
)
def list_services(session: ReadSessionDep, query: ServiceQueryDep) -> dict[str, Any]:
    return service.list_services(session, query)


@router.get(
    "/services/{id}",
    response_model=ServiceFull,
    response_model_exclude_none=True,
    summary="A fully nested service",
    operation_id="getFullyNestedServiceById",
    responses={**_NOT_FOUND, **_BAD},
)
def get_service(id: uuid.UUID, session: ReadSessionDep) -> dict[str, Any]:
    return service.get_service(session, id)


@router.get(
    "/service_at_locations",
    response_model=Page[ServiceAtLocationSummary],
    response_model_exclude_none=True,
    summary="Services at their locations, paged",
    description=(
        "By name; or, with `postcode`, nearest first, and with `proximity` (metres) only those within that distance "
        "of the postcode's centre. " + _LIST_FILTERS
    ),
    operation_id="getPaginatedListOfServiceAtLocation",
    responses={404: {"description": "Unknown postcode"}, **_BAD},
    openapi_extra=query_parameters(ServiceAtLocationQuery),
)
def list_service_at_locations(
    request: Request, session: ReadSessionDep, query: ServiceAtLocationQueryDep
) -> dict[str, Any]:
    return service.list_service_at_locations(session, query, records_searches(request))


@router.get(
    "/service_at_locations/{id}",
    response_model=ServiceAtLocationFull,
    response_model_exclude_none=True,
    summary="A fully nested service_at_location",
    description="The location (with its address and accessibility) and the full service.",
    operation_id="getServiceAtLocationWithNestedDataById",
    responses={**_NOT_FOUND, **_BAD},
)
def get_service_at_location(id: uuid.UUID, session: ReadSessionDep) -> dict[str, Any]:
    return service.get_service_at_location(session, id)


@router.get(
    "/taxonomies",
    response_model=Page[Taxonomy],
    response_model_exclude_none=True,
    summary="Taxonomies, paged",
    description="One taxonomy: this directory's category tree.",
    operation_id="getPaginatedListOfTaxonomies",
    responses=_BAD,
    openapi_extra=query_parameters(PageQuery),
)
def list_taxonomies(request: Request, session: ReadSessionDep, query: PageQueryDep) -> dict[str, Any]:
    return service.list_taxonomies(session, query, _site_url(request, "/api/v1/categories"))


@router.get(
    "/taxonomies/{id}",
    response_model=Taxonomy,
    response_model_exclude_none=True,
    summary="A taxonomy with all its terms",
    operation_id="getTaxonomyById",
    responses={**_NOT_FOUND, **_BAD},
)
def get_taxonomy(id: uuid.UUID, request: Request, session: ReadSessionDep) -> dict[str, Any]:
    return service.get_taxonomy_by_id(session, id, _site_url(request, "/api/v1/categories"))


@router.get(
    "/taxonomy_terms",
    response_model=Page[TaxonomyTerm],
    response_model_exclude_none=True,
    summary="Taxonomy terms, paged",
    description="Our categories, parents before their children.",
    operation_id="getPaginatedListOfTaxonomyTerms",
    responses=_BAD,
    openapi_extra=query_parameters(PageQuery),
)
def list_taxonomy_terms(session: ReadSessionDep, query: PageQueryDep) -> dict[str, Any]:
    return service.list_taxonomy_terms(session, query)


@router.get(
    "/taxonomy_terms/{id}",
    response_model=TaxonomyTerm,
    response_model_exclude_none=True,
    summary="A taxonomy term",
    operation_id="getTaxonomyTermById",
    responses={**_NOT_FOUND, **_BAD},
)
def get_taxonomy_term(id: uuid.UUID, session: ReadSessionDep) -> dict[str, Any]:
    return service.get_taxonomy_term(session, id)


def create_oruk_app(settings: Settings) -> FastAPI:
    """The sub-application mounted at MOUNT_PATH, with its own OpenAPI document and docs page."""
    app = FastAPI(
        title="Community Asset Map: Open Referral UK API",
        version=HSDS_VERSION,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings  # its routes read the app's settings (SettingsDep) like the main app's
    install_error_handlers(app)
    app.add_middleware(AllowAnyOrigin)
    app.include_router(router, tags=["Open Referral UK"])
    return app
