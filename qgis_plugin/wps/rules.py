"""WPS 1.0.0 rules that need no QGIS: CRS spellings and axis order, GML versions, allowed
values and ranges, enumeration values, and file extensions of output formats.

Axis order (OGC 06-121r3 (OWS Common) and OGC 07-092r3 (definition identifier URNs)):
a CRS spelled ``urn:ogc:def:crs:EPSG::n`` or ``http://www.opengis.net/def/crs/EPSG/0/n``
means the EPSG authority's axis order (latitude first for EPSG:4326, northing first for
EPSG:3035); ``EPSG:n`` is the legacy spelling, x (easting/longitude) first; CRS84 in any
spelling is longitude first. OWSLib (and PyWPS, which reads bounding boxes through it)
read ``EPSG:n`` in the authority's order too, so for a CRS whose authority order is y
first nothing is ever *sent* as ``EPSG:n``: the URN (or the server's http URI) is sent,
which every reader takes the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

CODE, URN, URI = "code", "urn", "uri"
CRS84 = "OGC:CRS84"

_URN = re.compile(r"^urn:(?:x-)?ogc:def:crs:([A-Za-z]+):([\w.]*):(\w+)$", re.I)
_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/([A-Za-z]+)/([\w.]+)/(\w+)$", re.I)
_CODE = re.compile(r"^([A-Za-z]+):(\w+)$")
_GML_SRS = re.compile(r"^https?://www\.opengis\.net/gml/srs/epsg\.xml#(\d+)$", re.I)


@dataclass(frozen=True)
class CrsName:
    """A CRS as a server spelled it: ``authid`` as QGIS names it (``EPSG:4326``, ``OGC:CRS84``),
    ``spelling`` (CODE, URN, URI) and the text itself."""

    authid: str
    spelling: str
    text: str

    @property
    def authority_order(self) -> bool:
        """Whether the corners follow the authority's axis order (URN and URI), not x/y (legacy)."""
        return self.spelling in (URN, URI) and self.authid != CRS84


def parse_crs(text: str) -> CrsName:
    """The authid and spelling of ``EPSG:n``, ``urn:ogc:def:crs:EPSG:[version]:n``,
    ``http://www.opengis.net/def/crs/EPSG/0/n``, CRS84 in each of them, and GML 2's
    ``http://www.opengis.net/gml/srs/epsg.xml#n`` (x/y); any other text is kept as its own authid."""
    text = text.strip()
    for pattern, spelling in ((_URN, URN), (_URI, URI)):
        match = pattern.match(text)
        if match:
            return CrsName(_authid(match.group(1), match.group(3)), spelling, text)
    match = _GML_SRS.match(text)
    if match:
        return CrsName(f"EPSG:{match.group(1)}", CODE, text)
    match = _CODE.match(text)
    if match:
        return CrsName(_authid(match.group(1), match.group(2)), CODE, text)
    return CrsName(text, CODE, text)


def _authid(authority: str, code: str) -> str:
    if authority.upper() in ("OGC", "CRS") and code.upper() in ("CRS84", "84"):
        return CRS84
    return f"{authority.upper()}:{code}"


def yx_order(crs: CrsName, inverted: bool) -> bool:
    """Whether corners in ``crs`` are written y first: its spelling means the authority's order,
    and the authority puts y (north, latitude) first (``inverted``, QGIS's ``hasAxisInverted``)."""
    return crs.authority_order and inverted


def crs_to_send(authid: str, advertised, inverted: bool) -> CrsName:
    """How to name ``authid`` in a request: a spelling the server advertised when it is
    unambiguous (any spelling for an x/y CRS; URN or URI for a y-first one), else the URN."""
    names = [parse_crs(text) for text in advertised]
    same = [name for name in names if name.authid == authid]
    for name in same:
        if not inverted or name.authority_order:
            return name
    if authid == CRS84:
        return parse_crs("urn:ogc:def:crs:OGC:1.3:CRS84")
    authority, _, code = authid.partition(":")
    if inverted and code:
        return parse_crs(f"urn:ogc:def:crs:{authority}::{code}")
    return same[0] if same else parse_crs(authid)


def corners(xmin: float, ymin: float, xmax: float, ymax: float, yx: bool) -> tuple:
    """(LowerCorner, UpperCorner) pairs in the order the CRS spelling means."""
    if yx:
        return (ymin, xmin), (ymax, xmax)
    return (xmin, ymin), (xmax, ymax)


def box_from_corners(lower, upper, yx: bool) -> tuple:
    """(xmin, ymin, xmax, ymax) from a LowerCorner and an UpperCorner as written."""
    if yx:
        return lower[1], lower[0], upper[1], upper[0]
    return lower[0], lower[1], upper[0], upper[1]


# ---------------------------------------------------------------- GML


def gml_version(mime_type: str, schema: str) -> str:
    """``GML3.2``, ``GML3`` or ``GML2`` (GDAL's FORMAT names) for one advertised GML format:
    the version the schema (or a ``version=``/``subtype=gml/`` parameter) names; GML 2 when
    nothing says 3, as GML 2 was the default of WPS 1.0.0 servers."""
    text = f"{schema} {mime_type}".lower()
    if re.search(r"gml/3\.2|gml3\.2|version=3\.2", text):
        return "GML3.2"
    if re.search(r"gml/3|gml3|version=3|subtype=gml/3", text):
        return "GML3"
    return "GML2"


