"""Claims: a group claims its place with an e-mail address and a note, confirms the address from a single-use link,
a moderator approves or rejects it, and the claimant then keeps the listing: edits go live at once and are recorded
in the place's history with the claimant as actor; "still running" verifies it. Claimants sign in only with
single-use links e-mailed to them, and reach only the places they hold an approved claim to."""

import calendar
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts import repository as accounts
from app.accounts.keys import hash_key
from app.accounts.models import Role, UserAccount
from app.accounts.passwords import hash_password
from app.accounts.service import Actor, normalise_email
from app.assets.language import place_text
from app.assets.schemas import AssetPublic, AssetUpdate
from app.assets.service import get_asset, update_asset, verify_asset
from app.claims import emails, repository
from app.claims.models import Claim, ClaimStatus, EmailToken, TokenPurpose
from app.core.config import Settings
from app.core.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from app.core.text import plain_text
from app.i18n import current_locale, use_locale
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.mail.backends import Mailer, Message
from app.moderation.service import visible_asset
from app.submissions.service import published_asset
from app.web import ratelimit

MAIL_SENT = _l("You have asked for a lot of e-mails recently.")
NOTE_MAX = 2000


def _place_name(asset: AssetPublic) -> str:
    return place_text(asset, "name").text


def _new_token(session: Session, purpose: TokenPurpose, email: str, lifetime: timedelta, claim_id: uuid.UUID | None = None) -> str:
    """A single-use link's token (256 bits); only its SHA-256 hash is stored."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    repository.save(session, EmailToken(
        token_hash=hash_key(token), purpose=purpose, email=email, claim_id=claim_id, created_at=now, expires_at=now + lifetime
    ))
    return token


def _use_token(session: Session, token: str, purpose: TokenPurpose) -> EmailToken:
    """The link's row, marked used: NotFound for an unknown token or one made for another purpose, Gone (410) for one
    that was used or has expired."""
    row = repository.find_token(session, hash_key(token[:100])) if token else None
    if row is None or row.purpose != purpose:
        raise NotFound(_("This link is not valid. Check that you copied the whole link from the e-mail."))
    now = datetime.now(UTC)
    if row.used_at is not None:
        raise Gone(_("This link has already been used: each link works once."))
    if row.expires_at <= now:
        raise Gone(_("This link has expired. Ask for a new one."))
    row.used_at = now
    session.add(row)
    return row


def _limit(session: Session, client: str, settings: Settings) -> None:
    ratelimit.consume(
        session, ratelimit.client_bucket("mail", client), settings.mail_rate_limit, settings.mail_rate_window_s, MAIL_SENT
    )
    session.commit()


def claim_place(
    session: Session, asset_id: uuid.UUID, email: str, note: str | None, client: str, settings: Settings,
    mailer: Mailer, base_url: str,
) -> Claim:
    """Records an unconfirmed claim and e-mails its confirmation link. NotFound for a place not on the map, Invalid
    for a bad address or markup in the note, Conflict when the place is already claimed or its claim is waiting for
    a moderator, RateLimited past MAIL_RATE_LIMIT."""
    asset = published_asset(session, asset_id)
    address = normalise_email(email)
    try:
        note = plain_text(note)
    except ValueError as exc:
        raise Invalid(_("The note %(message)s") % {"message": exc}, "note") from None
    if note and len(note) > NOTE_MAX:
        raise Invalid(_("The note must be at most %(num)s characters long.") % {"num": NOTE_MAX}, "note")
    _require_unclaimed(session, asset)
    _limit(session, client, settings)
    claim = Claim(asset_id=asset.id, email=address, note=note or None, language=current_locale())
    repository.save(session, claim)
    token = _new_token(session, TokenPurpose.confirm_claim, address, timedelta(hours=settings.claim_confirm_hours), claim.id)
    session.commit()
    mailer.send(emails.confirm_claim(address, _place_name(asset), f"{base_url}/claims/confirm/{token}", settings.claim_confirm_hours))
    return claim


def _require_unclaimed(session: Session, asset: AssetPublic) -> None:
    held = repository.holding_claim(session, asset.id)
    if held is not None:
        message = (
            _("%(name)s has already been claimed by its group.") if held.status == ClaimStatus.approved
            else _("Someone has already claimed %(name)s; a moderator is checking that claim.")
        )
        raise Conflict(message % {"name": _place_name(asset)}, "asset_id")


def confirm_claim(session: Session, token: str) -> Claim:
    """The claimant opened their link: the claim goes to the moderators (pending)."""
    row = _use_token(session, token, TokenPurpose.confirm_claim)
    claim = repository.get(session, row.claim_id, lock=True) if row.claim_id else None
    if claim is None or claim.status != ClaimStatus.unconfirmed:
        raise Gone(_("This link has already been used: each link works once."))
    _require_unclaimed(session, get_asset(session, claim.asset_id, record=True))
    claim.status, claim.confirmed_at = ClaimStatus.pending, datetime.now(UTC)
    session.add(claim)
    try:
        session.commit()
    except IntegrityError:  # another claim to the place was confirmed at the same moment
        session.rollback()
        raise Conflict(_("Someone has already claimed this place; a moderator is checking that claim.")) from None
    return claim


def queue(
    session: Session, actor: Actor, status: ClaimStatus, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Claims with this status (the moderators' list), in the moderator's council areas."""
    return repository.queue(session, status, list(actor.areas), limit, offset)


