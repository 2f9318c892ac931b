"""The distributed runner: every asynchronous Execute is a Celery task, its state in PostgreSQL.

A front end admits a job under a PostgreSQL transaction-level advisory lock, so that the jobs
waiting for a worker, counted over every front end, never exceed ``[server] maxprocesses``; it
then sends the job as the task :data:`~.tasks.JOB_TASK` (the job's uuid is the task id) carrying
PyWPS's stored request. A worker rebuilds the process from it and runs ``JobProcess.run_job``:
status document in the shared output folder, row in PyWPS's table in PostgreSQL. An area of
more than one block is spread over every worker as a chord (:func:`compute_area`): the job's
task waits for it, polling its progress. Job tasks have a queue of their own
(:data:`~.celery_app.JOB_QUEUE`) served by other worker processes than the blocks' queue, so
waiting jobs can never hold every process their blocks need. Nothing here knows a pid: a job whose
task failed, or outlived the per-job time limit, is found through Celery's result by whichever
front end serves a status document next (:meth:`DistributedRunner.reap`).

Outages: a front end that cannot reach PostgreSQL or Redis refuses new jobs with ServerBusy
(HTTP 503) and still serves status documents, which are files of the shared folder; a job waits
for the database (its row and progress writes are retried) and Celery waits for the broker.
"""

from __future__ import annotations

import functools
import logging
import shutil
import time

import sqlalchemy as sa
from celery.exceptions import TimeLimitExceeded
from kombu.exceptions import OperationalError as BrokerError
from pywps import dblog
from pywps.exceptions import ServerBusy
from pywps.response.status import WPS_STATUS

from wmsedge_engine.area import AreaError

from ... import config
from .. import store
from ..execution import fail_status_document
from . import cleanup
from .celery_app import JOB_QUEUE, TASK_TIME_LIMIT, make_app
from .progress import FAILED, FINISHED, SUCCEEDED, ProgressStore, sqlalchemy_url, store_for
from .spec import AreaJobSpec, assembled_path, staging_folder
from .tasks import JOB_TASK, submit_area

LOGGER = logging.getLogger("PYWPS")
#: Any constants: the advisory locks of admission and of creating the tables.
_ADMISSION_LOCK = 0x776D7366
_PREPARE_LOCK = 0x776D7367
#: Seconds a job's task may run beyond ``[jobs] time_limit`` (its area's blocks stop at the limit
#: itself, so the job fails with their reason first), and between two progress polls.
JOB_GRACE = 60.0
POLL_INTERVAL = 0.5


def task_limits(jobs: config.JobSettings) -> dict:
    """``make_app``'s limits: a block runs at most as long as a job, and Redis re-delivers no task
    (the job's task included) before it could have ended."""
    return {"task_time_limit": min(TASK_TIME_LIMIT, jobs.time_limit),
            "visibility_timeout": jobs.time_limit + 2 * JOB_GRACE}


@functools.lru_cache(maxsize=1)
def celery_app():
    """This process's Celery app, from ``[jobs]``."""
    jobs = config.current().jobs
    return make_app(jobs.broker, jobs.database, **task_limits(jobs))


@functools.lru_cache(maxsize=1)
def status_reader():
    """The same app for a front end's reads of job results, without the retries that carry a worker's
    writes through a Redis outage: a status request never waits for Redis, the next one reads again."""
    jobs = config.current().jobs
    return make_app(jobs.broker, jobs.database, result_retries=0, **task_limits(jobs))


