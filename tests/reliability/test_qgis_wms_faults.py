"""A WMS that misbehaves, seen through the QGIS algorithm's in-process backend.

QGIS 3.22's WMS provider turns a failed GetMap into transparent pixels without an error, so
without the plugin's own check (``io.provider_read.GetMapCheck``) the algorithm would write an all-nodata
GeoTIFF. Each fault below must instead be a QgsProcessingException that names it, within QGIS's
network timeout, with no file left behind. The WMS are real loopback servers
(support/fault_wms.py) that relay GetCapabilities from the real QGIS Server fixture and fail
GetMap; the algorithm runs through QGIS Processing, in this thread and in a background task.
"""

from __future__ import annotations

import os
import time
import urllib.request
import zlib
from urllib.parse import urlencode

import numpy as np
import processing
import pytest
from plugin.conftest import read_geotiff, wms_layer
from qgis.core import (
    QgsApplication,
    QgsNetworkAccessManager,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProject,
)
from qgis.PyQt.QtCore import QCoreApplication
from support import fault_wms
from support.fault_wms import ClosedPort, FaultyWms, png, png_declaring, relay

from qgis_plugin.provider import WmsEdgeProvider
from sandbox.wms import CENTER_LAT, CENTER_LON, LAYER_4326

TIMEOUT_MS = 2000  # QGIS's network timeout during these tests
SIZE = 64  # the tile; its GetMap asks for SIZE + 2 pixels each way (the halo)


@pytest.fixture(scope="module")
def edge_tile_id(qgis_processing):
    """The algorithm's id, with the plugin's provider registered (unless tests/plugin's fixture already did)."""
    registry = QgsApplication.processingRegistry()
    provider = None
    if registry.providerById("wmsedge") is None:
        provider = WmsEdgeProvider()
        assert registry.addProvider(provider)
    yield "wmsedge:edge_tile"
    if provider is not None:
        registry.removeProvider(provider)


@pytest.fixture
def short_network_timeout():
    previous = QgsNetworkAccessManager.timeout()
    QgsNetworkAccessManager.setTimeout(TIMEOUT_MS)
    yield
    QgsNetworkAccessManager.setTimeout(previous)


@pytest.fixture
def project_layer():
    """``project_layer(url)``: a WMS layer of LAYER_4326 at ``url``, owned by the project while the test runs.

    QGIS's network cache is emptied first: a fault server may get the port (so the URLs) of an
    earlier one, and QGIS's WMS provider prefers cached answers.
    """
    QgsNetworkAccessManager.instance().cache().clear()
    added = []

    def make(url, image_format="image/png"):
        layer = wms_layer(url, LAYER_4326, "EPSG:4326", image_format)
        assert layer.isValid(), layer.error().summary()
        QgsProject.instance().addMapLayer(layer, False)
        added.append(layer.id())
        return layer

    yield make
    QgsProject.instance().removeMapLayers(added)


def parameters(layer, output):
    return {"INPUT": layer, "CENTER": f"{CENTER_LON!r},{CENTER_LAT!r} [EPSG:4326]", "WIDTH": SIZE, "HEIGHT": SIZE,
            "METHOD": 0, "BACKEND": 0, "OUTPUT": str(output)}


def service_exception(code, message):
    return (f'<?xml version="1.0"?><ServiceExceptionReport version="1.3.0"><ServiceException code="{code}">'
            f"{message}</ServiceException></ServiceExceptionReport>").encode()


def png_of_requested_size(*, cut: int | None = None, corrupt: bool = False):
    """A GetMap behaviour: a noisy PNG of the size asked for, cut after ``cut`` bytes, or with a
    damaged pixel stream (complete file, wrong checksum: only a decoder notices)."""
    def behaviour(connection, query, stop):
        body = png(int(query["WIDTH"]), int(query["HEIGHT"]), noise=True)
        if corrupt:
            start = body.index(b"IDAT") + 4
            length = int.from_bytes(body[start - 8:start - 4], "big")
            body = body[:start + 20] + bytes(b ^ 0xFF for b in body[start + 20:start + 40]) + body[start + 40:]
            stored_crc = int.from_bytes(body[start + length:start + length + 4], "big")
            assert length > 40 and zlib.crc32(body[start - 4:start + length]) != stored_crc
        fault_wms.answer(200, "image/png", body[:cut])(connection, query, stop)
    return behaviour


