"""Check the inputs of an Execute request and turn them into one tile to compute.

Every check raises a PyWPS OWS exception (``InvalidParameterValue`` or
``MissingParameterValue``) whose locator names the input, so a client learns
what to fix before any job is accepted. The geometry comes from the engine
(``wmsedge_engine.georef``); only the centre's transformation to another
CRS is done here, with rasterio.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from pywps.exceptions import InvalidParameterValue, MissingParameterValue
from rasterio.crs import CRS
from rasterio.errors import CRSError
from rasterio.warp import transform as warp_transform

from wmsedge_engine.contract import METHODS, WMS_IMAGE_FORMATS, WMS_VERSIONS
from wmsedge_engine.georef import Extent, TileGrid, epsg_code, grid_from_center, grid_from_extent

DEFAULT_METHOD = "sobel_x"
DEFAULT_SIZE = 512
DEFAULT_BBOX_SIZE = 0.0005
MAX_BBOX_SIZE = 360.0
DEFAULT_CRS = "EPSG:4326"
MAX_LAYER_NAME = 255


@dataclass(frozen=True)
class TileRequest:
    """What to fetch from which WMS, and the grid of the result (without the halo)."""

    layer: str
    method: str
    grid: TileGrid
    epsg: int
    wms_url: str
    wms_version: str
    image_format: str

    @property
    def crs(self) -> str:
        return f"EPSG:{self.epsg}"


def parse_tile_request(inputs, settings) -> TileRequest:
    """The tile that ``inputs`` (PyWPS's identifier -> [input] mapping) ask for.

    ``settings`` is the server's :class:`~wps_server.config.WmsSettings`.
    """
    values = _Inputs(inputs)
    layer = _layer(values.get("wms"))
    method = _choice(values, "method", METHODS, DEFAULT_METHOD)
    wms_version = _choice(values, "wms_version", WMS_VERSIONS, "1.1.1")
    image_format = _choice(values, "format", WMS_IMAGE_FORMATS, WMS_IMAGE_FORMATS[0])
    width = _size(values, "width", settings.max_pixels)
    height = _size(values, "height", settings.max_pixels)
    if width * height > settings.max_pixels:
        raise InvalidParameterValue(
            f"a {width} x {height} area has {width * height} pixels, more than the server's limit of "
            f"{settings.max_pixels} (max_pixels)", "width")
    wms_url = values.get("wms_url") or settings.url
    if not settings.url_allowed(wms_url):
        raise InvalidParameterValue(
            f"wms_url {_shorten(wms_url)} is not one of the WMS endpoints this server may call "
            "(see [wms] allowed_urls in its pywps.cfg)", "wms_url")
    bbox = values.first("bbox")
    if bbox is not None:
        grid, epsg = _grid_from_bbox(bbox, width, height)
    else:
        grid, epsg = _grid_from_centre(values, width, height)
    _check_geographic_extent(grid, epsg, "bbox" if bbox is not None else "bbox_size")
    return TileRequest(layer, method, grid, epsg, wms_url, wms_version, image_format)


class _Inputs:
    """Read access to PyWPS's parsed inputs: the first value of each identifier."""

    def __init__(self, inputs):
        self._inputs = inputs

    def first(self, identifier):
        given = self._inputs.get(identifier)
        return given[0] if given else None

    def get(self, identifier, default=None):
        item = self.first(identifier)
        if item is None or item.data is None:
            return default
        return item.data


def _layer(name):
    if name is None:
        raise MissingParameterValue("the WMS layer name (input wms) is required", "wms")
    if not name.strip():
        raise InvalidParameterValue("the WMS layer name (input wms) is empty", "wms")
    if len(name) > MAX_LAYER_NAME or not name.isprintable():
        raise InvalidParameterValue(
            f"the WMS layer name (input wms) must be at most {MAX_LAYER_NAME} printable characters", "wms")
    return name


def _choice(values, identifier, allowed, default):
    value = values.get(identifier, default)
    if value not in allowed:
        raise InvalidParameterValue(
            f"{identifier} {_shorten(value)} is not supported; allowed values: {', '.join(allowed)}", identifier)
    return value


def _size(values, identifier, max_pixels):
    value = values.get(identifier, DEFAULT_SIZE)
    if not 1 <= value <= max_pixels:
        raise InvalidParameterValue(
            f"{identifier} must be between 1 and {max_pixels} pixels (max_pixels), got {value}", identifier)
    return value


def _finite(value, identifier, low, high, *, low_open=False):
    inside = low < value <= high if low_open else low <= value <= high
    if not (math.isfinite(value) and inside):
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}]"
        raise InvalidParameterValue(f"{identifier} must be a finite number in {interval}, got {value!r}", identifier)
    return value


