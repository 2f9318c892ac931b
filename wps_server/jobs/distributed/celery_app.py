"""The Celery app of the distributed mode, built from two settings: the broker and the database.

Redis is the broker and also Celery's result backend. The backend holds only what Celery needs
to join a chord (its block results, counted atomically in a Redis sorted set, where a block's
duplicate result counts once) and expires it; the durable state of a job is the project's own
records in PostgreSQL (``progress``), next to PyWPS's job table. A PostgreSQL result backend
would make Celery poll every chord with a ``chord_unlock`` task and tie Celery's bookkeeping to
the database's restarts.

Task semantics (GUIDE.md section 5): acknowledged after they run and rejected (re-queued) when
their worker process is lost, one message reserved at a time per process, a hard time limit per
task, bounded reconnection and result-storing retries. A task whose whole worker node is lost is
re-delivered by Redis once ``visibility_timeout`` has passed, which must exceed the longest task.
"""

from __future__ import annotations

from celery import Celery

from . import tasks
from .progress import sqlalchemy_url

QUEUE = "wmsedge"
#: Whole jobs (``tasks.JOB_TASK``): a queue of their own, consumed by processes of their own, so that
#: jobs waiting for their blocks never take every process that could compute those blocks.
JOB_QUEUE = "wmsedge.jobs"
#: Hard time limit of one task (one block, or the assembly), in seconds.
TASK_TIME_LIMIT = 900
#: Seconds a result stays in Redis: long enough for every front end to read the job's end.
RESULT_EXPIRES = 7 * 24 * 3600
#: Bounded retries of the broker connection and of storing a result while Redis is away.
BROKER_CONNECTION_RETRIES = 100
RESULT_BACKEND_RETRIES = 60


def make_app(broker: str, database: str, *, task_time_limit: float = TASK_TIME_LIMIT,
             visibility_timeout: float | None = None, result_retries: int = RESULT_BACKEND_RETRIES) -> Celery:
    """The app every front end and worker builds from the same ``broker`` (``redis://``) and
    ``database`` (``postgresql://``); ``visibility_timeout`` defaults to twice the task limit.
    ``result_retries``: how often a result is stored or read again while Redis is away (0: never)."""
    if not broker.startswith(("redis://", "rediss://")):
        raise ValueError(f"the job broker must be a redis:// URL, got {broker.partition('://')[0]!r}")
    sqlalchemy_url(database)  # a bad database URL fails here, not in the first task
    visibility = float(visibility_timeout if visibility_timeout is not None else 2 * task_time_limit)
    if visibility <= task_time_limit:
        raise ValueError(f"the visibility timeout ({visibility:g} s) must exceed the task time limit "
                         f"({task_time_limit:g} s), else Redis re-delivers tasks still running")
    app = Celery("wmsedge", broker=broker, backend=broker, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=task_time_limit,
        task_default_queue=QUEUE,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=RESULT_EXPIRES,
        result_chord_ordered=True,
        result_backend_always_retry=result_retries > 0,
        result_backend_max_retries=result_retries,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=BROKER_CONNECTION_RETRIES,
        broker_transport_options={"visibility_timeout": visibility},
        result_backend_transport_options={"visibility_timeout": visibility},
        wmsedge_database=database,
    )
    tasks.register(app)
    return app
