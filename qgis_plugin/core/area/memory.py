"""Peak memory of an area run: freed block buffers handed back to the system as they are freed.

A block's decoded image, gray levels and gradient are buffers of 10-20 MiB, allocated and freed
by several threads at once. glibc keeps freed memory in each thread's arena for reuse, and over
many blocks the arenas' free memory grew with the area (283 MiB peak at 4096², 421 MiB at
16384²); GDAL's overview and compression buffers came on top of it at the end. Trimming after
each block keeps the peak to the blocks in flight (see BENCHMARKS.md) and costs no measurable
time. Elsewhere than glibc, nothing is done.
"""

from __future__ import annotations

import ctypes


def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return None


_trim = _malloc_trim()


def return_freed_memory() -> None:
    """Give the free memory of every malloc arena back to the system (glibc's ``malloc_trim``)."""
    if _trim is not None:
        _trim(0)
