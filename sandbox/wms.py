"""A real QGIS Server (``qgis_mapserver``) over generated data, for tests.

The data: two single-band 8-bit GeoTIFFs around the tutorial's Montreal point,
one in EPSG:4326 (:data:`LAYER_4326`) and one in EPSG:3857 (:data:`LAYER_3857`),
and QGIS's own ``world_map.gpkg`` countries (:data:`LAYER_WORLD`). The rasters
are rendered unstretched with nearest-neighbour resampling, so a WMS pixel's
gray value is exactly the stored value of the source pixel under its centre.

The stored pattern (:func:`pattern_value`) is made of 16 x 16-pixel cells, each
an eastward ramp of +1 per source pixel plus a southward ramp of +16 per source
row: ``value = col % 16 + 16 * (row % 16)``. Any 16 x 16 window therefore holds
256 distinct values, so a returned pixel tells exactly which source pixel it
came from. Use :func:`source_value` / :func:`expected_pixels` to know which
value lies at a map coordinate or under each pixel centre of a ``TileGrid``.

This module imports only the standard library and numpy (it must run in the
pip-only venv without QGIS). The project is written by ``make_wms_project.py``
in a ``/usr/bin/python3`` subprocess, which imports this module for the layout.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .process import LoopbackServer

CENTER_LON, CENTER_LAT = -73.4935, 45.554  # the tutorial's point (Montreal), rounded
LAYER_4326 = "pattern_4326"
LAYER_3857 = "pattern_3857"
LAYER_WORLD = "countries"
WORLD_GPKG = "/usr/share/qgis/resources/data/world_map.gpkg"
WMS_CRS_LIST = ("EPSG:4326", "EPSG:3857")  # QGIS Server adds CRS:84 itself
MAX_IMAGE_SIZE = 5000  # the project's WMS MaxWidth and MaxHeight
PATTERN_CELL = 16

QGIS_PYTHON = "/usr/bin/python3"  # the interpreter that can import qgis and osgeo
QGIS_MAPSERVER = "/usr/bin/qgis_mapserver"
PROJECT_SCRIPT = Path(__file__).with_name("make_wms_project.py")
STARTUP_TIMEOUT = 60.0

_EARTH_RADIUS = 6378137.0


def lonlat_to_3857(lon: float, lat: float) -> tuple:
    """Spherical Web Mercator (EPSG:3857) coordinates of a WGS84 point."""
    x = math.radians(lon) * _EARTH_RADIUS
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * _EARTH_RADIUS
    return x, y


def pattern_value(col, row):
    """The stored value of source pixel (col, row): ints or numpy arrays."""
    return col % PATTERN_CELL + PATTERN_CELL * (row % PATTERN_CELL)


@dataclass(frozen=True)
class PatternRaster:
    """Where a generated pattern GeoTIFF lies: a north-up grid of square pixels."""

    name: str
    crs: str
    xmin: float
    ymax: float
    pixel_size: float
    width: int
    height: int

    @property
    def epsg(self) -> int:
        return int(self.crs.split(":")[1])

    @property
    def bounds(self) -> tuple:
        """(xmin, ymin, xmax, ymax) in the raster's CRS."""
        return (self.xmin, self.ymax - self.height * self.pixel_size,
                self.xmin + self.width * self.pixel_size, self.ymax)

    def geotransform(self) -> tuple:
        return (self.xmin, self.pixel_size, 0.0, self.ymax, 0.0, -self.pixel_size)

    def pixel_position(self, x, y) -> tuple:
        """Fractional (col, row) of map coordinates: pixel (c, r) spans [c, c+1) x [r, r+1)."""
        return ((np.asarray(x, dtype=float) - self.xmin) / self.pixel_size,
                (self.ymax - np.asarray(y, dtype=float)) / self.pixel_size)

    def pixel_extent(self, col: int, row: int, cols: int, rows: int) -> tuple:
        """(xmin, ymin, xmax, ymax) of source pixels [col, col+cols) x [row, row+rows).

        Exact in binary: a grid over it with 1, 2, 3... output pixels per
        source pixel is rendered pixel-exact by QGIS Server.
        """
        size = self.pixel_size
        return (self.xmin + col * size, self.ymax - (row + rows) * size,
                self.xmin + (col + cols) * size, self.ymax - row * size)

    def values_at(self, x, y) -> np.ndarray:
        """The stored values at map coordinates (arrays broadcast); outside the raster is an error."""
        col, row = self.pixel_position(x, y)
        col, row = np.floor(col).astype(np.int64), np.floor(row).astype(np.int64)
        if col.min() < 0 or row.min() < 0 or col.max() >= self.width or row.max() >= self.height:
            raise ValueError(f"a point lies outside the {self.name} raster {self.bounds}")
        return pattern_value(col, row).astype(np.uint8)

    def array(self) -> np.ndarray:
        """The whole stored raster (height x width, uint8)."""
        rows, cols = np.indices((self.height, self.width))
        return pattern_value(cols, rows).astype(np.uint8)


def _pattern_raster(name, crs, cx, cy, pixel_size, size) -> PatternRaster:
    """A ``size`` x ``size`` raster around (cx, cy), its corners on multiples of ``pixel_size``."""
    xmin = math.floor(cx / pixel_size - size / 2) * pixel_size
    ymax = math.floor(cy / pixel_size + size / 2) * pixel_size
    return PatternRaster(name, crs, xmin, ymax, pixel_size, size, size)


