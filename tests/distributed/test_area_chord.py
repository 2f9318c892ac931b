"""An area job as a Celery chord over two worker nodes, and what happens when parts of it fail.

The reference is the same area computed in this process by the engine's ``run_area`` (itself
checked against scipy on the stored raster in tests/engine/test_area_wms.py), and, once, scipy.
The WMS is the real QGIS Server of the session, at the pattern raster's native grid, behind a
relay that slows every GetMap so that faults land in the middle of a job.
"""

import os
import signal
import threading
import time
import uuid

import numpy as np
import psutil
import pytest
import rasterio
import scipy.ndimage as ndi
from support.fault_wms import FaultyWms, answer, relay

from sandbox.wms import LAYER_3857, RASTERS
from wmsedge_engine.area import area_grid, run_area
from wmsedge_engine.area.cog import CogSink
from wmsedge_engine.area.wms_source import WmsPixelSource
from wmsedge_engine.georef import Extent
from wmsedge_engine.wms import WmsClient
from wps_server.jobs.distributed.progress import FAILED, RUNNING, SUCCEEDED
from wps_server.jobs.distributed.spec import AreaJobSpec

pytestmark = [pytest.mark.slow, pytest.mark.distributed, pytest.mark.timeout(1200)]

LAYER, METHOD = LAYER_3857, "sobel_magnitude"
COL, ROW, COLS, ROWS = 3, 2, 301, 257
BLOCK = 100  # 3 rows x 4 columns of blocks, the last ones smaller
GETMAP_DELAY = 0.4


def area():
    raster = RASTERS[LAYER]
    return area_grid(Extent(*raster.pixel_extent(COL, ROW, COLS, ROWS)), pixel_size=raster.pixel_size)


def job_spec(url, staging, deadline=None):
    grid = area()
    e = grid.extent
    return AreaJobSpec(job_id=uuid.uuid4().hex, url=url, layer=LAYER, crs=RASTERS[LAYER].crs, method=METHOD,
                       extent=(e.xmin, e.ymin, e.xmax, e.ymax), width=grid.width, height=grid.height,
                       block_size=BLOCK, staging=str(staging), retries=2, base_delay=0.2, deadline=deadline)


def read(path):
    with rasterio.open(path) as dataset:
        return dataset.read(1)


@pytest.fixture(scope="module")
def reference(wms_server, tmp_path_factory):
    """The area computed in this process by the engine's pipeline, undisturbed."""
    spec = job_spec(wms_server.url, "unused")
    plan, output = spec.plan(), tmp_path_factory.mktemp("reference") / "edges.tif"
    source = WmsPixelSource(WmsClient(timeout=60), wms_server.url, LAYER, spec.crs)
    run_area(plan, source, CogSink(str(output), plan, spec.crs), METHOD)
    return read(output)


def slow_getmap(upstream, on_getmap=None):
    """A relay to ``upstream`` whose GetMap waits a little; ``on_getmap(connection, query)`` may
    take the request over by returning True."""
    good = relay(upstream)

    def getmap(connection, query, stop):
        if on_getmap is not None and on_getmap(connection, query):
            return
        stop.wait(GETMAP_DELAY)
        good(connection, query, stop)
    return relay(upstream, getmap=getmap)


def asks_for(query, spec, row, col):
    """Whether a GetMap is the one of block (row, col) (its BBOX is the block's grid with its halo)."""
    extent = spec.plan().block(row, col).fetch_grid.extent
    bbox = [float(v) for v in query["BBOX"].split(",")]
    return np.allclose(bbox, [extent.xmin, extent.ymin, extent.xmax, extent.ymax], rtol=0, atol=1e-6)


def assert_succeeded(cluster, spec, destination, result, reference):
    progress = cluster.wait_finished(spec.job_id)
    assert (progress.state, progress.reason) == (SUCCEEDED, None)
    assert progress.done == progress.total == len(spec.plan()) == 12
    assert cluster.outcome(result) == {"job_id": spec.job_id, "destination": str(destination), "blocks": 12}
    assert np.array_equal(read(destination), reference)
    assert not os.path.exists(spec.staging)
    assert sorted(os.listdir(cluster.output)) == [destination.name]


def test_an_area_chord_over_two_workers_equals_the_in_process_run_and_scipy(cluster, wms_server, reference):
    with FaultyWms(slow_getmap(wms_server.url)) as wms:
        spec = job_spec(wms.url, cluster.output / "job.blocks")
        destination, result = cluster.submit(spec)
        assert_succeeded(cluster, spec, destination, result, reference)
    assert all(worker.blocks_done() > 0 for worker in cluster.workers), [w.blocks_done() for w in cluster.workers]
    stored = RASTERS[LAYER].array().astype(np.float64)
    gx, gy = ndi.sobel(stored, axis=1), -ndi.sobel(stored, axis=0)
    assert np.allclose(reference, np.hypot(gx, gy)[ROW:ROW + ROWS, COL:COL + COLS], rtol=1e-6)


