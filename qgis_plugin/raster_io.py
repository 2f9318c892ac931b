"""QGIS-side raster I/O: a tile's source pixels through a layer's data provider, and the GeoTIFF.

Pixels are read through QGIS's own provider (WMS, WMTS, XYZ, GDAL...), so the
user's proxy, authentication and source types all apply; when the tile's CRS
differs from the layer's, a ``QgsRasterProjector`` in a ``QgsRasterPipe``
reprojects (exact precision, nearest neighbour).
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
from osgeo import gdal, osr
from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsRaster,
    QgsRasterBlockFeedback,
    QgsRasterDataProvider,
    QgsRasterPipe,
    QgsRasterProjector,
    QgsRectangle,
)

from .core.georef import TileGrid

_NUMPY_TYPES = {
    Qgis.Byte: np.uint8,
    Qgis.UInt16: np.uint16,
    Qgis.Int16: np.int16,
    Qgis.UInt32: np.uint32,
    Qgis.Int32: np.int32,
    Qgis.Float32: np.float32,
    Qgis.Float64: np.float64,
}
_COLOR_TYPES = (Qgis.ARGB32, Qgis.ARGB32_Premultiplied)


class RasterReadError(Exception):
    """The provider could not deliver the pixels; ``str()`` is a message for users."""


class RasterReadCanceled(RasterReadError):
    """The read was cancelled through its feedback."""


def read_tile_pixels(provider: QgsRasterDataProvider, grid: TileGrid, grid_crs: QgsCoordinateReferenceSystem,
                     transform_context: QgsCoordinateTransformContext, feedback: QgsRasterBlockFeedback,
                     on_band_read=None) -> np.ndarray:
    """The pixels of ``grid`` (in ``grid_crs``) as the engine takes them.

    Colour providers (WMS, WMTS, XYZ) give an H x W x 4 RGBA uint8 array.
    Band providers give H x W (gray) or H x W x 3 (RGB) in the band's own
    type, or with an alpha channel (H x W x 2 or x 4) when some pixels are
    nodata or transparent. ``provider`` is owned by this call (pass a clone).
    ``on_band_read(done, total)`` is called after each band.
    """
    pipe = QgsRasterPipe()
    source_crs = provider.crs()
    if not pipe.set(provider):
        raise RasterReadError("the layer's data provider cannot be used in a raster pipe")
    if source_crs != grid_crs:
        projector = QgsRasterProjector()
        projector.setCrs(source_crs, grid_crs, transform_context)
        projector.setPrecision(QgsRasterProjector.Exact)
        if not pipe.set(projector):
            raise RasterReadError("cannot reproject the layer: the raster pipe refused the projector")
    rectangle = QgsRectangle(grid.extent.xmin, grid.extent.ymin, grid.extent.xmax, grid.extent.ymax)
    source = pipe.last()

    def read_band(band):
        block = source.block(band, rectangle, grid.width, grid.height, feedback)
        if feedback.isCanceled():
            raise RasterReadCanceled("reading the layer was cancelled")
        if block is None or not block.isValid() or block.isEmpty():
            detail = block.error().summary() if block is not None and not block.error().isEmpty() else ""
            raise RasterReadError("the layer's data provider returned no pixels for the tile"
                                  + (f": {detail}" if detail else ""))
        return block

    if provider.dataType(1) in _COLOR_TYPES:
        pixels = _rgba_from_color_block(read_band(1), grid)
        if on_band_read is not None:
            on_band_read(1, 1)
        return pixels

    bands = _bands_to_read(provider)
    values, valid = [], np.ones((grid.height, grid.width), dtype=bool)
    for index, band in enumerate(bands.color):
        array, band_valid = _band_values(read_band(band), grid)
        values.append(array)
        valid &= band_valid
        if on_band_read is not None:
            on_band_read(index + 1, len(bands.color) + (bands.alpha is not None))
    if bands.alpha is not None:
        alpha, alpha_valid = _band_values(read_band(bands.alpha), grid)
        valid &= alpha_valid & (alpha != 0)
        if on_band_read is not None:
            on_band_read(len(bands.color) + 1, len(bands.color) + 1)
    return _stack(values, valid)


class _Bands:
    def __init__(self, color, alpha):
        self.color, self.alpha = color, alpha


def _bands_to_read(provider) -> _Bands:
    """Gray (first non-alpha band) or RGB (first three non-alpha bands), plus the alpha band if any."""
    alpha = None
    others = []
    for band in range(1, provider.bandCount() + 1):
        if provider.colorInterpretation(band) == QgsRaster.AlphaBand and alpha is None:
            alpha = band
        else:
            others.append(band)
    if not others:
        raise RasterReadError("the layer has only an alpha band, no values to filter")
    for band in others:
        if provider.dataType(band) not in _NUMPY_TYPES:
            raise RasterReadError(f"band {band} has a data type ({provider.dataType(band)}) that cannot be "
                                  "filtered; supported: 8 to 32-bit integers, 32 and 64-bit floats")
    return _Bands(others[:3] if len(others) >= 3 else others[:1], alpha)


def _rgba_from_color_block(block, grid) -> np.ndarray:
    """ARGB32 (QImage) pixels to RGBA uint8, un-premultiplying if needed."""
    packed = np.frombuffer(bytes(block.data()), dtype=np.uint32, count=grid.width * grid.height)
    packed = packed.reshape(grid.height, grid.width)
    rgba = np.empty((grid.height, grid.width, 4), dtype=np.uint8)
    for channel, shift in enumerate((16, 8, 0, 24)):
        rgba[..., channel] = (packed >> shift) & 0xFF
    if block.dataType() == Qgis.ARGB32_Premultiplied:
        alpha = rgba[..., 3].astype(np.float64)
        partial = (alpha > 0) & (alpha < 255)
        for channel in range(3):
            values = rgba[..., channel].astype(np.float64)
            values[partial] = np.clip(np.rint(values[partial] * 255.0 / alpha[partial]), 0, 255)
            rgba[..., channel] = values.astype(np.uint8)
    return rgba


def _band_values(block, grid):
    """(values, valid mask) of one band block; nodata, NaN and masked pixels are invalid."""
    dtype = _NUMPY_TYPES.get(block.dataType())
    if dtype is None:
        raise RasterReadError(f"unexpected block data type {block.dataType()}")
    values = np.frombuffer(bytes(block.data()), dtype=dtype, count=grid.width * grid.height)
    values = values.reshape(grid.height, grid.width)
    valid = np.ones(values.shape, dtype=bool)
    if np.issubdtype(dtype, np.floating):
        valid &= ~np.isnan(values)
    if block.hasNoDataValue():
        nodata = block.noDataValue()
        if not np.isnan(nodata):
            valid &= values != np.asarray(nodata).astype(dtype)
    elif block.hasNoData():
        # A nodata bitmap (parts outside the source, no nodata value): ask per pixel.
        for row in range(grid.height):
            valid[row] = [not block.isNoData(row, column) for column in range(grid.width)]
    return values, valid


def _stack(values, valid) -> np.ndarray:
    """Gray or RGB values, with an alpha channel only when some pixel is invalid."""
    if valid.all():
        return values[0] if len(values) == 1 else np.dstack(values)
    dtype = np.uint8 if all(v.dtype == np.uint8 for v in values) else np.float32
    alpha = np.where(valid, 255, 0).astype(dtype)
    return np.dstack([v.astype(dtype, copy=False) for v in values] + [alpha])


def write_geotiff(path: str, gradient: np.ndarray, grid: TileGrid, crs: QgsCoordinateReferenceSystem,
                  nodata: float = float("nan")) -> None:
    """Write a float32 single-band GeoTIFF with ``grid``'s exact geotransform, atomically.

    The file is written under a temporary name in the same folder and renamed
    at the end, so a failure leaves no partial file at ``path``.
    """
    if gradient.shape != (grid.height, grid.width):
        raise ValueError(f"gradient of shape {gradient.shape} does not match the {grid.width} x {grid.height} grid")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".wmsedge-", suffix=".tif")
    os.close(handle)
    gdal.ErrorReset()
    try:
        # GDAL's error state is checked by hand: gdal.UseExceptions() would change
        # it for every other plugin running in the same QGIS.
        dataset = gdal.GetDriverByName("GTiff").Create(
            temporary, grid.width, grid.height, 1, gdal.GDT_Float32, options=["COMPRESS=DEFLATE", "PREDICTOR=3"])
        if dataset is None:
            raise OSError(f"GDAL cannot create {path}: {gdal.GetLastErrorMsg()}")
        spatial_reference = osr.SpatialReference()
        wkt = crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED_GDAL)
        if spatial_reference.ImportFromWkt(wkt) != 0:
            raise ValueError(f"GDAL cannot read the CRS {crs.authid() or crs.description()}")
        band = dataset.GetRasterBand(1)
        failures = [
            dataset.SetGeoTransform(grid.geotransform()),
            dataset.SetSpatialRef(spatial_reference),
            band.SetNoDataValue(nodata),
            band.WriteArray(np.asarray(gradient, dtype=np.float32)),
        ]
        dataset.FlushCache()
        band = dataset = None
        if any(failures) or gdal.GetLastErrorType() >= gdal.CE_Failure:
            raise OSError(f"GDAL failed to write {path}: {gdal.GetLastErrorMsg() or 'unknown error'}")
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
