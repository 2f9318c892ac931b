"""Areas (issue 13): the whole pipeline against the fetch alone and against GDAL's own WMS download.

A fast WMS (MapServer, ``sandbox.mapserver``) serves an RGB raster of ``RASTER_SIDE`` pixels and
advertises a MaxWidth/MaxHeight of ``REQUEST_SIDE`` (its MAXSIZE). Each area is the raster's own
grid (no resampling), ``N`` x ``N`` pixels from its second row and column, so that every halo lies
inside it. Each run is a separate Python process, timed end to end; its peak RSS is its own
``VmHWM`` (the kernel's ``ru_maxrss`` of an exec'd child would also count the peak of the process
that started it):

- *pipeline*: ``wmsedge`` itself: plan, concurrent fetch (4 at once), ``sobel_x``, COG;
- *fetch alone*: the same GetMap requests at the same concurrency, the images decoded and dropped
  (the ceiling of anything that fetches these pixels through this WMS);
- *GDAL*: what a user would otherwise do to get the same pixels, without any filtering: GDAL's WMS
  driver (``gdal_translate`` of a GDAL_WMS description, blocks of ``REQUEST_SIDE``, 4 connections)
  writing a COG with the same compression; run as ``gdal.Translate`` in the child, so that its
  memory is counted the same way.

CPU is split between MapServer's process tree and the run's own process (psutil).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from sandbox.mapserver import LAYER, MapServer
from wmsedge_engine.cores import usable_cores

from .load import tree_cpu
from .tile import qgis_environment

SIDES = tuple(int(side) for side in os.environ.get("WMSEDGE_BENCH_AREA_SIDES", "4096 8192 16384").split())
REQUEST_SIDE = 2048
RASTER_SIDE = max(SIDES) + 2
PIXEL = 2.0 ** -17  # degree, as the sandbox's MapServer raster
XMIN, YMAX = -73.5, 45.6
CONCURRENCY = 4
METHOD = "sobel_x"
CANCEL_AFTER = 3.0  # seconds into a run
TARGET_OVER_FETCH, TARGET_OVER_GDAL = 1.25, 1.0
TARGET_RSS_GROWTH, TARGET_RSS_MIB = 1.2, 400
TARGET_CANCEL_SECONDS = 1.0


def bounds(side=RASTER_SIDE):
    return (XMIN, YMAX - side * PIXEL, XMIN + side * PIXEL, YMAX)


def write_raster(path: Path, side: int = RASTER_SIDE) -> Path:
    """An RGB GeoTIFF of ``side``² pixels from (XMIN, YMAX), written in strips: ramps, a checkerboard, noise."""
    import rasterio
    from rasterio.crs import CRS
    from rasterio.transform import Affine
    from rasterio.windows import Window

    profile = {"driver": "GTiff", "width": side, "height": side, "count": 3, "dtype": "uint8",
               "crs": CRS.from_epsg(4326), "transform": Affine(PIXEL, 0.0, XMIN, 0.0, -PIXEL, YMAX),
               "tiled": True, "blockxsize": 512, "blockysize": 512, "photometric": "RGB", "BIGTIFF": "IF_SAFER"}
    generator = np.random.default_rng(13)
    with rasterio.open(path, "w", **profile) as dataset:
        for row0 in range(0, side, 512):
            rows, cols = np.indices((min(512, side - row0), side))
            rows += row0
            noise = generator.integers(0, 3, rows.shape)
            bands = [(cols // 4 + noise) % 256, (rows // 4) % 256, 60 + 120 * ((rows // 64 + cols // 64) % 2)]
            dataset.write(np.stack(bands).astype(np.uint8), window=Window(0, row0, side, rows.shape[0]))
    return path


def area_plan(url: str, side: int):
    from wmsedge_engine.area import area_grid, plan_blocks
    from wmsedge_engine.area.wms_source import advertised_block_size
    from wmsedge_engine.georef import Extent
    from wmsedge_engine.wms import WmsClient

    extent = Extent(XMIN + PIXEL, YMAX - (side + 1) * PIXEL, XMIN + (side + 1) * PIXEL, YMAX - PIXEL)
    client = WmsClient(timeout=120)
    return plan_blocks(area_grid(extent, pixel_size=PIXEL), advertised_block_size(client, url)), client


class PhaseClock:
    """A GDAL binding that notes this process's wall and CPU times (user, system) when each step of
    the COG starts and when the last ends, so that a run's time splits into blocks, overviews and COG."""

    def __init__(self, binding):
        self._binding = binding
        self.marks = {}

    def __getattr__(self, name):
        return getattr(self._binding, name)

    def mark(self, name):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.marks[name] = (time.perf_counter(), usage.ru_utime, usage.ru_stime)

    def add_overviews(self, *args):
        self.mark("overviews")
        self._binding.add_overviews(*args)

    def copy_to_cog(self, *args):
        self.mark("cog")
        self._binding.copy_to_cog(*args)
        self.mark("end")

    def phases(self) -> dict:
        """(seconds, user CPU s, system CPU s) of each phase."""
        names = [name for name in ("start", "overviews", "cog", "end") if name in self.marks]
        return {name: tuple(b - a for a, b in zip(self.marks[name], self.marks[following]))
                for name, following in zip(names, names[1:])}


