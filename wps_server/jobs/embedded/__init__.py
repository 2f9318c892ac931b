"""The embedded runner (the default): jobs run in forked processes of the worker that accepts them.

Job state lives in the SQLite file of ``[logging] database``, slots are counted under a file lock
(:mod:`.slots`) and jobs whose process died are failed by the reaper (:mod:`.reaper`): all of it
assumes that one machine runs every worker and job, which is what gunicorn does.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import sqlite3

from pywps import dblog
from pywps.exceptions import ServerBusy
from sqlalchemy import text

from ... import config
from .. import store
from ..execution import JobResponse, fail_status_document
from ..process import restore_job
from .reaper import reap, record_process
from .slots import cleanup_once, slot_lock

LOGGER = logging.getLogger("PYWPS")


class EmbeddedRunner:
    """Forked job processes, a flock-guarded slot count, SQLite, and the /proc reaper."""

    def prepare(self):
        """Create the tables, and switch SQLite to write-ahead logging so that status reads by one
        worker do not wait for another worker's writes. Workers start together: one at a time
        prepares the database (under the job lock), and only the first changes the journal mode
        (SQLite refuses that change at once, without waiting, while another connection is open)."""
        path = config.current().sqlite_file
        with slot_lock():
            if path is not None:
                with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
                    if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                        connection.execute("PRAGMA journal_mode=WAL")
            dblog.get_session().close()
            store.prepare_database()

    def recover(self, service):
        """At startup: fail the jobs that died with the previous server, then run queued jobs."""
        reap()
        self.launch_queued(service)

    def accept(self, process, wps_request, response) -> bool:
        """Give the job a slot (True), or queue it (False), or refuse it with ServerBusy (HTTP 503)
        when the queue is full."""
        reap()
        limits = config.current().jobs
        with slot_lock(), store.session() as db:
            running, waiting = store.counts(db)
            if limits.parallel == -1 or running < limits.parallel:
                response.accepted()
                record_process(process.uuid)
                return True
            if limits.queued != -1 and waiting >= limits.queued:
                raise ServerBusy(f"the server is busy: {running} jobs running and {waiting} waiting, the most it "
                                 "takes. Please try again later.", code=503)
            dblog.store_process(process.uuid, wps_request)
            response.queued()
            return False

    def start(self, process, wps_request, response):
        """Fork the job's process and record it as the job's process at once, so that the reaper
        can tell when it dies."""
        child = multiprocessing.get_context("fork").Process(target=process.run_job, args=(wps_request, response))
        child.start()
        record_process(process.uuid, child.pid, process.workdir)

    def finished(self, service):
        """A job ended: its slot goes to the next queued job."""
        self.launch_queued(service)

    def reap(self) -> list:
        return reap()

    def status_requested(self, service):
        """A client reads a status document: a job whose process died is reported failed, not running forever."""
        reap()
        self.launch_queued(service)

    def launch_queued(self, service):
        """Start queued jobs, oldest first, while slots are free."""
        parallel = config.current().jobs.parallel
        while True:
            with slot_lock(), store.session() as db:
                running, waiting = store.counts(db)
                if not waiting or (parallel != -1 and running >= parallel):
                    return
                queue = db.query(dblog.RequestInstance)
                if db.get_bind().dialect.name == "sqlite":
                    queue = queue.order_by(text("rowid"))  # oldest first
                stored = queue.first()
                uuid, request_json = stored.uuid, stored.request
                db.delete(stored)
                db.commit()
                record_process(uuid)
            try:
                self._start_stored(service, uuid, request_json)
            except Exception as exc:  # a broken stored request must not stop the others
                LOGGER.exception("could not start the queued job %s", uuid)
                fail_job(uuid, f"the queued job could not be started: {exc}")

    def cleanup_once(self, work, interval=None):
        """One cleanup at a time on this machine (a file lock; see :func:`.slots.cleanup_once`)."""
        return cleanup_once(work, interval)

    def clean_up_jobs(self, report, active, cutoff, now):
        """Nothing of its own: a job's files are in its working folder, its rows go with PyWPS's."""

    def _start_stored(self, service, uuid, request_json):
        """Run a stored request as PyWPS's ``launch_next_process`` does, with our response class."""
        process, request, response = restore_job(service, uuid, request_json)
        self.start(process, request, response)


def fail_job(uuid, message):
    """Report job ``uuid`` failed with ``message`` (row and status document)."""
    with slot_lock(), store.session() as db:
        store.fail_row(db, str(uuid), message)
        db.commit()
    if not fail_status_document(uuid, message):
        LOGGER.warning("job %s: no readable status document to mark failed", uuid)


__all__ = ["EmbeddedRunner", "JobResponse", "fail_job"]
