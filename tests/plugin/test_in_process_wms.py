"""In-process backend against the real QGIS Server WMS fixture.

Pixels go through QGIS's WMS provider; the expected values come from the
engine applied to the same halo grid fetched independently (the engine's own
WMS client) and to the pattern's known source values.
"""

from __future__ import annotations

import os

import numpy as np
import processing
import pytest
from osgeo import osr
from qgis.core import QgsProcessingException

from qgis_plugin.core.filters import METHODS, edge_filter
from qgis_plugin.core.georef import Extent, grid_from_extent
from qgis_plugin.core.wms import WmsClient
from qgis_plugin.settings import MAX_REQUEST_SIZE_KEY
from sandbox.wms import LAYER_3857, LAYER_4326, RASTERS, expected_pixels

from .conftest import RecordingFeedback, read_geotiff, run_expecting_error, wms_layer

# A tile of 48 x 40 source pixels well inside each pattern raster, one output pixel per source pixel.
TILE = {"col": 500, "row": 400, "cols": 48, "rows": 40}


def tile_extent(layer_name):
    return Extent(*RASTERS[layer_name].pixel_extent(TILE["col"], TILE["row"], TILE["cols"], TILE["rows"]))


def extent_parameter(extent, crs):
    return f"{extent.xmin!r},{extent.xmax!r},{extent.ymin!r},{extent.ymax!r} [{crs}]"


@pytest.mark.parametrize(("layer_name", "method"), [(LAYER_4326, "sobel_x"), (LAYER_4326, "prewitt_y"),
                                                    (LAYER_3857, "sobel_magnitude")])
def test_wms_tile_equals_engine_on_the_same_pixels(edge_tile_id, wms_server, add_layer, tmp_path, layer_name,
                                                   method):
    crs = RASTERS[layer_name].crs
    layer = add_layer(wms_layer(wms_server.url, layer_name, crs))
    extent = tile_extent(layer_name)
    output = tmp_path / "wms.tif"
    processing.run(edge_tile_id, {"INPUT": layer, "EXTENT": extent_parameter(extent, crs), "WIDTH": TILE["cols"],
                                  "HEIGHT": TILE["rows"], "METHOD": METHODS.index(method), "OUTPUT": str(output)})
    values, geotransform, wkt, nodata, size, data_type = read_geotiff(output)

    grid = grid_from_extent(extent, TILE["cols"], TILE["rows"])
    assert size == (grid.width, grid.height) and data_type == "Float32" and np.isnan(nodata)
    assert geotransform == grid.geotransform()
    assert osr.SpatialReference(wkt=wkt).GetAuthorityCode(None) == crs.split(":")[1]

    halo = grid.with_halo()
    fetched = WmsClient().get_map(wms_server.url, layer_name, halo, crs, version="1.3.0")
    np.testing.assert_array_equal(values, edge_filter(fetched, method, halo=True))
    np.testing.assert_array_equal(values, edge_filter(expected_pixels(layer_name, halo), method, halo=True))


def test_wms_tile_from_center_with_two_output_pixels_per_source_pixel(edge_tile_id, wms_server, add_layer, tmp_path):
    raster = RASTERS[LAYER_3857]
    layer = add_layer(wms_layer(wms_server.url, LAYER_3857, raster.crs))
    xmin, ymin, xmax, ymax = raster.pixel_extent(300, 300, 32, 32)
    output = tmp_path / "center.tif"
    processing.run(edge_tile_id, {"INPUT": layer, "CENTER": f"{(xmin + xmax) / 2!r},{(ymin + ymax) / 2!r} [EPSG:3857]",
                                  "WIDTH": 64, "HEIGHT": 64, "PIXEL_SIZE": raster.pixel_size / 2, "METHOD": 0,
                                  "OUTPUT": str(output)})
    values, geotransform = read_geotiff(output)[:2]
    assert geotransform == (xmin, 0.5, 0.0, ymax, 0.0, -0.5)
    halo = grid_from_extent(Extent(xmin, ymin, xmax, ymax), 64, 64).with_halo()
    np.testing.assert_array_equal(values, edge_filter(expected_pixels(LAYER_3857, halo), "sobel_x", halo=True))


def test_wms_layer_reprojected_to_another_crs(edge_tile_id, wms_server, add_layer, tmp_path):
    """A WMS layer in EPSG:4326 asked in EPSG:3857: QgsRasterProjector in the pipe, exact output grid."""
    layer = add_layer(wms_layer(wms_server.url, LAYER_4326, "EPSG:4326"))
    centre = layer.extent().center()
    output = tmp_path / "reprojected.tif"
    processing.run(edge_tile_id, {"INPUT": layer, "CENTER": f"{centre.x()!r},{centre.y()!r} [EPSG:4326]",
                                  "WIDTH": 40, "HEIGHT": 30, "PIXEL_SIZE": 2.0, "CRS": "EPSG:3857", "METHOD": 4,
                                  "OUTPUT": str(output)})
    values, geotransform, wkt, _, size, _ = read_geotiff(output)
    assert size == (40, 30) and geotransform[1] == 2.0 and geotransform[5] == -2.0
    assert osr.SpatialReference(wkt=wkt).GetAuthorityCode(None) == "3857"
    assert np.isfinite(values).all() and values.max() > 0


def test_cancel_during_a_wms_read_leaves_no_file(edge_tile_id, wms_server, add_layer, tmp_path, plugin_settings):
    plugin_settings(MAX_REQUEST_SIZE_KEY, 258)  # 16 blocks of 256 x 256
    layer = add_layer(wms_layer(wms_server.url, LAYER_3857, "EPSG:3857"))
    extent = tile_extent(LAYER_3857)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    feedback = RecordingFeedback(cancel_after=1)
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        processing.run(edge_tile_id, {"INPUT": layer, "EXTENT": extent_parameter(extent, "EPSG:3857"),
                                      "WIDTH": 1024, "HEIGHT": 1024, "OUTPUT": str(out_dir / "out.tif")},
                       feedback=feedback)
    assert feedback.progress_values[0] == 100 / 16 and len(feedback.progress_values) < 16
    assert os.listdir(out_dir) == []


@pytest.mark.parametrize("backend", [0, 1])
def test_unknown_wms_layer_is_a_clear_error(edge_tile_id, wms_server, add_layer, tmp_path, backend):
    """A project layer naming a layer the WMS does not serve (e.g. removed from the server since)."""
    layer = add_layer(wms_layer(wms_server.url, "no_such_layer", "EPSG:3857"), must_be_valid=False)
    error = run_expecting_error(edge_tile_id, {"INPUT": layer, "CENTER": "0,0 [EPSG:3857]", "BACKEND": backend,
                                               "OUTPUT": str(tmp_path / "out.tif")})
    assert "The input layer is not valid" in error and "no_such_layer" in error
    assert not (tmp_path / "out.tif").exists()
