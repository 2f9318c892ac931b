"""QGIS-side raster reads: a grid's source pixels through a layer's data provider.

Pixels are read through QGIS's own provider (WMS, WMTS, XYZ, GDAL...), so the
user's proxy, authentication and source types all apply; when the tile's CRS
differs from the layer's, a ``QgsRasterProjector`` in a ``QgsRasterPipe``
reprojects (exact precision, nearest neighbour). Every WMS GetMap the read
sends is checked on its own (:class:`GetMapCheck`), because QGIS's WMS
provider turns a failed GetMap into transparent pixels without an error.
The GeoTIFF is written by the engine's COG sink (``core.area.cog``), as on the server.
"""

from __future__ import annotations

import functools
import io
import re
import sys
from urllib.parse import parse_qsl

import numpy as np
from PIL import Image
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsNetworkAccessManager,
    QgsNetworkRequestParameters,
    QgsRaster,
    QgsRasterBlockFeedback,
    QgsRasterDataProvider,
    QgsRasterInterface,
    QgsRasterProjector,
    QgsRectangle,
    QgsSingleBandGrayRenderer,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import Qt, QThread, QUrl
from qgis.PyQt.QtNetwork import QNetworkReply, QNetworkRequest

from ..core.georef import TileGrid
from ..core.wms import WmsServiceException, describe_bytes, exception_from_xml, retry_after_seconds
from ..translation import tr

_NUMPY_TYPES = {
    Qgis.Byte: np.uint8,
    Qgis.UInt16: np.uint16,
    Qgis.Int16: np.int16,
    Qgis.UInt32: np.uint32,
    Qgis.Int32: np.int32,
    Qgis.Float32: np.float32,
    Qgis.Float64: np.float64,
}
_COLOR_TYPES = (Qgis.ARGB32, Qgis.ARGB32_Premultiplied)


class RasterReadError(Exception):
    """The provider could not deliver the pixels; ``str()`` is a message for users."""


class RasterReadCanceled(RasterReadError):
    """The read was cancelled through its feedback."""


class RasterReadTransient(RasterReadError):
    """A failure that may pass if the read is tried again (timeout, reset, HTTP 429/502/503/504).

    ``retry_after`` is the delay in seconds the WMS asked for (HTTP ``Retry-After``), if any.
    """

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def read_tile_pixels(provider: QgsRasterDataProvider, grid: TileGrid, grid_crs: QgsCoordinateReferenceSystem,
                     transform_context: QgsCoordinateTransformContext, feedback: QgsRasterBlockFeedback,
                     on_band_read=None) -> np.ndarray:
    """The pixels of ``grid`` (in ``grid_crs``) as the engine takes them.

    Colour providers (WMS, WMTS, XYZ) give an H x W x 4 RGBA uint8 array.
    Band providers give H x W (gray) or H x W x 3 (RGB) in the band's own
    type, or with an alpha channel (H x W x 2 or x 4) when some pixels are
    nodata or transparent. ``provider`` stays the caller's (a clone no other
    thread uses meanwhile), so that one clone serves many reads.
    ``on_band_read(done, total)`` is called after each band.
    """
    source, projector = provider, None
    if provider.crs() != grid_crs:
        projector = QgsRasterProjector()
        projector.setCrs(provider.crs(), grid_crs, transform_context)
        projector.setPrecision(QgsRasterProjector.Exact)
        if not projector.setInput(provider):
            raise RasterReadError(tr("cannot reproject the layer: the projector refused its data provider"))
        source = projector
    rectangle = QgsRectangle(grid.extent.xmin, grid.extent.ymin, grid.extent.xmax, grid.extent.ymax)

    def read_band(band):
        with GetMapCheck(feedback) as getmap_check:
            block = source.block(band, rectangle, grid.width, grid.height, feedback)
        if feedback.isCanceled():
            raise RasterReadCanceled("reading the layer was cancelled")
        getmap_check.raise_first_problem()
        if block is None or not block.isValid() or block.isEmpty():
            detail = block.error().summary() if block is not None and not block.error().isEmpty() else ""
            raise RasterReadError(tr("the layer's data provider returned no pixels for the block: {detail}").format(
                detail=detail) if detail else tr("the layer's data provider returned no pixels for the block"))
        return block

    if provider.dataType(1) in _COLOR_TYPES:
        pixels = _rgba_from_color_block(read_band(1), grid)
        if on_band_read is not None:
            on_band_read(1, 1)
        return pixels

    bands = _bands_to_read(provider)
    values, valid = [], np.ones((grid.height, grid.width), dtype=bool)
    for index, band in enumerate(bands.color):
        array, band_valid = _band_values(read_band(band), grid)
        values.append(array)
        valid &= band_valid
        if on_band_read is not None:
            on_band_read(index + 1, len(bands.color) + (bands.alpha is not None))
    if bands.alpha is not None:
        alpha, alpha_valid = _band_values(read_band(bands.alpha), grid)
        valid &= alpha_valid & (alpha != 0)
        if on_band_read is not None:
            on_band_read(len(bands.color) + 1, len(bands.color) + 1)
    return _stack(values, valid)


