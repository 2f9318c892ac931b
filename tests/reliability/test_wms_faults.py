"""A WMS that misbehaves, seen through the WPS: each fault is a clear OWS exception, within the
timeout, and no file is left behind. The WMS are real loopback servers (support/fault_wms.py).

tests/server/test_wms_errors.py already covers: nothing listening (502), a server that never
answers (504), an HTML page, PNG-looking garbage, a wrong-size image, HTTP 500, an unknown layer
(InvalidParameterValue wms) and a redirect outside the allow-list. These are the other faults.
"""

from __future__ import annotations

import os

import pytest
from pywps.tests import client_for
from server.helpers import leftover_files
from support import fault_wms
from support.fault_wms import FaultyWms, png

from sandbox.wms import CENTER_LAT, CENTER_LON, LAYER_4326

from .owsreport import exception_of

TIMEOUT = 2  # the [wms] timeout of these servers, in seconds
HALO = 10  # an 8 x 8 tile is fetched as 10 x 10


def service_exception(code, message):
    return (f'<?xml version="1.0"?><ServiceExceptionReport version="1.1.1"><ServiceException code="{code}">'
            f"{message}</ServiceException></ServiceExceptionReport>").encode()


def cut_off(connection, query, stop):
    """Announces 10,000 bytes of PNG, sends 100, closes."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 10000\r\n\r\n"
                       + png(HALO, HALO)[:100])


def trickle_chunked(connection, query, stop):
    fault_wms.trickle(connection, query, stop, chunked=True)


FAULTS = {
    # name: (behaviour, HTTP status, exceptionCode, locator, words of the message)
    "service-exception-200": (fault_wms.answer(200, "application/vnd.ogc.se_xml",
                                               service_exception("OperationNotSupported", "GetMap is switched off")),
                              502, "NoApplicableCode", "", "OperationNotSupported: GetMap is switched off"),
    "invalid-crs-200": (fault_wms.answer(200, "text/xml", service_exception("InvalidSRS", "no EPSG:4326 here")),
                        400, "InvalidParameterValue", "crs", "InvalidSRS: no EPSG:4326 here"),
    "random-bytes": (fault_wms.answer(200, "image/png", os.urandom(4096).replace(b"<", b"?")),
                     502, "NoApplicableCode", "", "not an image (4096 bytes starting with"),
    "octet-stream": (fault_wms.answer(200, "application/octet-stream", b"\x00\x01\x02" * 100),
                     502, "NoApplicableCode", "", "not an image"),
    "empty-200": (fault_wms.answer(200, "image/png", b""), 502, "NoApplicableCode", "", "an empty body"),
    "truncated-png": (fault_wms.answer(200, "image/png", png(HALO, HALO, noise=True)[:80]),
                      502, "NoApplicableCode", "", "truncated or corrupt"),
    "cut-off-connection": (cut_off, 502, "NoApplicableCode", "", "was cut off"),
    "slowloris": (fault_wms.trickle, 504, "NoApplicableCode", "", f"did not finish answering within {TIMEOUT} s"),
    "slowloris-chunked": (trickle_chunked, 504, "NoApplicableCode", "",
                          f"did not finish answering within {TIMEOUT} s"),
    "silent": (fault_wms.silence, 504, "NoApplicableCode", "", f"did not answer within {TIMEOUT} s"),
    "http-503-html": (fault_wms.answer(503, "text/html", b"<html><body>Service Unavailable</body></html>"),
                      502, "NoApplicableCode", "", "HTTP 503"),
}


SLOW = {"slowloris", "slowloris-chunked", "silent"}  # each takes the whole timeout: tried once
FORMS = {"raw": "&RawDataOutput=image", "reference": "&ResponseDocument=image@asReference=true"}
CASES = [(fault, form) for fault in FAULTS for form in FORMS if fault not in SLOW or form == "reference"]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("fault", "form"), CASES, ids=[f"{fault}-{form}" for fault, form in CASES])
def test_wms_fault_is_a_clear_ows_exception_and_leaves_no_file(make_app, fault, form):
    behaviour, status, code, locator, words = FAULTS[fault]
    with FaultyWms(behaviour) as wms:
        app = make_app(wms.url, wms_extra=f"timeout = {TIMEOUT}\n")
        response = client_for(app).get(
            "/wps?service=WPS&version=1.0.0&request=Execute&identifier=get_raster_process"
            f"&DataInputs=wms={LAYER_4326};lat={CENTER_LAT};lon={CENTER_LON};width=8;height=8{FORMS[form]}")
        report = exception_of(response.status_code, response.data)
        assert len(wms.queries) == 1 and wms.queries[0]["WIDTH"] == str(HALO)
    assert report[:3] == (status, code, locator), report
    assert words in report[3]
    assert leftover_files() == []
