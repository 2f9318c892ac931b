"""The WPS 1.0.0 protocol without QGIS: requests, responses, descriptions and errors.

Requests (:func:`execute_request_xml`), responses (:func:`parse_execute_response`,
:func:`parse_capabilities`, :func:`parse_process_description`) and their data types, built and
read with the standard library (no OWSLib), beside the value rules of :mod:`.rules` (axis order
by CRS spelling, GML versions, allowed ranges). :mod:`.client` sends them over QGIS's network
stack; :mod:`.execute` maps their errors and progress to Processing's.
"""

from __future__ import annotations

import base64
import math
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field

from ..core.wms import describe_bytes
from .rules import AllowedRange, corners

NS = {
    "wps": "http://www.opengis.net/wps/1.0.0",
    "ows": "http://www.opengis.net/ows/1.1",
    "xlink": "http://www.w3.org/1999/xlink",
}
for _prefix, _uri in NS.items():
    ElementTree.register_namespace(_prefix, _uri)

ACCEPTED, STARTED, PAUSED, SUCCEEDED, FAILED = "accepted", "started", "paused", "succeeded", "failed"
_STATUS_TAGS = {
    "ProcessAccepted": ACCEPTED,
    "ProcessStarted": STARTED,
    "ProcessPaused": PAUSED,
    "ProcessSucceeded": SUCCEEDED,
    "ProcessFailed": FAILED,
}


class WpsError(Exception):
    """Base class of every WPS client failure; ``str()`` is a message for users."""


class WpsUnreachable(WpsError):
    """No HTTP answer at all: refused, unknown host, timeout, TLS failure."""


class WpsHttpError(WpsError):
    """An HTTP error status without a WPS ExceptionReport."""


class WpsBadResponse(WpsError):
    """The answer is not the WPS document expected (not a WPS server?)."""


class WpsExceptionReport(WpsError):
    """The server answered with an OWS ExceptionReport."""

    def __init__(self, code: str, text: str, locator: str = ""):
        self.code, self.text, self.locator = code, text, locator
        where = f" (locator: {locator})" if locator else ""
        super().__init__(f"the WPS server reported {code or 'an exception'}{where}: {text or 'no message'}")


class WpsProcessNotFound(WpsError):
    """The server has no process of that identifier."""


class WpsProcessFailed(WpsError):
    """The process ran and reported ProcessFailed."""

    def __init__(self, code: str, text: str):
        self.code, self.text = code, text
        super().__init__(f"the WPS process failed ({code or 'no code'}): {text or 'no message'}")


class WpsCanceled(WpsError):
    """The caller's feedback was cancelled while waiting."""


# ---------------------------------------------------------------- request model


@dataclass(frozen=True)
class LiteralInput:
    identifier: str
    value: object


@dataclass(frozen=True)
class BoundingBoxInput:
    """A 2-D bounding box in ``crs`` (e.g. ``EPSG:3857``), given x (easting/longitude) first;
    ``yx`` writes its corners y first, as the CRS's spelling means (see :mod:`.rules`)."""

    identifier: str
    xmin: float
    ymin: float
    xmax: float
    ymax: float
    crs: str
    yx: bool = False


@dataclass(frozen=True)
class ComplexInput:
    """Complex data sent by value (``data``) or by reference (``href``).

    By value, ``data`` is text; XML formats whose text is an XML document are
    embedded as elements (as WPS 1.0.0 expects GML), anything else as text.
    Binary content goes through :meth:`from_bytes`, which base64-encodes it.
    """

    identifier: str
    mime_type: str
    data: str | None = None
    href: str | None = None
    encoding: str | None = None
    schema: str | None = None

    @classmethod
    def from_bytes(cls, identifier: str, mime_type: str, payload: bytes, *, binary: bool,
                   schema: str | None = None) -> ComplexInput:
        """By value: ``payload`` base64-encoded (``encoding="base64"``) when ``binary``, else as UTF-8 text."""
        if binary:
            return cls(identifier, mime_type, base64.b64encode(payload).decode("ascii"), encoding="base64",
                       schema=schema)
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"the content for {identifier!r} ({mime_type}) is not UTF-8 text") from exc
        return cls(identifier, mime_type, text, schema=schema)


