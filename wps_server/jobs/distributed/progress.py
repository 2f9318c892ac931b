"""Each area job's progress in PostgreSQL, the one place every front end and worker sees.

Two tables of the project's own: ``wmsedge_area_jobs`` (one row a job: blocks planned, state,
reason) and ``wmsedge_area_blocks`` (one row a block done). A block is recorded by an insert that
ignores a row already there, in one statement, so a block run twice (a re-delivered task) counts
once and a count is never half-updated. Every statement is retried, boundedly, when the database
is unreachable for a while (a restart).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from ..store import retried

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
FINISHED = (SUCCEEDED, FAILED)
#: Any constant: the advisory lock that serialises the tables' creation across nodes.
_CREATE_LOCK = 0x776D7365

metadata = sa.MetaData()
jobs = sa.Table(
    "wmsedge_area_jobs", metadata,
    sa.Column("job_id", sa.String(64), primary_key=True),
    sa.Column("blocks", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, default=RUNNING),
    sa.Column("reason", sa.Text),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("finished", sa.DateTime(timezone=True)),
)
blocks = sa.Table(
    "wmsedge_area_blocks", metadata,
    sa.Column("job_id", sa.String(64), sa.ForeignKey(jobs.c.job_id, ondelete="CASCADE"), primary_key=True),
    sa.Column("block_row", sa.Integer, primary_key=True),
    sa.Column("block_col", sa.Integer, primary_key=True),
)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    state: str
    reason: str | None = None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


def sqlalchemy_url(database: str) -> str:
    """SQLAlchemy's URL of a ``postgresql://`` database, through psycopg 3."""
    scheme, separator, rest = database.partition("://")
    if not separator or scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ValueError(f"the job database must be a postgresql:// URL, got {scheme or database!r}")
    return f"postgresql+psycopg://{rest}"


class ProgressStore:
    """The progress tables of one database; one engine per process (engines do not survive a fork)."""

    def __init__(self, database: str):
        self.engine = sa.create_engine(sqlalchemy_url(database), pool_pre_ping=True, pool_size=2,
                                       max_overflow=2)

    @retried
    def create_tables(self) -> None:
        """Create the tables if they are missing; safe when several nodes start at once."""
        with self.engine.begin() as connection:
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_CREATE_LOCK)))
            metadata.create_all(connection, checkfirst=True)

    @retried
    def start_job(self, job_id: str, total: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(jobs).values(job_id=job_id, blocks=total).on_conflict_do_nothing())

    @retried
    def block_done(self, job_id: str, row: int, col: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(blocks).values(job_id=job_id, block_row=row, block_col=col)
                               .on_conflict_do_nothing())

    @retried
    def finish(self, job_id: str, state: str, reason: str | None = None) -> bool:
        """Record the end of a running job; False when it had already ended (the first end stays)."""
        with self.engine.begin() as connection:
            result = connection.execute(
                jobs.update().where(jobs.c.job_id == job_id, jobs.c.state == RUNNING)
                .values(state=state, reason=reason, finished=sa.func.now()))
            return result.rowcount == 1

    @retried
    def progress(self, job_id: str) -> Progress | None:
        done = sa.select(sa.func.count()).where(blocks.c.job_id == job_id).scalar_subquery()
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(jobs.c.blocks, jobs.c.state, jobs.c.reason, done)
                                     .where(jobs.c.job_id == job_id)).first()
        return None if row is None else Progress(row[3], row[0], row[1], row[2])

    @retried
    def forget(self, job_id: str) -> None:
        """Remove a job's records (retention)."""
        with self.engine.begin() as connection:
            connection.execute(jobs.delete().where(jobs.c.job_id == job_id))

    def dispose(self) -> None:
        self.engine.dispose()


_stores: dict = {}


def store_for(database: str) -> ProgressStore:
    """This process's store of ``database`` (a new one after a fork)."""
    key = (os.getpid(), database)
    if key not in _stores:
        _stores[key] = ProgressStore(database)
    return _stores[key]
