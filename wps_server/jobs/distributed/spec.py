"""An area job as plain data: what a front end sends and every worker needs to compute any block.

The spec travels inside Celery messages (JSON), so it holds only numbers and strings: the WMS
request, the method, the output grid, the block size, the staging folder that every node mounts,
the retry policy and an absolute deadline (the per-job time limit; nodes' clocks must agree, NTP).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import asdict, dataclass

from wmsedge_engine.area import AreaError, BlockPlan, RetryPolicy, plan_blocks
from wmsedge_engine.georef import Extent, TileGrid

#: What an area job may leave in the output folder when it is killed or fails: its staging folder
#: ``.<job>.blocks``, its assembled COG ``.<job>.tif`` and that file's temporary (group 1: the job).
LEFTOVER = re.compile(r"\.\.?([0-9a-f-]{32,36})\.(?:blocks|tif|tif\..+\.tif)")


def staging_folder(output_folder: str, job_id: str) -> str:
    """The job's block files: hidden in the shared output folder, so every node sees them."""
    return os.path.join(output_folder, f".{job_id}.blocks")


def assembled_path(output_folder: str, job_id: str) -> str:
    """The job's COG once assembled, hidden until its job moves it to its output."""
    return os.path.join(output_folder, f".{job_id}.tif")


@dataclass(frozen=True)
class AreaJobSpec:
    job_id: str
    url: str
    layer: str
    crs: str
    method: str
    extent: tuple  # xmin, ymin, xmax, ymax of the output grid, in ``crs``
    width: int
    height: int
    block_size: int
    staging: str  # the block files' folder, on the shared output folder
    version: str = "1.1.1"
    image_format: str = "image/png"
    styles: str = ""
    wms_timeout: float = 60.0
    retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 60.0
    deadline: float | None = None  # seconds since the epoch; None: no per-job time limit

    def __post_init__(self):
        object.__setattr__(self, "extent", tuple(float(v) for v in self.extent))
        self.plan()  # a bad grid or block size fails here, at the front end, not on a worker

    def to_dict(self) -> dict:
        data = asdict(self)
        data["extent"] = list(self.extent)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> AreaJobSpec:
        return cls(**data)

    def plan(self) -> BlockPlan:
        return plan_blocks(TileGrid(Extent(*self.extent), int(self.width), int(self.height)), self.block_size)

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.retries, self.base_delay, self.max_delay)

    def check_deadline(self) -> None:
        """Raise :class:`AreaError` once the job's time limit has passed."""
        if self.deadline is not None and time.time() > self.deadline:
            raise AreaError(f"job {self.job_id} exceeded its time limit")
