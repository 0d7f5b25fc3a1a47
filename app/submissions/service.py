"""Residents' side of submissions: validating a proposal, accepting it (within the rate limit), and its status."""

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.areas.service import require_service_areas
from app.assets import repository as assets_repository
from app.assets.models import Delivery
from app.assets.schemas import AssetCreate, AssetPublic, AssetUpdate
from app.assets.service import get_asset, require_reach
from app.categories.service import get_taxonomy
from app.core.config import Settings
from app.core.errors import AppError, Invalid, NotFound
from app.finder.views import distance_text
from app.geo import repository as geo_repository
from app.geo.service import locate_postcode
from app.i18n import gettext as _
from app.submissions import repository
from app.submissions.models import Submission, SubmissionKind
from app.submissions.schemas import EditSubmission, NewSubmission, ReportSubmission, SubmissionStatusOut, Submitter
from app.web import ratelimit

_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U to misread


@dataclass(frozen=True)
class Proposal:
    """Validated fields (JSON-ready) and the point the submission is about, for areas and duplicates."""

    fields: dict[str, Any]
    lat: float | None  # None: about a service by phone, online or at home, which has no position (migration 0021)
    lon: float | None

    @property
    def location(self) -> str | None:
        return None if self.lat is None else f"SRID=4326;POINT({self.lon} {self.lat})"


@dataclass(frozen=True)
class PinDistance:
    """A pin (lat, lon) and the centre of the postcode it is checked against, how far apart they are, and the limit
    beyond which the position must be confirmed (`PIN_MAX_DISTANCE_M`)."""

    lat: float
    lon: float
    postcode: str  # display form: "LE15 6RE", or an outcode such as "LE15"
    precision: str  # "postcode" or "outcode"
    centre_lat: float
    centre_lon: float
    metres: float
    limit_m: int

    @property
    def far(self) -> bool:
        return self.metres > self.limit_m

    @property
    def centre_name(self) -> str:
        if self.precision == "postcode":
            return _("the centre of %(postcode)s") % {"postcode": self.postcode}
        return _("the middle of the %(postcode)s area") % {"postcode": self.postcode}

    @property
    def from_centre(self) -> str:
        """"from the centre of …" as one phrase: in Welsh "from" changes the word after it (o ganol)."""
        if self.precision == "postcode":
            return _("from the centre of %(postcode)s") % {"postcode": self.postcode}
        return _("from the middle of the %(postcode)s area") % {"postcode": self.postcode}

    @property
    def distance(self) -> str:
        return distance_text(self.metres)

    @property
    def limit(self) -> str:
        return distance_text(self.limit_m)


class PinFarFromPostcode(Invalid):
    """422: a pin further than `PIN_MAX_DISTANCE_M` from its postcode's centre, not confirmed. The message names the
    distance; `pin` lets a form show it and ask for the confirmation in its own words."""

    def __init__(self, pin: PinDistance, field: str = "position_confirmed"):
        super().__init__(
            _(
                "The position (lat/lon) is %(distance)s %(from_centre)s, more than the %(limit)s allowed without "
                "confirmation. Check the position and the postcode; if the place really is there, send "
                "position_confirmed: true."
            ) % {"distance": pin.distance, "from_centre": pin.from_centre, "limit": pin.limit},
            field,
        )
        self.pin = pin

    @property
    def form_message(self) -> str:
        return _(
            "The pin is %(distance)s %(from_centre)s. Move the pin, correct the postcode, or tick ‘Yes, the place is "
            "really here’."
        ) % {"distance": self.pin.distance, "from_centre": self.pin.from_centre}


def pin_distance(
    session: Session, fields: dict[str, Any], current: AssetPublic | None = None, *, limit_m: int
) -> PinDistance | None:
    """The pin a proposal (`fields`: a new place, or changes to `current`) gives and how far it is from its postcode's
    centre (`limit_m`: the app's PIN_MAX_DISTANCE_M): the postcode it gives, else the place's current one. None when it gives no pin, there is no postcode, or
    the postcode is unknown (nothing to compare with)."""
    lat, lon = fields.get("lat"), fields.get("lon")
    postcode = fields.get("postcode") if "postcode" in fields else (current.postcode if current else None)
    if lat is None or lon is None or not postcode:
        return None
    try:
        place = locate_postcode(session, postcode)
    except AppError:
        return None
    metres = geo_repository.distance_m(session, float(lat), float(lon), place.lat, place.lon)
    return PinDistance(
        lat=float(lat),
        lon=float(lon),
        postcode=place.postcode,
        precision=place.precision,
        centre_lat=place.lat,
        centre_lon=place.lon,
        metres=metres,
        limit_m=limit_m,
    )


def require_pin_near_postcode(
    session: Session, fields: dict[str, Any], current: AssetPublic | None, confirmed: bool, limit_m: int
) -> PinDistance | None:
    """The one rule for a position given with a postcode, by a resident (form or API) or a moderator's amendment: a
    pin further than `PIN_MAX_DISTANCE_M` from the postcode's centre is refused (PinFarFromPostcode, 422) unless the
    sender confirms the position."""
    pin = pin_distance(session, fields, current, limit_m=limit_m)
    if pin is not None and pin.far and not confirmed:
        raise PinFarFromPostcode(pin)
    return pin


