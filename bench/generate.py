"""Synthetic assets at real UK postcode positions, for the benchmarks: `python -m bench.generate --assets 100000`.

The bench database (`assetmap_bench` on DATABASE_URL's server) is created and migrated if missing, and the whole UK
postcode file is loaded into it once with the app's COPY loader (timed: the postcode import throughput). Assets are
then sampled from the postcodes with replacement, so their density follows where people live, and written by
PostgreSQL in a few `INSERT … SELECT` statements: categories in a realistic mix, weekly sessions, costs, ages and
access features. Running it again with a larger count adds the difference (the same random mix), so 10k → 100k → 1M
costs one 1M load; a smaller count starts again.
"""

import argparse
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from app.core.config import SHARED_DATA
from app.core.provision import create_database, migrate
from bench import common

UK_POSTCODES = SHARED_DATA / "postcodes" / "uk_postcodes_nspl_may2025.csv.gz"
OUTCODES = SHARED_DATA / "postcodes" / "outcode_centroids_derived.csv"
SOURCE = "bench"

# Relative frequency of each (leaf) category among a town's community assets: everyday places (worship, cafes, pubs,
# hairdressers, pharmacies, parks, community halls) far outnumber specialist services (debt advice, crisis support).
CATEGORY_MIX: dict[str, float] = {
    "places-of-worship": 10, "cafes": 9, "pubs": 9, "hairdressers": 6, "barbers": 4, "pharmacies": 5,
    "gp-practices": 3, "dentists": 3, "health-clinics": 1.5, "community-centres": 6, "warm-spaces": 1.5,
    "parks": 6, "community-gardens": 2, "conservation": 1, "sports-clubs": 5, "exercise-classes": 3,
    "leisure-centres": 1.5, "walking-groups": 1.5, "charities": 6, "volunteer-centres": 0.5, "clubs-societies": 3,
    "lunch-clubs": 1, "coffee-mornings": 2, "mens-sheds": 0.5, "befriending": 0.7, "choirs-music": 2,
    "arts-crafts": 2, "drama-dance": 1.5, "heritage-museums": 1, "reading-writing": 1, "faith-groups": 2,
    "libraries": 1.2, "adult-learning": 1, "digital-skills": 0.7, "english-language": 0.7, "youth-clubs": 1.5,
    "families": 2, "older-people-groups": 1.5, "older-people-advice": 0.5, "carers-support": 0.7,
    "food-banks": 1, "food-pantries": 0.7, "community-meals": 0.7, "debt-advice": 0.6, "benefits-advice": 0.6,
    "housing-advice": 0.5, "homelessness-support": 0.4, "wellbeing-activities": 1, "mental-health-services": 0.6,
    "crisis-support": 0.2, "mental-health-peer-support": 0.7, "bereavement-support": 0.4, "recovery-support": 0.6,
    "long-term-conditions": 0.8,
}
SECOND_CATEGORY_SHARE = 0.25  # assets filed under two categories
# Weekly schedules: a group that meets once or twice a week, a place open on weekdays (some on Saturdays too),
# or none recorded (opening times unknown, or only in the source's own words).
SCHEDULE_MIX = {"weekly": 0.40, "twice_weekly": 0.10, "weekdays": 0.20, "weekdays_and_saturday": 0.10, "none": 0.20}
# Who it is for, as (min_age, max_age, share): most are for everyone.
AGE_BANDS = [(None, None, 0.78), (5, 11, 0.03), (11, 18, 0.05), (16, 25, 0.02), (18, None, 0.06), (50, None, 0.03),
             (60, None, 0.03)]
STATUS_MIX = {"published": 0.94, "pending": 0.04, "archived": 0.02}
FREE_SHARE = 0.55
DROP_IN_SHARE = 0.45
ACCESS_FEATURES = ["step_free", "accessible_toilet", "hearing_loop", "quiet_space", "large_print", "bsl",
                   "accessible_parking", "changing_places", "assistance_dogs", "dementia_friendly"]
ACCESS_SHARE = [0.6, 0.35, 0.15, 0.15, 0.1, 0.05, 0.25, 0.03, 0.3, 0.12]  # of assets with each feature


def _thresholds(weights: list[float]) -> list[float]:
    """Cumulative upper bounds in [0, 1) for width_bucket(random(), …) to pick index i with probability w_i/Σw."""
    total, running, out = sum(weights), 0.0, []
    for w in weights[:-1]:
        running += w / total
        out.append(running)
    return out


