"""When the WMS fails: the right OWS exception, a clear message, within the timeout, no files left."""

from __future__ import annotations

import io

import numpy as np
import pytest
from lxml import etree
from PIL import Image
from pywps.tests import client_for
from support.fault_wms import FaultyWms, answer

from sandbox.wms import CENTER_LAT, CENTER_LON, LAYER_4326

from .helpers import leftover_files

NS = {"ows": "http://www.opengis.net/ows/1.1"}
TILE = f"lat={CENTER_LAT};lon={CENTER_LON}"


def execute(client, data_inputs, response_form="&RawDataOutput=image"):
    return client.get("/wps?service=WPS&version=1.0.0&request=Execute&identifier=get_raster_process"
                      f"&DataInputs={data_inputs}{response_form}")


def exception_of(response):
    doc = etree.fromstring(response.data)
    assert etree.QName(doc).localname == "ExceptionReport", response.data[:2000]
    [exception] = doc.xpath("ows:Exception", namespaces=NS)
    return (response.status_code, exception.get("exceptionCode"), exception.get("locator"),
            exception.findtext("ows:ExceptionText", namespaces=NS))


@pytest.mark.parametrize("response_form", ["&RawDataOutput=image",
                                           "&ResponseDocument=image@asReference=true"])
def test_unknown_layer_is_invalid_parameter_value_of_wms(app, response_form):
    status, code, locator, text = exception_of(execute(client_for(app), f"wms=no_such_layer;{TILE}", response_form))
    assert (status, code, locator) == (400, "InvalidParameterValue", "wms")
    assert "LayerNotDefined" in text and "no_such_layer" in text
    assert leftover_files() == []


def test_unreachable_wms(make_app, closed_url):
    app = make_app(closed_url)
    status, code, locator, text = exception_of(execute(client_for(app), f"wms={LAYER_4326};{TILE}"))
    assert (status, code) == (502, "NoApplicableCode")
    assert "cannot be reached" in text and "connection refused" in text
    assert leftover_files() == []


def test_silent_wms_gives_up_after_the_timeout(make_app, silent_server):
    app = make_app(silent_server.url, wms_extra="timeout = 1\n")
    status, code, locator, text = exception_of(execute(client_for(app), f"wms={LAYER_4326};{TILE}"))
    assert (status, code) == (504, "NoApplicableCode")
    assert "did not answer within 1 s" in text
    assert leftover_files() == []


def _png(width, height):
    stream = io.BytesIO()
    Image.fromarray(np.zeros((height, width), np.uint8)).save(stream, format="PNG")
    return stream.getvalue()


@pytest.mark.parametrize(("status", "content_type", "body", "words"), [
    (200, "text/html", b"<html><body>Maintenance</body></html>", "html document instead of an image"),
    (200, "image/png", b"\x89PNG\r\n\x1a\n garbage", "not an image"),
    (200, "image/png", _png(512, 512), "512 x 512 image instead of 514 x 514"),
    (500, "text/plain", b"boom", "HTTP 500"),
])
def test_wms_answering_something_else_than_the_image(make_app, status, content_type, body, words):
    with FaultyWms(answer(status, content_type, body)) as wms:
        app = make_app(wms.url)
        got_status, code, locator, text = exception_of(execute(client_for(app), f"wms={LAYER_4326};{TILE}"))
    assert (got_status, code) == (502, "NoApplicableCode")
    assert words in text
    assert leftover_files() == []


def test_redirect_outside_the_allow_list_is_refused(make_app, wms_server):
    """A WMS that redirects to an endpoint not in the allow-list (here the real WMS): refused."""
    with FaultyWms(answer(302, "text/plain", b"", {"Location": wms_server.url})) as redirecting:
        app = make_app(redirecting.url)
        status, code, locator, text = exception_of(execute(client_for(app), f"wms={LAYER_4326};{TILE}"))
    assert (status, code, locator) == (400, "InvalidParameterValue", "wms_url")
    assert "not in the list of allowed WMS endpoints" in text
    assert leftover_files() == []
