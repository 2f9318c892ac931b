"""The plugin's persistent settings (QGIS settings, under ``wmsedge/``)."""

from __future__ import annotations

from qgis.core import QgsSettings

WPS_URL_KEY = "wmsedge/wps_url"
DEFAULT_WPS_URL = "http://127.0.0.1:5000/wps"


def default_wps_url() -> str:
    """The WPS endpoint the algorithm proposes for its remote backend."""
    value = QgsSettings().value(WPS_URL_KEY, DEFAULT_WPS_URL)
    return str(value).strip() or DEFAULT_WPS_URL


def set_default_wps_url(url: str) -> None:
    QgsSettings().setValue(WPS_URL_KEY, url.strip())
