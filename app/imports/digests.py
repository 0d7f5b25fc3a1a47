"""Rows a re-run of a CSV or GeoJSON import counts as unchanged without reading them again (migration 0027).

A row's digest covers the cells the mapping reads (and a GeoJSON feature's point) and what they are read through:
the mapping, the taxonomy its category slugs resolve in, the postcodes that place a row without a position, the
app's code and its validating libraries. The bulk import stores it with each identifier it writes, with the asset's
`updated_at` as the import saw it (a row with notes gets none, so that they are reported again). A later change to
the asset through the app (an edit, a moderator's decision, another import) moves `updated_at` on, and the digest
no longer vouches for the row: it is read and compared as before, which also puts the source's values back over an
edit. The rows are judged when the file is read: an edit made while the import runs is put back by the next one.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pydantic
import shapely
from sqlmodel import Session

import app
from app.categories.service import get_taxonomy
from app.geo.service import forget_places
from app.imports import repository
from app.imports.mapping import Getter, Mapping

# The code that reads a row: the whole app, as what a row's fields depend on is spread over it (the mapping, the
# cleaning, the schemas, the position checks, the postcode lookup). A release that changes any of it, or the
# validating libraries, reads every row once more.
_READING_CODE = sorted(Path(app.__path__[0]).rglob("*.py"))
_LIBRARIES = [pydantic.VERSION, shapely.__version__]


def _reading_code() -> str:
    reading = hashlib.blake2b(digest_size=32)
    for path in _READING_CODE:
        reading.update(path.read_bytes())
    return reading.hexdigest()


# Taken once, as the process loads: the code it runs, even when a deploy has replaced the files since.
_READING = _reading_code()


@dataclass(frozen=True)
class KnownRows:
    """What one import's reader needs to know unchanged rows: the digest key of this run's reading, and each source
    identifier's digest as last imported, for the assets unchanged since."""

    key: bytes
    columns: tuple[str, ...]  # the mapping's, in a fixed order
    digests: dict[str, bytes]  # source identifier -> digest

    def digest(self, get: Getter, point: tuple[float, float] | None) -> bytes:
        """The digest of one row: the cells the mapping reads, and the feature's point."""
        cells = (point, *[get(column) for column in self.columns])
        return hashlib.blake2b(repr(cells).encode(), digest_size=16, key=self.key).digest()

    def unchanged(self, external_id: str, digest: bytes) -> bool:
        return self.digests.get(external_id) == digest


def known_rows(session: Session, mapping: Mapping, trusted: bool = True) -> KnownRows:
    """The digests of `mapping.source`'s rows as last imported, keyed by what reading a row depends on now; none
    unless `trusted` (every row is read, and the digests are still written).

    The postcodes this process looked up are forgotten: they may predate a reload in another process, and a row placed
    by such a stale postcode would keep its place for as long as its digest holds."""
    forget_places()
    taxonomy = sorted((node.id, node.slug) for node in get_taxonomy(session).by_id.values())
    context = [mapping.model_dump(mode="json"), taxonomy, repository.last_postcodes_run(session), _READING, _LIBRARIES]
    key = hashlib.blake2b(json.dumps(context, sort_keys=True).encode(), digest_size=32).digest()
    digests = repository.unchanged_row_digests(session, mapping.source) if trusted else {}
    return KnownRows(key, tuple(sorted(mapping.columns())), digests)
