"""The model builder: a saved .model3 feeds edge_tile's output into native:rasterlayerstatistics and runs."""

from __future__ import annotations

import re

import numpy as np
import processing
import pytest
from qgis.core import (
    QgsApplication,
    QgsProcessingAlgorithm,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterRasterLayer,
)

from .conftest import read_geotiff, write_geotiff

CENTER = "700100,5000100 [EPSG:32633]"


def statistics_model(edge_tile_id):
    """layer -> wmsedge:edge_tile (prewitt_magnitude, 40 x 30) -> native:rasterlayerstatistics (HTML output)."""
    model = QgsProcessingModelAlgorithm("edge tile statistics", "wmsedge tests")
    model.addModelParameter(QgsProcessingParameterRasterLayer("layer", "Layer"), QgsProcessingModelParameter("layer"))

    edge = QgsProcessingModelChildAlgorithm(edge_tile_id)
    edge.setChildId("edge_tile")
    edge.addParameterSources("INPUT", [QgsProcessingModelChildParameterSource.fromModelParameter("layer")])
    for name, value in (("CENTER", CENTER), ("WIDTH", 40), ("HEIGHT", 30), ("METHOD", 5), ("BACKEND", 0)):
        edge.addParameterSources(name, [QgsProcessingModelChildParameterSource.fromStaticValue(value)])
    model.addChildAlgorithm(edge)

    stats = QgsProcessingModelChildAlgorithm("native:rasterlayerstatistics")
    stats.setChildId("stats")
    stats.addParameterSources("INPUT", [QgsProcessingModelChildParameterSource.fromChildOutput("edge_tile", "OUTPUT")])
    stats.addParameterSources("BAND", [QgsProcessingModelChildParameterSource.fromStaticValue(1)])
    output = QgsProcessingModelOutput("statistics", "Statistics")
    output.setChildId("stats")
    output.setChildOutputName("OUTPUT_HTML_FILE")
    stats.setModelOutputs({"statistics": output})
    model.addChildAlgorithm(stats)
    return model


def test_algorithm_is_offered_everywhere_processing_is(provider, edge_tile_id):
    algorithm = QgsApplication.processingRegistry().algorithmById(edge_tile_id)
    flags = algorithm.flags()
    assert not flags & QgsProcessingAlgorithm.FlagHideFromModeler
    assert not flags & QgsProcessingAlgorithm.FlagHideFromToolbox
    assert flags & QgsProcessingAlgorithm.FlagSupportsBatch and flags & QgsProcessingAlgorithm.FlagCanCancel


def test_saved_model_chains_edge_tile_into_a_native_algorithm(edge_tile_id, tmp_path):
    array = np.random.default_rng(11).integers(0, 256, size=(100, 100)).astype(np.uint8)
    source = write_geotiff(tmp_path / "source.tif", [array], (700000.0, 2.0, 0, 5000200.0, 0, -2.0), 32633)

    model_file = tmp_path / "edge_statistics.model3"
    assert statistics_model(edge_tile_id).toFile(str(model_file))
    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(str(model_file))
    assert [child.algorithmId() for child in model.childAlgorithms().values()].count(edge_tile_id) == 1

    html = tmp_path / "statistics.html"
    # The model's destination parameter: "stats:statistics" up to QGIS 3.22, the output's own
    # (unique, safe) name "statistics" in later releases' updateDestinationParameters.
    (destination,) = model.destinationParameterDefinitions()
    results = processing.run(model, {"layer": source, destination.name(): str(html)})
    assert results[destination.name()] == str(html)

    processing.run(edge_tile_id, {"INPUT": source, "CENTER": CENTER, "WIDTH": 40, "HEIGHT": 30, "METHOD": 5,
                                  "OUTPUT": str(tmp_path / "direct.tif")})
    values = read_geotiff(tmp_path / "direct.tif")[0].astype(np.float64)
    report = html.read_text()
    mean = float(re.search(r"Mean value: ([-0-9.eE+]+)", report).group(1))
    maximum = float(re.search(r"Maximum value: ([-0-9.eE+]+)", report).group(1))
    assert mean == pytest.approx(values.mean(), rel=1e-9)
    assert maximum == pytest.approx(values.max(), rel=1e-9)
