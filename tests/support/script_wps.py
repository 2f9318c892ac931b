"""A throw-away PyWPS service from a short script, under werkzeug, for tests that need a WPS of a
particular shape (no process at all, repeated inputs...) beside the zoo and our own server.

The script gets the configuration file as ``sys.argv[1]`` and the port as ``sys.argv[2]``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sandbox.process import LoopbackServer


class ScriptWpsServer(LoopbackServer):
    """``python script.py config port`` in ``workdir``; ``url`` is the WPS endpoint."""

    ready_query = "?service=WPS&request=GetCapabilities"
    ready_marker = b"Capabilities"

    def __init__(self, workdir: Path, script: str):
        super().__init__(workdir, "script-wps.log")
        self.script = script

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wps"

    def command(self, port):
        script, config = self.workdir / "service.py", self.workdir / "service.cfg"
        script.write_text(self.script, encoding="utf-8")
        config.write_text(f"[server]\nurl = http://127.0.0.1:{port}/wps\noutputpath = {self.workdir}\n"
                          f"workdir = {self.workdir}\n[logging]\ndatabase = sqlite:///:memory:\n", encoding="utf-8")
        return [sys.executable, str(script), str(config), str(port)]

    def environment(self, port):
        return dict(os.environ)
