"""Fixtures of the reliability tests: in-process apps over temporary configurations.
No qgis or osgeo imports here (the QGIS tests import them in their own module)."""

from __future__ import annotations

import pytest

from sandbox.wps import write_config
from wps_server.app import create_app


@pytest.fixture
def make_app(tmp_path):
    """``make_app(wms_url, **config_options)`` -> the WSGI app over a fresh config in tmp_path/server."""

    def make(wms_url, **options):
        return create_app([write_config(tmp_path / "server", wms_url, **options)])

    return make
