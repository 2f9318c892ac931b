"""Retention in the distributed mode: one cleanup at a time over every node, by the database's word.

Two gunicorn front ends and two worker nodes share PostgreSQL, Redis and the output folder
(test_front_ends.Deployment); the cleanup runs as ``python -m wps_server cleanup`` on a node, or as
the periodic cleanup (``retention.run_if_due``) in processes of several nodes at once. What is old
is made old in the database (its timestamps) and on disk (modification times); what runs is an area
job held in the middle by the WMS relay (test_outages.GetMapBudget), then let finish, equal to an
undisturbed run of the same area.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import psycopg
import pytest
from pywps.response.status import WPS_STATUS
from support.fault_wms import FaultyWms
from support.owslib_jobs import follow

from sandbox.wps import write_config
from wps_server.jobs.distributed.cleanup import CLEANUP_LOCK

from .test_area_chord import slow_getmap
from .test_front_ends import DEADLINE, Deployment, area_inputs, cog_of, run_async
from .test_outages import GetMapBudget, execute, job_id, wait_blocks

pytestmark = [pytest.mark.slow, pytest.mark.distributed, pytest.mark.timeout(1800)]

DAY = 24 * 3600
BLOCKS = 12
#: A cleaner process: ready once its configuration is loaded, then the periodic cleanup as soon as the
#: file ``argv[2]`` exists, so that several of them run it together.
PERIODIC = """
import os, sys, time
from wps_server.app import load_configuration
from wps_server.jobs import retention
settings = load_configuration([sys.argv[1]])
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.005)
report = retention.run_if_due(settings.cleanup)
print("skipped" if report is None else f"ran: {report}")
"""


@pytest.fixture(scope="module")
def cluster(wms_server, postgres_db, redis_broker, tmp_path_factory):
    """The deployment, its WMS relay's GetMap budget (unlimited until a test says), and the folder."""
    budget = GetMapBudget(None)
    with FaultyWms(slow_getmap(wms_server.url, budget)) as wms:
        deployment = Deployment(tmp_path_factory.mktemp("retention"), wms.url, postgres_db, redis_broker)
        deployment.options["wms_extra"] += "timeout = 120\n"  # GetMaps wait at the relay's budget
        deployment.budget = budget
        try:
            yield deployment.start()
        finally:
            budget.allow()
            deployment.stop()


def finished_job(deployment):
    """An area job run to its end (submitted on one front end, followed on the other): its uuid."""
    first, second = deployment.front_ends
    execution, _ = run_async(first, second, area_inputs())
    assert execution.isSucceded(), [e.text for e in execution.errors]
    return job_id(execution), execution


def age(paths, seconds):
    """Every file and folder under ``paths`` last modified ``seconds`` ago."""
    moment = time.time() - seconds
    for path in map(Path, paths):
        for inner in [path, *(path.rglob("*") if path.is_dir() else [])]:
            os.utime(inner, (moment, moment), follow_symlinks=False)


def sql(database, statement, *args):
    with psycopg.connect(database) as connection:
        cursor = connection.execute(statement, args)
        return cursor.fetchall() if cursor.description else None


def age_rows(database, job, seconds):
    """The job's PyWPS row and area record as if written ``seconds`` earlier."""
    shift = f"{int(seconds)} seconds"
    sql(database, "UPDATE pywps_requests SET time_start = time_start - %s::interval, "
                  "time_end = time_end - %s::interval WHERE uuid = %s", shift, shift, job)
    sql(database, "UPDATE wmsedge_area_jobs SET created = created - %s::interval, "
                  "finished = finished - %s::interval WHERE job_id = %s", shift, shift, job)


def records(database, job):
    """(PyWPS status or None, area state or None, area blocks recorded)."""
    row = sql(database, "SELECT status FROM pywps_requests WHERE uuid = %s", job)
    area = sql(database, "SELECT state FROM wmsedge_area_jobs WHERE job_id = %s", job)
    blocks = sql(database, "SELECT count(*) FROM wmsedge_area_blocks WHERE job_id = %s", job)[0][0]
    return (row[0][0] if row else None), (area[0][0] if area else None), blocks


def leftover(folder: Path, name: str) -> Path:
    """A hidden staging folder with a block file in it, as a killed or failed area job leaves it."""
    staging = folder / name
    staging.mkdir()
    (staging / "block_0_0.tif").write_bytes(b"II*\0 partial")
    return staging


def cleanup_command(node: Path):
    return subprocess.run([sys.executable, "-m", "wps_server", "cleanup", "--config", str(node / "pywps.cfg"),
                           "--older-than", "7d"], cwd=node, capture_output=True, text=True, timeout=600,
                          check=False)