# Pixel sizes are powers of two and corners multiples of them, so that grids
# made of whole source pixels have exactly representable coordinates. Over
# such grids, with 1, 2, 3... output pixels per source pixel, QGIS Server
# returns exactly the source pixel under each output pixel centre. Over other
# boxes in EPSG:4326 (e.g. the tutorial's 0.0005 degree at 512 pixels) it
# may take the source pixel of a neighbouring output pixel, and a halo
# request's interior may then differ from the plain tile by one pixel at
# source pixel edges; EPSG:3857 boxes at these sizes come out exact.
PIXEL_SIZE_4326 = 2.0 ** -17  # degree: about 0.6 m east-west and 0.85 m north-south here
PIXEL_SIZE_3857 = 1.0  # metre
RASTERS = {
    # about 0.01 degree (1 km) around the point
    LAYER_4326: _pattern_raster(LAYER_4326, "EPSG:4326", CENTER_LON, CENTER_LAT, PIXEL_SIZE_4326, 1312),
    LAYER_3857: _pattern_raster(LAYER_3857, "EPSG:3857", *lonlat_to_3857(CENTER_LON, CENTER_LAT),
                                PIXEL_SIZE_3857, 1024),
}


def source_value(layer: str, x: float, y: float) -> int:
    """The stored value of pattern ``layer`` at map coordinate (x, y) in the layer's CRS."""
    return int(RASTERS[layer].values_at(x, y))


def pixel_centres(grid) -> tuple:
    """Map coordinates (x, y arrays, height x width) of every pixel centre of a ``TileGrid``."""
    x0, dx, _, y0, _, dy = grid.geotransform()
    cols = np.arange(grid.width) + 0.5
    rows = np.arange(grid.height) + 0.5
    return np.meshgrid(x0 + cols * dx, y0 + rows * dy)


def expected_pixels(layer: str, grid) -> np.ndarray:
    """The stored values under each pixel centre of ``grid`` (in the layer's CRS)."""
    return RASTERS[layer].values_at(*pixel_centres(grid))


def near_source_edge(layer: str, grid, tolerance: float = 1e-6) -> np.ndarray:
    """Mask of ``grid`` pixels whose centre lies within ``tolerance`` source pixels of a
    source pixel edge, where rounding may pick either neighbour."""
    col, row = RASTERS[layer].pixel_position(*pixel_centres(grid))
    return (np.abs(col - np.round(col)) < tolerance) | (np.abs(row - np.round(row)) < tolerance)


def _isolated_env(home: Path) -> dict:
    """Environment for QGIS processes: headless, own HOME, profile and runtime dir."""
    for sub in ("profile", "runtime"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "runtime").chmod(0o700)
    env = dict(os.environ)
    env.update({
        "HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(home / "runtime"),
        "QGIS_CUSTOM_CONFIG_PATH": str(home / "profile"),
        "QGIS_OPTIONS_PATH": str(home / "profile"),
    })
    env.pop("PYTHONPATH", None)
    return env


def build_project(directory: Path) -> Path:
    """Write the GeoTIFFs and ``wms.qgs`` into ``directory`` (via PyQGIS in a subprocess)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([QGIS_PYTHON, str(PROJECT_SCRIPT), str(directory)],
                            env=_isolated_env(directory / "home-build"), capture_output=True, text=True,
                            timeout=120, check=False)
    project = directory / "wms.qgs"
    if result.returncode != 0 or not project.is_file():
        raise RuntimeError(f"{PROJECT_SCRIPT.name} failed (exit {result.returncode}):\n"
                           f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return project


class QgisServer(LoopbackServer):
    """``qgis_mapserver`` serving one project on 127.0.0.1.

    HOME, QGIS profile and the server log live in ``workdir``. ``url`` is the
    WMS endpoint (``http://127.0.0.1:PORT/ows/``).
    """

    ready_query = "?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities"
    ready_marker = b"WMS_Capabilities"

    def __init__(self, project_file: Path, workdir: Path):
        super().__init__(workdir, "qgis_mapserver.log")
        self.project_file = Path(project_file)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ows/"

    def command(self, port):
        if shutil.which(QGIS_MAPSERVER) is None:
            raise RuntimeError(f"{QGIS_MAPSERVER} is missing: install the Debian package qgis-server")
        return [QGIS_MAPSERVER, f"127.0.0.1:{port}"]

    def environment(self, port):
        env = _isolated_env(self.workdir / "home")
        env.update({"QGIS_PROJECT_FILE": str(self.project_file), "QGIS_SERVER_LOG_STDERR": "1",
                    "QGIS_SERVER_LOG_LEVEL": "0"})
        return env


def start_wms_server(directory: Path) -> QgisServer:
    """Build the project in ``directory`` and start a QGIS Server on it (call ``stop()``)."""
    directory = Path(directory)
    project = build_project(directory / "data")
    return QgisServer(project, directory).start()


if __name__ == "__main__":  # manual use: python -m sandbox.wms DIR
    with start_wms_server(Path(sys.argv[1])) as server:
        server.serve_until_interrupted()
