"""Our WPS server under a real gunicorn on a free loopback port, with its own config."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .wms import free_port

STARTUP_TIMEOUT = 60.0


def write_config(folder: Path, wms_url: str, *, port: int = 5999, allowed_urls=(), wms_extra: str = "",
                 server_extra: str = "") -> Path:
    """A pywps.cfg for a server on ``port`` whose relative paths all live in ``folder``.

    ``allowed_urls`` empty means the server's default: only ``wms_url``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "pywps.cfg"
    config.write_text(
        "[server]\n"
        f"url = http://127.0.0.1:{port}/wps\n"
        f"outputurl = http://127.0.0.1:{port}/outputs/\n"
        "outputpath = outputs\n"
        "workdir = workdir\n"
        f"{server_extra}"
        "\n[logging]\n"
        "level = WARNING\n"
        "database = sqlite:///var/pywps-logs.sqlite\n"
        "\n[wms]\n"
        f"url = {wms_url}\n"
        f"allowed_urls = {' '.join(allowed_urls)}\n"
        f"{wms_extra}"
    )
    return config


class WpsServer:
    """``gunicorn wps_server.app:application`` with ``PYWPS_CFG`` = a config in ``workdir``.

    gunicorn runs in ``workdir`` (not the repository), which also proves that no
    path depends on the current directory. ``config_options`` go to :func:`write_config`.
    ``url`` is the WPS endpoint. A context manager; ``stop()`` is idempotent.
    """

    def __init__(self, workdir: Path, wms_url: str, *, workers: int = 2, python: str = sys.executable,
                 **config_options):
        self.workdir = Path(workdir)
        self.wms_url = wms_url
        self.workers = workers
        self.python = python
        self.config_options = config_options
        self.log_file = self.workdir / "gunicorn.log"
        self.process = None
        self.port = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wps"

    def start(self, attempts: int = 3):
        for _ in range(attempts):
            self.port = free_port()
            config = write_config(self.workdir, self.wms_url, port=self.port, **self.config_options)
            env = {**os.environ, "PYWPS_CFG": str(config)}
            with open(self.log_file, "ab") as log:
                self.process = subprocess.Popen(
                    [self.python, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                     "--workers", str(self.workers), "--timeout", "120", "wps_server.app:application"],
                    env=env, cwd=self.workdir, stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError(f"gunicorn did not start; its log ({self.log_file}):\n{self.log_tail()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        capabilities = self.url + "?service=WPS&request=GetCapabilities"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(capabilities, timeout=5) as response:
                    if b"Capabilities" in response.read():
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        return False

    def stop(self):
        """Stop gunicorn and every worker (and async job process) of its session."""
        if self.process is None:
            return
        group = self.process.pid  # gunicorn leads its own session (start_new_session)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        try:
            os.killpg(group, signal.SIGKILL)  # async job processes left behind
        except ProcessLookupError:
            pass
        self.process = None

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_file.read_text(errors="replace")[-chars:] if self.log_file.exists() else ""

    def __enter__(self):
        return self if self.process is not None else self.start()

    def __exit__(self, *exc):
        self.stop()