@dataclass(frozen=True)
class OutputRequest:
    identifier: str
    as_reference: bool = True
    mime_type: str | None = None


# ---------------------------------------------------------------- response model


@dataclass
class OutputValue:
    """One output of an ExecuteResponse.

    By reference: ``href``. By value: ``data`` is the literal's text, a complex
    output's text (or its XML, serialised), and for a bounding box ``bbox`` is
    (xmin, ymin, xmax, ymax) as given (lower corner first) in ``crs``.
    """

    identifier: str
    href: str | None = None
    mime_type: str | None = None
    data: str | None = None
    encoding: str | None = None
    schema: str | None = None
    data_type: str = ""
    uom: str = ""
    bbox: tuple | None = None
    crs: str = ""

    def payload(self) -> bytes:
        """A by-value complex output's bytes (base64 decoded when its encoding says so)."""
        text = self.data or ""
        if (self.encoding or "").lower() == "base64":
            try:
                return base64.b64decode(text, validate=False)
            except ValueError as exc:
                raise WpsBadResponse(f"the WPS output {self.identifier!r} is not valid base64") from exc
        return text.encode("utf-8")


@dataclass
class ExecuteResponse:
    status: str
    message: str = ""
    percent: int | None = None
    status_location: str | None = None
    exception_code: str = ""
    exception_text: str = ""
    outputs: dict = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.status in (SUCCEEDED, FAILED)


@dataclass
class ProcessSummary:
    identifier: str
    title: str = ""
    abstract: str = ""


@dataclass(frozen=True)
class Format:
    """One ComplexData format: MIME type, optional encoding (e.g. ``base64``) and schema URL."""

    mime_type: str
    encoding: str = ""
    schema: str = ""


LITERAL, BOUNDING_BOX, COMPLEX = "literal", "bbox", "complex"


@dataclass
class InputDescription:
    """One DataInputs/Input of a DescribeProcess answer.

    ``kind`` is :data:`LITERAL`, :data:`BOUNDING_BOX` or :data:`COMPLEX`.
    ``max_occurs`` is ``None`` for "unbounded". ``data_type`` is the local
    name of ows:DataType (``integer``, ``float``, ``string``, ``boolean``…).
    ``allowed_values`` are the discrete ows:Value texts, ``ranges`` the ows:Range
    (:class:`~.rules.AllowedRange`); a value is allowed when it is one or the other.
    ``crss`` and ``formats`` start with the default one.
    """

    identifier: str
    kind: str
    title: str = ""
    abstract: str = ""
    min_occurs: int = 1
    max_occurs: int | None = 1
    data_type: str = ""
    allowed_values: tuple = ()
    ranges: tuple = ()
    any_value: bool = False
    default: str | None = None
    uoms: tuple = ()
    crss: tuple = ()
    formats: tuple = ()
    maximum_megabytes: float | None = None

    @property
    def optional(self) -> bool:
        return self.min_occurs == 0

    @property
    def multiple(self) -> bool:
        return self.max_occurs is None or self.max_occurs > 1


@dataclass
class OutputDescription:
    """One ProcessOutputs/Output: ``kind``, and its data type, CRSs or formats (defaults first)."""

    identifier: str
    kind: str
    title: str = ""
    abstract: str = ""
    data_type: str = ""
    uoms: tuple = ()
    crss: tuple = ()
    formats: tuple = ()


@dataclass
class ProcessDescription:
    """A process; ``inputs``/``outputs`` are the identifiers (kept for older callers),
    ``input_descriptions``/``output_descriptions`` the full descriptions, in the same order."""

    identifier: str
    title: str = ""
    abstract: str = ""
    store_supported: bool = False
    status_supported: bool = False
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    input_descriptions: list = field(default_factory=list)
    output_descriptions: list = field(default_factory=list)

    @property
    def asynchronous(self) -> bool:
        """Whether the process can run with a stored response and status updates (WPS 1.0.0 async)."""
        return self.store_supported and self.status_supported


