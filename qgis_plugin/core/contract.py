"""What the plugin and the server must agree on, in one place: the process, its formats and limits.

The plugin's remote backend sends requests that the server's ``get_raster_process`` must accept;
both read these names and defaults here rather than each spelling its own.
"""

from .filters import METHODS
from .georef import WMS_VERSIONS
from .wms import IMAGE_FORMATS as WMS_IMAGE_FORMATS

#: The WPS process that computes edges.
PROCESS_ID = "get_raster_process"
#: Its output formats (MIME types as DescribeProcess spells them).
GEOTIFF_MIME = "image/tiff; subtype=geotiff"
PNG_MIME = "image/png"

#: The most output pixels one run computes, unless configured otherwise (GUIDE.md section 4).
DEFAULT_MAX_PIXELS = 1 << 30
#: The most output pixels a synchronous WPS request computes; larger ones must be asynchronous.
DEFAULT_SYNC_MAX_PIXELS = 1 << 24
#: GetMap requests in flight per WMS host.
DEFAULT_REQUESTS_PER_HOST = 4
#: Retries of a transiently failed GetMap, with exponential backoff.
DEFAULT_RETRIES = 3

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_REQUESTS_PER_HOST",
    "DEFAULT_RETRIES",
    "DEFAULT_SYNC_MAX_PIXELS",
    "GEOTIFF_MIME",
    "METHODS",
    "PNG_MIME",
    "PROCESS_ID",
    "WMS_IMAGE_FORMATS",
    "WMS_VERSIONS",
]
