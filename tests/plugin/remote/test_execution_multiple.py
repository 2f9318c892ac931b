"""Repeated inputs (maxOccurs > 1: enumeration, numbers, vector layers) and a complex output returned
by value by a synchronous-only process, on a real PyWPS service written for this test."""

from __future__ import annotations

import json
import textwrap

import processing
import pytest
from qgis.core import QgsApplication, QgsProcessingParameterEnum, QgsProcessingParameterMultipleLayers, QgsVectorLayer
from support.script_wps import ScriptWpsServer

from ..conftest import RecordingFeedback, run_expecting_error
from .remote_providers import registered_server
from .test_execution import points_layer

SERVICE = textwrap.dedent('''
    import json
    import sys

    from pywps import ComplexInput, ComplexOutput, Format, LiteralInput, LiteralOutput, Process, Service
    from werkzeug.serving import run_simple

    GEOJSON = Format("application/geo+json")


    def handler(request, response):
        features = []
        for item in request.inputs.get("layers", []):
            features += json.loads(item.data)["features"]
        response.outputs["merged"].data = json.dumps({"type": "FeatureCollection", "features": features})
        response.outputs["summary"].data = json.dumps({
            "colors": [item.data for item in request.inputs.get("colors", [])],
            "numbers": [item.data for item in request.inputs.get("numbers", [])],
            "layers": len(request.inputs.get("layers", []))})
        return response


    process = Process(handler, identifier="multi", title="Repeated inputs", version="1",
                      store_supported=False, status_supported=False,
                      inputs=[ComplexInput("layers", "Layers", supported_formats=[GEOJSON], max_occurs=3),
                              LiteralInput("colors", "Colors", data_type="string", min_occurs=0, max_occurs=3,
                                           allowed_values=["red", "green", "blue"]),
                              LiteralInput("numbers", "Numbers", data_type="float", min_occurs=0, max_occurs=4)],
                      outputs=[ComplexOutput("merged", "Merged", supported_formats=[GEOJSON]),
                               LiteralOutput("summary", "Summary", data_type="string")])
    run_simple("127.0.0.1", int(sys.argv[2]), Service([process], [sys.argv[1]]))
''')


@pytest.fixture(scope="module")
def multi_server(tmp_path_factory):
    """The service above, served by werkzeug in a subprocess; yields its URL."""
    with ScriptWpsServer(tmp_path_factory.mktemp("multi_wps"), SERVICE) as server:
        yield server.url


@pytest.fixture(scope="module")
def multi(multi_server, tmp_path_factory, qgis_processing):
    with registered_server(multi_server, tmp_path_factory.mktemp("wps_cache"), "Multi") as (_s, _r, server):
        yield f"{server.server_id}:multi"


def test_repeated_inputs_and_a_complex_output_by_value(multi, add_layer, tmp_path):
    first, second = add_layer(points_layer()), add_layer(points_layer("EPSG:3857"))
    feedback = RecordingFeedback()
    output = tmp_path / "merged.geojson"
    results = processing.run(multi, {"layers": [first, second], "colors": ["blue", "red"],
                                     "numbers": "1.5\n-2\n\n3e2", "merged": str(output)}, feedback=feedback)
    assert json.loads(results["summary"]) == {"colors": ["blue", "red"], "numbers": [1.5, -2.0, 300.0],
                                              "layers": 2}
    merged = QgsVectorLayer(str(output), "merged", "ogr")
    assert merged.isValid() and merged.featureCount() == 4
    assert sorted(feature["name"] for feature in merged.getFeatures()) == ["a", "a", "b", "b"]
    assert any("(synchronous)" in info for info in feedback.infos)


def test_repeated_parameters(multi):
    algorithm = QgsApplication.processingRegistry().createAlgorithmById(multi)
    layers, colors = algorithm.parameterDefinition("layers"), algorithm.parameterDefinition("colors")
    assert isinstance(layers, QgsProcessingParameterMultipleLayers)
    assert isinstance(colors, QgsProcessingParameterEnum) and colors.allowMultiple()


@pytest.mark.parametrize(("parameters", "message"), [
    ({"numbers": "1\nten"}, "“ten” is not a valid float"),
    ({"numbers": "1\n2\n3\n4\n5"}, "at most 4 values, 5 given"),
    ({"colors": ["red", "green", "blue", "red"]}, "at most 3 values, 4 given"),
])
def test_repeated_values_are_checked(multi, add_layer, tmp_path, parameters, message):
    layer = add_layer(points_layer())
    error = run_expecting_error(multi, {"layers": [layer], "merged": str(tmp_path / "m.geojson"), **parameters})
    assert message in error
