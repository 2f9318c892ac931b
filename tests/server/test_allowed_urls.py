"""The WMS allow-list: parsed scheme, host, port, query and path prefix at a "/" boundary."""

from __future__ import annotations

import pytest

from wps_server.config import AllowedUrl, WmsSettings


def _settings(*allowed):
    return WmsSettings(allowed[0], tuple(AllowedUrl.parse(u) for u in allowed), 10.0, 100)


SETTINGS = _settings("http://wms.example.org/ows", "https://Maps.Example.org:8443/geoserver/wms?map=a.map")


@pytest.mark.parametrize("url", [
    "http://wms.example.org/ows",
    "http://wms.example.org/ows/",
    "http://wms.example.org:80/ows",
    "HTTP://WMS.example.org/ows/sub/path",
    "https://maps.example.org:8443/geoserver/wms?map=a.map",
])
def test_allowed(url):
    assert SETTINGS.url_allowed(url)


@pytest.mark.parametrize("url", [
    "http://wms.example.org/owsx",  # a prefix of the path, but not at a "/" boundary
    "http://wms.example.org/",
    "http://wms.example.org/ows/../admin",
    "http://wms.example.org/ows/%2e%2e/admin",
    "http://wms.example.org/ows/..%2Fadmin",
    "http://wms.example.org/ows\\..\\admin",
    "https://wms.example.org/ows",  # another scheme
    "http://wms.example.org:8080/ows",  # another port
    "http://wms.example.org.evil.net/ows",
    "http://evil.net/ows#@wms.example.org/ows",
    "http://user:secret@wms.example.org/ows",
    "http://wms.example.org/ows?MAP=/etc/other.qgs",  # a query the entry does not have
    "https://maps.example.org:8443/geoserver/wms",  # the entry's query missing
    "https://maps.example.org:8443/geoserver/wms?map=b.map",
    "file:///etc/passwd",
    "ftp://wms.example.org/ows",
    "gopher://wms.example.org/ows",
    "http://wms.example.org:99999/ows",
    "http:///ows",
    "http://wms.example.org/ows with space",
    "",
])
def test_refused(url):
    assert not SETTINGS.url_allowed(url)
