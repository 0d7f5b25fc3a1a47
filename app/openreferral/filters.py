"""The Open Referral query parameters as SQL conditions on `asset a`, with their bound parameters."""

from typing import Any

from sqlmodel import Session

from app.categories.service import get_taxonomy
from app.core.errors import Invalid
from app.core.text import checked_text
from app.openreferral import ids, repository
from app.openreferral.schemas import ServiceQuery


def term_slugs(session: Session) -> dict[str, str]:
    """Our taxonomy term ids (as strings) to category slugs."""
    return {str(ids.term_id(slug)): slug for slug in get_taxonomy(session).by_slug}


def service_filters(session: Session, query: ServiceQuery) -> tuple[list[str], dict[str, Any]]:
    filters: list[str] = []
    params: dict[str, Any] = {}
    if query.search and checked_text(query.search, "search"):
        filters.append(repository.TEXT_FILTER)
        params["q"] = query.search
    if query.taxonomy_id is not None and query.taxonomy_id != ids.taxonomy_id():
        raise Invalid(
            f"Unknown taxonomy_id {query.taxonomy_id}: this directory has one taxonomy, {ids.taxonomy_id()} "
            "(see /oruk/taxonomies). Every service has at least one of its terms.",
            "taxonomy_id",
        )
    if query.taxonomy_term_id is not None:
        slug = term_slugs(session).get(str(query.taxonomy_term_id))
        if slug is None:
            raise Invalid(f"Unknown taxonomy_term_id {query.taxonomy_term_id}: see /oruk/taxonomy_terms.", "taxonomy_term_id")
        filters.append(repository.CATEGORY_FILTER)
        params["category_ids"] = get_taxonomy(session).subtree_ids([slug])
    if query.minimum_age is not None:
        filters.append(repository.MINIMUM_AGE_FILTER)
        params["minimum_age"] = query.minimum_age
    if query.maximum_age is not None:
        filters.append(repository.MAXIMUM_AGE_FILTER)
        params["maximum_age"] = query.maximum_age
    sessions: list[str] = []
    if query.weekday is not None:
        sessions.append("s.weekday = :weekday")
        params["weekday"] = query.weekday
    if query.start_at is not None:
        sessions.append("s.opens >= :start_time")
        params["start_time"] = query.start_at
    if query.end_at is not None:
        sessions.append("s.closes <= :end_time")
        params["end_time"] = query.end_at
    if sessions:
        filters.append(repository.session_filter(sessions))
    return filters, params
