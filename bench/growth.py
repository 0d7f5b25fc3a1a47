"""How the app's costs grow with the data: `python -m bench.growth` (10k, 100k and 1M assets).

At each size: the nearby search over HTTP (p50 at concurrency 1, p50 and p95 at 8) with its SQL ceiling, our tiles
and bbox GeoJSON at zooms 8–16 one request at a time (the tile and bbox lists of bench/layers.py), and the size of the
map pages. Writes docs/bench-growth.png (matplotlib: `pip install -e '.[bench]'`) and a table in docs/benchmarks.md.
With indexes doing their job the latencies stay nearly flat, and the pages do not grow at all.
"""

import argparse
import socket
import statistics
from typing import Any

import httpx

from bench import common, generate, layers, nearby

SIZES = (10_000, 100_000, 1_000_000)
PLOT = common.ROOT / "docs" / "bench-growth.png"
PAGES = ("/", "/embed")


def layer_latency(base: str, tiles: dict[int, list[tuple[int, int]]], rounds: int) -> dict[str, float]:
    """p50 over every zoom's tiles and bboxes (ms), after one warm-up pass."""
    samples: dict[str, list[float]] = {"tile": [], "geojson": []}
    transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    with httpx.Client(headers={"Accept-Encoding": "gzip"}, timeout=60, transport=transport) as client:
        for round_ in range(rounds + 1):
            for z, xys in tiles.items():
                for x, y in xys:
                    box = ",".join(f"{v:.6f}" for v in layers.tile_bounds(z, x, y))
                    tile = layers.fetch(client, f"{base}/tiles/assets/{z}/{x}/{y}.pbf")
                    bbox = layers.fetch(client, f"{base}/api/v1/assets.geojson?bbox={box}&limit={layers.LIMIT}")
                    if round_:
                        samples["tile"].append(tile["ms"])
                        samples["geojson"].append(bbox["ms"])
    return {f"{kind}_p50_ms": round(statistics.median(ms), 2) for kind, ms in samples.items()}


def page_sizes(base: str) -> dict[str, int]:
    with httpx.Client(timeout=30) as client:
        return {path: len(client.get(f"{base}{path}").content) for path in PAGES}


def measure(url: str, size: int, seconds: int, per_zoom: int, rounds: int) -> dict[str, Any]:
    generate.generate(url, size)
    searched = nearby.run(url, seconds, (1, 8), floor=False)
    tiles = layers.workload(url, per_zoom)
    with common.app_server(url) as base:
        layer = layer_latency(base, tiles, rounds)
        pages = page_sizes(base)
    http = {r["concurrency"]: r for r in searched["http"]}
    sql = {r["concurrency"]: r for r in searched["sql"]}
    row = {
        "assets": size, "published": searched["published_assets"],
        "nearby_p50_c1_ms": http[1]["p50_ms"], "nearby_p50_c8_ms": http[8]["p50_ms"], "nearby_p95_c8_ms": http[8]["p95_ms"],
        "nearby_rps_c8": http[8]["rps"], "sql_rps_c8": sql[8]["rps"], "sql_p50_c1_ms": sql[1]["p50_ms"],
        **layer, "pages": pages, "load_average": searched["machine"]["load_average"],
    }
    print(row, flush=True)
    return row


def plot(rows: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["assets"] for r in rows]
    fig, (lat, page) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in (
        ("nearby_p50_c1_ms", "nearby p50, concurrency 1"),
        ("nearby_p50_c8_ms", "nearby p50, concurrency 8"),
        ("sql_p50_c1_ms", "nearby SQL alone (pgbench) p50, concurrency 1"),
        ("tile_p50_ms", "vector tile p50 (zooms 8–16)"),
        ("geojson_p50_ms", "bbox GeoJSON p50 (zooms 8–16)"),
    ):
        lat.plot(sizes, [r[key] for r in rows], marker="o", label=label)
    lat.set(xscale="log", xlabel="assets", ylabel="milliseconds", title="Latency against dataset size")
    lat.set_ylim(bottom=0)
    lat.legend(fontsize=8)
    for path in PAGES:
        page.plot(sizes, [r["pages"][path] / 1000 for r in rows], marker="o", label=f"GET {path}")
    page.set(xscale="log", xlabel="assets", ylabel="kB", title="Map page size against dataset size")
    page.set_ylim(0, 1.25 * max(size for r in rows for size in r["pages"].values()) / 1000)
    page.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)


def report(rows: list[dict[str, Any]], machine: dict[str, Any], command: str) -> str:
    table = common.table(
        ["assets", "nearby p50 c=1", "nearby p50 c=8", "nearby p95 c=8", "nearby req/s c=8", "SQL tx/s c=8",
         "tile p50", "GeoJSON p50", *[f"page {p} bytes" for p in PAGES], "load average"],
        [
            [f"{r['assets']:,}", f"{r['nearby_p50_c1_ms']:.1f} ms", f"{r['nearby_p50_c8_ms']:.1f} ms",
             f"{r['nearby_p95_c8_ms']:.1f} ms", f"{r['nearby_rps_c8']:,.0f}", f"{r['sql_rps_c8']:,.0f}",
             f"{r['tile_p50_ms']:.1f} ms", f"{r['geojson_p50_ms']:.1f} ms", *[f"{r['pages'][p]:,}" for p in PAGES],
             f"{r['load_average'][0]:.1f}"]
            for r in rows
        ],
    )
    return "\n\n".join([
        "### Growth: 10k → 100k → 1M assets",
        common.machine_line(machine),
        f"Command: `{command}`.",
        table,
        f"![Latency and page size against dataset size]({PLOT.name})",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seconds", type=int, default=10, help="length of each nearby run")
    parser.add_argument("--per-zoom", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database", default=common.BENCH_DB)
    args = parser.parse_args()
    url = common.bench_url(args.database)
    generate.prepare(url)
    machine = common.machine(url)
    rows = [measure(url, size, args.seconds, args.per_zoom, args.rounds) for size in sorted(args.sizes)]
    plot(rows)
    command = (f"python -m bench.growth --sizes {' '.join(map(str, sorted(args.sizes)))} --seconds {args.seconds} "
               f"--per-zoom {args.per_zoom} --rounds {args.rounds}")
    common.publish("growth", "growth", {"machine": machine, "rows": rows}, report(rows, machine, command))


if __name__ == "__main__":
    main()
