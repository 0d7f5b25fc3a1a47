"""Builds the demo data pack, data/demo/, from the shared open-data folder: `python scripts/build_demo_pack.py`.

The pack is what `assetmap load-demo` loads when `../shared/data/` is not beside the clone (docs/demo-data.md): real
open data, cut down to a few areas where it is large, gzip-compressed. What it holds, and its licences:
data/demo/README.md (written by hand; keep it in step with this script).

- postcodes: every postcode of Wales, Rutland, Manchester and Sheffield, and of the whole M postcode area (the tests
  use Manchester's), as rows of the national file, unchanged and in its order (terminated postcodes and rows without
  coordinates included, so the postcode importer treats them as it treats the national file). A postcode belongs to
  one of those councils when any of these holds:
    1. the ONS Postcode Directory (Nov 2025) gives it one of their council codes (W06*, E06000017, E08000003,
       E08000039): exact, and covers rows without coordinates;
    2. its point lies in, or within 2 km of, the council's super-generalised outline (measured on the British National
       Grid): catches postcodes the generalised outline cuts off along coasts and borders, and new postcodes of the
       May 2025 file that the directory lacks;
    3. it has no coordinates and its postcode district (outcode) holds a postcode chosen by 1 or 2.
- outcode centroids, the four outline files, libraries and GP practices: whole, only compressed.
- OpenStreetMap: the Rutland extract (GeoJSON, and the CSV the tests read), the Isle of Man GeoJSON extracts and two of
  its CSVs (the tests read them).
- deprivation: WIMD 2019 (all Wales); the IMD 2019 rows of the LSOAs of Rutland, Manchester and Sheffield (chosen by
  the file's 2019 council code: Sheffield was E08000019 then); those LSOAs' and every Welsh LSOA's centroid and
  super-generalised boundary.

The output is deterministic (gzip with mtime 0 and no file name; rows in their source order), so running it again
on the same folder gives byte-identical files.
"""

import argparse
import csv
import gzip
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "data" / "demo"

# Councils whose postcodes and deprivation data the pack holds, by their 2025 code (the outline files') ...
ENGLISH_COUNCILS = {"E06000017": "Rutland", "E08000003": "Manchester", "E08000039": "Sheffield"}
WALES_PREFIX = "W06"
# ... and by their code in the IoD2019 file (2019 codes: Sheffield was E08000019 before its 2023 boundary change).
IMD_COUNCILS = {"E06000017", "E08000003", "E08000019", "E08000039"}
POSTCODE_AREAS = {"M"}  # whole postcode areas kept as well: the tests use Manchester's postcodes
BUFFER_M = 2_000

NSPL = "postcodes/uk_postcodes_nspl_may2025.csv.gz"
ONSPD = "postcodes/onspd_nov2025_postcode_to_lad.csv.gz"
PACK_POSTCODES = "postcodes/demo_postcodes_nspl_may2025.csv.gz"
IMD = "deprivation/imd2019_File_2_IoD2019_Domains_of_Deprivation_lsoa11.csv"
CENTROIDS = "deprivation/lsoa11_centroids_ew.csv"
LSOA_BOUNDARIES = "deprivation/lsoa11_boundaries_super_generalised_clipped_ew.geojson.gz"

# Copied whole, compressed: (source, name in the pack).
WHOLE = [
    ("postcodes/outcode_centroids_derived.csv", None),
    *((f"boundaries/{level}_2025_uk_bsc.geojson", None) for level in ("ltla", "utla", "rgn", "ctry")),
    ("assets/uk_public_libraries_librarydata.csv", None),
    ("assets/gp_practices_england_wales_epraccur_active_geocoded.csv", None),
    ("assets/osm/rutland_osm_2018_community_pois.geojson", None),
    ("assets/osm/rutland_osm_2018_community_pois.csv", None),
    *(
        (f"assets/osm/isle_of_man/{name}.geojson", None)
        for name in ("charities", "food-and-drink", "healthcare", "offices", "places-of-worship", "shops")
    ),
    ("assets/osm/isle_of_man/charities.csv", None),
    ("assets/osm/isle_of_man/places-of-worship.csv", None),
    ("deprivation/wimd2019_lsoa11_wales.csv", None),
]


def write_gz(target: Path, data: bytes) -> None:
    """Gzip with no time stamp and no file name in the header, so the same input gives the same bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(data)


def read(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def key(postcode: str) -> str:
    return postcode.replace(" ", "").upper()


def outcode(postcode: str) -> str:
    k = key(postcode)
    return k[:-3]


def area(postcode: str) -> str:
    out = outcode(postcode)
    return out[: len(out) - len(out.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]


def target_outlines(shared: Path) -> shapely.Geometry:
    """The chosen councils' outlines, merged and widened by BUFFER_M, on the British National Grid (metres)."""
    features = json.loads(read(shared / "boundaries/ltla_2025_uk_bsc.geojson"))["features"]
    chosen = [
        shape(f["geometry"]).buffer(0)  # a few outlines are invalid; buffer(0) repairs them
        for f in features
        if f["properties"]["areacd"].startswith(WALES_PREFIX) or f["properties"]["areacd"] in ENGLISH_COUNCILS
    ]
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    merged = shapely.transform(unary_union(chosen), lambda xy: np.column_stack(to_bng.transform(xy[:, 0], xy[:, 1])))
    widened = merged.buffer(BUFFER_M)
    shapely.prepare(widened)
    return widened


