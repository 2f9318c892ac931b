"""Slots and the queue of asynchronous jobs, and the cleanup's turn, for the workers of one machine.

Counting slots and accepting a job happen under an exclusive ``flock`` on a file beside the job
database, so two workers can never both take the last slot. Queued jobs survive a restart and are
run: the client was told its job was accepted, and the whole request is stored. The retention
cleanup has a lock file of its own, whose modification time says when it last ran.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time

from ... import config

LOCK_NAME = ".jobs.lock"
CLEANUP_LOCK_NAME = ".cleanup.lock"


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


def cleanup_once(work, interval: float | None = None):
    """``work()`` as the one cleanup of this machine now, its report kept in the lock file (whose time
    says when it ran). With ``interval``: None, and nothing run, when another process is cleaning or
    the last cleanup is more recent than that; without: after the cleanup running now, if any."""
    with open(lock_path(CLEANUP_LOCK_NAME), "a") as stream:
        try:
            fcntl.flock(stream, fcntl.LOCK_EX if interval is None else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        try:
            last = os.fstat(stream.fileno())
            if interval is not None and last.st_size and time.time() - last.st_mtime < interval:
                return None
            report = work()
            stream.truncate(0)
            stream.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {report}\n")
            return report
        finally:
            fcntl.flock(stream, fcntl.LOCK_UN)