def _visible_claim(session: Session, actor: Actor, claim_id: uuid.UUID) -> Claim:
    claim = repository.get(session, claim_id, lock=True)
    if claim is None:
        raise NotFound(_("No claim has the id %(id)s.") % {"id": claim_id})
    visible_asset(session, actor, claim.asset_id)  # Forbidden outside the moderator's areas
    return claim


def decide(
    session: Session, actor: Actor, claim_id: uuid.UUID, approve: bool, note: str | None, settings: Settings,
    mailer: Mailer, base_url: str,
) -> Claim:
    """Approves a pending claim (its address becomes a claimant's account, if it is not one yet) or rejects it, and
    tells the claimant by e-mail in the language they claimed in. Conflict when it is not pending."""
    claim = _visible_claim(session, actor, claim_id)
    if claim.status != ClaimStatus.pending:
        raise Conflict(_("This claim is not waiting for a decision (it is %(status)s).") % {"status": claim.status})
    if not approve and not (note or "").strip():
        raise Invalid(_("Give a reason the claimant can read."), "note")
    if approve:
        _claimant_account(session, claim.email)
    claim.status = ClaimStatus.approved if approve else ClaimStatus.rejected
    claim.decided_by, claim.decided_at, claim.decision_note = actor.label, datetime.now(UTC), (note or "").strip()[:2000] or None
    session.add(claim)
    session.commit()
    with use_locale(claim.language):
        asset = get_asset(session, claim.asset_id, record=True)
        mailer.send(emails.claim_decided(claim.email, _place_name(asset), approve, f"{base_url}/claimant", claim.decision_note))
    return claim


def _claimant_account(session: Session, email: str) -> UserAccount:
    """The claimant's account: made on their first approved claim, with no password anyone knows (a random one's
    hash), so it signs in only with e-mailed links. An address that is a staff account cannot become a claimant."""
    user = accounts.find_user(session, email)
    if user is None:
        user = UserAccount(email=email, password_hash=hash_password(secrets.token_urlsafe(32)), role=Role.claimant)
        session.add(user)
        session.flush()
    elif user.role != Role.claimant:
        raise Conflict(_("%(email)s is a staff account; a claim needs a group's own address.") % {"email": email}, "email")
    return user


def request_sign_in(session: Session, email: str, client: str, settings: Settings, mailer: Mailer, base_url: str) -> None:
    """E-mails a sign-in link if the address holds an approved claim; says nothing either way, so the answer cannot
    tell whether an address has claimed anything."""
    address = normalise_email(email)
    _limit(session, client, settings)
    user = accounts.find_user(session, address)
    if user is None or user.role != Role.claimant or user.disabled or not repository.approved_for(session, address):
        return
    mailer.send(_sign_in_message(session, address, settings, base_url))


def _sign_in_message(
    session: Session, address: str, settings: Settings, base_url: str, places: list[str] | None = None
) -> Message:
    """A new sign-in link for `address`, in a sign-in message, or in a reminder naming `places`."""
    minutes = settings.sign_in_link_minutes
    token = _new_token(session, TokenPurpose.sign_in, address, timedelta(minutes=minutes))
    session.commit()
    link = f"{base_url}/claimant/sign-in/{token}"
    return emails.reminder(address, places, link, minutes) if places else emails.sign_in_link(address, link, minutes)


