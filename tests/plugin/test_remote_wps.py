"""Remote backend: our WPS under gunicorn, the QGIS Server WMS behind it; same output as in-process."""

from __future__ import annotations

import os

import numpy as np
import processing
import pytest
from qgis.core import QgsProcessingException, QgsRasterLayer
from support.script_wps import ScriptWpsServer

from qgis_plugin.core.filters import METHODS
from qgis_plugin.wps.client import WpsClient
from qgis_plugin.wps.protocol import BoundingBoxInput, LiteralInput, OutputRequest, WpsProcessFailed, WpsProcessNotFound
from sandbox.wms import LAYER_3857, LAYER_4326, LAYER_WORLD, RASTERS

from .conftest import RecordingFeedback, read_geotiff, run_expecting_error, wms_layer

REMOTE = 1


def tile_parameters(layer_name, layer, output, method="sobel_x", backend=0, wps_url=""):
    raster = RASTERS[layer_name]
    xmin, ymin, xmax, ymax = raster.pixel_extent(400, 500, 40, 30)
    return {"INPUT": layer, "EXTENT": f"{xmin!r},{xmax!r},{ymin!r},{ymax!r} [{raster.crs}]", "WIDTH": 40,
            "HEIGHT": 30, "METHOD": METHODS.index(method), "BACKEND": backend, "WPS_URL": wps_url,
            "OUTPUT": str(output)}


@pytest.mark.parametrize(("layer_name", "method"), [(LAYER_4326, "prewitt_x"), (LAYER_3857, "sobel_y")])
def test_remote_output_equals_in_process_output(edge_tile_id, wms_server, wps_server, add_layer, tmp_path,
                                                layer_name, method):
    layer = add_layer(wms_layer(wms_server.url, layer_name, RASTERS[layer_name].crs))
    local, remote = tmp_path / "local.tif", tmp_path / "remote.tif"
    processing.run(edge_tile_id, tile_parameters(layer_name, layer, local, method))
    feedback = RecordingFeedback()
    processing.run(edge_tile_id, tile_parameters(layer_name, layer, remote, method, REMOTE, wps_server.url),
                   feedback=feedback)
    local_values, local_transform, local_wkt, local_nodata, local_size, local_type = read_geotiff(local)
    values, transform, wkt, nodata, size, data_type = read_geotiff(remote)
    assert (size, data_type, transform) == (local_size, local_type, local_transform)
    assert np.isnan(nodata) and np.isnan(local_nodata)
    assert QgsRasterLayer(str(remote)).crs() == QgsRasterLayer(str(local)).crs()
    np.testing.assert_array_equal(values, local_values)
    # Progress came from the server's status documents, and its messages reached the log.
    assert feedback.progress_values == sorted(feedback.progress_values)
    assert 90 in feedback.progress_values and feedback.progress_values[-1] == 100
    assert any(info.startswith("WPS server: ") for info in feedback.infos)


def test_non_wms_layers_are_refused_by_the_remote_backend(edge_tile_id, wps_server, add_layer, tmp_path):
    xyz = add_layer(QgsRasterLayer("type=xyz&url=http://127.0.0.1:9/%7Bz%7D/%7Bx%7D/%7By%7D.png&zmax=19&zmin=0",
                                   "xyz", "wms"))
    error = run_expecting_error(edge_tile_id, {"INPUT": xyz, "CENTER": "0,0 [EPSG:3857]", "BACKEND": REMOTE,
                                               "WPS_URL": wps_server.url, "OUTPUT": str(tmp_path / "out.tif")})
    assert "needs a WMS layer" in error and "XYZ" in error


def test_server_down(edge_tile_id, wms_server, closed_url, add_layer, tmp_path):
    layer = add_layer(wms_layer(wms_server.url, LAYER_3857, "EPSG:3857"))
    error = run_expecting_error(edge_tile_id, tile_parameters(LAYER_3857, layer, tmp_path / "out.tif",
                                                              backend=REMOTE, wps_url=closed_url))
    assert "cannot be reached" in error and closed_url.split("/ows")[0] in error
    assert not (tmp_path / "out.tif").exists()


def test_wps_exception_report_is_shown_with_its_code(edge_tile_id, wms_server, wps_server, add_layer, tmp_path):
    """The layer's WMS URL is not in the server's allow-list: the server says so, code and text."""
    other_spelling = wms_server.url.replace("127.0.0.1", "localhost")
    layer = add_layer(wms_layer(other_spelling, LAYER_3857, "EPSG:3857"))
    error = run_expecting_error(edge_tile_id, tile_parameters(LAYER_3857, layer, tmp_path / "out.tif",
                                                              backend=REMOTE, wps_url=wps_server.url))
    assert "InvalidParameterValue" in error and "wms_url" in error
    assert not (tmp_path / "out.tif").exists()


