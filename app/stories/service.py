"""Stories: a resident sends one (within the submissions' rate limit), a moderator approves, edits, rejects or keeps
it after reports, a reader reports it, and its author removes it with the reference they were given. Every step is
recorded in `story_history`.

A reported story stays published until a moderator decides: it was approved once already, and one anonymous report
must not be a way to take down other people's stories. Reported stories head the moderators' queue instead.
"""

import re
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from app.accounts.keys import hash_key
from app.accounts.service import Actor
from app.areas.repository import ANY_AREA_FILTER
from app.assets.service import get_asset
from app.core.config import Settings
from app.core.errors import Conflict, Gone, Invalid, NotFound
from app.i18n import current_locale
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.moderation.service import visible_asset
from app.stories import repository
from app.stories.models import STATUS_NAMES, Story, StoryAction, StoryHistory, StoryStatus
from app.stories.schemas import ReportReason, StoryEdit, StoryIn, StoryPublic
from app.web import ratelimit

# Who did it, in the history, when it was not a moderator: nobody else is named.
AUTHOR = "author"
READER = "reader"

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U to misread
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})  # what people type for 0 and 1
_REFERENCE = re.compile(r"^(?:ST)?([0-9A-HJKMNP-TV-Z]{12})$")
STORIES = _l("You have sent a lot of stories recently.")
REPORTS = _l("You have reported a lot of stories recently.")
REMOVALS = _l("You have tried a lot of references recently.")


def new_reference() -> str:
    """ST- and 12 characters (60 bits) in groups of four: easy to copy by hand, too many to guess (removal attempts are
    rate-limited too)."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"ST-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def reference_hash(typed: str) -> str | None:
    """The hash of the reference as typed (any case, spaces or hyphens; O for 0, I or L for 1); None if it cannot be
    one."""
    compact = re.sub(r"[\s\-‐–—]", "", typed.upper()).translate(_READ_AS)
    found = _REFERENCE.match(compact)
    if not found:
        return None
    chars = found[1]
    return hash_key(f"ST-{chars[:4]}-{chars[4:8]}-{chars[8:]}")


def submit(
    session: Session, asset_id: uuid.UUID, data: StoryIn, client_address: str, settings: Settings
) -> tuple[Story, str]:
    """Stores a story for moderation; returns it with the reference to show its author (once: only its hash is kept).
    NotFound for a place that is not published; RateLimited beyond the submissions' limit."""
    get_asset(session, asset_id)
    ratelimit.consume(
        session, ratelimit.client_bucket("story", client_address), settings.submission_rate_limit,
        settings.submission_rate_window_s, STORIES,
    )
    reference = new_reference()
    story = Story(
        asset_id=asset_id,
        text=data.text,
        signature=data.signature,
        language=data.language or current_locale(),
        consent=data.consent,
        reference_hash=hash_key(reference),
    )
    repository.add(session, story)
    session.flush()
    repository.record(session, story.id, AUTHOR, StoryAction.submit)
    session.commit()
    session.refresh(story)
    return story, reference


def published(session: Session, asset_id: uuid.UUID, limit: int, offset: int) -> tuple[int, list[StoryPublic]]:
    """A published place's published stories, newest first; NotFound for a place that is not published."""
    get_asset(session, asset_id)
    total, rows = repository.published_page(session, asset_id, limit, offset)
    return total, [StoryPublic.model_validate(r) for r in rows]


def published_for(session: Session, asset_ids: list[uuid.UUID], per_place: int) -> dict[uuid.UUID, tuple[int, list[StoryPublic]]]:
    """For a list of places (the finder's results, a shortlist): each one's total and newest `per_place` stories."""
    found: dict[uuid.UUID, tuple[int, list[StoryPublic]]] = {}
    if not asset_ids:  # a finder before its search
        return found
    for row in repository.published_for(session, asset_ids, per_place):
        total, stories = found.setdefault(row["asset_id"], (row["total"], []))
        stories.append(StoryPublic.model_validate(row))
    return found


def published_story(session: Session, story_id: uuid.UUID) -> Story:
    """A published story of a published place, else NotFound."""
    story = repository.get(session, story_id)
    if story is None or story.status != StoryStatus.published:
        raise NotFound(_("No published story has the id %(id)s.") % {"id": story_id})
    get_asset(session, story.asset_id)
    return story


def report(session: Session, story_id: uuid.UUID, reason: ReportReason, client_address: str, settings: Settings) -> Story:
    """Flags a published story for the moderators (it stays published until one decides)."""
    published_story(session, story_id)
    ratelimit.consume(
        session, ratelimit.client_bucket("story-report", client_address), settings.submission_rate_limit,
        settings.submission_rate_window_s, REPORTS,
    )
    story = repository.get(session, story_id, lock=True)
    story.reports += 1
    story.reported_at = datetime.now(UTC)
    session.add(story)
    repository.record(session, story.id, READER, StoryAction.report, {"reason": reason.value})
    session.commit()
    session.refresh(story)
    return story