class GetMapCheck:
    """Checks each WMS GetMap reply sent in this thread while it is open; a context manager.

    QGIS 3.22's WMS provider answers a failed GetMap (refused, timed out, HTTP error, service
    exception, a page or bytes that are not the image) with a valid, transparent block and no
    error: only a QgsMessageLog line, and nothing at all for an image of the wrong size. So the
    replies are checked here. This thread's QgsNetworkAccessManager (the one the provider uses)
    announces each reply before the provider connects to it, so :meth:`_check` runs first when
    it finishes and can peek at the body without consuming it. QGIS's own log lines that name
    one of these requests count too (they report an image QGIS could not decode).
    """

    def __init__(self, feedback: QgsRasterBlockFeedback | None = None):
        self.feedback = feedback
        self.problems = []  # from the replies themselves: RasterReadError or RasterReadTransient
        self.logged = []  # from QGIS's log
        self._aborted = []  # (request id, where): timed out or cancelled, known only once the read ends
        self._urls = []
        self._pending = []
        self._thread = QThread.currentThread()
        self._timed_out = set()
        self._manager = QgsNetworkAccessManager.instance()  # this thread's instance
        self._log = QgsApplication.messageLog()

    def __enter__(self):
        # Direct connections: the checks run in the thread that reads, before the provider's own slots.
        # Overloads named: a bare requestCreated is the QNetworkReply one on QGIS 3.22 but the
        # QgsNetworkRequestParameters one on 3.40, and only the reply can be peeked at.
        direct = Qt.ConnectionType.DirectConnection
        self._manager.requestCreated[QNetworkReply].connect(self._on_request_created, direct)
        self._manager.requestTimedOut[QgsNetworkRequestParameters].connect(self._on_timed_out, direct)
        self._log.messageReceived[str, str, Qgis.MessageLevel].connect(self._on_log_message, direct)
        return self

    def __exit__(self, *exc):
        self._manager.requestCreated[QNetworkReply].disconnect(self._on_request_created)
        self._manager.requestTimedOut[QgsNetworkRequestParameters].disconnect(self._on_timed_out)
        self._log.messageReceived[str, str, Qgis.MessageLevel].disconnect(self._on_log_message)

    def raise_first_problem(self):
        for request_id, where in self._aborted:
            if request_id in self._timed_out:
                self.problems.append(RasterReadTransient(tr(
                    "the WMS at {where} did not answer the GetMap request within {seconds} s "
                    "(QGIS's network timeout)").format(
                    where=where, seconds=f"{QgsNetworkAccessManager.timeout() / 1000:g}")))
            elif self.feedback is None or not self.feedback.isCanceled():
                self.problems.append(RasterReadError(
                    tr("the GetMap request to the WMS at {where} was aborted").format(where=where)))
        if self.problems:
            raise self.problems[0]
        if self.logged:
            raise RasterReadError(self.logged[0])

    def _on_request_created(self, reply):
        if reply.thread() != self._thread:
            return  # another thread's request, relayed: not this read's
        query = {key.upper(): value for key, value in parse_qsl(reply.url().query())}
        if query.get("REQUEST", "").lower() != "getmap":
            return
        self._urls.append(reply.url().toString())
        size = (query.get("WIDTH", ""), query.get("HEIGHT", ""))
        expected = tuple(map(int, size)) if all(text.isdigit() for text in size) else None
        check = functools.partial(self._check, reply, expected)
        self._pending.append(check)  # referenced here too: without it, checks were sometimes never called
        reply.finished.connect(check, Qt.ConnectionType.DirectConnection)

    def _on_timed_out(self, parameters):
        self._timed_out.add(parameters.requestId())

    def _on_log_message(self, message, tag, level):
        if any(url in message for url in self._urls):
            for url in self._urls:
                message = message.replace(url, _where(QUrl(url)))
            self.logged.append(tr("QGIS reports: {message}").format(message=message))

    def _check(self, reply, expected):
        if reply.error() == QNetworkReply.NetworkError.OperationCanceledError:
            # QGIS emits requestTimedOut after this: decide in raise_first_problem.
            self._aborted.append((reply.property("requestId"), _where(reply.url())))
            return
        problem = _getmap_problem(reply, expected)
        if problem:
            self.problems.append(problem)


def _where(url: QUrl) -> str:
    option = QUrl.UrlFormattingOption
    return url.toString(option.RemoveQuery | option.RemoveUserInfo | option.RemoveFragment)


