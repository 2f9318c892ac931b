"""Asynchronous jobs on a real gunicorn (issue 7 item 4): finished jobs and their outputs
survive a restart, jobs running when the server stopped are reported failed and queued ones
still run, a job whose process is killed is reported failed and frees its slot, a full
queue answers ServerBusy (HTTP 503) at once, and the retention cleanup (by hand and inside
the server) deletes old jobs' files and rows but never those of a queued or running job.

The slow WMS is a GatedProxy in front of the QGIS Server fixture: a job is "running" while
its GetMap is held at the gate.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
import requests
from lxml import etree
from server.helpers import GatedProxy, execute_xml

from sandbox.wms import CENTER_LAT, CENTER_LON, LAYER_4326
from sandbox.wps import WpsServer

from .owsreport import exception_of

NS = {"wps": "http://www.opengis.net/wps/1.0.0", "ows": "http://www.opengis.net/ows/1.1"}
DEADLINE = 60.0  # seconds to wait for a state before giving up (not an assertion on speed)
XML = {"Content-Type": "text/xml"}
DAY = 86400.0
# Held jobs wait at the gate for a long time: the WMS timeout must not end them first.
SLOW_WMS = "timeout = 90\n"


def one_slot(queue: int) -> str:
    return f"parallelprocesses = 1\nmaxprocesses = {queue}\n"


def submit(server, layer=LAYER_4326):
    """POST an async Execute; return the requests.Response."""
    body = execute_xml({"wms": layer, "lat": CENTER_LAT, "lon": CENTER_LON}, mime_type="image/png",
                       asynchronous=True)
    return requests.post(server.url, data=body, headers=XML, timeout=30)


def start(server) -> str:
    """Submit an async job; return its status document URL."""
    response = submit(server)
    assert response.status_code == 200, response.text[:2000]
    return etree.fromstring(response.content).get("statusLocation")


def status_of(url) -> tuple:
    """(status element name, its text) of a status document."""
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, (url, response.status_code)
    [status] = etree.fromstring(response.content).xpath("wps:Status/*", namespaces=NS)
    return etree.QName(status).localname, " ".join(status.itertext()).strip()


def wait_for(url, until) -> tuple:
    seen, deadline = [], time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        status = status_of(url)
        if not seen or seen[-1] != status:
            seen.append(status)
        if until(status):
            return status
        time.sleep(0.05)
    raise AssertionError(f"{url}: not there within {DEADLINE} s; statuses seen: {seen}")


def running(status):
    """The job has planned its GetMap requests (the gated WMS holds them)."""
    return "GetMap request" in status[1]


def finished(status):
    return status[0] in ("ProcessSucceeded", "ProcessFailed")


def output_url(status_url) -> str:
    [reference] = etree.fromstring(requests.get(status_url, timeout=30).content).xpath(
        "//wps:Output/wps:Reference", namespaces=NS)
    return reference.get("href")


def job_uuid(status_url) -> str:
    return Path(urlsplit(status_url).path).stem


def job_processes(server) -> list:
    """The forked job processes: children of gunicorn's workers."""
    return [child for worker in psutil.Process(server.process.pid).children() for child in worker.children()]


def database(server):
    return contextlib.closing(sqlite3.connect(server.workdir / "var" / "pywps-logs.sqlite"))


def job_row(server, uuid):
    with database(server) as connection:
        return connection.execute("SELECT status, message FROM pywps_requests WHERE uuid = ?", (uuid,)).fetchone()


def age(paths, seconds):
    """Set the modification time of files and folders (recursively) ``seconds`` in the past
    (a running job may have no output folder yet)."""
    then = time.time() - seconds
    for path in filter(Path.exists, map(Path, paths)):
        for item in [path, *(path.rglob("*") if path.is_dir() else [])]:
            os.utime(item, (then, then))


def age_rows(server, uuids, seconds):
    then = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.localtime(time.time() - seconds))
    with database(server) as connection:
        connection.executemany("UPDATE pywps_requests SET time_start = ?, time_end = ? WHERE uuid = ?",
                               [(then, then, uuid) for uuid in uuids])
        connection.commit()


def job_files(server, uuid) -> list:
    outputs = server.workdir / "outputs"
    return [outputs / f"{uuid}.xml", outputs / uuid]


@pytest.fixture
def gate(wms_server):
    with GatedProxy(wms_server.url) as proxy:
        yield proxy


