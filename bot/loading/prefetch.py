"""Reading many knowledge files on the other cores: a cold start's biggest cost, spread out.

A cold load parses every file (70 MB of YAML at 100k claims), and the line path
(fastlines.py) is pure Python: one core. When there is much to read, worker processes run the
line path on the raw bytes while this process validates the files already read, in file
order. Workers get bytes and send back the data our own parser built as JSON bytes (or, where
JSON cannot hold it, as plain data: dicts, lists, strings, numbers) and position arrays;
anything they decline or fail on is read here exactly as without them, so the result, its
errors and their positions are the same. JSON bytes cost next to nothing to send, and
pydantic validates them without building the data in this process first.

Workers are forked while this process has a single thread (a cold start: instant, and the
pages stay shared); they hand their reads over in shared memory (shared_reads.py). They are
spawned otherwise (a big reload beside the bot's threads, where a fork could copy a lock some
other thread holds) and run in an executor, whose results come through a pipe. Few results
wait at a time, so the parsed data in memory stays that of a few files.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Generator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING

from bot.loading.fastpath import FastRead, json_read
from bot.loading.shared_reads import shared_reads

if TYPE_CHECKING:
    from bot.loading.early_index import EarlyIndex

# Below this much YAML to parse (a reload, a small base) starting workers costs more than it
# saves: about 0.3 s for a new interpreter and its imports against 1 s per 10 MB parsed.
MIN_BYTES = 8 * 1024 * 1024
MAX_WORKERS = 3


def _workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return min(MAX_WORKERS, cores - 1)


def _context() -> multiprocessing.context.BaseContext:
    single = threading.active_count() == 1
    return multiprocessing.get_context("fork" if single and _can_fork() else "spawn")


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def pre_read_files(
    raws: list[bytes], early: EarlyIndex | None = None
) -> Generator[FastRead | None, None, None]:
    """For each file in order, the line path's read of it, or None: read it here. `early`:
    the first forked reader also builds the name index and search postings (early_index.py);
    `early.worker` is set if it does."""
    workers = _workers() if sum(map(len, raws)) >= MIN_BYTES else 0
    if workers < 1:
        yield from (None for _ in raws)
        return
    context = _context()
    try:
        if context.get_start_method() == "fork":
            reads = shared_reads(raws, workers, context, early)
        else:
            reads = _spawned(ProcessPoolExecutor(workers, mp_context=context), raws, workers)
    except Exception:  # no processes or semaphores here (a sandbox): read everything here
        if early is not None:
            early.stop()
        yield from (None for _ in raws)
        return
    yield from reads


def _spawned(
    pool: ProcessPoolExecutor, raws: list[bytes], workers: int
) -> Generator[FastRead | None, None, None]:
    """The spawned workers' reads; the pool is shut down however the load ends."""
    try:
        yield from _Spread(pool, raws, 2 * workers + 1).results()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Spread:
    """Spawned workers. Files go to them in order, a few ahead; while the file this process
    needs next is still being read, it reads the next unassigned file itself (not wait)."""

    def __init__(self, pool: ProcessPoolExecutor, raws: list[bytes], window: int) -> None:
        self.pool, self.raws, self.window = pool, raws, window
        self.ahead: deque[tuple[int, Future[FastRead | None]]] = deque()
        self.here: dict[int, FastRead | None] = {}  # read by this process, ahead of use
        self.next = 0  # the first file given to no one yet
        self.broken = False

    def results(self) -> Generator[FastRead | None, None, None]:
        for n in range(len(self.raws)):
            if n in self.here:
                yield self.here.pop(n)
                continue
            self.fill()
            if not self.ahead or self.ahead[0][0] != n:
                self.next = max(self.next, n + 1)
                yield None  # the pool broke before this file: read it in place
                continue
            future = self.ahead.popleft()[1]
            while not future.done() and self.next < len(self.raws) and len(self.here) < 2:
                self.here[self.next] = json_read(self.raws[self.next])
                self.next += 1
            try:
                yield future.result()
            except Exception:  # a worker died or could not start: this file is read here
                yield None
        for _, future in self.ahead:  # pragma: no cover - every file was asked for
            future.cancel()

    def fill(self) -> None:
        while not self.broken and self.next < len(self.raws) and len(self.ahead) < self.window:
            try:
                future = self.pool.submit(json_read, self.raws[self.next])
            except Exception:  # the pool broke: the rest is read here
                self.broken = True
                return
            self.ahead.append((self.next, future))
            self.next += 1
