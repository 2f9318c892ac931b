"""What the WPS fetches on a client's behalf: only allowed WMS endpoints, redirects only within
them, never another scheme, bodies capped in bytes and images in pixels before they are decoded.

Already covered elsewhere: the allow-list parser on its own (tests/server/test_allowed_urls.py:
schemes, ports, path boundary, dot segments, credentials, fragments, queries), a file: wms_url
and dot segments through the WPS (tests/server/test_input_errors.py), a redirect to a WMS not in
the allow-list (tests/server/test_wms_errors.py), the client's byte and pixel caps
(tests/engine/test_wms_client.py). These are the cases tried through the WPS, end to end.
"""

from __future__ import annotations

import pytest
from pywps.tests import client_for
from server.helpers import leftover_files
from support import fault_wms
from support.fault_wms import FaultyWms, image_of_requested_size, png_declaring

from sandbox.wms import CENTER_LAT, CENTER_LON

from .owsreport import exception_of

TILE = f"lat={CENTER_LAT};lon={CENTER_LON};width=8;height=8"
HALO_PIXELS = 10 * 10  # the server's pixel cap for an 8 x 8 tile fetched with its halo
BYTE_CAP = 64 * 1024 * 1024  # the WMS client's default byte cap


def execute(app, layer="layer", wms_url=None):
    extra = f";wms_url={wms_url}" if wms_url else ""
    response = client_for(app).get("/wps?service=WPS&version=1.0.0&request=Execute&identifier=get_raster_process"
                                   f"&DataInputs=wms={layer};{TILE}{extra}&RawDataOutput=image")
    return response.status_code, response.data


@pytest.fixture
def good_wms():
    with FaultyWms(image_of_requested_size) as wms:
        yield wms


@pytest.mark.parametrize("variant", [
    "http://{host}:{port}@evil.invalid/ows/",  # the allowed host as userinfo; the real host is evil.invalid
    "http://{host}:{port}\\@evil.invalid/ows/",
    "http://evil.invalid@{host}:{port}/ows/",  # credentials, even toward the right host
    "http://{host}:{port}/ows-evil/",  # a path that only starts like the allowed one
    "http://{host}:{port}/owsevil",
    "http://{host}:{port}/",
    "https://{host}:{port}/ows/",
    "ftp://{host}:{port}/ows/",
    "file://{host}/etc/passwd",
    "gopher://{host}:{port}/ows/",
])
def test_urls_that_only_look_allowed_are_refused_before_any_request(make_app, good_wms, variant):
    app = make_app(good_wms.url)  # allowed: http://127.0.0.1:PORT/ows/ only
    host, port = "127.0.0.1", good_wms.url.split(":")[2].split("/")[0]
    wms_url = variant.format(host=host, port=port).replace("\\", "%5C").replace("@", "%40")
    status, code, locator, text = exception_of(*execute(app, wms_url=wms_url))
    assert (status, code, locator) == (400, "InvalidParameterValue", "wms_url"), text
    assert good_wms.queries == []


def test_a_url_below_the_allowed_path_is_fetched(make_app, good_wms):
    app = make_app(good_wms.url)
    status, data = execute(app, wms_url=good_wms.url + "sub/path")
    assert status == 200 and data.startswith(b"\x89PNG")
    assert len(good_wms.queries) == 1


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/ows/", "/admin?x=1",
                                      "http://evil.invalid/ows/", "http://127.0.0.1:1/ows/"])
def test_redirects_leaving_the_allow_list_are_not_followed(make_app, location):
    with FaultyWms(fault_wms.answer(302, "text/plain", b"", {"Location": location})) as wms:
        app = make_app(wms.url)
        status, code, locator, text = exception_of(*execute(app))
        assert len(wms.queries) == 1  # the redirect to /admin on the same server was not followed either
    assert (status, code, locator) == (400, "InvalidParameterValue", "wms_url"), text
    assert "must use http or https" in text or "not in the list of allowed WMS endpoints" in text
    assert leftover_files() == []


def test_a_declared_body_over_the_byte_cap_is_refused_unread(make_app):
    def huge(connection, query, stop):
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n" % (BYTE_CAP + 1))
        stop.wait(30)

    with FaultyWms(huge) as wms:
        app = make_app(wms.url)
        status, code, locator, text = exception_of(*execute(app))
    assert (status, code) == (502, "NoApplicableCode")
    assert f"exceeds the limit of {BYTE_CAP} bytes" in text
    assert leftover_files() == []


def test_an_endless_chunked_body_is_cut_at_the_byte_cap(make_app):
    def endless(connection, query, stop):
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n")
        piece = b"%x\r\n%s\r\n" % (1 << 20, b"\0" * (1 << 20))
        while not stop.is_set():
            connection.sendall(piece)

    with FaultyWms(endless) as wms:
        app = make_app(wms.url, wms_extra="timeout = 20\n")
        status, code, locator, text = exception_of(*execute(app))
    assert (status, code) == (502, "NoApplicableCode")
    assert f"exceeds the limit of {BYTE_CAP} bytes" in text


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("side", [100_000, 10_000], ids=["beyond-pil-limit", "below-pil-limit"])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(make_app, side):
    """A 200-byte PNG declaring 10**10 (or 10**8) pixels: refused from its header, never decoded.
    PIL refuses the first itself (DecompressionBombError), the second only with a warning."""
    bomb = png_declaring(side, side, b"\0" * 1000)
    assert len(bomb) < 200
    with FaultyWms(fault_wms.answer(200, "image/png", bomb)) as wms:
        app = make_app(wms.url)
        status, code, locator, text = exception_of(*execute(app))
    assert (status, code) == (502, "NoApplicableCode"), text
    assert f"exceeds the limit of {HALO_PIXELS} pixels" in text
    assert leftover_files() == []
