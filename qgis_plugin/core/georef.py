"""Tile geometry: extents, pixel grids, geotransforms and WMS BBOX strings.

Pure arithmetic, no GDAL. A :class:`TileGrid` is a north-up grid of
``width`` x ``height`` square-or-not pixels covering ``extent`` in some CRS.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

WMS_VERSIONS = ("1.1.1", "1.3.0")

_EPSG_CODE = re.compile(r"^(?:EPSG:|urn:ogc:def:crs:EPSG::|http://www\.opengis\.net/def/crs/EPSG/0/)(\d+)$", re.I)

# EPSG geographic 2-D CRSs live in 4000-4999 (minus a few geocentric/3-D ones
# that a WMS never offers). Projected CRSs whose EPSG axis order is
# northing/easting are rare in WMS; callers that know better pass ``yx``.
_GEOGRAPHIC_EPSG_RANGE = range(4000, 5000)


@dataclass(frozen=True)
class Extent:
    """An axis-aligned rectangle in CRS units (x = easting/longitude)."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float

    def __post_init__(self):
        values = (self.xmin, self.ymin, self.xmax, self.ymax)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"extent {values} has a non-finite coordinate")
        if not (self.xmax > self.xmin and self.ymax > self.ymin):
            raise ValueError(f"extent {values} is empty: need xmax > xmin and ymax > ymin")

    @property
    def width(self) -> float:
        return self.xmax - self.xmin

    @property
    def height(self) -> float:
        return self.ymax - self.ymin


@dataclass(frozen=True)
class TileGrid:
    """A north-up pixel grid: ``extent`` divided into ``width`` x ``height`` pixels."""

    extent: Extent
    width: int
    height: int

    def __post_init__(self):
        if not (isinstance(self.width, int) and isinstance(self.height, int)):
            raise ValueError(f"grid size must be integers, got {self.width!r} x {self.height!r}")
        if self.width < 1 or self.height < 1:
            raise ValueError(f"grid size {self.width} x {self.height} must be at least 1 x 1")

    @property
    def pixel_size_x(self) -> float:
        return self.extent.width / self.width

    @property
    def pixel_size_y(self) -> float:
        return self.extent.height / self.height

    def geotransform(self) -> tuple:
        """GDAL geotransform (origin at the top-left corner, north up)."""
        return (self.extent.xmin, self.pixel_size_x, 0.0, self.extent.ymax, 0.0, -self.pixel_size_y)

    def with_halo(self) -> TileGrid:
        """The same pixels grown by one pixel on every side (for true border gradients)."""
        dx, dy = self.pixel_size_x, self.pixel_size_y
        e = self.extent
        return TileGrid(
            Extent(e.xmin - dx, e.ymin - dy, e.xmax + dx, e.ymax + dy), self.width + 2, self.height + 2
        )


def grid_from_center(cx: float, cy: float, width: int, height: int, pixel_size_x: float,
                     pixel_size_y: float | None = None) -> TileGrid:
    """Grid of ``width`` x ``height`` pixels of the given size, centred on (cx, cy)."""
    pixel_size_y = pixel_size_x if pixel_size_y is None else pixel_size_y
    for name, value in (("pixel size x", pixel_size_x), ("pixel size y", pixel_size_y)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    half_w, half_h = width * pixel_size_x / 2.0, height * pixel_size_y / 2.0
    return TileGrid(Extent(cx - half_w, cy - half_h, cx + half_w, cy + half_h), width, height)


def grid_from_extent(extent: Extent, width: int | None = None, height: int | None = None,
                     pixel_size: float | None = None, pixel_size_y: float | None = None) -> TileGrid:
    """Grid over ``extent``: either a given size, or the size that a pixel size gives.

    With ``pixel_size`` the extent is kept centred and grown to a whole number
    of pixels, so that pixels stay exactly ``pixel_size`` wide (``pixel_size_y``
    high, if given: a raster's own pixels need not be square).
    """
    if pixel_size is None:
        if width is None or height is None:
            raise ValueError("give either width and height, or a pixel size")
        return TileGrid(extent, width, height)
    pixel_size_y = pixel_size if pixel_size_y is None else pixel_size_y
    for value in (pixel_size, pixel_size_y):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"pixel size must be a positive number, got {value!r}")
    cols = max(1, math.ceil(extent.width / pixel_size - 1e-9))
    rows = max(1, math.ceil(extent.height / pixel_size_y - 1e-9))
    cx, cy = (extent.xmin + extent.xmax) / 2.0, (extent.ymin + extent.ymax) / 2.0
    return grid_from_center(cx, cy, cols, rows, pixel_size, pixel_size_y)


def epsg_code(crs: str) -> int | None:
    """The EPSG code of an ``EPSG:n`` (or OGC URN/URL) identifier, else None."""
    match = _EPSG_CODE.match(crs.strip())
    return int(match.group(1)) if match else None


def axis_order_is_yx(crs: str, version: str) -> bool:
    """Whether a WMS ``version`` request in ``crs`` expects BBOX as y,x (lat,lon).

    WMS 1.1.1 is always x,y. WMS 1.3.0 follows the CRS's axis order: EPSG
    geographic CRSs such as EPSG:4326 are lat,lon; CRS:84 and projected CRSs x,y.
    """
    check_version(version)
    if version == "1.1.1":
        return False
    code = epsg_code(crs)
    return code is not None and code in _GEOGRAPHIC_EPSG_RANGE


def wms_bbox(extent: Extent, crs: str, version: str, yx: bool | None = None) -> str:
    """The GetMap BBOX value for ``extent`` in ``crs``; ``yx`` overrides the axis-order rule."""
    if yx is None:
        yx = axis_order_is_yx(crs, version)
    values = (extent.ymin, extent.xmin, extent.ymax, extent.xmax) if yx else (
        extent.xmin, extent.ymin, extent.xmax, extent.ymax)
    return ",".join(repr(float(v)) for v in values)


def check_version(version: str) -> str:
    if version not in WMS_VERSIONS:
        raise ValueError(f"unsupported WMS version {version!r}; allowed values: {', '.join(WMS_VERSIONS)}")
    return version
