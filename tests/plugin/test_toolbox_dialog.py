"""The toolbox dialog (processing.gui.AlgorithmDialog): the algorithm runs in a background task thread,
reading the WMS through a clone of the layer's provider; the output equals a processing.run output and is
loaded into the project (a layer registered in prepareAlgorithm was lost by the task's context)."""

from __future__ import annotations

import time

import numpy as np
import processing
from processing.gui.AlgorithmDialog import AlgorithmDialog
from qgis.core import QgsApplication, QgsProcessingOutputLayerDefinition, QgsProject
from qgis.PyQt.QtCore import QCoreApplication

from sandbox.wms import LAYER_3857, RASTERS

from .conftest import read_geotiff, wms_layer


def wait_for_tasks(timeout=60.0):
    deadline = time.monotonic() + timeout
    manager = QgsApplication.taskManager()
    while manager.countActiveTasks() or manager.count():
        assert time.monotonic() < deadline, "the algorithm task did not finish"
        QCoreApplication.processEvents()
        time.sleep(0.01)
    QCoreApplication.processEvents()


def test_dialog_runs_the_algorithm_in_a_task(edge_tile_id, wms_server, add_layer, tmp_path, monkeypatch):
    # pytest-qgis's stand-in QGIS interface has no real browser model for the parameter widgets:
    # run the panel as QGIS does without a main window.
    monkeypatch.setattr("processing.gui.ParametersPanel.iface", None)
    raster = RASTERS[LAYER_3857]
    layer = add_layer(wms_layer(wms_server.url, LAYER_3857, raster.crs))
    xmin, ymin, xmax, ymax = raster.pixel_extent(100, 100, 64, 64)
    parameters = {"INPUT": layer, "CENTER": f"{(xmin + xmax) / 2!r},{(ymin + ymax) / 2!r} [EPSG:3857]",
                  "WIDTH": 64, "HEIGHT": 64, "PIXEL_SIZE": 1.0, "METHOD": 2}
    output = tmp_path / "dialog.tif"

    dialog = AlgorithmDialog(QgsApplication.processingRegistry().createAlgorithmById(edge_tile_id))
    dialog.setParameters({**parameters, "OUTPUT": QgsProcessingOutputLayerDefinition(str(output))})
    dialog.runAlgorithm()
    wait_for_tasks()
    loaded = {layer.id(): layer.name() for layer in QgsProject.instance().mapLayers().values()
              if layer.source() == str(output)}
    QgsProject.instance().removeMapLayers(list(loaded))
    assert list(loaded.values()) == ["Edge map"]

    processing.run(edge_tile_id, {**parameters, "OUTPUT": str(tmp_path / "direct.tif")})
    from_dialog, direct = read_geotiff(output), read_geotiff(tmp_path / "direct.tif")
    assert from_dialog[1] == direct[1] == (xmin, 1.0, 0.0, ymax, 0.0, -1.0)
    np.testing.assert_array_equal(from_dialog[0], direct[0])
