"""A fast second WMS for tests, the demo and the benchmarks: MapServer 8 (Debian's
``python3-mapscript``) under gunicorn on a free loopback port, serving one RGB GeoTIFF.

MapScript runs the same code as the ``mapserv`` CGI (``OWSDispatch``) but in a process that
stays up, as MapServer's FastCGI deployments do, so a GetMap costs MapServer's rendering
and PNG encoding, not a process start. gunicorn's sync workers are separate processes:
MapScript is not used from two threads at once.

The raster (:func:`write_rgb_geotiff`) is 8-bit RGB in EPSG:4326 around the tutorial's point,
with pixels of :data:`PIXEL_SIZE` degrees and corners on multiples of it, so that a GetMap
at that pixel size over whole pixels is served at native resolution (nearest neighbour).
Its pattern has ramps, edges and a little noise (:func:`rgb_pattern`).
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import numpy as np

from .process import LoopbackServer
from .wms import CENTER_LAT, CENTER_LON

LAYER = "rgb"
PIXEL_SIZE = 2.0 ** -17  # degree
SIZE = 2048  # pixels each way: about 0.016 degree
XMIN = math.floor(CENTER_LON / PIXEL_SIZE - SIZE / 2) * PIXEL_SIZE
YMAX = math.floor(CENTER_LAT / PIXEL_SIZE + SIZE / 2) * PIXEL_SIZE
BOUNDS = (XMIN, YMAX - SIZE * PIXEL_SIZE, XMIN + SIZE * PIXEL_SIZE, YMAX)

MAPFILE = """\
MAP
  NAME "wmsedge_sandbox"
  EXTENT {xmin!r} {ymin!r} {xmax!r} {ymax!r}
  SIZE 512 512
  MAXSIZE {max_size}
  UNITS DD
  PROJECTION
    "init=epsg:4326"
  END
  WEB
    METADATA
      "wms_title" "wmsedge sandbox"
      "wms_onlineresource" "{url}?"
      "wms_srs" "EPSG:4326 EPSG:3857"
      "wms_enable_request" "*"
    END
  END
  LAYER
    NAME "{layer}"
    TYPE RASTER
    STATUS ON
    DATA "{data}"
    PROCESSING "RESAMPLE=NEAREST"
    PROJECTION
      "init=epsg:4326"
    END
    METADATA
      "wms_title" "{layer}"
    END
  END
END
"""


def rgb_pattern() -> np.ndarray:
    """The stored SIZE x SIZE x 3 uint8 pixels: a red ramp eastward and a green ramp southward
    (one level per 4 pixels), a checkerboard of 64-pixel blue squares, and a 1-level noise on
    every 16th row. MapServer spends about 13 ms of CPU on a 514 x 514 PNG of it (a flat raster
    costs it 7 ms, a noisy photograph 50 ms): the cost of the fast WMS in issue 15."""
    rows, cols = np.indices((SIZE, SIZE))
    noise = np.random.default_rng(15).integers(0, 2, (SIZE, SIZE)) * (rows % 16 == 0)
    red = (cols // 4 + noise) % 256
    green = (rows // 4) % 256
    blue = 60 + 120 * ((rows // 64 + cols // 64) % 2)
    return np.dstack([red, green, blue]).astype(np.uint8)


def write_rgb_geotiff(path: Path) -> Path:
    """Write the RGB pattern as a tiled GeoTIFF (with rasterio, which leaves GDAL's global
    settings, such as its exception mode, as the rest of the process has them)."""
    import rasterio
    from rasterio.crs import CRS
    from rasterio.transform import Affine

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {"driver": "GTiff", "width": SIZE, "height": SIZE, "count": 3, "dtype": "uint8",
               "crs": CRS.from_epsg(4326), "transform": Affine(PIXEL_SIZE, 0.0, XMIN, 0.0, -PIXEL_SIZE, YMAX),
               "tiled": True, "blockxsize": 256, "blockysize": 256, "photometric": "RGB"}
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(np.moveaxis(rgb_pattern(), 2, 0))
    return path


def wsgi_app():
    """The WSGI application of a worker (``gunicorn 'sandbox.mapserver:wsgi_app()'``): the
    mapfile named by ``WMSEDGE_MAPFILE`` is parsed once, and each request dispatched on a copy."""
    import mapscript

    template = mapscript.mapObj(os.environ["WMSEDGE_MAPFILE"])

    def application(environ, start_response):
        request = mapscript.OWSRequest()
        request.loadParamsFromURL(environ.get("QUERY_STRING", ""))
        mapscript.msIO_installStdoutToBuffer()
        try:
            template.clone().OWSDispatch(request)
            content_type = mapscript.msIO_stripStdoutBufferContentType() or "text/plain"
            body = mapscript.msIO_getStdoutBufferBytes()
        finally:
            mapscript.msIO_resetHandlers()
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    return application


class MapServer(LoopbackServer):
    """MapServer (MapScript under gunicorn, ``workers`` sync workers) serving :data:`LAYER`
    from a GeoTIFF written into ``workdir``. ``url`` is the WMS endpoint."""

    ready_query = "?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetCapabilities"
    ready_marker = b"WMT_MS_Capabilities"

    def __init__(self, workdir: Path, *, workers: int = 2, raster: Path | None = None, bounds: tuple = BOUNDS,
                 max_size: int = 5000):
        """``raster`` (an RGB GeoTIFF in EPSG:4326 covering ``bounds``) replaces the generated one;
        ``max_size`` is MapServer's MAXSIZE, advertised as the WMS's MaxWidth and MaxHeight."""
        super().__init__(workdir, "mapserver.log")
        self.workers, self.raster, self.bounds, self.max_size = workers, raster, bounds, max_size

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wms"

    def command(self, port):
        return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(self.workers),
                "sandbox.mapserver:wsgi_app()"]

    def environment(self, port):
        data = self.raster or self.workdir / "rgb.tif"
        if not data.is_file():
            write_rgb_geotiff(data)
        mapfile = self.workdir / "sandbox.map"
        xmin, ymin, xmax, ymax = self.bounds
        mapfile.write_text(MAPFILE.format(xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax, layer=LAYER, data=data,
                                          max_size=self.max_size, url=f"http://127.0.0.1:{port}/wms"))
        root = Path(__file__).resolve().parents[1]
        return {**os.environ, "WMSEDGE_MAPFILE": str(mapfile), "PYTHONPATH": str(root)}


if __name__ == "__main__":  # manual use: python -m sandbox.mapserver DIR
    with MapServer(Path(sys.argv[1])) as server:
        server.serve_until_interrupted()
