"""Tile geometry: grids, halo, geotransform and WMS BBOX axis order."""

import math

import pytest

from wmsedge_engine.georef import (
    Extent,
    TileGrid,
    axis_order_is_yx,
    epsg_code,
    grid_from_center,
    grid_from_extent,
    wms_bbox,
)


def test_grid_from_center_is_centred_with_exact_pixel_size():
    grid = grid_from_center(-73.4935, 45.554, 512, 256, 0.0005 / 512)
    assert grid.width == 512 and grid.height == 256
    assert math.isclose((grid.extent.xmin + grid.extent.xmax) / 2, -73.4935, abs_tol=1e-12)
    assert math.isclose((grid.extent.ymin + grid.extent.ymax) / 2, 45.554, abs_tol=1e-12)
    assert math.isclose(grid.pixel_size_x, 0.0005 / 512, rel_tol=1e-9)
    assert math.isclose(grid.extent.height, 0.0005 / 2, rel_tol=1e-9)


def test_geotransform_is_north_up_from_top_left():
    grid = TileGrid(Extent(100.0, 200.0, 110.0, 205.0), 10, 5)
    assert grid.geotransform() == (100.0, 1.0, 0.0, 205.0, 0.0, -1.0)


def test_halo_adds_one_pixel_on_every_side():
    grid = TileGrid(Extent(0.0, 0.0, 512.0, 256.0), 256, 128)
    halo = grid.with_halo()
    assert (halo.width, halo.height) == (258, 130)
    assert halo.extent == Extent(-2.0, -2.0, 514.0, 258.0)
    assert (halo.pixel_size_x, halo.pixel_size_y) == (grid.pixel_size_x, grid.pixel_size_y)


def test_grid_from_extent_with_size_or_pixel_size():
    extent = Extent(0.0, 0.0, 100.0, 50.0)
    assert grid_from_extent(extent, 20, 10).pixel_size_x == 5.0
    grown = grid_from_extent(extent, pixel_size=30.0)
    assert (grown.width, grown.height) == (4, 2)
    assert grown.pixel_size_x == grown.pixel_size_y == 30.0
    assert (grown.extent.xmin + grown.extent.xmax) / 2 == 50.0
    exact = grid_from_extent(extent, pixel_size=5.0)
    assert exact.extent == extent and (exact.width, exact.height) == (20, 10)


@pytest.mark.parametrize(
    "crs, version, expected",
    [
        ("EPSG:4326", "1.1.1", "-74.0,45.0,-73.0,46.0"),
        ("EPSG:4326", "1.3.0", "45.0,-74.0,46.0,-73.0"),
        ("CRS:84", "1.3.0", "-74.0,45.0,-73.0,46.0"),
        ("EPSG:3857", "1.3.0", "-74.0,45.0,-73.0,46.0"),
        ("EPSG:4258", "1.3.0", "45.0,-74.0,46.0,-73.0"),
    ],
)
def test_wms_bbox_axis_order(crs, version, expected):
    assert wms_bbox(Extent(-74.0, 45.0, -73.0, 46.0), crs, version) == expected


def test_axis_order_override_and_helpers():
    assert wms_bbox(Extent(1.0, 2.0, 3.0, 4.0), "EPSG:2180", "1.3.0", yx=True) == "2.0,1.0,4.0,3.0"
    assert not axis_order_is_yx("EPSG:4326", "1.1.1")
    assert epsg_code("EPSG:3857") == 3857
    assert epsg_code("urn:ogc:def:crs:EPSG::4326") == 4326
    assert epsg_code("CRS:84") is None


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: Extent(1, 0, 0, 1), "is empty"),
        (lambda: Extent(0, 0, math.nan, 1), "non-finite"),
        (lambda: TileGrid(Extent(0, 0, 1, 1), 0, 5), "at least 1 x 1"),
        (lambda: TileGrid(Extent(0, 0, 1, 1), 2.5, 5), "must be integers"),
        (lambda: grid_from_center(0, 0, 10, 10, -1.0), "pixel size x must be a positive"),
        (lambda: grid_from_extent(Extent(0, 0, 1, 1)), "either width and height, or a pixel size"),
        (lambda: wms_bbox(Extent(0, 0, 1, 1), "EPSG:4326", "1.2.0"), "unsupported WMS version '1.2.0'"),
    ],
)
def test_bad_geometry_is_refused_with_a_clear_message(build, message):
    with pytest.raises(ValueError, match=message):
        build()
