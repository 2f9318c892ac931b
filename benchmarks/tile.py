"""One 512 x 512 tile end to end, with a stage breakdown, for every way to compute it.

The tile is the tutorial's: 512 x 512 pixels over 0.0005 degree in EPSG:4326 around the
sandbox WMS's centre point, ``sobel_x``, from the pattern layer. Paths measured:

* the QGIS algorithm in process (``processing.run``; see :mod:`benchmarks.qgis_tile`);
* our WPS application called in this process (WSGI, no HTTP) with its stages timed by wrapping
  the functions it calls (:class:`~benchmarks.stages.StageClock`), raw PNG and raw GeoTIFF;
* our WPS through gunicorn (HTTP, sync Execute as in the tutorial), raw PNG and raw GeoTIFF;
  the WMS wait is the same GetMap sent directly, alternating with the Execute requests;
* the tutorial's handler in this process, and the tutorial's stock PyWPS service under gunicorn.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

from sandbox.wms import CENTER_LAT, CENTER_LON, LAYER_4326

from .stages import StageClock, median_stages
from .tutorial_baseline import BBOX_SIZE_DEG, tutorial_tile

TILE = 512
PIXEL_SIZE = BBOX_SIZE_DEG / TILE
LAYER = LAYER_4326
METHOD = "sobel_x"
REPEATS = 40
WARMUP = 3
QGIS_ATTEMPTS = 2  # QGIS 3.22 has crashed (SIGSEGV) now and then in this subprocess
TARGET_OVERHEAD_MS = {"overhead_qgis": 8.0, "overhead_wps_png": 10.0}  # issue 15 for QGIS; the WPS's earlier one
PNG = "image/png"
GEOTIFF = "image/tiff; subtype=geotiff"
PROFILE_THRESHOLD = 0.02  # frames under 2% of the time are left out of the printed profiles
PYWPS_FRAMES = r".*/pywps/.*"  # shown, not folded away with the other libraries

EXECUTE_XML = """<wps:Execute
            xmlns:wps="http://www.opengis.net/wps/1.0.0"
            xmlns:ows="http://www.opengis.net/ows/1.1"
            xmlns:xlink="http://www.w3.org/1999/xlink"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
            xsi:schemaLocation="http://www.opengis.net/wps/1.0.0
                                http://schemas.opengis.net/wps/1.0.0/wpsExecute_request.xsd"
            service="WPS"
            version="1.0.0"
            storeExecuteResponse="false"
            status="false">
    <ows:Identifier>get_raster_process</ows:Identifier>
    <wps:DataInputs>
        <wps:Input><ows:Identifier>wms</ows:Identifier>
            <wps:Data><wps:LiteralData>{layer}</wps:LiteralData></wps:Data></wps:Input>
        <wps:Input><ows:Identifier>method</ows:Identifier>
            <wps:Data><wps:LiteralData>{method}</wps:LiteralData></wps:Data></wps:Input>
        <wps:Input><ows:Identifier>lat</ows:Identifier>
            <wps:Data><wps:LiteralData>{lat!r}</wps:LiteralData></wps:Data></wps:Input>
        <wps:Input><ows:Identifier>lon</ows:Identifier>
            <wps:Data><wps:LiteralData>{lon!r}</wps:LiteralData></wps:Data></wps:Input>{extra}
    </wps:DataInputs>
    <wps:ResponseForm>
        <wps:RawDataOutput mimeType="{mime_type}">
            <ows:Identifier>image</ows:Identifier>
        </wps:RawDataOutput>
    </wps:ResponseForm>
