"""Bulk import throughput through the real command lines: `python -m bench.imports`.

- Postcodes: the whole UK file (2.7M rows) with `assetmap import postcodes FILE --outcodes …` (COPY) into a scratch
  database (`assetmap_bench_import`, created and migrated here). Target: under two minutes.
- CSV: `--csv-rows` synthetic assets written as a council's spreadsheet might be (name, address, postcode, lat/lon,
  a category column, a cost column, opening hours per weekday) with a mapping in the format of docs/imports.md, then
  `assetmap import csv FILE --mapping M.yaml`, three times: the first run creates every asset, the second finds them
  all unchanged (by their rows' digests, app/imports/digests.py), and the third, with the digests cleared, reads and
  compares every row as an import of changed rows does. The rows come from the bench database (bench/generate.py), so
  run that first. Target: 2,000 rows/s for the first two runs.
- The peer, in the same run: `ogr2ogr` (Debian's gdal-bin) loading the same CSV into a new PostGIS table of the
  scratch database (COPY, points from the Latitude/Longitude columns). It writes no history, categories, sessions or
  identifiers, so the ratio shows what those cost. Target: our rows/s at least 10% of its rows/s.
- The database's own floor, in the same run: the imported places written again by one INSERT … SELECT into `asset`
  (rolled back; no items, history, categories or sessions), once with all of the table's indexes and once with its
  primary key alone. The first is the least that creating those places can cost here; the gap between the two is
  what the indexes cost.

Each figure is rows per second of wall time, start-up of the command included. `--csv-only` leaves out the postcodes.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.core.provision import create_database, drop_database, migrate
from bench import common, generate

SCRATCH_DB = "assetmap_bench_import"
POSTCODE_TARGET_S = 120
CSV_TARGET_ROWS_S = 2_000
PEER_TARGET_RATIO = 0.10
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MAPPING = """\
source: bench-csv
external_id: id
fields:
  name: Name
  address: Address
  postcode: Postcode
  lat: Latitude
  lon: Longitude
  free: Free
  drop_in: Drop in
  accessibility: Accessibility
categories:
  column: Category
  values: {values}
schedule:
{schedule}
"""


def assetmap(url: str, *args: str) -> float:
    """Runs the `assetmap` command against `url`; returns its wall time in seconds."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(common.ROOT)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from app.cli import app; app()", *args], cwd=common.ROOT, env=env, check=True)
    return time.perf_counter() - started


def ogr2ogr(url: str, data: Path) -> float:
    """Loads the CSV with ogr2ogr into a new table `ogr_assets` of `url`'s database; returns its wall time in seconds."""
    u = make_url(url)
    target = f"PG:host={u.host or '127.0.0.1'} port={u.port or 5432} user={u.username or 'postgres'} dbname={u.database}"
    command = [
        common.require("ogr2ogr"), "-f", "PostgreSQL", target, str(data), "-nln", "ogr_assets", "-overwrite",
        "-oo", "X_POSSIBLE_NAMES=Longitude", "-oo", "Y_POSSIBLE_NAMES=Latitude", "-a_srs", "EPSG:4326",
        "-lco", "GEOMETRY_NAME=geom", "--config", "PG_USE_COPY", "YES",
    ]
    started = time.perf_counter()
    subprocess.run(command, env=common.libpq_env(url), check=True)
    return time.perf_counter() - started


# The imported places as new rows of `asset` (items and tile points left to a later step, as an import does).
FLOOR_INSERT = """
    INSERT INTO asset (id, source, external_id, postcode, exact_location, status, updated_at, name, address,
                       location_precision, delivery, free, accessibility, drop_in)
    SELECT gen_random_uuid(), source, external_id || '-floor', postcode, exact_location, status, updated_at, name,
           address, location_precision, delivery, free, accessibility, drop_in
    FROM asset WHERE source = 'bench-csv'
"""
# Every index of `asset` but its primary key, as the statement that removes it.
INDEX_DROPS = """
    SELECT CASE WHEN c.conname IS NULL THEN format('DROP INDEX %s', i.indexrelid::regclass)
                ELSE format('ALTER TABLE asset DROP CONSTRAINT %I', c.conname) END
    FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
    WHERE i.indrelid = 'asset'::regclass AND NOT i.indisprimary
"""


def insert_floor(url: str) -> dict[str, Any]:
    """Seconds (and rows) of FLOOR_INSERT with all of `asset`'s indexes and with its primary key alone, each rolled back."""
    measured: dict[str, Any] = {}
    with common.engine(url).connect() as conn:
        for label in ("indexed", "key_only"):
            with conn.begin() as transaction:
                drops = conn.execute(text(INDEX_DROPS)).scalars().all()
                if label == "key_only":
                    for drop in drops:
                        conn.execute(text(drop))
                else:
                    measured["indexes"] = len(drops) + 1
                conn.execute(text("SELECT set_config('assetmap.items_deferred', 'on', true)"))
                started = time.perf_counter()
                measured[f"{label}_rows"] = conn.execute(text(FLOOR_INSERT)).rowcount
                measured[label] = time.perf_counter() - started
                transaction.rollback()
    return measured