@pytest.fixture
def make_server(tmp_path, gate):
    """``make_server(**config_options)``: our WPS under gunicorn, its WMS the gate; stopped at the end."""
    servers = []

    def make(**options):
        options.setdefault("wms_extra", SLOW_WMS)
        server = WpsServer(tmp_path / f"server{len(servers)}", gate.url, **options)
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()


def test_restart_keeps_finished_jobs_fails_running_ones_and_runs_queued_ones(make_server, gate):
    server = make_server(server_extra=one_slot(queue=5))
    gate.open()
    done = start(server)
    assert wait_for(done, finished)[0] == "ProcessSucceeded"
    done_document = requests.get(done, timeout=30).content
    image = requests.get(output_url(done), timeout=30).content
    gate.close()
    interrupted = start(server)
    wait_for(interrupted, running)
    queued = start(server)
    assert status_of(queued) == ("ProcessAccepted", "PyWPS Process stored in job queue")

    server.restart(crash=True)

    assert requests.get(done, timeout=30).content == done_document
    assert requests.get(output_url(done), timeout=30).content == image
    name, text = wait_for(interrupted, finished)
    assert name == "ProcessFailed"
    assert "ended before the job finished" in text and "Run the job again" in text
    assert not (server.workdir / "outputs" / job_uuid(interrupted)).exists()
    assert job_row(server, job_uuid(interrupted))[0] == 5  # PyWPS's FAILED
    wait_for(queued, running)  # started by the new server
    gate.open()
    assert wait_for(queued, finished)[0] == "ProcessSucceeded"
    assert requests.get(output_url(queued), timeout=30).status_code == 200
    assert list((server.workdir / "workdir").iterdir()) == []


def test_a_killed_job_is_failed_and_frees_its_slot(make_server, gate):
    server = make_server(server_extra=one_slot(queue=5))
    gate.close()
    victim = start(server)
    wait_for(victim, running)
    queued = start(server)
    assert status_of(queued)[0] == "ProcessAccepted"
    [process] = job_processes(server)
    process.send_signal(signal.SIGKILL)

    name, text = wait_for(victim, finished)
    assert name == "ProcessFailed"
    assert f"pid {process.pid}" in text and "ended before the job finished" in text
    wait_for(queued, running)  # the slot went to the queued job
    gate.open()
    assert wait_for(queued, finished)[0] == "ProcessSucceeded"
    after = start(server)  # and the slot is free again
    assert wait_for(after, finished)[0] == "ProcessSucceeded"
    assert list((server.workdir / "workdir").iterdir()) == []


def test_a_reused_pid_does_not_keep_a_dead_job_running(make_server, gate):
    """The job's process dies and its pid now names another live process (simulated by
    pointing the job's record at gunicorn's master): the start times differ, so the job is
    still reported failed (a check of the pid alone, as PyWPS's, would wait forever)."""
    server = make_server()
    gate.close()
    job = start(server)
    wait_for(job, running)
    [process] = job_processes(server)
    # The record is pointed at the master first, then the job's process is killed: in the other order
    # a reaper run in between (any status request) would name the job's own pid.
    with database(server) as connection:
        connection.execute("UPDATE pywps_wmsedge_jobs SET pid = ? WHERE uuid = ?", (server.process.pid, job_uuid(job)))
        connection.execute("UPDATE pywps_requests SET pid = ? WHERE uuid = ?", (server.process.pid, job_uuid(job)))
        connection.commit()
    process.send_signal(signal.SIGKILL)
    name, text = wait_for(job, finished)
    assert name == "ProcessFailed" and f"pid {server.process.pid}" in text


def test_killing_the_worker_that_accepted_a_job_does_not_fail_it(make_server, gate):
    """The job runs in its own process: its worker may die (gunicorn starts another)."""
    server = make_server()
    gate.close()
    job = start(server)
    wait_for(job, running)
    [process] = job_processes(server)
    process.parent().send_signal(signal.SIGKILL)
    gate.open()
    assert wait_for(job, finished)[0] == "ProcessSucceeded"


