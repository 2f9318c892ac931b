"""The WPS client's output download: streamed to disk by QGIS's file downloader, whole or not at all.

The server is a loopback socket server (tests/support/fault_wms.py) that sends a large body, an
HTTP error, or a body that never ends; the client is the plugin's, in this QGIS.
"""

import threading

import numpy as np
import pytest
from qgis.core import QgsFeedback
from support.fault_wms import FaultyWms, answer, trickle

from qgis_plugin.wps.client import WpsClient
from qgis_plugin.wps.protocol import WpsCanceled, WpsHttpError


def test_a_large_output_arrives_whole(qgis_app, tmp_path):
    body = np.random.default_rng(7).integers(0, 256, 24 * 2**20, dtype=np.uint8).tobytes()  # 24 MiB
    with FaultyWms(answer(200, "image/tiff", body)) as server:
        WpsClient(server.url).download(server.url + "out.tif", str(tmp_path / "out.tif"))
    assert (tmp_path / "out.tif").read_bytes() == body
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tif"]


def test_an_http_error_leaves_nothing(qgis_app, tmp_path):
    with FaultyWms(answer(404, "text/html", b"<html>gone</html>")) as server:
        with pytest.raises(WpsHttpError, match="could not send the output"):
            WpsClient(server.url).download(server.url + "out.tif", str(tmp_path / "out.tif"))
    assert list(tmp_path.iterdir()) == []


def test_cancel_stops_a_download_that_never_ends(qgis_app, tmp_path):
    feedback = QgsFeedback()
    with FaultyWms(trickle) as server:
        timer = threading.Timer(0.5, feedback.cancel)
        timer.start()
        try:
            with pytest.raises(WpsCanceled):
                WpsClient(server.url, feedback=feedback).download(server.url + "out.tif", str(tmp_path / "out.tif"))
        finally:
            timer.cancel()
    assert list(tmp_path.iterdir()) == []