#: HTTP statuses that say "not now" rather than "never" (as the engine's WMS source says).
TRANSIENT_HTTP_STATUSES = frozenset({429, 502, 503, 504})
#: Network errors that may pass on a second try.
_TRANSIENT_NETWORK_ERRORS = frozenset({
    QNetworkReply.NetworkError.ConnectionRefusedError,
    QNetworkReply.NetworkError.RemoteHostClosedError,
    QNetworkReply.NetworkError.TimeoutError,
    QNetworkReply.NetworkError.TemporaryNetworkFailureError,
    QNetworkReply.NetworkError.NetworkSessionFailedError,
    QNetworkReply.NetworkError.ProxyTimeoutError,
})


def _getmap_problem(reply, expected) -> RasterReadError | None:
    """What is wrong with a finished GetMap reply (a message for users, transient or not); None if it
    holds the image asked for."""
    where = _where(reply.url())
    error = reply.error()
    status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
    if status is not None and 300 <= status < 400:
        return None  # a redirect: the provider sends the request again, and that one is checked
    body = bytes(reply.peek(reply.bytesAvailable())) if reply.isOpen() else b""
    content_type = str(reply.header(QNetworkRequest.KnownHeaders.ContentTypeHeader) or "").lower()
    looks_like_xml = "xml" in content_type or "html" in content_type or body[:256].lstrip().startswith(b"<")
    report = exception_from_xml(body, where) if looks_like_xml else None
    if isinstance(report, WmsServiceException):
        return RasterReadError(tr("the WMS at {where} answered the GetMap request with an exception: {report}").format(
            where=where, report=report))
    if status is not None and status >= 400:
        message = tr("the WMS at {where} answered the GetMap request with HTTP {status} ({excerpt})").format(
            where=where, status=status, excerpt=_excerpt(body))
        if status in TRANSIENT_HTTP_STATUSES:
            retry_after = bytes(reply.rawHeader(b"Retry-After")).decode("latin-1") or None
            return RasterReadTransient(message, retry_after_seconds(retry_after))
        return RasterReadError(message)
    if error != QNetworkReply.NetworkError.NoError:
        message = tr("the GetMap request to the WMS at {where} failed: {error}").format(
            where=where, error=reply.errorString())
        return RasterReadTransient(message) if error in _TRANSIENT_NETWORK_ERRORS else RasterReadError(message)
    if looks_like_xml:
        return RasterReadError(tr("the WMS at {where} answered the GetMap request with {content} instead of an "
                                  "image: {excerpt}").format(where=where, content=content_type or tr("a document"),
                                                             excerpt=_excerpt(body)))
    problem = _image_problem(body, content_type, expected, where)
    return RasterReadError(problem) if problem else None


