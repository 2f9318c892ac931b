"""Batch mode, through QGIS's own batch dialog (the Processing GUI's BatchAlgorithmDialog), headless.

The dialog's rows are filled through the same parameter widget wrappers a user
types into, and its Run button's method executes every row; the outputs must
equal single runs with the same parameters.
"""

from __future__ import annotations

import numpy as np
import processing
from processing.gui.BatchAlgorithmDialog import BatchAlgorithmDialog
from processing.tools.dataobjects import createContext
from qgis.core import QgsApplication, QgsProject, QgsRasterLayer

from .batch import run_batch
from .conftest import read_geotiff, write_geotiff

ROWS = [
    {"CENTER": "300100,4500100 [EPSG:32630]", "WIDTH": 20, "HEIGHT": 16, "METHOD": 0},
    {"CENTER": "300140,4500060 [EPSG:32630]", "WIDTH": 12, "HEIGHT": 24, "METHOD": 3, "PIXEL_SIZE": 1.0},
    {"EXTENT": "300010,300090,4500110,4500190 [EPSG:32630]", "WIDTH": 8, "HEIGHT": 8, "METHOD": 4},
]


def test_batch_dialog_runs_every_row(edge_tile_id, add_layer, tmp_path):
    array = np.random.default_rng(5).integers(0, 256, size=(100, 100)).astype(np.uint8)
    source = write_geotiff(tmp_path / "source.tif", [array], (300000.0, 2.0, 0, 4500200.0, 0, -2.0), 32630)
    layer = add_layer(QgsRasterLayer(source, "batch source"))

    dialog = BatchAlgorithmDialog(QgsApplication.processingRegistry().createAlgorithmById(edge_tile_id))
    panel = dialog.mainWidget()
    panel.checkLoadLayersOnCompletion.setChecked(False)
    panel.addRow(len(ROWS) - 1)
    context = createContext()
    outputs = []
    for row, values in enumerate(ROWS):
        for name, value in {"INPUT": layer, **values}.items():
            panel.wrappers[row][panel.parameter_to_column[name]].setParameterValue(value, context)
        outputs.append(tmp_path / f"batch_{row}.tif")
        panel.tblParameters.cellWidget(row + 1, panel.parameter_to_column["OUTPUT"]).setValue(str(outputs[row]))

    results, errors = run_batch(dialog)
    assert errors == []
    assert [item["results"]["OUTPUT"] for item in results] == [str(path) for path in outputs]

    for row, values in enumerate(ROWS):
        single = tmp_path / f"single_{row}.tif"
        processing.run(edge_tile_id, {"INPUT": layer, **values, "OUTPUT": str(single)})
        batch_result, single_result = read_geotiff(outputs[row]), read_geotiff(single)
        geotransform, wkt, _, size, data_type = batch_result[1:]
        assert (geotransform, wkt, size, data_type) == single_result[1:3] + single_result[4:]
        np.testing.assert_array_equal(batch_result[0], single_result[0])
    # the extent alone takes the layer's 2 m pixels
    assert [read_geotiff(path)[4] for path in outputs] == [(20, 16), (12, 24), (40, 40)]
    assert QgsProject.instance().mapLayersByName("Edge map") == []  # "load layers on completion" was off
