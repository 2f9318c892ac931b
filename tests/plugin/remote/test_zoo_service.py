"""The zoo test service, checked with OWSLib (an independent WPS client), so that its own behaviour is known-good."""

from __future__ import annotations

import base64
import json
import time
import urllib.request

import numpy as np
import pytest
from owslib.wps import ASYNC, SYNC, BoundingBoxDataInput, ComplexDataInput, WebProcessingService
from support.zoo_wps import PROCESS_IDS

from ..conftest import read_geotiff, write_geotiff


@pytest.fixture(scope="module")
def wps(zoo_server):
    return WebProcessingService(zoo_server.url, version="1.0.0", skip_caps=False)


def outputs_of(execution):
    return {output.identifier: output for output in execution.processOutputs}


def wait(execution, timeout=60):
    """Poll an async execution until it ends; the (percent, message) seen on the way."""
    seen, deadline = [], time.monotonic() + timeout
    while execution.isNotComplete():
        assert time.monotonic() < deadline, "the zoo's async job never ended"
        execution.checkStatus(sleepSecs=0.2)
        seen.append((execution.percentCompleted, execution.statusMessage))
    return seen


def test_capabilities_list_every_process(wps):
    assert [process.identifier for process in wps.processes] == list(PROCESS_IDS)
    assert wps.identification.title == "Zoo WPS"


def test_literals_description(wps):
    inputs = {item.identifier: item for item in wps.describeprocess("literals").dataInputs}
    assert {name: (item.dataType, item.minOccurs, item.maxOccurs, item.defaultValue) for name, item in inputs.items()} \
        == {"count": ("integer", 1, 1, 3), "ratio": ("float", 0, 1, 0.5), "name": ("string", 1, 1, None),
            "flag": ("boolean", 0, 1, False), "color": ("string", 1, 1, "red"), "tags": ("string", 0, 5, None)}
    assert inputs["color"].allowedValues == ["red", "green", "blue"]


@pytest.mark.parametrize("identifier, inputs, outputs, store", [
    ("bbox_area", {"extent": "BoundingBoxData"}, {"area": "float", "crs": "string"}, True),
    ("buffer_features", {"features": "ComplexData", "distance": "float"}, {"buffered": "ComplexData",
                                                                          "count": "integer"}, True),
    ("raster_stats", {"raster": "ComplexData"}, {"stats": "string", "doubled": "ComplexData"}, True),
    ("word_count", {"document": "ComplexData"}, {"words": "integer"}, True),
    ("fail", {"reason": "string"}, {"never": "string"}, True),
    ("slow", {"seconds": "float"}, {"waited": "float"}, True),
    ("echo_sync", {"text": "string"}, {"text": "string"}, False),
])
def test_descriptions(wps, identifier, inputs, outputs, store):
    description = wps.describeprocess(identifier)
    assert {item.identifier: item.dataType for item in description.dataInputs} == inputs
    assert {item.identifier: item.dataType for item in description.processOutputs} == outputs
    assert description.storeSupported == store and description.statusSupported == store


def test_complex_formats(wps):
    def mime_types(identifier, name):
        item = next(i for i in wps.describeprocess(identifier).dataInputs if i.identifier == name)
        return [value.mimeType for value in item.supportedValues]

    assert mime_types("buffer_features", "features") == ["application/geo+json", "application/gml+xml"]
    assert mime_types("raster_stats", "raster") == ["image/tiff; subtype=geotiff"]
    assert mime_types("word_count", "document") == ["text/plain"]


def test_literals_execute(wps):
    execution = wps.execute("literals", [("count", "4"), ("name", "x"), ("tags", "a"), ("tags", "b")], mode=SYNC)
    assert execution.isSucceded()
    outputs = outputs_of(execution)
    assert json.loads(outputs["summary"].data[0]) == {"count": 4, "ratio": 0.5, "name": "x", "flag": False,
                                                      "color": "red", "tags": ["a", "b"]}
    assert float(outputs["total"].data[0]) == 2.0


def test_literals_out_of_range_is_refused(wps):
    with pytest.raises(Exception, match="InvalidParameterValue|not valid"):
        wps.execute("literals", [("count", "11"), ("name", "x")], mode=SYNC)


def test_bbox_area(wps):
    execution = wps.execute("bbox_area", [("extent", BoundingBoxDataInput([10, 20, 14, 23], crs="EPSG:3857"))],
                            mode=SYNC)
    outputs = outputs_of(execution)
    assert float(outputs["area"].data[0]) == 12.0
    assert "3857" in outputs["crs"].data[0]


