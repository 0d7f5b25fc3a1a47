"""Every change to an asset goes through here, so each one is validated and recorded in its history."""

import uuid
from collections import Counter
from datetime import UTC, datetime, time
from typing import Any, Literal

from pydantic_core import to_json
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.areas.service import require_service_areas
from app.assets import bulk_repository, repository
from app.assets.fields import LIST_FIELDS, WRITABLE, Output, shown_in
from app.assets.models import Asset, AssetHistory, AssetSession, AssetStatus, Delivery, LocationPrecision, Organisation
from app.assets.schemas import AssetCreate, AssetPublic, AssetUpdate
from app.assets.types import WEEKDAYS
from app.categories.service import get_taxonomy
from app.core.config import Settings
from app.core.errors import Conflict, Invalid, NotFound
from app.geo.service import locate_postcode
from app.i18n import gettext as _

# Fields _apply writes itself (the position, a postcode that places it, the organisation, categories, schedule); every
# other field a request may send is a column of its own name.
_OWN_HANDLING = {"lat", "lon", "postcode", "organisation", "categories", "schedule", "service_areas"}
_PLAIN_FIELDS = tuple(f.name for f in WRITABLE if f.name not in _OWN_HANDLING)

# The signed-in roles that see where a place not shown exactly really is (app/accounts/models.Role).
SEE_EXACT_LOCATION = frozenset({"admin", "moderator", "link_worker"})

UpsertOutcome = Literal["created", "updated", "unchanged"]
RetireOutcome = Literal["archived", "kept"]


def public_asset(row: dict[str, Any]) -> AssetPublic:
    return AssetPublic.model_validate(row)


def get_asset(session: Session, asset_id: uuid.UUID, record: bool = False) -> AssetPublic:
    """A published place as the public sees it; with `record`, any place as stored (where it really is, its address):
    for the people who keep it, moderators, its claimant and API writers (docs/privacy.md)."""
    row = repository.get_public(session, asset_id, record=record)
    if row is None or (row["status"] != AssetStatus.published and not record):
        raise NotFound(_("No published asset has the id %(id)s.") % {"id": asset_id})
    return public_asset(row)


def get_asset_for(session: Session, asset_id: uuid.UUID, role: str | None) -> tuple[AssetPublic, bool]:
    """A published place as a signed-in visitor with `role` (None: anyone) may see it, and whether that shows where
    it really is: link workers, moderators and admins see the real position of a place not shown exactly, and its
    address only where the place allows it (docs/privacy.md)."""
    asset = get_asset(session, asset_id)
    if role not in SEE_EXACT_LOCATION or asset.location_precision == LocationPrecision.exact:
        return asset, False
    stored = get_asset(session, asset_id, record=True)
    shown = {"lat": stored.lat, "lon": stored.lon}
    if stored.address_for_link_workers:
        shown |= {"address": stored.address, "postcode": stored.postcode}
    return asset.model_copy(update=shown), True


def create_asset(session: Session, data: AssetCreate, actor: str, submission_id: uuid.UUID | None = None) -> AssetPublic:
    asset = Asset(name=data.name)
    _apply(session, asset, data.model_dump(exclude_unset=False))
    after = _snapshot(session, asset.id)
    _record(session, asset.id, actor, "create", {k: [None, v] for k, v in after.items() if v not in (None, [], "")}, after, submission_id)
    session.commit()
    return get_asset(session, asset.id, record=True)


def update_asset(
    session: Session,
    asset_id: uuid.UUID,
    data: AssetUpdate,
    actor: str,
    submission_id: uuid.UUID | None = None,
    action: str = "update",
) -> AssetPublic:
    asset = _require_row(session, asset_id)
    _change(session, asset, data.model_dump(exclude_unset=True), actor, action, submission_id)
    session.commit()
    return get_asset(session, asset_id, record=True)


def archive_asset(session: Session, asset_id: uuid.UUID, actor: str, submission_id: uuid.UUID | None = None) -> AssetPublic:
    return update_asset(session, asset_id, AssetUpdate(status=AssetStatus.archived), actor, submission_id, action="archive")