def test_a_worker_killed_during_a_synchronous_request_holds_no_slot(make_server, gate):
    """A synchronous Execute runs in the worker itself: killing it drops that client's
    connection at once (no hang), gunicorn starts another worker, and no job slot is lost."""
    server = make_server(server_extra=one_slot(queue=0))
    gate.close()
    body = execute_xml({"wms": LAYER_4326, "lat": CENTER_LAT, "lon": CENTER_LON}, mime_type="image/png")
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(requests.post, server.url, data=body, headers=XML, timeout=60)
        assert gate.waiting.wait(30)
        [worker] = [w for w in psutil.Process(server.process.pid).children()
                    if any(c.raddr and c.raddr.port == urlsplit(gate.url).port for c in w.net_connections())]
        worker.send_signal(signal.SIGKILL)
        with pytest.raises(requests.ConnectionError):
            pending.result(timeout=30)
    gate.open()
    assert wait_for(start(server), finished)[0] == "ProcessSucceeded"  # the only slot is free


def test_a_full_queue_answers_server_busy_at_once(make_server, gate):
    server = make_server(server_extra=one_slot(queue=1))
    gate.close()
    first = start(server)
    wait_for(first, running)
    second = start(server)
    assert status_of(second)[0] == "ProcessAccepted"

    refused = submit(server)
    status, code, _, text = exception_of(refused.status_code, refused.content)
    assert (status, code) == (503, "ServerBusy")
    assert "1 jobs running and 1 waiting" in text

    gate.open()
    for url in (first, second):
        assert wait_for(url, finished)[0] == "ProcessSucceeded"
    assert wait_for(start(server), finished)[0] == "ProcessSucceeded"


def test_cleanup_command_deletes_old_jobs_but_never_a_running_one(make_server, gate, tmp_path):
    server = make_server()
    gate.open()
    old, recent = start(server), start(server)
    for url in (old, recent):
        assert wait_for(url, finished)[0] == "ProcessSucceeded"
    gate.close()
    active = start(server)
    wait_for(active, running)
    old_id, recent_id, active_id = map(job_uuid, (old, recent, active))
    workdir = server.workdir / "workdir"
    leftover = workdir / "pywps_process_left_by_a_killed_worker"
    leftover.mkdir()
    (leftover / "edges.png").write_bytes(b"partial")
    [active_workdir] = [path for path in workdir.iterdir() if path != leftover]
    age([*job_files(server, old_id), *job_files(server, active_id), leftover, active_workdir], 10 * DAY)
    age_rows(server, [old_id, active_id], 10 * DAY)

    result = subprocess.run([sys.executable, "-m", "wps_server", "cleanup", "--config", str(server.config_file),
                             "--older-than", "7d"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            check=False)

    assert result.returncode == 0, result.stderr
    assert "deleted 1 status documents, 1 output folders, 1 working folders" in result.stdout
    assert not any(path.exists() for path in job_files(server, old_id))
    assert job_row(server, old_id) is None
    assert all(path.exists() for path in job_files(server, recent_id)) and job_row(server, recent_id)
    assert not leftover.exists()
    assert active_workdir.exists() and (server.workdir / "outputs" / f"{active_id}.xml").exists()
    assert requests.get(old, timeout=30).status_code == 404
    gate.open()
    assert wait_for(active, finished)[0] == "ProcessSucceeded"


def test_cleanup_command_refuses_a_bad_age(make_server, tmp_path):
    server = make_server()
    result = subprocess.run([sys.executable, "-m", "wps_server", "cleanup", "--config", str(server.config_file),
                             "--older-than", "a week"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 2
    assert "'a week' is not a duration" in result.stderr and "Traceback" not in result.stderr


def test_the_server_cleans_up_by_itself_when_retention_is_set(make_server, gate):
    server = make_server(extra_sections="[cleanup]\nretention = 1d\ninterval = 1s\n")
    gate.open()
    old, recent = start(server), start(server)
    for url in (old, recent):
        assert wait_for(url, finished)[0] == "ProcessSucceeded"
    old_id = job_uuid(old)
    age(job_files(server, old_id), 2 * DAY)
    age_rows(server, [old_id], 2 * DAY)
    deadline = time.monotonic() + DEADLINE
    while any(path.exists() for path in job_files(server, old_id)) and time.monotonic() < deadline:
        requests.get(server.url, params={"service": "WPS", "request": "GetCapabilities"}, timeout=30)
        time.sleep(0.2)
    assert not any(path.exists() for path in job_files(server, old_id))
    assert job_row(server, old_id) is None
    assert status_of(recent)[0] == "ProcessSucceeded"