def child(kind: str, url: str, side: int, output: str) -> dict:
    """One run, in this process (called as ``python -m benchmarks.area KIND URL SIDE OUTPUT``)."""
    from wmsedge_engine.area import AreaCanceled, run_area
    from wmsedge_engine.area.cog import CogSink, default_binding
    from wmsedge_engine.area.wms_source import WmsPixelSource

    plan, client = area_plan(url, side)
    source = WmsPixelSource(client, url, LAYER, "EPSG:4326", requests_per_host=CONCURRENCY)
    report = {"blocks": len(plan), "block_size": plan.block_size}
    clock = PhaseClock(default_binding())
    clock.mark("start")
    start = clock.marks["start"][0]
    if kind == "fetch":
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            for pixels in pool.map(lambda block: source.fetch(block.fetch_grid), plan):
                del pixels
        clock.mark("end")
        report["phases"] = clock.phases()
    elif kind == "pipeline":
        run_area(plan, source, CogSink(output, plan, "EPSG:4326", binding=clock), METHOD, concurrency=CONCURRENCY)
        report["phases"] = clock.phases()
    elif kind == "cancel":
        asked = []

        def is_canceled():
            if time.perf_counter() - start < CANCEL_AFTER:
                return False
            if not asked:
                asked.append(time.perf_counter())
            return True
        try:
            run_area(plan, source, CogSink(output, plan, "EPSG:4326"), METHOD, concurrency=CONCURRENCY,
                     is_canceled=is_canceled)
        except AreaCanceled:
            report["after_cancel"] = time.perf_counter() - asked[0]
        report["left"] = sorted(p.name for p in Path(output).parent.iterdir())
    report["seconds"] = time.perf_counter() - start
    return {**report, **own_usage()}