def remove(session: Session, reference: str, client_address: str, settings: Settings) -> Story:
    """The author takes their story down with its reference: its text and signature are deleted at once. Every
    attempt counts towards the rate limit, so references cannot be guessed by trying."""
    ratelimit.consume(
        session, ratelimit.client_bucket("story-remove", client_address), settings.submission_rate_limit,
        settings.submission_rate_window_s, REMOVALS,
    )
    hashed = reference_hash(reference)
    if hashed is None:
        session.commit()
        raise Invalid(_("This is not a story reference: it looks like ST-7K3F-9Q2X-M4PB."), "reference")
    story = repository.find_by_reference_hash(session, hashed, lock=True)
    if story is None:
        session.commit()
        raise NotFound(_("No story has this reference. Check it against the one you were given."), "reference")
    if story.status == StoryStatus.removed:
        session.commit()
        raise Gone(_("This story has already been removed."), "reference")
    story.status = StoryStatus.removed
    story.text = ""
    story.signature = None
    story.reports = 0
    story.reported_at = None
    session.add(story)
    repository.record(session, story.id, AUTHOR, StoryAction.remove)
    session.commit()
    session.refresh(story)
    return story


# The moderators' side: the stories of places in their council areas (all, for a moderator without areas).


def queue(
    session: Session, actor: Actor, status: StoryStatus | None, reported: bool, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """`reported`: published stories with reports waiting; else stories with `status` (pending by default)."""
    filters = ["s.status = 'published'", "s.reports > 0"] if reported else ["s.status = :status"]
    params: dict[str, Any] = {} if reported else {"status": (status or StoryStatus.pending).value}
    if actor.areas:
        filters.append(ANY_AREA_FILTER)
        params["areas"] = list(actor.areas)
    return repository.queue(session, filters, params, limit, offset)


def visible(session: Session, actor: Actor, story_id: uuid.UUID, lock: bool = False) -> Story:
    """The story, if its place lies in the moderator's areas (Forbidden otherwise)."""
    story = repository.get(session, story_id, lock=lock)
    if story is None:
        raise NotFound(_("No story has the id %(id)s.") % {"id": story_id})
    visible_asset(session, actor, story.asset_id)
    return story


def detail(session: Session, actor: Actor, story_id: uuid.UUID) -> dict[str, Any]:
    visible(session, actor, story_id)
    return {**(repository.item(session, story_id) or {}), "history": history(session, story_id)}


def history(session: Session, story_id: uuid.UUID) -> list[StoryHistory]:
    return repository.history(session, story_id)


def _in_state(session: Session, actor: Actor, story_id: uuid.UUID, *states: StoryStatus) -> Story:
    story = visible(session, actor, story_id, lock=True)
    if story.status not in states:
        raise Conflict(
            _("This story is %(status)s: that cannot be done to it now.") % {"status": str(STATUS_NAMES[story.status]).lower()}
        )
    return story


def edit(session: Session, actor: Actor, story_id: uuid.UUID, data: StoryEdit) -> Story:
    """A moderator's edit of a pending or published story, usually to take out the name of someone else. The history
    records which fields changed and the moderator's note, never the words taken out."""
    story = _in_state(session, actor, story_id, StoryStatus.pending, StoryStatus.published)
    changed = []
    if "text" in data.model_fields_set and data.text is not None and data.text != story.text:
        story.text = data.text
        changed.append("text")
    if "signature" in data.model_fields_set and data.signature != story.signature:
        story.signature = data.signature
        changed.append("signature")
    if not changed:
        raise Invalid(_("Nothing was changed: edit the story or its signature, then save."), "text")
    session.add(story)
    repository.record(session, story.id, actor.label, StoryAction.edit, {"fields": changed, "note": data.note})
    session.commit()
    session.refresh(story)
    return story


def _decide(
    session: Session, actor: Actor, story_id: uuid.UUID, action: StoryAction, note: str | None, *states: StoryStatus
) -> Story:
    story = _in_state(session, actor, story_id, *states)
    if action == StoryAction.approve:
        story.status = StoryStatus.published
        story.published_at = datetime.now(UTC)
    elif action == StoryAction.reject:
        story.status = StoryStatus.rejected
    story.reports = 0
    story.reported_at = None
    session.add(story)
    repository.record(session, story.id, actor.label, action, {"note": note} if note else {})
    session.commit()
    session.refresh(story)
    return story


def approve(session: Session, actor: Actor, story_id: uuid.UUID, note: str | None = None) -> Story:
    return _decide(session, actor, story_id, StoryAction.approve, note, StoryStatus.pending)


def reject(session: Session, actor: Actor, story_id: uuid.UUID, note: str | None = None) -> Story:
    """Refuses a pending story, or takes down a published one (after reports, say)."""
    return _decide(session, actor, story_id, StoryAction.reject, note, StoryStatus.pending, StoryStatus.published)


def dismiss_reports(session: Session, actor: Actor, story_id: uuid.UUID, note: str | None = None) -> Story:
    """The moderator keeps a reported story as it is: its reports are cleared."""
    story = visible(session, actor, story_id)
    if story.status != StoryStatus.published or not story.reports:
        raise Conflict(_("This story has no reports waiting."))
    return _decide(session, actor, story_id, StoryAction.dismiss, note, StoryStatus.published)
