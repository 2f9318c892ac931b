"""Cancel interrupts a WMS read that would otherwise never end.

A loopback WMS answers GetCapabilities (relayed from the QGIS Server fixture)
but never answers GetMap. The algorithm runs in a background task, as from
the toolbox; once the GetMap request has arrived, the Processing feedback is
cancelled: the linked QgsRasterBlockFeedback must abort the request, and the
task end, cancelled, with no output. QGIS's network timeout is raised for the
test, so only the cancellation can end the read.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from qgis.core import (
    QgsApplication,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
    QgsRasterLayer,
    QgsSettings,
)
from qgis.PyQt.QtCore import QCoreApplication

from sandbox.wms import LAYER_3857

TIMEOUT_KEY = "qgis/networkAndProxy/networkTimeout"


class HangingGetMapWms:
    """GetCapabilities relayed from ``upstream``; GetMap requests are held open until ``close()``."""

    def __init__(self, upstream: str):
        self.getmap_arrived = threading.Event()
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                query = {key.lower(): values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}
                if query.get("request", "").lower() == "getmap":
                    owner.getmap_arrived.set()
                    owner.release.wait(300)
                    return
                with urllib.request.urlopen(upstream + "?" + urlsplit(self.path).query, timeout=30) as answer:
                    body, content_type = answer.read(), answer.headers.get("Content-Type", "text/xml")
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/ows/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hanging_wms(wms_server):
    server = HangingGetMapWms(wms_server.url)
    yield server
    server.close()


@pytest.fixture
def long_network_timeout():
    settings = QgsSettings()
    previous = settings.value(TIMEOUT_KEY)
    settings.setValue(TIMEOUT_KEY, 600000)
    yield
    if previous is None:
        settings.remove(TIMEOUT_KEY)
    else:
        settings.setValue(TIMEOUT_KEY, previous)


def process_events_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        QCoreApplication.processEvents()
        time.sleep(0.01)


def test_cancel_aborts_a_pending_wms_request(edge_tile_id, hanging_wms, add_layer, long_network_timeout, tmp_path):
    layer = add_layer(QgsRasterLayer(f"crs=EPSG:3857&format=image/png&layers={LAYER_3857}&styles=&IgnoreGetMapUrl=1"
                                     f"&url={hanging_wms.url}", LAYER_3857, "wms"))
    centre = layer.extent().center()
    output = tmp_path / "never.tif"
    algorithm = QgsApplication.processingRegistry().createAlgorithmById(edge_tile_id)
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    parameters = {"INPUT": layer, "CENTER": f"{centre.x()!r},{centre.y()!r} [EPSG:3857]", "WIDTH": 64,
                  "HEIGHT": 64, "PIXEL_SIZE": 1.0, "OUTPUT": str(output)}
    task = QgsProcessingAlgRunnerTask(algorithm, parameters, context, feedback)
    finished = []
    task.executed.connect(lambda ok, results: finished.append(ok))
    QgsApplication.taskManager().addTask(task)

    process_events_until(hanging_wms.getmap_arrived.is_set, 60)
    feedback.cancel()
    process_events_until(lambda: finished, 120)

    assert finished == [False]
    assert os.listdir(tmp_path) == []
