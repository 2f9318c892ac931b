"""Reading OWS ExceptionReports and writing WPS 1.0.0 Execute documents for the reliability tests."""

from __future__ import annotations

from xml.sax.saxutils import escape

from lxml import etree

NS = {"ows": "http://www.opengis.net/ows/1.1"}


def exception_of(status: int, body: bytes) -> tuple:
    """(HTTP status, exceptionCode, locator, text) of an ExceptionReport; fails on anything else."""
    doc = etree.fromstring(body)
    assert etree.QName(doc).localname == "ExceptionReport", body[:2000]
    [exception] = doc.xpath("ows:Exception", namespaces=NS)
    return (status, exception.get("exceptionCode"), exception.get("locator"),
            exception.findtext("ows:ExceptionText", namespaces=NS))


def execute_xml(inputs: dict, raw_output: bool = True, prolog: str = "") -> str:
    """A POST Execute of get_raster_process; ``inputs`` maps identifiers to literal text (inserted
    verbatim, so a test can put entity references in it); ``prolog`` goes before the root element."""
    data = "".join(
        f"<wps:Input><ows:Identifier>{escape(key)}</ows:Identifier>"
        f"<wps:Data><wps:LiteralData>{value}</wps:LiteralData></wps:Data></wps:Input>"
        for key, value in inputs.items())
    form = ("<wps:RawDataOutput><ows:Identifier>image</ows:Identifier></wps:RawDataOutput>" if raw_output else
            '<wps:ResponseDocument><wps:Output asReference="true"><ows:Identifier>image</ows:Identifier>'
            "</wps:Output></wps:ResponseDocument>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + prolog +
            '<wps:Execute service="WPS" version="1.0.0" xmlns:wps="http://www.opengis.net/wps/1.0.0" '
            'xmlns:ows="http://www.opengis.net/ows/1.1"><ows:Identifier>get_raster_process</ows:Identifier>'
            f"<wps:DataInputs>{data}</wps:DataInputs><wps:ResponseForm>{form}</wps:ResponseForm></wps:Execute>")
