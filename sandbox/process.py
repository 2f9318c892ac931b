"""A server process on a free loopback port: started, waited for, and always stopped."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (callers retry if it is taken)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """Linux: the server gets SIGTERM if the process that started it dies without stopping it."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


class LoopbackServer:
    """Base of the sandbox servers; a context manager, ``stop()`` is idempotent.

    A subclass sets ``url`` (from ``self.port``), ``ready_query`` and ``ready_marker`` (the
    server is up when GET ``url + ready_query`` answers with a body containing the marker),
    and ``command(port)`` and ``environment(port)``. The process runs in ``workdir``, in a
    session of its own so that ``stop()`` also ends its children, and its output goes to
    ``log_file``.
    """

    ready_query = ""
    ready_marker = b""

    def __init__(self, workdir: Path, log_name: str):
        self.workdir = Path(workdir)
        self.log_file = self.workdir / log_name
        self.process = None
        self.port = None

    @property
    def url(self) -> str:
        raise NotImplementedError

    def command(self, port: int) -> list:
        raise NotImplementedError

    def environment(self, port: int) -> dict:
        raise NotImplementedError

    def start(self, attempts: int = 3, port: int | None = None):
        """Start on a free port; retry on another port if the first was taken meanwhile.
        With ``port``, start on that port only (e.g. a restart, see :meth:`restart`)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        for _ in range(attempts if port is None else 1):
            self.port = free_port() if port is None else port
            command, env = self.command(self.port), self.environment(self.port)
            with open(self.log_file, "ab") as log:
                self.process = subprocess.Popen(command, env=env, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                                preexec_fn=_die_with_parent)
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError(f"{Path(command[0]).name} did not start; its log ({self.log_file}):\n{self.log_tail()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url + self.ready_query, timeout=5) as response:
                    if self.ready_marker in response.read():
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        return False

    def stop(self):
        """Stop the server and every process of its session (workers, async jobs)."""
        if self.process is None:
            return
        group = self.process.pid
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process = None

    def restart(self, crash: bool = False):
        """Stop, then start again on the same port in the same ``workdir`` (state kept on disk stays).
        ``crash``: SIGKILL every process of the server at once, as if the machine had lost them."""
        port = self.port
        if crash and self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.stop()
        return self.start(port=port)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_file.read_text(errors="replace")[-chars:] if self.log_file.exists() else ""

    def __enter__(self):
        return self if self.process is not None else self.start()

    def serve_until_interrupted(self, what: str = "WMS"):
        """For manual use (``python -m sandbox.wms DIR``): print the URL and wait for Ctrl-C."""
        print(f"{what} at {self.url} (Ctrl-C to stop)")
        try:
            self.process.wait()
        except KeyboardInterrupt:
            pass

    def __exit__(self, *exc):
        self.stop()
