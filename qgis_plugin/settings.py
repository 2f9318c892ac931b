"""The plugin's persistent settings (QGIS settings, under ``wmsedge/``)."""

from __future__ import annotations

from qgis.core import QgsSettings

from .core.contract import DEFAULT_MAX_PIXELS, DEFAULT_REQUESTS_PER_HOST

WPS_URL_KEY = "wmsedge/wps_url"
DEFAULT_WPS_URL = "http://127.0.0.1:5000/wps"
#: The most output pixels one run computes.
MAX_PIXELS_KEY = "wmsedge/max_pixels"
#: The largest GetMap side (halo included) the in-process backend asks for; lowers the WMS's MaxWidth.
MAX_REQUEST_SIZE_KEY = "wmsedge/max_request_size"
#: Blocks read at once by the in-process backend.
REQUESTS_PER_HOST_KEY = "wmsedge/requests_per_host"


def default_wps_url() -> str:
    """The WPS endpoint the algorithm proposes for its remote backend."""
    value = QgsSettings().value(WPS_URL_KEY, DEFAULT_WPS_URL)
    return str(value).strip() or DEFAULT_WPS_URL


def set_default_wps_url(url: str) -> None:
    QgsSettings().setValue(WPS_URL_KEY, url.strip())


def _positive_int(key: str, default: int | None) -> int | None:
    """The setting as a positive integer; the default when unset, empty or not a positive number."""
    value = QgsSettings().value(key, None)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def max_pixels() -> int:
    return _positive_int(MAX_PIXELS_KEY, DEFAULT_MAX_PIXELS)


def max_request_size() -> int | None:
    """None when unset: the WMS's own limits (or 2048) decide."""
    return _positive_int(MAX_REQUEST_SIZE_KEY, None)


def requests_per_host() -> int:
    return _positive_int(REQUESTS_PER_HOST_KEY, DEFAULT_REQUESTS_PER_HOST)
