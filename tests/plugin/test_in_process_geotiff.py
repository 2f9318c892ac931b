"""In-process backend on local GeoTIFFs: exact georeferencing, values equal to the engine and scipy."""

from __future__ import annotations

import os

import numpy as np
import processing
import pytest
import scipy.ndimage
from osgeo import osr
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsProcessingException,
    QgsProject,
    QgsRasterLayer,
)

from qgis_plugin.algorithms.tile_grid import DEFAULT_GEOGRAPHIC_PIXEL_SIZE, DEFAULT_PIXEL_SIZE_METRES
from qgis_plugin.core.filters import METHODS, edge_filter
from qgis_plugin.core.georef import grid_from_center
from qgis_plugin.settings import MAX_REQUEST_SIZE_KEY, REQUESTS_PER_HOST_KEY

from .conftest import RecordingFeedback, read_geotiff, run_expecting_error, write_geotiff

PIXEL = 2.0  # metres, exact in binary
ORIGIN = (500000.0, 4000000.0)  # top-left corner, UTM zone 31N
SIZE = (120, 100)  # columns, rows


def source_array(seed=1, dtype=np.uint8):
    return np.random.default_rng(seed).integers(0, 256, size=(SIZE[1], SIZE[0])).astype(dtype)


@pytest.fixture
def gray(tmp_path, add_layer):
    """A one-band 8-bit GeoTIFF layer of random values, and its values."""
    array = source_array()
    path = write_geotiff(tmp_path / "gray.tif", [array], (ORIGIN[0], PIXEL, 0, ORIGIN[1], 0, -PIXEL), 32631)
    return add_layer(QgsRasterLayer(path, "gray")), array


def run(edge_tile_id, params, feedback=None):
    return processing.run(edge_tile_id, params, feedback=feedback or RecordingFeedback())


def centre_of_pixel_corner(col, row):
    """Map coordinates of the corner between source pixels (col-1, col) and (row-1, row)."""
    return ORIGIN[0] + col * PIXEL, ORIGIN[1] - row * PIXEL


@pytest.mark.parametrize("method", METHODS)
def test_values_equal_engine_on_the_source_pixels(edge_tile_id, gray, tmp_path, method):
    layer, array = gray
    x, y = centre_of_pixel_corner(60, 50)
    output = tmp_path / "out.tif"
    result = run(edge_tile_id, {"INPUT": layer, "CENTER": f"{x},{y} [EPSG:32631]",
                                "WIDTH": 40, "HEIGHT": 30, "METHOD": METHODS.index(method), "OUTPUT": str(output)})
    assert result["OUTPUT"] == str(output)
    values, geotransform, wkt, nodata, size, data_type = read_geotiff(output)
    # Default pixel size = the layer's own: the tile is source columns 40..79, rows 35..64.
    assert size == (40, 30) and data_type == "Float32" and np.isnan(nodata)
    assert geotransform == (ORIGIN[0] + 40 * PIXEL, PIXEL, 0.0, ORIGIN[1] - 35 * PIXEL, 0.0, -PIXEL)
    srs = osr.SpatialReference(wkt=wkt)
    assert srs.GetAuthorityCode(None) == "32631"
    halo_pixels = array[34:66, 39:81]
    np.testing.assert_array_equal(values, edge_filter(halo_pixels, method, halo=True))


def test_sobel_equals_scipy(edge_tile_id, gray, tmp_path):
    layer, array = gray
    x, y = centre_of_pixel_corner(50, 50)
    output = tmp_path / "out.tif"
    for method, expected in (
        ("sobel_x", scipy.ndimage.sobel(array.astype(np.float64), axis=1)),
        ("sobel_y", -scipy.ndimage.sobel(array.astype(np.float64), axis=0)),
    ):
        run(edge_tile_id, {"INPUT": layer, "CENTER": f"{x},{y} [EPSG:32631]",
                           "WIDTH": 20, "HEIGHT": 20, "METHOD": METHODS.index(method), "OUTPUT": str(output)})
        values = read_geotiff(output)[0]
        np.testing.assert_allclose(values, expected[40:60, 40:60], rtol=0, atol=1e-4)


