"""The Open Referral query parameters as the asset store's Criteria (app/assets/filters.py builds the SQL)."""

from sqlmodel import Session

from app.assets.filters import Criteria
from app.categories.service import get_taxonomy
from app.core.errors import Invalid
from app.core.text import checked_text
from app.i18n import gettext as _
from app.openreferral import ids
from app.openreferral.schemas import ServiceQuery


def term_slugs(session: Session) -> dict[str, str]:
    """Our taxonomy term ids (as strings) to category slugs."""
    return {str(ids.term_id(slug)): slug for slug in get_taxonomy(session).by_slug}


def service_criteria(session: Session, query: ServiceQuery) -> Criteria:
    if query.taxonomy_id is not None and query.taxonomy_id != ids.taxonomy_id():
        raise Invalid(
            _(
                "Unknown taxonomy_id %(id)s: this directory has one taxonomy, %(ours)s (see /oruk/taxonomies). Every "
                "service has at least one of its terms."
            ) % {"id": query.taxonomy_id, "ours": ids.taxonomy_id()},
            "taxonomy_id",
        )
    category: list[str] = []
    if query.taxonomy_term_id is not None:
        slug = term_slugs(session).get(str(query.taxonomy_term_id))
        if slug is None:
            message = _("Unknown taxonomy_term_id %(id)s: see /oruk/taxonomy_terms.") % {"id": query.taxonomy_term_id}
            raise Invalid(message, "taxonomy_term_id")
        category = [slug]
    return Criteria(
        category=category, q=checked_text(query.search, "search") if query.search else None, minimum_age=query.minimum_age, maximum_age=query.maximum_age,
        weekday=query.weekday, starts_from=query.start_at, ends_by=query.end_at,
    )
