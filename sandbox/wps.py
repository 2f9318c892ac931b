"""Our WPS server under a real gunicorn on a free loopback port, with its own config."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .process import LoopbackServer


def write_config(folder: Path, wms_url: str, *, port: int = 5999, allowed_urls=(), wms_extra: str = "",
                 server_extra: str = "", extra_sections: str = "") -> Path:
    """A pywps.cfg for a server on ``port`` whose relative paths all live in ``folder``.

    ``allowed_urls`` empty means the server's default: only ``wms_url``. ``extra_sections``
    (e.g. ``"[cleanup]\nretention = 7d\n"``) goes at the end.
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
        f"{extra_sections}"
    )
    return config


class WpsServer(LoopbackServer):
    """``gunicorn wps_server.app:application`` with ``PYWPS_CFG`` = a config in ``workdir``.

    gunicorn runs in ``workdir`` (not the repository), which also proves that no
    path depends on the current directory. ``config_options`` go to :func:`write_config`.
    ``url`` is the WPS endpoint. ``restart()`` keeps the port and every file (jobs, outputs).
    """

    ready_query = "?service=WPS&request=GetCapabilities"
    ready_marker = b"Capabilities"

    def __init__(self, workdir: Path, wms_url: str, *, workers: int = 2, python: str = sys.executable,
                 **config_options):
        super().__init__(workdir, "gunicorn.log")
        self.wms_url = wms_url
        self.workers = workers
        self.python = python
        self.config_options = config_options

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wps"

    @property
    def config_file(self) -> Path:
        return self.workdir / "pywps.cfg"

    def command(self, port):
        return [self.python, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(self.workers),
                "--timeout", "120", "wps_server.app:application"]

    def environment(self, port):
        config = write_config(self.workdir, self.wms_url, port=port, **self.config_options)
        return {**os.environ, "PYWPS_CFG": str(config)}
