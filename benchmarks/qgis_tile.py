"""One 512 x 512 tile through the QGIS algorithm, in process, with a stage breakdown.

Run by :mod:`benchmarks.tile` in a subprocess (``python -m benchmarks.qgis_tile ...``) with its own
HOME and QGIS profile, so the benchmark's main process stays QGIS-free. Prints one JSON line.

How each figure is obtained (nothing in the plugin is changed):

* total: wall time of ``processing.run("wmsedge:edge_tile", ...)``;
* WMS wait: from QGIS's own network manager, between ``requestAboutToBeCreated`` and ``finished``
  of the GetMap request(s) the WMS provider sends, minus the plugin's check of each GetMap reply
  (``provider_read.GetMapCheck._check``, timed as ``getmap_check``), which runs just before that
  ``finished`` and is the plugin's own work (it counts in "decode" and in the overhead);
* provider read: ``provider_source.read_tile_pixels`` (WMS wait + QGIS decoding the PNG into a raster
  block + the ARGB to RGBA unpacking, timed on its own as ``provider_read._rgba_from_color_block``);
* filter: the area pipeline's ``edge_filter`` (the engine, gray conversion fused in); gray conversion
  alone is the engine's ``gray_float32`` on the same pixels, timed separately;
* write: the COG sink, its block file (``CogSink.write``) and the COG made from it (``CogSink.commit``);
  the COG creation options are reported as ``plugin_geotiff_options``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

QGIS_PLUGINS = "/usr/share/qgis/python/plugins"  # where Debian puts the processing plugin


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wms-url", required=True)
    parser.add_argument("--layer", required=True)
    parser.add_argument("--lon", type=float, required=True)
    parser.add_argument("--lat", type=float, required=True)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--pixel-size", type=float, required=True)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--profile", help="write a pyinstrument text profile of the measured runs here")
    run_in_qgis(measure, parser.parse_args())


def run_in_qgis(measure, arguments) -> None:
    """``measure(arguments)`` inside a headless QGIS application; its result printed as one JSON line."""
    from qgis.core import QgsApplication

    application = QgsApplication([], False)
    application.initQgis()
    try:
        result = measure(arguments)
    finally:
        sys.stdout.flush()
    print(json.dumps(result), flush=True)
    application.exitQgis()


def plugin_and_wms_layer(wms_url: str, layer_name: str):
    """The plugin's Processing provider, registered, and the WMS layer as the Data Source Manager adds it."""
    sys.path.append(QGIS_PLUGINS)
    from processing.core.Processing import Processing
    from qgis.core import QgsApplication, QgsProject, QgsRasterLayer

    from qgis_plugin.provider import WmsEdgeProvider

    Processing.initialize()
    provider = WmsEdgeProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    source = f"crs=EPSG:4326&dpiMode=7&format=image/png&layers={layer_name}&styles=&url={wms_url}"
    layer = QgsRasterLayer(source, layer_name, "wms")
    if not layer.isValid():
        raise RuntimeError(f"the WMS layer is not valid: {layer.error().summary()}")
    QgsProject.instance().addMapLayer(layer, False)
    return provider, layer


