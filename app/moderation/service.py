"""Moderators' side: the queue, amending, approving (through the asset service, so history records it), rejecting,
an asset's history, restoring an earlier version, and confirming that stale places are still running. Moderators
limited to council areas only reach submissions and assets inside those areas."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.accounts.service import Actor
from app.areas.repository import ANY_AREA_FILTER
from app.areas.service import require_area
from app.assets import repository as assets_repository
from app.assets.models import AssetHistory, AssetStatus
from app.assets.schemas import AssetCreate, AssetPublic, AssetUpdate
from app.assets.service import (
    create_asset,
    dismiss_duplicate,
    duplicate_params,
    get_asset,
    merge_assets,
    update_asset,
    verify_asset,
)
from app.core.config import Settings
from app.core.errors import AppError, Conflict, Forbidden, Invalid, NotFound
from app.geo import repository as geo_repository
from app.geo.service import locate_postcode
from app.i18n import gettext as _
from app.moderation import repository
from app.shortlists import repository as shortlists
from app.stories import repository as stories
from app.stories.models import StoryAction
from app.submissions import repository as submissions
from app.submissions.models import Submission, SubmissionKind, SubmissionStatus
from app.submissions.schemas import Changes, NewPlace
from app.submissions.service import edit_proposal, new_place_proposal


def _area_limit(session: Session, actor: Actor, requested: str | None) -> list[str]:
    """The area codes to keep to: the moderator's own, narrowed to `requested`; empty means everywhere."""
    areas = list(actor.areas)
    if requested:
        code = requested.strip().upper()
        if areas and code not in areas:
            raise Forbidden(_("You moderate %(areas)s only, not %(code)s.") % {"areas": ", ".join(areas), "code": code}, "area")
        areas = [require_area(session, code)]
    return areas


def queue(
    session: Session,
    actor: Actor,
    kind: SubmissionKind | None,
    area: str | None,
    status: SubmissionStatus,
    limit: int,
    offset: int,
    settings: Settings,
) -> tuple[int, list[dict[str, Any]]]:
    filters = ["s.status = :status"]
    params: dict[str, Any] = {"status": status.value, **duplicate_params(settings)}
    if kind:
        filters.append("s.kind = :kind")
        params["kind"] = kind.value
    if areas := _area_limit(session, actor, area):
        filters.append(repository.AREA_FILTER)
        params["areas"] = areas
    return repository.queue(session, filters, params, limit, offset)


def visible_submission(session: Session, actor: Actor, submission_id: uuid.UUID, lock: bool = False) -> Submission:
    submission = submissions.get(session, submission_id, lock=lock)
    if submission is None:
        raise NotFound(_("No submission has the id %(id)s.") % {"id": submission_id})
    if actor.areas and not repository.in_areas(session, submission.id, list(actor.areas)):
        raise Forbidden(_("This submission is outside the council areas you moderate."))
    return submission


def detail(session: Session, actor: Actor, submission_id: uuid.UUID, settings: Settings) -> dict[str, Any]:
    """A submission with the asset as it is now (edits, reports) and its likely duplicates (new places)."""
    submission = visible_submission(session, actor, submission_id)
    row = repository.item(session, submission_id, duplicate_params(settings)) or {}
    current = get_asset(session, submission.asset_id, record=True) if submission.asset_id else None
    purged = submission.purged_at is not None
    return {
        **row,
        "submitted": submission.submitted,
        "proposed": submission.proposed,
        "note": submission.note,
        "submitter": None
        if purged or not (submission.submitter_name or submission.submitter_email)
        else {"name": submission.submitter_name, "email": submission.submitter_email, "consent": submission.consent},
        "current": current,
        "duplicates": repository.duplicates(session, submission_id, duplicate_params(settings), list(actor.areas)),
        "amended_by": submission.amended_by,
        "amended_at": submission.amended_at,
        "decided_by": submission.decided_by,
        "decision_note": submission.decision_note,
    }