def own_usage() -> dict:
    """This process's CPU seconds and peak RSS (``VmHWM``, in MiB)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open("/proc/self/status", encoding="ascii") as status:
        peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    return {"cpu": usage.ru_utime + usage.ru_stime, "max_rss_mib": peak_kib / 1024}


def gdal_wms_xml(url: str) -> str:
    xmin, ymin, xmax, ymax = bounds()
    return (f"<GDAL_WMS><Service name=\"WMS\"><Version>1.1.1</Version><ServerUrl>{url}?</ServerUrl>"
            f"<SRS>EPSG:4326</SRS><ImageFormat>image/png</ImageFormat><Layers>{LAYER}</Layers><Transparent>FALSE"
            f"</Transparent></Service><DataWindow><UpperLeftX>{xmin!r}</UpperLeftX><UpperLeftY>{ymax!r}</UpperLeftY>"
            f"<LowerRightX>{xmax!r}</LowerRightX><LowerRightY>{ymin!r}</LowerRightY><SizeX>{RASTER_SIDE}</SizeX>"
            f"<SizeY>{RASTER_SIDE}</SizeY></DataWindow><BandsCount>3</BandsCount><BlockSizeX>{REQUEST_SIDE}"
            f"</BlockSizeX><BlockSizeY>{REQUEST_SIDE}</BlockSizeY><MaxConnections>{CONCURRENCY}</MaxConnections>"
            "</GDAL_WMS>")


def run_child(arguments: list, mapserver: MapServer, env: dict | None = None) -> dict:
    cpu_before = tree_cpu(mapserver.process.pid)
    start = time.perf_counter()
    result = subprocess.run(arguments, capture_output=True, text=True, timeout=1800, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{arguments[:4]} failed: {result.stderr[-2000:]}")
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    report = json.loads(lines[-1]) if lines else {}
    report.setdefault("seconds", elapsed)
    report["wms_cpu"] = tree_cpu(mapserver.process.pid) - cpu_before
    return report


def gdal_download(url: str, side: int, folder: Path, mapserver: MapServer) -> dict:
    description = folder / "wms.xml"
    description.write_text(gdal_wms_xml(url))
    output = folder / f"gdal_{side}.tif"
    report = run_child([sys.executable, "-m", "benchmarks.area", "gdal", str(description), str(side), str(output)],
                       mapserver)
    output.unlink()
    return report


def gdal_translate(description: str, side: int, output: str) -> dict:
    """``gdal_translate -srcwin 1 1 N N -of COG`` of the GDAL_WMS description, in this process."""
    from osgeo import gdal

    gdal.SetConfigOption("GDAL_MAX_CONNECTIONS", str(CONCURRENCY))
    options = gdal.TranslateOptions(srcWin=[1, 1, side, side], format="COG",
                                    creationOptions=["COMPRESS=ZSTD", "LEVEL=1", "NUM_THREADS=ALL_CPUS"])
    start = time.perf_counter()
    if gdal.Translate(output, description, options=options) is None:
        raise RuntimeError(gdal.GetLastErrorMsg())
    return {"seconds": time.perf_counter() - start, **own_usage()}


def qgis_runs(mapserver: MapServer, side: int, folder: Path) -> dict:
    """The same area through QGIS in process (:mod:`benchmarks.qgis_area`): its reads alone, then the algorithm."""
    extent = ",".join(repr(v) for v in (XMIN + PIXEL, YMAX - (side + 1) * PIXEL, XMIN + (side + 1) * PIXEL,
                                        YMAX - PIXEL))
    output = folder / f"qgis_edges_{side}.tif"
    runs = {}
    for kind in ("fetch", "pipeline"):
        # A fresh QGIS profile each (a run's network cache must not serve the next one).
        env = qgis_environment(folder / f"qgis-{kind}-{side}")
        runs[kind] = run_child([sys.executable, "-m", "benchmarks.qgis_area", kind, "--wms-url", mapserver.url,
                                "--layer", LAYER, f"--extent={extent}", "--pixel-size", repr(PIXEL),
                                "--output", str(output)], mapserver, env=env)
        output.unlink(missing_ok=True)
    return runs


def run(folder: Path):
    folder = Path(tempfile.mkdtemp(prefix="area-", dir=folder))
    raster = write_raster(folder / "large.tif")
    results = {}
    with MapServer(folder / "mapserver", workers=CONCURRENCY, raster=raster, bounds=bounds(),
                   max_size=REQUEST_SIDE).start() as mapserver:
        for side in SIDES:
            print(f"  area {side}² ...", file=sys.stderr)
            output = folder / f"edges_{side}.tif"
            row = {}
            for kind in ("fetch", "pipeline"):
                row[kind] = run_child([sys.executable, "-m", "benchmarks.area", kind, mapserver.url, str(side),
                                       str(output)], mapserver)
                output.unlink(missing_ok=True)
            row["gdal"] = gdal_download(mapserver.url, side, folder, mapserver)
            print(f"  area {side}² in QGIS ...", file=sys.stderr)
            row["qgis"] = qgis_runs(mapserver, side, folder)
            results[side] = row
        cancel_folder = folder / "cancel"
        cancel_folder.mkdir()
        cancel = run_child([sys.executable, "-m", "benchmarks.area", "cancel", mapserver.url, str(max(SIDES)),
                            str(cancel_folder / "edges.tif")], mapserver)
    return report(results, cancel), headline(results, cancel)


def timed_cpu(run: dict) -> float:
    """The run's own CPU seconds from the plan to the end (its ``cpu`` includes Python's start)."""
    return sum(user + system for _, user, system in run["phases"].values())


def with_wms_cpu(run: dict) -> float:
    """The run's timed CPU seconds and MapServer's."""
    return timed_cpu(run) + run["wms_cpu"]


def floor_seconds(run: dict) -> float:
    """The shortest time a run's CPU (its own and MapServer's) allows on this machine's cores."""
    return with_wms_cpu(run) / usable_cores()