</wps:Execute>"""
XML_HEADERS = {"Content-Type": "text/xml"}


def execute_request(lat, lon, mime_type=PNG, layer=LAYER, method=METHOD, **inputs) -> str:
    """The tutorial's synchronous Execute (raw output) for one point; ``inputs``: more literal inputs."""
    extra = "".join(f"\n        <wps:Input><ows:Identifier>{name}</ows:Identifier>\n"
                    f"            <wps:Data><wps:LiteralData>{value!r}</wps:LiteralData></wps:Data></wps:Input>"
                    for name, value in inputs.items())
    return EXECUTE_XML.format(layer=layer, method=method, lat=lat, lon=lon, mime_type=mime_type, extra=extra)


def check_image(response, mime_type):
    """Raise unless ``response`` is a successful raw image of ``mime_type``."""
    kind = response.headers.get("content-type", "")
    if response.status_code != 200 or not kind.startswith(mime_type.split(";")[0]):
        raise RuntimeError(f"expected {mime_type}, got HTTP {response.status_code} {kind}: {response.text[:300]}")


def halo_getmap_params(lat, lon):
    """The GetMap our server sends for the tutorial's tile at (lat, lon): the halo grid, 514 x 514."""
    from wmsedge_engine.georef import grid_from_center
    from wmsedge_engine.wms import getmap_params

    grid = grid_from_center(lon, lat, TILE, TILE, PIXEL_SIZE).with_halo()
    return getmap_params(LAYER, grid, "EPSG:4326", version="1.1.1", image_format=PNG)


def tutorial_getmap_params(lat, lon):
    """The GetMap the tutorial's handler sends (512 x 512, its parameter spelling)."""
    half = BBOX_SIZE_DEG / 2
    return {"service": "WMS", "version": "1.1.1", "request": "GetMap", "layers": LAYER,
            "bbox": f"{lon - half},{lat - half},{lon + half},{lat + half}", "width": TILE, "height": TILE,
            "srs": "EPSG:4326", "format": PNG}


# ---------------------------------------------------------------- the paths


def qgis_environment(home: Path) -> dict:
    """The environment of a QGIS subprocess: its own HOME and profile in ``home``, offscreen."""
    for sub in ("profile", "runtime"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "runtime").chmod(0o700)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update({"HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(home / "runtime"),
                "QGIS_CUSTOM_CONFIG_PATH": str(home / "profile"), "QGIS_OPTIONS_PATH": str(home / "profile")})
    return env


