"""Areas of any size: plan -> fetch -> filter -> write, block by block (GUIDE.md section 4).

``plan`` splits an output grid into blocks under the WMS's size limits, ``ports`` names what an
adapter supplies (a pixel source and a block sink), ``pipeline`` is the one loop, ``wms_source``
is the pixel source over the engine's WMS client, and ``cog`` the Cloud Optimized GeoTIFF sink.
"""

from .pipeline import AreaCanceled, AreaError, ComputeSlots, RetryPolicy, compute_block, run_area
from .plan import Block, BlockPlan, area_grid, block_size_for, plan_blocks
from .ports import BlockSink, PixelSource, TransientSourceError

__all__ = [
    "AreaCanceled",
    "AreaError",
    "Block",
    "BlockPlan",
    "BlockSink",
    "ComputeSlots",
    "PixelSource",
    "RetryPolicy",
    "TransientSourceError",
    "area_grid",
    "compute_block",
    "block_size_for",
    "plan_blocks",
    "run_area",
]