def cores_busy(run: dict) -> float:
    return with_wms_cpu(run) / run["seconds"]


def headline(results, cancel):
    largest, smallest = results[max(SIDES)], results[min(SIDES)]
    worst = max(results, key=lambda side: results[side]["pipeline"]["seconds"] / results[side]["fetch"]["seconds"])
    fetch, pipeline = results[worst]["fetch"], results[worst]["pipeline"]
    return {
        "over_fetch": pipeline["seconds"] / fetch["seconds"],
        "over_fetch_side": worst,
        "floor_over_fetch": floor_seconds(pipeline) / fetch["seconds"],
        "fetch_cores_busy": cores_busy(fetch),
        "added_cpu": timed_cpu(pipeline) - timed_cpu(fetch),
        "over_gdal": max(r["pipeline"]["seconds"] / r["gdal"]["seconds"] for r in results.values()),
        "rss_growth": largest["pipeline"]["max_rss_mib"] / smallest["pipeline"]["max_rss_mib"],
        "rss_largest": largest["pipeline"]["max_rss_mib"],
        "cancel": cancel.get("after_cancel"),
        "cancel_left": cancel.get("left"),
    }


def report(results, cancel):
    lines = [
        "## Areas: the pipeline, the fetch alone and GDAL's WMS download (issue 13)", "",
        f"MapServer (`sandbox.mapserver`, {CONCURRENCY} workers) serves an RGB raster of {RASTER_SIDE}² pixels "
        f"with MaxWidth/MaxHeight {REQUEST_SIDE}; each area is the raster's own grid, so blocks are "
        f"{REQUEST_SIDE - 2}² output pixels ({REQUEST_SIDE}² GetMaps). Every run is its own process, "
        f"{CONCURRENCY} GetMaps in flight. Time is wall time; CPU is the run's process and MapServer's tree.", "",
        "| area | blocks | fetch alone s | pipeline s | GDAL WMS → COG s | pipeline / fetch | pipeline / GDAL "
        "| Mpx/s | pipeline CPU s (run + WMS) | GDAL CPU s (run + WMS) | peak RSS MiB (pipeline, fetch, GDAL) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for side, row in results.items():
        fetch, pipeline, gdal = row["fetch"], row["pipeline"], row["gdal"]
        lines.append(
            f"| {side}² | {pipeline['blocks']} | {fetch['seconds']:.1f} | {pipeline['seconds']:.1f} | "
            f"{gdal['seconds']:.1f} | {pipeline['seconds'] / fetch['seconds']:.2f} | "
            f"{pipeline['seconds'] / gdal['seconds']:.2f} | {side * side / 1e6 / pipeline['seconds']:.1f} | "
            f"{pipeline['cpu']:.1f} + {pipeline['wms_cpu']:.1f} | {gdal['cpu']:.1f} + {gdal['wms_cpu']:.1f} | "
            f"{pipeline['max_rss_mib']:.0f}, {fetch['max_rss_mib']:.0f}, {gdal['max_rss_mib']:.0f} |")
    lines += ["", "The same areas in QGIS, in process (`benchmarks/qgis_area.py`): `wmsedge:edge_tile` with the "
              "in-process backend reading blocks through clones of QGIS's WMS provider, against those reads alone "
              f"(same blocks, {CONCURRENCY} at once, pixels dropped). Peak RSS includes QGIS itself.", "",
              "| area | reads alone s | algorithm s | algorithm / reads | Mpx/s | CPU s (QGIS + WMS) | "
              "peak RSS MiB (algorithm, reads) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for side, row in results.items():
        fetch, pipeline = row["qgis"]["fetch"], row["qgis"]["pipeline"]
        lines.append(
            f"| {side}² | {fetch['seconds']:.1f} | {pipeline['seconds']:.1f} | "
            f"{pipeline['seconds'] / fetch['seconds']:.2f} | {side * side / 1e6 / pipeline['seconds']:.1f} | "
            f"{pipeline['cpu']:.1f} + {pipeline['wms_cpu']:.1f} | {pipeline['max_rss_mib']:.0f}, "
            f"{fetch['max_rss_mib']:.0f} |")
    lines += ["", f"Where the time goes, in the run's own process: wall s / CPU s (user + system). *Blocks* is "
              "from the plan to the last block in the staging file (fetch, decoding, edges, writes); then GDAL "
              "builds the overviews and its COG driver copies the file (ZSTD compression). The floor is the "
              f"run's CPU and MapServer's spread over this machine's {usable_cores()} cores: no schedule of that "
              "work ends sooner here.", "",
              "| area | fetch alone | cores busy in the fetch | pipeline: blocks | overviews | COG copy | "
              "pipeline floor s | floor / fetch |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for side, row in results.items():
        fetch, pipeline = row["fetch"], row["pipeline"]
        phases = pipeline["phases"]
        lines.append(
            f"| {side}² | {_phase(fetch['phases']['start'])} | "
            f"{cores_busy(fetch):.1f} | {_phase(phases['start'])} | "
            f"{_phase(phases['overviews'])} | {_phase(phases['cog'])} | {floor_seconds(pipeline):.1f} | "
            f"{floor_seconds(pipeline) / fetch['seconds']:.2f} |")
    after = cancel.get("after_cancel")
    lines += ["", f"Cancel {CANCEL_AFTER:g} s into a {max(SIDES)}² run: the call returned "
              f"{after:.2f} s after the cancel flag was first read; left in its folder: {cancel.get('left')}."
              if after is not None else "Cancel: the run ended before the cancel.", ""]
    return lines


def _phase(times) -> str:
    seconds, user, system = times
    return f"{seconds:.1f} / {user:.1f} + {system:.1f}"


def targets(headline):
    cancel = headline["cancel"]
    return [
        (f"area pipeline ≤ {TARGET_OVER_FETCH}× the fetch alone (worst of {', '.join(f'{s}²' for s in SIDES)})",
         f"{headline['over_fetch']:.2f}×", headline["over_fetch"] <= TARGET_OVER_FETCH,
         "" if headline["over_fetch"] <= TARGET_OVER_FETCH else (
             f"at {headline['over_fetch_side']}² the fetch alone keeps {headline['fetch_cores_busy']:.1f} of the "
             f"{usable_cores()} cores busy (MapServer and the decoding); the pipeline adds "
             f"{headline['added_cpu']:.1f} s of CPU (edges, staging file, overviews, ZSTD), so its CPU alone needs "
             f"{headline['floor_over_fetch']:.2f}× the fetch's time on these cores (see where the time goes)")),
        (f"area pipeline ≤ {TARGET_OVER_GDAL}× GDAL's WMS download to a COG", f"{headline['over_gdal']:.2f}×",
         headline["over_gdal"] <= TARGET_OVER_GDAL, ""),
        (f"peak RSS at {max(SIDES)}² ≤ {TARGET_RSS_GROWTH}× the {min(SIDES)}² peak and < {TARGET_RSS_MIB} MiB",
         f"{headline['rss_growth']:.2f}×, {headline['rss_largest']:.0f} MiB",
         headline["rss_growth"] <= TARGET_RSS_GROWTH and headline["rss_largest"] < TARGET_RSS_MIB,
         "" if headline["rss_growth"] <= TARGET_RSS_GROWTH else "the peak is when the blocks in flight happen to hold "
                                                                "their largest buffers together (two decoding, two "
                                                                "filtered or written), likelier over more blocks"),
        (f"cancel takes effect within {TARGET_CANCEL_SECONDS:g} s, nothing left",
         f"{cancel:.2f} s, left {headline['cancel_left']}" if cancel is not None else "not reached",
         cancel is not None and cancel <= TARGET_CANCEL_SECONDS and not headline["cancel_left"], ""),
    ]


if __name__ == "__main__":
    kind, argument, side, output = sys.argv[1:5]
    print(json.dumps(gdal_translate(argument, int(side), output) if kind == "gdal"
                     else child(kind, argument, int(side), output)))