class DistributedRunner:
    """Jobs as Celery tasks on any worker node; admission, state and failures through PostgreSQL."""

    def prepare(self):
        """PyWPS's tables, ours and the progress tables; one node at a time (concurrent CREATE TABLEs
        of PostgreSQL collide), PyWPS's first session included (it creates its tables too)."""
        engine = sa.create_engine(sqlalchemy_url(config.current().jobs.database), poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as connection:
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_PREPARE_LOCK)))
                dblog.get_session().close()
                store.prepare_database()
                cleanup.metadata.create_all(connection)
        finally:
            engine.dispose()
        records = ProgressStore(config.current().jobs.database)
        records.create_tables()
        records.dispose()

    def recover(self, service):
        """Queued jobs wait in the broker, which keeps them: only failed tasks are left to find."""
        self.reap()

    def accept(self, process, wps_request, response) -> bool:
        """Admit the job (always started: it waits in the broker's queue), or ServerBusy (HTTP 503)."""
        limit = config.current().jobs.queued
        with store.session() as db:
            db.execute(sa.select(sa.func.pg_advisory_xact_lock(_ADMISSION_LOCK)))
            waiting, running = (_count(db, (WPS_STATUS.ACCEPTED,)),
                                _count(db, (WPS_STATUS.STARTED, WPS_STATUS.PAUSED)))
            if limit != -1 and waiting >= limit:
                db.rollback()
                raise ServerBusy(f"the server is busy: {waiting} jobs waiting for a worker and {running} running, "
                                 "the most it takes. Please try again later.", code=503)
            (db.query(dblog.ProcessInstance).filter(dblog.ProcessInstance.uuid == str(process.uuid))
             .update({"status": WPS_STATUS.ACCEPTED, "percent_done": 0}, synchronize_session=False))
            db.commit()
        response.accepted()
        return True

    def start(self, process, wps_request, response):
        """Send the job to the workers; its working folder here is not needed (a worker makes its own).

        ServerBusy (HTTP 503) when the broker cannot be reached: the job is failed, not left accepted.
        Redis is asked first whether it answers: sending would retry, and Celery's subscription to the
        job's result give up with a RuntimeError ("the Celery application must be restarted")."""
        time_limit = config.current().jobs.time_limit + JOB_GRACE
        process.clean()
        app = celery_app()
        try:
            app.backend.client.ping()
            app.send_task(JOB_TASK, args=(str(process.uuid), wps_request.json), task_id=str(process.uuid),
                          time_limit=time_limit, queue=JOB_QUEUE)
        except (BrokerError, *app.backend.connection_errors) as exc:
            LOGGER.warning("job %s refused: the broker cannot be reached: %s", process.uuid, exc)
            fail_job(process.uuid, "refused: the job broker could not be reached")
            raise ServerBusy("the server cannot take jobs now: its job broker cannot be reached. "
                             "Please try again later.", code=503) from None

    def finished(self, service):
        """Nothing to hand on: the next job is already in the broker's queue."""

    def status_requested(self, service):
        self.reap()

    def cleanup_once(self, work, interval=None):
        """One cleanup at a time over every node (see :func:`.cleanup.cleanup_once`)."""
        return cleanup.cleanup_once(config.current().jobs.database, work, interval)

    def clean_up_jobs(self, report, active, cutoff, now):
        cleanup.clean_up_area_jobs(config.current().jobs.database, report, active, cutoff, now)

    def launch_queued(self, service):
        """The broker runs queued jobs."""

    def reap(self) -> list:
        """Fail the unfinished jobs whose task failed (an error, the time limit); return their uuids.

        Nothing is learnt while PostgreSQL or Redis cannot be reached: the next call tries again (a
        status document is served meanwhile, as it is). Results are read without retries
        (:func:`status_reader`): Celery would otherwise wait for Redis, retrying, for minutes."""
        reader = status_reader()
        failed = []
        try:
            with store.session() as db:
                uuids = [row.uuid for row in db.query(dblog.ProcessInstance.uuid)
                         .filter(dblog.ProcessInstance.status.in_(store.ACTIVE))]
            for uuid in uuids:
                result = reader.AsyncResult(uuid)
                if result.state == "FAILURE" and fail_job(uuid, _reason(result.result)):
                    failed.append(uuid)
        except (sa.exc.OperationalError, *reader.backend.connection_errors) as exc:
            LOGGER.warning("failed jobs cannot be looked for now: %s", exc)
        return failed


def _count(db, statuses) -> int:
    return (db.query(sa.func.count(dblog.ProcessInstance.uuid))
            .filter(dblog.ProcessInstance.status.in_(statuses)).scalar())


def _reason(exc) -> str:
    if isinstance(exc, TimeLimitExceeded):
        return f"the job exceeded its time limit of {config.current().jobs.time_limit:g} s ([jobs] time_limit)"
    return f"the job's task failed: {type(exc).__name__}: {exc}"


def fail_job(uuid, message) -> bool:
    """Report job ``uuid`` failed with ``message`` (row, then status document, then its area's record:
    a failed job's files are then its cleanup's), unless it ended meanwhile."""
    with store.session() as db:
        failed = store.fail_row(db, str(uuid), message)
        db.commit()
    if failed and not fail_status_document(uuid, message):
        LOGGER.warning("job %s: no readable status document to mark failed", uuid)
    if failed:
        store_for(config.current().jobs.database).finish(str(uuid), FAILED, message)
    return failed


def compute_area(job_id, tile, block_size: int, progress) -> str:
    """The area's blocks as a chord over every worker, waited for here; ``progress(fraction)`` as
    blocks are done. Returns the COG's path in the shared output folder; AreaError with the reason
    when the job fails."""
    settings = config.current()
    job_id = str(job_id)
    e = tile.grid.extent
    spec = AreaJobSpec(job_id=job_id, url=tile.wms_url, layer=tile.layer, crs=tile.crs, method=tile.method,
                       extent=(e.xmin, e.ymin, e.xmax, e.ymax), width=tile.grid.width, height=tile.grid.height,
                       block_size=block_size, staging=staging_folder(settings.output_folder, job_id),
                       version=tile.wms_version, image_format=tile.image_format, wms_timeout=settings.wms.timeout,
                       retries=settings.wms.retries, deadline=time.time() + settings.jobs.time_limit)
    destination = assembled_path(settings.output_folder, job_id)
    records = store_for(settings.jobs.database)
    previous = records.progress(job_id)
    if previous is not None and previous.state in FINISHED:  # this task re-delivered: the area starts over
        records.forget(job_id)
        shutil.rmtree(spec.staging, ignore_errors=True)
    submit_area(celery_app(), spec, destination)
    done = None
    while True:
        state = records.progress(job_id)
        if state.done != done:
            done = state.done
            progress(state.fraction)
        if state.state == SUCCEEDED:
            return destination
        if state.state == FAILED:
            raise AreaError(state.reason or "the area's blocks failed")
        if time.time() > spec.deadline + JOB_GRACE:
            records.finish(job_id, FAILED, "exceeded its time limit")
            raise AreaError(f"job {job_id} exceeded its time limit of {settings.jobs.time_limit:g} s")
        time.sleep(POLL_INTERVAL)
