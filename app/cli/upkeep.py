"""Daily upkeep: purge decided submissions' private details, expired shortlists and closed claims; list stale places;
remind claimants."""

from typing import Annotated

import typer

from app.cli.output import console
from app.core.config import get_settings


def purge_submissions(
    days: Annotated[int | None, typer.Option(help="Retention in days (default: SUBMISSION_RETENTION_DAYS)")] = None,
) -> None:
    """Delete submitters' names, emails and notes from submissions decided longer ago than the retention period."""
    from sqlmodel import Session

    from app.core.db import get_engine
    from app.moderation.service import purge_private_details

    with Session(get_engine()) as session:
        count = purge_private_details(session, get_settings().submission_retention_days if days is None else days)
    console.print(f"Deleted the private details of {count} decided submission{'s' * (count != 1)}.")


def purge_shortlists() -> None:
    """Delete the shortlists that have expired (SHORTLIST_DAYS after they were made), with their notes."""
    from sqlmodel import Session

    from app.core.db import get_engine
    from app.shortlists.service import purge_expired

    with Session(get_engine()) as session:
        count = purge_expired(session)
    console.print(f"Deleted {count} expired shortlist{'s' * (count != 1)}.")


def purge_searches() -> None:
    """Delete recorded searches older than SEARCH_RETENTION_MONTHS (the insights refresh does it too; docs/privacy.md)."""
    from app.insights.service import purge_searches as purge

    count = purge(get_settings())
    console.print(f"Deleted {count} recorded search{'es' * (count != 1)} past the retention period.")


def stale(
    area: Annotated[str | None, typer.Option(help="Only places inside this council area (ONS code, e.g. E08000003)")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many places")] = 1000,
    csv: Annotated[bool, typer.Option("--csv", help="Write CSV (with a header row) instead of tab-separated lines")] = False,
) -> None:
    """List published places not verified for over STALE_AFTER_DAYS (365) days, least recently verified first."""
    import csv as csv_module
    import sys

    from sqlmodel import Session

    from app.assets.filters import Criteria, filters_for
    from app.assets.repository import list_stale
    from app.core.db import get_engine
    from app.core.errors import AppError

    with Session(get_engine()) as session:
        try:
            filters, params = filters_for(session, Criteria(area=area))
        except AppError as exc:
            console.print(exc.message, markup=False)
            raise typer.Exit(1) from None
        total, rows = list_stale(session, filters, params, limit, 0)
    lines = [
        [r["name"], f"{r['last_verified_at']:%Y-%m-%d}" if r["last_verified_at"] else "not yet checked", r["postcode"] or "", str(r["id"])]
        for r in rows
    ]
    if csv:
        writer = csv_module.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["name", "last_verified", "postcode", "id"])
        writer.writerows(lines)
    else:
        for line in lines:
            typer.echo("\t".join(line))
    more = f" (showing the first {len(rows):,}; use --limit for more)" if total > len(rows) else ""
    console.print(f"{total:,} published place{'s' * (total != 1)} not verified for over {get_settings().stale_after_days} days{more}.")




def remind_claimants() -> None:
    """E-mail a sign-in link to each claimant whose places nobody has checked for CLAIM_REMINDER_MONTHS (11), at most
    once every CLAIM_REMINDER_EVERY_DAYS; links point to PUBLIC_BASE_URL."""
    from sqlmodel import Session

    from app.claims.service import remind
    from app.core.db import get_engine
    from app.mail.backends import mailer_for

    settings = get_settings()
    base = settings.public_base_url or f"http://{settings.host}:{settings.port}"
    with Session(get_engine()) as session:
        count = remind(session, settings, mailer_for(settings), base)
    console.print(f"Reminded {count} claimant{'s' * (count != 1)}.")


def purge_claims(
    days: Annotated[int | None, typer.Option(help="Retention in days (default: CLAIM_RETENTION_DAYS)")] = None,
) -> None:
    """Delete claims that hold no place (never confirmed, rejected, withdrawn) older than the retention period, with
    their e-mail addresses and notes, and every used or expired e-mail link."""
    from sqlmodel import Session

    from app.claims.service import purge
    from app.core.db import get_engine

    with Session(get_engine()) as session:
        count = purge(session, get_settings().claim_retention_days if days is None else days)
    console.print(f"Deleted {count} claim{'s' * (count != 1)} past the retention period.")
