"""GetCapabilities and DescribeProcess, in-process (no WMS is contacted)."""

from __future__ import annotations

import pytest
from lxml import etree
from pywps.tests import assert_response_success, client_for

from wmsedge_engine.filters import METHODS

NS = {"wps": "http://www.opengis.net/wps/1.0.0", "ows": "http://www.opengis.net/ows/1.1"}


@pytest.fixture
def service_client(make_app, closed_url):
    return client_for(make_app(closed_url).service)


def _xml(response):
    assert response.status_code == 200, response.data
    return etree.fromstring(response.data)


def test_capabilities_list_the_process(service_client):
    doc = _xml(service_client.get("?service=WPS&request=GetCapabilities"))
    identifiers = doc.xpath("//wps:ProcessOfferings/wps:Process/ows:Identifier/text()", namespaces=NS)
    assert identifiers == ["get_raster_process"]


def test_describe_process_shows_every_input_with_its_allowed_values(service_client):
    doc = _xml(service_client.get(
        "?service=WPS&version=1.0.0&request=DescribeProcess&identifier=get_raster_process"))
    [description] = doc.xpath("//ProcessDescription", namespaces=NS)
    assert description.get("storeSupported") == "true" and description.get("statusSupported") == "true"
    inputs = {i.findtext("ows:Identifier", namespaces=NS): i for i in description.xpath("DataInputs/Input")}
    assert list(inputs) == ["wms", "lat", "lon", "method", "wms_url", "wms_version", "width", "height",
                            "bbox_size", "crs", "format", "bbox"]
    assert inputs["wms"].get("minOccurs") == "1"
    assert all(inputs[name].get("minOccurs") == "0" for name in inputs if name != "wms")

    def allowed(name):
        return inputs[name].xpath("LiteralData/ows:AllowedValues/ows:Value/text()", namespaces=NS)

    def value_range(name):
        [rng] = inputs[name].xpath("LiteralData/ows:AllowedValues/ows:Range", namespaces=NS)
        return (float(rng.findtext("ows:MinimumValue", namespaces=NS)),
                float(rng.findtext("ows:MaximumValue", namespaces=NS)), rng.get(f"{{{NS['ows']}}}rangeClosure"))

    def default(name):
        return inputs[name].findtext("LiteralData/DefaultValue")

    assert allowed("method") == list(METHODS) and default("method") == "sobel_x"
    assert allowed("wms_version") == ["1.1.1", "1.3.0"] and default("wms_version") == "1.1.1"
    assert allowed("format") == ["image/png", "image/jpeg"] and default("format") == "image/png"
    assert value_range("lat") == (-90, 90, "closed")
    assert value_range("lon") == (-180, 180, "closed")
    assert value_range("width") == (1, 2 ** 30, "closed") and default("width") == "512"
    assert value_range("height") == (1, 2 ** 30, "closed") and default("height") == "512"
    assert value_range("bbox_size") == (0, 360, "open-closed") and default("bbox_size") == "0.0005"
    assert default("crs") == "EPSG:4326"
    crss = inputs["bbox"].xpath("BoundingBoxData/Default/CRS/text()", namespaces=NS)
    assert crss == ["EPSG:4326"]

    [output] = description.xpath("ProcessOutputs/Output")
    assert output.findtext("ows:Identifier", namespaces=NS) == "image"
    formats = output.xpath("ComplexOutput/Supported/Format/MimeType/text()")
    assert formats == ["image/png", "image/tiff; subtype=geotiff"]
    assert output.findtext("ComplexOutput/Default/Format/MimeType") == "image/png"
    abstract = description.findtext("ows:Abstract", namespaces=NS)
    assert "bbox_size/2 degrees west and east of the centre" in abstract


def test_assert_response_success_on_a_rejected_request_is_false(service_client):
    response = service_client.get("?service=WPS&version=1.0.0&request=Execute&identifier=get_raster_process"
                                  "&DataInputs=wms=x;lat=95;lon=0")
    with pytest.raises(AssertionError):
        assert_response_success(response)
