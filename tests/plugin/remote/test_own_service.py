"""Our own WPS added as a remote server: get_raster_process through the generic path gives the same
georeferenced GeoTIFF as the wmsedge:edge_tile remote backend."""

from __future__ import annotations

import numpy as np
import processing
import pytest
from qgis.core import QgsRasterLayer

from sandbox.wms import LAYER_3857, LAYER_4326, RASTERS

from ..conftest import RecordingFeedback, read_geotiff, run_expecting_error, wms_layer
from ..test_remote_wps import REMOTE, tile_parameters
from .remote_providers import registered_server


@pytest.fixture(scope="module")
def our_wps(wps_server, tmp_path_factory, qgis_processing):
    with registered_server(wps_server.url, tmp_path_factory.mktemp("wps_cache"), "Edge WPS") as (_s, _r, server):
        yield server.server_id


@pytest.mark.parametrize(("layer_name", "method"), [(LAYER_3857, "sobel_y"), (LAYER_4326, "prewitt_x")])
def test_get_raster_process_equals_the_edge_tile_remote_backend(our_wps, edge_tile_id, wms_server, wps_server,
                                                               add_layer, tmp_path, layer_name, method):
    layer = add_layer(wms_layer(wms_server.url, layer_name, RASTERS[layer_name].crs))
    reference = tmp_path / "edge_tile.tif"
    parameters = tile_parameters(layer_name, layer, reference, method, REMOTE, wps_server.url)
    processing.run(edge_tile_id, parameters)
    generic = tmp_path / "generic.tif"
    feedback = RecordingFeedback()
    results = processing.run(f"{our_wps}:get_raster_process", {
        "wms": layer_name, "wms_url": wms_server.url, "wms_version": "1.3.0", "bbox": parameters["EXTENT"],
        "width": parameters["WIDTH"], "height": parameters["HEIGHT"], "method": method, "image": str(generic)},
        feedback=feedback)
    assert results == {"image": str(generic)}
    expected_values, expected_transform, _wkt, expected_nodata, expected_size, expected_type = read_geotiff(reference)
    values, transform, _wkt, nodata, size, data_type = read_geotiff(generic)
    assert (size, data_type, transform) == (expected_size, expected_type, expected_transform)
    assert np.isnan(nodata) and np.isnan(expected_nodata)
    np.testing.assert_array_equal(values, expected_values)
    loaded = QgsRasterLayer(str(generic), "generic")
    assert loaded.isValid() and loaded.crs() == QgsRasterLayer(str(reference), "reference").crs()
    assert loaded.crs().authid() == RASTERS[layer_name].crs
    assert feedback.progress_values[-1] == 100 and any(info.startswith("WPS: ") for info in feedback.infos)



def test_exception_report_carries_the_servers_code_and_text(our_wps, wms_server, tmp_path):
    """A WMS URL outside the server's allow-list: refused at Execute with the server's own code and locator text."""
    error = run_expecting_error(f"{our_wps}:get_raster_process", {
        "wms": LAYER_3857, "wms_url": wms_server.url.replace("127.0.0.1", "localhost"),
        "bbox": "0,10,0,10 [EPSG:3857]", "width": 10, "height": 10, "image": str(tmp_path / "out.tif")})
    assert "refused the request with InvalidParameterValue" in error and "wms_url" in error
    assert list(tmp_path.iterdir()) == []