# ---------------------------------------------------------------- XML


def qualified_name(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _format_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"literal value {value!r} is not a finite number")
        return repr(value)
    return str(value)


def execute_request_xml(identifier: str, inputs, outputs, *, asynchronous: bool = True) -> bytes:
    """The XML body of a WPS 1.0.0 Execute (POST) request.

    ``asynchronous`` asks for ``storeExecuteResponse`` and ``status``: the server
    answers at once with a statusLocation to poll.
    """
    root = ElementTree.Element(qualified_name("wps", "Execute"), {"service": "WPS", "version": "1.0.0"})
    ElementTree.SubElement(root, qualified_name("ows", "Identifier")).text = identifier
    data_inputs = ElementTree.SubElement(root, qualified_name("wps", "DataInputs"))
    for item in inputs:
        element = ElementTree.SubElement(data_inputs, qualified_name("wps", "Input"))
        ElementTree.SubElement(element, qualified_name("ows", "Identifier")).text = item.identifier
        if isinstance(item, ComplexInput) and item.href:
            attributes = {qualified_name("xlink", "href"): item.href, "mimeType": item.mime_type}
            element.append(ElementTree.Element(qualified_name("wps", "Reference"), _without_none(
                attributes, encoding=item.encoding, schema=item.schema)))
            continue
        data = ElementTree.SubElement(element, qualified_name("wps", "Data"))
        if isinstance(item, LiteralInput):
            ElementTree.SubElement(data, qualified_name("wps", "LiteralData")).text = _format_value(item.value)
        elif isinstance(item, BoundingBoxInput):
            bbox = ElementTree.SubElement(data, qualified_name("wps", "BoundingBoxData"),
                                          {"crs": item.crs, "dimensions": "2"})
            for tag, corner in zip(("LowerCorner", "UpperCorner"),
                                   corners(item.xmin, item.ymin, item.xmax, item.ymax, item.yx)):
                ElementTree.SubElement(bbox, qualified_name("ows", tag)).text = " ".join(
                    _format_value(float(number)) for number in corner)
        elif isinstance(item, ComplexInput):
            complex_data = ElementTree.SubElement(data, qualified_name("wps", "ComplexData"), _without_none(
                {"mimeType": item.mime_type}, encoding=item.encoding, schema=item.schema))
            embedded = _embeddable_xml(item)
            if embedded is not None:
                complex_data.append(embedded)
            else:
                complex_data.text = item.data or ""
        else:
            raise TypeError(f"unsupported WPS input {item!r}")
    response_form = ElementTree.SubElement(root, qualified_name("wps", "ResponseForm"))
    document = ElementTree.SubElement(response_form, qualified_name("wps", "ResponseDocument"), {
        "storeExecuteResponse": _format_value(asynchronous), "status": _format_value(asynchronous)})
    for output in outputs:
        element = ElementTree.SubElement(document, qualified_name("wps", "Output"), _without_none(
            {"asReference": _format_value(output.as_reference)}, mimeType=output.mime_type))
        ElementTree.SubElement(element, qualified_name("ows", "Identifier")).text = output.identifier
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _embeddable_xml(item: ComplexInput):
    """The root element of ``item.data`` when it is an XML document of an XML format, else None."""
    if item.encoding or "xml" not in item.mime_type.lower() or not (item.data or "").lstrip().startswith("<"):
        return None
    if re.search(r"<!(DOCTYPE|ENTITY)", item.data[:4096], re.I):
        return None
    try:
        return ElementTree.fromstring(item.data.encode("utf-8"))
    except ElementTree.ParseError:
        return None  # not well-formed: sent as text, and the server judges it


def _without_none(attributes: dict, **optional) -> dict:
    attributes = dict(attributes)
    attributes.update({key: value for key, value in optional.items() if value})
    return attributes


