"""Hostile requests to the WPS itself: bodies without a length, XML entities, absurd values, names
that look like paths or shell commands. Each gets an OWS ExceptionReport naming the problem, never
HTTP 500; and no input text becomes a file name.

tests/server/test_input_errors.py already covers the ordinary bad values (out-of-range lat/lon,
NaN lat, unknown method/format/CRS, width 0 or 4097, a newline or 300 characters in the layer
name, file: wms_url...); these are the cases it does not try.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import quote

import pytest
from pywps.tests import client_for
from server.helpers import execute_xml
from support.fault_wms import FaultyWms, image_of_requested_size

from sandbox.wms import CENTER_LAT, CENTER_LON
from sandbox.wps import WpsServer

from .owsreport import exception_of

GOOD = {"wms": "layer", "lat": str(CENTER_LAT), "lon": str(CENTER_LON), "width": "8", "height": "8"}
MAX_REQUEST_SIZE = 64 * 1024  # the gunicorn server's maxrequestsize (64k)
DTD_REFUSED = "document type declaration"


@pytest.fixture(scope="module")
def good_wms():
    """A WMS that answers every GetMap with a gray PNG of the size asked for."""
    with FaultyWms(image_of_requested_size) as wms:
        yield wms


@pytest.fixture(scope="module")
def gunicorn(good_wms, tmp_path_factory):
    """Our app under a real gunicorn (which passes chunked bodies on without a Content-Length)."""
    server = WpsServer(tmp_path_factory.mktemp("inbound") / "server", good_wms.url, workers=1,
                       server_extra="maxrequestsize = 64k\n")
    with server:
        yield server


def http_post(port, body: bytes, *, chunked: bool) -> tuple:
    """(status, body) of a POST to /wps; with ``chunked`` the body goes in 4 KiB chunks, with no length.

    The server may answer before it has read everything (an over-size body): sending stops
    at the first error, and the answer is read all the same.
    """
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = f"POST /wps HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n{framing}\r\n\r\n".encode()
    pieces = [body[i:i + 4096] for i in range(0, len(body), 4096)]
    wire = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n" if chunked else body
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        try:
            connection.sendall(head)
            for start in range(0, len(wire), 4096):
                connection.sendall(wire[start:start + 4096])
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        while True:
            try:
                data = connection.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            answer += data
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1."), answer[:500]
    if b"transfer-encoding: chunked" in head.lower():
        payload = _dechunk(payload)
    return int(head.split()[1]), payload


def _dechunk(data):
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2:]
    return out


def test_chunked_post_is_answered_like_a_sized_one(gunicorn):
    body = execute_xml(GOOD).encode()
    sized = http_post(gunicorn.port, body, chunked=False)
    chunked = http_post(gunicorn.port, body, chunked=True)
    assert sized[0] == 200 and sized[1].startswith(b"\x89PNG")
    assert chunked == sized


def test_chunked_post_over_the_limit_gets_file_size_exceeded_like_a_sized_one(gunicorn):
    """PyWPS answers HTTP 500 to a chunked body; ours gets PyWPS's own answer to an over-size body."""
    padding = "<!-- " + "x" * (2 * MAX_REQUEST_SIZE) + " -->"
    body = execute_xml(GOOD, prolog=padding).encode()
    sized = exception_of(*http_post(gunicorn.port, body, chunked=False))
    chunked = exception_of(*http_post(gunicorn.port, body, chunked=True))
    assert sized[:2] == (400, "FileSizeExceeded") and "0.0625 megabytes" in sized[3]
    assert chunked == sized


def test_chunked_post_just_under_the_limit_is_read(gunicorn):
    body = execute_xml(GOOD).encode()
    body = body.replace(b"?>", b"?><!--" + b"x" * (MAX_REQUEST_SIZE - len(body) - 7) + b"-->", 1)
    assert len(body) == MAX_REQUEST_SIZE
    status, payload = http_post(gunicorn.port, body, chunked=True)
    assert status == 200 and payload.startswith(b"\x89PNG")


@pytest.fixture
def app(make_app, good_wms):
    good_wms.queries.clear()
    return make_app(good_wms.url)


def post(app, body, content_type="text/xml"):
    response = client_for(app).post("/wps", data=body, content_type=content_type)
    return response.status_code, response.data


# lol9 expands to 10**9 "lol"s.
BILLION_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
                  + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)) + "]>\n")


@pytest.mark.parametrize(("prolog", "layer"), [
    ('<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n', "&xxe;"),
    ('<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>\n', "layer"),
    (BILLION_LAUGHS, "&lol9;"),
    ('<!DOCTYPE x [<!ENTITY name "layer">]>\n', "&name;"),
], ids=["xxe-file", "external-dtd", "billion-laughs", "harmless-entity"])
def test_xml_with_entities_is_refused_before_anything_runs(app, good_wms, prolog, layer):
    status, code, locator, text = exception_of(*post(app, execute_xml({**GOOD, "wms": layer}, prolog=prolog)))
    assert (status, code) == (400, "NoApplicableCode")
    assert DTD_REFUSED in text
    assert good_wms.queries == []