def postcodes(url: str) -> dict[str, Any]:
    seconds = assetmap(url, "import", "postcodes", str(generate.UK_POSTCODES), "--outcodes", str(generate.OUTCODES))
    with common.engine(url).connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM postcode")).scalar_one()
    return {"rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds)}


def write_csv(bench: str, rows: int, path: Path) -> tuple[list[str], int]:
    """Synthetic assets from the bench database as a spreadsheet (at most `rows`: the published ones). Returns the
    category values used and how many rows it wrote."""
    sql = text(
        """
        SELECT a.external_id, a.name, a.address, a.postcode, ST_Y(a.location::geometry), ST_X(a.location::geometry),
               a.free, a.drop_in, array_to_string(a.accessibility, ';'),
               (SELECT c.name FROM asset_category ac JOIN category c ON c.id = ac.category_id
                WHERE ac.asset_id = a.id ORDER BY c.position LIMIT 1),
               ARRAY(SELECT coalesce(string_agg(to_char(s.opens, 'HH24:MI') || '-' || to_char(s.closes, 'HH24:MI'), ','), '')
                     FROM generate_series(0, 6) d LEFT JOIN asset_session s ON s.asset_id = a.id AND s.weekday = d
                     GROUP BY d ORDER BY d)
        FROM asset a WHERE a.status = 'published' ORDER BY a.external_id LIMIT :n
        """
    )
    with common.engine(bench).connect() as conn, path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "Name", "Address", "Postcode", "Latitude", "Longitude", "Free", "Drop in",
                         "Accessibility", "Category", *[f"{d} hours" for d in DAYS]])
        categories: set[str] = set()
        written = 0
        for ext, name, address, postcode, lat, lon, free, drop_in, access, category, hours in conn.execute(sql, {"n": rows}):
            categories.add(category)
            yes_no = {True: "yes", False: "no", None: ""}
            writer.writerow([ext, name, address, postcode, f"{lat:.6f}", f"{lon:.6f}", yes_no[free], yes_no[drop_in],
                             access, category, *hours])
            written += 1
    return sorted(categories), written


