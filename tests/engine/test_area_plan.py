"""Block plan of an area (GUIDE.md section 4): halo, alignment, remainders, limits."""

import math

import pytest

from wmsedge_engine.area import area_grid, block_size_for, plan_blocks
from wmsedge_engine.georef import Extent, TileGrid


def centres(grid):
    x0, px, _, y0, _, py = grid.geotransform()
    return ([x0 + (c + 0.5) * px for c in range(grid.width)], [y0 + (r + 0.5) * py for r in range(grid.height)])


@pytest.mark.parametrize("width,height,size", [(1000, 700, 256), (512, 512, 512), (513, 257, 256), (1, 1, 2046),
                                               (7, 3, 2)])
def test_blocks_tile_the_grid_exactly_and_share_its_pixel_centres(width, height, size):
    grid = TileGrid(Extent(500000.0, 4000000.0, 500000.0 + width * 0.2, 4000000.0 + height * 0.2), width, height)
    plan = plan_blocks(grid, size)
    assert len(plan) == math.ceil(width / size) * math.ceil(height / size)
    covered = [[0] * width for _ in range(height)]
    xs, ys = centres(grid)
    for block in plan:
        assert block.row_off == block.row * size and block.col_off == block.col * size
        assert block.width == min(size, width - block.col_off) and block.height == min(size, height - block.row_off)
        bx, by = centres(block.grid)
        assert bx == pytest.approx(xs[block.col_off:block.col_off + block.width], abs=1e-6)
        assert by == pytest.approx(ys[block.row_off:block.row_off + block.height], abs=1e-6)
        for r in range(block.row_off, block.row_off + block.height):
            for c in range(block.col_off, block.col_off + block.width):
                covered[r][c] += 1
    assert all(v == 1 for row in covered for v in row)


def test_each_block_is_fetched_with_a_one_pixel_halo_at_the_same_pixel_size():
    grid = TileGrid(Extent(0.0, 0.0, 10.0, 5.0), 100, 50)
    block = plan_blocks(grid, 32).block(1, 3)
    fetch = block.fetch_grid
    assert (fetch.width, fetch.height) == (block.width + 2, block.height + 2)
    assert fetch.pixel_size_x == pytest.approx(grid.pixel_size_x) and fetch.pixel_size_y == pytest.approx(0.1)
    assert fetch.extent.xmin == pytest.approx(block.grid.extent.xmin - 0.1)
    assert fetch.extent.ymax == pytest.approx(block.grid.extent.ymax + 0.1)


def test_a_one_pixel_wide_remainder_is_its_own_block():
    plan = plan_blocks(TileGrid(Extent(0, 0, 257, 129), 257, 129), 128)
    last = plan.block(plan.rows - 1, plan.cols - 1)
    assert (plan.rows, plan.cols) == (2, 3)
    assert (last.width, last.height) == (1, 1)
    assert last.fetch_grid.width == 3


def test_block_size_is_the_smallest_limit_less_the_halo():
    assert block_size_for() == 2046
    assert block_size_for(4096, 2048) == 2046
    assert block_size_for(4096, 4096, cap=1000) == 998
    assert block_size_for(None, None, cap=512) == 510
    with pytest.raises(ValueError, match="no room"):
        block_size_for(2, 2)


def test_area_grid_follows_extent_and_pixel_size_from_the_top_left_corner():
    grid = area_grid(Extent(100.0, 200.0, 110.05, 205.0), pixel_size=0.5)
    assert (grid.width, grid.height) == (21, 10)
    assert grid.geotransform() == (100.0, 0.5, 0.0, 205.0, 0.0, -0.5)


def test_area_grid_refuses_a_size_that_disagrees_with_the_pixel_size():
    extent = Extent(0.0, 0.0, 100.0, 50.0)
    assert area_grid(extent, pixel_size=1.0, width=100, height=50).width == 100
    assert area_grid(extent, pixel_size=1.0, width=100, height=50).pixel_size_x == 1.0
    with pytest.raises(ValueError, match="width of 101 pixels disagrees.*100.0 pixels"):
        area_grid(extent, pixel_size=1.0, width=101, height=50)
    with pytest.raises(ValueError, match="positive"):
        area_grid(extent, pixel_size=0.0)


def test_plan_description_names_blocks_and_requests():
    plan = plan_blocks(TileGrid(Extent(0, 0, 5000, 3000), 5000, 3000), 2046)
    assert plan.describe() == ("5000 x 3000 pixels in 6 blocks (2 x 3) of at most 2046 x 2046, "
                               "6 GetMap requests of at most 2048 pixels a side")
