"""Stage timing from outside: wrap a module's or class's function so that every call adds its
wall time to a named stage. Nothing in the measured code is changed; the wrappers are removed
when the ``with`` block ends."""

from __future__ import annotations

import contextlib
import functools
import math
import statistics
import time
from collections import defaultdict


class StageClock:
    """Time per stage, accumulated over the calls of one run (``reset`` between runs): wall time,
    or with ``clock=time.thread_time`` the CPU time of the calling thread."""

    def __init__(self, clock=time.perf_counter):
        self.clock = clock
        self.seconds = defaultdict(float)
        self.missing = []

    def reset(self):
        self.seconds = defaultdict(float)

    def add(self, stage: str, seconds: float):
        self.seconds[stage] += seconds

    @contextlib.contextmanager
    def mark(self, stage: str):
        start = self.clock()
        try:
            yield
        finally:
            self.add(stage, self.clock() - start)

    def snapshot_ms(self) -> dict:
        return {stage: seconds * 1e3 for stage, seconds in self.seconds.items()}

    @contextlib.contextmanager
    def wrapping(self, targets):
        """``targets``: (owner, attribute name, stage) triples; each owner's attribute is timed.

        A target that no longer exists (the measured code changed) is skipped and listed in
        ``missing``, so that the report can say which stage was not timed.
        """
        originals = []
        try:
            for owner, name, stage in targets:
                original = getattr(owner, name, None)
                if original is None:
                    self.missing.append(f"{getattr(owner, '__name__', owner)}.{name}")
                    continue
                inherited = isinstance(owner, type) and name not in vars(owner)
                originals.append((owner, name, original, inherited))
                setattr(owner, name, self._timed(original, stage))
            yield self
        finally:
            for owner, name, original, inherited in reversed(originals):
                if inherited:
                    delattr(owner, name)
                else:
                    setattr(owner, name, original)

    def _timed(self, function, stage):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            start = self.clock()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(stage, self.clock() - start)

        return timed


def median_stages(runs: list) -> dict:
    """Per-stage median (ms) over a list of per-run {stage: ms} dicts (a missing stage counts 0)."""
    stages = dict.fromkeys(stage for run in runs for stage in run)
    return {stage: statistics.median(run.get(stage, 0.0) for run in runs) for stage in stages}


def percentile(values, fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (``fraction`` in 0..1); NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]
