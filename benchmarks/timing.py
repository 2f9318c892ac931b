"""Small timing helpers shared by the benchmark sections."""

import time
import tracemalloc


def best_ms(function, repeat=5, number=1):
    """Best wall time of ``repeat`` runs, in milliseconds (best = least disturbed)."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        times.append((time.perf_counter() - start) / number)
    return min(times) * 1e3


def peak_bytes(function):
    """Peak of memory allocated through Python's allocators (numpy included) during one call."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