def postcode_move(session: Session, current: AssetPublic | None, proposed: dict[str, Any]) -> dict[str, Any] | None:
    """Where approving an edit or a correction would move the place (`current`; None for a new place) when its new
    postcode comes without a position: to that postcode's centre, as `AssetUpdate` places it. Shown to the moderator,
    as the comparison shows only the postcode."""
    if current is None or not proposed.get("postcode") or proposed.get("lat") is not None:
        return None
    try:
        place = locate_postcode(session, proposed["postcode"])
    except AppError:
        return None  # approving will say why
    metres = geo_repository.distance_m(session, current.lat, current.lon, place.lat, place.lon)
    return {"postcode": place.postcode, "metres": metres} if metres >= 1 else None


# A point an area rule is checked against: what it is (for the message), lat, lon, and the field that gave it (or None).
AreaPoint = tuple[str, float | None, float | None, str | None]  # lat, lon None: a service without a place


def in_areas(session: Session, areas: tuple[str, ...], lat: float, lon: float) -> bool:
    """Whether a point lies in one of these council areas: the one test of a moderator's areas (decisions here, the
    rows an area moderator imports in app/imports/readers.py)."""
    return repository.point_in_areas(session, lat, lon, list(areas))


def listed_place_in_areas(session: Session, areas: tuple[str, ...], source: str, external_id: str) -> bool | None:
    """Whether the place an import row would update lies in one of these council areas now (None: no such place), so
    that a row cannot move a place from outside into them."""
    return repository.listed_place_in_areas(session, source, external_id, list(areas))


def require_in_areas(session: Session, actor: Actor, points: list[AreaPoint]) -> None:
    """The one area rule of every decision: each point lies in a council area the moderator is limited to (one
    without areas may act anywhere). Every decision calls it before it saves anything."""
    if not actor.areas:
        return
    for what, lat, lon, field in points:
        if lat is None or lon is None:  # a service by phone, online or at home: in no council area by position
            message = _("%(what)s has no place on the map (it is by phone, online or at home): a moderator not limited "
                        "to council areas decides on it.")
            raise Forbidden(message % {"what": what}, field)
        if not in_areas(session, actor.areas, lat, lon):
            message = _("%(what)s lies outside the council areas you moderate (%(areas)s).")
            raise Forbidden(message % {"what": what, "areas": ", ".join(actor.areas)}, field)


def _resulting_point(
    session: Session, current: AssetPublic | None, proposed: dict[str, Any], prefix: str = "proposed."
) -> AreaPoint | None:
    """Where the place would be once `proposed` is applied, as the asset service places it: at its lat/lon, else at its
    postcode's centre; None when it would stay where it is (or, for a new place, when it gives neither)."""
    if proposed.get("lat") is not None and proposed.get("lon") is not None:
        point = (float(proposed["lat"]), float(proposed["lon"]), f"{prefix}lat")
    elif proposed.get("postcode"):
        place = locate_postcode(session, proposed["postcode"], f"{prefix}postcode")
        point = (place.lat, place.lon, f"{prefix}postcode")
    else:
        return None
    if current is not None and (current.lat, current.lon) == point[:2]:
        return None
    return (_("The position this would give the place"), *point)


def require_decision_in_areas(session: Session, actor: Actor, submission: Submission, proposed: dict[str, Any]) -> None:
    """Forbidden unless the place as it is now (for an edit or a report: the asset as it is at this moment, which an
    admin may have moved since the submission was sent) and where `proposed` would put it both lie in the moderator's
    areas. Checked when amending (against the amendment), approving and rejecting."""
    if not actor.areas:
        return
    current = get_asset(session, submission.asset_id, record=True) if submission.asset_id else None
    points: list[AreaPoint] = [(_("The place as it is now"), current.lat, current.lon, None)] if current else []
    if resulting := _resulting_point(session, current, proposed):
        points.append(resulting)
    require_in_areas(session, actor, points)


def _pending(session: Session, actor: Actor, submission_id: uuid.UUID, check_areas: bool = True) -> Submission:
    """The pending submission, locked, once the area rule holds for it and its proposal (`check_areas=False`: the
    caller checks another proposal, an amendment, itself)."""
    submission = visible_submission(session, actor, submission_id, lock=True)
    if submission.status != SubmissionStatus.pending:
        decided = {
            SubmissionStatus.approved: _("Submission %(reference)s has already been approved by %(by)s."),
            SubmissionStatus.rejected: _("Submission %(reference)s has already been rejected by %(by)s."),
        }[SubmissionStatus(submission.status)]
        raise Conflict(decided % {"reference": submission.reference, "by": submission.decided_by})
    if check_areas:
        require_decision_in_areas(session, actor, submission, submission.proposed)
    return submission