def verify_asset(session: Session, asset_id: uuid.UUID, actor: str) -> AssetPublic:
    """Confirms the listing is still right as of now: a "verify" entry in its history. An archived place is closed,
    not checked: Conflict (restore it first, from its history)."""
    asset = repository.get_row(session, asset_id)
    if asset is not None and asset.status == AssetStatus.archived:
        raise Conflict(
            _("%(name)s is archived: restore it from its history before confirming it is still running.") % {"name": asset.name}
        )
    return update_asset(session, asset_id, AssetUpdate(last_verified_at=datetime.now(UTC)), actor, action="verify")


def upsert_by_source(
    session: Session, data: AssetCreate, actor: str, new_status: AssetStatus | None = None
) -> UpsertOutcome:
    """Create or update the asset with this (source, external_id); commits nothing, so a caller can batch.

    `new_status` is given to a new asset whose data sets no status; an update leaves the status as it is unless the
    data sets one (so a re-import does not republish a place a moderator archived).

    An import is not a verification: `last_verified_at` is the date the source vouches for (Open Referral's
    `assured_date`, an OpenStreetMap object's timestamp or an extract's date, a column the mapping names), or none, so
    the place reads "not yet checked" and ranks as stale. An update takes the source's date only when it is later
    than the one the asset has (a moderator's check stands against an older file).
    """
    if not data.source or not data.external_id:
        raise Invalid("An imported asset needs a source and an external id.")
    existing = repository.find_by_source(session, data.source, data.external_id)
    if existing is None:
        asset = Asset(name=data.name)
        fields = data.model_dump(exclude_unset=True)
        if new_status is not None:
            fields.setdefault("status", new_status)
        _apply(session, asset, fields)
        after = _snapshot(session, asset.id)
        _record(session, asset.id, actor, "create", {k: [None, v] for k, v in after.items() if v not in (None, [], "")}, after, None)
        repository.remember_imported(session, data.source, data.external_id, _given(data))
        return "created"
    # Matched by this identifier, which may be one of several the asset holds (a merged place): its own stays.
    fields = data.model_dump(exclude_unset=True, exclude={"source", "external_id"})
    given, last = _given(data), repository.imported_values(session, data.source, data.external_id)
    if last is not None and repository.other_sources(session, existing.id, data.source):
        # A merged place: this source changes only what changed in it, so two sources do not undo each other.
        fields = {k: v for k, v in fields.items() if given.get(k) != last.get(k)}
    vouched = fields.get("last_verified_at")
    if vouched is None or (existing.last_verified_at is not None and vouched <= existing.last_verified_at):
        fields.pop("last_verified_at", None)
    changed = _change(session, existing, fields, actor, "update", None)
    if given != last:
        repository.remember_imported(session, data.source, data.external_id, given)
    return "updated" if changed else "unchanged"


