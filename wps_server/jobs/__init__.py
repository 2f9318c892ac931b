"""Async jobs across gunicorn workers: slots, the queue, and jobs whose process died.

Only a stored Execute with status updates (asynchronous) is a *job* here. A synchronous
Execute runs inside the gunicorn worker that received it, so gunicorn's worker count
already bounds how many run at once: it gets no row in PyWPS's job database and holds no
slot of ``parallelprocesses`` (PyWPS 4.8 wrote 7 rows and queries per request for it).

Jobs keep PyWPS's own records: ``<prefix>requests`` (one row per job, with its status) and
``<prefix>stored_requests`` (the queue). Beside them ``<prefix>wmsedge_jobs`` says which
process runs each job, as its pid *and* its start time (clock ticks since boot, from
``/proc/<pid>/stat``): a pid alone may be reused by an unrelated process once the job's
process has died. The worker that accepts a job records itself, then the job's forked
process as soon as it exists, so a job always names a process that is alive while the
job can still progress.

The reaper (:func:`reap`) turns every job that is accepted or started (not queued) and
whose process is gone (no such pid, a zombie, or the pid now belongs to a process started
at another time) into ProcessFailed: its row and its status document say why, and its
working and output folders are removed. It runs when a worker starts (jobs that were
running when the server stopped are failed; see :func:`recover`), on every async Execute
before slots are counted, and whenever a status document is served; after it, free slots
go to queued jobs (:func:`launch_queued`). Queued jobs survive a restart and are run: the
client was told its job was accepted, and the whole request is stored.

Counting slots and accepting a job happen under an exclusive ``flock`` on a file beside
the job database, so two workers can never both take the last slot.

All of this assumes that every worker and job of the server runs on one machine (as
gunicorn runs them): a lock file and ``/proc`` say nothing about processes elsewhere, so
several machines must not share one job database.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import logging
import os
import re
import shutil
import time

from lxml import etree
from pywps import configuration, dblog
from pywps.app.WPSRequest import WPSRequest
from pywps.exceptions import ServerBusy
from pywps.response.status import WPS_STATUS
from sqlalchemy import BigInteger, Column, Integer, String, func, select, text
from sqlalchemy.orm import declarative_base

from qgis_plugin.core.files import atomic_path

LOGGER = logging.getLogger("PYWPS")

ACTIVE = (WPS_STATUS.ACCEPTED, WPS_STATUS.STARTED, WPS_STATUS.PAUSED)
FINISHED = (WPS_STATUS.SUCCEEDED, WPS_STATUS.FAILED)
LOCK_NAME = ".jobs.lock"
DEAD_MESSAGE = ("the job's process (pid {pid}) ended before the job finished: it was killed or crashed, "
                "or the server was stopped. Run the job again.")
_WPS = "{http://www.opengis.net/wps/1.0.0}"
_OWS = "{http://www.opengis.net/ows/1.1}"
SQLITE_PREFIX = "sqlite:///"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: A job's status document in ``outputpath``: ``<uuid>.xml`` (group 1: the uuid).
STATUS_DOCUMENT = re.compile(rf"({UUID})\.xml")
_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)

_PREFIX = dblog.ProcessInstance.__tablename__[:-len("requests")]
_Base = declarative_base()


class JobProcess(_Base):
    """The process responsible for a job now: pid, its start time, and the job's working folder."""

    __tablename__ = f"{_PREFIX}wmsedge_jobs"

    uuid = Column(String(255), primary_key=True)
    pid = Column(Integer, nullable=False)
    start_ticks = Column(BigInteger, nullable=False)
    workdir = Column(String, nullable=True)


def prepare_database():
    """Our table, and an index on PyWPS's status column (every slot count filters on it)."""
    with contextlib.closing(dblog.get_session()) as session:
        engine = session.get_bind()
    _Base.metadata.create_all(engine)
    table = dblog.ProcessInstance.__tablename__
    with engine.begin() as connection:
        connection.execute(text(f"CREATE INDEX IF NOT EXISTS {table}_status ON {table} (status)"))


def is_job(wps_request) -> bool:
    """Whether a parsed request is an asynchronous Execute (stored, with status updates)."""
    return (wps_request.operation == "execute" and wps_request.store_execute == "true"
            and wps_request.status == "true")


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


def sqlite_file(database_url) -> str | None:
    """The file of a ``sqlite:///file?query`` database URL; None for another database."""
    url = str(database_url)
    return url[len(SQLITE_PREFIX):].partition("?")[0] if url.startswith(SQLITE_PREFIX) else None


