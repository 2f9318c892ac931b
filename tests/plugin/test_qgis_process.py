"""``qgis_process`` (3.22's C++ runner) with the plugin installed from the package zip into a fresh profile."""

from __future__ import annotations

import numpy as np
import processing

from sandbox.wms import LAYER_4326, RASTERS

from .conftest import read_geotiff, write_geotiff


def wms_source(url, layer, crs):
    """A WMS layer as qgis_process takes it: ``wms://`` then the layer's data source."""
    return f"wms://crs={crs}&dpiMode=7&format=image/png&layers={layer}&styles=&url={url}"


def assert_same_geotiff(first, second):
    a, b = read_geotiff(first), read_geotiff(second)
    assert a[1:2] + a[4:] == b[1:2] + b[4:]  # geotransform, size, data type
    assert a[2] == b[2]  # CRS WKT
    np.testing.assert_array_equal(a[0], b[0])


def test_plugin_is_enabled_and_its_algorithm_listed(qgis_process_profile, edge_tile_id):
    plugins = qgis_process_profile.qgis_process("plugins").stdout
    assert "* wmsedge" in plugins
    assert edge_tile_id in qgis_process_profile.qgis_process("list").stdout
    help_text = qgis_process_profile.qgis_process("help", edge_tile_id).stdout
    for parameter in ("INPUT", "CENTER", "EXTENT", "WIDTH", "HEIGHT", "PIXEL_SIZE", "CRS", "METHOD", "BACKEND",
                      "WPS_URL", "OUTPUT"):
        assert parameter in help_text


def test_geotiff_from_the_command_line(qgis_process_profile, edge_tile_id, tmp_path):
    array = np.random.default_rng(7).integers(0, 256, size=(60, 80)).astype(np.uint8)
    source = write_geotiff(tmp_path / "source.tif", [array], (600000.0, 4.0, 0, 5000000.0, 0, -4.0), 32632)
    parameters = {"INPUT": source, "CENTER": "600160,4999880 [EPSG:32632]", "WIDTH": 30, "HEIGHT": 20,
                  "METHOD": 5, "OUTPUT": tmp_path / "cli.tif"}
    result = qgis_process_profile.run_algorithm(edge_tile_id, parameters)
    assert result["results"]["OUTPUT"] == str(tmp_path / "cli.tif")
    processing.run(edge_tile_id, {**parameters, "OUTPUT": str(tmp_path / "python.tif")})
    assert_same_geotiff(tmp_path / "cli.tif", tmp_path / "python.tif")


def test_wms_with_both_backends_from_the_command_line(qgis_process_profile, edge_tile_id, wms_server, wps_server,
                                                      tmp_path):
    raster = RASTERS[LAYER_4326]
    xmin, ymin, xmax, ymax = raster.pixel_extent(600, 600, 64, 48)
    parameters = {"INPUT": wms_source(wms_server.url, LAYER_4326, raster.crs),
                  "EXTENT": f"{xmin!r},{xmax!r},{ymin!r},{ymax!r} [EPSG:4326]", "WIDTH": 64, "HEIGHT": 48,
                  "METHOD": 1, "WPS_URL": wps_server.url}
    qgis_process_profile.run_algorithm(edge_tile_id, {**parameters, "BACKEND": 0, "OUTPUT": tmp_path / "local.tif"})
    qgis_process_profile.run_algorithm(edge_tile_id, {**parameters, "BACKEND": 1, "OUTPUT": tmp_path / "remote.tif"})
    processing.run(edge_tile_id, {**parameters, "BACKEND": 0, "OUTPUT": str(tmp_path / "python.tif")})
    assert_same_geotiff(tmp_path / "local.tif", tmp_path / "remote.tif")
    assert_same_geotiff(tmp_path / "local.tif", tmp_path / "python.tif")
    _, geotransform, _, _, size, _ = read_geotiff(tmp_path / "remote.tif")
    assert size == (64, 48) and geotransform == (xmin, raster.pixel_size, 0.0, ymax, 0.0, -raster.pixel_size)
