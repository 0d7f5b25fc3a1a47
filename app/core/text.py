"""Checks for text people type: no control characters, no markup where text is published as written, and links
that are only http(s)."""

import re
from urllib.parse import urlsplit

from app.core.errors import Invalid
from app.i18n import gettext as _

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# An HTML tag, comment or declaration opening ("<script", "</b", "<!--", "<?"); a browser reads "< b" and "<3" as
# text, so "I <3 it" and "a < b" are text here too.
_MARKUP = re.compile(r"<[A-Za-z/!?]")


def clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    if _CONTROL.search(value):
        raise ValueError(_("contains control characters"))
    return value.strip()


def plain_text(value: str | None) -> str | None:
    """`clean_text` that also refuses markup: for text published as it was written (pages escape it anyway; this says
    so to the sender instead of showing their tags as text)."""
    value = clean_text(value)
    if value and _MARKUP.search(value):
        raise ValueError(_("must be plain text: HTML tags and scripts are not allowed"))
    return value


def checked_text(value: str, field: str) -> str:
    """`clean_text` for a parameter read outside a schema (PostgreSQL refuses a NUL): Invalid (422) naming `field`."""
    try:
        return clean_text(value) or ""
    except ValueError as exc:
        raise Invalid(_("%(field)s %(message)s") % {"field": field, "message": exc}, field) from None


def clean_url(value: str | None) -> str | None:
    value = clean_text(value)
    if not value:
        return None
    if "://" not in value and "." in value and not value.lower().startswith(("javascript:", "data:", "vbscript:")):
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(_("must be a web address starting with http:// or https://"))
    return value


def clean_email(value: str | None) -> str | None:
    """An email address, without the "mailto:" that addresses copied from web pages often carry."""
    value = clean_text(value)
    if value and value[:7].lower() == "mailto:":
        value = value[7:].strip()
    if not value:
        return None
    if not _EMAIL.match(value):
        raise ValueError(_("is not an email address"))
    return value
