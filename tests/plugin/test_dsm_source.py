"""A WMS layer exactly as QGIS 3.22's Data Source Manager writes its source (dpiMode=7, featureCount,
contextualWMSLegend, a bare ``styles``), drawn on a map as a canvas draws it: both backends ask the WMS
for the same image, so they give the same pixels. Before, the in-process read sent the canvas's DPI."""

from __future__ import annotations

import numpy as np
import processing
import pytest
from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings, QgsRasterLayer, QgsRectangle
from qgis.PyQt.QtCore import QSize
from support.fault_wms import FaultyWms, relay

from sandbox.wms import LAYER_WORLD

from .conftest import read_geotiff, run_expecting_error

REMOTE = 1


def dsm_source(url: str, layer: str, crs: str = "EPSG:4326", styles: str = "styles") -> str:
    """The source string of QGIS 3.22's Data Source Manager (WMS/WMTS tab, Add), key for key."""
    return (f"contextualWMSLegend=0&crs={crs}&dpiMode=7&featureCount=10&format=image/png&layers={layer}"
            f"&{styles}&url={url}")


def draw_as_a_canvas(layer: QgsRasterLayer, dpi: float = 96) -> None:
    """Render the layer as a map canvas does: the renderer gives the provider the output's DPI."""
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(QgsRectangle(-20, 30, 40, 70))
    settings.setOutputSize(QSize(300, 200))
    settings.setOutputDpi(dpi)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()


def test_both_backends_give_the_same_pixels_for_a_data_source_manager_layer(
        edge_tile_id, wms_server, wps_server, add_layer, tmp_path):
    parameters = {"EXTENT": "-10,30,20,60 [EPSG:4326]", "WIDTH": 300, "HEIGHT": 300, "METHOD": 4,
                  "WPS_URL": wps_server.url}
    # In process through a recording relay of the same WMS (the blocks are read in worker threads).
    with FaultyWms(relay(wms_server.url)) as recording:
        layer = add_layer(QgsRasterLayer(dsm_source(recording.url, LAYER_WORLD), LAYER_WORLD, "wms"))
        draw_as_a_canvas(layer)
        assert layer.dataProvider().dpi() == 96  # what made the in-process GetMap carry DPI=96
        drawn = len(recording.queries)
        processing.run(edge_tile_id, {**parameters, "INPUT": layer, "BACKEND": 0,
                                      "OUTPUT": str(tmp_path / "local.tif")})
        getmaps = [q for q in recording.queries[drawn:] if q.get("REQUEST", "").lower() == "getmap"]
    assert getmaps and not any(key in q for q in getmaps for key in ("DPI", "MAP_RESOLUTION", "FORMAT_OPTIONS"))
    remote_layer = add_layer(QgsRasterLayer(dsm_source(wms_server.url, LAYER_WORLD), LAYER_WORLD, "wms"))
    draw_as_a_canvas(remote_layer)
    processing.run(edge_tile_id, {**parameters, "INPUT": remote_layer, "BACKEND": REMOTE,
                                  "OUTPUT": str(tmp_path / "remote.tif")})
    local, remote = read_geotiff(tmp_path / "local.tif"), read_geotiff(tmp_path / "remote.tif")
    assert local[1] == remote[1] and local[4] == remote[4] == (300, 300)
    assert np.nanmax(np.abs(local[0])) > 0  # borders between countries are there
    np.testing.assert_array_equal(local[0], remote[0])


@pytest.mark.parametrize("styles", ["styles=blue", "styles=default,blue"])
def test_remote_backend_refuses_a_named_style_it_cannot_pass_on(edge_tile_id, wms_server, add_layer, tmp_path,
                                                                 styles):
    layer = add_layer(QgsRasterLayer(dsm_source(wms_server.url, LAYER_WORLD, styles=styles), LAYER_WORLD,
                                     "wms"), must_be_valid=False)
    error = run_expecting_error(edge_tile_id, {
        "INPUT": layer, "EXTENT": "-10,30,20,60 [EPSG:4326]", "WIDTH": 30, "HEIGHT": 30, "BACKEND": REMOTE,
        "WPS_URL": "http://127.0.0.1:9/wps", "OUTPUT": str(tmp_path / "out.tif")})
    assert f"style(s) '{styles.split('=')[1]}'" in error and "in-process backend" in error
    assert not (tmp_path / "out.tif").exists()
