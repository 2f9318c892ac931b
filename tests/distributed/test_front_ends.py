"""The distributed mode end to end: gunicorn front ends and ``python -m wps_server worker`` nodes,
each in its own folder, sharing only PostgreSQL, Redis and the output folder.

The client is OWSLib (or plain HTTP for the load test); the WMS is the session's QGIS Server, at
the stored raster's native grid (behind a relay that slows GetMaps, so that faults land in the
middle of a job); the reference is the same Execute run by a single-node server in the embedded
mode. Admission is checked by PostgreSQL itself: a trigger records how many jobs were waiting
after every change of a job's status.
"""

import concurrent.futures
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import psycopg
import pytest
import requests
from owslib.wps import ASYNC, BoundingBoxDataInput, WebProcessingService
from pywps.response.status import WPS_STATUS
from rasterio.io import MemoryFile
from server.helpers import execute_xml
from support.fault_wms import FaultyWms
from support.owslib_jobs import follow

from sandbox.wms import LAYER_3857, RASTERS
from sandbox.wps import WpsServer, write_config
from wps_server.jobs.distributed.celery_app import make_app

from .conftest import STARTUP_TIMEOUT, Worker
from .test_area_chord import GETMAP_DELAY, client_pid, slow_getmap

pytestmark = [pytest.mark.slow, pytest.mark.distributed, pytest.mark.timeout(1800)]

GEOTIFF = "image/tiff; subtype=geotiff"
REQUEST_SIDE = 102  # GetMap side, halo included: blocks of 100 output pixels
COLS, ROWS, COL0, ROW0 = 301, 257, 3, 2  # 3 rows x 4 columns of blocks
DEADLINE = 600.0
QUEUE_LIMIT = 3
JOB_TIME_LIMIT = "10m"


def area_inputs(method="sobel_magnitude"):
    raster = RASTERS[LAYER_3857]
    xmin, ymin, xmax, ymax = raster.pixel_extent(COL0, ROW0, COLS, ROWS)
    return [("wms", LAYER_3857), ("method", method), ("width", str(COLS)), ("height", str(ROWS)),
            ("bbox", BoundingBoxDataInput([xmin, ymin, xmax, ymax], crs="EPSG:3857"))]


def on_port(url, port):
    """``url`` (a status document or an output) as served by the front end on ``port``."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://127.0.0.1:{port}/{rest.partition('/')[2]}"


def run_async(submit_to, poll_on, inputs):
    """Execute on one front end, poll the status document on another; the statuses seen."""
    execution = WebProcessingService(submit_to.url, version="1.0.0", timeout=60).execute(
        "get_raster_process", inputs, output=[("image", True, GEOTIFF)], mode=ASYNC)
    assert execution.statusLocation, [e.text for e in execution.errors]
    execution.statusLocation = on_port(execution.statusLocation, poll_on.port)
    return execution, follow(execution, DEADLINE)


def cog_of(execution, port):
    """The output's values and georeferencing, fetched from the front end on ``port``."""
    with urllib.request.urlopen(on_port(execution.processOutputs[0].reference, port), timeout=60) as answer:
        body = answer.read()
    with MemoryFile(body) as memory, memory.open() as dataset:
        return dataset.read(1), dataset.transform, dataset.crs.to_epsg(), dataset.profile["blockxsize"]


