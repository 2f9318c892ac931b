"""Soak: 2,000 mixed requests from 8 concurrent clients against our WPS under a real gunicorn.

The WMS is the real QGIS Server fixture. About 60% of the requests are valid Execute requests
(random points of the pattern raster, random sizes and methods; raw PNG, raw GeoTIFF, GeoTIFF by
reference); the others are bad in one of the ways SECURITY.md lists, each with its expected OWS
exception. Afterwards:

* no answer was a 5xx, every answer was the one expected (valid: size and georeferencing of
  every image, pixels of one in ten against the engine on the same WMS pixels; invalid: HTTP
  status, exceptionCode and locator);
* the working folder is empty and the output folder holds only the outputs returned by reference;
* the gunicorn workers are the same processes, their open file descriptors at most
  ``FD_TOLERANCE`` above and their RSS at most ``RSS_TOLERANCE_MB`` above what they were after
  a warm-up round of every kind of request (what a worker caches once is not a leak).
"""

from __future__ import annotations

import io
import os
import random
import threading
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np
import psutil
import pytest
import rasterio
import requests
from PIL import Image
from rasterio.transform import Affine
from server.helpers import engine_result, execute_xml, tutorial_grid

from sandbox.wms import LAYER_4326, RASTERS
from sandbox.wps import WpsServer
from wmsedge_engine.filters import METHODS
from wmsedge_engine.render import display_bytes

from .owsreport import exception_of

REQUESTS = 2000
WARMUP_ROUNDS = 3  # of every kind, before the resources are measured
CLIENTS = 8
PIXEL_CHECK_EVERY = 10  # valid answers whose pixels are compared with the engine: one in ten
FD_TOLERANCE = 5
RSS_TOLERANCE_MB = 30
BBOX_SIZE = 0.0005  # the server's default tile extent, in degrees
MAX_REQUEST_BYTES = 1024 * 1024  # the repository's pywps.cfg: maxrequestsize = 1mb
GEOTIFF = "image/tiff; subtype=geotiff"
WPS_NS = "{http://www.opengis.net/wps/1.0.0}"


@dataclass
class Request:
    kind: str
    method: str = "POST"
    body: object = None  # bytes, or a function returning an iterator (a chunked body)
    query: str = ""
    expect: tuple = ()  # invalid: (HTTP status, exceptionCode, locator)
    grid: object = None  # valid: the tile asked for
    edge_method: str = ""
    check_pixels: bool = False


@dataclass
class Outcome:
    failures: list = field(default_factory=list)
    server_errors: list = field(default_factory=list)
    pixel_checks: list = field(default_factory=list)  # (request, decoded image)
    references: list = field(default_factory=list)  # URL paths of outputs returned by reference
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, request, text):
        with self.lock:
            self.failures.append(f"{request.kind}: {text}")


def valid(kind, rng, check_pixels):
    bounds = RASTERS[LAYER_4326].bounds
    lon = rng.uniform(bounds[0] + 2 * BBOX_SIZE, bounds[2] - 2 * BBOX_SIZE)
    lat = rng.uniform(bounds[1] + 2 * BBOX_SIZE, bounds[3] - 2 * BBOX_SIZE)
    width, height = rng.randint(8, 96), rng.randint(8, 96)
    method = rng.choice(METHODS)
    inputs = {"wms": LAYER_4326, "lat": repr(lat), "lon": repr(lon), "width": width, "height": height,
              "method": method}
    grid = tutorial_grid(lon, lat, BBOX_SIZE, width, height)
    request = Request(kind, grid=grid, edge_method=method, check_pixels=check_pixels)
    if kind == "png":
        request.body = execute_xml(inputs, mime_type="image/png").encode()
    elif kind == "geotiff":
        request.body = execute_xml(inputs, mime_type=GEOTIFF).encode()
    else:  # a GET with the output by reference
        data_inputs = ";".join(f"{key}={value}" for key, value in inputs.items())
        request.method = "GET"
        request.query = (f"?service=WPS&version=1.0.0&request=Execute&identifier=get_raster_process"
                         f"&DataInputs={data_inputs}&ResponseDocument=image@asReference=true@mimeType={GEOTIFF}")
    return request