_POSITION_FIELDS = ("lat", "lon", "postcode")


def amend(
    session: Session,
    actor: Actor,
    submission_id: uuid.UUID,
    proposal: NewPlace | Changes,
    position_confirmed: bool = False,
    *,
    pin_max_m: int,
) -> Submission:
    """Replaces the proposal (the resident's original stays in `submitted`); nothing is saved if the amended place
    would lie outside the moderator's areas. A pin far from its postcode must be confirmed (the rule residents meet,
    `require_pin_near_postcode`, with the app's PIN_MAX_DISTANCE_M as `pin_max_m`) when the amendment changes the pin or the postcode; keeping those as they are needs no
    new confirmation (the screen already warns about them)."""
    submission = _pending(session, actor, submission_id, check_areas=False)
    amended = proposal.model_dump(mode="json", exclude_unset=True)
    confirmed = position_confirmed or all(amended.get(k) == submission.proposed.get(k) for k in _POSITION_FIELDS)
    if submission.kind == SubmissionKind.new and isinstance(proposal, NewPlace):
        validated = new_place_proposal(session, proposal, "proposed.", confirmed, pin_max_m=pin_max_m)
    elif submission.kind != SubmissionKind.new and isinstance(proposal, Changes):
        # For a report, the changes are the moderator's correction: approving applies them instead of archiving.
        validated = edit_proposal(
            session,
            get_asset(session, submission.asset_id, record=True),
            proposal,
            "proposed.",
            confirmed,
            pin_max_m=pin_max_m,
        )
    else:
        raise Invalid(_("A %(kind)s submission cannot be amended with this proposal.") % {"kind": submission.kind})
    require_decision_in_areas(session, actor, submission, validated.fields)
    if submission.kind == SubmissionKind.new:
        submission.location = validated.location
    submission.proposed = validated.fields
    submission.amended_by = actor.label
    submission.amended_at = datetime.now(UTC)
    session.add(submission)
    session.commit()
    session.refresh(submission)
    return submission


def approve(session: Session, actor: Actor, submission_id: uuid.UUID, note: str | None = None) -> Submission:
    """Publishes a new place, applies an edit, or archives a reported place (unless a moderator corrected it instead:
    a report that says "it has moved" or "some details are wrong" usually calls for a correction); each is marked
    verified now."""
    submission = _pending(session, actor, submission_id)
    now = datetime.now(UTC)
    submission.status = SubmissionStatus.approved
    submission.decided_by = actor.label
    submission.decided_at = now
    submission.decision_note = note
    session.add(submission)
    session.flush()  # committed together with the asset change, while the row lock keeps a second approval out
    verified = {"last_verified_at": now}
    if submission.kind == SubmissionKind.new:
        data = AssetCreate.model_validate({**submission.proposed, **verified, "status": AssetStatus.published})
        asset = create_asset(session, data, actor.label, submission.id)
        submission.asset_id = asset.id
        session.add(submission)
        session.commit()
    elif submission.kind == SubmissionKind.edit or submission.proposed:
        update_asset(
            session,
            submission.asset_id,
            AssetUpdate.model_validate({**submission.proposed, **verified}),
            actor.label,
            submission.id,
        )
    else:
        data = AssetUpdate(status=AssetStatus.archived, **verified)
        update_asset(session, submission.asset_id, data, actor.label, submission.id, action="archive")
    session.refresh(submission)
    return submission


def reject(session: Session, actor: Actor, submission_id: uuid.UUID, note: str) -> Submission:
    submission = _pending(session, actor, submission_id)
    submission.status = SubmissionStatus.rejected
    submission.decided_by = actor.label
    submission.decided_at = datetime.now(UTC)
    submission.decision_note = note
    session.add(submission)
    session.commit()
    session.refresh(submission)
    return submission


def history(session: Session, actor: Actor, asset_id: uuid.UUID) -> list[AssetHistory]:
    """Every recorded change to the asset, oldest first; Forbidden outside the moderator's council areas."""
    visible_asset(session, actor, asset_id)
    return assets_repository.history(session, asset_id)


