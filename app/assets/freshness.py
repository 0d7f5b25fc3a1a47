"""When a listing counts as stale: not verified (by a moderator, or by the date its source vouches for) for `stale_after_days`.

One rule for every place that shows or ranks freshness (finder, shortlists, nearby search, moderation, `assetmap
stale`); a listing never verified at all counts as stale.
"""

from datetime import UTC, datetime, timedelta

from app.core.config import get_settings


def stale_cutoff(now: datetime | None = None) -> datetime:
    """Listings last verified before this moment are stale."""
    return (now or datetime.now(UTC)) - timedelta(days=get_settings().stale_after_days)


def is_stale(last_verified_at: datetime | None, now: datetime | None = None) -> bool:
    return last_verified_at is None or last_verified_at < stale_cutoff(now)


def stale_sql(column: str = "a.last_verified_at") -> str:
    """`is_stale` as an SQL condition on `column`, for queries that filter or rank by freshness."""
    return f"({column} IS NULL OR {column} < now() - make_interval(days => {int(get_settings().stale_after_days)}))"
