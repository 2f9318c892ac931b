"""Execute in-process against the real QGIS Server: geometry exact, values equal to the engine's
result on the same WMS pixels, and to scipy's Sobel on those pixels."""

from __future__ import annotations

import dataclasses
import io
import math

import numpy as np
import pytest
import rasterio
import scipy.ndimage
from PIL import Image
from rasterio.crs import CRS
from rasterio.io import MemoryFile
from rasterio.transform import Affine

from sandbox.wms import CENTER_LAT, CENTER_LON, LAYER_3857, LAYER_4326, LAYER_WORLD, RASTERS, lonlat_to_3857
from wmsedge_engine.filters import METHODS
from wmsedge_engine.georef import Extent, TileGrid
from wmsedge_engine.render import display_bytes

from .helpers import engine_result, execute_xml, tutorial_grid

GEOTIFF = "image/tiff;subtype=geotiff"


def execute(client, inputs, mime_type=GEOTIFF):
    data_inputs = ";".join(f"{key}={value}" for key, value in inputs.items())
    response = client.get("/wps?service=WPS&version=1.0.0&request=Execute&identifier=get_raster_process"
                          f"&DataInputs={data_inputs}&RawDataOutput=image@mimeType={mime_type}")
    assert response.status_code == 200, response.data[:2000]
    return response


def read_geotiff(data: bytes):
    """(array, profile) of GeoTIFF bytes, read with rasterio."""
    with MemoryFile(data) as memory, memory.open() as dataset:
        assert dataset.driver == "GTiff" and dataset.count == 1
        return dataset.read(1), dataset.profile


def bounds(profile):
    """(xmin, ymin, xmax, ymax) from a north-up profile's transform and size."""
    t = profile["transform"]
    return (t.c, t.f + profile["height"] * t.e, t.c + profile["width"] * t.a, t.f)


def assert_georeferenced(profile, grid, epsg):
    assert (profile["width"], profile["height"]) == (grid.width, grid.height)
    assert profile["dtype"] == "float32"
    assert math.isnan(profile["nodata"])
    assert CRS.from_user_input(profile["crs"]) == CRS.from_epsg(epsg)
    assert profile["transform"] == Affine.from_gdal(*grid.geotransform())


@pytest.mark.parametrize("method", METHODS)
def test_geotiff_equals_the_engine_on_the_halo_tile(client, wms_server, method):
    inputs = {"wms": LAYER_4326, "lat": CENTER_LAT, "lon": CENTER_LON, "method": method}
    array, profile = read_geotiff(execute(client, inputs).data)
    grid = tutorial_grid()
    assert_georeferenced(profile, grid, 4326)
    expected, _ = engine_result(wms_server.url, LAYER_4326, grid, "EPSG:4326", method)
    np.testing.assert_array_equal(array, expected)


@pytest.mark.parametrize("method", ["sobel_x", "sobel_y", "prewitt_x", "sobel_magnitude"])
def test_geotiff_equals_scipy_on_the_wms_pixels(client, wms_server, method):
    """Independent of the engine: scipy.ndimage on the gray WMS pixels (the halo tile's interior)."""
    inputs = {"wms": LAYER_4326, "lat": CENTER_LAT, "lon": CENTER_LON, "method": method}
    array, _ = read_geotiff(execute(client, inputs).data)
    _, pixels = engine_result(wms_server.url, LAYER_4326, tutorial_grid(), "EPSG:4326", "sobel_x")
    gray = pixels[..., 0].astype(np.float64)
    assert np.all(pixels[..., 1:3] == pixels[..., :1]) and np.all(pixels[..., 3] == 255), "neutral gray expected"
    operator = scipy.ndimage.prewitt if method.startswith("prewitt") else scipy.ndimage.sobel
    gx = operator(gray, axis=1)[1:-1, 1:-1]
    gy = -operator(gray, axis=0)[1:-1, 1:-1]
    expected = {"x": gx, "y": gy, "magnitude": np.hypot(gx, gy)}[method.split("_")[1]]
    np.testing.assert_allclose(array, expected, rtol=1e-6, atol=1e-4)
    assert np.ptp(array) > 0, "the pattern has edges: a flat result would prove nothing"