def measure(arguments) -> dict:
    provider, layer = plugin_and_wms_layer(arguments.wms_url, arguments.layer)
    import numpy as np
    import processing
    from qgis.core import (
        QgsApplication,
        QgsNetworkAccessManager,
        QgsNetworkReplyContent,
        QgsNetworkRequestParameters,
        QgsProject,
    )

    from qgis_plugin.core import filters
    from qgis_plugin.core.area import pipeline
    from qgis_plugin.core.area.cog import CogSink, OsgeoGdal, cog_options
    from qgis_plugin.io import provider_read, provider_source

    from .stages import StageClock, median_stages


    clock = StageClock()
    network_started, urls = {}, []

    def on_request(parameters):
        network_started[parameters.requestId()] = time.perf_counter()
        urls.append(parameters.request().url().toString())

    def on_finished(reply):
        started = network_started.pop(reply.requestId(), None)
        if started is not None:
            clock.add("wms_wait", time.perf_counter() - started)

    manager = QgsNetworkAccessManager.instance()
    # The QGIS signals, not their QNetworkAccessManager namesakes of the same name.
    request_signal = manager.requestAboutToBeCreated[QgsNetworkRequestParameters]
    finished_signal = manager.finished[QgsNetworkReplyContent]
    request_signal.connect(on_request)
    finished_signal.connect(on_finished)

    pixels_seen = []

    def keep_pixels(function):
        def read(*args, **kwargs):
            pixels = function(*args, **kwargs)
            pixels_seen[:] = [pixels]
            return pixels
        return read

    algorithm_id = f"{provider.id()}:edge_tile"
    with tempfile.TemporaryDirectory(prefix="wmsedge-bench-") as folder:
        output = str(Path(folder) / "edges.tif")
        parameters = {
            "INPUT": layer, "CENTER": f"{arguments.lon!r},{arguments.lat!r} [EPSG:4326]",
            "WIDTH": arguments.size, "HEIGHT": arguments.size, "PIXEL_SIZE": arguments.pixel_size,
            "CRS": "EPSG:4326", "METHOD": 0, "BACKEND": 0, "OUTPUT": output,
        }
        targets = [
            (provider_source, "read_tile_pixels", "provider_read"),
            (provider_read, "_rgba_from_color_block", "unpack"),
            (provider_read.GetMapCheck, "_check", "getmap_check"),
            (pipeline, "edge_filter", "filter"),
            (CogSink, "write", "write"),
            (CogSink, "commit", "write"),
        ]
        original_read = provider_source.read_tile_pixels
        provider_source.read_tile_pixels = keep_pixels(original_read)
        runs = []
        try:
            with clock.wrapping(targets):
                for _ in range(arguments.warmup):
                    processing.run(algorithm_id, parameters)
                urls.clear()
                for _ in range(arguments.repeats):
                    clock.reset()
                    start = time.perf_counter()
                    processing.run(algorithm_id, parameters)
                    total = time.perf_counter() - start
                    clock.add("total", total)
                    clock.add("wms_wait", -clock.seconds["getmap_check"])
                    gray_start = time.perf_counter()
                    filters.gray_float32(pixels_seen[0])
                    runs.append({**clock.snapshot_ms(), "gray": (time.perf_counter() - gray_start) * 1e3})
                requests_per_run = len(urls) / arguments.repeats
            geotiff_options = _geotiff_options(filters.edge_filter(pixels_seen[0], "sobel_x", halo=True), folder)
            if arguments.profile:
                _profile(lambda: processing.run(algorithm_id, parameters), arguments.repeats, arguments.profile)
        finally:
            provider_source.read_tile_pixels = original_read
        request_signal.disconnect(on_request)
        finished_signal.disconnect(on_finished)
        pixels = pixels_seen[0]
    QgsProject.instance().removeAllMapLayers()
    QgsApplication.processingRegistry().removeProvider(provider)
    return {
        "runs": runs,
        "median": median_stages(runs),
        "missing": clock.missing,
        "best_total": min(run["total"] for run in runs),
        "requests_per_run": requests_per_run,
        "getmap_url": urls[-1] if urls else "",
        "geotiff_options": geotiff_options,
        "plugin_geotiff_options": " ".join(f"{key}={value}" for key, value in
                                           cog_options(OsgeoGdal().cog_compressions()).items()),
        "pixels": f"{' x '.join(map(str, pixels.shape))} {np.asarray(pixels).dtype}",
    }


GEOTIFF_OPTIONS = (
    ("COMPRESS=DEFLATE", "PREDICTOR=3"),
    ("COMPRESS=DEFLATE", "PREDICTOR=3", "ZLEVEL=1"),
    ("COMPRESS=ZSTD", "PREDICTOR=3", "ZSTD_LEVEL=1"),
    ("COMPRESS=ZSTD", "ZSTD_LEVEL=1"),
    ("COMPRESS=LZW", "PREDICTOR=3"),
    (),
)


def _geotiff_options(gradient, folder):
    """(options, best ms of 5, bytes) of writing ``gradient`` as a float32 GeoTIFF with GDAL."""
    import os

    from osgeo import gdal

    results = []
    for options in GEOTIFF_OPTIONS:
        path = os.path.join(folder, "options.tif")
        times = []
        for _ in range(5):
            start = time.perf_counter()
            dataset = gdal.GetDriverByName("GTiff").Create(path, gradient.shape[1], gradient.shape[0], 1,
                                                           gdal.GDT_Float32, options=list(options))
            dataset.GetRasterBand(1).WriteArray(gradient)
            dataset.FlushCache()
            dataset = None
            times.append((time.perf_counter() - start) * 1e3)
        results.append((" ".join(options) or "no compression", min(times), os.path.getsize(path)))
        os.remove(path)
    return results


def _profile(function, repeats, path):
    """A pyinstrument text profile of ``repeats`` calls (separate runs: profiling slows them)."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(repeats):
        function()
    profiler.stop()
    Path(path).write_text(profiler.output_text(unicode=False, color=False, time="percent_of_total",
                                               processor_options={"filter_threshold": 0.02}))


if __name__ == "__main__":
    main()
