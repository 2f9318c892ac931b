"""Batch mode of remote WPS algorithms, through QGIS's own BatchAlgorithmDialog, headless.

Rows are filled through the batch panel's parameter widget wrappers (what a user types
into), and the dialog's Run method executes every row against the zoo.
"""

from __future__ import annotations

import json

import numpy as np
from processing.gui.BatchAlgorithmDialog import BatchAlgorithmDialog
from processing.tools.dataobjects import createContext
from qgis.core import QgsApplication, QgsRasterLayer

from ..batch import run_batch
from ..conftest import read_geotiff, write_geotiff


def batch_dialog(algorithm_id, rows, outputs=None):
    """A batch dialog with one row per dict of ``rows``; ``outputs`` = {destination name: [path per row]}."""
    dialog = BatchAlgorithmDialog(QgsApplication.processingRegistry().createAlgorithmById(algorithm_id))
    panel = dialog.mainWidget()
    panel.checkLoadLayersOnCompletion.setChecked(False)
    panel.addRow(len(rows) - 1)
    context = createContext()
    for row, values in enumerate(rows):
        for name, value in values.items():
            panel.wrappers[row][panel.parameter_to_column[name]].setParameterValue(value, context)
        for name, paths in (outputs or {}).items():
            panel.tblParameters.cellWidget(row + 1, panel.parameter_to_column[name]).setValue(str(paths[row]))
    return dialog


def test_batch_of_literal_rows(zoo_provider_id):
    # the enum's combo box holds the option's number (red, green, blue as the zoo lists them)
    rows = [{"count": 2, "ratio": 0.25, "name": "first", "flag": True, "color": 1},
            {"count": 10, "ratio": 1.0, "name": "second", "flag": False, "color": 2},
            {"count": 1, "name": "third", "color": 0}]
    results, errors = run_batch(batch_dialog(f"{zoo_provider_id}:literals", rows))
    assert errors == []
    summaries = [json.loads(item["results"]["summary"]) for item in results]
    assert [(s["count"], s["ratio"], s["name"], s["flag"], s["color"]) for s in summaries] == [
        (2, 0.25, "first", True, "green"), (10, 1.0, "second", False, "blue"), (1, 0.5, "third", False, "red")]
    assert [item["results"]["total"] for item in results] == [0.5, 10.0, 0.5]


def test_batch_of_rasters_writes_every_output(zoo_provider_id, add_layer, tmp_path):
    arrays = [np.random.default_rng(seed).integers(0, 100, size=(12 + seed, 9)).astype(np.float32)
              for seed in range(3)]
    layers = [add_layer(QgsRasterLayer(write_geotiff(tmp_path / f"in_{index}.tif", [array],
                                                     (300000.0 + index, 2.0, 0, 4500000.0, 0, -2.0), 32630),
                                       f"batch {index}"))
              for index, array in enumerate(arrays)]
    doubled = [tmp_path / f"doubled_{index}.tif" for index in range(3)]
    results, errors = run_batch(batch_dialog(f"{zoo_provider_id}:raster_stats", [{"raster": layer} for layer in layers],
                                       {"doubled": doubled}))
    assert errors == []
    for index, (array, item) in enumerate(zip(arrays, results)):
        values, geotransform, *_ = read_geotiff(doubled[index])
        np.testing.assert_array_equal(values, array * 2)
        assert geotransform == (300000.0 + index, 2.0, 0.0, 4500000.0, 0.0, -2.0)
        assert json.loads(item["results"]["stats"]) == {"min": float(array.min()), "max": float(array.max()),
                                                        "mean": float(array.astype(np.float64).mean())}