def parse_xml(body: bytes, what: str):
    """Parse a server's XML; refuse DTDs (no entity expansion attacks)."""
    if re.match(rb"\s*(<!--.*?-->\s*)*<(!DOCTYPE\s+html|html)[\s>]", body[:4096], re.I | re.S):
        raise WpsBadResponse(f"the server answered the {what} with an HTML page, not WPS XML; "
                             "is the URL a WPS endpoint?")
    if re.search(rb"<!(DOCTYPE|ENTITY)", body[:4096], re.I):
        raise WpsBadResponse(f"the WPS server answered the {what} with XML that declares a DTD, which is refused")
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise WpsBadResponse(
            f"the server answered the {what} with something that is not XML ({describe_bytes(body)}); "
            "is the URL a WPS endpoint?") from exc


def local_name(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element, name):
    return next((child for child in element if local_name(child.tag) == name), None) if element is not None else None


def children(element, name):
    return [child for child in element if local_name(child.tag) == name] if element is not None else []


def _element_text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _text(element, name) -> str:
    child = _child(element, name)
    return _element_text(child) if child is not None else ""


def exception_from_report(root) -> WpsExceptionReport:
    """The first Exception of an OWS ExceptionReport element."""
    exception = next((el for el in root.iter() if local_name(el.tag) == "Exception"), None)
    if exception is None:
        return WpsExceptionReport("", "empty exception report")
    return WpsExceptionReport(exception.get("exceptionCode", ""), _text(exception, "ExceptionText"),
                              exception.get("locator", ""))


def _raise_if_exception_report(root):
    if local_name(root.tag) == "ExceptionReport":
        raise exception_from_report(root)


def _not_wps(root, what: str) -> WpsBadResponse:
    """The error for an XML answer that is not the WPS document expected (e.g. a WMS exception)."""
    text = " ".join("".join(root.itertext()).split())
    detail = f": {text[:300]}" if text else ""
    return WpsBadResponse(f"the server answered the {what} with a {local_name(root.tag)} document, not a WPS "
                          f"answer; is the URL a WPS 1.0.0 endpoint?{detail}")


def parse_execute_response(body: bytes) -> ExecuteResponse:
    """Read an ExecuteResponse (also a stored status document)."""
    root = parse_xml(body, "Execute request")
    _raise_if_exception_report(root)
    if local_name(root.tag) != "ExecuteResponse":
        raise _not_wps(root, "Execute request")
    status_element = _child(root, "Status")
    state = next((child for child in status_element if local_name(child.tag) in _STATUS_TAGS), None) \
        if status_element is not None else None
    if state is None:
        raise WpsBadResponse("the WPS ExecuteResponse has no Status")
    response = ExecuteResponse(status=_STATUS_TAGS[local_name(state.tag)],
                               status_location=root.get("statusLocation"))
    if response.status == FAILED:
        error = exception_from_report(state)
        response.exception_code, response.exception_text = error.code, error.text
    else:
        response.message = " ".join("".join(state.itertext()).split())
        percent = state.get("percentCompleted")
        response.percent = int(float(percent)) if percent not in (None, "") else None
    for output in children(_child(root, "ProcessOutputs"), "Output"):
        value = OutputValue(_text(output, "Identifier"))
        reference = _child(output, "Reference")
        if reference is not None:
            value.href = reference.get("href") or reference.get(qualified_name("xlink", "href"))
            value.mime_type = reference.get("mimeType")
        data = _child(output, "Data")
        if data is not None and len(data):
            _read_output_data(value, data[0])
        response.outputs[value.identifier] = value
    return response