def upsert_many_by_source(
    session: Session, items: list[AssetCreate], actor: str, new_status: AssetStatus | None = None,
    digests: list[bytes | None] | None = None,
) -> list[UpsertOutcome | None]:
    """`upsert_by_source` for many rows at once, set-based (app/assets/bulk_repository.py): the same outcomes, the
    same history entries (actor, action, changes, snapshot), categories, sessions and remembered source values; an
    unchanged row writes nothing. `digests`, one per item or None, are the digests of the source's rows
    (app/imports/digests.py), kept with their identifiers. Commits nothing.

    A row this path does not take is None, for the caller to give to `upsert_by_source` (which says what is wrong
    with it, or handles it): a row whose fields differ in kind from the batch's, with an organisation, a postcode
    that places nothing, unknown categories, both ages in the wrong order, no position, a delivery or service areas,
    or whose asset is a merged place imported before. If the database refuses the batch, every row is None and nothing of it is kept."""
    outcomes: list[UpsertOutcome | None] = [None] * len(items)
    dumps = [data.model_dump(mode="json", exclude_unset=True) for data in items]
    if not dumps:
        return outcomes
    keys = Counter(frozenset(d) for d in dumps).most_common(1)[0][0]
    if "organisation" in keys or len(keys & {"min_age", "max_age"}) == 1:
        return outcomes
    plain = [name for name in _PLAIN_FIELDS if name in keys and name not in ("source", "external_id")]
    postcode, categories, schedule = "postcode" in keys, "categories" in keys, "schedule" in keys
    staged = _stage_rows(session, dumps, keys, plain, digests or [None] * len(items))
    if not staged:
        return outcomes
    now = datetime.now(UTC)
    status = str(new_status or AssetStatus.pending)
    savepoint = session.begin_nested()
    try:
        columns = bulk_repository.create_stage(session, plain)
        bulk_repository.copy_stage(session, columns, staged)
        left = set(bulk_repository.match_stage(session))
        created = bulk_repository.insert_new(session, plain, status, now, categories, schedule)
        changed = bulk_repository.changed_rows(session, plain, postcode, categories, schedule)
        before = _snapshots(session, list(changed.values()))
        if changed:
            bulk_repository.update_changed(session, list(changed), plain, postcode, categories, schedule, now)
        after = _snapshots(session, list(changed.values()))
        bulk_repository.write_created_history(session, actor)
        for n in created:
            outcomes[n] = "created"
        history: list[tuple[uuid.UUID, str, str, str, str]] = []
        for n, asset_id in changed.items():
            old, new = before[asset_id], after[asset_id]
            changes = {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}
            if changes:
                history.append((asset_id, actor, "update", _json(changes), _json(new)))
            outcomes[n] = "updated" if changes else "unchanged"
        bulk_repository.copy_history(session, history)
        bulk_repository.remember_imported(session)
    except DBAPIError:
        savepoint.rollback()
        return [None] * len(items)
    savepoint.commit()
    for n in {row[columns.index("n")] for row in staged} - left:
        if outcomes[n] is None:
            outcomes[n] = "unchanged"
    return outcomes


def _stage_rows(
    session: Session, dumps: list[dict[str, Any]], keys: frozenset[str], plain: list[str], digests: list[bytes | None]
) -> list[tuple[Any, ...]]:
    """The rows of `dumps` the bulk path can take, in `bulk_repository.create_stage`'s column order."""
    taxonomy = get_taxonomy(session)
    places: dict[str, tuple[float, float, str] | None] = {}
    rows: list[tuple[Any, ...]] = []
    for n, d in enumerate(dumps):
        if frozenset(d) != keys or not d.get("source") or not d.get("external_id"):
            continue
        if d.get("min_age") is not None and d.get("max_age") is not None and d["min_age"] > d["max_age"]:
            continue
        if d.get("delivery", Delivery.location) != Delivery.location or d.get("service_areas"):
            continue  # a service without a place, or service areas to check against `area`: the one-row path's rules
        lon, lat, postcode = d.get("lon"), d.get("lat"), d.get("postcode")
        if lat is None and postcode:
            if postcode not in places:
                try:
                    place = locate_postcode(session, postcode)
                    places[postcode] = (place.lon, place.lat, place.postcode)
                except (Invalid, NotFound):
                    places[postcode] = None
            if places[postcode] is None:
                continue
            lon, lat, postcode = places[postcode]  # type: ignore[misc]
        if lat is None:
            continue  # a new asset would have no place: upsert_by_source says so
        try:
            category_ids = [node.id for node in taxonomy.require(d["categories"])] if "categories" in keys else None
        except Invalid:
            continue
        sessions = d.get("schedule") or []
        values = [[] if d[name] is None and name in LIST_FIELDS else d[name] for name in plain]
        rows.append((
            d["source"], d["external_id"], postcode, *values, n, lon, lat, category_ids,
            [WEEKDAYS.index(s["day"]) for s in sessions], [s["opens"] for s in sessions],
            [s["closes"] for s in sessions], [s.get("note") for s in sessions],
            _json({k: v for k, v in d.items() if k not in ("source", "external_id")}), digests[n],
        ))
    return rows


def _json(value: Any) -> str:
    """JSON text for a jsonb column (pydantic's encoder: several times json.dumps' speed on a bulk import)."""
    return to_json(value).decode()


def _given(data: AssetCreate) -> dict[str, Any]:
    """What a source gave for an asset, as JSON, to compare with what it gives next time."""
    return data.model_dump(mode="json", exclude_unset=True, exclude={"source", "external_id"})


