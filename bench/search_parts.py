"""What each part of a nearby search costs, one search at a time: `python -m bench.search_parts`.

On one connection of the bench database (autocommit and prepared, as the app's read sessions run), for each of the
fixed sample postcodes (bench/nearby.py `make_points`) in turn, through the app's own read session (so the client's
share of each statement counts, as it does in a request): the search's statement on psycopg's cursor
(`ReadSession.one_row`; the API awaits the same statement on psycopg's async connection), and the least SQL and the inline forms the same way, so that they compare like for like:
- the search's statement, with the services delivered remotely folded in (`repository.nearby_json_query`);
- the services delivered remotely alone, as a second statement (`repository.delivered_remotely_json`, through
  SQLAlchemy: how issue 19 first ran them, after the search's statement);
- the least SQL (bench/nearby.py `FLOOR_STATEMENT`: the 20 nearest ids and the exact count);
- the search's statement and the least SQL with the origin written inline, as both were before `565e68f`
  (`INLINE_ORIGIN`; app/search/repository.py says why it is a subquery now).
Each is run once per postcode per round, in turn, so that they see the same machine, in an order that rotates from one
postcode to the next (`_rotated`); the first round warms up.
"""

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from app.areas.models import WHOLE_UK
from app.areas.repository import SERVES_POINT_FILTER
from app.core.replicas import ReadSession
from app.search import repository
from bench import common, nearby

REMOTE = [SERVES_POINT_FILTER]
INLINE_ORIGIN = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography"


def inline_origin(statement: str) -> str:
    return statement.replace(repository.ORIGIN, INLINE_ORIGIN)


def _rotated(names: list[str], i: int) -> list[str]:
    """The parts in the order for the `i`-th postcode: each leads equally often. Whichever part runs first at a
    postcode reads its pages from disk or shared buffers into the CPU's caches, and the parts after it find them
    there: in a fixed order the search's statement looked 10–20% cheaper when it was not first."""
    k = i % len(names)
    return names[k:] + names[:k]


def run(url: str, rounds: int) -> dict[str, Any]:
    postcodes = nearby.make_points(url)
    eng = common.engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        points = conn.execute(
            text("SELECT p.lat, p.lon FROM bench_point b JOIN postcode p USING (key) ORDER BY b.i")
        ).all()
        remote_services = conn.execute(
            text("SELECT count(*) FROM asset WHERE status = 'published' AND delivery <> 'location'")
        ).scalar_one()
    search_inline, floor_inline = inline_origin(repository.nearby_json_statement([], REMOTE)), inline_origin(nearby.FLOOR_STATEMENT)
    page = {**repository.page_params(nearby.LIMIT, 0), "remote_limit": nearby.LIMIT}
    parts: dict[str, Callable[[ReadSession, dict[str, Any]], object]] = {
        "search statement, remote folded in": lambda s, p: s.one_row(
            *repository.nearby_json_query([], REMOTE, p, nearby.LIMIT, 0, nearby.LIMIT)
        ),
        "remote alone, as a second statement": lambda s, p: repository.delivered_remotely_json(
            s, REMOTE, p, nearby.LIMIT
        ),
        "least SQL": lambda s, p: s.one_row(nearby.FLOOR_STATEMENT, {**p, "limit": nearby.LIMIT}),
        "search statement, origin inline (before)": lambda s, p: s.one_row(search_inline, {**p, **page}),
        "least SQL, origin inline (before)": lambda s, p: s.one_row(floor_inline, {**p, "limit": nearby.LIMIT}),
    }
    ms: dict[str, list[float]] = {name: [] for name in parts}
    names = list(parts)
    with ReadSession(eng, eng, None) as session:
        for round_ in range(rounds + 1):
            for i, (lat, lon) in enumerate(points):
                params = {"lat": lat, "lon": lon, "radius": nearby.RADIUS_M, "whole_uk": WHOLE_UK}
                for name in _rotated(names, i):
                    started = time.perf_counter()
                    parts[name](session, params)
                    if round_:  # round 0 warms up
                        ms[name].append((time.perf_counter() - started) * 1000)
    eng.dispose()
    return {
        "machine": common.machine(url), "points": len(postcodes), "rounds": rounds, "remote_services": remote_services,
        "parts": {name: {"mean_ms": round(statistics.mean(v), 3), "p50_ms": round(statistics.median(v), 3),
                         "p90_ms": round(statistics.quantiles(v, n=10)[8], 3)} for name, v in ms.items()},
    }


def report(result: dict[str, Any], command: str) -> str:
    rows = [[name, f"{p['mean_ms']:.2f}", f"{p['p50_ms']:.2f}", f"{p['p90_ms']:.2f}"] for name, p in result["parts"].items()]
    return "\n\n".join([
        "### The nearby search's parts, one search at a time",
        common.machine_line(result["machine"]),
        f"Command: `{command}`: {result['points']:,} postcodes × {result['rounds']} rounds, each part in turn (the order rotating from postcode to postcode) on one "
        f"connection; {result['remote_services']:,} published services delivered remotely in the database.",
        common.table(["part", "mean ms", "p50 ms", "p90 ms"], rows),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database", default=common.BENCH_DB)
    args = parser.parse_args()
    url = common.bench_url(args.database)
    result = run(url, args.rounds)
    command = f"python -m bench.search_parts --rounds {args.rounds}"
    common.publish("search-parts", "search_parts", result, report(result, command))


if __name__ == "__main__":
    main()
