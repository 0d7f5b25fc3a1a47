"""Bulk import throughput through the real command lines: `python -m bench.imports`.

- Postcodes: the whole UK file (2.7M rows) with `assetmap import postcodes FILE --outcodes …` (COPY) into a scratch
  database (`assetmap_bench_import`, created and migrated here). Target: under two minutes.
- CSV: `--csv-rows` synthetic assets written as a council's spreadsheet might be (name, address, postcode, lat/lon,
  a category column, a cost column, opening hours per weekday) with a mapping in the format of docs/imports.md, then
  `assetmap import csv FILE --mapping M.yaml`, twice: the first run creates every asset, the second finds them all
  unchanged. The rows come from the bench database (bench/generate.py), so run that first.

Each figure is rows per second of wall time, start-up of the command included.
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

from app.core.provision import create_database, drop_database, migrate
from bench import common, generate

SCRATCH_DB = "assetmap_bench_import"
POSTCODE_TARGET_S = 120
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


def has_csv_import() -> bool:
    from app.cli import import_app

    return any(command.name == "csv" for command in import_app.registered_commands)


def postcodes(url: str) -> dict[str, Any]:
    seconds = assetmap(url, "import", "postcodes", str(generate.UK_POSTCODES), "--outcodes", str(generate.OUTCODES))
    with common.engine(url).connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM postcode")).scalar_one()
    return {"rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds)}


def write_csv(bench: str, rows: int, path: Path) -> list[str]:
    """Synthetic assets from the bench database as a spreadsheet. Returns the category values used."""
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
        for ext, name, address, postcode, lat, lon, free, drop_in, access, category, hours in conn.execute(sql, {"n": rows}):
            categories.add(category)
            yes_no = {True: "yes", False: "no", None: ""}
            writer.writerow([ext, name, address, postcode, f"{lat:.6f}", f"{lon:.6f}", yes_no[free], yes_no[drop_in],
                             access, category, *hours])
    return sorted(categories)


def csv_import(bench: str, url: str, rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data, mapping = Path(tmp) / "assets.csv", Path(tmp) / "mapping.yaml"
        names = write_csv(bench, rows, data)
        with common.engine(bench).connect() as conn:
            slug = dict(conn.execute(text("SELECT name, slug FROM category")).all())
        values = "{" + ", ".join(f'"{n}": {slug[n]}' for n in names) + "}"
        schedule = "\n".join(f"  {d}: {d} hours" for d in DAYS)
        mapping.write_text(MAPPING.format(values=values, schedule=schedule))
        created = assetmap(url, "import", "csv", str(data), "--mapping", str(mapping))
        unchanged = assetmap(url, "import", "csv", str(data), "--mapping", str(mapping))
    with common.engine(url).connect() as conn:
        saved = conn.execute(text("SELECT count(*) FROM asset WHERE source = 'bench-csv'")).scalar_one()
    return {
        "rows": rows, "saved": saved,
        "create_seconds": round(created, 1), "create_rows_per_s": round(rows / created),
        "unchanged_seconds": round(unchanged, 1), "unchanged_rows_per_s": round(rows / unchanged),
    }


def report(result: dict[str, Any], command: str) -> str:
    p = result["postcodes"]
    met = "met" if p["seconds"] < POSTCODE_TARGET_S else "missed"
    lines = [
        "### Bulk imports",
        common.machine_line(result["machine"]),
        f"Command: `{command}`.",
        common.table(
            ["import", "rows", "seconds", "rows/s"],
            [["postcodes, whole UK (`assetmap import postcodes`, COPY)", f"{p['rows']:,}", p["seconds"], f"{p['rows_per_s']:,}"]]
            + ([] if not result.get("csv") else [
                ["CSV, new assets (`assetmap import csv`)", f"{result['csv']['rows']:,}", result["csv"]["create_seconds"],
                 f"{result['csv']['create_rows_per_s']:,}"],
                ["CSV, same file again (all unchanged)", f"{result['csv']['rows']:,}", result["csv"]["unchanged_seconds"],
                 f"{result['csv']['unchanged_rows_per_s']:,}"],
            ]),
        ),
        f"Postcodes: {p['seconds']} s for the whole UK (target under {POSTCODE_TARGET_S} s: {met}).",
    ]
    if not result.get("csv"):
        lines.append(
            "CSV: `assetmap import csv` is not on the branch these figures were measured on: **run after merge** "
            "(`python -m bench.imports --csv-rows 20000`)."
        )
    return "\n\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv-rows", type=int, default=20_000)
    parser.add_argument("--database", default=common.BENCH_DB, help="the bench database the CSV rows come from")
    args = parser.parse_args()
    bench, url = common.bench_url(args.database), common.bench_url(SCRATCH_DB)
    drop_database(url, as_superuser=True)
    create_database(url, as_superuser=True)
    migrate(url)
    try:
        result: dict[str, Any] = {"machine": common.machine(url), "postcodes": postcodes(url), "csv": None}
        print(result["postcodes"], flush=True)
        if has_csv_import():
            result["csv"] = csv_import(bench, url, args.csv_rows)
            print(result["csv"], flush=True)
    finally:
        drop_database(url, as_superuser=True)
    command = f"python -m bench.imports --csv-rows {args.csv_rows}"
    common.publish("imports", "imports", result, report(result, command))


if __name__ == "__main__":
    main()
