"""The server's asynchronous jobs: one runner, chosen by the configuration, behind one protocol.

A process derives from :class:`.process.JobProcess` and is then only inputs, outputs and
``_handler``; the runner decides where and when its jobs run. The embedded runner
(:mod:`.embedded`, the default) forks a process on the machine that accepted the job; the
distributed runner (:mod:`.distributed`, when ``[jobs]`` sets a broker and a database) sends it to
Celery workers. Each is imported by name only when configured, so the embedded mode never
imports Celery, Redis or psycopg. Modules:
:mod:`.store` (job rows through SQLAlchemy), :mod:`.execution` (status documents and rows as a
job runs), :mod:`.retention` (deleting old jobs).
"""

from __future__ import annotations

import functools
import importlib
from typing import Protocol

from .. import config


class Runner(Protocol):
    def prepare(self) -> None:
        """Once per worker at startup: the job tables exist."""

    def recover(self, service) -> None:
        """At startup: jobs that died with a previous server are failed, queued jobs run."""

    def accept(self, process, wps_request, response) -> bool:
        """Admit a job: True to start it now, False when queued; ServerBusy when full."""

    def start(self, process, wps_request, response) -> None:
        """Run an admitted job asynchronously (``process.run_job``)."""

    def finished(self, service) -> None:
        """A job ended (called where it ran)."""

    def status_requested(self, service) -> None:
        """A client is about to read a status document."""

    def launch_queued(self, service) -> None:
        """Start queued jobs while there is room."""

    def reap(self) -> list:
        """Fail the jobs that can no longer progress; return their uuids."""

    def cleanup_once(self, work, interval: float | None = None):
        """``work()`` (a retention cleanup) as the one cleanup of the server now, recorded as the last.
        With ``interval``: None, and nothing run, when another process is cleaning or the last cleanup
        is more recent than that; without: after the cleanup running now, if any."""

    def clean_up_jobs(self, report, active: set, cutoff: float, now: float) -> None:
        """Delete what the runner keeps of its own for jobs no longer ``active``, finished before
        ``cutoff`` (counted in ``report``, a :class:`.retention.Report`)."""


_RUNNERS = {False: ("wps_server.jobs.embedded", "EmbeddedRunner"),
            True: ("wps_server.jobs.distributed.runner", "DistributedRunner")}


def runner() -> Runner:
    """The configured runner of this process (one per mode)."""
    return _runner(config.current().jobs.distributed)


@functools.lru_cache(maxsize=2)
def _runner(distributed: bool) -> Runner:
    module, name = _RUNNERS[distributed]
    return getattr(importlib.import_module(module), name)()