def client_pid(connection):
    """The pid of the process at the other end of a loopback connection."""
    peer = connection.getpeername()[:2]
    return next(c.pid for c in psutil.net_connections("tcp") if c.laddr and tuple(c.laddr) == peer and c.pid)


@pytest.mark.parametrize("what", ["task process", "whole node"])
def test_a_worker_killed_in_the_middle_of_a_block_changes_nothing(cluster, wms_server, reference, what):
    """Acknowledged late: the block is re-run (a process lost is re-queued at once by its node's
    parent, a node lost is re-delivered by Redis after the visibility timeout) and the output is
    identical."""
    killed, lock = [], threading.Lock()

    def kill_first_asker_of_block_1_1(connection, query):
        with lock:
            if killed or not asks_for(query, spec, 1, 1):
                return False
            pid = client_pid(connection)
            node = next(w for w in cluster.workers if os.getpgid(pid) == w.process.pid)
            killed.append(node)
        if what == "whole node":
            node.kill()
        else:
            os.kill(pid, signal.SIGKILL)
        return True

    with FaultyWms(slow_getmap(wms_server.url, kill_first_asker_of_block_1_1)) as wms:
        spec = job_spec(wms.url, cluster.output / "job.blocks")
        destination, result = cluster.submit(spec)
        assert_succeeded(cluster, spec, destination, result, reference)
        asked = [q for q in wms.queries if q.get("REQUEST") == "GetMap" and asks_for(q, spec, 1, 1)]
    assert killed and len(asked) >= 2
    if what == "whole node":
        assert killed[0].process.poll() is not None


def test_the_broker_stopped_for_a_while_in_the_middle_of_a_job(cluster, wms_server, reference):
    with FaultyWms(slow_getmap(wms_server.url)) as wms:
        spec = job_spec(wms.url, cluster.output / "job.blocks")
        destination, result = cluster.submit(spec)
        assert cluster.wait_blocks(spec.job_id, 3).state == RUNNING
        with cluster.redis.stopped():
            time.sleep(5)
        assert_succeeded(cluster, spec, destination, result, reference)


@pytest.mark.parametrize("crash", [False, True], ids=["restart", "crash"])
def test_postgresql_restarted_in_the_middle_of_a_job_loses_and_duplicates_no_block(cluster, wms_server, reference,
                                                                                  crash):
    with FaultyWms(slow_getmap(wms_server.url)) as wms:
        spec = job_spec(wms.url, cluster.output / "job.blocks")
        destination, result = cluster.submit(spec)
        assert cluster.wait_blocks(spec.job_id, 3).state == RUNNING
        cluster.postgres.restart(crash=crash)
        assert_succeeded(cluster, spec, destination, result, reference)


def test_a_block_that_fails_for_good_fails_the_chord_naming_the_block(cluster, wms_server):
    report = (b'<?xml version="1.0"?><ServiceExceptionReport version="1.1.1"><ServiceException code="InvalidFormat">'
              b'cannot render this block</ServiceException></ServiceExceptionReport>')
    refusal = answer(200, "application/vnd.ogc.se_xml", report)

    def refuse_block_1_2(connection, query):
        if asks_for(query, spec, 1, 2):
            refusal(connection, query, None)
            return True
        return False

    with FaultyWms(slow_getmap(wms_server.url, refuse_block_1_2)) as wms:
        spec = job_spec(wms.url, cluster.output / "job.blocks")
        destination, result = cluster.submit(spec)
        progress = cluster.wait_finished(spec.job_id)
    described = spec.plan().block(1, 2).describe()
    assert described.startswith("block 1,2 (pixels 200..299 x 100..199, extent ")
    assert progress.state == FAILED
    assert f"{described} failed: the WMS reported InvalidFormat: cannot render this block" in progress.reason
    assert f"raised AreaError('{described} failed: the WMS reported InvalidFormat" in str(cluster.outcome(result))
    assert not destination.exists()
    assert not os.path.exists(spec.staging)


def test_a_job_past_its_time_limit_fails_saying_so(cluster, wms_server):
    """12 blocks of at least GETMAP_DELAY each on two workers cannot end within a second."""
    with FaultyWms(slow_getmap(wms_server.url)) as wms:
        spec = job_spec(wms.url, cluster.output / "job.blocks", deadline=time.time() + 1)
        destination, result = cluster.submit(spec)
        progress = cluster.wait_finished(spec.job_id)
    assert progress.state == FAILED
    assert f"job {spec.job_id} exceeded its time limit" in progress.reason
    assert progress.done < progress.total
    assert f"raised AreaError('job {spec.job_id} exceeded its time limit')" in str(cluster.outcome(result))
    assert not destination.exists()
    assert not os.path.exists(spec.staging)