# ---------------------------------------------------------------- allowed values


@dataclass(frozen=True)
class AllowedRange:
    """One ows:Range: bounds as text (empty when unbounded), closure and spacing as described."""

    minimum: str = ""
    maximum: str = ""
    closure: str = "closed"
    spacing: str = ""

    def __str__(self) -> str:
        left = "]" if self.closure in ("open", "open-closed") else "["
        right = "[" if self.closure in ("open", "closed-open") else "]"
        text = f"{left}{self.minimum or '-∞'}, {self.maximum or '∞'}{right}"
        return f"{text} step {self.spacing}" if self.spacing else text

    def contains(self, value: float) -> bool:
        """PyWPS's rule (pywps/validator/literalvalidator.py ``_validate_range``): bounds by
        closure, and a multiple of the spacing from the minimum."""
        low, high = number(self.minimum), number(self.maximum)
        if low is not None and (value < low or (value == low and self.closure in ("open", "open-closed"))):
            return False
        if high is not None and (value > high or (value == high and self.closure in ("open", "closed-open"))):
            return False
        step = number(self.spacing)
        if step and low is not None:
            try:
                return (Decimal(str(value)) - Decimal(self.minimum.strip())) % Decimal(str(abs(step))) == 0
            except InvalidOperation:
                return True
        return True


def number(text) -> float | None:
    """A finite number from a literal's text, else None."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def is_allowed(value: float, values, ranges) -> bool:
    """Whether ``value`` is one of the discrete ``values`` (texts) or in one of the ``ranges``;
    anything is when neither lists something (PyWPS's ``validate_allowed_values``: any one suffices)."""
    if not values and not ranges:
        return True
    return any(number(item) == value for item in values) or any(item.contains(value) for item in ranges)


def describe_allowed(values, ranges) -> str:
    """The allowed values and ranges, for messages: ``42, [1, 10], [100, 200]``."""
    return ", ".join([*values, *(str(item) for item in ranges)])


def bounds(ranges) -> tuple:
    """(minimum, maximum) spanning every range; None where unbounded."""
    lows = [number(item.minimum) for item in ranges]
    highs = [number(item.maximum) for item in ranges]
    low = min(lows) if lows and None not in lows else None
    high = max(highs) if highs and None not in highs else None
    return low, high


# ---------------------------------------------------------------- enumerations


class NotAnOption(ValueError):
    """A value that is neither an option's number nor its text; ``value`` is the text given."""

    def __init__(self, value: str):
        super().__init__(value)
        self.value = value


def enum_choices(value, options) -> list:
    """The option texts meant by ``value``: an index (int, or a whole number as text, 0-based as
    QGIS numbers enum options in ``qgis_process help``), an option's text, or a list or
    comma-separated text of them. :class:`NotAnOption` for one that matches nothing."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        items = list(value)
    elif isinstance(value, str) and value not in options and "," in value:
        items = value.split(",")
    else:
        items = [value]
    return [_enum_choice(item, options) for item in items]


def _enum_choice(item, options) -> str:
    text = str(item).strip()
    if isinstance(item, bool):
        raise NotAnOption(text)
    if isinstance(item, int) or re.fullmatch(r"\d+", text):
        index = int(text)
        if 0 <= index < len(options):
            return options[index]
    if text in options:
        return text
    raise NotAnOption(text)


def numbered_options(options) -> str:
    """``0: add, 1: subtract, …``: the options as QGIS numbers them."""
    return ", ".join(f"{index}: {option}" for index, option in enumerate(options))


# ---------------------------------------------------------------- output formats

#: Extensions of the formats servers commonly return, after PyWPS's own table
#: (pywps/inout/formats/__init__.py ``FORMATS``); the key is the MIME type without spaces.
EXTENSIONS = {
    "application/metalink+xml;version=4.0": "meta4", "application/metalink4+xml": "meta4",
    "application/metalink+xml;version=3.0": "metalink", "application/metalink+xml": "metalink",
    "application/x-netcdf": "nc", "application/netcdf": "nc", "application/x-ogc-dods": "nc",
    "application/json": "json", "application/geo+json": "geojson", "application/vnd.geo+json": "geojson",
    "text/csv": "csv", "application/zip": "zip", "application/x-zipped-shp": "zip", "text/plain": "txt",
    "application/gml+xml": "gml", "image/tiff": "tif", "application/xml": "xml", "text/xml": "xml",
    "application/vnd.google-earth.kml+xml": "kml", "application/vnd.google-earth.kmz": "kmz",
    "application/gpx+xml": "gpx", "application/x-ogc-wms": "xml", "application/x-ogc-wcs": "xml",
    "application/x-ogc-wfs": "xml", "application/ncml+xml": "ncml",
}


def extension_for_mime(mime_type: str) -> str:
    """The extension (no dot) for a MIME type, with its parameters first, then without; "" if unknown."""
    text = mime_type.lower().replace(" ", "")
    return EXTENSIONS.get(text) or EXTENSIONS.get(text.split(";")[0], "")


def is_remote_url(text) -> bool:
    """Whether a parameter value is an http(s) URL (sent as a wps:Reference, never read here)."""
    return isinstance(text, str) and text.strip().lower().startswith(("http://", "https://"))
