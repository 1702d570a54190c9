"""A fixed piece of pure-Python work, timed: how fast this machine runs Python right now.

The bench's machine is shared, and its speed drifts: the same code has measured a fuzzy p50 of
0.59 ms and 1.07 ms minutes apart. Every serve phase times this same work before and after its
queries, so two bench runs can be compared by how fast the machine itself was, not only by
their latencies (docs/performance.md, Method).
"""

from __future__ import annotations

import time

_TEXT = "aleksandr sergeyevich kozlov nursultan nazarbayev " * 2
_ROUNDS = 5


def _work() -> int:
    """String slices, dict updates and calls: the kinds of steps a lookup is made of."""
    counts: dict[str, int] = {}
    for i in range(20_000):
        word = _TEXT[i % 64 : i % 64 + 9]
        counts[word] = counts.get(word, 0) + len(word.split(" "))
    return len(counts)


def speed_probe_us() -> float:
    """Microseconds the work takes, best of a few rounds (a hiccup is not the machine's speed)."""
    best = float("inf")
    for _ in range(_ROUNDS):
        start = time.perf_counter_ns()
        _work()
        best = min(best, (time.perf_counter_ns() - start) / 1000)
    return round(best, 1)