def retire_by_source(session: Session, source: str, external_id: str, actor: str) -> RetireOutcome | None:
    """The source says this record is no longer a place to list (defunct, private, nameless, uncategorised): archives
    its asset ("archived", recorded as an "archive" by `actor`). None when there is no such asset or it is archived
    already; "kept" when the asset also holds another source's identifier (a merged place), which stays published.
    Commits nothing."""
    asset = repository.find_by_source(session, source, external_id)
    if asset is None or asset.status == AssetStatus.archived:
        return None
    if repository.other_sources(session, asset.id, source):
        return "kept"  # merged with a place another source still lists: that source decides
    _change(session, asset, {"status": AssetStatus.archived}, actor, "archive", None)
    return "archived"


# Fields a merge copies from the merged place when the kept one has no value: what people read of a place, except
# its name and position.
_FILLED_BY_MERGE = tuple(
    f.name for f in shown_in(Output.FORM)
    if f.kind in ("text", "long_text", "yes_no", "number") and f.name not in {"name", "postcode", "lat", "lon"}
)


def merge_assets(session: Session, keep_id: uuid.UUID, merge_id: uuid.UUID, actor: str) -> AssetPublic:
    """One place listed twice becomes one: `keep_id` takes every source identifier of `merge_id` (so later imports of
    either source update it), its categories, and the values it lacks; `merge_id` is archived and points to it
    (`merged_into`). Both record a "merge" in their history."""
    if keep_id == merge_id:
        raise Invalid(_("A place cannot be merged into itself."), "merge")
    keep, gone = _require_row(session, keep_id), _require_row(session, merge_id)
    if keep.status == AssetStatus.archived:
        raise Conflict(_("%(name)s is archived: keep a place that is on the map.") % {"name": keep.name}, "keep")
    if gone.merged_into_id is not None:
        merged = {"name": gone.name, "id": gone.merged_into_id}
        raise Conflict(_("%(name)s has already been merged into %(id)s.") % merged, "merge")
    kept_before, gone_before = _snapshot(session, keep.id), _snapshot(session, gone.id)
    ids_before = repository.identifiers(session, keep.id)
    filled: dict[str, Any] = {k: gone_before[k] for k in _FILLED_BY_MERGE if kept_before[k] in (None, "") and gone_before[k] not in (None, "")}
    categories = list(dict.fromkeys([*kept_before["categories"], *gone_before["categories"]]))[:10]
    if categories != kept_before["categories"]:
        filled["categories"] = categories
    # A place that asked to be shown less precisely stays so when its other listing is the one kept.
    order = list(LocationPrecision)
    if order.index(gone_before["location_precision"]) > order.index(kept_before["location_precision"]):
        filled["location_precision"] = gone_before["location_precision"]
    repository.move_identifiers(session, gone.id, keep.id)
    gone.status, gone.merged_into_id = AssetStatus.archived, keep.id
    _apply(session, gone, {}, gone_before)
    _apply(session, keep, filled, kept_before)
    for asset, before, extra in (
        (gone, gone_before, {}),
        (keep, kept_before, {"identifiers": [ids_before, repository.identifiers(session, keep.id)], "merged_from": [None, str(gone.id)]}),
    ):
        after = _snapshot(session, asset.id)
        changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v} | extra
        _record(session, asset.id, actor, "merge", changes, after, None)
    session.commit()
    return get_asset(session, keep.id, record=True)


def duplicate_params(settings: Settings) -> dict[str, Any]:
    """How alike two places must be to count as likely duplicates (DUPLICATE_RADIUS_M, DUPLICATE_MIN_SIMILARITY)."""
    return {"radius": settings.duplicate_radius_m, "similarity": settings.duplicate_min_similarity}


def flag_duplicates(session: Session, sources: list[str], since: datetime, settings: Settings) -> int:
    """After an import of `sources`: records the likely duplicates among the places it wrote since `since` and places
    from other sources, for moderators (`repository.flag_duplicates`); commits; returns how many pairs are new."""
    found = repository.flag_duplicates(session, sources, since, duplicate_params(settings))
    session.commit()
    return found