def qgis_algorithm(servers, profile_path=None) -> dict:
    """Stage medians of the QGIS algorithm, from :mod:`benchmarks.qgis_tile` in a subprocess."""
    env = qgis_environment(servers.folder / "qgis-home")
    command = [sys.executable, "-m", "benchmarks.qgis_tile", "--wms-url", servers.wms.url, "--layer", LAYER,
               "--lon", repr(CENTER_LON), "--lat", repr(CENTER_LAT), "--size", str(TILE),
               "--pixel-size", repr(PIXEL_SIZE), "--repeats", str(REPEATS), "--warmup", str(WARMUP)]
    if profile_path:
        command += ["--profile", str(profile_path)]
    env["PYTHONFAULTHANDLER"] = "1"  # a crash inside QGIS prints the Python stack
    for attempt in range(QGIS_ATTEMPTS):
        result = subprocess.run(command, env=env, cwd=Path(__file__).resolve().parents[1], capture_output=True,
                                text=True, timeout=300, check=False)
        lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
        if lines:
            break
        print(f"  benchmarks.qgis_tile failed (exit {result.returncode}), attempt {attempt + 1} of "
              f"{QGIS_ATTEMPTS}:\n{result.stderr[-2000:]}", file=sys.stderr)
    else:
        raise RuntimeError(f"benchmarks.qgis_tile failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    measured = json.loads(lines[-1])
    measured["attempts"] = attempt + 1
    runs = measured["runs"]
    for run in runs:
        timed = {stage: run.get(stage, 0.0) for stage in ("wms_wait", "provider_read", "filter", "write", "unpack")}
        run.update(timed)
        run["decode"] = timed["provider_read"] - timed["wms_wait"]
        run["other"] = run["total"] - timed["provider_read"] - timed["filter"] - timed["write"]
        run["overhead"] = run["total"] - timed["wms_wait"]
    measured["median"] = median_stages(runs)
    return measured


def wps_in_process(servers, mime_type, profile=False, *, config=None, body=None, clock=time.perf_counter) -> dict:
    """Stage medians of our WPS application called in this process (WSGI, no HTTP): the sandbox
    WPS's configuration and the tutorial's tile unless ``config`` and ``body`` say otherwise;
    ``clock``: wall time, or ``time.thread_time`` for the CPU time of this thread."""
    import pywps.app.Service
    import pywps.dblog
    import pywps.response.basic
    from werkzeug.test import Client

    import wmsedge_engine.wms as engine_wms
    from wmsedge_engine.area import pipeline as area_pipeline
    from wmsedge_engine.area.cog import CogSink
    from wps_server.app import EdgeService, create_app
    from wps_server.jobs import embedded, store
    from wps_server.jobs.embedded import reaper
    from wps_server.processes import wps_get_raster

    # The gunicorn server's own configuration, so that both use the same job database file.
    client = Client(create_app([config or servers.wps.workdir / "pywps.cfg"]))
    service_module = sys.modules["pywps.app.Service"]
    database = [(pywps.dblog, name, "pywps_db") for name in ("get_process_counts", "update_pid", "pop_first_stored")]
    database += [(service_module, "log_request", "pywps_db"), (service_module, "store_status", "pywps_db"),
                 (pywps.response.basic, "store_status", "pywps_db")]
    database += [(embedded.EmbeddedRunner, name, "pywps_db") for name in ("accept", "launch_queued")]
    database += [(reaper, "reap", "pywps_db"), (store, "store_status", "pywps_db"),
                 (reaper, "record_process", "pywps_db")]
    targets = [
        (engine_wms.WmsClient, "_get", "wms_wait"),
        (engine_wms, "decode_image", "decode"),
        (area_pipeline, "edge_filter", "filter"),
        (wps_get_raster, "png_bytes", "encode"),
        (CogSink, "commit", "encode"),
        (EdgeService, "prepare_process_for_execution", "process_copy"),
        *database,
    ]
    body = body or execute_request(CENTER_LAT, CENTER_LON, mime_type)
    clock = StageClock(clock)

    def call():
        response = client.post("/wps", data=body, headers=XML_HEADERS)
        if response.status_code != 200 or not response.content_type.startswith(mime_type.split(";")[0]):
            raise RuntimeError(f"in-process Execute failed: {response.status_code} {response.get_data()[:300]!r}")

    runs = []
    with clock.wrapping(targets):
        for _ in range(WARMUP):
            call()
        for _ in range(REPEATS):
            clock.reset()
            with clock.mark("total"):
                call()
            runs.append(clock.snapshot_ms())
    for run in runs:
        named = ("wms_wait", "decode", "filter", "encode", "process_copy", "pywps_db")
        run.update({stage: run.get(stage, 0.0) for stage in named})
        run["other"] = run["total"] - sum(run[stage] for stage in named)
        run["overhead"] = run["total"] - run["wms_wait"]
    measured = {"median": median_stages(runs), "missing": clock.missing}
    if profile:
        measured["profile"] = _profile(call)
    return measured


def http_with_wms_wait(servers) -> dict:
    """Our WPS (PNG, GeoTIFF) and the tutorial's service through HTTP, in turn, each Execute just
    after the same GetMap sent directly (its WMS wait), so that all see the same machine load."""
    ours = halo_getmap_params(CENTER_LAT, CENTER_LON)
    paths = {
        "png": (servers.wps.url, PNG, ours),
        "tiff": (servers.wps.url, GEOTIFF, ours),
        "tutorial": (servers.tutorial.url, PNG, tutorial_getmap_params(CENTER_LAT, CENTER_LON)),
    }
    runs = {name: [] for name in paths}
    with requests.Session() as session:
        for index in range(WARMUP + REPEATS):
            for name, (url, mime_type, getmap_params) in paths.items():
                start = time.perf_counter()
                check_image(session.get(servers.wms.url, params=getmap_params, timeout=60), PNG)
                wms_wait = time.perf_counter() - start
                body = execute_request(CENTER_LAT, CENTER_LON, mime_type)
                start = time.perf_counter()
                check_image(session.post(url, data=body, headers=XML_HEADERS, timeout=60), mime_type)
                total = time.perf_counter() - start
                if index >= WARMUP:
                    runs[name].append({"wms_wait": wms_wait * 1e3, "total": total * 1e3,
                                       "overhead": (total - wms_wait) * 1e3})
    return {name: median_stages(measured) for name, measured in runs.items()}


def wms_variants(servers) -> list:
    """(name, median ms, PIL mode, bytes, decode ms) of GetMap variants, sent in turn."""
    from PIL import Image

    from wmsedge_engine.wms import decode_image

    ours = halo_getmap_params(CENTER_LAT, CENTER_LON)
    variants = {
        "ours: 514 x 514, TRANSPARENT=TRUE (1.1.1)": ours,
        "ours without transparency: 514 x 514, TRANSPARENT=FALSE": {**ours, "TRANSPARENT": "FALSE"},
        "tutorial's: 512 x 512, no TRANSPARENT": tutorial_getmap_params(CENTER_LAT, CENTER_LON),
    }
    times = {name: [] for name in variants}
    bodies = {}
    with requests.Session() as session:
        for index in range(WARMUP + REPEATS):
            for name, params in variants.items():
                start = time.perf_counter()
                response = session.get(servers.wms.url, params=params, timeout=60)
                elapsed = time.perf_counter() - start
                check_image(response, PNG)
                bodies[name] = response.content
                if index >= WARMUP:
                    times[name].append(elapsed * 1e3)
    rows = []
    for name, body in bodies.items():
        decode = min(_timed_ms(lambda b=body: decode_image(b)) for _ in range(10))
        rows.append((name, statistics.median(times[name]), Image.open(io.BytesIO(body)).mode, len(body), decode))
    return rows


def _timed_ms(function):
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1e3


def tutorial_in_process(servers) -> dict:
    """Stage medians of the tutorial's handler called directly."""
    clock = StageClock()
    images = servers.folder / "tutorial-in-process"
    runs = []
    for index in range(WARMUP + REPEATS):
        clock.reset()
        with clock.mark("total"):
            tutorial_tile(CENTER_LAT, CENTER_LON, LAYER, METHOD, wms_url=servers.wms.url, images_dir=images,
                          clock=clock)
        if index >= WARMUP:
            run = clock.snapshot_ms()
            run["other"] = run["total"] - sum(run[s] for s in ("wms_wait", "decode", "gray", "filter", "encode"))
            run["overhead"] = run["total"] - run["wms_wait"]
            runs.append(run)
    return {"median": median_stages(runs)}


def _profile(function, calls=REPEATS) -> str:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(calls):
        function()
    profiler.stop()
    return profiler.output_text(unicode=False, color=False, time="percent_of_total",
                                processor_options={"filter_threshold": PROFILE_THRESHOLD,
                                                   "show_regex": PYWPS_FRAMES})


# ---------------------------------------------------------------- the section


def run(servers):
    """Return (markdown lines, headline dict)."""
    qgis_profile = servers.folder / "qgis-profile.txt"
    print("  tile: QGIS algorithm ...", file=sys.stderr)
    qgis = qgis_algorithm(servers, profile_path=qgis_profile)
    print("  tile: WPS in process ...", file=sys.stderr)
    wsgi_png = wps_in_process(servers, PNG, profile=True)
    wsgi_tiff = wps_in_process(servers, GEOTIFF)
    print("  tile: WPS and the tutorial's service through gunicorn ...", file=sys.stderr)
    http = http_with_wms_wait(servers)
    variants = wms_variants(servers)
    print("  tile: tutorial ...", file=sys.stderr)
    tutorial = tutorial_in_process(servers)
    q, t, w = qgis["median"], tutorial["median"], wsgi_png["median"]
    retried = ", run twice: the first attempt crashed" if qgis["attempts"] > 1 else ""
    headline = {
        "overhead_qgis": q["overhead"],
        "overhead_wps_png": http["png"]["overhead"],
        "overhead_wps_tiff": http["tiff"]["overhead"],
        "overhead_tutorial": t["overhead"],
        "overhead_tutorial_http": http["tutorial"]["overhead"],
        "wsgi_png": wsgi_png["median"],
        "qgis": q,
    }
    rows = [
        ("QGIS algorithm, in process (`processing.run`), GeoTIFF", q["wms_wait"], q["decode"], None, q["filter"],
         q["write"], q["other"], q["total"], q["overhead"], t["overhead"]),
        ("our WPS app in this process (WSGI, no HTTP), raw PNG", *_wsgi_cells(wsgi_png["median"]), t["overhead"]),
        ("our WPS app in this process (WSGI, no HTTP), raw GeoTIFF", *_wsgi_cells(wsgi_tiff["median"]),
         t["overhead"]),
        ("our WPS through gunicorn (HTTP, sync), raw PNG", *_http_cells(http["png"]),
         http["tutorial"]["overhead"]),
        ("our WPS through gunicorn (HTTP, sync), raw GeoTIFF", *_http_cells(http["tiff"]),
         http["tutorial"]["overhead"]),
        ("tutorial's handler, in process", t["wms_wait"], t["decode"], t["gray"], t["filter"], t["encode"],
         t["other"], t["total"], t["overhead"], None),
        ("tutorial's stock PyWPS service through gunicorn (HTTP, sync), raw PNG",
         *_http_cells(http["tutorial"]), None),
    ]
    lines = [
        "## One 512 x 512 tile, end to end", "",
        f"The tutorial's tile: {TILE} x {TILE} pixels over {BBOX_SIZE_DEG:g} degree in EPSG:4326 around "
        f"({CENTER_LAT}, {CENTER_LON}), `{METHOD}`, layer `{LAYER}` of the sandbox QGIS Server (our paths fetch "
        f"{TILE + 2} x {TILE + 2} with the halo, the tutorial {TILE} x {TILE}). Medians of {REPEATS} runs after "
        f"{WARMUP} warm-up runs, milliseconds; overhead = total - WMS wait, median of the per-run differences.", "",
        "| path | WMS wait | decode | gray | filter | encode/write | rest | total | **overhead** | "
        "tutorial's overhead | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, *cells, reference in rows:
        ratio = f"{cells[-1] / reference:.2f}x" if reference else ""
        gray = cells[2]
        formatted = [_ms(cells[0]), _ms(cells[1]), "in filter" if gray is None and cells[3] is not None else
                     _ms(gray), *[_ms(c) for c in cells[3:7]], f"**{cells[7]:.1f}**"]
        lines.append(f"| {name} | {' | '.join(formatted)} | {_ms(reference)} | {ratio} |")
    lines += [
        "",
        "How each figure is obtained:", "",
        "- QGIS algorithm: a subprocess of the venv's Python, which sees Debian's PyQGIS "
        f"(`python -m benchmarks.qgis_tile`{retried}), "
        "with its own QGIS profile runs `processing.run(\"wmsedge:edge_tile\", ...)` on a QGIS WMS layer "
        "(in-process backend, output GeoTIFF). WMS wait: QGIS's network manager, from `requestAboutToBeCreated` "
        f"to `finished` of the provider's GetMap ({qgis['requests_per_run']:g} request per tile: "
        f"`{_shorten_url(qgis['getmap_url'])}`). decode: `read_tile_pixels` minus the WMS wait, i.e. QGIS "
        f"decoding the PNG into a raster block plus the ARGB to RGBA unpacking "
        f"(`_rgba_from_color_block`, {q['unpack']:.1f} ms of it; pixels {qgis['pixels']}). filter: "
        f"`edge_filter` (gray conversion fused in; run alone on the same RGBA pixels the conversion takes "
        f"{q['gray']:.1f} ms). write: `write_geotiff`. rest: `processing.run` minus those (parameter "
        "handling, the algorithm's prepare step, provider clone, output handling).",
        "- Our WPS app in process: `wps_server.app.create_app` with the same configuration, called through "
        "werkzeug's test client; the functions it calls are wrapped by timers from outside "
        "(`benchmarks/stages.py`): WMS wait = `WmsClient._get`, decode = `decode_image`, filter = `edge_filter`, "
        "encode/write = `png_bytes` / `geotiff_bytes` (a raw output is encoded in memory; for the PNG this "
        f"includes the display mapping `display_bytes`). rest = PyWPS: of the PNG row's {_wsgi_cells(w)[5]:.1f} "
        f"ms, {w.get('pywps_db', 0):.1f} ms is the job database (a synchronous Execute writes no job row: "
        "PyWPS 4.8 alone made 7 SQLite calls per Execute, 8.9 ms), "
        f"{w.get('process_copy', 0):.1f} ms the copy of the process (`prepare_process_for_execution`), the rest "
        "request parsing, input validation and the response.",
        "- Through gunicorn: client wall time of the tutorial's sync Execute (XML POST, `RawDataOutput`) with "
        "one `requests.Session`; WMS wait = the same GetMap the server sends, sent directly just before each "
        "Execute. The three HTTP rows are measured in turn within one loop, so they share the machine's load; "
        "the in-process rows are separate runs. The stages inside are those of the in-process rows; the "
        "difference is HTTP and gunicorn (about 2 ms when measured side by side).",
        "- Tutorial: `benchmarks/tutorial_baseline.py` (its handler statement for statement; see the module "
        "docstring for the two changes) called directly with timers between statements, and the same process in "
        "a stock PyWPS 4.8 `Service` (`benchmarks/tutorial_wps.py`, the tutorial's `pywps.cfg`) under gunicorn. "
        "Its output is an 8-bit clipped image (negative gradients lost), without halo or georeferencing.",
        "",
    ]
    work_ms = w["decode"] + w["filter"] + w["encode"]
    lines += [
        f"Headroom: of our WPS's in-process overhead ({w['overhead']:.1f} ms, raw PNG), {work_ms:.1f} ms is the "
        f"tile's own work (decode, filter, display mapping and PNG encoding) and {w['overhead'] - work_ms:.1f} ms "
        "the request's handling (HTTP client to the WMS, PyWPS parsing and response). "
        f"The plugin's GeoTIFF write is {q['write']:.1f} ms of its {q['overhead']:.1f} ms (see the creation "
        "options below).", "",
        "### What the WMS request itself costs", "",
        "The WMS wait is not our overhead, but our GetMap differs from the tutorial's: two more pixels each "
        "way (the halo) and `TRANSPARENT=TRUE`, which makes QGIS Server render and encode RGBA (transparent "
        f"pixels become nodata). Medians of {REPEATS} GetMap requests of each kind, sent in turn; decode = "
        "`decode_image`, best of 10:", "",
        "| GetMap | ms | PNG mode | bytes | decode ms |", "| --- | ---: | --- | ---: | ---: |",
        *[f"| {name} | {ms:.1f} | {mode} | {size} | {decode:.1f} |" for name, ms, mode, size, decode in variants],
        "",
    ]
    missing = [*qgis.get("missing", []), *wsgi_png["missing"]]
    if missing:
        lines += [f"Not timed (no longer in the code; their time is in \"rest\"): "
                  f"{', '.join(f'`{name}`' for name in missing)}.", ""]
    lines += _profile_lines("Profile: our WPS app in process, raw PNG (pyinstrument)", wsgi_png["profile"])
    if qgis_profile.is_file():
        lines += _profile_lines(
            "Profile: QGIS algorithm, in process (pyinstrument)", qgis_profile.read_text(),
            "`read` is the benchmark's wrapper that keeps the pixels for the gray measurement. "
            "`read_band [self]` is the provider's `block()` call (WMS wait and QGIS's decoding, in C++), "
            "which pyinstrument puts on the calling line.")
    if qgis.get("geotiff_options"):
        lines += _geotiff_option_lines(qgis["geotiff_options"], qgis.get("plugin_geotiff_options", "?"), q["write"])
    return lines, headline


def targets(headline):
    """(target, measured, met?, why not) rows for the per-tile overhead."""
    q, w = headline["qgis"], headline["wsgi_png"]
    why_qgis = (f"GeoTIFF write {q['write']:.1f} ms, QGIS provider decode {q['decode']:.1f} ms (ARGB "
                f"unpack {q['unpack']:.1f} ms of it), filter {q['filter']:.1f} ms, processing.run "
                f"{q['other']:.1f} ms")
    why_wps = (f"job database {w.get('pywps_db', 0):.1f} ms, other request handling "
               f"{w['other'] + w.get('process_copy', 0):.1f} ms, display mapping and PNG encoding "
               f"{w['encode']:.1f} ms, "
               f"decode {w['decode']:.1f} ms, filter {w['filter']:.1f} ms: {w['overhead']:.1f} ms in process; "
               f"through gunicorn {headline['overhead_wps_png'] - w['overhead']:.1f} ms more (HTTP, gunicorn's "
               "sync worker with a new connection per request, and the variation of the WMS's own time between "
               "its direct GetMap and the server's)")
    rows = []
    for label, key, why in (("in process in QGIS", "overhead_qgis", why_qgis),
                            ("through the WPS server (gunicorn, sync, raw PNG)", "overhead_wps_png", why_wps)):
        value = headline[key]
        reference = headline["overhead_tutorial" if key == "overhead_qgis" else "overhead_tutorial_http"]
        met = value <= TARGET_OVERHEAD_MS[key]
        rows.append((f"512² tile overhead (total - WMS wait) ≤ {TARGET_OVERHEAD_MS[key]:g} ms, {label}",
                     f"{value:.1f} ms (tutorial's: {reference:.1f} ms)", met, "" if met else why))
    return rows


def _wsgi_cells(median):
    return (median["wms_wait"], median["decode"], None, median["filter"], median["encode"],
            median["other"] + median.get("pywps_db", 0.0) + median.get("process_copy", 0.0), median["total"],
            median["overhead"])


def _http_cells(median):
    return (median["wms_wait"], None, None, None, None, None, median["total"], median["overhead"])


def _ms(value):
    return "" if value is None else f"{value:.1f}"


def _shorten_url(url):
    return url.split("?", 1)[-1] if url else "none seen"


def _profile_lines(title, text, note=""):
    """The profile's call tree, without pyinstrument's banner."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Profile at")), 0)
    body = [line for line in lines[start + 1:] if line.strip()]
    return [f"<details><summary>{title}</summary>", "", *([note, ""] if note else []), "```", *body, "```", "",
            "</details>", ""]


def _geotiff_option_lines(options, plugin_options, measured_write):
    lines = ["### GeoTIFF creation options for the plugin's 512 x 512 float32 output", "",
             f"The plugin writes with `{plugin_options}` ({measured_write:.1f} ms in the table above). The same "
             "gradient written with GDAL under other options (best of 5; this pattern's gradient compresses far "
             "better than imagery would):", "", "| creation options | ms | KiB |", "| --- | ---: | ---: |"]
    lines += [f"| `{name}` | {ms:.1f} | {size / 1024:.0f} |" for name, ms, size in options]
    return [*lines, ""]
