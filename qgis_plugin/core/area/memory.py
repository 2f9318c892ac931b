"""Peak memory of an area run: block-sized buffers handed back to the system as they are freed.

A block's PNG body, decoded image and result are buffers of 4-20 MiB, allocated and freed by
several threads at once. glibc serves allocations above its mmap threshold with mappings of
their own, returned to the system when freed, but it raises that threshold to the size of the
first such buffer freed (up to 32 MiB): from then on block buffers came from the threads' heaps,
whose free memory stayed resident. In a 16384² area (81 blocks), 150-190 MiB of the process was
such free heap memory, and the peak grew with the area (294-319 MiB, against 203-240 at 4096²).

During the blocks, a fixed threshold of :data:`MMAP_THRESHOLD` keeps every block-sized buffer in
its own mapping: the 16384² peak is 237-251 MiB. Trimming the heaps after each block returns what
smaller buffers leave. The price is fresh pages for each block buffer: at 16384² the blocks take
850k page faults instead of 352k, 1-3 s more system time. Kept for GDAL's COG step, the same
threshold cost 2-5 s more CPU in fresh pages for its large work buffers; the thresholds glibc
itself reaches (:func:`reuse_large_buffers`) leave that step's CPU as without any setting. The
settings are process-wide and stay set after the run (QGIS, the server), as glibc's own
adjustment would. Elsewhere than glibc, nothing is done.
"""

from __future__ import annotations

import ctypes

#: Allocations from this size on get their own mapping (glibc's ``M_MMAP_THRESHOLD``), in bytes.
MMAP_THRESHOLD = 4 * 2**20
#: While GDAL makes the COG: the largest threshold glibc's own adjustment reaches, and its trim
#: threshold then (free memory kept at the top of the heap), so that GDAL's buffers are reused.
FINISH_MMAP_THRESHOLD, FINISH_TRIM_THRESHOLD = 32 * 2**20, 64 * 2**20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers, from glibc's malloc.h


def _libc():
    try:
        libc = ctypes.CDLL(None)
        return libc.malloc_trim, libc.mallopt
    except (AttributeError, OSError):
        return None, None


_trim, _mallopt = _libc()


def map_block_buffers() -> None:
    """Serve every allocation of :data:`MMAP_THRESHOLD` or more with its own mapping, from now on."""
    if _mallopt is not None:
        _mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def reuse_large_buffers() -> None:
    """Serve buffers up to 32 MiB from the heap again and keep its free memory for reuse, as glibc
    does by itself, for the COG step that follows the blocks."""
    if _mallopt is not None:
        _mallopt(_M_MMAP_THRESHOLD, FINISH_MMAP_THRESHOLD)
        _mallopt(_M_TRIM_THRESHOLD, FINISH_TRIM_THRESHOLD)


def return_freed_memory() -> None:
    """Give the free memory of every malloc arena back to the system (glibc's ``malloc_trim``)."""
    if _trim is not None:
        _trim(0)
