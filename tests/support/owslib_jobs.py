"""Following an OWSLib asynchronous execution to its end, as a polling client does."""

from __future__ import annotations

import time


def follow(execution, deadline_seconds: float, interval: float = 0.2) -> list:
    """Poll ``execution`` until it completes; the (percent, message) seen at each poll."""
    statuses, deadline = [], time.monotonic() + deadline_seconds
    while not execution.isComplete():
        assert time.monotonic() < deadline, f"still {execution.status} after {deadline_seconds} s"
        execution.checkStatus(sleepSecs=interval)
        statuses.append((execution.percentCompleted, execution.statusMessage))
    return statuses
