"""The one area loop: plan -> fetch (concurrent, retried) -> filter -> write.

Like QGIS's block-iterating raster algorithms: blocks are handed out in order, each is computed
alone from its own fetch (with its halo), the sink receives it, progress is blocks done over
blocks planned, and the cancel check sits in the loop. At most ``concurrency`` blocks are in
flight, and of those at most one per core is filtered and written at a time (:class:`ComputeSlots`),
so memory depends on the block size and the concurrency, never on the area.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..contract import DEFAULT_RETRIES
from ..cores import usable_cores
from ..filters import edge_filter
from .memory import map_block_buffers, return_freed_memory, reuse_large_buffers
from .plan import Block, BlockPlan
from .ports import BlockSink, PixelSource, TransientSourceError

#: How often the loop looks at the cancel flag while blocks are in flight (seconds).
_CANCEL_POLL = 0.1


class AreaError(Exception):
    """A block failed for good; the message names the block and its extent."""


class AreaCanceled(Exception):
    """The run was canceled; nothing was left at the output path."""


class ComputeSlots:
    """At most ``count`` blocks filtered and written at once, each into a reused float32 result buffer.

    Fetches wait on the network, so more of them run than there are cores; filtering and writing
    are CPU work, and more of them at once than cores would finish no sooner, but each would hold
    its decoded image and its result (16 MiB each for a 2048² block) meanwhile. Reused buffers
    also spare faulting in a fresh result's 4,000 pages per block (the sink copies each block as
    it writes it).
    """

    def __init__(self, count: int):
        self._slots = threading.BoundedSemaphore(count)
        self._lock = threading.Lock()
        self._buffers: list = []

    @contextmanager
    def result_buffer(self, height: int, width: int):
        """A free slot's ``height`` x ``width`` float32 buffer, held until the block is written."""
        with self._slots:
            with self._lock:
                buffer = self._buffers.pop() if self._buffers else None
            if buffer is None or buffer.size < height * width:
                buffer = np.empty(height * width, dtype=np.float32)
            try:
                yield buffer[: height * width].reshape(height, width)
            finally:
                with self._lock:
                    self._buffers.append(buffer)

    def free_buffers(self) -> None:
        """Drop the reused buffers (every block is written)."""
        with self._lock:
            self._buffers.clear()


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries of transient fetch failures, with exponential backoff.

    A ``Retry-After`` the source reports is honoured when it is longer than the backoff, up to
    ``max_delay``.
    """

    retries: int = DEFAULT_RETRIES
    base_delay: float = 0.5
    max_delay: float = 60.0

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        backoff = self.base_delay * (2 ** retry)
        if retry_after is not None:
            backoff = max(backoff, retry_after)
        return min(backoff, self.max_delay)


def run_area(plan: BlockPlan, source: PixelSource, sink: BlockSink, method: str, *,
             concurrency: int = 4, retry: RetryPolicy = RetryPolicy(),
             progress: Callable[[float], None] | None = None,
             is_canceled: Callable[[], bool] | None = None) -> None:
    """Compute ``method`` over every block of ``plan`` and commit ``sink``.

    Raises :class:`AreaError` at the first block that fails for good and :class:`AreaCanceled`
    when ``is_canceled`` turns true; in both cases the sink is aborted before the call returns, and
    blocks still in flight are abandoned (their late results are refused by the sink).
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    stop = threading.Event()
    if len(plan) == 1:
        # A tile: one block, computed in the calling thread (a pool would cost more than the block
        # itself on a 512² tile); a source that honours cancel stops it, the check follows.
        try:
            compute_block(plan.block(0, 0), source, sink, method, retry, stop)
            if is_canceled is not None and is_canceled():
                raise AreaCanceled("the area run was canceled")
            if progress is not None:
                progress(1.0)
            sink.commit()
        except BaseException:
            sink.abort()
            raise
        return
    map_block_buffers()
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="wmsedge-block")
    slots = ComputeSlots(min(concurrency, usable_cores()))
    blocks, pending, done = iter(plan), set(), 0

    def submit_next():
        block = next(blocks, None)
        if block is not None:
            # Blocks already run side by side: each filters on its own thread (a pool per block costs CPU).
            pending.add(pool.submit(compute_block, block, source, sink, method, retry, stop, slots=slots,
                                    filter_workers=1 if concurrency > 1 else None))

    def stop_if_canceled():
        if is_canceled is not None and is_canceled():
            raise AreaCanceled("the area run was canceled")

    try:
        for _ in range(concurrency):
            submit_next()
        while pending:
            finished, _ = wait(pending, timeout=_CANCEL_POLL, return_when=FIRST_COMPLETED)
            stop_if_canceled()
            for future in finished:
                pending.discard(future)
                future.result()
                done += 1
                if progress is not None:
                    progress(done / len(plan))
                # Checked again before each next block: several may finish in one wait, and a
                # cancel seen in between must send no further GetMap.
                stop_if_canceled()
                submit_next()
        # The block threads end before the COG is made, and the slots' result buffers go: they and
        # the threads' filter work arrays (about 20 MiB a block) would otherwise add to GDAL's peak.
        pool.shutdown(wait=True)
        slots.free_buffers()
        reuse_large_buffers()
        sink.commit()
    except BaseException:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        reuse_large_buffers()  # a failed or canceled run leaves glibc's thresholds as a finished one does
        sink.abort()
        raise


def compute_block(block: Block, source: PixelSource, sink: BlockSink, method: str,
                  retry: RetryPolicy, stop: threading.Event, *, slots: ComputeSlots | None = None,
                  filter_workers: int | None = None) -> None:
    """Fetch (retried), filter and write one block; also the whole body of a distributed block task.

    ``slots`` bound the blocks filtered at once and lend their result buffers (None: a fresh buffer,
    nothing waited for); ``filter_workers`` is the engine filter's thread count (None: its own
    choice). Raises :class:`AreaError` naming the block when its fetch fails for good; returns
    without writing when ``stop`` is set.
    """
    pixels = _fetch_with_retries(block, source, retry, stop)
    if pixels is None:
        return
    with slots.result_buffer(block.height, block.width) if slots is not None else nullcontext() as buffer:
        gradient = edge_filter(pixels, method, halo=True, workers=filter_workers, out=buffer)
        del pixels  # the decoded image goes before the write: one less block-sized buffer per block in flight
        if not stop.is_set():
            sink.write(block, gradient)
        del gradient
    return_freed_memory()


def _fetch_with_retries(block, source, retry, stop):
    """The block's pixels, or None when the run stopped while waiting to retry."""
    for attempt in range(retry.retries + 1):
        if stop.is_set():
            return None
        try:
            return source.fetch(block.fetch_grid)
        except TransientSourceError as exc:
            if attempt == retry.retries:
                raise AreaError(f"{block.describe()} failed {attempt + 1} times; last: {exc}") from exc
            if stop.wait(retry.delay(attempt, exc.retry_after)):
                return None
        except Exception as exc:
            raise AreaError(f"{block.describe()} failed: {exc}") from exc
    return None
