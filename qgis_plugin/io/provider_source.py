"""The in-process backend's side of the engine's area pipeline: pixels read through QGIS providers.

Each block is read by ``provider_read.read_tile_pixels`` through a clone of the layer's data provider,
with the GetMap checks, from one of the pipeline's worker threads. Clones are made in
``prepareAlgorithm``, on the thread that owns the layer, and lent to one reader at a time. Reading
from Python worker threads is safe for the WMS and GDAL providers: QGIS gives each thread its own
``QgsNetworkAccessManager``, and the WMS provider waits for its reply in a local event loop of the
reading thread, which Qt runs in any thread (tests/plugin/test_area_in_process.py reads 4 blocks at
once over QGIS Server and compares with a single-threaded read of the stored raster).
"""

from __future__ import annotations

import queue
import threading
from contextlib import contextmanager

import numpy as np
from qgis.core import (
    QgsBlockingNetworkRequest,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsDataSourceUri,
    QgsProviderRegistry,
    QgsRasterBlockFeedback,
)
from qgis.PyQt.QtCore import QUrl, QUrlQuery
from qgis.PyQt.QtNetwork import QNetworkRequest

from ..core.area import TransientSourceError, block_size_for
from ..core.georef import TileGrid
from ..core.wms import WmsError, capabilities_from_xml
from .provider_read import RasterReadTransient, read_tile_pixels


def provider_for_tile(layer):
    """A clone of the layer's provider that asks the WMS for what the WPS asks too.

    A layer drawn on a canvas has the screen's DPI, and a WMS source from the Data Source Manager
    (``dpiMode=7``) then sends DPI, MAP_RESOLUTION and FORMAT_OPTIONS=dpi: with each GetMap, which
    change how the WMS draws (line widths, symbols, labels). The WPS, an OGC client, sends none, and the
    map is a grid of a given pixel size, not a screen: so neither backend sends them (DPI -1 = none).
    """
    provider = layer.dataProvider().clone()
    provider.setDpi(-1)
    return provider


class ProviderPool:
    """``count`` clones of a layer's provider, each lent to one reader at a time."""

    def __init__(self, layer, count: int):
        self.count = max(1, int(count))
        self._idle = queue.SimpleQueue()
        for _ in range(self.count):
            self._idle.put(provider_for_tile(layer))
        self._lent = 0
        self._returned = threading.Condition()

    @contextmanager
    def lend(self):
        provider = self._idle.get()
        with self._returned:
            self._lent += 1
        try:
            yield provider
        finally:
            self._idle.put(provider)
            with self._returned:
                self._lent -= 1
                self._returned.notify_all()

    def wait_until_returned(self, timeout: float) -> bool:
        """Whether every clone came back within ``timeout`` seconds (reads abandoned by a stopped run)."""
        with self._returned:
            return self._returned.wait_for(lambda: self._lent == 0, timeout)


class ProviderPixelSource:
    """The engine's ``PixelSource`` over a :class:`ProviderPool`; safe to call from several threads."""

    def __init__(self, pool: ProviderPool, crs: QgsCoordinateReferenceSystem,
                 transform_context: QgsCoordinateTransformContext, feedback: QgsRasterBlockFeedback):
        self.pool, self.crs, self.transform_context, self.feedback = pool, crs, transform_context, feedback

    def fetch(self, grid: TileGrid) -> np.ndarray:
        with self.pool.lend() as provider:
            try:
                return read_tile_pixels(provider, grid, self.crs, self.transform_context, self.feedback)
            except RasterReadTransient as exc:
                raise TransientSourceError(str(exc), exc.retry_after) from exc


def is_wms_getmap(provider_key: str, source: str) -> bool:
    """Whether the layer is a WMS read by GetMap (not a WMTS or XYZ tile layer)."""
    if provider_key != "wms":
        return False
    parts = QgsProviderRegistry.instance().decodeUri("wms", source)
    return (parts.get("type") or "").lower() != "xyz" and not parts.get("tileMatrixSet")


def wms_request_limits(source: str, feedback=None) -> tuple:
    """(MaxWidth, MaxHeight) from the WMS's 1.3.0 capabilities, each None when not advertised.

    Asked through QGIS's network stack (its proxy, and the layer's authentication configuration),
    preferring QGIS's cached copy; the limits exist only in WMS 1.3.0. A WMS that cannot say leaves
    (None, None): the default block size then applies. ``feedback`` (a QgsFeedback) cancels the request.
    """
    parts = QgsProviderRegistry.instance().decodeUri("wms", source)
    url = QUrl(parts.get("url") or "")
    query = QUrlQuery(url)
    for key, value in (("SERVICE", "WMS"), ("VERSION", "1.3.0"), ("REQUEST", "GetCapabilities")):
        query.removeAllQueryItems(key)
        query.addQueryItem(key, value)
    url.setQuery(query)
    blocking = QgsBlockingNetworkRequest()
    uri = QgsDataSourceUri()
    uri.setEncodedUri(source)
    if uri.authConfigId():
        blocking.setAuthCfg(uri.authConfigId())
    # forceRefresh=False: QGIS's cached copy (the layer just read the same capabilities) will do.
    if blocking.get(QNetworkRequest(url), False, feedback) != QgsBlockingNetworkRequest.NoError:
        return None, None
    try:
        capabilities = capabilities_from_xml(bytes(blocking.reply().content()), url.toString())
    except WmsError:
        return None, None
    return capabilities.max_width, capabilities.max_height


def block_size(provider_key: str, source: str, cap: int | None, feedback=None) -> tuple:
    """(output pixels per block side, the WMS's (MaxWidth, MaxHeight)) as GUIDE.md section 4 says."""
    limits = wms_request_limits(source, feedback) if is_wms_getmap(provider_key, source) else (None, None)
    return block_size_for(*limits, cap), limits
