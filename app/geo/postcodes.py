"""UK postcode syntax: normalising what people type, and telling full postcodes from outcodes."""

import re
from dataclasses import dataclass

_FULL = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
_OUTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


@dataclass(frozen=True)
class ParsedPostcode:
    key: str  # "M11AE" or "M1": the lookup key
    is_outcode: bool

    @property
    def display(self) -> str:
        return self.key if self.is_outcode else f"{self.key[:-3]} {self.key[-3:]}"


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def parse_postcode(text: str) -> ParsedPostcode | None:
    """A full postcode ("m1 1ae") or an outcode ("M1"); None when it is neither."""
    key = normalise(text)
    if _FULL.match(key):
        return ParsedPostcode(key, is_outcode=False)
    if _OUTCODE.match(key):
        return ParsedPostcode(key, is_outcode=True)
    return None
