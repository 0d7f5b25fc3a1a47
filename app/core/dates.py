"""Dates as people in the UK read them: in UK time (GMT or BST), whatever the server's or the database's zone, and
in the request's language (Welsh month names on Welsh pages)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from app.i18n import current_locale

LONDON = ZoneInfo("Europe/London")


def uk_date(moment: datetime, with_time: bool = False) -> str:
    """ "3 June 2026" ("3 Mehefin 2026"), or "3 June 2026, 14:05" `with_time`."""
    pattern = "d MMMM y, HH:mm" if with_time else "d MMMM y"
    return format_datetime(moment, pattern, tzinfo=LONDON, locale=current_locale())


def local_date(day: date, pattern: str) -> str:
    """A calendar day by a CLDR pattern in the request's language: "MMM y" is "Jun 2026" ("Meh 2026"), "d MMMM" is
    "3 June" ("3 Mehefin")."""
    return format_date(day, pattern, locale=current_locale())
