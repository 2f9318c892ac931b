"""One area through the QGIS algorithm in process, or its reads alone (issue 13's "in-process QGIS path").

Run by :mod:`benchmarks.area` in a subprocess (``python -m benchmarks.qgis_area KIND ...``) with its own
HOME and QGIS profile. Prints one JSON line: wall seconds, CPU seconds and peak RSS (``VmHWM``, MiB)
of this process, and the number of blocks.

- *pipeline*: ``processing.run("wmsedge:edge_tile", ...)`` with the in-process backend: blocks read
  through clones of the WMS layer's provider, filtered, written to the COG;
- *fetch*: the same blocks read through the same provider clones (the plugin's
  ``ProviderPixelSource``), at the same concurrency, the pixels dropped: the ceiling of any QGIS
  tool reading these pixels through QGIS's WMS provider.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

from .area import own_usage
from .qgis_tile import plugin_and_wms_layer, run_in_qgis


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("fetch", "pipeline"))
    parser.add_argument("--wms-url", required=True)
    parser.add_argument("--layer", required=True)
    parser.add_argument("--extent", required=True, help="xmin,ymin,xmax,ymax in EPSG:4326")
    parser.add_argument("--pixel-size", type=float, required=True)
    parser.add_argument("--output", required=True)
    run_in_qgis(measure, parser.parse_args())


def measure(arguments) -> dict:
    provider, layer = plugin_and_wms_layer(arguments.wms_url, arguments.layer)
    import processing
    from qgis.core import QgsCoordinateReferenceSystem

    from qgis_plugin.core.area import area_grid, plan_blocks
    from qgis_plugin.core.contract import DEFAULT_REQUESTS_PER_HOST
    from qgis_plugin.core.georef import Extent
    from qgis_plugin.io import provider_source

    xmin, ymin, xmax, ymax = (float(value) for value in arguments.extent.split(","))
    side, _ = provider_source.block_size("wms", layer.source(), None)
    plan = plan_blocks(area_grid(Extent(xmin, ymin, xmax, ymax), pixel_size=arguments.pixel_size), side)
    start = time.perf_counter()
    if arguments.kind == "pipeline":
        processing.run(f"{provider.id()}:edge_tile", {
            "INPUT": layer, "EXTENT": f"{xmin!r},{xmax!r},{ymin!r},{ymax!r} [EPSG:4326]",
            "PIXEL_SIZE": arguments.pixel_size, "CRS": "EPSG:4326", "METHOD": 0, "BACKEND": 0,
            "OUTPUT": arguments.output})
    else:
        from qgis.core import QgsCoordinateTransformContext, QgsRasterBlockFeedback

        pool = provider_source.ProviderPool(layer, DEFAULT_REQUESTS_PER_HOST)
        pixel_source = provider_source.ProviderPixelSource(
            pool, QgsCoordinateReferenceSystem("EPSG:4326"), QgsCoordinateTransformContext(), QgsRasterBlockFeedback())
        with ThreadPoolExecutor(DEFAULT_REQUESTS_PER_HOST) as threads:
            for pixels in threads.map(lambda block: pixel_source.fetch(block.fetch_grid), plan):
                del pixels
    return {"seconds": time.perf_counter() - start, "blocks": len(plan), **own_usage()}


if __name__ == "__main__":
    main()