def test_buffer_features_geojson_and_gml(wps):
    geojson = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"n": 1}, "geometry": {"type": "Point", "coordinates": [1, 2]}},
        {"type": "Feature", "properties": {"n": 2}, "geometry": {"type": "Point", "coordinates": [5, 5]}}]})
    gml = ('<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" xmlns:gml="http://www.opengis.net/gml">'
           '<gml:featureMember><ogr:p><ogr:geometryProperty><gml:Point><gml:coordinates>1,2</gml:coordinates>'
           '</gml:Point></ogr:geometryProperty><ogr:n>1</ogr:n></ogr:p></gml:featureMember></ogr:FeatureCollection>')
    for document, mime_type, count in ((geojson, "application/geo+json", 2), (gml, "application/gml+xml", 1)):
        execution = wps.execute("buffer_features", [("features", ComplexDataInput(document, mimeType=mime_type)),
                                                    ("distance", "0.5")], output=[("buffered", True)], mode=SYNC)
        outputs = outputs_of(execution)
        assert int(outputs["count"].data[0]) == count
        with urllib.request.urlopen(outputs["buffered"].reference) as answer:
            buffered = json.loads(answer.read())
        assert buffered["features"][0]["geometry"]["coordinates"] == [
            [[0.5, 1.5], [1.5, 1.5], [1.5, 2.5], [0.5, 2.5], [0.5, 1.5]]]
        assert str(buffered["features"][0]["properties"]["n"]) == "1"


def test_raster_stats_by_value(wps, tmp_path):
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    geotransform = (500000.0, 10.0, 0.0, 4000030.0, 0.0, -10.0)
    source = write_geotiff(tmp_path / "source.tif", [values], geotransform, 32631)
    payload = base64.b64encode(open(source, "rb").read()).decode("ascii")
    execution = wps.execute("raster_stats", [("raster", ComplexDataInput(
        payload, mimeType="image/tiff; subtype=geotiff", encoding="base64"))], output=[("doubled", True)], mode=SYNC)
    outputs = outputs_of(execution)
    assert json.loads(outputs["stats"].data[0]) == {"min": 0.0, "max": 11.0, "mean": 5.5}
    doubled = tmp_path / "doubled.tif"
    with urllib.request.urlopen(outputs["doubled"].reference) as answer:
        doubled.write_bytes(answer.read())
    array, doubled_geotransform, wkt, *_ = read_geotiff(doubled)
    np.testing.assert_array_equal(array, values * 2)
    assert doubled_geotransform == geotransform
    assert 'ID["EPSG",32631]' in wkt or 'AUTHORITY["EPSG","32631"]' in wkt

    # by reference: the zoo fetches the GeoTIFF it has just served
    again = wps.execute("raster_stats", [("raster", ComplexDataInput(
        outputs["doubled"].reference, mimeType="image/tiff; subtype=geotiff"))], output=[("doubled", True)], mode=SYNC)
    assert json.loads(outputs_of(again)["stats"].data[0]) == {"min": 0.0, "max": 22.0, "mean": 11.0}


def test_word_count(wps):
    execution = wps.execute("word_count", [("document", ComplexDataInput("one two\nthree", mimeType="text/plain"))],
                            mode=SYNC)
    assert int(outputs_of(execution)["words"].data[0]) == 3


def test_fail_reports_the_reason(wps):
    execution = wps.execute("fail", [("reason", "no luck today")], mode=SYNC)
    assert not execution.isSucceded()
    assert [(error.code, error.text) for error in execution.errors] == [
        ("NoApplicableCode", "Process error: no luck today")]


def test_slow_reports_progress_in_its_status_document(wps):
    execution = wps.execute("slow", [("seconds", "1.2")], output=[("waited", False)], mode=ASYNC)
    assert execution.statusLocation.startswith(wps.url.rsplit("/", 1)[0] + "/outputs/")
    seen = wait(execution)
    assert execution.isSucceded()
    assert any(0 < percent < 100 and message.startswith("waited ") for percent, message in seen)
    assert float(outputs_of(execution)["waited"].data[0]) >= 1.2


def test_echo_sync_has_no_async_mode(wps):
    assert outputs_of(wps.execute("echo_sync", [("text", "hi")], mode=SYNC))["text"].data == ["hi"]
    with pytest.raises(Exception, match="StorageNotSupported|storing"):
        wps.execute("echo_sync", [("text", "hi")], output=[("text", False)], mode=ASYNC)