def _read_output_data(value: OutputValue, element) -> None:
    kind = local_name(element.tag)
    value.mime_type = element.get("mimeType")
    value.encoding, value.schema = element.get("encoding"), element.get("schema")
    if kind == "BoundingBoxData":
        value.crs = element.get("crs", "")
        try:
            lower = [float(number) for number in _text(element, "LowerCorner").split()]
            upper = [float(number) for number in _text(element, "UpperCorner").split()]
            value.bbox = (lower[0], lower[1], upper[0], upper[1])
        except (ValueError, IndexError) as exc:
            raise WpsBadResponse(f"the WPS output {value.identifier!r} is not a valid bounding box") from exc
        value.data = f"{value.bbox[0]!r} {value.bbox[1]!r} {value.bbox[2]!r} {value.bbox[3]!r}"
        return
    if kind == "LiteralData":
        value.data_type = re.split(r"[#:/]", element.get("dataType", ""))[-1].lower()
        value.uom = element.get("uom", "")
        value.data = "".join(element.itertext()).strip()
        return
    if len(element):
        # XML content (GML, for example) embedded as elements: serialise it back.
        value.data = "".join(ElementTree.tostring(child, encoding="unicode") for child in element)
    else:
        value.data = element.text or ""


def parse_capabilities(body: bytes) -> list:
    """The processes a WPS GetCapabilities document offers."""
    root = parse_xml(body, "GetCapabilities request")
    _raise_if_exception_report(root)
    if local_name(root.tag) != "Capabilities":
        raise _not_wps(root, "GetCapabilities request")
    return [ProcessSummary(_text(process, "Identifier"), _text(process, "Title"), _text(process, "Abstract"))
            for process in children(_child(root, "ProcessOfferings"), "Process")]


@dataclass
class UnusableProcess:
    """A process whose description cannot be read (e.g. an input of no known kind)."""

    identifier: str
    reason: str


def parse_process_descriptions(body: bytes, *, unusable: list | None = None) -> list:
    """Every process of a DescribeProcess answer, with full input and output descriptions.

    A process whose description cannot be read raises :class:`WpsBadResponse`, unless
    ``unusable`` is a list: it is then appended there as an :class:`UnusableProcess` and
    left out, so one malformed process does not cost a server all its others.
    """
    root = parse_xml(body, "DescribeProcess request")
    _raise_if_exception_report(root)
    if local_name(root.tag) != "ProcessDescriptions":
        raise _not_wps(root, "DescribeProcess request")
    descriptions = []
    for element in children(root, "ProcessDescription"):
        try:
            descriptions.append(_process_description(element))
        except WpsBadResponse as exc:
            if unusable is None:
                raise
            unusable.append(UnusableProcess(_text(element, "Identifier"), str(exc)))
    return descriptions


def parse_process_description(body: bytes, identifier: str) -> ProcessDescription:
    """The description of ``identifier`` in a DescribeProcess answer."""
    for description in parse_process_descriptions(body):
        if description.identifier == identifier:
            return description
    raise WpsProcessNotFound(f"the WPS server does not describe a process named {identifier!r}")


def _process_description(element) -> ProcessDescription:
    inputs = [_input_description(item) for item in children(_child(element, "DataInputs"), "Input")]
    outputs = [_output_description(item) for item in children(_child(element, "ProcessOutputs"), "Output")]
    return ProcessDescription(
        identifier=_text(element, "Identifier"),
        title=_text(element, "Title"),
        abstract=_text(element, "Abstract"),
        store_supported=element.get("storeSupported", "false").strip().lower() == "true",
        status_supported=element.get("statusSupported", "false").strip().lower() == "true",
        inputs=[item.identifier for item in inputs],
        outputs=[item.identifier for item in outputs],
        input_descriptions=inputs,
        output_descriptions=outputs,
    )


def _occurs(value: str | None, default: int | None) -> int | None:
    if value is None or not value.strip():
        return default
    if value.strip().lower() == "unbounded":
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise WpsBadResponse(f"the WPS process description has an invalid occurrence count {value!r}") from exc


def _data_type(element) -> str:
    """The local name of an ows:DataType: ``xs:integer``, ``…#double`` and ``integer`` all give the last part."""
    data_type = _child(element, "DataType")
    if data_type is None:
        return ""
    name = "".join(data_type.itertext()).strip() or data_type.get(qualified_name("ows", "reference"), "") \
        or data_type.get("reference", "")
    return re.split(r"[#:/]", name)[-1].strip().lower()


