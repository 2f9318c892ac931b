"""``OgcWpsServer``: the service of :mod:`.processes` under werkzeug on a free loopback port.

``python -m support.ogc_wps CONFIG PORT`` (from tests/) serves PyWPS at ``/wps``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sandbox.process import LoopbackServer

TESTS_DIR = Path(__file__).resolve().parents[2]


class OgcWpsServer(LoopbackServer):
    """The service in ``workdir``; ``url`` is its WPS endpoint."""

    ready_query = "?service=WPS&request=GetCapabilities"
    ready_marker = b"Capabilities"

    def __init__(self, workdir: Path):
        super().__init__(workdir, "ogc-wps.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wps"

    def command(self, port):
        folder = self.workdir.resolve()
        config = folder / "ogc_wps.cfg"
        config.write_text(
            "[metadata:main]\nidentification_title = OGC rules WPS\n"
            f"[server]\nurl = http://127.0.0.1:{port}/wps\noutputurl = http://127.0.0.1:{port}/outputs/\n"
            f"outputpath = {folder / 'outputs'}\nworkdir = {folder / 'workdir'}\n"
            "[logging]\nlevel = WARNING\ndatabase = sqlite:///:memory:\n", encoding="utf-8")
        for name in ("outputs", "workdir"):
            (folder / name).mkdir(exist_ok=True)
        return [sys.executable, "-m", "support.ogc_wps", str(config), str(port)]

    def environment(self, port):
        path = os.pathsep.join([str(TESTS_DIR), str(TESTS_DIR.parent), os.environ.get("PYTHONPATH", "")])
        return {**os.environ, "PYTHONPATH": path}


def main(config: str, port: int) -> None:
    from pywps import Service
    from werkzeug.serving import run_simple

    from .processes import all_processes

    service = Service(all_processes(), cfgfiles=[config])

    def application(environ, start_response):
        return service(environ, start_response)

    run_simple("127.0.0.1", port, application, threaded=True)
