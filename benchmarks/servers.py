"""The servers the tile and load benchmarks talk to, all on 127.0.0.1, all stopped on exit:
the sandbox WMS (QGIS Server), our WPS under gunicorn, and the tutorial's stock PyWPS service."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sandbox.process import LoopbackServer
from sandbox.wms import QgisServer, start_wms_server
from sandbox.wps import WpsServer

ROOT = Path(__file__).resolve().parents[1]
WPS_WORKERS = 2  # as `make serve`

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


class TutorialServer(LoopbackServer):
    """``gunicorn benchmarks.tutorial_wps:application`` as the tutorial runs it (one worker),
    in its own folder with the tutorial's ``pywps.cfg``."""

    ready_query = "?service=WPS&request=GetCapabilities"
    ready_marker = b"Capabilities"

    def __init__(self, workdir: Path, wms_url: str):
        super().__init__(workdir, "gunicorn.log")
        self.wms_url = wms_url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wps"

    def command(self, port):
        return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "benchmarks.tutorial_wps:application"]

    def environment(self, port):
        (self.workdir / "pywps.cfg").write_text(TUTORIAL_CONFIG.format(port=port))
        return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TUTORIAL_WMS_URL": self.wms_url,
                "TUTORIAL_IMAGES_DIR": str(self.workdir / "images")}


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
