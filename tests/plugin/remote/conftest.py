"""Fixtures of the remote WPS tests: the zoo test service under gunicorn (session), configured servers."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsSettings
from qgis.PyQt.QtCore import QSettings
from support.ogc_wps import OgcWpsServer
from support.zoo_wps import ZooWpsServer

from qgis_plugin.wps_providers.servers import SETTINGS_GROUP


@pytest.fixture(scope="session")
def zoo_server(tmp_path_factory):
    """The zoo (tests/support/zoo_wps) under a real gunicorn on 127.0.0.1; ``.url`` is its WPS endpoint."""
    server = ZooWpsServer(tmp_path_factory.mktemp("zoo_wps")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package", autouse=True)
def own_settings_file(qgis_app, tmp_path_factory):
    """The QGIS settings of these tests in a file of their own, for as long as they run.

    pytest-qgis keeps the settings of every test run in the repository's .qgis-settings:
    test runs at the same time (several developers, or make test beside a single test)
    would see each other's WPS servers there.
    """
    current = Path(QgsSettings().fileName()).parent.parent  # <profile>/QGIS/QGIS3.ini
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path_factory.mktemp("qgis_settings")))
    yield
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(current))


@pytest.fixture
def no_servers(qgis_app):
    """No WPS server configured during the test; the servers configured before come back after it.

    Only the settings change: Processing providers registered meanwhile (by the plugin's
    own store) are not touched, since a test's ServerStore signals nobody else.
    """
    settings = QgsSettings()
    saved = {key: settings.value(key) for key in settings.allKeys() if key.startswith(SETTINGS_GROUP + "/")}
    settings.remove(SETTINGS_GROUP)
    yield
    settings.remove(SETTINGS_GROUP)
    for key, value in saved.items():
        settings.setValue(key, value)


@pytest.fixture(scope="module")
def zoo_provider_id(zoo_server, qgis_processing, tmp_path_factory):
    """The zoo added as a server through the real ServerStore, its provider registered by the real
    RemoteProviders registry; yields the provider id (= server id); removed (settings and provider) after."""
    from .remote_providers import registered_server

    with registered_server(zoo_server.url, tmp_path_factory.mktemp("zoo_cache"), title="Zoo") as (_, _, server):
        yield server.server_id


@pytest.fixture
def basic_authcfg(qgis_app):
    """The id of a Basic authentication configuration in QGIS's store, removed afterwards."""
    manager = QgsApplication.authManager()
    if not manager.masterPasswordIsSet():
        assert manager.setMasterPassword("wmsedge-tests", True)
    config = QgsAuthMethodConfig("Basic")
    config.setName("zoo login")
    config.setConfig("username", "user")
    config.setConfig("password", "secret")
    assert manager.storeAuthenticationConfig(config)
    yield config.id()
    manager.removeAuthenticationConfig(config.id())


@pytest.fixture(scope="session")
def ogc_server(tmp_path_factory):
    """The third test service (tests/support/ogc_wps) on 127.0.0.1; ``.url`` is its WPS endpoint."""
    server = OgcWpsServer(tmp_path_factory.mktemp("ogc_wps")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def ogc_provider_id(ogc_server, qgis_processing, tmp_path_factory):
    """The third test service added through the real ServerStore and registry; yields its provider id."""
    from .remote_providers import registered_server

    with registered_server(ogc_server.url, tmp_path_factory.mktemp("ogc_cache"), title="OGC rules") as (_, _, server):
        yield server.server_id


@pytest.fixture
def text_server(tmp_path):
    """A loopback HTTP server for files of ``tmp_path``: ``url(name)`` is a file's URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield lambda name: f"http://127.0.0.1:{server.server_address[1]}/{name}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