def test_png_is_the_display_rendering_of_the_same_gradient(client, wms_server):
    inputs = {"wms": LAYER_4326, "lat": CENTER_LAT, "lon": CENTER_LON, "method": "sobel_y"}
    response = execute(client, inputs, "image/png")
    assert response.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert (image.format, image.size, image.mode) == ("PNG", (512, 512), "LA")
    expected, _ = engine_result(wms_server.url, LAYER_4326, tutorial_grid(), "EPSG:4326", "sobel_y")
    np.testing.assert_array_equal(np.asarray(image), display_bytes(expected, "sobel_y"))


def test_width_height_and_bbox_size(client, wms_server):
    inputs = {"wms": LAYER_4326, "lat": CENTER_LAT, "lon": CENTER_LON, "width": 300, "height": 200,
              "bbox_size": 0.001}
    array, profile = read_geotiff(execute(client, inputs).data)
    grid = tutorial_grid(size=0.001, width=300, height=200)
    assert_georeferenced(profile, grid, 4326)
    np.testing.assert_array_equal(array, engine_result(wms_server.url, LAYER_4326, grid, "EPSG:4326", "sobel_x")[0])


def test_wms_1_3_0_and_jpeg(client, wms_server):
    grid = tutorial_grid()
    base = {"wms": LAYER_4326, "lat": CENTER_LAT, "lon": CENTER_LON}
    array_130, profile = read_geotiff(execute(client, {**base, "wms_version": "1.3.0"}).data)
    assert_georeferenced(profile, grid, 4326)
    array_111, _ = read_geotiff(execute(client, base).data)
    np.testing.assert_array_equal(array_130, array_111)  # same pixels: the 1.3.0 axis order was right
    array_jpeg, _ = read_geotiff(execute(client, {**base, "format": "image/jpeg"}).data)
    expected, _ = engine_result(wms_server.url, LAYER_4326, grid, "EPSG:4326", "sobel_x", image_format="image/jpeg")
    np.testing.assert_array_equal(array_jpeg, expected)


def test_crs_with_lat_lon_follows_the_documented_geometry(client, wms_server):
    """EPSG:3857: centred on the projected point, square pixels, width = projected span of bbox_size."""
    size = 0.002
    array, profile = read_geotiff(execute(client, {"wms": LAYER_3857, "lat": CENTER_LAT, "lon": CENTER_LON,
                                                   "crs": "EPSG:3857", "bbox_size": size}).data)
    cx, cy = lonlat_to_3857(CENTER_LON, CENTER_LAT)
    span = lonlat_to_3857(CENTER_LON + size / 2, CENTER_LAT)[0] - lonlat_to_3857(CENTER_LON - size / 2, CENTER_LAT)[0]
    pixel = span / 512
    transform = profile["transform"]
    assert CRS.from_user_input(profile["crs"]) == CRS.from_epsg(3857)
    assert (profile["width"], profile["height"]) == (512, 512)
    assert transform.a == pytest.approx(pixel, rel=1e-9) and transform.e == pytest.approx(-pixel, rel=1e-9)
    assert transform.c + 256 * transform.a == pytest.approx(cx, abs=1e-6)
    assert transform.f + 256 * transform.e == pytest.approx(cy, abs=1e-6)
    grid = TileGrid(Extent(transform.c, transform.f + 512 * transform.e, transform.c + 512 * transform.a,
                           transform.f), 512, 512)
    np.testing.assert_array_equal(array, engine_result(wms_server.url, LAYER_3857, grid, "EPSG:3857", "sobel_x")[0])



