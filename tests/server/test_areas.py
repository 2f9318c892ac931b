"""Areas through the WPS: blocks under the configured GetMap size, progress per block in the status
document, a valid COG by reference, equal to scipy's gradient of the stored raster (native grid);
and the limits of synchronous requests and PNG renderings (issue 13, GUIDE.md section 4).

The server runs under a real gunicorn; the client is OWSLib; the WMS is the real QGIS Server."""

from __future__ import annotations

import itertools
import re
import subprocess
import threading
import time
import urllib.request

import numpy as np
import pytest
import rasterio
from owslib.util import ServiceException
from owslib.wps import ASYNC, SYNC, BoundingBoxDataInput, WebProcessingService
from rasterio.io import MemoryFile
from support.fault_wms import FaultyWms, first_getmap_of_each_bbox_busy, relay
from support.owslib_jobs import follow
from support.reference import stored_gradient

from sandbox.wms import LAYER_3857, RASTERS
from sandbox.wps import WpsServer
from wmsedge_engine.filters import METHODS

GEOTIFF = "image/tiff; subtype=geotiff"
VALIDATOR = ["/usr/bin/python3", "-m", "osgeo_utils.samples.validate_cloud_optimized_geotiff"]
DEADLINE = 180.0
REQUEST_SIDE = 202  # GetMap side, halo included: blocks of 200 output pixels
SYNC_MAX = 200_000
# Source pixels [3, 604) x [2, 459) of the stored raster: 601 x 457 = 274,657 pixels, above SYNC_MAX;
# blocks of 200 leave a 1-pixel last column and a 57-pixel last row.
COLS, ROWS, COL0, ROW0 = 601, 457, 3, 2


@pytest.fixture(scope="module")
def area_server(wms_server, tmp_path_factory):
    server = WpsServer(tmp_path_factory.mktemp("areas") / "server", wms_server.url,
                       wms_extra=f"max_request_size = {REQUEST_SIDE}\nsync_max_pixels = {SYNC_MAX}\n").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def wps(area_server):
    return WebProcessingService(area_server.url, version="1.0.0", timeout=60)


def area_inputs(method):
    raster = RASTERS[LAYER_3857]
    xmin, ymin, xmax, ymax = raster.pixel_extent(COL0, ROW0, COLS, ROWS)
    return [("wms", LAYER_3857), ("method", method), ("width", str(COLS)), ("height", str(ROWS)),
            ("bbox", BoundingBoxDataInput([xmin, ymin, xmax, ymax], crs="EPSG:3857"))]


def run_async(wps, inputs, mime_type=GEOTIFF):
    execution = wps.execute("get_raster_process", inputs, output=[("image", True, mime_type)], mode=ASYNC)
    return execution, follow(execution, DEADLINE)


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_an_async_area_is_a_cog_equal_to_scipy_on_the_stored_raster(wps, method, tmp_path):
    execution, statuses = run_async(wps, area_inputs(method))
    assert execution.isSucceded(), [e.text for e in execution.errors]
    with urllib.request.urlopen(execution.processOutputs[0].reference, timeout=60) as answer:
        body = answer.read()
    with MemoryFile(body) as memory, memory.open() as dataset:
        assert (dataset.width, dataset.height, dataset.crs.to_epsg()) == (COLS, ROWS, 3857)
        xmin, _, _, ymax = RASTERS[LAYER_3857].pixel_extent(COL0, ROW0, COLS, ROWS)
        assert dataset.transform.to_gdal() == (xmin, 1.0, 0.0, ymax, 0.0, -1.0)
        values = dataset.read(1)
    expected = stored_gradient(LAYER_3857, method, COL0, ROW0, COLS, ROWS).astype(np.float32)
    assert np.array_equal(values, expected) if "magnitude" not in method else np.allclose(values, expected, rtol=1e-6)
    path = tmp_path / "area.tif"
    path.write_bytes(body)
    report = subprocess.run([*VALIDATOR, str(path)], capture_output=True, text=True)
    assert report.returncode == 0, report.stdout + report.stderr
    with rasterio.open(path) as dataset:
        assert dataset.block_shapes == [(512, 512)] and dataset.overviews(1) == [2]


