"""The QGIS-free WPS rules of ``qgis_plugin.wps_providers.protocol``, each checked against OWSLib's or
PyWPS's own implementation of the same rule (installed beside us), or against the OGC text it cites."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest
from owslib.crs import Crs
from owslib.ows import BoundingBox
from pywps.inout.literaltypes import AllowedValue
from pywps.validator.allowed_value import ALLOWEDVALUETYPE, RANGECLOSURETYPE
from pywps.validator.literalvalidator import _validate_range
from support.ogc_wps import SPELLINGS

from qgis_plugin.wps.protocol import BoundingBoxInput, execute_request_xml
from qgis_plugin.wps.rules import (
    CRS84,
    AllowedRange,
    NotAnOption,
    box_from_corners,
    crs_to_send,
    describe_allowed,
    enum_choices,
    extension_for_mime,
    gml_version,
    is_allowed,
    numbered_options,
    parse_crs,
    yx_order,
)

INVERTED = {"EPSG:4326": True, "EPSG:3035": True, CRS84: False, "EPSG:32632": False}


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
@pytest.mark.parametrize("index, authid", [(0, "EPSG:4326"), (1, "EPSG:3035"), (2, CRS84)])
def test_each_spelling_names_its_crs(spelling, index, authid):
    name = parse_crs(SPELLINGS[spelling][index])
    assert name.authid == authid
    # OGC 07-092r3: URN and http URI spellings mean the authority's axis order; EPSG:n is x/y
    assert yx_order(name, INVERTED[authid]) == (spelling != "code" and INVERTED[authid])


@pytest.mark.parametrize("text", ["EPSG:4326", "EPSG:3035", "CRS:84", "EPSG:32632"])
def test_what_we_send_owslib_reads_as_we_mean_it(text):
    """PyWPS parses request bounding boxes with owslib.ows.BoundingBox (pywps/app/WPSRequest.py):
    the box must come out x first, whatever CRS and whichever spelling we pick."""
    authid = parse_crs(text).authid
    name = crs_to_send(authid, [text], INVERTED[authid])
    xml = execute_request_xml("p", [BoundingBoxInput("b", 5.0, 45.0, 10.0, 48.0, name.text,
                                                     yx=yx_order(name, INVERTED[authid]))], [])
    element = next(item for item in ElementTree.fromstring(xml).iter() if item.tag.endswith("BoundingBoxData"))
    box = BoundingBox(element)
    assert [float(box.minx), float(box.miny), float(box.maxx), float(box.maxy)] == [5.0, 45.0, 10.0, 48.0]
    if INVERTED[authid]:
        assert name.spelling == "urn"  # a bare EPSG:n is read x/y by legacy servers, y/x by OWSLib: never sent


def test_an_advertised_unambiguous_spelling_is_kept():
    advertised = ["http://www.opengis.net/def/crs/EPSG/0/4326", "EPSG:4326"]
    assert crs_to_send("EPSG:4326", advertised, True).text == advertised[0]
    assert crs_to_send("EPSG:32632", ["urn:ogc:def:crs:EPSG::32632"], False).text == "urn:ogc:def:crs:EPSG::32632"
    assert crs_to_send(CRS84, [], False).text == "urn:ogc:def:crs:OGC:1.3:CRS84"


@pytest.mark.parametrize("text", [*SPELLINGS["urn"], *SPELLINGS["uri"], *SPELLINGS["code"], "EPSG:32632"])
def test_what_we_read_agrees_with_owslib_for_urn_and_uri(text):
    """Corners as a server writes them in each CRS: ours and OWSLib's reading agree, except for
    ``EPSG:n`` of a y-first CRS, which OWSLib reads y first and the legacy rule x first."""
    name = parse_crs(text)
    lower, upper = (45.0, 5.0), (48.0, 10.0)
    ours = box_from_corners(lower, upper, yx_order(name, INVERTED[name.authid]))
    element = ElementTree.fromstring(
        f'<b xmlns:ows="http://www.opengis.net/ows/1.1" crs="{text}"><ows:LowerCorner>45 5</ows:LowerCorner>'
        '<ows:UpperCorner>48 10</ows:UpperCorner></b>')
    box = BoundingBox(element)
    owslib = (float(box.minx), float(box.miny), float(box.maxx), float(box.maxy))
    if name.spelling == "code" and Crs(text).axisorder == "yx":
        assert ours == (45.0, 5.0, 48.0, 10.0) and owslib == (5.0, 45.0, 10.0, 48.0)
    else:
        assert ours == owslib


@pytest.mark.parametrize("mime_type, schema, version", [
    ("text/xml", "http://schemas.opengis.net/gml/2.1.2/feature.xsd", "GML2"),
    ("application/gml+xml", "", "GML2"),
    ("text/xml; subtype=gml/2.1.2", "", "GML2"),
    ("text/xml", "http://schemas.opengis.net/gml/3.1.1/base/feature.xsd", "GML3"),
    ("text/xml; subtype=gml/3.1.1", "", "GML3"),
    ("application/gml+xml; version=3.2", "", "GML3.2"),
    ("application/gml+xml", "http://schemas.opengis.net/gml/3.2.1/gml.xsd", "GML3.2"),
])
def test_gml_version_from_the_advertised_format(mime_type, schema, version):
    assert gml_version(mime_type, schema) == version


@pytest.mark.parametrize("value", [0, 1, 5, 10, 11, 42, 50, 99, 100, 150, 200, 201, -3])
def test_ranges_and_values_as_pywps_checks_them(value):
    """Two ranges and a discrete value: allowed exactly when PyWPS's own validator allows it."""
    ranges = [AllowedRange("1", "10"), AllowedRange("100", "200")]
    pywps = any(_validate_range(AllowedValue(allowed_type=ALLOWEDVALUETYPE.RANGE, minval=low, maxval=high), value)
                for low, high in ((1, 10), (100, 200))) or value == 42
    assert is_allowed(value, ["42"], ranges) == pywps
    assert describe_allowed(["42"], ranges) == "42, [1, 10], [100, 200]"


