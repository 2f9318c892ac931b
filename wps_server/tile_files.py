"""Write a gradient tile as a float32 GeoTIFF or as the 8-bit display PNG.

Every file is written under a temporary name in its final folder and renamed
when complete, so a failure never leaves a half-written file under the real
name. File names are chosen by the server, never taken from a request.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

import numpy as np
import rasterio
from PIL import Image
from rasterio.crs import CRS
from rasterio.transform import Affine

from qgis_plugin.core.render import display_bytes

GEOTIFF_NAME = "edges.tif"
PNG_NAME = "edges.png"
# zlib level 1: about three times faster than the default 6 on gradient tiles, for files
# about 20% larger; the PNG is a display rendering, often fetched once over a local network.
PNG_COMPRESS_LEVEL = 1


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds."""
    folder, name = os.path.split(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    os.close(handle)
    try:
        yield temporary
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the file from a separate web server
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def write_geotiff(path, gradient: np.ndarray, grid, epsg: int):
    """Float32 GeoTIFF with the grid's exact extent, pixel size and CRS; nodata NaN."""
    profile = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": "float32",
        "crs": CRS.from_epsg(epsg),
        "transform": Affine.from_gdal(*grid.geotransform()),
        "nodata": float("nan"),
    }
    with atomic_path(path) as temporary, rasterio.open(temporary, "w", **profile) as dataset:
        dataset.write(gradient.astype(np.float32, copy=False), 1)


def write_png(path, gradient: np.ndarray, method: str):
    """The documented 8-bit display rendering (gray + alpha, nodata transparent)."""
    image = Image.fromarray(display_bytes(gradient, method), mode="LA")
    with atomic_path(path) as temporary:
        image.save(temporary, format="PNG", compress_level=PNG_COMPRESS_LEVEL)


def write_png_georeferencing(png_path, grid, epsg: int):
    """The world file (``.pgw``) and the GDAL ``.png.aux.xml`` with the CRS, beside ``png_path``."""
    stem = os.path.splitext(png_path)[0]
    with atomic_path(stem + ".pgw") as temporary, open(temporary, "w", encoding="ascii") as stream:
        stream.write(world_file_text(grid))
    with atomic_path(png_path + ".aux.xml") as temporary, open(temporary, "w", encoding="utf-8") as stream:
        stream.write(aux_xml_text(epsg))


def world_file_text(grid) -> str:
    """ESRI world file: pixel sizes, rotations, then the centre of the top-left pixel."""
    x0, dx, rx, y0, ry, dy = grid.geotransform()
    lines = (dx, ry, rx, dy, x0 + dx / 2.0, y0 + dy / 2.0)
    return "".join(f"{value!r}\n" for value in lines)


def aux_xml_text(epsg: int) -> str:
    """A GDAL PAM document carrying the CRS (axes in x, y order, GDAL's default for PAM)."""
    wkt = CRS.from_epsg(epsg).to_wkt()
    escaped = wkt.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<PAMDataset>\n  <SRS>{escaped}</SRS>\n</PAMDataset>\n"
