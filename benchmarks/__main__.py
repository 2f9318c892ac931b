"""Run every benchmark section and write BENCHMARKS.md at the repository root.

Usage: ``make bench`` (or ``.venv/bin/python -m benchmarks``). Loopback only.
"""

import datetime
import os
import pathlib
import platform
import sys
import time

from . import area, cluster, engine, fast_wms, load, tile
from .servers import running_servers

ROOT = pathlib.Path(__file__).resolve().parents[1]


def machine():
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.platform()}, Python {platform.python_version()}"


def load_average():
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main():
    started = time.perf_counter()
    load_before = load_average()
    print("engine ...", file=sys.stderr)
    engine_lines, engine_headline = engine.run()
    rows = engine.targets(engine_headline)
    print("engine beside OpenCV ...", file=sys.stderr)
    opencv_lines, opencv_ratios = engine.opencv_run()
    rows += engine.opencv_targets(opencv_ratios)
    print("servers: QGIS Server (WMS), our WPS and the tutorial's under gunicorn ...", file=sys.stderr)
    with running_servers() as servers:
        print("tile ...", file=sys.stderr)
        tile_lines, tile_headline = tile.run(servers)
        print("load ...", file=sys.stderr)
        load_lines, load_headline = load.run(servers)
        print("fast WMS: MapServer and our WPS over it ...", file=sys.stderr)
        fast_lines, fast_headline = fast_wms.run(servers.folder)
        print("areas: MapServer with MaxWidth 2048, the pipeline, the fetch alone and GDAL ...", file=sys.stderr)
        area_lines, area_headline = area.run(servers.folder)
        print("scale-out: PostgreSQL, Redis, a front end and one then two worker nodes ...", file=sys.stderr)
        cluster_lines, cluster_headline = cluster.run(servers.folder)
    rows += (tile.targets(tile_headline) + load.targets(load_headline) + fast_wms.targets(fast_headline)
             + area.targets(area_headline) + cluster.targets(cluster_headline))
    minutes = (time.perf_counter() - started) / 60
    text = [
        "# Benchmarks", "",
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {machine()}",
        "- Command: `make bench` (runs `.venv/bin/python -m benchmarks`)",
        f"- Run time: {minutes:.1f} min; load average (1, 5, 15 min) {load_before} at the start, "
        f"{load_average()} at the end (the machine is shared: figures vary by several ms between runs)", "",
        "## Targets", "", "| target | measured | met | why not |", "| --- | --- | --- | --- |",
        *[f"| {target} | {measured} | {'yes' if met else '**no**'} | {why} |" for target, measured, met, why in rows],
        "", *engine_lines, *opencv_lines, *fast_lines, *area_lines, *cluster_lines, *tile_lines, *load_lines,
    ]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(text) + "\n")
    for target, measured, met, _ in rows:
        print(f"{'ok  ' if met else 'MISS'} {target}: {measured}")
    print(f"wrote {ROOT / 'BENCHMARKS.md'} in {minutes:.1f} min")


if __name__ == "__main__":
    main()