def _grid_from_centre(values, width, height):
    """The tutorial's geometry: a ``bbox_size``-degree wide tile centred on lat/lon.

    In EPSG:4326 the tile spans ``bbox_size`` degrees east-west, with square
    pixels. In another CRS it is centred on the transformed centre, its pixels
    are square, and its width is the distance in that CRS between the points
    ``bbox_size / 2`` degrees west and east of the centre.
    """
    for identifier in ("lat", "lon"):
        if values.get(identifier) is None:
            raise MissingParameterValue(f"{identifier} is required unless a bbox is given", identifier)
    lat = _finite(values.get("lat"), "lat", -90.0, 90.0)
    lon = _finite(values.get("lon"), "lon", -180.0, 180.0)
    size = _finite(values.get("bbox_size", DEFAULT_BBOX_SIZE), "bbox_size", 0.0, MAX_BBOX_SIZE, low_open=True)
    epsg = _epsg(values.get("crs", DEFAULT_CRS), "crs")
    if epsg == 4326:
        return _centred_grid(lon, lat, width, height, size / width, size), epsg
    xs, ys = warp_transform("EPSG:4326", _crs(epsg), [lon - size / 2, lon, lon + size / 2], [lat, lat, lat])
    span = math.hypot(xs[2] - xs[0], ys[2] - ys[0])
    if not all(math.isfinite(v) for v in (*xs, *ys)) or span <= 0:
        raise InvalidParameterValue(f"the point lat={lat:g}, lon={lon:g} has no coordinates in EPSG:{epsg}", "crs")
    return _centred_grid(xs[1], ys[1], width, height, span / width, size), epsg


def _centred_grid(cx, cy, width, height, pixel_size, bbox_size):
    """The grid, or InvalidParameterValue when ``bbox_size`` is too small to make an extent
    around this centre (its pixels vanish in the coordinates' float precision)."""
    try:
        return grid_from_center(cx, cy, width, height, pixel_size)
    except ValueError:
        raise InvalidParameterValue(
            f"bbox_size {bbox_size!r} is too small: a {width} x {height} tile of it has no extent "
            "at this position", "bbox_size") from None


def _grid_from_bbox(bbox, width, height):
    """Exactly the extent given, x (easting/longitude) first, in the bbox's CRS."""
    epsg = _epsg(bbox.crs or DEFAULT_CRS, "bbox")
    coordinates = bbox.data
    if not coordinates or len(coordinates) != 4 or not all(math.isfinite(v) for v in coordinates):
        raise InvalidParameterValue("bbox needs four finite coordinates: xmin ymin xmax ymax", "bbox")
    try:
        extent = Extent(*coordinates)
    except ValueError as exc:
        raise InvalidParameterValue(f"bbox {exc}", "bbox") from None
    return grid_from_extent(extent, width, height), epsg


def _check_geographic_extent(grid, epsg, locator):
    """In a geographic CRS, an extent that leaves the globe (latitudes beyond ±90°, more than 360° of
    longitude) is refused: no WMS can draw it, and it is most often a mistyped number."""
    if not _crs(epsg).is_geographic:
        return
    extent = grid.extent
    if extent.ymin < -90.0 or extent.ymax > 90.0 or extent.width > 360.0:
        raise InvalidParameterValue(
            f"the extent {extent.xmin:g}, {extent.ymin:g}, {extent.xmax:g}, {extent.ymax:g} in EPSG:{epsg} leaves "
            "the globe (latitudes must lie within ±90°, longitudes span at most 360°): check the coordinates' "
            "order and decimal separator", locator)


def _epsg(text, locator):
    code = epsg_code(str(text))
    if code is None:
        raise InvalidParameterValue(f"{locator} CRS {_shorten(text)} is not an EPSG code such as EPSG:3857", locator)
    try:
        _crs(code)
    except CRSError:
        raise InvalidParameterValue(f"{locator} CRS EPSG:{code} is not a known EPSG code", locator) from None
    return code


@functools.lru_cache(maxsize=64)
def _crs(code):
    return CRS.from_epsg(code)


def _shorten(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
