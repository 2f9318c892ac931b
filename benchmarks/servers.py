"""The servers the tile and load benchmarks talk to, all on 127.0.0.1, all stopped on exit:
the sandbox WMS (QGIS Server), our WPS under gunicorn, and the tutorial's stock PyWPS service."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sandbox.wms import QgisServer, free_port, start_wms_server
from sandbox.wps import WpsServer

ROOT = Path(__file__).resolve().parents[1]
WPS_WORKERS = 2  # as `make serve`
STARTUP_TIMEOUT = 60.0

# The tutorial's pywps.cfg, with its port. PyWPS 4.8 reads logging settings from [logging],
# so the tutorial's [server] logfile and loglevel have no effect (it logs at INFO to nowhere).
TUTORIAL_CONFIG = """\
[server]
url = http://127.0.0.1:{port}/wps
maxprocesses = 10
processes = 5
outputpath = outputs
logfile = pywps.log
loglevel = DEBUG
"""


class TutorialServer:
    """``gunicorn benchmarks.tutorial_wps:application`` as the tutorial runs it (one worker),
    in its own folder with the tutorial's ``pywps.cfg``; a context manager."""

    def __init__(self, workdir: Path, wms_url: str):
        self.workdir = Path(workdir)
        self.wms_url = wms_url
        self.log_file = self.workdir / "gunicorn.log"
        self.process = None
        self.port = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wps"

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        (self.workdir / "pywps.cfg").write_text(TUTORIAL_CONFIG.format(port=self.port))
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TUTORIAL_WMS_URL": self.wms_url,
               "TUTORIAL_IMAGES_DIR": str(self.workdir / "images")}
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                 "benchmarks.tutorial_wps:application"],
                env=env, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.url + "?service=WPS&request=GetCapabilities", timeout=5) as answer:
                    if b"Capabilities" in answer.read():
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        log_tail = self.log_file.read_text(errors="replace")[-3000:]
        self.stop()
        raise RuntimeError(f"the tutorial's gunicorn did not start; its log:\n{log_tail}")

    def stop(self):
        """Stop gunicorn and its worker (it leads its own session)."""
        if self.process is None:
            return
        group = self.process.pid
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process = None


@dataclass
class Servers:
    folder: Path
    wms: QgisServer
    wps: WpsServer
    tutorial: TutorialServer


@contextlib.contextmanager
def running_servers():
    """Start the three servers in a temporary folder; stop them all, whatever happens."""
    with tempfile.TemporaryDirectory(prefix="wmsedge-bench-") as name, contextlib.ExitStack() as stack:
        folder = Path(name)
        wms = start_wms_server(folder / "wms")
        stack.callback(wms.stop)
        wps = WpsServer(folder / "wps", wms.url, workers=WPS_WORKERS)
        stack.callback(wps.stop)
        wps.start()
        tutorial = TutorialServer(folder / "tutorial", wms.url)
        stack.callback(tutorial.stop)
        tutorial.start()
        yield Servers(folder, wms, wps, tutorial)