def _image_problem(body: bytes, content_type: str, expected, where: str) -> str | None:
    """PNG and JPEG answers are checked from their header and end, without decoding the pixels.

    Other image formats are left to QGIS's decoder (whose failures are logged, see GetMapCheck).
    """
    if content_type.startswith("image/") and content_type.split(";")[0] not in ("image/png", "image/jpeg"):
        return None
    try:
        image = Image.open(io.BytesIO(body), formats=("PNG", "JPEG"))
    except Image.DecompressionBombError as exc:
        return tr("the WMS at {where} answered the GetMap request with an image far too large: {error}").format(
            where=where, error=exc)
    except (OSError, SyntaxError, ValueError):
        return tr("the WMS at {where} answered the GetMap request with something that is not an image "
                  "({description})").format(where=where, description=describe_bytes(body))
    if expected is not None and image.size != expected:
        return tr("the WMS at {where} answered the GetMap request with a {width} x {height} image instead of "
                  "{expected_width} x {expected_height}").format(where=where, width=image.width, height=image.height,
                                                                 expected_width=expected[0],
                                                                 expected_height=expected[1])
    complete = (body.endswith(b"IEND\xaeB`\x82") if image.format == "PNG"
                else body.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9"))
    if not complete:
        return tr("the WMS at {where} answered the GetMap request with a truncated {format} image").format(
            where=where, format=image.format)
    return None


def _excerpt(body: bytes, limit: int = 120) -> str:
    """The readable text of a short answer (tags and extra spaces removed), for error messages."""
    text = " ".join(re.sub(r"<[^>]*>", " ", body[:4096].decode("utf-8", "replace")).split())
    if not text or sum(ch.isprintable() for ch in text) < 0.9 * len(text):
        return describe_bytes(body)
    return text if len(text) <= limit else text[:limit] + "…"


class _Bands:
    def __init__(self, color, alpha):
        self.color, self.alpha = color, alpha


def _bands_to_read(provider) -> _Bands:
    """Gray (first non-alpha band) or RGB (first three non-alpha bands), plus the alpha band if any."""
    alpha = None
    others = []
    for band in range(1, provider.bandCount() + 1):
        if provider.colorInterpretation(band) == QgsRaster.AlphaBand and alpha is None:
            alpha = band
        else:
            others.append(band)
    if not others:
        raise RasterReadError(tr("the layer has only an alpha band, no values to filter"))
    for band in others:
        if provider.dataType(band) not in _NUMPY_TYPES:
            raise RasterReadError(tr("band {band} has a data type ({type}) that cannot be filtered; supported: "
                                     "8 to 32-bit integers, 32 and 64-bit floats").format(
                band=band, type=provider.dataType(band)))
    return _Bands(others[:3] if len(others) >= 3 else others[:1], alpha)


#: Where R, G, B and A lie in the bytes of a native-endian ARGB32 (QImage) pixel.
_ARGB32_BYTES_AS_RGBA = [2, 1, 0, 3] if sys.byteorder == "little" else [1, 2, 3, 0]


def _rgba_from_color_block(block, grid) -> np.ndarray:
    """ARGB32 (QImage) pixels to RGBA uint8, un-premultiplying if needed."""
    argb = np.frombuffer(block.data(), dtype=np.uint8, count=grid.width * grid.height * 4)
    rgba = argb.reshape(grid.height, grid.width, 4)[..., _ARGB32_BYTES_AS_RGBA]
    if block.dataType() == Qgis.ARGB32_Premultiplied:
        alpha = rgba[..., 3].astype(np.float64)
        partial = (alpha > 0) & (alpha < 255)
        for channel in range(3):
            values = rgba[..., channel].astype(np.float64)
            values[partial] = np.clip(np.rint(values[partial] * 255.0 / alpha[partial]), 0, 255)
            rgba[..., channel] = values.astype(np.uint8)
    return rgba


def _band_values(block, grid):
    """(values, valid mask) of one band block; nodata, NaN and masked pixels are invalid."""
    dtype = _NUMPY_TYPES.get(block.dataType())
    if dtype is None:
        raise RasterReadError(tr("unexpected block data type {type}").format(type=block.dataType()))
    values = np.frombuffer(bytes(block.data()), dtype=dtype, count=grid.width * grid.height)
    values = values.reshape(grid.height, grid.width)
    valid = np.ones(values.shape, dtype=bool)
    if np.issubdtype(dtype, np.floating):
        valid &= ~np.isnan(values)
    if block.hasNoDataValue():
        nodata = block.noDataValue()
        if not np.isnan(nodata):
            valid &= values != np.asarray(nodata).astype(dtype)
    elif block.hasNoData():
        valid &= _valid_from_nodata_bitmap(block, grid)
    return values, valid


class _OneBlock(QgsRasterInterface):
    """A raster interface that hands out one block it was given, once (it then belongs to the caller)."""

    def __init__(self, block):
        super().__init__(None)
        self._block, self._data_type = block, block.dataType()

    def clone(self):
        return None

    def dataType(self, band):  # noqa: N802 (QGIS API)
        return self._data_type

    def bandCount(self):  # noqa: N802 (QGIS API)
        return 1

    def block(self, band, extent, width, height, feedback=None):
        block, self._block = self._block, None
        sip.transferto(block, None)  # the caller deletes it; Python must not delete it again
        return block


def _valid_from_nodata_bitmap(block, grid) -> np.ndarray:
    """The valid mask of a block whose nodata is a bitmap (parts outside the source, no nodata value).

    QGIS 3.22 has no Python access to the bitmap but per-pixel isNoData() (seconds at 4096 x 4096),
    so QGIS's gray renderer, which paints exactly the nodata pixels transparent, reads it in C++.
    The renderer takes ``block`` over and deletes it: the caller must not use it afterwards.
    """
    source = _OneBlock(block)  # kept referenced: the renderer does not own its input
    renderer = QgsSingleBandGrayRenderer(source, 1)
    painted = renderer.block(1, QgsRectangle(0, 0, 1, 1), grid.width, grid.height)
    if painted is None or not painted.isValid():
        raise RasterReadError(tr("QGIS could not read the layer's nodata mask"))
    alpha = np.frombuffer(painted.data(), dtype=np.uint8, count=grid.width * grid.height * 4)[3::4]
    return alpha.reshape(grid.height, grid.width) != 0


def _stack(values, valid) -> np.ndarray:
    """Gray or RGB values, with an alpha channel only when some pixel is invalid."""
    if valid.all():
        return values[0] if len(values) == 1 else np.dstack(values)
    dtype = np.uint8 if all(v.dtype == np.uint8 for v in values) else np.float32
    alpha = np.where(valid, 255, 0).astype(dtype)
    return np.dstack([v.astype(dtype, copy=False) for v in values] + [alpha])