class Deployment:
    """Two front ends and two worker nodes over one PostgreSQL, one Redis and one output folder."""

    def __init__(self, folder: Path, wms_url: str, postgres, redis_server, queue_limit=-1,
                 time_limit=JOB_TIME_LIMIT):
        self.folder, self.wms_url, self.postgres, self.redis = folder, wms_url, postgres, redis_server
        self.shared = folder / "shared-output"
        self.shared.mkdir(parents=True)
        self.options = {
            "wms_extra": f"max_request_size = {REQUEST_SIDE}\n",
            "server_extra": f"maxprocesses = {queue_limit}\n",
            "extra_sections": (f"\n[jobs]\nbroker = {redis_server.url}\ndatabase = {postgres.url}\n"
                               f"time_limit = {time_limit}\n")}
        self.front_ends, self.workers = [], []
        self.app = make_app(redis_server.url, postgres.url)

    def _node_folder(self, name):
        """The node's own folder, whose ``outputs`` is the shared output folder (a mount, in production)."""
        node = self.folder / name
        node.mkdir()
        (node / "outputs").symlink_to(self.shared, target_is_directory=True)
        return node

    def start(self, workers=True):
        for name in ("front-a", "front-b"):
            self.front_ends.append(WpsServer(self._node_folder(name), self.wms_url, **self.options).start())
        return self.start_workers() if workers else self

    def start_workers(self):
        for name in ("worker-a", "worker-b"):
            folder = self.folder / name
            if not folder.exists():
                self._node_folder(name)
            # Every node has the same public URLs: those of the first front end (a load balancer's, in production).
            config = write_config(folder, self.wms_url, port=self.front_ends[0].port, **self.options)
            command = [sys.executable, "-m", "wps_server", "worker", "--config", str(config),
                       "--hostname", f"{name}@{self.folder.name}"]
            self.workers.append(Worker(f"{name}@{self.folder.name}", folder, self.redis.url, self.postgres.url,
                                       command=command))
        self.wait_ready()
        return self

    def restart_worker(self, index):
        """Stop worker ``index`` (SIGTERM, then SIGKILL after a minute), start it again in its folder."""
        worker = self.workers[index]
        worker.stop()
        self.workers[index] = Worker(worker.name, worker.folder, self.redis.url, self.postgres.url,
                                     command=worker.process.args)
        self.wait_ready()

    def wait_ready(self):
        names = {name for w in self.workers for name in (w.name, f"jobs-{w.name}")}  # blocks' and jobs' workers
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            for worker in self.workers:
                assert worker.process.poll() is None, f"worker {worker.name} exited:\n{worker.log()[-4000:]}"
            if names <= {name for reply in (self.app.control.ping(timeout=2) or []) for name in reply}:
                return
        raise AssertionError("workers not ready:\n" + "\n".join(w.log()[-2000:] for w in self.workers))

    def stop(self):
        for worker in self.workers:
            worker.stop()
        for front_end in self.front_ends:
            front_end.stop()
        self.app.close()


@pytest.fixture(scope="module")
def single_node(wms_server, tmp_path_factory):
    """The embedded mode's reference: one gunicorn, no [jobs]."""
    with WpsServer(tmp_path_factory.mktemp("single") / "server", wms_server.url,
                   wms_extra=f"max_request_size = {REQUEST_SIDE}\n") as server:
        yield server


@pytest.fixture(scope="module")
def reference(single_node):
    execution, _ = run_async(single_node, single_node, area_inputs())
    assert execution.isSucceded(), [e.text for e in execution.errors]
    return cog_of(execution, single_node.port)


@pytest.fixture
def deployment(request, wms_server, postgres_db, redis_broker, tmp_path):
    """Started with the WMS relay the test parametrises indirectly (default: a slowed QGIS Server)."""
    on_getmap = getattr(request, "param", None)
    killed = []
    relay_hook = None
    if on_getmap is not None:
        def relay_hook(connection, query):
            return on_getmap(deployment_, killed, connection, query)
    with FaultyWms(slow_getmap(wms_server.url, relay_hook)) as wms:
        deployment_ = Deployment(tmp_path, wms.url, postgres_db, redis_broker)
        deployment_.killed = killed
        try:
            yield deployment_.start()
        finally:
            deployment_.stop()


