"""The claims' e-mails, in the language the person was using (the request's, or the one stored with the claim)."""

from app.i18n import gettext as _
from app.mail.backends import Message, message


def _closing() -> str:
    return _("If you did not ask for this, you can ignore this message.") + "\n\n" + _("Community Asset Map") + "\n"


def confirm_claim(to: str, place: str, link: str, hours: int) -> Message:
    body = _(
        "You asked to keep the listing of %(place)s up to date on the Community Asset Map.\n\n"
        "To confirm your e-mail address and send your claim to a moderator, open this link within %(hours)s hours "
        "(it works once):\n\n%(link)s\n\n"
    ) % {"place": place, "hours": hours, "link": link}
    return message(to, _("Confirm your claim to %(place)s") % {"place": place}, body + _closing())


def claim_decided(to: str, place: str, approved: bool, sign_in: str, reason: str | None) -> Message:
    if approved:
        subject = _("Your claim to %(place)s is approved") % {"place": place}
        body = _(
            "A moderator approved your claim: you can now keep the listing of %(place)s up to date yourself.\n\n"
            "Sign in with this e-mail address here (we e-mail you a link each time):\n\n%(link)s\n\n"
        ) % {"place": place, "link": sign_in}
    else:
        subject = _("Your claim to %(place)s was not accepted") % {"place": place}
        body = _("A moderator did not accept your claim to %(place)s.") % {"place": place} + "\n\n"
        if reason:
            body += _("Their reason: %(reason)s") % {"reason": reason} + "\n\n"
    return message(to, subject, body + _("Community Asset Map") + "\n")


def sign_in_link(to: str, link: str, minutes: int) -> Message:
    body = _(
        "To sign in and update the places you keep on the Community Asset Map, open this link within %(minutes)s "
        "minutes (it works once):\n\n%(link)s\n\n"
    ) % {"minutes": minutes, "link": link}
    return message(to, _("Your sign-in link"), body + _closing())


def reminder(to: str, places: list[str], link: str, minutes: int) -> Message:
    listed = "\n".join(f"- {p}" for p in places)
    body = _(
        "Nobody has checked these listings for a while:\n\n%(places)s\n\nIf they are still running as listed, sign in "
        "and press “Still running”; if something has changed, correct it. This link signs you in within %(minutes)s "
        "minutes (it works once):\n\n%(link)s\n\n"
    ) % {"places": listed, "minutes": minutes, "link": link}
    return message(to, _("Are your listings still right?"), body + _("Community Asset Map") + "\n")