def _uoms(element) -> tuple:
    uoms = _child(element, "UOMs")
    names = [_text(_child(uoms, "Default"), "UOM")]
    names += [_element_text(item) for item in children(_child(uoms, "Supported"), "UOM")]
    return tuple(dict.fromkeys(name for name in names if name))


def _format(element) -> Format:
    return Format(_text(element, "MimeType"), _text(element, "Encoding"), _text(element, "Schema"))


def _formats(element) -> tuple:
    formats = [_format(item) for item in children(_child(element, "Default"), "Format")]
    formats += [_format(item) for item in children(_child(element, "Supported"), "Format")]
    return tuple(dict.fromkeys(item for item in formats if item.mime_type))


def _crss(element) -> tuple:
    names = [_text(_child(element, "Default"), "CRS")]
    names += [_element_text(item) for item in children(_child(element, "Supported"), "CRS")]
    return tuple(dict.fromkeys(name for name in names if name))


def _input_description(element) -> InputDescription:
    description = InputDescription(
        identifier=_text(element, "Identifier"), kind="", title=_text(element, "Title"),
        abstract=_text(element, "Abstract"), min_occurs=_occurs(element.get("minOccurs"), 1),
        max_occurs=_occurs(element.get("maxOccurs"), 1))
    literal, bbox, complex_data = (_child(element, "LiteralData"), _child(element, "BoundingBoxData"),
                                   _child(element, "ComplexData"))
    kind = _literal_or_bbox(description, literal, bbox)
    if kind == LITERAL:
        allowed = _child(literal, "AllowedValues")
        description.allowed_values = tuple(_element_text(value) for value in children(allowed, "Value"))
        description.ranges = tuple(AllowedRange(
            _text(item, "MinimumValue"), _text(item, "MaximumValue"),
            (item.get(qualified_name("ows", "rangeClosure")) or item.get("rangeClosure") or "closed").strip().lower(),
            _text(item, "Spacing")) for item in children(allowed, "Range"))
        description.any_value = _child(literal, "AnyValue") is not None
        default = _child(literal, "DefaultValue")
        description.default = "".join(default.itertext()).strip() if default is not None else None
    elif not kind and complex_data is not None:
        description.kind = COMPLEX
        description.formats = _formats(complex_data)
        megabytes = complex_data.get("maximumMegabytes")
        try:
            description.maximum_megabytes = float(megabytes) if megabytes not in (None, "") else None
        except ValueError:
            description.maximum_megabytes = None
    elif not kind:
        raise WpsBadResponse(f"the WPS process description's input {description.identifier!r} has no "
                             "LiteralData, BoundingBoxData or ComplexData")
    return description


def _literal_or_bbox(description, literal, bbox) -> str:
    """Read a literal's data type and units, or a bounding box's CRSs, into ``description``; its kind."""
    if literal is not None:
        description.kind = LITERAL
        description.data_type = _data_type(literal)
        description.uoms = _uoms(literal)
    elif bbox is not None:
        description.kind = BOUNDING_BOX
        description.crss = _crss(bbox)
    return description.kind


def _output_description(element) -> OutputDescription:
    description = OutputDescription(identifier=_text(element, "Identifier"), kind="",
                                    title=_text(element, "Title"), abstract=_text(element, "Abstract"))
    literal, bbox, complex_output = (_child(element, "LiteralOutput"), _child(element, "BoundingBoxOutput"),
                                     _child(element, "ComplexOutput"))
    if _literal_or_bbox(description, literal, bbox):
        return description
    if complex_output is None:
        raise WpsBadResponse(f"the WPS process description's output {description.identifier!r} has no "
                             "LiteralOutput, BoundingBoxOutput or ComplexOutput")
    description.kind = COMPLEX
    description.formats = _formats(complex_output)
    return description


# ---------------------------------------------------------------- transport
