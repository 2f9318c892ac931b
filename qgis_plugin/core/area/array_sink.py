"""A block sink that fills one array in memory: for results sent as bytes (PNG, raw answers)."""

from __future__ import annotations

import numpy as np

from ..georef import TileGrid
from .plan import Block


class ArraySink:
    """The whole output as one float32 array (``values``), complete after :meth:`commit`."""

    def __init__(self, grid: TileGrid):
        self.values = np.empty((grid.height, grid.width), dtype=np.float32)
        self.complete = False

    def write(self, block: Block, gradient: np.ndarray) -> None:
        self.values[block.row_off:block.row_off + block.height, block.col_off:block.col_off + block.width] = gradient

    def commit(self) -> None:
        self.complete = True

    def abort(self) -> None:
        self.values = None