def directory_postcodes(shared: Path) -> set[str]:
    """Postcodes the ONS Postcode Directory places in one of the chosen councils."""
    chosen: set[str] = set()
    with gzip.open(shared / ONSPD, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            lad = row["laua"]
            if lad.startswith(WALES_PREFIX) or lad in ENGLISH_COUNCILS:
                chosen.add(key(row["pcd"]))
    return chosen


def build_postcodes(shared: Path) -> tuple[bytes, dict[str, int]]:
    lines = read(shared / NSPL).decode("utf-8").splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    parsed = [next(csv.reader([line])) for line in rows]
    has_point = np.array([bool(r[1] and r[2]) and not (float(r[1]) == 0 and float(r[2]) == 0) for r in parsed])
    lat = np.array([float(r[1]) if ok else np.nan for r, ok in zip(parsed, has_point, strict=True)])
    lon = np.array([float(r[2]) if ok else np.nan for r, ok in zip(parsed, has_point, strict=True)])
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(lon, lat)
    near = np.zeros(len(parsed), dtype=bool)
    near[has_point] = shapely.contains_xy(target_outlines(shared), x[has_point], y[has_point])

    directory = directory_postcodes(shared)
    in_directory = np.array([key(r[0]) in directory for r in parsed])
    in_area = np.array([area(r[0]) in POSTCODE_AREAS for r in parsed])
    chosen = in_directory | near | in_area
    districts = {outcode(r[0]) for r, c in zip(parsed, chosen, strict=True) if c}
    by_district = np.array([not p and outcode(r[0]) in districts for r, p in zip(parsed, has_point, strict=True)])
    keep = chosen | by_district
    counts = {
        "rows": int(keep.sum()),
        "with coordinates": int((keep & has_point).sum()),
        "by the directory's council code": int(in_directory.sum()),
        "by the outline (within 2 km)": int(near.sum()),
        "only by the outline": int((near & ~in_directory & ~in_area).sum()),
        "in the M area": int(in_area.sum()),
        "without coordinates, by district only": int((by_district & ~chosen).sum()),
    }
    kept = "".join(line for line, k in zip(rows, keep, strict=True) if k)
    return (header + kept).encode("utf-8"), counts


def csv_rows_where(data: bytes, column: str, wanted: Iterable[str] | None = None, prefix: str | None = None) -> tuple[bytes, set[str]]:
    """The header and the rows whose `column` is in `wanted` or starts with `prefix`, byte for byte (a BOM kept)."""
    text = data.decode("utf-8")
    lines = text.splitlines(keepends=True)
    header = next(csv.reader([lines[0].lstrip("\ufeff")]))
    index = header.index(column)
    wanted = set(wanted or ())
    kept, values = [lines[0]], set()
    for line in lines[1:]:
        value = next(csv.reader([line]))[index]
        if value in wanted or (prefix and value.startswith(prefix)):
            kept.append(line)
            values.add(value)
    return "".join(kept).encode("utf-8"), values


def build_deprivation(shared: Path, out: Path) -> dict[str, int]:
    imd, councils = csv_rows_where(read(shared / IMD), "Local Authority District code (2019)", IMD_COUNCILS)
    lsoa_codes = {next(csv.reader([line]))[0] for line in imd.decode("utf-8").splitlines()[1:]}
    write_gz(out / "deprivation/imd2019_File_2_IoD2019_Domains_of_Deprivation_lsoa11_demo.csv.gz", imd)

    wales = {next(csv.reader([line]))[0] for line in read(shared / "deprivation/wimd2019_lsoa11_wales.csv").decode().splitlines()[1:]}
    centroids, found = csv_rows_where(read(shared / CENTROIDS), "LSOA11CD", lsoa_codes | wales)
    write_gz(out / "deprivation/lsoa11_centroids_ew_demo.csv.gz", centroids)

    collection = json.loads(read(shared / LSOA_BOUNDARIES))
    features = [f for f in collection["features"] if f["properties"]["LSOA11CD"] in lsoa_codes | wales]
    head = {k: v for k, v in collection.items() if k != "features"}
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"features":[\n'
    text += ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features) + "\n]}\n"
    write_gz(out / "deprivation/lsoa11_boundaries_super_generalised_clipped_ew_demo.geojson.gz", text.encode("utf-8"))
    return {
        "IMD 2019 LSOAs (Rutland, Manchester, Sheffield)": len(lsoa_codes),
        "WIMD 2019 LSOAs": len(wales),
        "LSOA centroids": len(found),
        "LSOA boundaries": len(features),
        "councils in the IMD rows": len(councils),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the pack (default: data/demo)")
    args = parser.parse_args(argv)
    shared, out = args.shared.resolve(), args.out.resolve()
    if not (shared / NSPL).is_file():
        print(f"{shared} is not the shared data folder (no {NSPL}).", file=sys.stderr)
        return 1

    for source, name in WHOLE:
        write_gz(out / (name or source + ".gz"), (shared / source).read_bytes())
    postcodes, counts = build_postcodes(shared)
    write_gz(out / PACK_POSTCODES, postcodes)
    print("Postcodes:", ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    print("Deprivation:", ", ".join(f"{v:,} {k}" for k, v in build_deprivation(shared, out).items()))

    files = sorted(p for p in out.rglob("*.gz"))
    total = sum(p.stat().st_size for p in files)
    for p in files:
        print(f"{p.stat().st_size:>12,}  {p.relative_to(out)}")
    print(f"{total:>12,}  in all ({len(files)} files)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
