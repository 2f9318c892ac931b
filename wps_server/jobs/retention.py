"""Retention: delete finished jobs' outputs, status documents and job rows after a while.

Run by hand (``python -m wps_server cleanup [--config F] [--older-than 7d]``) or inside
the server: with ``[cleanup] retention`` set, the first request served after each
``[cleanup] interval`` runs :func:`cleanup` once for the whole server, after its response has been
sent. One cleanup runs at a time, and the runner records when the last one ran: in the embedded
mode a non-blocking ``flock`` on ``.cleanup.lock`` beside the job database, whose modification time
is the last run; in the distributed mode a PostgreSQL advisory lock and a table, over every node
(see :mod:`wps_server.jobs.distributed.cleanup`). The command waits for a cleanup running meanwhile,
then runs; the periodic cleanup skips its turn instead.

What is deleted, when older than the retention:

* in ``outputpath``: a job's status document ``<uuid>.xml`` and its output folder
  ``<uuid>/`` (age: the newest modification time in it), and leftover hidden ``.*.part`` files;
* in ``workdir``: PyWPS's working folders ``pywps_process_*`` (left by killed workers);
* PyWPS's job rows (``<prefix>requests``) that are finished or were never started, and ours;
* what the runner keeps of its own (the distributed mode: area jobs' rows and hidden files).

Never deleted, however old: anything of a job that is accepted, queued or running (the
reaper first fails the jobs whose process is gone, see :mod:`wps_server.jobs`), the queue
(``<prefix>stored_requests``), files that do not look like the server's, and any file or
folder modified within the last :data:`MIN_AGE` seconds: a synchronous request, which has
no job row, may be writing it.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import shutil
import time
from dataclasses import dataclass, field

from pywps import dblog
from sqlalchemy import true

from .. import config
from ..config import CleanupSettings
from . import runner, store

MIN_AGE = 3600.0
_OUTPUT_FOLDER = re.compile(store.UUID)
_PART_FILE = re.compile(r"\..+\.part")
#: A working folder; group 1: the job it was made for, when its name says (see ``restore_job``).
_WORK_FOLDER = re.compile(rf"pywps_process_(?:({store.UUID})_)?.+")


@dataclass
class Report:
    """What one cleanup deleted and kept."""

    status_documents: int = 0
    output_folders: int = 0
    work_folders: int = 0
    other_files: int = 0
    job_rows: int = 0
    hidden_files: int = 0
    area_records: int = 0
    kept_active: list = field(default_factory=list)
    failed_dead: list = field(default_factory=list)

    def __str__(self):
        return (f"deleted {self.status_documents} status documents, {self.output_folders} output folders, "
                f"{self.work_folders} working folders, {self.other_files} partial files, {self.job_rows} "
                f"job rows, {self.hidden_files} hidden files of area jobs and {self.area_records} area job "
                f"records; kept {len(self.kept_active)} active jobs; marked {len(self.failed_dead)} jobs "
                "whose process was gone as failed")


def cleanup(older_than: float, now: float | None = None) -> Report:
    """Delete what finished more than ``older_than`` seconds ago (see the module's docstring)."""
    now = time.time() if now is None else now
    jobs = runner()
    report = Report(failed_dead=jobs.reap())
    active = _active_jobs()
    report.kept_active = sorted(active)
    cutoff = now - older_than
    file_cutoff = now - max(older_than, MIN_AGE)
    outputs = config.current().output_folder
    for entry in entries(outputs):
        document, folder = store.STATUS_DOCUMENT.fullmatch(entry.name), _OUTPUT_FOLDER.fullmatch(entry.name)
        uuid = document.group(1) if document else entry.name if folder else None
        if uuid in active:
            continue
        if document and entry.is_file(follow_symlinks=False) and newest(entry) < file_cutoff:
            delete(entry)
            report.status_documents += 1
        elif folder and entry.is_dir(follow_symlinks=False) and newest(entry) < file_cutoff:
            delete(entry)
            report.output_folders += 1
        elif _PART_FILE.fullmatch(entry.name) and newest(entry) < file_cutoff:
            delete(entry)
            report.other_files += 1
    active_workdirs = _active_workdirs()
    for entry in entries(config.current().work_folder):
        work_folder = _WORK_FOLDER.fullmatch(entry.name)
        if (work_folder and work_folder.group(1) not in active and entry.is_dir(follow_symlinks=False)
                and entry.path not in active_workdirs and newest(entry) < file_cutoff):
            delete(entry)
            report.work_folders += 1
    report.job_rows = _delete_rows(datetime.datetime.fromtimestamp(cutoff), active)
    jobs.clean_up_jobs(report, active, cutoff, now)
    return report


def run_if_due(settings: CleanupSettings):
    """The periodic cleanup: :func:`cleanup` unless another process is at it or the last cleanup
    ran less than an interval ago (then None)."""
    return runner().cleanup_once(lambda: cleanup(settings.retention), settings.interval)


def run_now(older_than: float) -> Report:
    """The cleanup command: :func:`cleanup`, after the one running meanwhile, if any."""
    return runner().cleanup_once(lambda: cleanup(older_than))


class Schedule:
    """When this process should next look whether a cleanup is due (a clock read per request)."""

    def __init__(self, settings: CleanupSettings):
        self.settings = settings
        self.next_check = 0.0

    def due(self) -> bool:
        if self.settings.retention is None or time.monotonic() < self.next_check:
            return False
        self.next_check = time.monotonic() + self.settings.interval
        return True


def _active_jobs() -> set:
    """Uuids of jobs accepted, queued or running (after the reaper: their process is alive)."""
    with store.session() as session:
        rows = session.query(dblog.ProcessInstance.uuid).filter(dblog.ProcessInstance.status.in_(store.ACTIVE))
        queued = session.query(dblog.RequestInstance.uuid)
        return {uuid for (uuid,) in rows} | {uuid for (uuid,) in queued}


def _active_workdirs() -> set:
    with store.session() as session:
        return {workdir for (workdir,) in session.query(store.JobHolder.workdir) if workdir}


def _delete_rows(cutoff: datetime.datetime, active: set) -> int:
    """Job rows last changed before ``cutoff`` that are not active; our rows of jobs no longer listed."""
    request = dblog.ProcessInstance
    with store.session() as session:
        old = (session.query(request)
               .filter(~request.uuid.in_(active) if active else true())
               .filter((request.status.is_(None)) | (~request.status.in_(store.ACTIVE)))
               .filter(((request.time_end.is_(None)) & (request.time_start < cutoff)) | (request.time_end < cutoff)))
        deleted = old.delete(synchronize_session=False)
        known = session.query(request.uuid)
        session.query(store.JobHolder).filter(~store.JobHolder.uuid.in_(known)).delete(synchronize_session=False)
        session.commit()
    return deleted


def entries(folder) -> list:
    """The entries of ``folder`` (none when it does not exist yet)."""
    try:
        with os.scandir(folder) as listing:
            return list(listing)
    except FileNotFoundError:
        return []


def newest(entry) -> float:
    """The latest modification time of a file, or of a folder and everything in it."""
    latest = entry.stat(follow_symlinks=False).st_mtime
    if entry.is_dir(follow_symlinks=False):
        for folder, names, files in os.walk(entry.path):
            for name in names + files:
                with contextlib.suppress(FileNotFoundError):
                    latest = max(latest, os.lstat(os.path.join(folder, name)).st_mtime)
    return latest


def delete(entry) -> None:
    if entry.is_dir(follow_symlinks=False):
        shutil.rmtree(entry.path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