def lock_path(name) -> str:
    """A lock file shared by every worker: beside the SQLite job database, else in workdir
    (so that the working and output folders hold only jobs' files)."""
    database = sqlite_file(configuration.get_config_value("logging", "database"))
    if database is not None:
        return os.path.join(os.path.dirname(database), name)
    return os.path.join(configuration.get_config_value("server", "workdir"), name)


@contextlib.contextmanager
def slot_lock():
    """Exclusive across the server's processes and threads (``flock``, see :func:`lock_path`)."""
    path = lock_path(LOCK_NAME)
    with open(path, "a") as stream:
        fcntl.flock(stream, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(stream, fcntl.LOCK_UN)


def record_process(uuid, pid=None, workdir=None):
    """The job ``uuid`` is now run by ``pid`` (default: this process)."""
    pid = pid or os.getpid()
    ticks = start_ticks(pid)
    with contextlib.closing(dblog.get_session()) as session:
        entry = session.get(JobProcess, str(uuid)) or JobProcess(uuid=str(uuid))
        entry.pid, entry.start_ticks = pid, -1 if ticks is None else ticks
        if workdir is not None:
            entry.workdir = workdir
        session.add(entry)
        session.commit()


def counts(session) -> tuple:
    """(running, queued) jobs; running = accepted or started, and not in the queue."""
    queued_uuids = select(dblog.RequestInstance.uuid)
    running = (session.query(func.count(dblog.ProcessInstance.uuid))
               .filter(dblog.ProcessInstance.status.in_(ACTIVE))
               .filter(~dblog.ProcessInstance.uuid.in_(queued_uuids)).scalar())
    queued = session.query(func.count(dblog.RequestInstance.uuid)).scalar()
    return running, queued


def accept(uuid, wps_request, accepted, queued):
    """Give the job a slot (``accepted()`` is called and True returned), or queue it
    (``queued()``, False), or refuse it with ServerBusy (HTTP 503) when the queue is full."""
    reap()
    maxparallel = int(configuration.get_config_value("server", "parallelprocesses"))
    maxqueued = int(configuration.get_config_value("server", "maxprocesses"))
    with slot_lock(), contextlib.closing(dblog.get_session()) as session:
        running, waiting = counts(session)
        if maxparallel == -1 or running < maxparallel:
            accepted()
            record_process(uuid)
            return True
        if maxqueued != -1 and waiting >= maxqueued:
            raise ServerBusy(f"the server is busy: {running} jobs running and {waiting} waiting, the most it "
                             "takes. Please try again later.", code=503)
        dblog.store_process(uuid, wps_request)
        queued()
        return False


def reap() -> list:
    """Fail every running job whose process is gone; return their uuids."""
    with slot_lock(), contextlib.closing(dblog.get_session()) as session:
        rows = (session.query(dblog.ProcessInstance.uuid, dblog.ProcessInstance.pid, JobProcess.pid,
                              JobProcess.start_ticks, JobProcess.workdir)
                .outerjoin(JobProcess, JobProcess.uuid == dblog.ProcessInstance.uuid)
                .filter(dblog.ProcessInstance.status.in_(ACTIVE))
                .filter(~dblog.ProcessInstance.uuid.in_(select(dblog.RequestInstance.uuid))).all())
        dead = []
        for uuid, pywps_pid, pid, ticks, workdir in rows:
            alive = start_ticks(pywps_pid) is not None if pid is None else start_ticks(pid) == ticks
            if not alive:
                dead.append((uuid, pid or pywps_pid, workdir))
        failed = [(uuid, workdir, DEAD_MESSAGE.format(pid=pid)) for uuid, pid, workdir in dead
                  if _fail_row(session, uuid, DEAD_MESSAGE.format(pid=pid))]
        session.commit()
    for uuid, workdir, message in failed:
        LOGGER.warning("job %s failed: %s", uuid, message)
        fail_status_document(uuid, message)
        _remove_job_folders(uuid, workdir)
    return [uuid for uuid, _, _ in failed]


def _fail_row(session, uuid, message) -> bool:
    """Mark the job failed, unless it finished meanwhile (its last words were written before it exited)."""
    updated = (session.query(dblog.ProcessInstance)
               .filter(dblog.ProcessInstance.uuid == uuid, dblog.ProcessInstance.status.in_(ACTIVE))
               .update({"status": WPS_STATUS.FAILED, "percent_done": 100, "message": message,
                        "time_end": datetime.datetime.now()}, synchronize_session=False))
    session.query(JobProcess).filter(JobProcess.uuid == uuid).delete(synchronize_session=False)
    return updated > 0


def fail_job(uuid, message):
    """Report job ``uuid`` failed with ``message`` (row and status document)."""
    with slot_lock(), contextlib.closing(dblog.get_session()) as session:
        _fail_row(session, str(uuid), message)
        session.commit()
    fail_status_document(uuid, message)


def fail_status_document(uuid, message):
    """Rewrite the job's status document as ProcessFailed with ``message`` (replaced atomically)."""
    path = os.path.join(configuration.get_config_value("server", "outputpath"), f"{uuid}.xml")
    try:
        tree = etree.parse(path, _PARSER)
    except (OSError, etree.XMLSyntaxError):
        LOGGER.warning("job %s: no readable status document to mark failed", uuid)
        return
    status = tree.getroot().find(f"{_WPS}Status")
    if status is None:
        return
    for child in list(status):
        status.remove(child)
    status.set("creationTime", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    report = etree.SubElement(etree.SubElement(status, f"{_WPS}ProcessFailed"), f"{_WPS}ExceptionReport")
    exception = etree.SubElement(report, f"{_OWS}Exception", exceptionCode="NoApplicableCode")
    etree.SubElement(exception, f"{_OWS}ExceptionText").text = message
    for outputs in tree.getroot().findall(f"{_WPS}ProcessOutputs"):
        tree.getroot().remove(outputs)
    with atomic_path(path) as temporary:
        tree.write(temporary, xml_declaration=True, encoding="UTF-8")


def _remove_job_folders(uuid, workdir):
    """The working folder and the output folder of a job that died: partial files, never served."""
    folders = [os.path.join(configuration.get_config_value("server", "outputpath"), str(uuid))]
    if workdir:
        folders.append(workdir)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def launch_queued(service):
    """Start queued jobs, oldest first, while slots are free."""
    maxparallel = int(configuration.get_config_value("server", "parallelprocesses"))
    while True:
        with slot_lock(), contextlib.closing(dblog.get_session()) as session:
            running, waiting = counts(session)
            if not waiting or (maxparallel != -1 and running >= maxparallel):
                return
            queue = session.query(dblog.RequestInstance)
            if session.get_bind().dialect.name == "sqlite":
                queue = queue.order_by(text("rowid"))  # oldest first
            stored = queue.first()
            uuid, request_json = stored.uuid, stored.request
            session.delete(stored)
            session.commit()
            record_process(uuid)
        try:
            _start_stored(service, uuid, request_json)
        except Exception as exc:  # a broken stored request must not stop the others
            LOGGER.exception("could not start the queued job %s", uuid)
            fail_job(uuid, f"the queued job could not be started: {exc}")


def _start_stored(service, uuid, request_json):
    """Run a stored request as PyWPS's ``launch_next_process`` does, with our response class."""
    from ..responses import SharedExecuteResponse

    stored = json.loads(request_json.decode("utf-8"))  # stored by this server: trusted
    process = service.prepare_process_for_execution(stored["identifier"])
    for definitions in stored.get("inputs", {}).values():
        for definition in definitions if isinstance(definitions, list) else [definitions]:
            if isinstance(definition, dict) and "workdir" in definition:
                definition["workdir"] = process.workdir  # PyWPS would create the old, removed one again
    request = WPSRequest()
    request.restore_json(stored)
    process._set_uuid(uuid)
    process._setup_status_storage()
    process.async_ = True
    process.setup_outputs_from_wps_request(request)
    response = SharedExecuteResponse(request, process=process, uuid=uuid)
    response.store_status_file = True
    process._run_async(request, response)


def recover(service):
    """At startup: fail the jobs that died with the previous server, then run queued jobs."""
    reap()
    launch_queued(service)


def store_status(uuid, status, message, percent):
    """The job's row: its status, message and progress (one UPDATE)."""
    with contextlib.closing(dblog.get_session()) as session:
        (session.query(dblog.ProcessInstance).filter(dblog.ProcessInstance.uuid == str(uuid))
         .update({"status": status, "message": str(message), "percent_done": percent,
                  "time_end": datetime.datetime.now()}, synchronize_session=False))
        session.commit()