def dismiss_duplicate(session: Session, first: uuid.UUID, second: uuid.UUID, actor: str) -> None:
    """The two are not the same place: the pair leaves the moderators' list and is never flagged again."""
    for asset_id in (first, second):
        _require_row(session, asset_id)
    repository.dismiss_duplicate(session, first, second, actor)
    session.commit()


def _require_row(session: Session, asset_id: uuid.UUID) -> Asset:
    asset = repository.get_row(session, asset_id)
    if asset is None:
        raise NotFound(_("No asset has the id %(id)s.") % {"id": asset_id})
    return asset


def _change(
    session: Session, asset: Asset, fields: dict[str, Any], actor: str, action: str, submission_id: uuid.UUID | None
) -> bool:
    """Applies the fields inside a savepoint; keeps and records them only if something really changed."""
    before = _snapshot(session, asset.id)
    savepoint = session.begin_nested()
    _apply(session, asset, fields, before)
    after = _snapshot(session, asset.id)
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if not changes:
        savepoint.rollback()
        session.refresh(asset)
        return False
    savepoint.commit()
    _record(session, asset.id, actor, action, changes, after, submission_id)
    return True


def _apply(session: Session, asset: Asset, fields: dict[str, Any], current: dict[str, Any] | None = None) -> None:
    """Sets the given fields on the asset (a new one when `current`, its snapshot, is None) and flushes.

    Categories and schedule are rewritten only when they differ from `current`'s, as the snapshot shows them: a
    re-import of an unchanged row then writes no rows of them, and a new asset has none to delete."""
    _require_free_source_id(session, asset, fields)
    identifier = (asset.source, asset.external_id) if current is not None else (None, None)
    for name in _PLAIN_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(asset, name, [] if value is None and name in LIST_FIELDS else value)
    if fields.get("service_areas") is not None:
        asset.service_areas = require_service_areas(session, fields["service_areas"])
    if asset.delivery != Delivery.location:
        _place_nowhere(asset, fields)
    elif fields.get("lat") is not None:
        asset.exact_location = f"SRID=4326;POINT({fields['lon']} {fields['lat']})"
        if "postcode" in fields:
            asset.postcode = fields["postcode"]
    elif fields.get("postcode"):
        try:
            with session.no_autoflush:  # a service moving to a place has no position until this gives it one
                place = locate_postcode(session, fields["postcode"])
        except NotFound as unknown:  # a bad field in a body, not a missing resource
            raise Invalid(unknown.message, "postcode") from None
        asset.exact_location = f"SRID=4326;POINT({place.lon} {place.lat})"
        asset.postcode = place.postcode
    elif "postcode" in fields:
        asset.postcode = None
    if asset.delivery == Delivery.location and asset.exact_location is None:
        raise Invalid(_("The asset needs a place: give lat and lon, or a postcode."), "lat")
    if asset.min_age is not None and asset.max_age is not None and asset.min_age > asset.max_age:
        raise Invalid(_("min_age must not be more than max_age."), "min_age")
    if "organisation" in fields:
        org = fields["organisation"]
        asset.organisation_id = _organisation(session, fields.get("source", asset.source), org).id if org else None
    asset.updated_at = datetime.now(UTC)
    session.add(asset)
    session.flush()
    if (asset.source, asset.external_id) != identifier:
        repository.replace_identifier(session, asset.id, identifier, (asset.source, asset.external_id))
    if fields.get("categories") is not None:
        nodes = get_taxonomy(session).require(fields["categories"], "categories")
        if current is None or {n.slug for n in nodes} != set(current["categories"]):
            repository.replace_categories(session, asset.id, [n.id for n in nodes], clear=current is not None)
    if fields.get("schedule") is not None and (current is None or _schedule_key(fields["schedule"]) != _schedule_key(current["schedule"])):
        sessions = [
            AssetSession(weekday=WEEKDAYS.index(s["day"]), opens=s["opens"], closes=s["closes"], note=s.get("note"))
            for s in fields["schedule"]
        ]
        repository.replace_schedule(session, asset.id, sessions, clear=current is not None)
    session.flush()


def _place_nowhere(asset: Asset, fields: dict[str, Any]) -> None:
    """A service delivered by phone, online or at home: no position (the trigger clears it in the database too,
    migration 0021), found by its service areas, of which it needs one. A postcode given is kept as written."""
    asset.exact_location = None
    if "postcode" in fields:
        asset.postcode = fields["postcode"] or None
    require_reach(asset.delivery, asset.service_areas)


