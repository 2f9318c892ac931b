"""A small, strict WMS 1.1.1 / 1.3.0 client: GetMap into numpy, GetCapabilities.

Strict means: every request has connect and read timeouts and an overall
deadline, the body is capped in bytes, the decoded image is capped in pixels
before it is decoded, and every way a WMS can fail maps to one exception
class below with a message that names the problem.
"""

from __future__ import annotations

import email.utils
import io
import re
import threading
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urljoin, urlsplit

import numpy as np
import requests
from PIL import Image
from requests.packages.urllib3.exceptions import HTTPError as TransportError
from requests.packages.urllib3.exceptions import ReadTimeoutError

from .cores import usable_cores
from .georef import TileGrid, check_version, wms_bbox

IMAGE_FORMATS = ("image/png", "image/jpeg")
_PIL_FORMATS = ("PNG", "JPEG")
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_PIXELS = 4098 * 4098
_MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
#: Decoded images above this many bytes are copied out of PIL in bands of ``_BAND_BYTES`` (:func:`_pixels`).
_WHOLE_COPY_BYTES, _BAND_BYTES = 4 * 2**20, 2**20
#: Images decoded at once in this process: one per core. Decoding is CPU-bound, so more at once
#: would not finish sooner, and each holds twice its image in memory (PIL's and the array) while
#: it runs: the area pipeline's four requests in flight otherwise decoded together now and then,
#: and its peak RSS grew with the number of blocks (see BENCHMARKS.md).
_decode_slots = threading.BoundedSemaphore(usable_cores())


class WmsError(Exception):
    """Base class of every WMS failure; ``str()`` is a message for users."""


class WmsServiceException(WmsError):
    """The WMS answered with a ServiceExceptionReport (whatever the HTTP status)."""

    def __init__(self, code: str, message: str, url: str = ""):
        self.code, self.message, self.url = code, message, url
        super().__init__(f"the WMS reported {code or 'an exception'}: {message}")


class WmsBadResponse(WmsError):
    """The WMS answered with something that is not the image asked for."""


class WmsWrongSize(WmsBadResponse):
    """The WMS answered with an image of another size than requested."""


class WmsTooLarge(WmsError):
    """The response or the image exceeds the configured byte or pixel cap."""


class WmsHttpError(WmsError):
    """The WMS answered with an HTTP error status and no exception report.

    ``retry_after`` is the delay in seconds of a ``Retry-After`` header (429, 503), if any.
    """

    def __init__(self, status: int, url: str, retry_after: float | None = None):
        self.status, self.retry_after = status, retry_after
        super().__init__(f"the WMS answered HTTP {status} for {redact(url)}")


class WmsCutOff(WmsBadResponse):
    """The connection broke while the answer was arriving."""


class WmsTimeout(WmsError):
    """The WMS did not answer within the timeout."""


class WmsUnreachable(WmsError):
    """The WMS host could not be reached (refused, unknown host, reset)."""


class WmsNotAllowed(WmsError):
    """The URL (or a redirect target) is not an allowed WMS endpoint."""


@dataclass
class LayerInfo:
    name: str
    title: str
    crs: list = field(default_factory=list)


@dataclass
class Capabilities:
    version: str
    layers: list
    max_width: int | None = None
    max_height: int | None = None

    def layer(self, name: str) -> LayerInfo | None:
        return next((layer for layer in self.layers if layer.name == name), None)


