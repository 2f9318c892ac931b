"""Retention in the distributed mode: one cleanup at a time over every node, and what area jobs leave.

Any front end may run the periodic cleanup, and an operator the ``cleanup`` command on any node: a
PostgreSQL advisory lock lets one of them clean at a time (a node that dies lets go of it with its
connection), and the table ``wmsedge_cleanups`` says when the last cleanup ran, by PostgreSQL's clock
(one clock for every node), where, and what it deleted.

Beside what retention deletes in both modes (:mod:`wps_server.jobs.retention`), an area job keeps
rows in ``wmsedge_area_jobs`` and ``wmsedge_area_blocks``, and one that was killed or failed may
leave hidden files in the shared output folder (:data:`~.spec.LEFTOVER`). Whose job the database
says is over: its files go at once, its rows with PyWPS's. Whose job it does not know: its files go
once :data:`~wps_server.jobs.retention.MIN_AGE` old. Whose job is accepted or running (PyWPS's row,
or the area's record): nothing, however old.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import socket

import sqlalchemy as sa
from pywps import dblog
from sqlalchemy.dialects.postgresql import insert

from ... import config
from .. import retention, store
from .progress import FINISHED, RUNNING, jobs, sqlalchemy_url, store_for
from .spec import LEFTOVER

#: Any constant: the advisory lock held by the one cleanup running.
CLEANUP_LOCK = 0x776D7368
#: The row of ``wmsedge_cleanups`` that records the retention cleanup.
RETENTION = "retention"

metadata = sa.MetaData()
cleanups = sa.Table(
    "wmsedge_cleanups", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("last_run", sa.DateTime(timezone=True), nullable=False),
    sa.Column("runs", sa.Integer, nullable=False),
    sa.Column("node", sa.Text, nullable=False),
    sa.Column("report", sa.Text, nullable=False),
)


def cleanup_once(database: str, work, interval: float | None = None):
    """``work()`` as the one cleanup running now, recorded as the last one. With ``interval``: None,
    and nothing run, when another node is cleaning or the last cleanup is more recent than that;
    without: after the cleanup running now, if any."""
    engine = sa.create_engine(sqlalchemy_url(database), poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if interval is None:
                connection.execute(sa.select(sa.func.pg_advisory_lock(CLEANUP_LOCK)))
            elif not connection.execute(sa.select(sa.func.pg_try_advisory_lock(CLEANUP_LOCK))).scalar():
                return None
            try:
                if interval is not None and _ran_within(connection, interval):
                    return None
                report = work()
                _record(connection, report)
                return report
            finally:
                with contextlib.suppress(sa.exc.DBAPIError):  # a lost connection has let go of it already
                    connection.execute(sa.select(sa.func.pg_advisory_unlock(CLEANUP_LOCK)))
    finally:
        engine.dispose()


def _ran_within(connection, interval: float) -> bool:
    recent = sa.select(cleanups.c.name).where(
        cleanups.c.name == RETENTION, cleanups.c.last_run > sa.func.now() - datetime.timedelta(seconds=interval))
    return connection.execute(recent).first() is not None


def _record(connection, report) -> None:
    values = {"last_run": sa.func.now(), "node": f"{socket.gethostname()} pid {os.getpid()}", "report": str(report)}
    connection.execute(insert(cleanups).values(name=RETENTION, runs=1, **values).on_conflict_do_update(
        index_elements=[cleanups.c.name], set_={**values, "runs": cleanups.c.runs + 1}))


def clean_up_area_jobs(database: str, report, active: set, cutoff: float, now: float) -> None:
    """Area jobs' hidden files in the output folder, then their rows (see the module's docstring)."""
    records = store_for(database)
    with records.engine.connect() as connection:
        states = dict(connection.execute(sa.select(jobs.c.job_id, jobs.c.state)).all())
    with store.session() as db:
        finished = {uuid for (uuid,) in db.query(dblog.ProcessInstance.uuid)
                    .filter(dblog.ProcessInstance.status.in_(store.FINISHED))}
    finished |= {job for job, state in states.items() if state in FINISHED}
    for entry in retention.entries(config.current().output_folder):
        leftover = LEFTOVER.fullmatch(entry.name)
        job = leftover.group(1) if leftover else None
        if job is None or job in active or states.get(job) == RUNNING:
            continue
        if job in finished or retention.newest(entry) < now - retention.MIN_AGE:
            retention.delete(entry)
            report.hidden_files += 1
    moment = datetime.datetime.fromtimestamp(cutoff, tz=datetime.timezone.utc)
    with records.engine.begin() as connection:  # a job's blocks go with it (ON DELETE CASCADE)
        report.area_records = connection.execute(jobs.delete().where(
            jobs.c.state.in_(FINISHED), jobs.c.finished < moment,
            jobs.c.job_id.not_in(sa.select(dblog.ProcessInstance.uuid)))).rowcount
