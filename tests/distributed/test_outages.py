"""The broker and the database go away in the middle of area jobs, seen through the WPS front ends.

Two gunicorn front ends and two ``python -m wps_server worker`` nodes (test_front_ends.Deployment),
the client OWSLib plus plain HTTP polls of the status documents on both front ends all along. The
WMS relay lets a counted number of GetMaps through (:class:`GetMapBudget`), so that each outage
happens while blocks are done, in flight and still to come, whatever the machine's load. Redis is
stopped, then PostgreSQL (a restart with a few seconds between stop and start). The reference is
the same Execute on a single-node embedded server. "No job lost or duplicated" is read in
PostgreSQL (one PyWPS row and one area record per accepted job, each block counted once) and in
the workers' logs (each job's task received once).
"""

import threading
import time

import numpy as np
import psycopg
import pytest
import requests
from lxml import etree
from owslib.wps import ASYNC, WebProcessingService
from pywps.response.status import WPS_STATUS
from server.helpers import execute_xml
from support.fault_wms import FaultyWms

from sandbox.wms import LAYER_3857, RASTERS

from . import test_front_ends as front_ends
from .test_area_chord import slow_getmap
from .test_front_ends import COL0, COLS, DEADLINE, GEOTIFF, ROW0, ROWS, Deployment, area_inputs, cog_of, on_port

pytestmark = [pytest.mark.slow, pytest.mark.distributed, pytest.mark.timeout(1800)]

JOBS = 4  # three before the outages, one between them
BLOCKS = 12  # per job: 3 rows x 4 columns
#: Block tasks run at once: two worker nodes, each with the worker command's default two processes.
BLOCK_PROCESSES = 4
WAIT = 300.0
OWS = "{http://www.opengis.net/ows/1.1}"
#: The single-node reference of test_front_ends, computed once for this module too.
single_node, reference = front_ends.single_node, front_ends.reference


class GetMapBudget:
    """A relay hook: GetMaps pass while the budget lasts, later ones wait (in the relay) for more."""

    def __init__(self, allowed):
        self.allowed, self.passed, self.held = allowed, 0, 0
        self.condition = threading.Condition()

    def allow(self, more=None):
        """``more`` GetMaps may pass; None: every GetMap from now on."""
        with self.condition:
            self.allowed = None if more is None else self.passed + more if self.allowed is None else \
                self.allowed + more
            self.condition.notify_all()

    def wait_held(self, count):
        """Until ``count`` GetMaps wait in the relay: every block process holds a task, and none
        needs the broker to get its next one."""
        with self.condition:
            assert self.condition.wait_for(lambda: self.held >= count, timeout=WAIT), \
                f"{self.held} GetMaps held, never {count}"

    def __call__(self, connection, query):
        if query.get("REQUEST") == "GetMap":
            with self.condition:
                self.held += 1
                self.condition.notify_all()
                self.condition.wait_for(lambda: self.allowed is None or self.passed < self.allowed)
                self.held -= 1
                self.passed += 1
        return False  # then relayed, slowly


class StatusPoller:
    """Reads every job's status document on both front ends, again and again, in a thread; keeps every
    answer that is not a 200 status document."""

    def __init__(self, front_ends):
        self.front_ends, self.locations = front_ends, []
        self.answers, self.bad = 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        session = requests.Session()
        while not self._stop.wait(0.3):
            for location in list(self.locations):
                for front_end in self.front_ends:
                    try:
                        answer = session.get(on_port(location, front_end.port), timeout=120)
                    except requests.RequestException as exc:
                        self.bad.append((front_end.port, "no answer", repr(exc)))
                        continue
                    self.answers += 1
                    if answer.status_code != 200 or "<wps:Status" not in answer.text:
                        self.bad.append((front_end.port, answer.status_code, answer.text[:500]))

    def wait_for_answers(self, seconds):
        """At least ``seconds``, and until status documents were answered meanwhile."""
        answered, deadline = self.answers, time.monotonic() + WAIT
        time.sleep(seconds)
        while self.answers == answered:
            assert time.monotonic() < deadline, f"no status answered in {WAIT} s: {self.bad[-3:]}"
            time.sleep(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=300)


def execute(front_end):
    """The area's asynchronous Execute through OWSLib: the execution, accepted."""
    execution = WebProcessingService(front_end.url, version="1.0.0", timeout=120).execute(
        "get_raster_process", area_inputs(), output=[("image", True, GEOTIFF)], mode=ASYNC)
    assert execution.status == "ProcessAccepted", [e.text for e in execution.errors]
    return execution


def job_id(execution) -> str:
    return execution.statusLocation.rpartition("/")[2].removesuffix(".xml")


