"""The output grid from the algorithm's inputs: default pixel size, and the checks that refuse a grid
that makes no sense (or is larger than allowed) before any request is sent.

Everything here runs in ``prepareAlgorithm``, on the main thread (the map canvases are read there).
"""

from __future__ import annotations

import math

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsPointXY,
    QgsProcessingException,
    QgsRasterDataProvider,
    QgsRectangle,
    QgsUnitTypes,
)
from qgis.PyQt.QtCore import QLocale

from ..core.georef import TileGrid
from ..translation import tr

DEFAULT_SIZE = 512
#: Without a canvas (qgis_process, scripts) and without a native resolution: 10 m per pixel, so a
#: 512-pixel tile covers about 5 km (a town); in a geographic CRS, 10 m of latitude in degrees.
DEFAULT_PIXEL_SIZE_METRES = 10.0
METRES_PER_DEGREE = 111_320.0
DEFAULT_GEOGRAPHIC_PIXEL_SIZE = DEFAULT_PIXEL_SIZE_METRES / METRES_PER_DEGREE
#: A WGS 84 area of use at least this wide (degrees of longitude) means the CRS covers the whole world,
#: so its extent is a real limit (EPSG:3857); a local CRS's area of use is only advice.
_WORLD_WIDE = 359.0


def number(value: float) -> str:
    """``value`` as the user writes numbers (QGIS's locale: a decimal comma in French)."""
    return QLocale().toString(float(value), "g", 10)


def decimal_comma_hint() -> str:
    return tr("Check the decimal separator: \"0,005\" typed where a point is expected can be read as 5, "
              "and a value below the box's smallest step as 0.")


def default_pixel_size(layer, crs: QgsCoordinateReferenceSystem, center: QgsPointXY | None,
                       center_crs: QgsCoordinateReferenceSystem | None, transform_context):
    """(x, y) pixel size when none is given, and where it comes from (for the log).

    First the layer's own resolution (a GeoTIFF in its CRS); then, in the desktop, the resolution of the
    map canvas showing the centre, so the tile is as large on the screen as it has pixels; otherwise
    the documented default (10 m per pixel).
    """
    native = native_pixel_size(layer, crs)
    if native is not None:
        return native, tr("the layer's resolution")
    if center is not None:
        size = _canvas_pixel_size(center, center_crs or crs, crs, transform_context)
        if size:
            return (size, size), tr("the map canvas's resolution")
    if crs.isGeographic():
        size = DEFAULT_GEOGRAPHIC_PIXEL_SIZE
    else:
        size = DEFAULT_PIXEL_SIZE_METRES * QgsUnitTypes.fromUnitToUnitFactor(QgsUnitTypes.DistanceMeters,
                                                                             crs.mapUnits())
    return (size, size), tr("the default of 10 m per pixel")


def native_pixel_size(layer, crs: QgsCoordinateReferenceSystem):
    """(x, y) size of the layer's own pixels when it has some (a GeoTIFF, not a WMS) in ``crs``; else None."""
    provider = layer.dataProvider()
    native = provider is not None and bool(provider.capabilities() & QgsRasterDataProvider.Size)
    if native and layer.crs() == crs and layer.rasterUnitsPerPixelX() > 0 and layer.rasterUnitsPerPixelY() > 0:
        return layer.rasterUnitsPerPixelX(), layer.rasterUnitsPerPixelY()
    return None


def _canvas_pixel_size(center, center_crs, crs, transform_context) -> float | None:
    """The map units per screen pixel, in ``crs``, of the canvas showing ``center``; None without one."""
    from qgis.utils import iface  # None in qgis_process and standalone scripts

    if iface is None:
        return None
    for canvas in iface.mapCanvases():
        settings = canvas.mapSettings()
        canvas_crs = settings.destinationCrs()
        if not canvas_crs.isValid() or canvas.width() < 2:
            continue
        try:
            point = QgsCoordinateTransform(center_crs, canvas_crs, transform_context).transform(center)
            if not settings.visibleExtent().contains(point):
                continue
            half = settings.mapUnitsPerPixel() / 2
            segment = QgsRectangle(point.x() - half, point.y() - half, point.x() + half, point.y() + half)
            in_crs = QgsCoordinateTransform(canvas_crs, crs, transform_context).transformBoundingBox(segment)
        except QgsCsException:
            continue
        size = math.sqrt(in_crs.width() * in_crs.height())
        if math.isfinite(size) and size > 0:
            return size
    return None


def check_pixel_size(pixel_size: float) -> None:
    if not (math.isfinite(pixel_size) and pixel_size > 0):
        raise QgsProcessingException(tr("The pixel size is {value}; it must be greater than 0. {hint}").format(
            value=number(pixel_size), hint=decimal_comma_hint()))


def check_size(width: int, height: int, maximum: int, pixel_size: float | None = None) -> None:
    """Refuse a grid of more than ``maximum`` pixels (the setting wmsedge/max_pixels) before any request."""
    if width * height <= maximum:
        return
    message = tr("The edge map would be {width} x {height} = {pixels} pixels, more than the {maximum} pixels one "
                 "run may compute (setting wmsedge/max_pixels).").format(
        width=number(width), height=number(height), pixels=number(width * height), maximum=number(maximum))
    if pixel_size is not None:
        message += " " + tr("The pixel size {pixel_size} is too small for this extent: give a larger one or a "
                            "smaller extent. {hint}").format(pixel_size=number(pixel_size), hint=decimal_comma_hint())
    raise QgsProcessingException(message)


def check_within_crs(grid: TileGrid, crs: QgsCoordinateReferenceSystem, transform_context) -> None:
    """Refuse a tile outside the CRS's valid area: latitudes beyond ±90°, or wider than the CRS's world."""
    extent = grid.extent
    name = crs.authid() or crs.description()
    if crs.isGeographic():
        if extent.ymin < -90 or extent.ymax > 90:
            raise QgsProcessingException(tr(
                "The tile spans latitudes {south}° to {north}°, beyond ±90° (pixel size {px}°, {height} rows). "
                "{hint}").format(south=number(extent.ymin), north=number(extent.ymax),
                                 px=number(grid.pixel_size_y), height=grid.height, hint=decimal_comma_hint()))
        if extent.width > 360:
            raise QgsProcessingException(tr(
                "The tile is {width}° wide, more than the 360° of longitude (pixel size {px}°, {columns} columns). "
                "{hint}").format(width=number(extent.width), px=number(grid.pixel_size_x), columns=grid.width,
                                 hint=decimal_comma_hint()))
        return
    area = crs.bounds()
    if area.isEmpty() or area.width() < _WORLD_WIDE:
        return
    try:
        world = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), crs,
                                       transform_context).transformBoundingBox(area)
    except QgsCsException:
        return
    if extent.width > world.width() * (1 + 1e-9) or extent.height > world.height() * (1 + 1e-9):
        raise QgsProcessingException(tr(
            "The tile is {width} x {height} {units}, larger than the whole extent of {crs} ({world_width} x "
            "{world_height}). {hint}").format(
            width=number(extent.width), height=number(extent.height),
            units=QgsUnitTypes.toString(crs.mapUnits()), crs=name, world_width=number(world.width()),
            world_height=number(world.height()), hint=decimal_comma_hint()))
