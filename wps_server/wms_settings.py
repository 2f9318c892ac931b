"""The ``[wms]`` section of pywps.cfg, and the allow-list of WMS endpoints.

Read from PyWPS's configuration when a request arrives (a few dictionary
lookups), so a process needs no constructor arguments: PyWPS recreates
process instances by class for queued jobs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from pywps import configuration

DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_PIXELS = 4096 * 4096
_DEFAULT_PORTS = {"http": 80, "https": 443}


class ConfigError(ValueError):
    """A configuration value the server cannot work with."""


@dataclass(frozen=True)
class AllowedUrl:
    """One allow-list entry, parsed once: scheme, host, port, path prefix, query."""

    scheme: str
    host: str
    port: int
    path: str
    query: str

    @classmethod
    def parse(cls, url: str) -> AllowedUrl:
        parts = _split_http_url(url)
        if parts is None:
            raise ConfigError(f"[wms] URL {url!r} is not an http(s) URL with a host")
        return cls(parts.scheme.lower(), parts.hostname.lower(), _port(parts), parts.path or "/", parts.query)

    def matches(self, parts: SplitResult) -> bool:
        if (parts.scheme.lower(), parts.hostname.lower(), _port(parts), parts.query) != (
                self.scheme, self.host, self.port, self.query):
            return False
        path = parts.path or "/"
        if path == self.path:
            return True
        prefix = self.path if self.path.endswith("/") else self.path + "/"
        return path.startswith(prefix)


@dataclass(frozen=True)
class WmsSettings:
    url: str  # the default endpoint, always allowed
    allowed: tuple
    timeout: float
    max_pixels: int

    @classmethod
    def from_config(cls) -> WmsSettings:
        url = str(configuration.get_config_value("wms", "url", "")).strip()
        if not url:
            raise ConfigError("[wms] url is not set in pywps.cfg")
        listed = str(configuration.get_config_value("wms", "allowed_urls", "") or "").split()
        allowed = tuple(dict.fromkeys(AllowedUrl.parse(u) for u in [url, *listed]))
        timeout = _number("timeout", DEFAULT_TIMEOUT, float)
        max_pixels = _number("max_pixels", DEFAULT_MAX_PIXELS, int)
        return cls(url, allowed, timeout, max_pixels)

    def url_allowed(self, url: str) -> bool:
        """Whether ``url`` is one of the allowed endpoints (or below one of their paths).

        Credentials in the URL, fragments, backslashes and ``.``/``..`` path
        segments are refused outright: they are ways to make a URL mean
        something else to the WMS than to this check.
        """
        parts = _split_http_url(url)
        if parts is None or parts.username is not None or parts.password is not None or parts.fragment:
            return False
        segments = unquote(parts.path).split("/")
        if "\\" in unquote(parts.path) or any(s in (".", "..") for s in segments):
            return False
        return any(entry.matches(parts) for entry in self.allowed)


def _split_http_url(url):
    """The parsed URL if it is http(s) with a host and a valid port, else None."""
    if not isinstance(url, str) or any(ord(ch) < 33 for ch in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts


def _port(parts):
    return parts.port or _DEFAULT_PORTS[parts.scheme.lower()]


def _number(key, default, kind):
    raw = configuration.get_config_value("wms", key, "")
    if raw in ("", None):
        return default
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"[wms] {key} = {raw!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"[wms] {key} = {raw!r} must be a positive number")
    return value
