"""``python -m wps_server``: the development server listens where it is told and advertises it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from lxml import etree

from sandbox.process import STARTUP_TIMEOUT, free_port
from sandbox.wps import write_config


def test_dev_server_answers_on_the_given_port_and_advertises_it(tmp_path, closed_url):
    config = write_config(tmp_path / "conf", closed_url, port=5000)
    port = free_port()
    log = open(tmp_path / "dev.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "wps_server", "--port", str(port), "--config", str(config)],
                               cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/wps?service=WPS&request=GetCapabilities"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    doc = etree.fromstring(answer.read())
                break
            except (urllib.error.URLError, OSError):
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "dev.log").read_text()
                time.sleep(0.1)
        hrefs = doc.xpath("//*[local-name()='Get' or local-name()='Post']/@*[local-name()='href']")
        assert hrefs and all(h.startswith(f"http://127.0.0.1:{port}/wps") for h in hrefs)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
