"""The one timing rule of the benchmark scripts."""

from __future__ import annotations

import time


def fastest(call, repeat: int) -> float:
    """Seconds of the fastest of ``repeat`` calls: on a noisy host the minimum is the
    reproducible figure (the mean of 30 bare solves of one matrix varied 2.6× between runs)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)
