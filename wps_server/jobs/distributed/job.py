"""A whole job on a worker node: the task :data:`~.tasks.JOB_TASK` rebuilds the process from PyWPS's
stored request and runs it (``JobProcess.run_job``), as the embedded runner does for a queued job."""

from __future__ import annotations

from pywps import dblog

from .. import store
from ..process import restore_job

_services: list = []


def serve(service) -> None:
    """The PyWPS service whose processes this worker's job tasks run (``python -m wps_server worker``
    builds it after loading the configuration, as ``create_app`` does for a front end)."""
    _services[:] = [service]


def run_stored_job(uuid: str, request_json: str) -> None:
    """The job's task, on a worker: rebuild the process and run it, unless the job has ended
    (a task re-delivered after its job finished, or was failed by a front end)."""
    if _status(uuid) in (None, *store.FINISHED):
        return
    if not _services:
        raise RuntimeError("this worker has no PyWPS service to run jobs with (see serve)")
    process, request, response = restore_job(_services[0], uuid, request_json.encode("utf-8"))
    process.run_job(request, response)


@store.retried
def _status(uuid: str):
    """The job's status; None when it has no row (deleted) or none (never admitted): nothing to run."""
    with store.session() as db:
        row = db.get(dblog.ProcessInstance, uuid)
        return None if row is None else row.status
