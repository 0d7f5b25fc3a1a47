"""Loading postcode and outcode files with COPY: the whole UK (2.7M rows) in well under two minutes.

The file is streamed into a temporary table inside the caller's transaction and only then replaces the table, so a
file that turns out to be broken half-way (bad encoding, a truncated .gz) raises `Invalid` and changes nothing.
"""

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Connection, text

from app.core.db import get_engine
from app.core.errors import Invalid
from app.geo.service import forget_places
from app.imports.models import ImportRun
from app.imports.record import recorded_run
from app.imports.runner import BROKEN_GZIP, file_source, open_file

ProgressFn = Callable[[int], None]


def _open_text(path: Path) -> io.TextIOWrapper:
    """The file (a .gz decompressed, through the importers' one `open_file`) streamed as UTF-8 text, for COPY."""
    return io.TextIOWrapper(open_file(path), encoding="utf-8", newline="")


def _check_header(header: list[str], wanted: set[str], path: Path) -> None:
    missing = wanted - set(header)
    if missing:
        raise Invalid(f"{path.name} is missing the column(s) {', '.join(sorted(missing))}; found {', '.join(header)}.")


def _chunks(path: Path, columns: tuple[str, ...], on_progress: ProgressFn | None) -> Iterator[bytes]:
    try:
        yield from _read_chunks(path, columns, on_progress)
    except UnicodeDecodeError as exc:
        raise Invalid(f"{path.name} is not UTF-8 text (a bad byte at position {exc.start:,}); nothing was loaded.") from None
    except BROKEN_GZIP as exc:
        raise Invalid(f"{path.name} is not a complete gzip file ({exc}); nothing was loaded.") from None
    except csv.Error as exc:
        raise Invalid(f"{path.name} is not a readable CSV file ({exc}); nothing was loaded.") from None


def _read_chunks(path: Path, columns: tuple[str, ...], on_progress: ProgressFn | None) -> Iterator[bytes]:
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        _check_header(header, set(columns), path)
        index = [header.index(c) for c in columns]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        count = 0
        for row in reader:
            writer.writerow([row[i] if i < len(row) else "" for i in index])
            count += 1
            if count % 50_000 == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
                if on_progress:
                    on_progress(50_000)
        yield buffer.getvalue().encode()
        if on_progress:
            on_progress(count % 50_000)


def import_postcodes(
    path: Path, outcodes: Path | None = None, dry_run: bool = False, on_progress: ProgressFn | None = None
) -> ImportRun:
    """Replaces the postcodes (and outcodes, if given) in one transaction, or only reads them; a recorded run."""
    source = file_source(path) + (f" with {file_source(outcodes)}" if outcodes else "")
    with recorded_run("postcodes", source, dry_run) as run:
        with get_engine().begin() as conn:
            count = load_postcodes(conn, path, on_progress, dry_run)
            outcode_count = load_outcodes(conn, outcodes, dry_run) if outcodes else 0
        run.counts = {"postcodes": count, "outcodes": outcode_count}
        loaded = f"{count:,} postcodes" + (f" and {outcode_count:,} outcodes" if outcode_count else "")
        run.message = f"Dry run (nothing saved): read {loaded}." if dry_run else f"Loaded {loaded}."
    return run


_NUMBER = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"

_POSTCODES = """
    SELECT DISTINCT ON (key) key, left(key, length(key) - 3) || ' ' || right(key, 3) AS postcode, lat::float, long::float
    FROM (SELECT upper(replace(postcode, ' ', '')) AS key, lat, long FROM postcode_in
          WHERE lat <> '' AND long <> '' AND length(replace(postcode, ' ', '')) BETWEEN 5 AND 7) s
    ORDER BY key
"""
_OUTCODES = """
    SELECT upper(outcode), latitude::float, longitude::float, coalesce(nullif(n_postcodes, '')::int, 0)
    FROM outcode_in WHERE latitude <> '' AND longitude <> ''
"""


def _copy_in(conn: Connection, path: Path, table: str, columns: tuple[str, ...], on_progress: ProgressFn | None) -> None:
    """The file's `columns`, as text, into a temporary table dropped at the end of the transaction."""
    conn.execute(text(f"CREATE TEMP TABLE {table} ({', '.join(f'{c} text' for c in columns)}) ON COMMIT DROP"))
    with conn.connection.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv)") as copy:
        for chunk in _chunks(path, columns, on_progress):
            copy.write(chunk)


def _require_numbers(conn: Connection, path: Path, table: str, key: str, columns: tuple[str, str]) -> None:
    """Invalid, naming the first row, when a coordinate is neither empty nor a number (before any cast fails)."""
    bad = conn.execute(
        text(
            f"SELECT {key}, {columns[0]}, {columns[1]} FROM {table} WHERE "
            + " OR ".join(f"({c} <> '' AND {c} !~ :number)" for c in columns)
            + " LIMIT 1"
        ),
        {"number": _NUMBER},
    ).first()
    if bad:
        raise Invalid(
            f"{path.name}: {bad[0]} has a {' / '.join(columns)} that is not a number ({bad[1]!r}, {bad[2]!r}); "
            "nothing was loaded."
        )


def load_postcodes(conn: Connection, path: Path, on_progress: ProgressFn | None = None, dry_run: bool = False) -> int:
    """Replaces the postcode table with the file's rows that have coordinates (a dry run checks and counts them the
    same way, and replaces nothing). Returns the row count."""
    conn.execute(text("SET LOCAL statement_timeout = 0"))  # the web timeout is far too short for 2.7M rows
    _copy_in(conn, path, "postcode_in", ("postcode", "lat", "long"), on_progress)
    _require_numbers(conn, path, "postcode_in", "postcode", ("lat", "long"))
    if dry_run:
        return conn.execute(text(f"SELECT count(*) FROM ({_POSTCODES}) s")).scalar_one()
    conn.execute(text("TRUNCATE postcode"))
    loaded = conn.execute(text(f"INSERT INTO postcode (key, postcode, lat, lon) {_POSTCODES}")).rowcount
    forget_places()
    return loaded


def load_outcodes(conn: Connection, path: Path, dry_run: bool = False) -> int:
    _copy_in(conn, path, "outcode_in", ("outcode", "latitude", "longitude", "n_postcodes"), None)
    _require_numbers(conn, path, "outcode_in", "outcode", ("latitude", "longitude"))
    if dry_run:
        return conn.execute(text(f"SELECT count(*) FROM ({_OUTCODES}) s")).scalar_one()
    conn.execute(text("TRUNCATE outcode"))
    loaded = conn.execute(text(f"INSERT INTO outcode (outcode, lat, lon, n_postcodes) {_OUTCODES}")).rowcount
    forget_places()
    return loaded