def test_a_job_submitted_on_one_front_end_is_polled_on_the_other_and_equals_a_single_node_run(deployment,
                                                                                               reference):
    first, second = deployment.front_ends
    execution, statuses = run_async(first, second, area_inputs())
    assert execution.isSucceded(), [e.text for e in execution.errors]
    assert cog_of(execution, second.port)[1:] == reference[1:]
    assert np.array_equal(cog_of(execution, second.port)[0], reference[0], equal_nan=True)
    # Every worker computed blocks of it: the area was spread over the cluster.
    assert all(worker.blocks_done() > 0 for worker in deployment.workers), [w.blocks_done() for w in deployment.workers]
    done = [message for _, message in statuses if message and "blocks done" in message]
    assert done and all(m.endswith("of 12 blocks done") for m in done), statuses
    assert not [name for name in os.listdir(deployment.shared) if name.startswith(".")]


def kill_a_block_process(deployment, killed, connection, query):
    """SIGKILL the worker process asking for the third block GetMap of the job (not the job's own task:
    its node runs the job's task in another process), once."""
    if killed or query.get("REQUEST") != "GetMap":
        return False
    deployment.getmaps = getattr(deployment, "getmaps", 0) + 1
    if deployment.getmaps < 3:
        return False
    pid = client_pid(connection)
    killed.append(pid)
    os.kill(pid, signal.SIGKILL)
    return True


@pytest.mark.parametrize("deployment", [kill_a_block_process], indirect=True)
def test_a_worker_process_killed_in_the_middle_of_an_area_changes_nothing(deployment, reference):
    first, second = deployment.front_ends
    execution, _ = run_async(second, first, area_inputs())
    assert execution.isSucceded(), [e.text for e in execution.errors]
    assert deployment.killed, "no block was killed"
    values, *georeferencing = cog_of(execution, first.port)
    assert georeferencing == list(reference[1:])
    assert np.array_equal(values, reference[0], equal_nan=True)


ADMISSION_AUDIT = """
CREATE TABLE IF NOT EXISTS admission_audit (waiting integer NOT NULL);
CREATE OR REPLACE FUNCTION audit_admission() RETURNS trigger AS $$
BEGIN
    INSERT INTO admission_audit SELECT count(*) FROM pywps_requests WHERE status = {accepted};
    RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_admission ON pywps_requests;
CREATE TRIGGER audit_admission AFTER INSERT OR UPDATE ON pywps_requests
    FOR EACH ROW EXECUTE FUNCTION audit_admission();
"""


def test_two_hundred_jobs_from_eight_clients_never_exceed_the_queue_limit(wms_server, postgres_db, redis_broker,
                                                                          tmp_path):
    """Every accepted job finishes, every refused one got ServerBusy (HTTP 503), and PostgreSQL never
    saw more than QUEUE_LIMIT jobs waiting, whichever front end admitted them."""
    raster = RASTERS[LAYER_3857]
    xmin, ymin, xmax, ymax = raster.pixel_extent(10, 10, 40, 30)
    body = execute_xml({"wms": LAYER_3857, "method": "sobel_x", "width": "40", "height": "30"},
                       bbox=("EPSG:3857", xmin, ymin, xmax, ymax), mime_type=GEOTIFF, asynchronous=True)
    deployment = Deployment(tmp_path, wms_server.url, postgres_db, redis_broker, queue_limit=QUEUE_LIMIT)
    try:
        deployment.start()
        with psycopg.connect(postgres_db.url, autocommit=True) as connection:
            connection.execute(ADMISSION_AUDIT.format(accepted=WPS_STATUS.ACCEPTED))
            connection.execute("TRUNCATE admission_audit")

        def client(number):
            session, answers = requests.Session(), []
            for index in range(25):
                front_end = deployment.front_ends[(number + index) % 2]
                answer = session.post(front_end.url, data=body, headers={"Content-Type": "text/xml"}, timeout=120)
                answers.append((answer.status_code, answer.text))
            return answers

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = [a for answers in pool.map(client, range(8)) for a in answers]
        assert len(answers) == 200
        accepted = [text for code, text in answers if code == 200]
        refused = [(code, text) for code, text in answers if code != 200]
        assert accepted and refused, (len(accepted), len(refused))
        assert all(code == 503 and 'exceptionCode="ServerBusy"' in text for code, text in refused), refused[:3]
        locations = [text.split('statusLocation="')[1].split('"')[0] for text in accepted]
        deadline = time.monotonic() + DEADLINE
        for location in locations:
            while True:
                status = requests.get(location, timeout=60).text
                if "ProcessSucceeded" in status or "ProcessFailed" in status:
                    break
                assert time.monotonic() < deadline, status
                time.sleep(0.2)
            assert "ProcessSucceeded" in status, status
        with psycopg.connect(postgres_db.url) as connection:
            most_waiting = connection.execute("SELECT max(waiting) FROM admission_audit").fetchone()[0]
            uuids = [location.rpartition("/")[2].removesuffix(".xml") for location in locations]
            succeeded = connection.execute("SELECT count(*) FROM pywps_requests WHERE status = %s AND uuid = ANY(%s)",
                                           (WPS_STATUS.SUCCEEDED, uuids)).fetchone()[0]
        assert 1 <= most_waiting <= QUEUE_LIMIT
        assert succeeded == len(set(uuids)) == len(accepted)
    finally:
        deployment.stop()