def csv_import(bench: str, url: str, rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data, mapping = Path(tmp) / "assets.csv", Path(tmp) / "mapping.yaml"
        names, rows = write_csv(bench, rows, data)
        with common.engine(bench).connect() as conn:
            slug = dict(conn.execute(text("SELECT name, slug FROM category")).all())
        values = "{" + ", ".join(f'"{n}": {slug[n]}' for n in names) + "}"
        schedule = "\n".join(f"  {d}: {d} hours" for d in DAYS)
        mapping.write_text(MAPPING.format(values=values, schedule=schedule))
        created = assetmap(url, "import", "csv", str(data), "--mapping", str(mapping))
        unchanged = assetmap(url, "import", "csv", str(data), "--mapping", str(mapping))
        with common.engine(url).begin() as conn:
            conn.execute(text("UPDATE asset_source_id SET row_digest = NULL"))
        read = assetmap(url, "import", "csv", str(data), "--mapping", str(mapping))
        peer = ogr2ogr(url, data)
    floor = insert_floor(url)
    with common.engine(url).connect() as conn:
        saved = conn.execute(text("SELECT count(*) FROM asset WHERE source = 'bench-csv'")).scalar_one()
        history = conn.execute(text("SELECT count(*) FROM asset_history")).scalar_one()
        peer_rows = conn.execute(text("SELECT count(*) FROM ogr_assets")).scalar_one()
    peer_rate = peer_rows / peer
    return {
        "rows": rows, "saved": saved, "history": history,
        "create_seconds": round(created, 1), "create_rows_per_s": round(rows / created),
        "unchanged_seconds": round(unchanged, 1), "unchanged_rows_per_s": round(rows / unchanged),
        "read_seconds": round(read, 1), "read_rows_per_s": round(rows / read), "read_ratio": round(rows / read / peer_rate, 3),
        "ogr2ogr_rows": peer_rows, "ogr2ogr_seconds": round(peer, 1), "ogr2ogr_rows_per_s": round(peer_rate),
        "create_ratio": round(rows / created / peer_rate, 3), "unchanged_ratio": round(rows / unchanged / peer_rate, 3),
        "indexes": floor["indexes"],
        "floor_rows": floor["indexed_rows"], "floor_seconds": round(floor["indexed"], 2),
        "floor_rows_per_s": round(floor["indexed_rows"] / floor["indexed"]),
        "floor_ratio": round(floor["indexed_rows"] / floor["indexed"] / peer_rate, 3),
        "key_only_seconds": round(floor["key_only"], 2), "key_only_rows_per_s": round(floor["key_only_rows"] / floor["key_only"]),
        "key_only_ratio": round(floor["key_only_rows"] / floor["key_only"] / peer_rate, 3),
    }


def report(result: dict[str, Any], command: str) -> str:
    p, c = result["postcodes"], result.get("csv")
    rows = [] if not p else [
        ["postcodes, whole UK (`assetmap import postcodes`, COPY)", f"{p['rows']:,}", p["seconds"], f"{p['rows_per_s']:,}", ""]
    ]
    if c:
        rows += [
            ["CSV, new assets (`assetmap import csv`)", f"{c['rows']:,}", c["create_seconds"], f"{c['create_rows_per_s']:,}",
             f"{c['create_ratio']:.0%}"],
            ["CSV, same file again (all unchanged)", f"{c['rows']:,}", c["unchanged_seconds"], f"{c['unchanged_rows_per_s']:,}",
             f"{c['unchanged_ratio']:.0%}"],
            ["CSV, same file with the rows' digests cleared (every row read and compared)", f"{c['rows']:,}",
             c["read_seconds"], f"{c['read_rows_per_s']:,}", f"{c['read_ratio']:.0%}"],
            ["peer: `ogr2ogr` of the same CSV into a new PostGIS table", f"{c['ogr2ogr_rows']:,}", c["ogr2ogr_seconds"],
             f"{c['ogr2ogr_rows_per_s']:,}", "100%"],
        ]
        if "floor_rows" in c:
            rows += [
                [f"floor: the created places inserted again into `asset` by one INSERT … SELECT (rolled back), its "
                 f"{c['indexes']} indexes", f"{c['floor_rows']:,}", c["floor_seconds"], f"{c['floor_rows_per_s']:,}",
                 f"{c['floor_ratio']:.0%}"],
                ["the same with the primary key as its only index", f"{c['floor_rows']:,}", c["key_only_seconds"],
                 f"{c['key_only_rows_per_s']:,}", f"{c['key_only_ratio']:.0%}"],
            ]
    lines = [
        "### Bulk imports",
        common.machine_line(result["machine"]),
        f"Command: `{command}`.",
        common.table(["import", "rows", "seconds", "rows/s", "of ogr2ogr's rows/s"], rows),
    ]
    if p:
        met = "met" if p["seconds"] < POSTCODE_TARGET_S else "missed"
        lines.append(f"Postcodes: {p['seconds']} s for the whole UK (target under {POSTCODE_TARGET_S} s: {met}).")
    if c:
        verdict = {
            f"creating at least {CSV_TARGET_ROWS_S:,} rows/s": c["create_rows_per_s"] >= CSV_TARGET_ROWS_S,
            f"re-running at least {CSV_TARGET_ROWS_S:,} rows/s": c["unchanged_rows_per_s"] >= CSV_TARGET_ROWS_S,
            f"creating at least {PEER_TARGET_RATIO:.0%} of ogr2ogr's rows/s": c["create_ratio"] >= PEER_TARGET_RATIO,
            f"re-running at least {PEER_TARGET_RATIO:.0%} of ogr2ogr's rows/s": c["unchanged_ratio"] >= PEER_TARGET_RATIO,
        }
        lines.append(
            "CSV targets: " + "; ".join(f"{name}: {'met' if ok else 'missed'}" for name, ok in verdict.items())
            + f". The first run wrote {c['saved']:,} assets and {c['history']:,} history entries; the others wrote none."
        )
    if c and "floor_rows" in c:
        budget = c["rows"] / (PEER_TARGET_RATIO * c["ogr2ogr_rows_per_s"])
        lines.append(
            f"The floor: at {PEER_TARGET_RATIO:.0%} of ogr2ogr's rows/s, creating {c['rows']:,} rows may take "
            f"{budget:.1f} s in all; one INSERT … SELECT of the created places into `asset`, with no items, history, "
            f"categories or sessions, took {c['floor_seconds']} s with the table's {c['indexes']} indexes and "
            f"{c['key_only_seconds']} s with its primary key alone."
        )
    return "\n\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv-rows", type=int, default=100_000)
    parser.add_argument("--csv-only", action="store_true", help="leave out the whole-UK postcode import")
    parser.add_argument("--database", default=common.BENCH_DB, help="the bench database the CSV rows come from")
    args = parser.parse_args()
    bench, url = common.bench_url(args.database), common.bench_url(SCRATCH_DB)
    drop_database(url, as_superuser=True)
    create_database(url, as_superuser=True)
    migrate(url)
    try:
        result: dict[str, Any] = {"machine": common.machine(url), "postcodes": None, "csv": None}
        if not args.csv_only:
            result["postcodes"] = postcodes(url)
            print(result["postcodes"], flush=True)
        result["csv"] = csv_import(bench, url, args.csv_rows)
        print(result["csv"], flush=True)
    finally:
        drop_database(url, as_superuser=True)
    command = f"python -m bench.imports --csv-rows {args.csv_rows}" + (" --csv-only" if args.csv_only else "")
    common.publish("imports", "imports", result, report(result, command))


if __name__ == "__main__":
    main()
