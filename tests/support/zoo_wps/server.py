"""``ZooWpsServer``: the zoo under a real gunicorn on a free loopback port."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sandbox.process import LoopbackServer

TESTS_DIR = Path(__file__).resolve().parents[2]
# gunicorn imports the package ``support.zoo_wps`` (from tests/), whose __init__ imports
# this module, which imports ``sandbox`` (from the repository root).
PYTHONPATH = f"{TESTS_DIR},{TESTS_DIR.parent}"


def write_config(folder: Path, port: int) -> Path:
    """A pywps.cfg whose paths all live in ``folder``: async jobs forked by the worker
    (multiprocessing), job state in a SQLite file that both workers share."""
    for name in ("outputs", "workdir"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    config = folder / "zoo.cfg"
    config.write_text(
        "[metadata:main]\n"
        "identification_title = Zoo WPS\n"
        "identification_abstract = A PyWPS test service with one process per kind of input and output.\n"
        "[server]\n"
        f"url = http://127.0.0.1:{port}/wps\n"
        f"outputurl = http://127.0.0.1:{port}/outputs/\n"
        f"outputpath = {folder / 'outputs'}\n"
        f"workdir = {folder / 'workdir'}\n"
        "maxsingleinputsize = 10mb\n"
        "maxrequestsize = 20mb\n"
        "parallelprocesses = 4\n"
        "maxprocesses = 20\n"
        "[processing]\n"
        "mode = multiprocessing\n"
        "[logging]\n"
        "level = WARNING\n"
        f"database = sqlite:///{folder / 'zoo-jobs.sqlite'}\n"
    )
    return config


class ZooWpsServer(LoopbackServer):
    """``gunicorn support.zoo_wps.app:application`` (2 workers); ``url`` is the WPS endpoint."""

    ready_query = "?service=WPS&request=GetCapabilities"
    ready_marker = b"Capabilities"

    def __init__(self, workdir: Path, *, workers: int = 2, python: str = sys.executable):
        super().__init__(workdir, "zoo-gunicorn.log")
        self.workers = workers
        self.python = python

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wps"

    @property
    def outputs_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/outputs/"

    def command(self, port):
        return [self.python, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(self.workers),
                "--timeout", "120", "--pythonpath", PYTHONPATH, "support.zoo_wps.app:application"]

    def environment(self, port):
        config = write_config(self.workdir.resolve(), port)
        return {**os.environ, "ZOO_WPS_CFG": str(config)}