HALO_SIZE = f"{SIZE + 2} x {SIZE + 2}"
FAULTS = {
    # name: (GetMap behaviour, words the error must contain)
    "silent": (fault_wms.silence, f"did not answer the GetMap request within {TIMEOUT_MS / 1000:g} s"),
    "http-500": (fault_wms.answer(500, "text/plain", b"Internal error: the database is down"),
                 "HTTP 500 (Internal error: the database is down)"),
    "http-503-html": (fault_wms.answer(503, "text/html", b"<html><body><h1>Service Unavailable</h1></body></html>"),
                      "HTTP 503 (Service Unavailable)"),
    "http-500-service-exception": (fault_wms.answer(500, "text/xml", service_exception("NoApplicableCode", "crashed")),
                                   "exception: the WMS reported NoApplicableCode: crashed"),
    "service-exception-200": (fault_wms.answer(200, "application/vnd.ogc.se_xml",
                                               service_exception("LayerNotDefined", "no layer pattern_4326 here")),
                              "exception: the WMS reported LayerNotDefined: no layer pattern_4326 here"),
    "html-page-200": (fault_wms.answer(200, "text/html", b"<html><body><h1>Maintenance</h1> back soon</body></html>"),
                      "text/html instead of an image: Maintenance back soon"),
    "garbage-bytes": (fault_wms.answer(200, "image/png", os.urandom(4096).replace(b"<", b"?")),
                      "something that is not an image (4096 bytes starting with"),
    "empty-body": (fault_wms.answer(200, "image/png", b""), "something that is not an image (an empty body)"),
    "truncated-png": (png_of_requested_size(cut=300), "truncated PNG image"),
    "corrupt-png": (png_of_requested_size(corrupt=True), "QGIS reports: Returned image is flawed"),
    "wrong-size": (fault_wms.answer(200, "image/png", png(30, 30)), f"a 30 x 30 image instead of {HALO_SIZE}"),
    "bomb-beyond-pil-limit": (fault_wms.answer(200, "image/png", png_declaring(100_000, 100_000, bytes(1000))),
                              "an image far too large: Image size (10000000000 pixels) exceeds limit"),
    "bomb-below-pil-limit": (fault_wms.answer(200, "image/png", png_declaring(10_000, 10_000, bytes(1000))),
                             f"a 10000 x 10000 image instead of {HALO_SIZE}"),
}


def assert_no_output(folder):
    assert os.listdir(folder) == [], "the failed run left files behind"


def run_fault(edge_tile_id, layer, output):
    with pytest.raises(QgsProcessingException) as raised:
        processing.run(edge_tile_id, parameters(layer, output))
    return str(raised.value)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.timeout(60)
@pytest.mark.parametrize("fault", FAULTS)
def test_wms_fault_is_a_clear_error_and_leaves_no_file(edge_tile_id, wms_server, project_layer,
                                                       short_network_timeout, tmp_path, fault):
    behaviour, words = FAULTS[fault]
    with FaultyWms(relay(wms_server.url, behaviour)) as wms:
        error = run_fault(edge_tile_id, project_layer(wms.url), tmp_path / "edges.tif")
    assert any(query.get("REQUEST", "").lower() == "getmap" for query in wms.queries)
    assert error.startswith("Cannot read the layer: ") and words in error, error
    assert wms.url in error or fault == "corrupt-png"  # where (without the query string)
    assert_no_output(tmp_path)


@pytest.mark.timeout(60)
def test_refused_getmap_connection_is_a_clear_error(edge_tile_id, wms_server, project_layer, tmp_path):
    """The capabilities send GetMap to a port where nothing listens."""
    with ClosedPort() as closed, FaultyWms(relay(wms_server.url, getmap_url=closed.url)) as wms:
        error = run_fault(edge_tile_id, project_layer(wms.url), tmp_path / "edges.tif")
        expected = f"the GetMap request to the WMS at {closed.url} failed: Connection refused"
        # a refused connection may pass (a WMS restarting): tried again, 3 times, as the engine's WMS source does
        assert error.startswith("Cannot read the layer: block 0,0 (pixels 0..") and error.endswith(
            f" failed 4 times; last: {expected}"), error
    assert_no_output(tmp_path)


def test_healthy_wms_through_the_relay_gives_the_same_tile(edge_tile_id, wms_server, project_layer, tmp_path):
    """The check passes good answers: relayed GetMap equals the real WMS's, pixel for pixel."""
    with FaultyWms(relay(wms_server.url)) as wms:
        processing.run(edge_tile_id, parameters(project_layer(wms.url), tmp_path / "relayed.tif"))
    assert any(query.get("REQUEST", "").lower() == "getmap" for query in wms.queries)
    processing.run(edge_tile_id, parameters(project_layer(wms_server.url), tmp_path / "direct.tif"))
    relayed, direct = read_geotiff(tmp_path / "relayed.tif"), read_geotiff(tmp_path / "direct.tif")
    assert relayed[4] == (SIZE, SIZE) and np.isfinite(relayed[0]).all()
    np.testing.assert_array_equal(relayed[0], direct[0])
    assert relayed[1:3] == direct[1:3] and np.isnan(relayed[3]) and np.isnan(direct[3])


