"""What an adapter plugs into the area pipeline: where pixels come from, where blocks go.

The pipeline knows nothing of WMS, QGIS or files: the server passes a WMS source and the COG sink,
the plugin a source over a QGIS data provider and the same sink.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..georef import TileGrid
from .plan import Block


class TransientSourceError(Exception):
    """A fetch failed in a way that may pass (timeout, reset, HTTP 429/502/503/504): retry it.

    ``retry_after`` is the delay in seconds the source asked for (HTTP ``Retry-After``), if any.
    """

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PixelSource(Protocol):
    def fetch(self, grid: TileGrid) -> np.ndarray:
        """The pixels of ``grid`` (H x W, or H x W x C), exactly its size.

        Raises :class:`TransientSourceError` for a failure worth retrying; any other exception is
        permanent and stops the run. Called from several threads at once.
        """


class BlockSink(Protocol):
    def write(self, block: Block, gradient: np.ndarray) -> None:
        """Store one block's float32 result; called from several threads, each block once or more."""

    def commit(self) -> None:
        """Every block is written: make the output appear, whole, at its path."""

    def abort(self) -> None:
        """Leave nothing behind; later writes are refused."""