@pytest.mark.parametrize("closure", [RANGECLOSURETYPE.CLOSED, RANGECLOSURETYPE.OPEN, RANGECLOSURETYPE.CLOSEDOPEN,
                                     RANGECLOSURETYPE.OPENCLOSED])
@pytest.mark.parametrize("value", [0.0, 0.5, 1.0, 1.25, 2.0, 3.0])
def test_closure_and_spacing_as_pywps_checks_them(closure, value):
    reference = AllowedValue(allowed_type=ALLOWEDVALUETYPE.RANGE, minval=0.0, maxval=2.0, spacing=0.5,
                             range_closure=closure)
    assert AllowedRange("0", "2", closure, "0.5").contains(value) == _validate_range(reference, value)


def test_enum_values_by_number_or_text():
    options = ["add", "subtract", "multiply", "divide"]
    assert enum_choices(3, options) == ["divide"] and enum_choices("3", options) == ["divide"]
    assert enum_choices("multiply", options) == ["multiply"]
    assert enum_choices("0,divide", options) == ["add", "divide"] and enum_choices([1, "add"], options) == [
        "subtract", "add"]
    numbers = ["1", "2", "4"]
    assert enum_choices("2", numbers) == ["4"]  # the option's number, as QGIS numbers every enum's options
    assert enum_choices("4", numbers) == ["4"]  # not a number of an option: its text
    for wrong in ("power", 7, "-1", True):
        with pytest.raises(NotAnOption) as raised:
            enum_choices(wrong, options)
        assert raised.value.value == str(wrong)
    assert numbered_options(options) == "0: add, 1: subtract, 2: multiply, 3: divide"


@pytest.mark.parametrize("mime_type, extension", [
    ("application/metalink+xml; version=3.0", "metalink"), ("application/metalink+xml; version=4.0", "meta4"),
    ("application/x-netcdf", "nc"), ("application/x-ogc-dods", "nc"), ("application/json", "json"),
    ("text/csv", "csv"), ("application/zip", "zip"), ("text/plain", "txt"), ("text/plain; charset=UTF-8", "txt"),
])
def test_extensions_are_pywps_own(mime_type, extension):
    from pywps import FORMATS

    assert extension_for_mime(mime_type) == extension
    known = {item.mime_type: item.extension for item in FORMATS}
    if mime_type in known:
        assert known[mime_type] == "." + extension
