"""The test WMS lives in :mod:`sandbox.wms` (the demo and the benchmarks use it too)."""

from sandbox.wms import (  # noqa: F401
    CENTER_LAT,
    CENTER_LON,
    LAYER_3857,
    LAYER_4326,
    LAYER_WORLD,
    MAX_IMAGE_SIZE,
    RASTERS,
    WMS_CRS_LIST,
    QgisServer,
    expected_pixels,
    free_port,
    lonlat_to_3857,
    near_source_edge,
    pixel_centres,
    source_value,
    start_wms_server,
)
