"""The plugin setting ``wmsedge/wps_url`` is the default of the algorithm's WPS_URL."""

from __future__ import annotations

import pytest
from qgis.core import QgsApplication, QgsSettings

from qgis_plugin.settings import DEFAULT_WPS_URL, WPS_URL_KEY, default_wps_url, set_default_wps_url


@pytest.fixture
def restore_setting():
    settings = QgsSettings()
    previous = settings.value(WPS_URL_KEY)
    yield
    if previous is None:
        settings.remove(WPS_URL_KEY)
    else:
        settings.setValue(WPS_URL_KEY, previous)


def test_wps_url_default_follows_the_setting(edge_tile_id, restore_setting):
    QgsSettings().remove(WPS_URL_KEY)
    assert default_wps_url() == DEFAULT_WPS_URL == "http://127.0.0.1:5000/wps"
    set_default_wps_url("  https://wps.example.invalid/wps  ")
    assert QgsSettings().value(WPS_URL_KEY) == "https://wps.example.invalid/wps"
    algorithm = QgsApplication.processingRegistry().createAlgorithmById(edge_tile_id)
    assert algorithm.parameterDefinition("WPS_URL").defaultValue() == "https://wps.example.invalid/wps"
