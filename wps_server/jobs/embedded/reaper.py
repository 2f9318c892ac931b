"""Jobs whose process died, on the one machine that runs every worker and job.

``<prefix>wmsedge_jobs`` says which process runs each job, as its pid *and* its start time
(clock ticks since boot, from ``/proc/<pid>/stat``): a pid alone may be reused by an unrelated
process once the job's process has died. The worker that accepts a job records itself, then the
job's forked process as soon as it exists, so a job always names a process that is alive while
the job can still progress.

:func:`reap` turns every job that is accepted or started (not queued) and whose process is gone
(no such pid, a zombie, or the pid now belongs to a process started at another time) into
ProcessFailed: its row and its status document say why, and its working and output folders are
removed. It runs when a worker starts, on every async Execute before slots are counted, and
whenever a status document is served. A lock file and ``/proc`` say nothing about processes
elsewhere: several machines must not share an embedded job database (use the distributed mode).
"""

from __future__ import annotations

import logging
import os
import shutil

from pywps import dblog
from sqlalchemy import select

from ... import config
from .. import store
from ..execution import fail_status_document
from .slots import slot_lock

LOGGER = logging.getLogger("PYWPS")
DEAD_MESSAGE = ("the job's process (pid {pid}) ended before the job finished: it was killed or crashed, "
                "or the server was stopped. Run the job again.")


def start_ticks(pid) -> int | None:
    """When process ``pid`` started, in clock ticks since boot; None if there is no such
    process or it is a zombie (dead, not yet waited for by its parent)."""
    try:
        with open(f"/proc/{int(pid)}/stat", "rb") as stream:
            stat = stream.read()
    except (OSError, ValueError):
        return None
    fields = stat[stat.rindex(b")") + 2:].split()  # after "pid (command name) "
    if fields[0] in (b"Z", b"X"):
        return None
    return int(fields[19])  # field 22 of proc(5): starttime


def record_process(uuid, pid=None, workdir=None):
    """The job ``uuid`` is now run by ``pid`` (default: this process)."""
    pid = pid or os.getpid()
    ticks = start_ticks(pid)
    with store.session() as db:
        entry = db.get(store.JobHolder, str(uuid)) or store.JobHolder(uuid=str(uuid))
        entry.pid, entry.start_ticks = pid, -1 if ticks is None else ticks
        if workdir is not None:
            entry.workdir = workdir
        db.add(entry)
        db.commit()


def reap() -> list:
    """Fail every running job whose process is gone; return their uuids."""
    with slot_lock(), store.session() as db:
        rows = (db.query(dblog.ProcessInstance.uuid, dblog.ProcessInstance.pid, store.JobHolder.pid,
                         store.JobHolder.start_ticks, store.JobHolder.workdir)
                .outerjoin(store.JobHolder, store.JobHolder.uuid == dblog.ProcessInstance.uuid)
                .filter(dblog.ProcessInstance.status.in_(store.ACTIVE))
                .filter(~dblog.ProcessInstance.uuid.in_(select(dblog.RequestInstance.uuid))).all())
        dead = []
        for uuid, pywps_pid, pid, ticks, workdir in rows:
            alive = start_ticks(pywps_pid) is not None if pid is None else start_ticks(pid) == ticks
            if not alive:
                dead.append((uuid, pid or pywps_pid, workdir))
        failed = [(uuid, workdir, DEAD_MESSAGE.format(pid=pid)) for uuid, pid, workdir in dead
                  if store.fail_row(db, uuid, DEAD_MESSAGE.format(pid=pid))]
        db.commit()
    for uuid, workdir, message in failed:
        LOGGER.warning("job %s failed: %s", uuid, message)
        if not fail_status_document(uuid, message):
            LOGGER.warning("job %s: no readable status document to mark failed", uuid)
        _remove_job_folders(uuid, workdir)
    return [uuid for uuid, _, _ in failed]


def _remove_job_folders(uuid, workdir):
    """The working folder and the output folder of a job that died: partial files, never served."""
    folders = [os.path.join(config.current().output_folder, str(uuid))]
    if workdir:
        folders.append(workdir)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
