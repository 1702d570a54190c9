"""Progress on stderr for long work: a rewritten line on a terminal, a few lines elsewhere."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def printer(
    prefix: str = "", stream=None, every: float = 0.5, quiet_under: float = 0.0
) -> Progress:
    """`progress(stage, done, total)` that never floods: at most one update per `every`
    seconds per stage on a terminal, and only a stage's end (with its time) otherwise.
    Stages that finish within `quiet_under` seconds say nothing at all."""
    out = stream or sys.stderr
    tty = out.isatty()
    started: dict[str, float] = {}
    shown: dict[str, float] = {}

    def show(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        first = started.setdefault(stage, now)
        finished = total > 0 and done >= total
        if now - first < quiet_under and stage not in shown:
            return
        if tty and not finished and now - shown.get(stage, 0.0) < every:
            return
        shown[stage] = now
        label = f"{prefix}{stage}"
        if finished:
            end = "\n"
            line = f"{label}: {done:,}/{total:,} ({now - first:.1f} s)"
        elif tty:
            end = ""
            line = f"{label}: {done:,}/{total:,}" if total else f"{label} ..."
        else:
            return
        print(f"\r{line}\x1b[K" if tty else line, end=end, file=out, flush=True)

    return show


def say(message: str, stream=None) -> None:
    print(message, file=stream or sys.stderr, flush=True)
