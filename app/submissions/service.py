"""Residents' side of submissions: validating a proposal, accepting it (within the rate limit), and its status."""

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.assets import repository as assets_repository
from app.assets.schemas import AssetCreate, AssetPublic, AssetUpdate
from app.assets.service import get_asset
from app.categories.service import get_taxonomy
from app.core.config import get_settings
from app.core.errors import Invalid, NotFound
from app.geo.service import locate_postcode
from app.submissions import ratelimit, repository
from app.submissions.models import Submission, SubmissionKind
from app.submissions.schemas import (
    EditSubmission,
    NewSubmission,
    ReportSubmission,
    SubmissionStatusOut,
    Submitter,
)

_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U to misread


@dataclass(frozen=True)
class Proposal:
    """Validated fields (JSON-ready) and the point the submission is about, for areas and duplicates."""

    fields: dict[str, Any]
    lat: float
    lon: float

    @property
    def location(self) -> str:
        return f"SRID=4326;POINT({self.lon} {self.lat})"


def new_place_proposal(session: Session, place: AssetCreate, prefix: str = "place.") -> Proposal:
    """Checks what the schema cannot: known categories and a known postcode."""
    get_taxonomy(session).require(place.categories, f"{prefix}categories")
    if place.lat is not None and place.lon is not None:
        lat, lon = place.lat, place.lon
    else:
        found = locate_postcode(session, place.postcode or "", f"{prefix}postcode")
        lat, lon = found.lat, found.lon
    return Proposal(place.model_dump(mode="json", exclude_unset=True), lat, lon)


def edit_proposal(session: Session, asset: AssetPublic, changes: AssetUpdate, prefix: str = "changes.") -> Proposal:
    """Checks the changes against the asset as it is (a change to one age can clash with the other, kept, one)."""
    ages = {name: getattr(changes if name in changes.model_fields_set else asset, name) for name in ("min_age", "max_age")}
    if None not in ages.values() and ages["min_age"] > ages["max_age"]:
        raise Invalid(
            f"The maximum age ({ages['max_age']}) must not be less than the minimum age ({ages['min_age']}).",
            f"{prefix}max_age",
        )
    if changes.categories:
        get_taxonomy(session).require(changes.categories, f"{prefix}categories")
    if changes.postcode and changes.lat is None:
        locate_postcode(session, changes.postcode, f"{prefix}postcode")
    return Proposal(changes.model_dump(mode="json", exclude_unset=True), asset.lat, asset.lon)


def published_asset(session: Session, asset_id: uuid.UUID) -> AssetPublic:
    try:
        return get_asset(session, asset_id)
    except NotFound:
        raise NotFound(f"No place on the map has the id {asset_id}.", "asset_id") from None


def submit(
    session: Session, data: NewSubmission | EditSubmission | ReportSubmission, client_address: str
) -> Submission:
    """Stores a valid submission for moderation. Raises Invalid/NotFound for bad content, RateLimited when over the limit."""
    asset_id: uuid.UUID | None = None
    if isinstance(data, NewSubmission):
        proposal = new_place_proposal(session, data.place)
    else:
        asset = published_asset(session, data.asset_id)
        asset_id = asset.id
        if isinstance(data, EditSubmission):
            proposal = edit_proposal(session, asset, data.changes)
        else:
            proposal = Proposal({}, asset.lat, asset.lon)
    settings = get_settings()
    ratelimit.consume(
        session,
        ratelimit.client_bucket("submit", client_address),
        settings.submission_rate_limit,
        settings.submission_rate_window_s,
    )
    submitter = data.submitter or Submitter()
    submission = Submission(
        reference=_new_reference(session),
        kind=data.kind,
        asset_id=asset_id,
        submitted=proposal.fields,
        proposed=proposal.fields,
        reason=data.reason if isinstance(data, ReportSubmission) else None,
        note=data.note or None,
        location=proposal.location,
        submitter_name=submitter.name or None,
        submitter_email=submitter.email or None,
        consent=submitter.consent and bool(submitter.name or submitter.email),
    )
    repository.add(session, submission)
    session.commit()
    session.refresh(submission)
    return submission


def get_status(session: Session, reference: str) -> SubmissionStatusOut:
    submission = repository.find_by_reference(session, reference.strip().upper())
    if submission is None:
        raise NotFound(
            f"No submission has the reference {reference.strip()[:20]!r}. Check it against the one you were given."
        )
    return SubmissionStatusOut(
        reference=submission.reference,
        kind=SubmissionKind(submission.kind),
        status=submission.status,
        place_name=place_name(session, submission),
        submitted_at=submission.created_at,
        decided_at=submission.decided_at,
        decision_note=submission.decision_note,
        asset_id=submission.asset_id,
    )


def place_name(session: Session, submission: Submission) -> str | None:
    if submission.proposed.get("name"):
        return submission.proposed["name"]
    row = assets_repository.get_public(session, submission.asset_id) if submission.asset_id else None
    return row["name"] if row else None


def _new_reference(session: Session) -> str:
    while True:
        reference = "AM-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
        if repository.find_by_reference(session, reference) is None:
            return reference
