"""A per-client limit on accepted submissions, counted in PostgreSQL so every worker process shares it.

Fixed windows of `submission_rate_window_s` seconds: an upsert counts the hit atomically, so concurrent requests
cannot both slip under the limit. Clients are keyed by a hash of their address; rows older than the previous window
are deleted as new hits arrive, so no address (hashed or not) is kept for long.
"""

import hashlib
import math
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy import text
from sqlmodel import Session

from app.core.errors import AppError
from app.i18n import Text, ngettext
from app.i18n import lazy_gettext as _l

SUBMISSIONS = _l("You have sent a lot of submissions recently.")


class RateLimited(AppError):
    status_code = 429

    def __init__(self, retry_after: int, what: Text = SUBMISSIONS):
        """`what`: what the client has done too often, as a sentence."""
        minutes = math.ceil(retry_after / 60)
        again = ngettext("Please try again in %(num)s minute.", "Please try again in %(num)s minutes.", minutes) % {
            "num": minutes
        }
        super().__init__(f"{what} {again}")
        self.retry_after = retry_after


def client_bucket(scope: str, client_address: str) -> str:
    return f"{scope}:{hashlib.sha256(client_address.encode()).hexdigest()[:40]}"


def consume(session: Session, bucket: str, limit: int, window_s: int, what: Text = SUBMISSIONS) -> None:
    """Counts one hit for `bucket` (in the caller's transaction); RateLimited if it goes over `limit`."""
    now = datetime.now(UTC)
    start = datetime.fromtimestamp(int(now.timestamp()) // window_s * window_s, UTC)
    session.execute(
        text("DELETE FROM rate_limit WHERE window_start < :old"), {"old": start - timedelta(seconds=window_s)}
    )
    hits = session.execute(
        text(
            "INSERT INTO rate_limit (bucket, window_start, hits) VALUES (:bucket, :start, 1) "
            "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit.hits + 1 RETURNING hits"
        ),
        {"bucket": bucket, "start": start},
    ).scalar_one()
    if hits > limit:
        session.commit()  # the refused hit still counts, so hammering does not reset anything
        raise RateLimited(max(1, math.ceil((start + timedelta(seconds=window_s) - now).total_seconds())), what)


def client_address(request: Request) -> str:
    """The caller's address: the connecting one, or the client a proxy in TRUSTED_PROXIES names (`assetmap serve`)."""
    return request.client.host if request.client else "unknown"