def test_extent_with_pixel_size_and_reprojected_center(edge_tile_id, gray, tmp_path):
    """EXTENT plus PIXEL_SIZE: whole pixels of that size; a centre given in another CRS is transformed."""
    layer, _ = gray
    output = tmp_path / "extent.tif"
    xmin, xmax, ymin, ymax = ORIGIN[0] + 20, ORIGIN[0] + 100, ORIGIN[1] - 120, ORIGIN[1] - 40
    run(edge_tile_id, {"INPUT": layer, "EXTENT": f"{xmin},{xmax},{ymin},{ymax} [EPSG:32631]",
                       "PIXEL_SIZE": 4.0, "OUTPUT": str(output)})
    _, geotransform, _, _, size, _ = read_geotiff(output)
    assert size == (20, 20)
    assert geotransform == (xmin, 4.0, 0.0, ymax, 0.0, -4.0)

    # EXTENT alone over a layer with a resolution of its own: its pixels, whatever WIDTH and HEIGHT say.
    run(edge_tile_id, {"INPUT": layer, "EXTENT": f"{xmin},{xmax},{ymin},{ymax} [EPSG:32631]",
                       "WIDTH": 16, "HEIGHT": 10, "OUTPUT": str(output)})
    _, geotransform, _, _, size, _ = read_geotiff(output)
    assert size == (40, 40)
    assert geotransform == (xmin, PIXEL, 0.0, ymax, 0.0, -PIXEL)


def test_output_crs_other_than_the_layer(edge_tile_id, gray, tmp_path):
    """Reprojected through a QgsRasterProjector; the documented default pixel size of a geographic CRS."""
    layer, array = gray
    output = tmp_path / "wgs84.tif"
    centre = layer.extent().center()
    run(edge_tile_id, {"INPUT": layer, "CENTER": f"{centre.x()},{centre.y()} [EPSG:32631]", "WIDTH": 16,
                       "HEIGHT": 12, "CRS": "EPSG:4326", "METHOD": 4, "OUTPUT": str(output)})
    values, geotransform, wkt, _, size, _ = read_geotiff(output)
    assert size == (16, 12)
    transform = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance())
    lonlat = transform.transform(centre)
    expected = grid_from_center(lonlat.x(), lonlat.y(), 16, 12, DEFAULT_GEOGRAPHIC_PIXEL_SIZE)
    assert geotransform == expected.geotransform()
    assert geotransform[1] == pytest.approx(DEFAULT_GEOGRAPHIC_PIXEL_SIZE, rel=1e-9)
    assert osr.SpatialReference(wkt=wkt).GetAuthorityCode(None) == "4326"
    assert np.isfinite(values).all() and values.max() > 0


def test_default_pixel_size_projected_without_native_resolution(edge_tile_id, gray, tmp_path):
    """A projected output CRS other than the layer's: the documented 10 m default (no canvas here)."""
    layer, _ = gray
    output = tmp_path / "mercator.tif"
    centre = layer.extent().center()
    run(edge_tile_id, {"INPUT": layer, "CENTER": f"{centre.x()},{centre.y()} [EPSG:32631]", "WIDTH": 8,
                       "HEIGHT": 8, "CRS": "EPSG:3857", "OUTPUT": str(output)})
    geotransform = read_geotiff(output)[1]
    assert geotransform[1] == pytest.approx(DEFAULT_PIXEL_SIZE_METRES, rel=1e-9)