def require_reach(delivery: str, service_areas: list[str], field: str = "service_areas") -> None:
    """The one rule of how a service reaches people, for writes and residents' proposals alike: one delivered by
    phone, online or at home needs at least one service area (a place delivered at a location needs a position,
    which its writer checks: the schema's NO_POSITION, `_apply`, submissions.service)."""
    if delivery != Delivery.location and not service_areas:
        raise Invalid(
            _("A service delivered by phone, online or at home needs its service areas: councils, regions or nations "
              "(ONS codes), or UK for the whole country."),
            field,
        )


def _organisation(session: Session, source: str | None, given: dict[str, Any]) -> Organisation:
    """The organisation `given` names, found by its identity (`repository.find_organisation`: its id in the asset's
    source, or its name within it; never by name across sources) or made, with its details set. An imported
    organisation takes every detail its source gives, a removed one cleared; through the API (no source) only the
    details given replace what is there. The change shows in the history of the asset saved with it."""
    source = source or None
    external_id = given.get("external_id") if source else None  # an id means something only within a source
    org = repository.find_organisation(session, source, external_id, given["name"])
    if org is None:
        org = Organisation(name=given["name"], source=source, external_id=external_id)
    org.name = given["name"]
    for key in ("website", "email", "phone"):
        if key in given and (source or given[key] is not None):
            setattr(org, key, given[key])
    return repository.save_organisation(session, org)


def _require_free_source_id(session: Session, asset: Asset, fields: dict[str, Any]) -> None:
    """Conflict if the (source, external_id) the asset would have belongs to another asset (the pair is unique)."""
    source = fields.get("source", asset.source) or None
    external_id = fields.get("external_id", asset.external_id) or None
    if source is None or external_id is None or (source, external_id) == (asset.source, asset.external_id):
        return
    other = repository.find_by_source(session, source, external_id)
    if other is not None and other.id != asset.id:
        raise Conflict(
            _(
                "Asset %(id)s (%(name)s) already has source %(source)s and external id %(external_id)s; an identifier "
                "from a source belongs to one asset only."
            ) % {"id": other.id, "name": other.name, "source": repr(source), "external_id": repr(external_id)},
            "external_id",
        )


def _schedule_key(schedule: list[dict[str, Any]]) -> list[tuple[int, str, str, str | None]]:
    """A schedule as the snapshot shows it (weekday, HH:MM, HH:MM, note), in a fixed order, for comparing; times may
    come as `time` or as "HH:MM" text."""

    def hhmm(value: time | str) -> str:
        return value.strftime("%H:%M") if isinstance(value, time) else str(value)[:5]

    rows = [(WEEKDAYS.index(s["day"]), hhmm(s["opens"]), hhmm(s["closes"]), s.get("note")) for s in schedule]
    return sorted(rows, key=lambda r: (r[0], r[1], r[2], r[3] or ""))


def _snapshot(session: Session, asset_id: uuid.UUID) -> dict[str, Any]:
    row = repository.get_public(session, asset_id, record=True)
    return _history_view(row) if row else {}


def _snapshots(session: Session, asset_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """`_snapshot` of many assets, read in one statement."""
    assets = [AssetPublic.model_validate_json(record) for record in repository.get_records_json(session, asset_ids)]
    return {asset.id: asset.model_dump(mode="json", exclude=repository.NOT_IN_HISTORY) for asset in assets}


def _history_view(row: dict[str, Any]) -> dict[str, Any]:
    """An asset as its history keeps it (the `snapshot` of each entry)."""
    return public_asset(row).model_dump(mode="json", exclude=repository.NOT_IN_HISTORY)


def _record(
    session: Session,
    asset_id: uuid.UUID,
    actor: str,
    action: str,
    changes: dict[str, Any],
    snapshot: dict[str, Any],
    submission_id: uuid.UUID | None,
) -> None:
    repository.add_history(
        session,
        AssetHistory(asset_id=asset_id, actor=actor, action=action, changes=changes, snapshot=snapshot, submission_id=submission_id),
    )