def held_after(upstream, count, release):
    """A WMS in front of ``upstream`` that answers ``count`` GetMaps, then holds the others until
    ``release`` is set: the job is caught half-way, whatever the machine's speed."""
    answered, lock, good = itertools.count(1), threading.Lock(), relay(upstream)

    def getmap(connection, query, stop):
        with lock:
            number = next(answered)
        if number > count:
            release.wait(DEADLINE)
        good(connection, query, stop)
    return relay(upstream, getmap=getmap)


@pytest.mark.slow
def test_progress_is_reported_per_block(wms_server, tmp_path):
    release = threading.Event()
    with FaultyWms(held_after(wms_server.url, 6, release)) as held_wms:
        server = WpsServer(tmp_path / "held", held_wms.url,
                           wms_extra=f"max_request_size = {REQUEST_SIDE}\nsync_max_pixels = {SYNC_MAX}\n").start()
        try:
            wps = WebProcessingService(server.url, version="1.0.0", timeout=60)
            execution = wps.execute("get_raster_process", area_inputs("sobel_x"), output=[("image", True, GEOTIFF)],
                                    mode=ASYNC)
            statuses, deadline = [], time.monotonic() + DEADLINE
            while not any("blocks done" in (message or "") for _, message in statuses):
                assert time.monotonic() < deadline and not execution.isComplete(), statuses
                execution.checkStatus(sleepSecs=0.1)
                statuses.append((execution.percentCompleted, execution.statusMessage))
            release.set()
            while not execution.isComplete():
                assert time.monotonic() < deadline, statuses
                execution.checkStatus(sleepSecs=0.1)
                statuses.append((execution.percentCompleted, execution.statusMessage))
        finally:
            release.set()
            server.stop()
    assert execution.isSucceded(), [e.text for e in execution.errors]
    counts = [message for _, message in statuses if message and "blocks done" in message]
    assert all(re.fullmatch(r"([1-9]|1[0-2]) of 12 blocks done", m) for m in counts), statuses
    assert any(re.fullmatch(r"[1-6] of 12 blocks done", m) for m in counts), statuses  # caught half-way
    percents = [int(p) for p, _ in statuses if p is not None]
    assert percents == sorted(percents) and any(5 < percent < 90 for percent in percents), statuses


def test_a_synchronous_area_above_the_limit_is_refused_with_the_way_out(wps):
    with pytest.raises(ServiceException) as raised:
        wps.execute("get_raster_process", area_inputs("sobel_x"), output=[("image", True, GEOTIFF)], mode=SYNC)
    text = str(raised.value)
    assert "InvalidParameterValue" in text and "274657 pixels" in text
    assert "sync_max_pixels" in text and "asynchronous execution" in text


def test_a_png_area_above_the_limit_is_refused_even_asynchronously(wps):
    with pytest.raises(ServiceException) as raised:
        wps.execute("get_raster_process", area_inputs("sobel_x"), output=[("image", True, "image/png")], mode=ASYNC)
    assert "InvalidParameterValue" in str(raised.value) and f"ask for {GEOTIFF}" in str(raised.value)


def gradient_of(execution):
    with urllib.request.urlopen(execution.processOutputs[0].reference, timeout=60) as answer_:
        with MemoryFile(answer_.read()) as memory, memory.open() as dataset:
            return dataset.read(1)


@pytest.mark.slow
def test_an_async_area_over_a_busy_wms_is_retried_and_identical(wps, wms_server, tmp_path):
    clean, _ = run_async(wps, area_inputs("prewitt_y"))
    with FaultyWms(first_getmap_of_each_bbox_busy(wms_server.url)) as busy_wms:
        server = WpsServer(tmp_path / "busy", busy_wms.url,
                           wms_extra=f"max_request_size = {REQUEST_SIDE}\nsync_max_pixels = {SYNC_MAX}\n").start()
        try:
            faulty, _ = run_async(WebProcessingService(server.url, version="1.0.0", timeout=60),
                                  area_inputs("prewitt_y"))
            assert faulty.isSucceded(), [e.text for e in faulty.errors]
            faulty_gradient = gradient_of(faulty)
        finally:
            server.stop()
        getmaps = sum(1 for q in busy_wms.queries if q.get("REQUEST", "").lower() == "getmap")
    assert getmaps == 2 * 12
    assert np.array_equal(gradient_of(clean), faulty_gradient)
