"""Making, reading and expiring shortlists. A list is found only by its unguessable code and holds no personal data."""

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from app.assets.schemas import AssetPublic
from app.core.config import Settings
from app.core.dates import uk_date
from app.core.errors import Gone, Invalid, NotFound
from app.i18n import gettext as _
from app.i18n.locales import DEFAULT as DEFAULT_LOCALE
from app.shortlists import repository
from app.shortlists.models import Shortlist, ShortlistItem
from app.shortlists.schemas import ShortlistIn
from app.web import ratelimit

CODE_BYTES = 12  # 96 random bits, 16 URL-safe characters
CODE = re.compile(r"^[A-Za-z0-9_-]{16}$")


@dataclass(frozen=True)
class ListedPlace:
    position: int
    note: str | None
    asset: AssetPublic


@dataclass(frozen=True)
class SharedList:
    shortlist: Shortlist
    items: list[ListedPlace]


def create(session: Session, data: ShortlistIn, client_address: str, settings: Settings) -> Shortlist:
    """Checks every place is published and listed once, counts the client's rate limit, and stores the list (to expire
    after `shortlist_days`)."""
    ids = [item.asset_id for item in data.items]
    seen: set = set()
    for index, asset_id in enumerate(ids):
        if asset_id in seen:
            raise Invalid(_("The place %(id)s is in the list twice: keep it once.") % {"id": asset_id}, f"items.{index}.asset_id")
        seen.add(asset_id)
    published = repository.published_ids(session, ids)
    for index, asset_id in enumerate(ids):
        if asset_id not in published:
            raise Invalid(_("No published place has the id %(id)s.") % {"id": asset_id}, f"items.{index}.asset_id")
    ratelimit.consume(
        session,
        ratelimit.client_bucket("shortlist", client_address),
        settings.shortlist_rate_limit,
        settings.shortlist_rate_window_s,
        what=_("You have made a lot of shortlists recently."),
    )
    now = datetime.now(UTC)
    shortlist = Shortlist(
        code=_new_code(session), title=data.title, created_at=now, expires_at=now + timedelta(days=settings.shortlist_days)
    )
    items = [
        ShortlistItem(position=position, asset_id=item.asset_id, note=item.note)
        for position, item in enumerate(data.items, start=1)
    ]
    repository.add(session, shortlist, items)
    session.commit()
    session.refresh(shortlist)
    return shortlist


def _new_code(session: Session) -> str:
    while True:
        code = secrets.token_urlsafe(CODE_BYTES)
        if not repository.code_taken(session, code):
            return code


def get(session: Session, code: str, now: datetime | None = None) -> SharedList:
    """The list with its places: NotFound for an unknown code, Gone once it has expired."""
    shortlist = repository.find(session, code) if CODE.match(code) else None
    if shortlist is None:
        raise NotFound(_("There is no shortlist at this address. Check the link, or ask for a new one."))
    if shortlist.expires_at <= (now or datetime.now(UTC)):
        raise Gone(
            _("This shortlist expired on %(date)s and has been removed. Ask your link worker for a new one.")
            % {"date": uk_date(shortlist.expires_at)}
        )
    items = [
        ListedPlace(
            position=row["shortlist_position"],
            note=row["shortlist_note"],
            asset=AssetPublic.model_validate(row),
        )
        for row in repository.items(session, shortlist.id)  # type: ignore[arg-type]
    ]
    return SharedList(shortlist, items)


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Deletes every expired shortlist with its items; returns how many lists went."""
    count = repository.delete_expired(session, now or datetime.now(UTC))
    session.commit()
    return count


def share_url(base_url: str, code: str, public_base_url: str, locale: str = DEFAULT_LOCALE) -> str:
    """The page's absolute address: `public_base_url` (PUBLIC_BASE_URL) if set, else `base_url` (where the request came
    in). A list made or printed in Welsh opens in Welsh (`?lang=cy`), whatever the language of the phone that scans it;
    an English one keeps the shortest address (a smaller QR code) and opens in the reader's language."""
    base = public_base_url or base_url
    language = f"?lang={locale}" if locale != DEFAULT_LOCALE else ""
    return f"{base.rstrip('/')}/s/{code}{language}"
