"""The area pipeline's pixel source over the engine's WMS client.

It decides which WMS failures are worth a retry (timeouts, resets, HTTP 429/502/503/504, with
their ``Retry-After``) and caps the GetMap requests in flight per WMS host, across every run of
this process, so many areas at once never flood one server.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import numpy as np

from ..contract import DEFAULT_REQUESTS_PER_HOST
from ..georef import TileGrid
from ..wms import WmsClient, WmsCutOff, WmsError, WmsHttpError, WmsTimeout, WmsUnreachable
from .plan import block_size_for
from .ports import TransientSourceError

#: HTTP statuses that say "not now" rather than "never".
TRANSIENT_HTTP_STATUSES = frozenset({429, 502, 503, 504})

_host_slots: dict = {}
_host_slots_lock = threading.Lock()


def host_slots(url: str, limit: int) -> threading.BoundedSemaphore:
    """The process-wide semaphore of ``url``'s host; the first caller's ``limit`` sets its size."""
    parts = urlsplit(url)
    key = (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port)
    with _host_slots_lock:
        if key not in _host_slots:
            _host_slots[key] = threading.BoundedSemaphore(max(1, int(limit)))
        return _host_slots[key]


class WmsPixelSource:
    """GetMap of one layer in one CRS, for any grid the pipeline asks."""

    def __init__(self, client: WmsClient, url: str, layer: str, crs: str, *, version: str = "1.1.1",
                 image_format: str = "image/png", styles: str = "", yx: bool | None = None,
                 requests_per_host: int = DEFAULT_REQUESTS_PER_HOST):
        self.client, self.url, self.layer, self.crs = client, url, layer, crs
        self.options = {"version": version, "image_format": image_format, "styles": styles, "yx": yx}
        self.slots = host_slots(url, requests_per_host)

    def fetch(self, grid: TileGrid) -> np.ndarray:
        with self.slots:
            try:
                return self.client.get_map(self.url, self.layer, grid, self.crs, **self.options)
            except (WmsTimeout, WmsUnreachable, WmsCutOff) as exc:
                raise TransientSourceError(str(exc)) from exc
            except WmsHttpError as exc:
                if exc.status in TRANSIENT_HTTP_STATUSES:
                    raise TransientSourceError(str(exc), exc.retry_after) from exc
                raise


def advertised_block_size(client: WmsClient, url: str, cap: int | None = None) -> int:
    """Block side for ``url``: its MaxWidth/MaxHeight, lowered to ``cap``; 2048 a side without any.

    The limits exist only in WMS 1.3.0 capabilities, so they are asked for in 1.3.0 whatever
    version the GetMap requests use; a WMS that cannot answer that leaves the default.
    """
    try:
        capabilities = client.get_capabilities(url, "1.3.0")
    except WmsError:
        return block_size_for(cap=cap)
    return block_size_for(capabilities.max_width, capabilities.max_height, cap)
