"""Rows a re-run of a CSV or GeoJSON import counts as unchanged without reading them again (migration 0027).

A row's digest covers the cells the mapping reads (and a GeoJSON feature's point) and everything they are read
through: the mapping, the taxonomy its category slugs resolve in, the postcodes that place a row without a position,
and the code that turns cells into an asset's fields. The bulk import stores it with each identifier it writes, with
the asset's `updated_at` (a row with notes gets none, so that they are reported again). Any later change to the asset
(an edit, a moderator's decision, another row's import) moves `updated_at` on, and the digest no longer vouches for
the row: it is read and compared as before, which also puts the source's values back over an edit.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

import app.assets
import app.imports
from app.categories.service import get_taxonomy
from app.core import text as core_text
from app.geo import postcodes as geo_postcodes
from app.imports import repository
from app.imports.mapping import Getter, Mapping

# The code that reads a row into fields: a new release that changes any of it reads every row once more.
_READING_CODE = sorted(
    [path for package in (app.imports, app.assets) for path in Path(package.__path__[0]).glob("*.py")]
    + [Path(str(core_text.__file__)), Path(str(geo_postcodes.__file__))]
)


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


def known_rows(session: Session, mapping: Mapping) -> KnownRows:
    """The digests of `mapping.source`'s rows as last imported, keyed by what reading a row depends on now."""
    taxonomy = sorted((node.id, node.slug) for node in get_taxonomy(session).by_id.values())
    reading = hashlib.blake2b(digest_size=32)
    for path in _READING_CODE:
        reading.update(path.read_bytes())
    context = [mapping.model_dump(mode="json"), taxonomy, repository.last_postcodes_run(session), reading.hexdigest()]
    key = hashlib.blake2b(json.dumps(context, sort_keys=True).encode(), digest_size=32).digest()
    return KnownRows(key, tuple(sorted(mapping.columns())), repository.unchanged_row_digests(session, mapping.source))