def new_place_proposal(
    session: Session, place: AssetCreate, prefix: str = "place.", position_confirmed: bool = False, *, pin_max_m: int
) -> Proposal:
    """Checks what the schema cannot: known categories, a known postcode, and a pin near its postcode (or confirmed)."""
    get_taxonomy(session).require(place.categories, f"{prefix}categories")
    fields = place.model_dump(mode="json", exclude_unset=True)
    if place.service_areas:
        fields["service_areas"] = require_service_areas(session, place.service_areas, f"{prefix}service_areas")
    require_reach(place.delivery, place.service_areas, f"{prefix}service_areas")
    if place.delivery != Delivery.location:
        # By phone, online or at home: about no point, whatever postcode it gives (the asset will have none, and
        # only a moderator not limited to council areas decides on it)
        return Proposal(fields, None, None)
    if place.lat is not None and place.lon is not None:
        lat, lon = place.lat, place.lon
        require_pin_near_postcode(session, fields, None, position_confirmed, pin_max_m)
    else:
        found = locate_postcode(session, place.postcode or "", f"{prefix}postcode")
        lat, lon = found.lat, found.lon
    return Proposal(fields, lat, lon)


def edit_proposal(
    session: Session,
    asset: AssetPublic,
    changes: AssetUpdate,
    prefix: str = "changes.",
    position_confirmed: bool = False,
    *,
    pin_max_m: int,
) -> Proposal:
    """Checks the changes against the asset as it is (a change to one age can clash with the other, kept, one; a new
    pin is checked against the new postcode, or the place's own)."""
    ages = {name: getattr(changes if name in changes.model_fields_set else asset, name) for name in ("min_age", "max_age")}
    if None not in ages.values() and ages["min_age"] > ages["max_age"]:
        raise Invalid(
            _("The maximum age (%(max_age)s) must not be less than the minimum age (%(min_age)s).") % ages,
            f"{prefix}max_age",
        )
    if changes.categories:
        get_taxonomy(session).require(changes.categories, f"{prefix}categories")
    found = None
    if changes.postcode and changes.lat is None:
        found = locate_postcode(session, changes.postcode, f"{prefix}postcode")
    fields = changes.model_dump(mode="json", exclude_unset=True)
    require_pin_near_postcode(session, fields, asset, position_confirmed, pin_max_m)
    given = changes.model_fields_set
    if "service_areas" in given and changes.service_areas:
        fields["service_areas"] = require_service_areas(session, changes.service_areas, f"{prefix}service_areas")
    delivery = (changes.delivery if "delivery" in given else None) or asset.delivery
    require_reach(delivery, fields["service_areas"] if "service_areas" in given else asset.service_areas,
                  f"{prefix}service_areas")
    if delivery != Delivery.location:
        return Proposal(fields, None, None)
    if asset.lat is None:  # a service moving to a place: placed by the pin or postcode given, or the one it kept
        if changes.lat is not None and changes.lon is not None:
            return Proposal(fields, changes.lat, changes.lon)
        if found is None and asset.postcode and "postcode" not in given:
            fields["postcode"] = asset.postcode
            found = locate_postcode(session, asset.postcode, f"{prefix}postcode")
        if found is None:
            raise Invalid(_("A place people go to needs a position: give its postcode, or drop a pin on the map."),
                          f"{prefix}postcode")
        return Proposal(fields, found.lat, found.lon)
    return Proposal(fields, asset.lat, asset.lon)


def published_asset(session: Session, asset_id: uuid.UUID) -> AssetPublic:
    try:
        return get_asset(session, asset_id)
    except NotFound:
        raise NotFound(_("No place on the map has the id %(id)s.") % {"id": asset_id}, "asset_id") from None


def submit(
    session: Session, data: NewSubmission | EditSubmission | ReportSubmission, client_address: str, settings: Settings
) -> Submission:
    """Stores a valid submission for moderation. Raises Invalid/NotFound for bad content, RateLimited when over the limit
    (the app's `settings`: the pin's limit and the submission rate limit)."""
    asset_id: uuid.UUID | None = None
    if isinstance(data, NewSubmission):
        proposal = new_place_proposal(
            session, data.place, position_confirmed=data.position_confirmed, pin_max_m=settings.pin_max_distance_m
        )
    else:
        asset = published_asset(session, data.asset_id)
        asset_id = asset.id
        if isinstance(data, EditSubmission):
            proposal = edit_proposal(
                session, asset, data.changes, position_confirmed=data.position_confirmed,
                pin_max_m=settings.pin_max_distance_m,
            )
        else:
            proposal = Proposal({}, asset.lat, asset.lon)
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
            _("No submission has the reference %(reference)s. Check it against the one you were given.")
            % {"reference": repr(reference.strip()[:20])}
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
