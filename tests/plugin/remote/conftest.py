"""Fixtures of the remote WPS tests: the zoo test service under gunicorn (session)."""

from __future__ import annotations

import pytest
from support.zoo_wps import ZooWpsServer


@pytest.fixture(scope="session")
def zoo_server(tmp_path_factory):
    """The zoo (tests/support/zoo_wps) under a real gunicorn on 127.0.0.1; ``.url`` is its WPS endpoint."""
    server = ZooWpsServer(tmp_path_factory.mktemp("zoo_wps")).start()
    try:
        yield server
    finally:
        server.stop()