def test_a_cleanup_on_any_node_deletes_an_old_jobs_rows_files_and_leftovers_never_a_running_jobs(cluster,
                                                                                                  postgres_db):
    database, shared = postgres_db.url, cluster.shared
    old, _ = finished_job(cluster)
    recent, recent_execution = finished_job(cluster)

    # A third job, held in the middle: 5 blocks done, the next GetMaps waiting at the relay.
    cluster.budget.allow(5)
    running_execution = execute(cluster.front_ends[1])
    running = job_id(running_execution)
    wait_blocks(database, [running], 5)
    running_staging = shared / f".{running}.blocks"
    staged = sorted(path.name for path in running_staging.iterdir())
    assert len(staged) >= 5
    [(node, running_workdir)] = [(w.folder, path) for w in cluster.workers
                                 for path in (w.folder / "workdir").glob(f"pywps_process_{running}_*")]

    # What killed or failed jobs leave, and what nobody knows of, old and new.
    old_leftovers = [leftover(shared, f".{old}.blocks"), shared / f".{old}.tif", shared / f"..{old}.tif.x1.tif"]
    for path in old_leftovers[1:]:
        path.write_bytes(b"II*\0 partial")
    recent_leftover = leftover(shared, f".{recent}.blocks")
    unknown_old, unknown_new = leftover(shared, f".{uuid.uuid1()}.blocks"), leftover(shared, f".{uuid.uuid1()}.blocks")
    old_workdir = node / "workdir" / f"pywps_process_{old}_killed"
    old_workdir.mkdir()
    age([shared / f"{old}.xml", shared / old, *old_leftovers, old_workdir], 10 * DAY)
    age([unknown_old], 2 * 3600)
    # The running job looks as old as the old one: only its state may keep it.
    age([shared / f"{running}.xml", running_staging, running_workdir], 10 * DAY)
    for job in (old, running):
        age_rows(database, job, 10 * DAY)

    # Every front-end process runs the periodic cleanup (7 days, every hour: the defaults) after its
    # first request; the database's record of the last run let one of them do it.
    assert sql(database, "SELECT runs FROM wmsedge_cleanups") == [(1,)]

    result = cleanup_command(node)  # on the node that runs the held job

    assert result.returncode == 0, result.stderr
    assert "deleted 1 status documents, 1 output folders, 1 working folders" in result.stdout
    assert "1 job rows, 5 hidden files of area jobs and 1 area job records" in result.stdout
    assert records(database, old) == (None, None, 0)
    assert not any(path.exists() for path in [shared / f"{old}.xml", shared / old, *old_leftovers, old_workdir])
    assert records(database, recent) == (WPS_STATUS.SUCCEEDED, "succeeded", BLOCKS)
    assert (shared / f"{recent}.xml").exists() and (shared / recent).is_dir()
    assert not recent_leftover.exists() and not unknown_old.exists() and unknown_new.exists()
    status, state, blocks = records(database, running)
    assert (status, state) == (WPS_STATUS.STARTED, "running") and blocks >= 5
    assert set(staged) <= {path.name for path in running_staging.iterdir()}
    assert (shared / f"{running}.xml").exists() and running_workdir.is_dir()
    [(runs, report)] = sql(database, "SELECT runs, report FROM wmsedge_cleanups")
    assert (runs, report) == (2, result.stdout.strip())

    # The held job finishes, equal to the undisturbed run of the same area.
    cluster.budget.allow()
    follow(running_execution, DEADLINE)
    assert running_execution.isSucceded(), [e.text for e in running_execution.errors]
    values, *georeferencing = cog_of(running_execution, cluster.front_ends[0].port)
    expected, *expected_georeferencing = cog_of(recent_execution, cluster.front_ends[0].port)
    assert georeferencing == expected_georeferencing
    assert np.array_equal(values, expected, equal_nan=True)
    assert not running_staging.exists()


def cleaner(deployment, name) -> Path:
    """A node folder whose configuration sets the periodic cleanup (7 days, every hour)."""
    node = deployment.folder / name
    if not node.exists():
        deployment._node_folder(name)
        options = dict(deployment.options)
        options["extra_sections"] += "\n[cleanup]\nretention = 7d\ninterval = 1h\n"
        write_config(node, deployment.wms_url, port=deployment.front_ends[0].port, **options)
    return node


def periodic_cleanups(deployment, names):
    """The periodic cleanup in one process per node of ``names``, all let go at once: their outputs."""
    go = deployment.folder / f"go-{uuid.uuid4().hex}"
    processes = [subprocess.Popen([sys.executable, "-c", PERIODIC, str(cleaner(deployment, name) / "pywps.cfg"),
                                   str(go)], cwd=cleaner(deployment, name), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for name in names]
    assert [process.stdout.readline() for process in processes] == ["ready\n"] * len(processes)
    go.touch()
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        outputs.append(out.strip())
    return outputs


def test_of_periodic_cleanups_on_four_nodes_at_once_one_does_the_work_and_a_held_lock_stops_them(cluster,
                                                                                                postgres_db):
    database, shared = postgres_db.url, cluster.shared
    old, _ = finished_job(cluster)
    age([shared / f"{old}.xml", shared / old], 10 * DAY)
    age_rows(database, old, 10 * DAY)
    [(runs_before,)] = sql(database, "SELECT runs FROM wmsedge_cleanups")
    sql(database, "UPDATE wmsedge_cleanups SET last_run = now() - interval '2 hours'")  # due again

    outputs = periodic_cleanups(cluster, ["cleaner-a", "cleaner-b", "cleaner-c", "cleaner-d"])

    ran = [output for output in outputs if output.startswith("ran: ")]
    assert len(ran) == 1 and outputs.count("skipped") == 3, outputs
    assert "deleted 1 status documents, 1 output folders" in ran[0]
    assert records(database, old) == (None, None, 0)
    assert sql(database, "SELECT runs FROM wmsedge_cleanups") == [(runs_before + 1,)]

    # Another node holds the lock: a due cleanup skips its turn, and runs once the lock is let go.
    old, _ = finished_job(cluster)
    age([shared / f"{old}.xml", shared / old], 10 * DAY)
    age_rows(database, old, 10 * DAY)
    sql(database, "UPDATE wmsedge_cleanups SET last_run = now() - interval '2 hours'")
    with psycopg.connect(database, autocommit=True) as other_node:
        other_node.execute("SELECT pg_advisory_lock(%s)", (CLEANUP_LOCK,))
        assert periodic_cleanups(cluster, ["cleaner-a"]) == ["skipped"]
        assert records(database, old)[0] == WPS_STATUS.SUCCEEDED and (shared / f"{old}.xml").exists()
    [output] = periodic_cleanups(cluster, ["cleaner-b"])
    assert output.startswith("ran: deleted 1 status documents, 1 output folders"), output
    assert records(database, old) == (None, None, 0)