def test_nodata_becomes_nan_without_false_edges(edge_tile_id, add_layer, tmp_path):
    array = source_array(seed=3)
    array[array == 0] = 1
    array[40:45, 50:53] = 0  # a nodata hole
    path = write_geotiff(tmp_path / "holes.tif", [array], (ORIGIN[0], PIXEL, 0, ORIGIN[1], 0, -PIXEL), 32631,
                         nodata=0)
    output = tmp_path / "out.tif"
    x, y = centre_of_pixel_corner(50, 40)
    run(edge_tile_id, {"INPUT": add_layer(QgsRasterLayer(path, "holes")), "CENTER": f"{x},{y} [EPSG:32631]",
                       "WIDTH": 20, "HEIGHT": 20, "METHOD": 2, "OUTPUT": str(output)})
    values = read_geotiff(output)[0]
    window = array[29:51, 39:61]
    with_alpha = np.dstack([window, np.where(window == 0, 0, 255).astype(np.uint8)])
    np.testing.assert_array_equal(values, edge_filter(with_alpha, "prewitt_x", halo=True))
    assert np.isnan(values[10:15, 10:13]).all() and np.isfinite(values).sum() == 400 - 15


def test_rgb_and_rgba_bands(edge_tile_id, add_layer, tmp_path):
    bands = [source_array(seed=s) for s in (4, 5, 6)]
    alpha = np.full_like(bands[0], 255)
    alpha[10:20, 10:20] = 0
    geotransform = (ORIGIN[0], PIXEL, 0, ORIGIN[1], 0, -PIXEL)
    rgb = write_geotiff(tmp_path / "rgb.tif", bands, geotransform, 32631)
    rgba = write_geotiff(tmp_path / "rgba.tif", bands + [alpha], geotransform, 32631, alpha_band=4)
    x, y = centre_of_pixel_corner(16, 16)
    for path, image in ((rgb, np.dstack(bands)), (rgba, np.dstack(bands + [alpha]))):
        output = tmp_path / "out.tif"
        run(edge_tile_id, {"INPUT": add_layer(QgsRasterLayer(path, "colour")), "CENTER": f"{x},{y} [EPSG:32631]",
                           "WIDTH": 24, "HEIGHT": 24, "METHOD": 1, "OUTPUT": str(output)})
        np.testing.assert_array_equal(read_geotiff(output)[0], edge_filter(image[3:29, 3:29], "sobel_y", halo=True))


def test_progress_is_reported_per_block(edge_tile_id, gray, tmp_path, plugin_settings):
    layer, _ = gray
    plugin_settings(MAX_REQUEST_SIZE_KEY, 10)  # blocks of 8 x 8: 4 blocks
    feedback = RecordingFeedback()
    x, y = centre_of_pixel_corner(60, 50)
    run(edge_tile_id, {"INPUT": layer, "CENTER": f"{x},{y} [EPSG:32631]", "WIDTH": 16,
                       "HEIGHT": 16, "OUTPUT": str(tmp_path / "out.tif")}, feedback)
    assert feedback.progress_values == [25, 50, 75, 100]
    assert ("16 x 16 pixels; blocks: 4 (2 x 2), each at most 8 x 8 pixels; reads of the layer: 4, each at most "
            "10 x 10 pixels (block and one-pixel halo; the layer is not a WMS; setting wmsedge/max_request_size = "
            "10), 4 at once.") in feedback.infos, feedback.infos


def test_cancel_stops_and_leaves_no_file(edge_tile_id, gray, tmp_path, plugin_settings):
    layer, _ = gray
    plugin_settings(MAX_REQUEST_SIZE_KEY, 10)
    plugin_settings(REQUESTS_PER_HOST_KEY, 1)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    feedback = RecordingFeedback(cancel_after=1)
    x, y = centre_of_pixel_corner(60, 50)
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        run(edge_tile_id, {"INPUT": layer, "CENTER": f"{x},{y} [EPSG:32631]", "WIDTH": 16,
                           "HEIGHT": 16, "OUTPUT": str(out_dir / "out.tif")}, feedback)
    assert len(feedback.progress_values) == 1
    assert os.listdir(out_dir) == []