def visible_asset(session: Session, actor: Actor, asset_id: uuid.UUID) -> AssetPublic:
    """The asset in any status; Forbidden if it lies outside the council areas the moderator is limited to."""
    current = get_asset(session, asset_id, record=True)
    require_in_areas(session, actor, [(_("This place"), current.lat, current.lon, None)])
    return current


def restore(session: Session, actor: Actor, asset_id: uuid.UUID, entry_id: int) -> AssetPublic:
    """Makes the asset as it was after history entry `entry_id` (recorded as a "restore")."""
    entry = session.get(AssetHistory, entry_id)
    if entry is None or entry.asset_id != asset_id:
        raise NotFound(_("Asset %(id)s has no history entry %(entry)s.") % {"id": asset_id, "entry": entry_id})
    current = visible_asset(session, actor, asset_id)
    if current.merged_into is not None and entry.snapshot.get("status") != AssetStatus.archived:
        message = _("This place was merged into %(kept)s, which now holds its identifiers: restoring it would list the "
                    "place twice. Correct the place it was merged into instead.")
        raise Conflict(message % {"kept": current.merged_into}, "entry_id")
    if restored := _resulting_point(session, current, entry.snapshot, ""):
        require_in_areas(session, actor, [(_("The version you are restoring"), *restored[1:3], None)])
    fields = {k: v for k, v in entry.snapshot.items() if k in AssetUpdate.model_fields}  # not merged_into: a merge stands
    return update_asset(session, asset_id, AssetUpdate.model_validate(fields), actor.label, action="restore")


def archive(session: Session, actor: Actor, asset_id: uuid.UUID) -> AssetPublic:
    """The moderator takes a place that has closed off the map (recorded as an "archive"; "restore" undoes it)."""
    visible_asset(session, actor, asset_id)
    return update_asset(session, asset_id, AssetUpdate(status=AssetStatus.archived), actor.label, action="archive")


def stale_places(
    session: Session, actor: Actor, area: str | None, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Published places not verified for over `stale_after_days`, least recently verified first, in the actor's areas."""
    filters: list[str] = []
    params: dict[str, Any] = {}
    if areas := _area_limit(session, actor, area):
        filters.append(ANY_AREA_FILTER)
        params["areas"] = areas
    return assets_repository.list_stale(session, filters, params, limit, offset)


def verify(session: Session, actor: Actor, asset_id: uuid.UUID) -> AssetPublic:
    """The moderator confirms the place is still running as listed (recorded as a "verify")."""
    visible_asset(session, actor, asset_id)
    return verify_asset(session, asset_id, actor.label)


def duplicate_pairs(
    session: Session, actor: Actor, area: str | None, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Likely duplicates imports flagged across sources, for the moderator's areas (both places inside them)."""
    return repository.duplicate_pairs(session, _area_limit(session, actor, area), limit, offset)


def merge(session: Session, actor: Actor, keep_id: uuid.UUID, merge_id: uuid.UUID) -> AssetPublic:
    """Merges one place listed twice into the other (assets.service.merge_assets); both must lie in the moderator's
    areas. Pending submissions, the stories and the shortlist entries of the place merged away go with it to the place
    kept, in the same transaction (each moved story's history says so)."""
    keep, other = get_asset(session, keep_id, record=True), get_asset(session, merge_id, record=True)
    require_in_areas(
        session, actor, [(_("The place to keep"), keep.lat, keep.lon, "keep"), (_("The place to merge"), other.lat, other.lon, "merge")]
    )
    submissions.move_pending(session, merge_id, keep_id)
    shortlists.move(session, merge_id, keep_id)
    for story_id in stories.move(session, merge_id, keep_id):
        stories.record(session, story_id, actor.label, StoryAction.move, {"from": str(merge_id), "to": str(keep_id)})
    return merge_assets(session, keep_id, merge_id, actor.label)


def not_duplicates(session: Session, actor: Actor, first_id: uuid.UUID, second_id: uuid.UUID) -> None:
    """The moderator says the two are different places: they leave the list and are not flagged again."""
    for asset_id in (first_id, second_id):
        visible_asset(session, actor, asset_id)
    dismiss_duplicate(session, first_id, second_id, actor.label)


def purge_private_details(session: Session, retention_days: int) -> int:
    """Deletes submitters' names, emails and notes from submissions decided more than `retention_days` ago."""
    return repository.purge_private(session, datetime.now(UTC) - timedelta(days=retention_days))