def prepare(url: str, postcodes: Path = UK_POSTCODES) -> dict[str, Any] | None:
    """Creates and migrates the bench database; loads the postcodes if it has none. Returns the load's timing."""
    create_database(url, as_superuser=True)
    migrate(url)
    with common.engine(url).begin() as conn:
        if conn.execute(text("SELECT EXISTS (SELECT 1 FROM postcode)")).scalar_one():
            return None
        from app.imports.postcodes import load_outcodes, load_postcodes

        started = time.perf_counter()
        rows = load_postcodes(conn, postcodes)
        seconds = time.perf_counter() - started
        load_outcodes(conn, OUTCODES)
    timing = {"file": postcodes.name, "rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds)}
    common.save_results("postcodes", {"machine": common.machine(url), **timing})
    return timing


def add_assets(conn: Connection, count: int, start: int) -> None:
    """Inserts `count` assets numbered from `start`, with their categories and sessions."""
    slugs = list(CATEGORY_MIX)
    ids = dict(conn.execute(text("SELECT slug, id FROM category WHERE slug = ANY(:s)"), {"s": slugs}).all())
    missing = set(slugs) - set(ids)
    if missing:
        raise SystemExit(f"Categories missing from the taxonomy: {', '.join(sorted(missing))}")
    names = dict(conn.execute(text("SELECT slug, name FROM category WHERE slug = ANY(:s)"), {"s": slugs}).all())
    category_ids = [ids[s] for s in slugs]
    category_names = [names[s] for s in slugs]
    category_bounds = _thresholds([CATEGORY_MIX[s] for s in slugs])
    status_names, status_bounds = list(STATUS_MIX), _thresholds(list(STATUS_MIX.values()))
    conn.execute(text("SET LOCAL synchronous_commit = off"))
    conn.execute(text("DROP TABLE IF EXISTS bench_new"))
    conn.execute(
        text(
            """
            CREATE TEMP TABLE bench_new ON COMMIT DROP AS
            WITH pc AS (SELECT row_number() OVER () AS i, postcode, lat, lon FROM postcode),
                 n AS (SELECT count(*) AS n FROM postcode),
                 pick AS (SELECT g, 1 + floor(random() * n.n)::bigint AS i,
                                 width_bucket(random(), CAST(:category_bounds AS float8[])) + 1 AS c,
                                 width_bucket(random(), CAST(:status_bounds AS float8[])) + 1 AS s,
                                 width_bucket(random(), CAST(:age_bounds AS float8[])) + 1 AS band
                          FROM generate_series(:start, :start + :count - 1) g, n)
            SELECT gen_random_uuid() AS id, pick.g, pick.c, pick.band, pc.postcode,
                   (CAST(:status_names AS text[]))[pick.s] AS status,
                   -- within ~40 m of the postcode's centre, as several places share a postcode
                   ST_SetSRID(ST_MakePoint(pc.lon + (random() - 0.5) * 0.001, pc.lat + (random() - 0.5) * 0.0007),
                              4326)::geography AS location
            FROM pick JOIN pc USING (i)
            """
        ),
        {"start": start, "count": count, "category_bounds": category_bounds, "status_bounds": status_bounds,
         "status_names": status_names, "age_bounds": _thresholds([share for _, _, share in AGE_BANDS])},
    )
    conn.execute(
        text(
            """
            INSERT INTO asset (id, name, description, tags, address, postcode, location, free, drop_in, accessibility,
                               min_age, max_age, status, source, external_id, last_verified_at, created_at, updated_at)
            SELECT n.id, (CAST(:category_names AS text[]))[n.c] || ' ' || n.g,
                   'A synthetic ' || lower((CAST(:category_names AS text[]))[n.c]) || ' listing for benchmarks.',
                   ARRAY['bench'], n.g || ' High Street', n.postcode, n.location,
                   CASE WHEN random() < 0.9 THEN random() < :free END,
                   CASE WHEN random() < 0.8 THEN random() < :drop_in END,
                   ARRAY(SELECT f FROM unnest(CAST(:features AS text[]), CAST(:feature_share AS float8[])) AS x(f, p)
                         WHERE random() < p AND n.g IS NOT NULL),  -- correlated: drawn per asset
                   (CAST(:min_ages AS int[]))[n.band], (CAST(:max_ages AS int[]))[n.band],
                   n.status, :source, 'bench-' || n.g,
                   now() - random() * interval '730 days', now() - interval '800 days', now()
            FROM bench_new n
            """
        ),
        {"category_names": category_names, "free": FREE_SHARE, "drop_in": DROP_IN_SHARE, "features": ACCESS_FEATURES,
         "feature_share": ACCESS_SHARE, "source": SOURCE, "min_ages": [lo for lo, _, _ in AGE_BANDS],
         "max_ages": [hi for _, hi, _ in AGE_BANDS]},
    )
    conn.execute(
        text(
            """
            INSERT INTO asset_category (asset_id, category_id)
            SELECT id, (CAST(:ids AS int[]))[c] FROM bench_new
            UNION
            SELECT id, (CAST(:ids AS int[]))[width_bucket(random(), CAST(:bounds AS float8[])) + 1]
            FROM bench_new WHERE random() < :second
            """
        ),
        {"ids": category_ids, "bounds": category_bounds, "second": SECOND_CATEGORY_SHARE},
    )
    kinds = list(SCHEDULE_MIX)
    conn.execute(
        text(
            """
            WITH k AS (
                SELECT id, (CAST(:kinds AS text[]))[width_bucket(random(), CAST(:bounds AS float8[])) + 1] AS kind,
                       floor(random() * 7)::int AS d1, floor(random() * 7)::int AS d2,
                       make_time(9 + floor(random() * 11)::int, (ARRAY[0, 30])[1 + floor(random() * 2)::int], 0) AS t
                FROM bench_new
            )
            INSERT INTO asset_session (asset_id, weekday, opens, closes)
            SELECT id, d1, t, t + interval '2 hours' FROM k WHERE kind IN ('weekly', 'twice_weekly')
            UNION ALL
            SELECT id, (d1 + 1 + d2 % 6) % 7, t, t + interval '2 hours' FROM k WHERE kind = 'twice_weekly'
            UNION ALL
            SELECT id, d, time '09:00', time '17:00' FROM k, generate_series(0, 4) d
            WHERE kind IN ('weekdays', 'weekdays_and_saturday')
            UNION ALL
            SELECT id, 5, time '10:00', time '16:00' FROM k WHERE kind = 'weekdays_and_saturday'
            """
        ),
        {"kinds": kinds, "bounds": _thresholds(list(SCHEDULE_MIX.values()))},
    )


def generate(url: str, assets: int, batch: int = 250_000) -> dict[str, Any]:
    """Makes the bench database hold exactly `assets` synthetic assets (and nothing else). Returns timings."""
    eng = common.engine(url)
    with eng.begin() as conn:
        have = conn.execute(text("SELECT count(*) FROM asset")).scalar_one()
        others = conn.execute(text("SELECT count(*) FROM asset WHERE source IS DISTINCT FROM :s"), {"s": SOURCE}).scalar_one()
        if others:
            raise SystemExit(f"{url} holds {others} assets that are not synthetic: refusing to touch it.")
        if have > assets:
            conn.execute(text("TRUNCATE asset CASCADE"))
            have = 0
    started = time.perf_counter()
    done = have
    while done < assets:
        step = min(batch, assets - done)
        with eng.begin() as conn:
            add_assets(conn, step, done + 1)
        done += step
    seconds = time.perf_counter() - started
    # The whole database, not only the tables written here: the rows the triggers wrote (asset_item, asset_tile_point)
    # and the postcodes too, so that every benchmark starts on a vacuumed, analysed database, not on autovacuum's time.
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    eng.dispose()
    return {"assets": assets, "added": assets - have, "seconds": round(seconds, 1)}


def mix(url: str) -> dict[str, Any]:
    """What the database holds: share of each top-level category, of schedule kinds and of statuses."""
    with common.engine(url).connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM asset")).scalar_one()
        top = conn.execute(
            text(
                "SELECT split_part(c.path, '/', 1), count(DISTINCT ac.asset_id) FROM asset_category ac "
                "JOIN category c ON c.id = ac.category_id GROUP BY 1 ORDER BY 2 DESC"
            )
        ).all()
        sessions = conn.execute(
            text(
                "SELECT coalesce(n, 0) AS n, count(*) FROM asset a "
                "LEFT JOIN (SELECT asset_id, count(*) AS n FROM asset_session GROUP BY 1) s ON s.asset_id = a.id "
                "GROUP BY 1 ORDER BY 1"
            )
        ).all()
        statuses = conn.execute(text("SELECT status, count(*) FROM asset GROUP BY 1")).all()
    return {
        "assets": total,
        "top_categories": {k: v / total for k, v in top} if total else {},
        "sessions_per_asset": {int(k): v / total for k, v in sessions} if total else {},
        "status": {k: v / total for k, v in statuses} if total else {},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=100_000, help="how many assets the bench database should hold")
    parser.add_argument("--database", default=common.BENCH_DB, help="database name on DATABASE_URL's server")
    parser.add_argument("--postcodes", type=Path, default=UK_POSTCODES, help="postcode file (postcode,lat,long)")
    args = parser.parse_args()
    url = common.bench_url(args.database)
    loaded = prepare(url, args.postcodes)
    if loaded:
        print(f"Loaded {loaded['rows']:,} postcodes in {loaded['seconds']} s ({loaded['rows_per_s']:,} rows/s)")
    made = generate(url, args.assets)
    print(f"{args.database} holds {made['assets']:,} assets ({made['added']:,} added in {made['seconds']} s)")


if __name__ == "__main__":
    main()
