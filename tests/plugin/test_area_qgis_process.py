"""An area from ``qgis_process`` (the README's command): wider than one GetMap of QGIS Server's MaxWidth
(5000), so read in two blocks announced in the log, and seamless — equal to scipy's gradient of the stored
raster that the server serves, at eight output pixels per source pixel."""

from __future__ import annotations

import numpy as np
import scipy.ndimage as ndi

from sandbox.wms import LAYER_3857, RASTERS

from .conftest import read_geotiff
from .test_qgis_process import wms_source

RASTER = RASTERS[LAYER_3857]
SCALE = 8  # output pixels per source pixel side
COL0, ROW0, COLS, ROWS = 100, 200, 650, 6  # source pixels: 5200 x 48 output pixels


def test_an_area_in_two_blocks_from_qgis_process(qgis_process_profile, edge_tile_id, wms_server, tmp_path):
    xmin, ymin, xmax, ymax = RASTER.pixel_extent(COL0, ROW0, COLS, ROWS)
    output = tmp_path / "area.tif"
    result = qgis_process_profile.qgis_process(
        "run", edge_tile_id, "--", f"INPUT={wms_source(wms_server.url, LAYER_3857, RASTER.crs)}",
        f"EXTENT={xmin!r},{xmax!r},{ymin!r},{ymax!r} [EPSG:3857]", f"PIXEL_SIZE={RASTER.pixel_size / SCALE!r}",
        "CRS=EPSG:3857", "METHOD=1", "BACKEND=0", f"OUTPUT={output}")
    assert ("5200 x 48 pixels; blocks: 2 (1 x 2), each at most 4998 x 4998 pixels; GetMap requests: 2, each at "
            "most 5000 x 5000 pixels (block and one-pixel halo; the WMS's MaxWidth/MaxHeight 5000 x 5000), "
            "2 at once." in result.stdout.replace("\n", " ")), result.stdout
    values, geotransform, _, _, size, _ = read_geotiff(output)
    assert size == (COLS * SCALE, ROWS * SCALE)
    assert geotransform == (xmin, RASTER.pixel_size / SCALE, 0.0, ymax, 0.0, -RASTER.pixel_size / SCALE)
    around = RASTER.array()[ROW0 - 1:ROW0 + ROWS + 1, COL0 - 1:COL0 + COLS + 1].astype(np.float64)
    upsampled = np.kron(around, np.ones((SCALE, SCALE)))
    expected = -ndi.sobel(upsampled, axis=0)[SCALE:-SCALE, SCALE:-SCALE]
    np.testing.assert_array_equal(values, expected.astype(np.float32))
