"""Every bad input is refused before any job starts, as an OWS ExceptionReport naming it.

The WMS is a loopback port where nothing listens: none of these requests may reach it.
"""

from __future__ import annotations

import pytest
from lxml import etree
from pywps.tests import client_for

from .helpers import leftover_files

NS = {"ows": "http://www.opengis.net/ows/1.1"}
GOOD = {"wms": "layer", "lat": "45.5", "lon": "-73.5"}
ALLOWED = "http://127.0.0.1:9/allowed/ows"


@pytest.fixture
def app(make_app, closed_url):
    return make_app(closed_url, allowed_urls=[ALLOWED], wms_extra="max_pixels = 1000000\n")


def execute(client, inputs, response_form=""):
    data_inputs = ";".join(f"{key}={value}" for key, value in inputs.items())
    return client.get("/wps?service=WPS&version=1.0.0&request=Execute&identifier=get_raster_process"
                      f"&DataInputs={data_inputs}{response_form}")


def exception_of(response):
    """(HTTP status, exceptionCode, locator, text) of an ExceptionReport."""
    doc = etree.fromstring(response.data)
    assert etree.QName(doc).localname == "ExceptionReport", response.data
    [exception] = doc.xpath("ows:Exception", namespaces=NS)
    return (response.status_code, exception.get("exceptionCode"), exception.get("locator"),
            exception.findtext("ows:ExceptionText", namespaces=NS))


CASES = [
    # (changes to GOOD, code, locator, words the message must contain)
    ({"lat": "95"}, "InvalidParameterValue", "lat", "[-90, 90]"),
    ({"lat": "-90.5"}, "InvalidParameterValue", "lat", "[-90, 90]"),
    ({"lat": "nan"}, "InvalidParameterValue", "lat", "finite"),
    ({"lat": "abc"}, "InvalidParameterValue", "lat", "not a valid float"),
    ({"lon": "180.0001"}, "InvalidParameterValue", "lon", "[-180, 180]"),
    ({"lon": "-inf"}, "InvalidParameterValue", "lon", "finite"),
    ({"method": "laplace"}, "InvalidParameterValue", "method", "allowed values: sobel_x"),
    ({"wms_version": "1.0.0"}, "InvalidParameterValue", "wms_version", "1.1.1, 1.3.0"),
    ({"format": "image/gif"}, "InvalidParameterValue", "format", "image/png, image/jpeg"),
    ({"width": "1954"}, "InvalidParameterValue", "width", "1954 x 512 area has 1000448 pixels"),
    ({"width": "0"}, "InvalidParameterValue", "width", "between 1 and 1000000 pixels"),
    ({"height": "-5"}, "InvalidParameterValue", "height", "between 1 and 1000000 pixels"),
    ({"height": "inf"}, "InvalidParameterValue", "height", "not a valid integer"),
    ({"width": "1001", "height": "1000"}, "InvalidParameterValue", "width", "limit of 1000000"),
    ({"bbox_size": "0"}, "InvalidParameterValue", "bbox_size", "(0, 360]"),
    ({"lat": "89.9", "bbox_size": "1"}, "InvalidParameterValue", "bbox_size", "leaves the globe"),
    ({"bbox_size": "nan"}, "InvalidParameterValue", "bbox_size", "(0, 360]"),
    ({"crs": "EPSG:999999"}, "InvalidParameterValue", "crs", "not a known EPSG code"),
    ({"crs": "WGS84"}, "InvalidParameterValue", "crs", "not an EPSG code"),
    ({"wms_url": "http://127.0.0.1:9/other/ows"}, "InvalidParameterValue", "wms_url", "allowed_urls"),
    ({"wms_url": "http://127.0.0.1:9/allowed/ows/../../admin"}, "InvalidParameterValue", "wms_url", "allowed"),
    ({"wms_url": "file:///etc/passwd"}, "InvalidParameterValue", "wms_url", "allowed"),
    ({"wms": "%20%20"}, "InvalidParameterValue", "wms", "empty"),
    ({"wms": "bad%0Aname"}, "InvalidParameterValue", "wms", "printable"),
    ({"wms": "x" * 300}, "InvalidParameterValue", "wms", "at most 255"),
    ({"bbox": "10,20,5,30,EPSG:4326"}, "InvalidParameterValue", "bbox", "empty"),
    ({"bbox": "-1280,-1233,1280,1326,EPSG:4326"}, "InvalidParameterValue", "bbox", "leaves the globe"),
    ({"bbox": "-190,10,190,20,EPSG:4326"}, "InvalidParameterValue", "bbox", "longitudes span at most 360"),
    ({"bbox": "1,2,3"}, "InvalidParameterValue", "bbox", "four numbers"),
    ({"bbox": "a,b,c,d"}, "InvalidParameterValue", "bbox", "four numbers"),
    ({"bbox": "0,0,1,1,CRS:84"}, "InvalidParameterValue", "bbox", "not an EPSG code"),
    ({"lat": None}, "MissingParameterValue", "lat", "unless a bbox is given"),
    ({"wms": None}, "MissingParameterValue", "wms", "input wms is required"),
]


@pytest.mark.parametrize(("changes", "code", "locator", "words"), CASES,
                         ids=[f"{c[2]}-{'-'.join(str(v) for v in c[0].values())[:30]}" for c in CASES])
def test_bad_input(app, changes, code, locator, words):
    inputs = {key: value for key, value in {**GOOD, **changes}.items() if value is not None}
    status, got_code, got_locator, text = exception_of(execute(client_for(app), inputs))
    assert (status, got_code, got_locator) == (400, code, locator), text
    assert words in text
    assert leftover_files() == []


@pytest.mark.parametrize(("response_form", "locator", "words"), [
    ("&RawDataOutput=image@mimeType=image/gif", "image", "allowed mimeType values: image/png"),
    ("&ResponseDocument=image@mimeType=application/json@asReference=true", "image", "allowed mimeType"),
    ("&RawDataOutput=picture", "picture", "one output, image"),
])
def test_bad_response_form(app, response_form, locator, words):
    status, code, got_locator, text = exception_of(execute(client_for(app), GOOD, response_form))
    assert (status, code, got_locator) == (400, "InvalidParameterValue", locator)
    assert words in text
    assert leftover_files() == []


def test_unknown_process(app):
    response = client_for(app).get("/wps?service=WPS&version=1.0.0&request=Execute&identifier=nope"
                                   "&DataInputs=wms=x")
    assert exception_of(response)[:3] == (400, "InvalidParameterValue", "Identifier")


def test_async_request_with_bad_input_is_refused_before_it_is_accepted(app):
    response = execute(client_for(app), {**GOOD, "lat": "91"},
                       "&ResponseDocument=image@asReference=true&storeExecuteResponse=true&status=true")
    assert exception_of(response)[:3] == (400, "InvalidParameterValue", "lat")
    assert leftover_files() == []
