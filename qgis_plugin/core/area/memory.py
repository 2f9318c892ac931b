"""Peak memory of an area run: block-sized buffers handed back to the system as they are freed.

A block's PNG body, decoded image and result are buffers of 4-20 MiB, allocated and freed by
several threads at once. glibc serves allocations above its mmap threshold with mappings of
their own, returned to the system when freed, but it raises that threshold to the size of the
first such buffer freed (up to 32 MiB): from then on block buffers came from the threads' heaps,
whose free memory stayed resident. In a 16384² area (81 blocks), 150-190 MiB of the process was
such free heap memory, and the peak grew with the area (294-319 MiB, against 203-240 at 4096²).

A fixed threshold of :data:`MMAP_THRESHOLD` keeps every block-sized buffer in its own mapping:
the 16384² peak is 237-251 MiB. The price is faulting in fresh pages for each decoded image,
2-3 s more of the run's CPU at 16384² (25-26 s instead of 22-24 in interleaved runs). Trimming the
heaps after each block returns what smaller buffers leave. The threshold is process-wide and
stays set: QGIS or the server then maps each buffer above 4 MiB anew, as glibc does for any
buffer above 128 KiB before its first adjustment. Elsewhere than glibc, nothing is done.
"""

from __future__ import annotations

import ctypes

#: Allocations from this size on get their own mapping (glibc's ``M_MMAP_THRESHOLD``), in bytes.
MMAP_THRESHOLD = 4 * 2**20
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h


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


def return_freed_memory() -> None:
    """Give the free memory of every malloc arena back to the system (glibc's ``malloc_trim``)."""
    if _trim is not None:
        _trim(0)