def cacheable_relayed_getmap(upstream):
    """A GetMap behaviour: the upstream's image, with headers that let QGIS cache it for an hour."""
    def behaviour(connection, query, stop):
        with urllib.request.urlopen(f"{upstream}?{urlencode(query)}", timeout=30) as response:
            body = response.read()
        fault_wms.answer(200, "image/png", body, {"Cache-Control": "max-age=3600"})(connection, query, stop)
    return behaviour


def test_getmap_answered_from_qgis_cache_passes_the_check(edge_tile_id, wms_server, project_layer, tmp_path):
    """QGIS's WMS provider prefers cached answers: the check reads those too."""
    with FaultyWms(relay(wms_server.url, cacheable_relayed_getmap(wms_server.url))) as wms:
        layer = project_layer(wms.url)
        processing.run(edge_tile_id, parameters(layer, tmp_path / "first.tif"))
        requests_sent = len(wms.queries)
        processing.run(edge_tile_id, parameters(layer, tmp_path / "cached.tif"))
        assert len(wms.queries) == requests_sent, "the second GetMap was not answered from QGIS's cache"
    np.testing.assert_array_equal(read_geotiff(tmp_path / "cached.tif")[0], read_geotiff(tmp_path / "first.tif")[0])


def relayed_getmap_cut(upstream, keep: int):
    """A GetMap behaviour: the upstream's image without its last bytes (``keep`` < 0)."""
    def behaviour(connection, query, stop):
        with urllib.request.urlopen(f"{upstream}?{urlencode(query)}", timeout=30) as response:
            content_type, body = response.headers["Content-Type"], response.read()
        fault_wms.answer(200, content_type, body[:keep])(connection, query, stop)
    return behaviour


@pytest.mark.timeout(60)
def test_jpeg_layer_healthy_and_truncated(edge_tile_id, wms_server, project_layer, tmp_path):
    """A JPEG WMS layer: QGIS Server's JPEG passes the check; the same JPEG cut short does not
    (Qt decodes a truncated JPEG without an error, filling the rest with gray)."""
    processing.run(edge_tile_id, parameters(project_layer(wms_server.url, "image/jpeg"), tmp_path / "jpeg.tif"))
    assert read_geotiff(tmp_path / "jpeg.tif")[4] == (SIZE, SIZE)
    with FaultyWms(relay(wms_server.url, relayed_getmap_cut(wms_server.url, -200))) as wms:
        error = run_fault(edge_tile_id, project_layer(wms.url, "image/jpeg"), tmp_path / "cut" / "edges.tif")
    assert error.endswith(f"the WMS at {wms.url} answered the GetMap request with a truncated JPEG image")
    assert not (tmp_path / "cut").exists() or os.listdir(tmp_path / "cut") == []


def run_in_task(edge_tile_id, layer, output):
    """Run as the toolbox does, in a QgsTask's worker thread: (ok, the feedback's error text)."""
    algorithm = QgsApplication.processingRegistry().createAlgorithmById(edge_tile_id)
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    errors = []

    class Feedback(QgsProcessingFeedback):
        def reportError(self, error, fatalError=False):  # noqa: N803 (QGIS signature)
            errors.append(error)

    feedback = Feedback()
    task = QgsProcessingAlgRunnerTask(algorithm, parameters(layer, output), context, feedback)
    finished = []
    task.executed.connect(lambda ok, results: finished.append(ok))
    QgsApplication.taskManager().addTask(task)
    deadline = time.monotonic() + 50
    while not finished and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    assert finished, "the task did not end"
    return finished[0], "\n".join(errors)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fault", ["silent", "wrong-size", "service-exception-200"])
def test_wms_fault_in_a_background_task(edge_tile_id, wms_server, project_layer, short_network_timeout, tmp_path,
                                        fault):
    """The toolbox path: the read runs in a worker thread, whose own network manager is watched."""
    behaviour, words = FAULTS[fault]
    with FaultyWms(relay(wms_server.url, behaviour)) as wms:
        ok, error = run_in_task(edge_tile_id, project_layer(wms.url), tmp_path / "edges.tif")
    assert not ok
    assert "Cannot read the layer: " in error and words in error, error
    assert_no_output(tmp_path)


def test_healthy_wms_in_a_background_task(edge_tile_id, wms_server, project_layer, tmp_path):
    ok, error = run_in_task(edge_tile_id, project_layer(wms_server.url), tmp_path / "edges.tif")
    assert ok, error
    assert read_geotiff(tmp_path / "edges.tif")[4] == (SIZE, SIZE)