def test_a_job_past_its_time_limit_is_process_failed_saying_so(wms_server, postgres_db, redis_broker, tmp_path):
    """12 blocks whose GetMaps each wait GETMAP_DELAY, on the four block processes of two nodes, cannot
    end within the job's one second."""
    assert 12 * GETMAP_DELAY / 4 > 1
    with FaultyWms(slow_getmap(wms_server.url)) as wms:
        deployment = Deployment(tmp_path, wms.url, postgres_db, redis_broker, time_limit="1s")
        try:
            deployment.start()
            first, second = deployment.front_ends
            execution, _ = run_async(first, second, area_inputs())
            document = requests.get(execution.statusLocation, timeout=60).text
        finally:
            deployment.stop()
    # OWSLib calls a ProcessFailed status "Exception"; the document itself, as the other front end serves it:
    assert execution.status == "Exception"
    assert "<wps:ProcessFailed>" in document and "exceeded its time limit" in document, document
    messages = [e.text for e in execution.errors]
    assert len(messages) == 1 and "exceeded its time limit" in messages[0], messages


def test_jobs_survive_a_restart_of_every_front_end_and_of_every_worker(wms_server, postgres_db, redis_broker,
                                                                       reference, tmp_path):
    """Jobs accepted while no worker runs wait in the broker; both front ends restart; the workers
    start, then restart one after the other (SIGTERM: a warm shutdown, its running tasks finish):
    every job succeeds, equal to the single-node run, read on either front end."""
    deployment = Deployment(tmp_path, wms_server.url, postgres_db, redis_broker)
    try:
        deployment.start(workers=False)
        first, second = deployment.front_ends
        executions = [WebProcessingService(front_end.url, version="1.0.0", timeout=60).execute(
            "get_raster_process", area_inputs(), output=[("image", True, GEOTIFF)], mode=ASYNC)
            for front_end in (first, second, first, second)]
        assert all(e.status == "ProcessAccepted" for e in executions), [e.status for e in executions]
        for front_end in deployment.front_ends:
            front_end.restart()
        deployment.start_workers()
        for index in range(len(deployment.workers)):
            deployment.restart_worker(index)
        for index, execution in enumerate(executions):
            execution.statusLocation = on_port(execution.statusLocation, deployment.front_ends[index % 2].port)
            deadline = time.monotonic() + DEADLINE
            while not execution.isComplete():
                assert time.monotonic() < deadline, f"still {execution.status} after {DEADLINE} s"
                execution.checkStatus(sleepSecs=0.2)
            assert execution.isSucceded(), [e.text for e in execution.errors]
            values, *georeferencing = cog_of(execution, deployment.front_ends[(index + 1) % 2].port)
            assert georeferencing == list(reference[1:])
            assert np.array_equal(values, reference[0], equal_nan=True)
    finally:
        deployment.stop()
