"""A worker node: Celery's own worker over the app of the distributed mode.

``python -m wps_server worker --config FILE`` reads the two settings and calls :func:`run_worker`.
"""

from __future__ import annotations

from .celery_app import QUEUE, make_app
from .progress import ProgressStore


def run_worker(broker: str, database: str, concurrency: int = 1, queues: tuple = (QUEUE,), *,
               hostname: str | None = None, loglevel: str = "INFO", **settings) -> int:
    """Run a worker until it is stopped (SIGTERM: warm shutdown); returns its exit code.

    ``concurrency`` is the number of worker processes (prefork), ``settings`` go to ``make_app``.
    """
    app = make_app(broker, database, **settings)
    store = ProgressStore(database)
    store.create_tables()
    store.dispose()  # the pool's processes make their own connections after the fork
    worker = app.Worker(concurrency=concurrency, queues=list(queues), hostname=hostname, loglevel=loglevel,
                        pool="prefork", without_mingle=True, without_gossip=True)
    worker.start()
    return worker.exitcode or 0
