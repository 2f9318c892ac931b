"""Block-sized buffers of an area run leave the process when freed (the kernel's own count)."""

import subprocess
import sys

SCRIPT = """
import numpy as np
from wmsedge_engine.area.memory import map_block_buffers, return_freed_memory, reuse_large_buffers

def resident():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))

def kept_after_free():
    before = resident()
    block = np.ones(4 * 2**20, np.float32)  # 16 MiB, a 2048² block's float32 result
    del block
    return resident() - before

first = np.ones(4 * 2**20, np.float32)
del first  # glibc now serves buffers of this size from its heap
print(kept_after_free())
map_block_buffers()
return_freed_memory()  # as after each block
print(kept_after_free())
reuse_large_buffers()  # as before the COG step
print(kept_after_free())
"""


def test_block_sized_buffers_go_back_to_the_system_when_freed_while_an_area_runs_its_blocks():
    """glibc's dynamic threshold serves a second 16 MiB buffer from a heap, whose free memory stays
    resident; with the area run's fixed threshold the buffer has its own mapping, unmapped when freed.
    For the COG step the heap keeps such buffers again, for GDAL to reuse."""
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    dynamic, blocks, finish = (int(line) for line in run.stdout.split())
    assert dynamic >= 15 * 2**20
    assert blocks < 2**20
    assert finish >= 15 * 2**20
