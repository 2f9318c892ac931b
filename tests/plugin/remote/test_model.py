"""The model builder: saved .model3 files that chain a zoo process (a remote WPS) with a native algorithm run.

Results are checked against values computed here with numpy, not against the algorithms themselves.
"""

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
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterRasterLayer,
    QgsVectorLayer,
)

from ..conftest import write_geotiff

POINTS = [(10.0, 45.0), (10.3, 45.2), (11.0, 45.0), (12.0, 46.0), (12.25, 46.1), (12.4, 45.9)]
DISTANCE = 0.35


def child(algorithm_id, child_id, sources):
    """A model child with parameter sources ({name: QgsProcessingModelChildParameterSource})."""
    step = QgsProcessingModelChildAlgorithm(algorithm_id)
    step.setChildId(child_id)
    for name, source in sources.items():
        step.addParameterSources(name, [source])
    return step


def model_output(step, name, child_output):
    output = QgsProcessingModelOutput(name, name)
    output.setChildId(step.childId())
    output.setChildOutputName(child_output)
    step.setModelOutputs({name: output})


def saved_and_loaded(model, path):
    """Save the model as the model designer does, and load it back as QGIS does when opening it."""
    assert model.toFile(str(path))
    loaded = QgsProcessingModelAlgorithm()
    assert loaded.fromFile(str(path))
    return loaded


def buffer_count_model(provider_id):
    """points -> <zoo>:buffer_features (squares) -> native:countpointsinpolygon (the same points)."""
    static, parameter = QgsProcessingModelChildParameterSource.fromStaticValue, \
        QgsProcessingModelChildParameterSource.fromModelParameter
    model = QgsProcessingModelAlgorithm("remote buffer count", "wmsedge tests")
    model.addModelParameter(QgsProcessingParameterFeatureSource("points", "Points"),
                            QgsProcessingModelParameter("points"))
    buffer = child(f"{provider_id}:buffer_features", "buffer",
                   {"features": parameter("points"), "distance": static(DISTANCE)})
    model.addChildAlgorithm(buffer)
    count = child("native:countpointsinpolygon", "count", {
        "POLYGONS": QgsProcessingModelChildParameterSource.fromChildOutput("buffer", "buffered"),
        "POINTS": parameter("points"), "FIELD": static("NUMPOINTS")})
    model_output(count, "counted", "OUTPUT")
    model.addChildAlgorithm(count)
    return model


def raster_statistics_model(provider_id):
    """raster -> <zoo>:raster_stats (doubled GeoTIFF) -> native:rasterlayerstatistics."""
    model = QgsProcessingModelAlgorithm("remote raster statistics", "wmsedge tests")
    model.addModelParameter(QgsProcessingParameterRasterLayer("raster", "Raster"),
                            QgsProcessingModelParameter("raster"))
    model.addChildAlgorithm(child(f"{provider_id}:raster_stats", "remote",
                                  {"raster": QgsProcessingModelChildParameterSource.fromModelParameter("raster")}))
    stats = child("native:rasterlayerstatistics", "stats", {
        "INPUT": QgsProcessingModelChildParameterSource.fromChildOutput("remote", "doubled"),
        "BAND": QgsProcessingModelChildParameterSource.fromStaticValue(1)})
    model_output(stats, "statistics", "OUTPUT_HTML_FILE")
    model.addChildAlgorithm(stats)
    return model


def test_remote_algorithms_are_offered_to_the_model_builder(zoo_provider_id):
    for algorithm in QgsApplication.processingRegistry().providerById(zoo_provider_id).algorithms():
        assert not algorithm.flags() & QgsProcessingAlgorithm.FlagHideFromModeler, algorithm.id()


def test_saved_model_buffers_remotely_then_counts_natively(zoo_provider_id, tmp_path):
    points = tmp_path / "points.geojson"
    features = ",".join(f'{{"type":"Feature","properties":{{"n":{n}}},"geometry":{{"type":"Point",'
                        f'"coordinates":[{x},{y}]}}}}' for n, (x, y) in enumerate(POINTS))
    points.write_text(f'{{"type":"FeatureCollection","features":[{features}]}}')

    model = saved_and_loaded(buffer_count_model(zoo_provider_id), tmp_path / "buffer_count.model3")
    assert f"{zoo_provider_id}:buffer_features" in [step.algorithmId() for step in model.childAlgorithms().values()]
    output = tmp_path / "counted.gpkg"
    (destination,) = model.destinationParameterDefinitions()  # named as tests/plugin/test_model.py explains
    results = processing.run(model, {"points": str(points), destination.name(): str(output)})
    assert results[destination.name()] == str(output)

    counted = QgsVectorLayer(str(output), "counted", "ogr")
    assert counted.isValid() and counted.crs().authid() == "EPSG:4326"
    by_point = {feature["n"]: feature["NUMPOINTS"] for feature in counted.getFeatures()}
    xy = np.array(POINTS)
    inside = (np.abs(xy[:, None, 0] - xy[None, :, 0]) < DISTANCE) & (np.abs(xy[:, None, 1] - xy[None, :, 1])
                                                                      < DISTANCE)
    assert by_point == {n: int(count) for n, count in enumerate(inside.sum(axis=1))}
    assert sorted(by_point.values()) == [1, 2, 2, 2, 2, 3]  # some squares hold a neighbour
    for feature in counted.getFeatures():
        x, y = POINTS[feature["n"]]
        box = feature.geometry().boundingBox()
        assert (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum()) == pytest.approx(
            (x - DISTANCE, y - DISTANCE, x + DISTANCE, y + DISTANCE))


def test_saved_model_doubles_a_raster_remotely_then_takes_native_statistics(zoo_provider_id, tmp_path):
    values = np.random.default_rng(3).integers(0, 200, size=(30, 40)).astype(np.float32)
    source = write_geotiff(tmp_path / "source.tif", [values], (500000.0, 5.0, 0, 4600000.0, 0, -5.0), 32632)
    model = saved_and_loaded(raster_statistics_model(zoo_provider_id), tmp_path / "raster_statistics.model3")
    html = tmp_path / "statistics.html"
    (destination,) = model.destinationParameterDefinitions()
    processing.run(model, {"raster": source, destination.name(): str(html)})
    report = html.read_text()
    mean = float(re.search(r"Mean value: ([-0-9.eE+]+)", report).group(1))
    maximum = float(re.search(r"Maximum value: ([-0-9.eE+]+)", report).group(1))
    assert mean == pytest.approx(2 * values.astype(np.float64).mean(), rel=1e-9)
    assert maximum == 2 * values.max()
