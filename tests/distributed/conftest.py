"""A small cluster on loopback: private PostgreSQL and Redis (sandbox/services.py) for the session,
and worker nodes as separate processes, each in its own folder, sharing only the database, the
broker and the output folder."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from sandbox.services import PostgresServer, RedisServer
from wps_server.jobs.distributed.celery_app import make_app
from wps_server.jobs.distributed.progress import FINISHED, ProgressStore
from wps_server.jobs.distributed.tasks import submit_area

WORKER_SCRIPT = Path(__file__).resolve().parent.parent / "support" / "celery_worker.py"
REPOSITORY = Path(__file__).resolve().parents[2]
#: The workers' limits: far above a test block's time even on a loaded machine; a task of a node
#: killed outright comes back after the visibility timeout.
TASK_TIME_LIMIT = 60
VISIBILITY_TIMEOUT = 75
STARTUP_TIMEOUT = 180
JOB_TIMEOUT = 600


@pytest.fixture(scope="session")
def postgres():
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="module")
def postgres_db():
    """A database of the test module's own (admission counts every job in it; retention sees only its jobs)."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="module")
def redis_broker():
    """A broker of the test module's own: no other module's tasks or results in it."""
    with RedisServer() as server:
        yield server


class Worker:
    """One worker node: ``python tests/support/celery_worker.py`` in a session of its own."""

    def __init__(self, name, folder, broker, database, command=None):
        """``command``: the node's command line (default: the test worker script)."""
        self.name, self.folder = name, Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log_file = self.folder / "worker.log"
        env = dict(os.environ, WMSEDGE_BROKER=broker, WMSEDGE_DATABASE=database, WMSEDGE_WORKER_NAME=name,
                   WMSEDGE_TASK_TIME_LIMIT=str(TASK_TIME_LIMIT), WMSEDGE_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
                   PYTHONPATH=str(REPOSITORY))
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(command or [sys.executable, str(WORKER_SCRIPT)], cwd=self.folder, env=env,
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def blocks_done(self) -> int:
        """Block tasks this node's log reports done."""
        return len(re.findall(r"Task wmsedge\.area\.block\[[^]]+\] succeeded", self.log()))

    def received(self, task) -> int:
        """Tasks named ``task`` this node's log reports received."""
        return len(re.findall(rf"Task {re.escape(task)}\[[^]]+\] received", self.log()))

    def kill(self):
        """SIGKILL the whole node at once, as if its machine had gone."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
        self.kill()


class Cluster:
    """The app as a front end builds it, the job records, and the worker nodes."""

    def __init__(self, postgres, redis_server, folder):
        self.postgres, self.redis = postgres, redis_server
        self.folder = Path(folder)
        self.output = self.folder / "shared-output"
        self.output.mkdir()
        self.app = make_app(redis_server.url, postgres.url, task_time_limit=TASK_TIME_LIMIT,
                            visibility_timeout=VISIBILITY_TIMEOUT)
        self.store = ProgressStore(postgres.url)
        self.store.create_tables()
        self.workers = []

    def start_worker(self, name):
        worker = Worker(f"{name}@{self.folder.name}", self.folder / name, self.redis.url, self.postgres.url)
        self.workers.append(worker)
        return worker

    def wait_ready(self):
        """Until every running worker answers a ping through the broker."""
        names = {w.name for w in self.workers if w.process.poll() is None}
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            for worker in self.workers:
                if worker.process.poll() is not None and worker.name in names:
                    raise RuntimeError(f"worker {worker.name} exited:\n{worker.log()[-4000:]}")
            try:
                answered = {name for reply in (self.app.control.ping(timeout=2) or []) for name in reply}
            except redis.exceptions.ConnectionError:
                continue  # a pooled connection from before a broker restart: the next ping takes a new one
            if names <= answered:
                return
        raise RuntimeError(f"workers {names} not ready; logs:\n" + "\n".join(w.log()[-2000:] for w in self.workers))

    def wait_finished(self, job_id, timeout=JOB_TIMEOUT):
        """The job's progress once it is over (succeeded or failed), as every front end reads it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            progress = self.store.progress(job_id)
            if progress is not None and progress.state in FINISHED:
                return progress
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not finish in {timeout} s: {self.store.progress(job_id)}; logs:\n"
                             + "\n".join(w.log()[-3000:] for w in self.workers))

    def wait_blocks(self, job_id, count, timeout=JOB_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            progress = self.store.progress(job_id)
            if progress is not None and progress.done >= count:
                return progress
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} never reached {count} blocks: {self.store.progress(job_id)}")

    def submit(self, spec):
        """Send an area job as a front end does; its destination is in the shared output folder."""
        destination = self.output / f"{spec.job_id}.tif"
        result = submit_area(self.app, spec, str(destination))
        return destination, result

    def outcome(self, result, timeout=JOB_TIMEOUT):
        """What a chord ended with: the assembly's report, or the exception it failed with.

        Polled (``ready()``), as a front end does, not waited for with ``get()``: ``get()``
        subscribes to Redis, and the result would then unsubscribe when collected, after the broker
        may have gone."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result.ready():
                return result.result
            time.sleep(0.2)
        raise AssertionError(f"the chord {result.id} did not end in {timeout} s")

    def close(self):
        # Celery's Redis backend subscribes to every task sent, and unsubscribes when its results are
        # collected, which may be after the session's Redis has stopped: drop the subscriptions now.
        consumer = self.app.backend.result_consumer
        consumer.stop()
        consumer.subscribed_to.clear()
        for worker in self.workers:
            worker.stop()
        self.store.dispose()
        self.app.close()


@pytest.fixture
def cluster(postgres, redis_server, tmp_path):
    """Two worker nodes, started and ready; stopped at the end of the test."""
    cluster = Cluster(postgres, redis_server, tmp_path)
    try:
        cluster.start_worker("alpha")
        cluster.start_worker("beta")
        cluster.wait_ready()
        yield cluster
    finally:
        cluster.close()