@pytest.mark.parametrize(("params", "message"), [
    ({}, "Give a tile centre or a tile extent"),
    ({"CENTER": "500100,3999900 [EPSG:32631]", "EXTENT": "500000,500100,3999800,3999900 [EPSG:32631]"},
     "not both"),
    ({"EXTENT": "500000,500100,3999800,3999900 [EPSG:32631]", "PIXEL_SIZE": 0.002}, "wmsedge/max_pixels"),
    ({"CENTER": "500100,3999900 [EPSG:32631]", "CRS": "EPSG:4326", "BACKEND": 1}, "needs a WMS layer"),
    ({"CENTER": "500100,3999900 [EPSG:32631]", "OUTPUT": "edges.png"}, "ending in .tif"),
])
def test_errors_name_the_problem(edge_tile_id, gray, tmp_path, params, message):
    layer, _ = gray
    params = {"INPUT": layer, "OUTPUT": "out.tif", **params}
    params["OUTPUT"] = str(tmp_path / params["OUTPUT"])
    error = run_expecting_error(edge_tile_id, params)
    assert message in error
    assert os.listdir(tmp_path) == ["gray.tif"]


def test_layer_crs_is_the_default_output_crs(edge_tile_id, gray, tmp_path):
    layer, _ = gray
    output = tmp_path / "out.tif"
    run(edge_tile_id, {"INPUT": layer, "CENTER": "3.0,36.1 [EPSG:4326]", "WIDTH": 4,
                       "HEIGHT": 4, "OUTPUT": str(output)})
    wkt = read_geotiff(output)[2]
    assert QgsCoordinateReferenceSystem.fromWkt(wkt).authid() == "EPSG:32631"


def test_tile_partly_outside_the_raster(edge_tile_id, gray, tmp_path):
    """Outside a raster without a nodata value QGIS marks pixels in a nodata bitmap: they become NaN."""
    layer, array = gray
    x, y = centre_of_pixel_corner(0, 50)  # on the raster's west edge
    output = tmp_path / "edge.tif"
    run(edge_tile_id, {"INPUT": layer, "CENTER": f"{x},{y} [EPSG:32631]", "WIDTH": 10, "HEIGHT": 10,
                       "OUTPUT": str(output)})
    values = read_geotiff(output)[0]
    halo = np.zeros((12, 12), dtype=np.uint8)
    halo[:, 6:] = array[44:56, 0:6]
    alpha = np.zeros_like(halo)
    alpha[:, 6:] = 255
    np.testing.assert_array_equal(values, edge_filter(np.dstack([halo, alpha]), "sobel_x", halo=True))
    assert np.isnan(values[:, :5]).all() and np.isfinite(values[:, 5:]).all()


@pytest.mark.parametrize("dtype", [np.int16, np.float32])
def test_tile_partly_outside_a_wider_type_raster(edge_tile_id, tmp_path, add_layer, dtype):
    """The nodata bitmap of other band types (read through QGIS's renderer, not per pixel): the same NaN edge."""
    array = (source_array(seed=3).astype(np.int32) * 7 - 900).astype(dtype)
    path = write_geotiff(tmp_path / "wide.tif", [array], (ORIGIN[0], PIXEL, 0, ORIGIN[1], 0, -PIXEL), 32631)
    layer = add_layer(QgsRasterLayer(path, "wide"))
    x, y = centre_of_pixel_corner(SIZE[0], 40)  # on the raster's east edge
    output = tmp_path / "edge.tif"
    run(edge_tile_id, {"INPUT": layer, "CENTER": f"{x},{y} [EPSG:32631]", "WIDTH": 12, "HEIGHT": 8,
                       "METHOD": 4, "OUTPUT": str(output)})
    values = read_geotiff(output)[0]
    halo = np.zeros((10, 14), dtype=np.float32)
    halo[:, :7] = array[35:45, SIZE[0] - 7:]
    alpha = np.zeros_like(halo)
    alpha[:, :7] = 255
    np.testing.assert_array_equal(values, edge_filter(np.dstack([halo, alpha]), "sobel_magnitude", halo=True))
    assert np.isfinite(values[:, :6]).all() and np.isnan(values[:, 6:]).all()
