"""Reading OWS ExceptionReports for the reliability tests."""

from __future__ import annotations

from lxml import etree

NS = {"ows": "http://www.opengis.net/ows/1.1"}


def exception_of(status: int, body: bytes) -> tuple:
    """(HTTP status, exceptionCode, locator, text) of an ExceptionReport; fails on anything else."""
    doc = etree.fromstring(body)
    assert etree.QName(doc).localname == "ExceptionReport", body[:2000]
    [exception] = doc.xpath("ows:Exception", namespaces=NS)
    return (status, exception.get("exceptionCode"), exception.get("locator"),
            exception.findtext("ows:ExceptionText", namespaces=NS))
