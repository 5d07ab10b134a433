"""Seconds per stage of a run, each stage timed from the end of the one before."""
from __future__ import annotations

import time


class StageTimer:
    """``lap(stage)`` records the seconds since the previous lap (or since creation)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._clock, 3)
        self._clock = now
