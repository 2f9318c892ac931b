"""End to end: our server under a real gunicorn (2 workers) on a free loopback port, the real QGIS
Server as its WMS, and real clients: the tutorial's request as curl sends it, and OWSLib."""

from __future__ import annotations

import io
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from owslib.util import ServiceException
from owslib.wps import ASYNC, SYNC, WebProcessingService
from PIL import Image
from rasterio.crs import CRS
from rasterio.io import MemoryFile

from sandbox.wms import CENTER_LAT, CENTER_LON, LAYER_4326
from wmsedge_engine.filters import METHODS
from wmsedge_engine.render import display_bytes

from .helpers import engine_result, tutorial_grid

TUTORIAL_XML = Path(__file__).resolve().parents[2] / "demo" / "tutorial_execute.xml"  # the seed's, byte for byte
GEOTIFF = "image/tiff; subtype=geotiff"
DEADLINE = 60.0


def http(url, data=None, headers=None):
    """(status, content type, body) of a GET, or of a POST when ``data`` is given."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def assert_tutorial_png(body, wms_url):
    image = Image.open(io.BytesIO(body))
    assert (image.format, image.size) == ("PNG", (512, 512))
    expected, _ = engine_result(wms_url, LAYER_4326, tutorial_grid(), "EPSG:4326", "sobel_y")
    np.testing.assert_array_equal(np.asarray(image), display_bytes(expected, "sobel_y"))


def test_the_tutorials_curl_request_byte_for_byte(gunicorn_server, wms_server):
    """curl --location 'http://localhost:5000/wps/?service=WPS' --header 'Content-Type: text/xml' --data '...'
    with only the layer, lat and lon changed to the test WMS's."""
    original = TUTORIAL_XML.read_bytes()
    body = (original.replace(b"geoimage:lon_bing_mosaic_tiled", LAYER_4326.encode())
            .replace(b"45.55425883140662", repr(CENTER_LAT).encode())
            .replace(b"-73.49350601434709", repr(CENTER_LON).encode()))
    assert len(original.split(b"<wps:LiteralData>")) == len(body.split(b"<wps:LiteralData>")) == 5
    status, content_type, answer = http(gunicorn_server.url + "/?service=WPS", body, {"Content-Type": "text/xml"})
    assert (status, content_type) == (200, "image/png"), answer[:2000]
    assert_tutorial_png(answer, wms_server.url)


def test_the_tutorials_request_as_get(gunicorn_server, wms_server):
    status, content_type, answer = http(
        f"{gunicorn_server.url}?service=WPS&version=1.0.0&request=Execute&identifier=get_raster_process"
        f"&DataInputs=wms={LAYER_4326};method=sobel_y;lat={CENTER_LAT};lon={CENTER_LON}"
        "&RawDataOutput=image@mimeType=image/png")
    assert (status, content_type) == (200, "image/png"), answer[:2000]
    assert_tutorial_png(answer, wms_server.url)


@pytest.fixture(scope="module")
def wps(gunicorn_server):
    return WebProcessingService(gunicorn_server.url, version="1.0.0", timeout=60)


def test_owslib_capabilities_and_description(wps):
    assert [p.identifier for p in wps.processes] == ["get_raster_process"]
    process = wps.describeprocess("get_raster_process")
    assert str(process.storeSupported).lower() == str(process.statusSupported).lower() == "true"
    inputs = {i.identifier: i for i in process.dataInputs}
    assert set(inputs) == {"wms", "lat", "lon", "method", "wms_url", "wms_version", "width", "height",
                           "bbox_size", "crs", "format", "bbox"}
    assert inputs["method"].allowedValues == list(METHODS) and inputs["method"].defaultValue == "sobel_x"
    assert inputs["wms_version"].allowedValues == ["1.1.1", "1.3.0"]
    assert inputs["format"].allowedValues == ["image/png", "image/jpeg"]
    assert inputs["lat"].dataType.endswith("float") and inputs["width"].dataType.endswith("integer")
    assert inputs["bbox"].dataType == "BoundingBoxData"
    [output] = process.processOutputs
    assert output.identifier == "image"
    assert [v.mimeType for v in output.supportedValues] == ["image/png", GEOTIFF]


def check_geotiff(body, wms_url, method):
    with MemoryFile(body) as memory, memory.open() as dataset:
        grid = tutorial_grid()
        assert (dataset.width, dataset.height, dataset.dtypes[0]) == (512, 512, "float32")
        assert dataset.crs == CRS.from_epsg(4326)
        assert dataset.transform.to_gdal() == grid.geotransform()
        assert np.isnan(dataset.nodata)
        array = dataset.read(1)
    expected, _ = engine_result(wms_url, LAYER_4326, grid, "EPSG:4326", method)
    np.testing.assert_array_equal(array, expected)


def inputs(method):
    return [("wms", LAYER_4326), ("lat", repr(CENTER_LAT)), ("lon", repr(CENTER_LON)), ("method", method)]


def test_owslib_execute_sync(wps, wms_server):
    execution = wps.execute("get_raster_process", inputs("prewitt_x"), output=[("image", True, GEOTIFF)], mode=SYNC)
    assert execution.isSucceded(), execution.errors
    [output] = execution.processOutputs
    assert output.mimeType == GEOTIFF
    status, content_type, body = http(output.reference)
    assert status == 200
    check_geotiff(body, wms_server.url, "prewitt_x")


def test_owslib_execute_async(wps, wms_server):
    execution = wps.execute("get_raster_process", inputs("sobel_magnitude"), output=[("image", True, GEOTIFF)],
                            mode=ASYNC)
    assert execution.statusLocation.startswith(wps.url.rsplit("/", 1)[0] + "/outputs/")
    deadline = time.monotonic() + DEADLINE
    while not execution.isComplete():
        assert time.monotonic() < deadline, f"still {execution.status} after {DEADLINE} s"
        execution.checkStatus(sleepSecs=0.2)
    assert execution.isSucceded(), [e.text for e in execution.errors]
    status, _, body = http(execution.processOutputs[0].reference)
    assert status == 200
    check_geotiff(body, wms_server.url, "sobel_magnitude")


def test_owslib_sees_the_unknown_layer_error(wps):
    with pytest.raises(ServiceException) as raised:
        wps.execute("get_raster_process", [("wms", "no_such_layer"), ("lat", "45.5"), ("lon", "-73.5")],
                    output=[("image", False, "image/png")], mode=SYNC)
    report = str(raised.value)
    assert 'exceptionCode="InvalidParameterValue"' in report and 'locator="wms"' in report
    assert "LayerNotDefined" in report


def test_outputs_are_served_and_nothing_else(gunicorn_server):
    base = gunicorn_server.url.rsplit("/", 1)[0]
    assert http(base + "/outputs/../pywps.cfg")[0] == 404
    assert http(base + "/outputs/%2e%2e/pywps.cfg")[0] == 404
    assert http(base + "/")[0] == 404
