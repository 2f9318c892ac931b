"""Shared fixtures: a real QGIS Server (session) and loopback endpoints that fail.

The fixtures are implemented in ``sandbox`` and tests/support; this file puts
tests/ (for ``support``) and the repository root (for ``sandbox``) on ``sys.path``.
"""

import importlib
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))
# The repository root comes last, for ``sandbox`` and ``demo``: in the pip-only run an
# installed ``wps_server``/``qgis_plugin`` must still win over the working tree.
if str(TESTS_DIR.parent) not in sys.path:
    sys.path.append(str(TESTS_DIR.parent))

from support.fault_wms import ClosedPort, FaultyWms, silence  # noqa: E402

from sandbox.wms import start_wms_server  # noqa: E402


def _version(module_name, attribute_path):
    """A module's version attribute as text, or why it cannot be had (the pip-only venv has no qgis)."""
    try:
        value = importlib.import_module(module_name)
        for attribute in attribute_path.split("."):
            value = getattr(value, attribute)
        return str(value)
    except Exception as exc:  # an ImportError, or a broken binary module: report it, never fail
        return f"not importable ({type(exc).__name__})"


def pytest_report_header(config):
    return "versions: QGIS {}, GDAL {}, numpy {}".format(
        _version("qgis.core", "Qgis.QGIS_VERSION"), _version("osgeo.gdal", "__version__"),
        _version("numpy", "__version__"))


@pytest.fixture(scope="session")
def wms_server(tmp_path_factory):
    """A QGIS Server on 127.0.0.1 over the generated project (see sandbox.wms)."""
    server = start_wms_server(tmp_path_factory.mktemp("wms_server"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def silent_server():
    """A loopback socket that accepts connections and never answers (``.url``)."""
    with FaultyWms(silence) as server:
        yield server


@pytest.fixture
def closed_url():
    """A loopback WMS URL on a port where nothing listens."""
    with ClosedPort() as port:
        yield port.url
