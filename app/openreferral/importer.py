"""`assetmap import oruk SOURCE`: another directory's Open Referral UK feed into our assets, idempotently.

Each service becomes (or updates) the asset with source "oruk:<host or folder name>" and external id = the service
id, through assets.service.upsert_by_source, so every change is in the asset's history and a second run of an
unchanged feed changes nothing. Each service is applied in its own savepoint: one bad service is reported and the
rest go on. The run is recorded in import_run.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from app.areas.service import require_service_areas
from app.assets import repository as assets_repository
from app.assets.models import AssetStatus
from app.assets.schemas import AssetCreate
from app.assets.service import flag_duplicates, retire_by_source, upsert_by_source
from app.categories.service import get_taxonomy
from app.core.config import get_settings
from app.core.db import get_engine
from app.core.errors import AppError
from app.imports.models import ImportRun
from app.imports.record import recorded_run
from app.imports.runner import Outcome as RunOutcome
from app.imports.runner import describe_counts, reason
from app.openreferral.feed import Feed, Fetched, open_feed
from app.openreferral.to_asset import Unusable, convert
from app.openreferral.versions import NAMES, V1, from_v1, service_version, unknown_fields

ACTOR = "import:oruk"
KIND = "oruk"
COMMIT_EVERY = 50
INACTIVE = {"inactive", "defunct"}


@dataclass
class Options:
    status: AssetStatus = AssetStatus.published  # for new assets; updates leave the status alone
    default_category: str = "charities"  # for services none of whose terms match one of our categories
    dry_run: bool = False
    # for services by phone or online whose own service areas name none we know: area codes (the feed's council)
    service_areas: list[str] = field(default_factory=list)
    timeout: float = 30  # seconds for each request to a live feed


@dataclass
class Outcome(RunOutcome):
    unmatched_terms: Counter[str] = field(default_factory=Counter)
    versions: Counter[str] = field(default_factory=Counter)  # services read in each version
    extensions: Counter[str] = field(default_factory=Counter)  # fields neither version defines, ignored

    def problem(self, fetched: Fetched, kind: str, message: str) -> None:
        name = (fetched.service or {}).get("name")
        self.report(f"service {fetched.service_id}" + (f" ({name})" if name else ""), kind, message)


def source_name(feed: Feed) -> str:
    return f"oruk:{feed.label}"[:40]


def import_feed(
    session: Session, feed: Feed, options: Options, on_service: Callable[[], None] | None = None
) -> Outcome:
    """Applies every service of the feed; commits in batches unless it is a dry run (then rolls everything back)."""
    tree = get_taxonomy(session)
    tree.require([options.default_category], "default_category")
    default_areas = require_service_areas(session, options.service_areas, "service_area")
    source = source_name(feed)
    outcome = Outcome()
    for n, fetched in enumerate(feed, start=1):
        if fetched.service is not None:
            fetched.service = _as_v3(fetched.service, feed.version, outcome)
        _import_one(session, fetched, source, options, tree, outcome, default_areas)
        if on_service:
            on_service()
        if n % COMMIT_EVERY == 0 and not options.dry_run:
            session.commit()
    if options.dry_run:
        session.rollback()
    else:
        session.commit()
    return outcome


def _as_v3(service: dict[str, Any], feed_version: str | None, outcome: Outcome) -> dict[str, Any]:
    """The service in the 3.0 shape to_asset reads, its version counted (the feed's envelope's, or else its own
    fields'), and the fields its version does not define counted and left out."""
    version = feed_version or service_version(service)
    outcome.versions[version] += 1
    unknown = unknown_fields(service, version)
    outcome.extensions.update(unknown)
    if unknown:
        outcome.counts["extensions_ignored"] += len(unknown)
    return from_v1(service) if version == V1 else {k: v for k, v in service.items() if k not in unknown}


def _import_one(
    session: Session, fetched: Fetched, source: str, options: Options, tree: Any, outcome: Outcome,
    default_areas: list[str],
) -> None:
    if fetched.service is None:
        outcome.problem(fetched, "failed", fetched.problem or "could not be fetched")
        return
    service = fetched.service
    external_id = fetched.service_id[:120]
    existing = assets_repository.find_by_source(session, source, external_id)
    status = str(service.get("status") or "active").lower()
    inactive = status in INACTIVE
    if inactive and existing is None:
        outcome.counts["inactive_skipped"] += 1
        return
    try:
        converted = convert(session, service, tree, options.default_category, default_areas)
    except Unusable as exc:
        # No name or nowhere to list it any more: a service we imported before leaves the map, with the reason.
        if existing is not None and _retire(session, source, external_id, fetched, str(exc), outcome):
            return
        if exc.failure:
            outcome.problem(fetched, "failed", str(exc))
        else:
            outcome.problem(fetched, "skipped", f"skipped: {exc}")
        return
    fields = converted.fields | {"source": source, "external_id": external_id}
    if inactive:
        fields["status"] = AssetStatus.archived
    elif existing is None:
        fields["status"] = options.status
    try:
        with session.begin_nested():
            result = upsert_by_source(session, AssetCreate.model_validate(fields), ACTOR)
    except (ValidationError, AppError) as exc:
        outcome.problem(fetched, "failed", reason(exc))
        return
    if inactive and result == "updated":
        outcome.problem(fetched, "archived", f"its status is {status}")
    else:
        outcome.counts[result] += 1
    outcome.unmatched_terms.update(converted.unmatched_terms)
    for note in converted.notes:
        outcome.problem(fetched, "notes", note)


def _retire(session: Session, source: str, external_id: str, fetched: Fetched, reason: str, outcome: Outcome) -> bool:
    """Archives the asset of a service that is no longer a place to list; False when there was nothing to archive."""
    with session.begin_nested():
        retired = retire_by_source(session, source, external_id, ACTOR)
    if retired == "archived":
        outcome.problem(fetched, "archived", reason)
    elif retired == "kept":
        outcome.problem(fetched, "notes", f"{reason}; another source still lists this place, so it stays on the map")
    return retired is not None


def run_import(
    source: str,
    options: Options,
    on_total: Callable[[int], None] | None = None,
    on_service: Callable[[], None] | None = None,
) -> ImportRun:
    """Opens the feed, imports it and records the run (also when it fails, with the reason)."""
    with recorded_run(KIND, source, options.dry_run) as run:
        feed = open_feed(source, options.timeout)
        if on_total:
            on_total(len(feed))
        since = datetime.now(UTC)
        with Session(get_engine()) as session:
            outcome = import_feed(session, feed, options, on_service)
            if not options.dry_run and (found := flag_duplicates(session, [source_name(feed)], since, get_settings())):
                outcome.counts["possible_duplicates"] = found
        run.counts = dict(outcome.counts)
        run.errors = outcome.problems
        run.message = _summary(outcome, options)
    return run


def _summary(outcome: Outcome, options: Options) -> str:
    versions = " and ".join(f"{NAMES[v]} ({n})" for v, n in sorted(outcome.versions.items()))
    text = (f"Read as {versions}: " if versions else "") + (describe_counts(dict(outcome.counts)) or "nothing to import")
    if outcome.extensions:
        top = ", ".join(f"{name} ({n})" for name, n in outcome.extensions.most_common(10))
        text += f". Fields ignored (not in the standard): {top}"
    if outcome.unmatched_terms:
        top = ", ".join(t for t, _ in outcome.unmatched_terms.most_common(10))
        text += f". Terms kept as tags (no matching category): {top}"
    return ("Dry run (nothing saved): " if options.dry_run else "") + text + "."