class WmsClient:
    """Reusable GetMap/GetCapabilities client with one ``requests.Session``.

    ``url_allowed`` (optional) is asked about the first URL and every redirect
    target; a refusal raises :class:`WmsNotAllowed`.
    """

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, connect_timeout: float | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS,
                 url_allowed: Callable[[str], bool] | None = None,
                 session: requests.Session | None = None):
        self.timeout = float(timeout)
        self.connect_timeout = float(connect_timeout if connect_timeout is not None else min(timeout, 10.0))
        self.max_bytes = int(max_bytes)
        self.max_pixels = int(max_pixels)
        self.url_allowed = url_allowed
        self.session = session or requests.Session()

    def close(self):
        self.session.close()

    def get_map(self, url: str, layer: str, grid: TileGrid, crs: str, *, version: str = "1.1.1",
                image_format: str = "image/png", styles: str = "", yx: bool | None = None) -> np.ndarray:
        """Fetch ``layer`` over ``grid`` and return its pixels (H x W, x2, x3 or x4, uint8).

        ``yx`` forces the BBOX axis order for WMS 1.3.0 (see ``georef.axis_order_is_yx``).
        """
        params = getmap_params(layer, grid, crs, version=version, image_format=image_format,
                               styles=styles, yx=yx)
        if grid.width * grid.height > self.max_pixels:
            raise WmsTooLarge(
                f"a {grid.width} x {grid.height} image exceeds the limit of {self.max_pixels} pixels")
        body, content_type, final_url = self._get(url, params)
        if _looks_like_xml(body, content_type):
            raise exception_from_xml(body, final_url)
        with _decode_slots:
            return decode_image(body, grid.width, grid.height, max_pixels=self.max_pixels)

    def get_capabilities(self, url: str, version: str = "1.3.0") -> Capabilities:
        check_version(version)
        params = {"SERVICE": "WMS", "VERSION": version, "REQUEST": "GetCapabilities"}
        body, content_type, final_url = self._get(url, params)
        return capabilities_from_xml(body, final_url)

    def _get(self, url, params):
        """GET with caps, deadline and allow-listed redirects; return (body, type, url)."""
        deadline = time.monotonic() + self.timeout
        for _ in range(_MAX_REDIRECTS + 1):
            self._check_url(url)
            try:
                response = self.session.get(url, params=params, stream=True, allow_redirects=False,
                                            timeout=(self.connect_timeout, self.timeout))
            except requests.exceptions.Timeout as exc:
                raise WmsTimeout(f"the WMS at {redact(url)} did not answer within {self.timeout:g} s") from exc
            except requests.exceptions.RequestException as exc:
                raise WmsUnreachable(f"the WMS at {redact(url)} cannot be reached: {_reason(exc)}") from exc
            with response:
                if response.is_redirect:
                    url, params = urljoin(response.url, response.headers["location"]), None
                    continue
                body = self._read_capped(response, deadline, url)
                content_type = response.headers.get("content-type", "").lower()
                if response.status_code >= 400:
                    if _looks_like_xml(body, content_type):
                        report = exception_from_xml(body, response.url)
                        if isinstance(report, WmsServiceException):
                            raise report
                    raise WmsHttpError(response.status_code, response.url,
                                       retry_after_seconds(response.headers.get("retry-after")))
                return body, content_type, response.url
        raise WmsBadResponse(f"the WMS at {redact(url)} redirected more than {_MAX_REDIRECTS} times")

    def _check_url(self, url):
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise WmsNotAllowed(f"WMS URL {redact(url)} must use http or https")
        if self.url_allowed is not None and not self.url_allowed(url):
            raise WmsNotAllowed(f"WMS URL {redact(url)} is not in the list of allowed WMS endpoints")

    def _read_capped(self, response, deadline, url):
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise WmsTooLarge(f"the WMS response of {declared} bytes exceeds the limit of {self.max_bytes} bytes")
        chunks, size = [], 0
        try:
            for chunk in _arrivals(response):
                size += len(chunk)
                if size > self.max_bytes:
                    raise WmsTooLarge(f"the WMS response exceeds the limit of {self.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise WmsTimeout(f"the WMS at {redact(url)} did not finish answering within {self.timeout:g} s")
                chunks.append(chunk)
        except (requests.exceptions.Timeout, ReadTimeoutError) as exc:
            raise WmsTimeout(f"the WMS at {redact(url)} stopped answering for {self.timeout:g} s") from exc
        except (requests.exceptions.RequestException, TransportError) as exc:
            raise WmsCutOff(f"the WMS response from {redact(url)} was cut off: {_reason(exc)}") from exc
        return b"".join(chunks)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from an HTTP ``Retry-After`` value (delay-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _arrivals(response):
    """The body, piece by piece as it arrives.

    ``iter_content`` waits for full 64 KiB pieces, so a WMS that trickles a byte
    now and then (each within the read timeout) would hold it for hours; urllib3 2's
    ``read1`` returns whatever has arrived, which lets the caller's deadline hold.
    urllib3 1.x has no ``read1``: there the deadline is checked between pieces.
    """
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:
        yield from response.iter_content(_CHUNK)
        return
    while chunk := read1(_CHUNK, decode_content=True):
        yield chunk


def getmap_params(layer: str, grid: TileGrid, crs: str, *, version: str = "1.1.1",
                  image_format: str = "image/png", styles: str = "", yx: bool | None = None) -> dict:
    """The key-value parameters of a GetMap request (SRS for 1.1.1, CRS for 1.3.0)."""
    check_version(version)
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"unsupported image format {image_format!r}; allowed values: {', '.join(IMAGE_FORMATS)}")
    if not layer or not layer.strip():
        raise ValueError("the WMS layer name is empty")
    return {
        "SERVICE": "WMS",
        "VERSION": version,
        "REQUEST": "GetMap",
        "LAYERS": layer,
        "STYLES": styles,
        ("SRS" if version == "1.1.1" else "CRS"): crs,
        "BBOX": wms_bbox(grid.extent, crs, version, yx=yx),
        "WIDTH": str(grid.width),
        "HEIGHT": str(grid.height),
        "FORMAT": image_format,
        "TRANSPARENT": "TRUE" if image_format == "image/png" else "FALSE",
    }


def decode_image(body: bytes, width: int | None = None, height: int | None = None, *,
                 max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode PNG/JPEG bytes into uint8 pixels: gray, gray+alpha, RGB or RGBA.

    The size is checked against ``max_pixels`` and the expected size from the
    header, before the pixels are decoded (no decompression bombs).
    """
    try:
        # Only the formats a WMS is asked for: PIL would otherwise guess among all its decoders.
        image = Image.open(io.BytesIO(body), formats=_PIL_FORMATS)
    except Image.DecompressionBombError as exc:  # PIL's own, much higher, limit: not an OSError
        raise WmsTooLarge(f"the WMS image exceeds the limit of {max_pixels} pixels: {exc}") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise WmsBadResponse(f"the WMS answered with something that is not an image ({describe_bytes(body)})") from exc
    if image.width * image.height > max_pixels:
        raise WmsTooLarge(f"the WMS image of {image.width} x {image.height} exceeds the limit of {max_pixels} pixels")
    if width is not None and (image.width, image.height) != (width, height):
        raise WmsWrongSize(
            f"the WMS answered with a {image.width} x {image.height} image instead of {width} x {height}")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise WmsBadResponse(f"the WMS image is truncated or corrupt: {exc}") from exc
    return _pixels(_normalise_mode(image))


def _pixels(image) -> np.ndarray:
    """The pixels of a loaded PIL image as a uint8 array; a large image copied in bands of rows.

    ``np.asarray`` of a whole image goes through ``tobytes``, which holds the pixels three times
    at once (PIL's image, its encoded chunks and their join): 48 MiB for a 2048² RGBA block, where
    bands of 1 MiB hold them twice plus a band. A tile (up to 4 MiB) is copied at once."""
    row_bytes = image.width * len(image.getbands())
    if row_bytes * image.height <= _WHOLE_COPY_BYTES:
        return np.asarray(image)
    band_rows = max(1, _BAND_BYTES // row_bytes)
    bands = [(row0, min(row0 + band_rows, image.height)) for row0 in range(0, image.height, band_rows)]
    out = None
    for row0, row1 in bands:
        band = np.asarray(image.crop((0, row0, image.width, row1)))
        if out is None:
            out = np.empty((image.height,) + band.shape[1:], dtype=band.dtype)
        out[row0:row1] = band
    return out


def _normalise_mode(image):
    """Reduce any PIL mode to L, LA, RGB or RGBA (uint8), keeping transparency."""
    if image.mode in ("L", "LA", "RGB", "RGBA"):
        return image
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("PA", "RGBa", "La"):
        return image.convert("RGBA")
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return image.point(lambda v: v / 256, "L") if image.mode.startswith("I;16") else image.convert("L")
    if image.mode == "1":
        return image.convert("L")
    return image.convert("RGB")


def parse_xml(body: bytes):
    """Parse XML with no entity declarations allowed (no XXE, no billion laughs)."""
    if re.search(rb"<!ENTITY", body, re.I):
        raise WmsBadResponse("the WMS answered with XML that declares entities, which is refused")
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise WmsBadResponse(f"the WMS answered with malformed XML: {exc}") from exc


def _looks_like_xml(body, content_type):
    if "xml" in content_type or "html" in content_type:
        return True
    head = body[:256].lstrip()
    return head.startswith(b"<")


def exception_from_xml(body, url):
    """The exception that an XML (or HTML) answer stands for."""
    try:
        root = parse_xml(body)
    except WmsBadResponse:
        return WmsBadResponse(f"the WMS at {redact(url)} answered with a non-image document ({describe_bytes(body)})")
    if _local(root.tag) in ("ServiceExceptionReport", "ExceptionReport"):
        first = next((el for el in root.iter() if _local(el.tag) in ("ServiceException", "Exception")), None)
        if first is not None:
            code = first.get("code") or first.get("exceptionCode") or ""
            text = " ".join("".join(first.itertext()).split())
            return WmsServiceException(code, text or "no message", url)
    return WmsBadResponse(f"the WMS at {redact(url)} answered with a {_local(root.tag)} document instead of an image")


def capabilities_from_xml(body: bytes, url: str) -> Capabilities:
    """The capabilities in a GetCapabilities answer; the WMS's exception if it sent one instead."""
    root = parse_xml(body)
    if _local(root.tag) in ("ServiceExceptionReport", "ExceptionReport"):
        raise exception_from_xml(body, url)
    return _read_capabilities(root)


def _read_capabilities(root):
    version = root.get("version", "")
    service = _child(root, "Service")
    max_width = _int_or_none(_text(service, "MaxWidth"))
    max_height = _int_or_none(_text(service, "MaxHeight"))
    layers = []
    capability = _child(root, "Capability")
    top = _child(capability, "Layer") if capability is not None else None
    if top is not None:
        _collect_layers(top, [], layers)
    return Capabilities(version, layers, max_width, max_height)


def _collect_layers(element, inherited_crs, layers):
    crs = inherited_crs + [c.text.strip() for c in element if _local(c.tag) in ("CRS", "SRS") and c.text]
    name = _text(element, "Name")
    if name:
        layers.append(LayerInfo(name, _text(element, "Title") or name, list(dict.fromkeys(crs))))
    for child in element:
        if _local(child.tag) == "Layer":
            _collect_layers(child, crs, layers)


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element, name):
    if element is None:
        return None
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element, name):
    child = _child(element, name)
    return child.text.strip() if child is not None and child.text else None


def _int_or_none(text):
    return int(text) if text and text.isdigit() else None


def describe_bytes(body):
    """A short, printable description of a body that is not what was expected, for messages."""
    if not body:
        return "an empty body"
    head = body[:60].decode("latin-1")
    printable = "".join(ch if ch.isprintable() else "." for ch in head)
    return f"{len(body)} bytes starting with {printable!r}"


def _reason(exc):
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "timed out", "reset by peer"):
        if marker in text:
            return marker.lower()
    return type(exc).__name__


def redact(url):
    """The URL without query string or credentials, safe to show in messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
