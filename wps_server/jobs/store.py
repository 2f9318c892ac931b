"""Job records, through SQLAlchemy: PyWPS's job tables and the project's own.

PyWPS keeps ``<prefix>requests`` (one row per job, with its status) and ``<prefix>stored_requests``
(the queue). Beside them ``<prefix>wmsedge_jobs`` names the process now responsible for each job
(see :mod:`.embedded.reaper`). The database is ``[logging] database``: SQLite for one machine,
PostgreSQL when several share it. Only asynchronous Execute requests are jobs: a synchronous one
runs in the worker that received it and leaves no row.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import re
import time

from pywps import dblog
from pywps.response.status import WPS_STATUS
from sqlalchemy import BigInteger, Column, Integer, String, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import declarative_base

ACTIVE = (WPS_STATUS.ACCEPTED, WPS_STATUS.STARTED, WPS_STATUS.PAUSED)
FINISHED = (WPS_STATUS.SUCCEEDED, WPS_STATUS.FAILED)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: A job's status document in ``outputpath``: ``<uuid>.xml`` (group 1: the uuid).
STATUS_DOCUMENT = re.compile(rf"({UUID})\.xml")
#: Attempts of a job's statement while the database cannot be reached (about 3 minutes in all:
#: a PostgreSQL restart), and the longest pause between two.
DATABASE_ATTEMPTS = 40
DATABASE_MAX_PAUSE = 5.0

_PREFIX = dblog.ProcessInstance.__tablename__[:-len("requests")]
_Base = declarative_base()


class JobHolder(_Base):
    """The process responsible for a job now: pid, its start time, and the job's working folder."""

    __tablename__ = f"{_PREFIX}wmsedge_jobs"

    uuid = Column(String(255), primary_key=True)
    pid = Column(Integer, nullable=False)
    start_ticks = Column(BigInteger, nullable=False)
    workdir = Column(String, nullable=True)


def retried(method):
    """``method``, run again while the database cannot be reached, at most DATABASE_ATTEMPTS times:
    for what a job does as it runs, which must outlive a database restart."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        for attempt in range(DATABASE_ATTEMPTS - 1):
            try:
                return method(*args, **kwargs)
            except OperationalError:
                time.sleep(min(DATABASE_MAX_PAUSE, 0.1 * 2 ** attempt))
        return method(*args, **kwargs)
    return wrapper


def session():
    """A database session, closed at the end of a ``with`` block."""
    return contextlib.closing(dblog.get_session())


def prepare_database():
    """PyWPS's tables and ours, and an index on PyWPS's status column (every slot count filters on it)."""
    with session() as db:
        engine = db.get_bind()
    _Base.metadata.create_all(engine)
    table = dblog.ProcessInstance.__tablename__
    with engine.begin() as connection:
        connection.execute(text(f"CREATE INDEX IF NOT EXISTS {table}_status ON {table} (status)"))


def is_job(wps_request) -> bool:
    """Whether a parsed request is an asynchronous Execute (stored, with status updates)."""
    return (wps_request.operation == "execute" and wps_request.store_execute == "true"
            and wps_request.status == "true")


def counts(db) -> tuple:
    """(running, queued) jobs; running = accepted or started, and not in the queue."""
    queued_uuids = select(dblog.RequestInstance.uuid)
    running = (db.query(func.count(dblog.ProcessInstance.uuid))
               .filter(dblog.ProcessInstance.status.in_(ACTIVE))
               .filter(~dblog.ProcessInstance.uuid.in_(queued_uuids)).scalar())
    queued = db.query(func.count(dblog.RequestInstance.uuid)).scalar()
    return running, queued


def store_status(uuid, status, message, percent):
    """The job's row: its status, message and progress (one UPDATE; see :func:`retried`)."""
    with session() as db:
        (db.query(dblog.ProcessInstance).filter(dblog.ProcessInstance.uuid == str(uuid))
         .update({"status": status, "message": str(message), "percent_done": percent,
                  "time_end": datetime.datetime.now()}, synchronize_session=False))
        db.commit()


def fail_row(db, uuid, message) -> bool:
    """Mark the job failed, unless it finished meanwhile (its last words were written before it exited)."""
    updated = (db.query(dblog.ProcessInstance)
               .filter(dblog.ProcessInstance.uuid == uuid, dblog.ProcessInstance.status.in_(ACTIVE))
               .update({"status": WPS_STATUS.FAILED, "percent_done": 100, "message": message,
                        "time_end": datetime.datetime.now()}, synchronize_session=False))
    db.query(JobHolder).filter(JobHolder.uuid == uuid).delete(synchronize_session=False)
    return updated > 0
