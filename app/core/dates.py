"""Dates as people in the UK read them: in UK time (GMT or BST), whatever the server's or the database's zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def uk_date(moment: datetime, with_time: bool = False) -> str:
    """ "3 June 2026", or "3 June 2026, 14:05" `with_time`."""
    local = moment.astimezone(LONDON)
    return f"{local:%-d %B %Y, %H:%M}" if with_time else f"{local:%-d %B %Y}"
