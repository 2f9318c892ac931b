"""The QGIS-free edge engine shared by the QGIS plugin and the WPS server.

It imports only the standard library, numpy, pillow and requests.
"""

from .filters import METHODS, NODATA, edge_filter
from .georef import Extent, TileGrid, grid_from_center, grid_from_extent, wms_bbox
from .render import display_bytes
from .wms import WmsClient, WmsError

__all__ = [
    "METHODS",
    "NODATA",
    "Extent",
    "TileGrid",
    "WmsClient",
    "WmsError",
    "display_bytes",
    "edge_filter",
    "grid_from_center",
    "grid_from_extent",
    "wms_bbox",
]