@pytest.fixture
def wps_without_our_process(tmp_path):
    """A real PyWPS service with no process at all, served by werkzeug in a subprocess."""
    script = ("import sys; from pywps import Service; from werkzeug.serving import run_simple; "
              "run_simple('127.0.0.1', int(sys.argv[2]), Service([], [sys.argv[1]]))")
    with ScriptWpsServer(tmp_path / "empty_wps", script) as server:
        yield server.url


def test_server_without_get_raster_process(edge_tile_id, wms_server, wps_without_our_process, add_layer,
                                           tmp_path):
    layer = add_layer(wms_layer(wms_server.url, LAYER_3857, "EPSG:3857"))
    error = run_expecting_error(edge_tile_id, tile_parameters(LAYER_3857, layer, tmp_path / "out.tif",
                                                              backend=REMOTE, wps_url=wps_without_our_process))
    assert "does not offer the process get_raster_process" in error


def test_not_a_wps_server(edge_tile_id, wms_server, add_layer, tmp_path):
    """The WMS's URL given as the WPS: QGIS Server's answer to a WPS request is reported, not misread."""
    layer = add_layer(wms_layer(wms_server.url, LAYER_3857, "EPSG:3857"))
    error = run_expecting_error(edge_tile_id, tile_parameters(LAYER_3857, layer, tmp_path / "out.tif",
                                                              backend=REMOTE, wps_url=wms_server.url))
    assert "not a WPS answer" in error and "Service unknown or unsupported" in error


def test_cancel_stops_waiting(edge_tile_id, wms_server, wps_server, add_layer, tmp_path):
    """Cancelled at the first status message of a large tile: the wait ends, nothing is downloaded."""
    layer = add_layer(wms_layer(wms_server.url, LAYER_3857, "EPSG:3857"))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    feedback = RecordingFeedback(cancel_on_info="WPS server: ")
    parameters = tile_parameters(LAYER_3857, layer, out_dir / "out.tif", backend=REMOTE, wps_url=wps_server.url)
    parameters.update({"EXTENT": None, "CENTER": "{!r},{!r} [EPSG:3857]".format(*layer.extent().center()),
                       "WIDTH": 4096, "HEIGHT": 4096, "PIXEL_SIZE": 0.25})
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        processing.run(edge_tile_id, parameters, feedback=feedback)
    assert any(info.startswith("WPS server: ") for info in feedback.infos)
    assert not any(info.startswith("Downloading") for info in feedback.infos)
    assert os.listdir(out_dir) == []


def test_client_reports_an_unknown_wms_layer_and_an_unknown_process(wms_server, wps_server):
    """The WPS client on its own: ProcessFailed carries the WMS's complaint; DescribeProcess of nothing."""
    client = WpsClient(wps_server.url)
    assert "get_raster_process" in [process.identifier for process in client.get_capabilities()]
    with pytest.raises(WpsProcessNotFound, match="no_such_process"):
        client.describe_process("no_such_process")
    inputs = [LiteralInput("wms", "no_such_layer"), LiteralInput("wms_url", wms_server.url),
              BoundingBoxInput("bbox", 0.0, 0.0, 10.0, 10.0, "EPSG:3857"), LiteralInput("width", 10),
              LiteralInput("height", 10)]
    outputs = [OutputRequest("image", mime_type="image/tiff; subtype=geotiff")]
    with pytest.raises(WpsProcessFailed, match="no_such_layer"):
        client.run("get_raster_process", inputs, outputs)


def test_remote_equals_in_process_on_rendered_vector_layer(edge_tile_id, wms_server, wps_server, add_layer,
                                                           tmp_path):
    """QGIS's world countries, styled in colour with transparency around: RGBA to gray, nodata, same result."""
    layer = add_layer(wms_layer(wms_server.url, LAYER_WORLD, "EPSG:4326"))
    parameters = {"INPUT": layer, "EXTENT": "-80,-70,40,50 [EPSG:4326]", "WIDTH": 256, "HEIGHT": 256,
                  "METHOD": 4, "WPS_URL": wps_server.url}
    processing.run(edge_tile_id, {**parameters, "BACKEND": 0, "OUTPUT": str(tmp_path / "local.tif")})
    processing.run(edge_tile_id, {**parameters, "BACKEND": REMOTE, "OUTPUT": str(tmp_path / "remote.tif")})
    local, remote = read_geotiff(tmp_path / "local.tif"), read_geotiff(tmp_path / "remote.tif")
    assert local[1] == remote[1] == (-80.0, 10 / 256, 0.0, 50.0, 0.0, -10 / 256)
    np.testing.assert_array_equal(local[0], remote[0])
    assert np.isnan(local[0]).any() and np.nanmax(local[0]) > 0  # sea is transparent: nodata; coasts are edges
