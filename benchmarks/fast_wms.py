"""The server's own cost beside a fast WMS: MapServer 8 (``sandbox.mapserver``) over an RGB GeoTIFF.

QGIS Server is slow enough to hide what our server spends per tile. Here the same 512 x 512
tile is asked of MapServer directly (the GetMap our server sends: 514 x 514 with the halo,
transparent PNG, at the raster's native resolution) and of our WPS (sync Execute, raw PNG,
`sobel_x`) configured with that MapServer as its WMS. CPU is measured with psutil over whole
process trees: MapServer's gunicorn (master and workers), our WPS's gunicorn (master and
workers), and the benchmark process (the client threads). Each level alternates slices of
direct GetMap and of Execute, so that both see the same load of this shared machine, and the
whole measurement is repeated ``ROUNDS`` times: the report gives the range over the rounds.
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from sandbox.mapserver import BOUNDS, LAYER, PIXEL_SIZE, MapServer
from sandbox.wps import WpsServer

from .load import CpuMeter, Level, drive, warm_up
from .tile import PNG, XML_HEADERS, check_image, execute_request, wps_in_process

TILE = 512
WORKERS = 4  # gunicorn sync workers, for MapServer and for our WPS alike
CLIENTS = (1, 4)
TARGET_CLIENTS = 4
ROUNDS = 3
DURATION = 8.0  # seconds per level, target and round
SLICES = 4
WARMUP_REQUESTS = 10
TARGET_CPU_RATIO = 0.5
TARGET_THROUGHPUT = 0.75
REQUEST_TIMEOUT = 60.0


def random_centres(seed):
    """Endless (lat, lon) on source pixel corners, the halo tile inside the raster."""
    xmin, ymin, xmax, ymax = BOUNDS
    margin = TILE // 2 + 2
    columns, rows = round((xmax - xmin) / PIXEL_SIZE), round((ymax - ymin) / PIXEL_SIZE)
    generator = random.Random(seed)
    while True:
        yield (ymin + generator.randint(margin, rows - margin) * PIXEL_SIZE,
               xmin + generator.randint(margin, columns - margin) * PIXEL_SIZE)


def getmap_params(lat, lon):
    """The GetMap our server sends for the tile centred on (lat, lon)."""
    from wmsedge_engine.georef import grid_from_center
    from wmsedge_engine.wms import getmap_params as params

    grid = grid_from_center(lon, lat, TILE, TILE, PIXEL_SIZE).with_halo()
    return params(LAYER, grid, "EPSG:4326", version="1.1.1", image_format=PNG)


def calls(wms_url, wps_url):
    def wms(session, lat, lon):
        check_image(session.get(wms_url, params=getmap_params(lat, lon), timeout=REQUEST_TIMEOUT), PNG)

    def wps(session, lat, lon):
        body = execute_request(lat, lon, PNG, layer=LAYER, bbox_size=TILE * PIXEL_SIZE)
        check_image(session.post(wps_url, data=body, headers=XML_HEADERS, timeout=REQUEST_TIMEOUT), PNG)

    return wms, wps


def one_round(mapserver, wps, index):
    """{clients: (WPS summary, WMS summary)} of one round."""
    wms_call, wps_call = calls(mapserver.url, wps.url)
    meter = CpuMeter(wms=mapserver.process.pid, wps=wps.process.pid)
    results = {}
    for clients in CLIENTS:
        direct, ours = Level(clients), Level(clients)
        for part in range(SLICES):
            seed = 1000 * index + 10 * clients + part
            for level, call in ((direct, wms_call), (ours, wps_call)):
                level.add(*meter.measure(
                    lambda c=call, n=clients, s=seed: drive(c, n, DURATION / SLICES, s, points=random_centres)))
        results[clients] = (ours.summary(), direct.summary())
    return results


def run(folder):
    """Return (markdown lines, headline dict)."""
    with MapServer(folder / "mapserver", workers=WORKERS) as mapserver, \
            WpsServer(folder / "wps-mapserver", mapserver.url, workers=WORKERS) as wps:
        wms_call, wps_call = calls(mapserver.url, wps.url)
        warm_up((wms_call, wps_call), random_centres(0), WARMUP_REQUESTS)
        rounds = []
        for index in range(ROUNDS):
            print(f"  fast WMS: round {index + 1} of {ROUNDS} ...", file=sys.stderr)
            rounds.append(one_round(mapserver, wps, index))
        print("  fast WMS: stages of one Execute in process ...", file=sys.stderr)
        lat, lon = next(random_centres(99))
        stages = wps_in_process(None, PNG, config=wps.config_file, clock=time.thread_time,
                                body=execute_request(lat, lon, PNG, layer=LAYER, bbox_size=TILE * PIXEL_SIZE))
    return report(rounds, stages["median"])


def _ratios(rounds):
    cpu = [ours["cpu_per_request"]["wps"] / direct["cpu_per_request"]["wms"]
           for ours, direct in (r[1] for r in rounds)]
    throughput = [ours["rps"] / direct["rps"] for ours, direct in (r[TARGET_CLIENTS] for r in rounds)]
    return cpu, throughput


def _range(values, fmt):
    low, high = min(values), max(values)
    return fmt.format(low) if f"{low:.2f}" == f"{high:.2f}" else f"{fmt.format(low)}–{fmt.format(high)}"


STAGES = (
    ("wms_wait", "WMS request (our HTTP client's CPU: `WmsClient._get`, requests and urllib3)"),
    ("decode", "PNG decode (`decode_image`, PIL)"),
    ("filter", "gradient (`edge_filter`, RGBA to gray included)"),
    ("encode", "display mapping and PNG encoding (`png_bytes`)"),
    ("process_copy", "copy of the process for the request (`prepare_process_for_execution`)"),
    ("pywps_db", "PyWPS job database"),
    ("other", "PyWPS: request parsing, inputs, response; werkzeug"),
)


def report(rounds, stages):
    cpu, throughput = _ratios(rounds)
    lines = [
        "## Beside a fast WMS: MapServer 8", "",
        f"MapServer 8.0 (Debian's `python3-mapscript`, `OWSDispatch` in {WORKERS} gunicorn sync workers, the "
        "mapfile parsed once per worker) serving an 8-bit RGB GeoTIFF the benchmark writes "
        f"(`sandbox/mapserver.py`: ramps, edges, a little noise; {PIXEL_SIZE:g}° pixels, EPSG:4326). Tile: "
        f"{TILE} x {TILE} at the raster's native resolution around random pixel corners; WMS target: the "
        f"GetMap our server sends for it ({TILE + 2} x {TILE + 2}, `TRANSPARENT=TRUE` PNG) straight to "
        f"MapServer; WPS target: our sync Execute (raw PNG, `sobel_x`), {WORKERS} gunicorn workers, with "
        "MapServer as its WMS. CPU per successful request, ms, psutil over whole process trees: MapServer "
        "(gunicorn master and workers), our WPS (master and workers) and the client threads (the benchmark "
        f"process). {ROUNDS} rounds; each level alternates {SLICES} slices of {DURATION / SLICES:g} s per target.",
        "",
        "| round | clients | sent to | req/s | p50 ms | errors | MapServer CPU | WPS CPU | client CPU | "
        "WPS / WMS req/s |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for index, results in enumerate(rounds, 1):
        for clients, (ours, direct) in results.items():
            for target, result in (("MapServer", direct), ("our WPS", ours)):
                per = result["cpu_per_request"]
                ratio = f"**{ours['rps'] / direct['rps']:.0%}**" if target == "our WPS" else ""
                lines.append(f"| {index} | {clients} | {target} | {result['rps']:.1f} | {result['p50']:.0f} | "
                             f"{result['errors']} | {per['wms']:.1f} | {per['wps']:.1f} | {per['clients']:.1f} | "
                             f"{ratio} |")
    one = [r[1] for r in rounds]
    wms_cpu = [direct["cpu_per_request"]["wms"] for _, direct in one]
    wps_cpu = [ours["cpu_per_request"]["wps"] for ours, _ in one]
    lines += [
        "", f"At 1 client: MapServer spends {_range(wms_cpu, '{:.1f}')} ms of CPU per GetMap; our WPS "
        f"{_range(wps_cpu, '{:.1f}')} ms per Execute on top (**{_range(cpu, '{:.2f}')}x** the GetMap). "
        f"At {TARGET_CLIENTS} clients the WPS delivers **{_range(throughput, '{:.0%}')}** of MapServer's "
        "own throughput.", "",
    ]
    served = statistics.median(wps_cpu)
    lines += [
        "### Where our server's CPU goes", "",
        "One Execute of the same tile called in this process through werkzeug (no HTTP), the functions it "
        "calls wrapped by timers (`benchmarks/stages.py`) reading this thread's CPU clock "
        "(`time.thread_time`); medians of the runs, ms. The gunicorn row is the median WPS CPU per Execute "
        "above minus the in-process total: HTTP parsing and writing, gunicorn's worker loop, and the "
        "socket to the client.", "",
        "| stage | CPU ms |", "| --- | ---: |",
        *[f"| {label} | {stages.get(key, 0.0):.2f} |" for key, label in STAGES],
        f"| **in process, total** | **{stages['total']:.2f}** |",
        f"| gunicorn and HTTP (WPS tree CPU at 1 client {served:.2f} minus the total) | "
        f"{served - stages['total']:.2f} |", "",
    ]
    errors = sum(r["errors"] for results in rounds for pair in results.values() for r in pair)
    headline = {"cpu_ratio": cpu, "throughput": throughput, "wms_cpu": wms_cpu, "wps_cpu": wps_cpu,
                "errors": errors}
    return lines, headline


def targets(headline):
    """(target, measured, met?, why not) rows."""
    cpu, throughput = headline["cpu_ratio"], headline["throughput"]
    cpu_met, throughput_met = max(cpu) <= TARGET_CPU_RATIO, min(throughput) >= TARGET_THROUGHPUT
    why_cpu = (f"our WPS spends {_range(headline['wps_cpu'], '{:.1f}')} ms of CPU per Execute against "
               f"MapServer's {_range(headline['wms_cpu'], '{:.1f}')} ms per GetMap: see \"Where our server's CPU "
               "goes\" (HTTP client, PNG decode, filter, display mapping and PNG encoding, PyWPS, gunicorn)")
    why_throughput = ("CPU-bound on 2 cores: each Execute costs MapServer's GetMap plus our own CPU, so the "
                      "ratio is about GetMap CPU / (GetMap CPU + ours); 75% needs ours under a third of MapServer's")
    return [
        (f"CPU per 512² Execute ≤ {TARGET_CPU_RATIO:g}x MapServer's CPU per GetMap of the same tile",
         f"{_range(cpu, '{:.2f}')}x over {len(cpu)} rounds", cpu_met, "" if cpu_met else why_cpu),
        (f"{TARGET_CLIENTS} clients: WPS throughput ≥ {TARGET_THROUGHPUT:.0%} of MapServer's own",
         f"{_range(throughput, '{:.0%}')} over {len(throughput)} rounds ({headline['errors']} errors)",
         throughput_met and headline["errors"] == 0, "" if throughput_met else why_throughput),
    ]