def test_doctype_in_utf16_is_refused_too(app, good_wms):
    document = execute_xml({**GOOD, "wms": "&xxe;"}, prolog='<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    body = document.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    status, code, locator, text = exception_of(*post(app, body))
    assert (status, code) == (400, "NoApplicableCode") and DTD_REFUSED in text
    assert good_wms.queries == []


def test_json_bodies_are_not_searched_for_doctypes(app):
    """PyWPS reads JSON bodies with json.loads (no entities): '<!DOCTYPE' in one is just text."""
    status, data = post(app, b'{"identifier": "<!DOCTYPE x>"}', content_type="application/json")
    assert DTD_REFUSED.encode() not in data


# (input, value, words of the message): values tests/server/test_input_errors.py does not try.
ABSURD = [
    ("lat", "inf", "finite"),
    ("lat", "1e309", "finite"),
    ("lon", "9" * 5000, "finite"),
    ("width", str(10**12), "between 1 and 1073741824 pixels"),
    ("width", "-1", "between 1 and 1073741824 pixels"),
    ("width", "NaN", "not a valid integer"),
    ("height", "9" * 30, "between 1 and 1073741824 pixels"),
    ("bbox_size", "-1", "(0, 360]"),
    ("bbox_size", "inf", "(0, 360]"),
    ("bbox_size", "1e-300", "too small"),  # positive, but no extent at all around the centre
    ("crs", "E" * 5000, "not an EPSG code"),
    ("crs", "EPSG:-4326", "not an EPSG code"),
    ("method", "x" * 5000, "not supported"),
    ("wms_url", "http://" + "a" * 5000, "allowed_urls"),
    ("wms_url", "ftp://127.0.0.1/ows/", "allowed_urls"),
    ("wms", "a\x00b", "printable"),
    ("wms", "a\x1bb", "printable"),
    ("wms", "a\x7fb", "printable"),
    ("wms", "a\u202eb", "printable"),  # right-to-left override
    ("wms", "\ufeff", "printable"),  # a lone byte order mark
]


@pytest.mark.parametrize(("identifier", "value", "words"), ABSURD,
                         ids=[f"{c[0]}-{c[1][:12].encode('unicode_escape').decode()}" for c in ABSURD])
def test_absurd_values_are_invalid_parameter_values(app, good_wms, identifier, value, words):
    """Through GET KVP (the only encoding in which control characters can be sent at all)."""
    data_inputs = ";".join(f"{key}={quote(quote(text, safe=''), safe='')}"
                           for key, text in {**GOOD, identifier: value}.items())
    response = client_for(app).get("/wps?service=WPS&version=1.0.0&request=Execute"
                                   f"&identifier=get_raster_process&DataInputs={data_inputs}&RawDataOutput=image")
    status, code, locator, text = exception_of(response.status_code, response.data)
    assert (status, code, locator) == (400, "InvalidParameterValue", identifier), text
    assert words in text and len(text) < 400
    assert good_wms.queries == []


def test_empty_literal_data_for_the_layer_is_not_the_layer_none(app, good_wms):
    """PyWPS reads an empty <LiteralData/> as the text 'None'."""
    status, code, locator, text = exception_of(*post(app, execute_xml({**GOOD, "wms": ""})))
    assert (status, code, locator) == (400, "InvalidParameterValue", "wms"), text
    assert good_wms.queries == []


def _files(folder):
    return {os.path.join(root, name) for root, _, names in os.walk(folder) for name in names}


@pytest.mark.parametrize("layer", ["../../etc/passwd", "a;rm -rf /", "..\\..\\windows", "/tmp/x", "$(touch pwned)",
                                   "`id`", "a|b&c>d", "😀 ünïcødé"])
def test_layer_names_that_look_like_paths_or_commands_are_only_layer_names(app, good_wms, tmp_path, layer):
    """The layer name goes to the WMS as its LAYERS parameter, verbatim; every file the job
    writes is in its own output folder, under a name the server chose."""
    before = _files(tmp_path)
    cwd_before = set(os.listdir(os.getcwd()))
    document = execute_xml({**GOOD, "wms": layer.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")},
                           reference=True)
    status, data = post(app, document)
    assert status == 200 and b"ProcessSucceeded" in data, data[:2000]
    assert [q["LAYERS"] for q in good_wms.queries] == [layer]
    outputs = tmp_path / "server" / "outputs"
    database = str(tmp_path / "server" / "var" / "pywps-logs.sqlite")
    new = {path for path in _files(tmp_path) - before if not path.startswith(database)}
    job_files = {path for path in new if os.path.dirname(path) != str(outputs)}  # status documents aside
    assert job_files and all(os.path.dirname(path).startswith(str(outputs) + os.sep) for path in job_files)
    assert {os.path.basename(path) for path in job_files} <= {"edges.png", "edges.pgw", "edges.png.aux.xml"}
    assert set(os.listdir(os.getcwd())) == cwd_before
    assert not os.path.exists("pwned") and not (tmp_path / "pwned").exists()


def test_pywps_own_parser_does_not_expand_entities_either():
    """Beneath our refusal, PyWPS 4.8 parses with resolve_entities=False: no file is read."""
    from pywps import xml_util

    document = execute_xml({**GOOD, "wms": "&xxe;"}, prolog='<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    parsed = xml_util.tostring(xml_util.fromstring(document.encode()))
    assert b"root:" not in parsed and b"&xxe;" in parsed
