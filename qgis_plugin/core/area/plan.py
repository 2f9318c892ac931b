"""The block plan of an area: which output pixels each GetMap serves (GUIDE.md section 4).

The output grid is the contract. Block (r, c) covers output rows [r*B, min((r+1)*B, H)) and
columns likewise; the last row and column of blocks are smaller, never padded. Each block is
fetched with its own one-pixel halo at the same pixel size, so no block needs another's pixels
and the mosaic has no seam.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..georef import Extent, TileGrid

#: Block side used when the WMS advertises no MaxWidth/MaxHeight.
DEFAULT_MAX_REQUEST = 2048
#: One pixel on each side of a block.
HALO = 1


def block_size_for(max_width: int | None = None, max_height: int | None = None,
                   cap: int | None = None) -> int:
    """Output pixels per block side: the smallest of the WMS limits and ``cap``, less the halo.

    Without any limit the WMS is asked for at most ``DEFAULT_MAX_REQUEST`` pixels a side.
    """
    limits = [int(v) for v in (max_width, max_height, cap) if v]
    request_side = min(limits) if limits else DEFAULT_MAX_REQUEST
    if request_side < 2 * HALO + 1:
        raise ValueError(f"a GetMap of at most {request_side} pixels a side leaves no room for a block "
                         f"and its {HALO}-pixel halo")
    return request_side - 2 * HALO


def area_grid(extent: Extent, pixel_size: float | None = None, width: int | None = None,
              height: int | None = None) -> TileGrid:
    """The output grid of an area: width and height follow from the extent and the pixel size.

    Given a pixel size, the grid keeps the extent's top-left corner and grows right and down to a
    whole number of pixels. Given width and height instead, they set the pixel size. Given both, they
    must agree within half a pixel, else ``ValueError`` names the disagreement.
    """
    if pixel_size is None:
        if width is None or height is None:
            raise ValueError("give a pixel size, or a width and a height")
        return TileGrid(extent, int(width), int(height))
    if not (math.isfinite(pixel_size) and pixel_size > 0):
        raise ValueError(f"pixel size must be a positive number, got {pixel_size!r}")
    exact_cols, exact_rows = extent.width / pixel_size, extent.height / pixel_size
    for name, given, exact in (("width", width, exact_cols), ("height", height, exact_rows)):
        if given is not None and abs(given - exact) > 0.5:
            raise ValueError(f"a {name} of {given} pixels disagrees with the extent and pixel size, "
                             f"which give {exact:.1f} pixels")
    cols = width if width is not None else max(1, math.ceil(exact_cols - 1e-6))
    rows = height if height is not None else max(1, math.ceil(exact_rows - 1e-6))
    return TileGrid(Extent(extent.xmin, extent.ymax - rows * pixel_size, extent.xmin + cols * pixel_size,
                           extent.ymax), int(cols), int(rows))


@dataclass(frozen=True)
class Block:
    """One block of the plan: its place in the output (pixels) and its grid (map units)."""

    row: int
    col: int
    col_off: int
    row_off: int
    width: int
    height: int
    grid: TileGrid

    @property
    def fetch_grid(self) -> TileGrid:
        """What the source is asked for: the block's pixels plus the halo, same pixel size."""
        return self.grid.with_halo()

    def describe(self) -> str:
        e = self.grid.extent
        return (f"block {self.row},{self.col} (pixels {self.col_off}..{self.col_off + self.width - 1} x "
                f"{self.row_off}..{self.row_off + self.height - 1}, "
                f"extent {e.xmin!r},{e.ymin!r},{e.xmax!r},{e.ymax!r})")


@dataclass(frozen=True)
class BlockPlan:
    """The blocks of an output grid, in row-major order."""

    grid: TileGrid
    block_size: int

    @property
    def rows(self) -> int:
        return math.ceil(self.grid.height / self.block_size)

    @property
    def cols(self) -> int:
        return math.ceil(self.grid.width / self.block_size)

    def __len__(self) -> int:
        return self.rows * self.cols

    def __iter__(self):
        for row in range(self.rows):
            for col in range(self.cols):
                yield self.block(row, col)

    def block(self, row: int, col: int) -> Block:
        size, grid = self.block_size, self.grid
        col_off, row_off = col * size, row * size
        width, height = min(size, grid.width - col_off), min(size, grid.height - row_off)
        # Corners from the grid's origin by multiplication, never by accumulated additions,
        # so every block's pixel centres fall exactly on the output grid's.
        px, py, e = grid.pixel_size_x, grid.pixel_size_y, grid.extent
        extent = Extent(e.xmin + col_off * px, e.ymax - (row_off + height) * py,
                        e.xmin + (col_off + width) * px, e.ymax - row_off * py)
        return Block(row, col, col_off, row_off, width, height, TileGrid(extent, width, height))

    def describe(self) -> str:
        blocks, requests = ("1 block", "1 GetMap request") if len(self) == 1 else (
            f"{len(self)} blocks", f"{len(self)} GetMap requests")
        return (f"{self.grid.width} x {self.grid.height} pixels in {blocks} ({self.rows} x {self.cols}) of at most "
                f"{self.block_size} x {self.block_size}, {requests} of at most {self.block_size + 2 * HALO} pixels "
                "a side")


def plan_blocks(grid: TileGrid, block_size: int) -> BlockPlan:
    if block_size < 1:
        raise ValueError(f"block size must be at least 1 pixel, got {block_size}")
    return BlockPlan(grid, int(block_size))
