"""Fixtures of the WPS server tests: in-process apps over temporary configurations,
and a real gunicorn on a free loopback port. No qgis or osgeo imports (pip-only venv)."""

from __future__ import annotations

import pytest
from pywps.tests import client_for

from sandbox.wps import WpsServer, write_config
from wps_server.app import create_app


@pytest.fixture
def make_app(tmp_path):
    """``make_app(wms_url, **config_options)`` -> the WSGI app over a fresh config in tmp_path."""

    def make(wms_url, **options):
        return create_app([write_config(tmp_path / "server", wms_url, **options)])

    return make


@pytest.fixture
def app(make_app, wms_server):
    """The application, configured with the QGIS Server fixture as its WMS."""
    return make_app(wms_server.url, wms_extra="timeout = 10\n")


@pytest.fixture
def client(app):
    """A werkzeug test client of the whole application (WPS and output files)."""
    return client_for(app)


@pytest.fixture(scope="module")
def gunicorn_server(wms_server, tmp_path_factory):
    """Our server under a real gunicorn (2 workers), its WMS the QGIS Server fixture."""
    server = WpsServer(tmp_path_factory.mktemp("gunicorn") / "server", wms_server.url).start()
    try:
        yield server
    finally:
        server.stop()