def sign_in_with_link(session: Session, token: str) -> UserAccount:
    """The claimant a sign-in link belongs to (the link is used up)."""
    row = _use_token(session, token, TokenPurpose.sign_in)
    user = accounts.find_user(session, row.email)
    if user is None or user.disabled or user.role != Role.claimant:
        raise Forbidden(_("This address no longer keeps any place."))
    user.last_login_at = datetime.now(UTC)
    session.add(user)
    session.commit()
    return user


def _claimant_email(session: Session, actor: Actor) -> str | None:
    user = session.get(UserAccount, actor.user_id) if actor.role == Role.claimant and actor.user_id else None
    return user.email if user else None


def claimed_places(session: Session, actor: Actor) -> list[AssetPublic]:
    return [get_asset(session, c.asset_id, record=True) for c in repository.approved_for(session, _claimant_email(session, actor) or "")]


def claimed_place(session: Session, actor: Actor, asset_id: uuid.UUID) -> AssetPublic:
    """A place the claimant holds an approved claim to: NotFound if there is no such place, Forbidden if it is not
    theirs."""
    asset = get_asset(session, asset_id, record=True)
    email = _claimant_email(session, actor)
    if email is None or not repository.approved_for(session, email, asset_id):
        raise Forbidden(_("You can only change the places your group has claimed."))
    return asset


def edit_place(session: Session, actor: Actor, asset_id: uuid.UUID, changes: AssetUpdate) -> AssetPublic:
    """The claimant's change goes live at once, recorded in the history with the claimant as actor. A claimant cannot
    archive or republish a place, nor change what only moderators and imports set."""
    asset = claimed_place(session, actor, asset_id)
    if asset.status == "archived":
        raise Conflict(_("%(name)s is archived: ask a moderator to restore it.") % {"name": _place_name(asset)})
    locked = changes.model_fields_set & {"status", "source", "external_id", "last_verified_at", "tags"}
    if locked:
        field = sorted(locked)[0]
        raise Forbidden(_("Only moderators can change %(field)s.") % {"field": field}, field)
    return update_asset(session, asset_id, changes, actor.label)


def still_running(session: Session, actor: Actor, asset_id: uuid.UUID) -> AssetPublic:
    claimed_place(session, actor, asset_id)
    return verify_asset(session, asset_id, actor.label)


def remind(session: Session, settings: Settings, mailer: Mailer, base_url: str, now: datetime | None = None) -> int:
    """E-mails each claimant whose places have not been verified for CLAIM_REMINDER_MONTHS a sign-in link naming them,
    at most once every CLAIM_REMINDER_EVERY_DAYS; returns how many claimants were reminded."""
    now = now or datetime.now(UTC)
    checked_before = _months_before(now, settings.claim_reminder_months)
    due = repository.due_reminders(session, checked_before, now - timedelta(days=settings.claim_reminder_every_days))
    by_email: dict[str, list[dict[str, Any]]] = {}
    for row in due:
        by_email.setdefault(row["email"], []).append(row)
    for address, rows in by_email.items():
        with use_locale(rows[0]["language"]):
            names = [(r["name_cy"] or r["name"]) if rows[0]["language"] == "cy" else r["name"] for r in rows]
            repository.mark_reminded(session, [r["id"] for r in rows], now)
            mailer.send(_sign_in_message(session, address, settings, base_url, names))
    session.commit()
    return len(by_email)


def _months_before(moment: datetime, months: int) -> datetime:
    """The same day `months` earlier (the month's last day where it is shorter)."""
    year, month = divmod(moment.month - 1 - months, 12)
    year, month = moment.year + year, month + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def purge(session: Session, retention_days: int) -> int:
    """Deletes claims that hold no place (never confirmed, rejected, withdrawn) after CLAIM_RETENTION_DAYS, with their
    e-mail address and note, and every used or expired link."""
    now = datetime.now(UTC)
    count = repository.purge(session, now - timedelta(days=retention_days), now)
    session.commit()
    return count
