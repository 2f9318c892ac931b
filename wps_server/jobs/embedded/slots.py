"""Slots and the queue of asynchronous jobs, for the workers of one machine.

Counting slots and accepting a job happen under an exclusive ``flock`` on a file beside the job
database, so two workers can never both take the last slot. Queued jobs survive a restart and are
run: the client was told its job was accepted, and the whole request is stored.
"""

from __future__ import annotations

import contextlib
import fcntl
import os

from ... import config

LOCK_NAME = ".jobs.lock"


def lock_path(name) -> str:
    """A lock file shared by every worker: beside the SQLite job database, else in workdir
    (so that the working and output folders hold only jobs' files)."""
    settings = config.current()
    if settings.sqlite_file is not None:
        return os.path.join(os.path.dirname(settings.sqlite_file), name)
    return os.path.join(settings.work_folder, name)


@contextlib.contextmanager
def slot_lock():
    """Exclusive across the server's processes and threads (``flock``, see :func:`lock_path`)."""
    with open(lock_path(LOCK_NAME), "a") as stream:
        fcntl.flock(stream, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(stream, fcntl.LOCK_UN)