@pytest.mark.parametrize(("layer", "crs"), [(LAYER_3857, "EPSG:3857"), (LAYER_4326, "EPSG:4326"),
                                            (LAYER_4326, "urn:ogc:def:crs:EPSG::4326")])
def test_bbox_input_gives_exactly_that_extent(client, wms_server, layer, crs):
    """``EPSG:n`` is x (easting/longitude) first in every CRS, also EPSG:4326 whose official axis order
    is lat, lon; the URN spelling follows the authority's order (OGC 07-092r3): lat, lon for 4326."""
    xmin, ymin, xmax, ymax = RASTERS[layer].bounds
    third_x, third_y = (xmax - xmin) / 3, (ymax - ymin) / 3
    extent = Extent(xmin + third_x, ymin + third_y, xmin + 2 * third_x, ymin + 1.5 * third_y)
    grid = TileGrid(extent, 240, 100)
    corners = ((extent.ymin, extent.xmin, extent.ymax, extent.xmax) if crs.startswith("urn:")
               else (extent.xmin, extent.ymin, extent.xmax, extent.ymax))
    body = execute_xml({"wms": layer, "width": grid.width, "height": grid.height}, bbox=(crs, *corners),
                       mime_type="image/tiff; subtype=geotiff")
    response = client.post("/wps", data=body, content_type="text/xml")
    assert response.status_code == 200, response.data[:2000]
    array, profile = read_geotiff(response.data)
    assert_georeferenced(profile, grid, RASTERS[layer].epsg)
    assert bounds(profile) == dataclasses.astuple(extent)
    expected, _ = engine_result(wms_server.url, layer, grid, f"EPSG:{RASTERS[layer].epsg}", "sobel_x")
    np.testing.assert_array_equal(array, expected)


def test_bbox_in_key_value_form_keeps_its_crs(client, wms_server):
    xmin, ymin, xmax, ymax = RASTERS[LAYER_3857].bounds
    extent = Extent(xmin + 100, ymin + 100, xmin + 356, ymin + 228)
    array, profile = read_geotiff(execute(client, {
        "wms": LAYER_3857, "width": 256, "height": 128,
        "bbox": f"{extent.xmin!r},{extent.ymin!r},{extent.xmax!r},{extent.ymax!r},EPSG:3857"}).data)
    grid = TileGrid(extent, 256, 128)
    assert_georeferenced(profile, grid, 3857)
    np.testing.assert_array_equal(array, engine_result(wms_server.url, LAYER_3857, grid, "EPSG:3857", "sobel_x")[0])


def test_geotiff_opens_with_rasterio_from_a_file(client, tmp_path):
    """The bytes are a complete GeoTIFF file, also for GDAL's file reader (not only /vsimem)."""
    path = tmp_path / "tile.tif"
    path.write_bytes(execute(client, {"wms": LAYER_4326, "lat": CENTER_LAT, "lon": CENTER_LON}).data)
    with rasterio.open(path) as dataset:
        assert bounds(dataset.profile) == dataclasses.astuple(tutorial_grid().extent)


def test_transparent_wms_pixels_are_nodata(client, wms_server):
    """Countries over a transparent sea (Portugal's coast): sea pixels are NaN, also in the PNG's alpha."""
    extent = Extent(-12.0, 37.0, -6.0, 42.0)
    base = {"wms": LAYER_WORLD, "width": 300, "height": 250, "bbox": "-12,37,-6,42,EPSG:4326"}
    array, profile = read_geotiff(execute(client, base).data)
    grid = TileGrid(extent, 300, 250)
    assert_georeferenced(profile, grid, 4326)
    expected, _ = engine_result(wms_server.url, LAYER_WORLD, grid, "EPSG:4326", "sobel_x")
    np.testing.assert_array_equal(array, expected)
    sea = np.isnan(array)
    assert sea.any() and (~sea).any()
    image = np.asarray(Image.open(io.BytesIO(execute(client, base, "image/png").data)))
    np.testing.assert_array_equal(image[..., 1] == 0, sea)
