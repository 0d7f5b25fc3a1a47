"""The Open Referral API's logic: filters to SQL, rows to HSDS objects, and the HSDS page envelope."""

import math
import uuid
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.assets.filters import filters_for
from app.categories.service import get_taxonomy
from app.core.errors import NotFound
from app.i18n import gettext as _
from app.openreferral import ids, mapping, repository
from app.openreferral.filters import service_criteria, term_slugs
from app.openreferral.schemas import PageQuery, ServiceAtLocationQuery, ServiceQuery
from app.search import service as nearby

# A postcode without a proximity orders everything nearest first: a radius beyond any distance on Earth.
EVERYWHERE_M = 20_100_000


def page(items: Sequence[Any], total: int, query: PageQuery) -> dict[str, Any]:
    total_pages = math.ceil(total / query.per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": query.page,
        "size": len(items),
        "first_page": query.page == 1,
        "last_page": query.page >= total_pages,
        "empty": not items,
        "contents": list(items),
    }


def _offset(query: PageQuery) -> int:
    return (query.page - 1) * query.per_page


def list_services(session: Session, query: ServiceQuery) -> dict[str, Any]:
    filters, params = filters_for(session, service_criteria(session, query))
    total, rows = repository.list_services(session, filters, params, query.per_page, _offset(query))
    return page([mapping.service_summary(r) for r in rows], total, query)


def get_service(session: Session, service_id: uuid.UUID) -> dict[str, Any]:
    row = repository.get_service(session, service_id)
    if row is None:
        raise NotFound(_("No service has the id %(id)s.") % {"id": service_id})
    return mapping.service_full(row, get_taxonomy(session))


def list_service_at_locations(session: Session, query: ServiceAtLocationQuery, record: bool) -> dict[str, Any]:
    """Services at locations, physical or virtual with a url (repository.AT_A_LOCATION): nearest first from a postcode
    (the nearby search, whose demand is recorded when `record`, the app's RECORD_SEARCHES; only places have a distance),
    else by name."""
    criteria = service_criteria(session, query)
    if query.postcode:
        at = nearby.postcode_origin(session, query.postcode)
        radius = query.proximity or EVERYWHERE_M
        total, rows = nearby.nearby_rows(
            session, at, criteria, radius, query.per_page, _offset(query), repository.COLUMNS, record=record
        )
    else:
        filters, params = filters_for(session, criteria)
        total, rows = repository.list_service_at_locations(session, filters, params, query.per_page, _offset(query))
    return page([mapping.service_at_location_summary(r) for r in rows], total, query)


def get_service_at_location(session: Session, sal_id: uuid.UUID) -> dict[str, Any]:
    row = repository.get_by_service_at_location(session, sal_id)
    if row is None:
        raise NotFound(_("No service_at_location has the id %(id)s.") % {"id": sal_id})
    return mapping.service_at_location_full(row, get_taxonomy(session))


def list_taxonomies(session: Session, query: PageQuery, uri: str) -> dict[str, Any]:
    everything = [mapping.taxonomy(get_taxonomy(session), uri, with_terms=False)]
    return page(everything[_offset(query) : _offset(query) + query.per_page], len(everything), query)


def get_taxonomy_by_id(session: Session, taxonomy_id: uuid.UUID, uri: str) -> dict[str, Any]:
    if taxonomy_id != ids.taxonomy_id():
        raise NotFound(_("No taxonomy has the id %(id)s.") % {"id": taxonomy_id})
    return mapping.taxonomy(get_taxonomy(session), uri, with_terms=True)


def list_taxonomy_terms(session: Session, query: PageQuery) -> dict[str, Any]:
    tree = get_taxonomy(session)
    nodes = list(tree.by_slug.values())[_offset(query) : _offset(query) + query.per_page]
    return page([mapping.taxonomy_term(tree, n) for n in nodes], len(tree.by_slug), query)


def get_taxonomy_term(session: Session, term_id: uuid.UUID) -> dict[str, Any]:
    slug = term_slugs(session).get(str(term_id))
    if slug is None:
        raise NotFound(_("No taxonomy term has the id %(id)s.") % {"id": term_id})
    tree = get_taxonomy(session)
    return mapping.taxonomy_term(tree, tree.by_slug[slug])