def submit(front_end):
    """A raw HTTP POST of the area's asynchronous Execute: the answer whatever its status."""
    body = execute_xml({"wms": LAYER_3857, "method": "sobel_magnitude", "width": str(COLS), "height": str(ROWS)},
                       bbox=("EPSG:3857", *RASTERS[LAYER_3857].pixel_extent(COL0, ROW0, COLS, ROWS)),
                       mime_type=GEOTIFF, asynchronous=True)
    return requests.post(front_end.url, data=body, headers={"Content-Type": "text/xml"}, timeout=120)


def exception_code(answer):
    """(HTTP status, exceptionCode) of an OWS ExceptionReport answer."""
    root = etree.fromstring(answer.content)
    assert root.tag == f"{OWS}ExceptionReport", answer.text
    return answer.status_code, root.find(f"{OWS}Exception").get("exceptionCode")


def blocks_done(database, uuids) -> int:
    with psycopg.connect(database, connect_timeout=30) as connection:
        return connection.execute("SELECT count(*) FROM wmsedge_area_blocks WHERE job_id = ANY(%s)",
                                  (list(uuids),)).fetchone()[0]


def wait_blocks(database, uuids, count):
    deadline = time.monotonic() + WAIT
    while (done := blocks_done(database, uuids)) < count:
        assert time.monotonic() < deadline, f"{done} blocks done, never {count}"
        time.sleep(0.2)
    return done


def test_jobs_through_a_broker_outage_and_a_database_outage_all_succeed_once(wms_server, postgres_db, redis_broker,
                                                                              reference, tmp_path):
    budget = GetMapBudget(6)
    with FaultyWms(slow_getmap(wms_server.url, budget)) as wms:
        deployment = Deployment(tmp_path, wms.url, postgres_db, redis_broker)
        deployment.options["wms_extra"] += "timeout = 120\n"  # GetMaps wait at the relay's budget
        try:
            deployment.start()
            first, second = deployment.front_ends
            executions = [execute(front_end) for front_end in (first, second, first)]
            uuids = [job_id(execution) for execution in executions]
            with StatusPoller(deployment.front_ends) as poller:
                poller.locations.extend(e.statusLocation for e in executions)
                assert wait_blocks(postgres_db.url, uuids, 6) == 6
                budget.wait_held(BLOCK_PROCESSES)  # a process between two tasks would wait for the broker
                with redis_broker.stopped():
                    budget.allow(4)  # blocks in flight end while the broker is away
                    wait_blocks(postgres_db.url, uuids, 10)
                    poller.wait_for_answers(5)
                    refused_by_broker = submit(second)
                # The front end that refused a job while the broker was away takes one again.
                executions.append(execute(second))
                uuids.append(job_id(executions[-1]))
                poller.locations.append(executions[-1].statusLocation)
                budget.allow(4)
                assert wait_blocks(postgres_db.url, uuids, 14) < JOBS * BLOCKS  # the jobs resumed, none ended
                with postgres_db.stopped():
                    budget.allow(4)  # blocks in flight end while the database is away
                    poller.wait_for_answers(5)
                    refused_by_database = submit(first)
                budget.allow()
                for index, execution in enumerate(executions):
                    execution.statusLocation = on_port(execution.statusLocation,
                                                       deployment.front_ends[index % 2].port)
                    deadline = time.monotonic() + DEADLINE
                    while not execution.isComplete():
                        assert time.monotonic() < deadline, f"still {execution.status} after {DEADLINE} s"
                        execution.checkStatus(sleepSecs=0.3)
            for index, execution in enumerate(executions):
                assert execution.isSucceded(), [e.text for e in execution.errors]
                values, *georeferencing = cog_of(execution, deployment.front_ends[(index + 1) % 2].port)
                assert georeferencing == list(reference[1:])
                assert np.array_equal(values, reference[0], equal_nan=True)
            with psycopg.connect(postgres_db.url) as connection:
                rows = connection.execute("SELECT uuid, status FROM pywps_requests WHERE operation = 'execute'"
                                          ).fetchall()
                areas = connection.execute("SELECT job_id, state, (SELECT count(*) FROM wmsedge_area_blocks b "
                                           "WHERE b.job_id = a.job_id) FROM wmsedge_area_jobs a").fetchall()
            # The job refused for want of a broker was recorded failed; the other never got a row.
            succeeded = sorted(uuid for uuid, status in rows if status == WPS_STATUS.SUCCEEDED)
            assert succeeded == sorted(uuids)
            assert [status for uuid, status in rows if uuid not in uuids] == [WPS_STATUS.FAILED]
            assert sorted(areas) == sorted((uuid, "succeeded", BLOCKS) for uuid in uuids)
            assert sum(worker.received("wmsedge.job.run") for worker in deployment.workers) == JOBS
            assert exception_code(refused_by_broker) == (503, "ServerBusy")
            assert exception_code(refused_by_database) == (503, "ServerBusy")
            assert poller.answers and not poller.bad, poller.bad[:5]
        finally:
            budget.allow()
            deployment.stop()