def oversize_chunks():
    """A chunked body (no Content-Length) just over the request size limit."""
    piece = b"<x>" + b"a" * 8185 + b"</x>"
    for _ in range(MAX_REQUEST_BYTES // len(piece) + 4):
        yield piece


GOOD = {"wms": LAYER_4326, "lat": "45.554", "lon": "-73.4935", "width": "16", "height": "16"}
XXE = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
INVALID = {
    # kind: (how to build it, expected (HTTP status, exceptionCode, locator))
    "nan": (lambda: Request("nan", body=execute_xml({**GOOD, "lat": "NaN"}).encode()),
            (400, "InvalidParameterValue", "lat")),
    "huge-size": (lambda: Request("huge-size", body=execute_xml({**GOOD, "width": "100000000"}).encode()),
                  (400, "InvalidParameterValue", "width")),
    "unknown-method": (lambda: Request("unknown-method", body=execute_xml({**GOOD, "method": "laplace"}).encode()),
                       (400, "InvalidParameterValue", "method")),
    "missing-input": (lambda: Request("missing-input", body=execute_xml({"lat": "45.5", "lon": "-73.5"}).encode()),
                      (400, "MissingParameterValue", "wms")),
    "malformed-xml": (lambda: Request("malformed-xml", body=execute_xml(GOOD).encode()[:-40]),
                      (400, "NoApplicableCode", "")),
    "xxe": (lambda: Request("xxe", body=execute_xml({**GOOD, "wms": "&e;"}, prolog=XXE).encode()),
            (400, "NoApplicableCode", "")),
    "oversize-chunked": (lambda: Request("oversize-chunked", body=oversize_chunks),
                         (400, "FileSizeExceeded", "")),
    "unknown-layer": (lambda: Request("unknown-layer", body=execute_xml({**GOOD, "wms": "no_such_layer"}).encode()),
                      (400, "InvalidParameterValue", "wms")),
    "unknown-process": (lambda: Request("unknown-process", method="GET",
                                        query="?service=WPS&version=1.0.0&request=Execute&identifier=nope"
                                              "&DataInputs=wms=x"),
                        (400, "InvalidParameterValue", "Identifier")),
    "unknown-operation": (lambda: Request("unknown-operation", method="GET",
                                          query="?service=WPS&version=1.0.0&request=Dance"),
                          (400, "OperationNotSupported", "Dance")),
}
VALID = ("png", "geotiff", "reference")


def build(kind, rng, index):
    if kind in VALID:
        return valid(kind, rng, check_pixels=index % PIXEL_CHECK_EVERY == 0)
    make, expect = INVALID[kind]
    request = make()
    request.expect = expect
    return request


def request_list(count, seed):
    """``count`` requests, 60% valid, the rest spread over the invalid kinds, shuffled."""
    rng = random.Random(seed)
    kinds = [VALID[index % len(VALID)] for index in range(count * 6 // 10)]
    kinds += [list(INVALID)[index % len(INVALID)] for index in range(count - len(kinds))]
    rng.shuffle(kinds)
    return [build(kind, rng, index) for index, kind in enumerate(kinds)]


def send(session, server, request):
    if request.method == "GET":
        return session.get(server.url + request.query, timeout=60)
    body = request.body() if callable(request.body) else request.body
    return session.post(server.url, data=body, headers={"Content-Type": "text/xml"}, timeout=60)


def check(session, request, response, outcome):
    if response.status_code >= 500:
        with outcome.lock:
            outcome.server_errors.append(f"{request.kind}: HTTP {response.status_code} {response.content[:300]!r}")
        return
    if request.expect:
        try:
            status, code, locator, _ = exception_of(response.status_code, response.content)
        except (AssertionError, ElementTree.ParseError, ValueError) as exc:
            outcome.fail(request, f"not an ExceptionReport ({exc!s:.200})")
            return
        if (status, code, locator or "") != request.expect:
            outcome.fail(request, f"{(status, code, locator)} instead of {request.expect}")
        return
    if response.status_code != 200:
        outcome.fail(request, f"HTTP {response.status_code}: {response.content[:300]!r}")
        return
    grid = request.grid
    if request.kind == "png":
        image = Image.open(io.BytesIO(response.content))
        if (image.format, image.size) != ("PNG", (grid.width, grid.height)):
            outcome.fail(request, f"{image.format} {image.size} instead of a {grid.width} x {grid.height} PNG")
            return
        decoded = np.asarray(image)
    else:
        content = response.content
        if request.kind == "reference":
            href = ElementTree.fromstring(content).find(f".//{WPS_NS}Reference").get("href")
            with outcome.lock:
                outcome.references.append(urlsplit(href).path)
            content = session.get(href, timeout=60).content
        decoded = geotiff_problem_or_array(content, grid)
        if isinstance(decoded, str):
            outcome.fail(request, decoded)
            return
    if request.check_pixels:
        with outcome.lock:
            outcome.pixel_checks.append((request, decoded))


def geotiff_problem_or_array(content, grid):
    with rasterio.MemoryFile(content) as memory, memory.open() as dataset:
        found = (dataset.width, dataset.height, dataset.dtypes[0], dataset.crs.to_epsg(), dataset.transform)
        expected = (grid.width, grid.height, "float32", 4326, Affine.from_gdal(*grid.geotransform()))
        return dataset.read(1) if found == expected else f"GeoTIFF {found} instead of {expected}"


def run_clients(server, requests_to_send, outcome):
    """Send the requests from CLIENTS threads, each with its own session, as fast as they are answered."""
    pending = iter(requests_to_send)
    lock = threading.Lock()

    def client():
        with requests.Session() as session:
            while True:
                with lock:
                    request = next(pending, None)
                if request is None:
                    return
                try:
                    check(session, request, send(session, server, request), outcome)
                except requests.RequestException as exc:
                    outcome.fail(request, f"no answer: {exc!s:.300}")

    threads = [threading.Thread(target=client, name=f"soak-client-{index}") for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def workers(server):
    """{pid: (open file descriptors, RSS in bytes)} of the gunicorn workers."""
    master = psutil.Process(server.process.pid)
    return {child.pid: (child.num_fds(), child.memory_info().rss) for child in master.children()}


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _, names in os.walk(folder) for name in names)


@pytest.fixture(scope="module")
def soak_server(wms_server, tmp_path_factory):
    server = WpsServer(tmp_path_factory.mktemp("soak"), wms_server.url, workers=2).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_soak_mixed_requests_from_eight_clients(soak_server, wms_server):
    kinds = [*VALID, *INVALID]
    warmup = request_list(len(kinds) * WARMUP_ROUNDS * 2, seed=1)
    run_clients(soak_server, warmup, Outcome())
    before = workers(soak_server)
    assert len(before) == 2

    outcome = Outcome()
    soak = request_list(REQUESTS, seed=2)
    run_clients(soak_server, soak, outcome)
    after = workers(soak_server)

    assert outcome.server_errors == []
    assert outcome.failures == []
    assert len(outcome.pixel_checks) >= REQUESTS * 6 // 10 // PIXEL_CHECK_EVERY - len(VALID)
    for request, decoded in outcome.pixel_checks:
        expected, _ = engine_result(wms_server.url, LAYER_4326, request.grid, "EPSG:4326", request.edge_method)
        if request.kind == "png":
            expected = display_bytes(expected, request.edge_method)
        np.testing.assert_array_equal(decoded, expected, err_msg=f"{request.kind} {request.grid}")

    workdir, outputs = soak_server.workdir / "workdir", soak_server.workdir / "outputs"
    assert files_under(workdir) == []
    references = sorted(os.path.relpath(path, "/outputs/") for path in outcome.references)
    assert len(references) == sum(request.kind == "reference" for request in soak)
    assert set(references) <= set(files_under(outputs))
    status_documents = [name for name in files_under(outputs) if "/" not in name and name.endswith(".xml")]
    warmup_outputs = [name for name in files_under(outputs) if name not in references
                      and name not in status_documents]
    assert len(warmup_outputs) == sum(request.kind == "reference" for request in warmup)
    assert all(name.endswith("/edges.tif") for name in warmup_outputs)

    assert after.keys() == before.keys(), "a gunicorn worker died or was replaced during the soak"
    for pid, (fds, rss) in after.items():
        fds_before, rss_before = before[pid]
        assert fds <= fds_before + FD_TOLERANCE, f"worker {pid}: {fds_before} -> {fds} open files"
        assert rss <= rss_before + RSS_TOLERANCE_MB * 2**20, \
            f"worker {pid}: RSS {rss_before / 2**20:.1f} -> {rss / 2**20:.1f} MiB"
