"""Forked readers that hand their reads over in shared memory, past no thread of this process.

The executor route (prefetch.py `_Spread`) gets each read back through a pipe that a thread
of this process drains. That thread needs the GIL, which this process's main thread holds
while it validates and parses: a 0.5 MB read took ~45 ms to cross, and the worker sat idle
for 2 of the 4 seconds a cold start at 100k claims spends reading.

Here each reader takes the next file from a shared counter, writes what it read into a ring
of shared memory of its own and marks the file done. This process takes each file's read
from its ring when it needs it; while that read is not done, it reads the next unclaimed
file itself. Only data crosses: JSON bytes, the bytes of position arrays and a JSON
description of them (no pickle). A read that does not fit, a reader that fails or dies: the
file is read here, as without readers.

Forked only (the rings and the counter are inherited): a spawned process could not share
them, and the executor route serves that case.
"""

from __future__ import annotations

import contextlib
import gc
import json
import mmap
import os
import signal
import time
from array import array
from collections.abc import Callable, Generator
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

from bot.loading.fastpath import FastRead, json_body, json_read, lines_read

if TYPE_CHECKING:
    from bot.loading.early_index import EarlyIndex, Keeper

# Each reader's ring: ~30 files of 100k claims ahead of this process. A read bigger than its
# ring is declined (this process reads the file).
RING_BYTES = 16 << 20
# How long a reader or this process sleeps while it waits for the other.
POLL_S = 0.0005
# Reads this process makes ahead of the file it needs, while the reader of that file works.
AHEAD = 2

_UNCLAIMED, _READING, _DONE, _DECLINED = 0, 1, 2, 3


class _Board:
    """The shared counters: the next unclaimed file; each file's state, reader, ring offset
    and length; each reader's write and read position. Read and written under `lock` (its
    acquire and release also order the ring's bytes before the state that announces them)."""

    def __init__(self, files: int, readers: int, lock: Any) -> None:
        self.files, self.lock = files, lock
        self._mem = mmap.mmap(-1, 8 * (1 + 3 * files + 2 * readers))
        self.q = memoryview(self._mem).cast("q")
        self._rings = 1 + 3 * files

    def claim(self, state: int, reader: int = 0) -> int | None:
        """The next unclaimed file, now marked `state` for `reader`; None if none is left."""
        q = self.q
        with self.lock:
            n = q[0]
            if n >= self.files:
                return None
            q[0] = n + 1
            q[1 + 3 * n] = state | reader << 8
        return n

    def state(self, n: int) -> tuple[int, int, int, int]:
        """File n's state, reader, ring offset and length."""
        q, at = self.q, 1 + 3 * n
        with self.lock:
            word, offset, length = q[at], q[at + 1], q[at + 2]
        return word & 0xFF, word >> 8, offset, length

    def finish(self, n: int, reader: int, offset: int = 0, length: int = 0) -> None:
        """File n done by `reader` (its read at `offset` of its ring), or declined (length 0)."""
        q, at = self.q, 1 + 3 * n
        with self.lock:
            q[at + 1], q[at + 2] = offset, length
            q[at] = (_DONE if length else _DECLINED) | reader << 8
            if length:
                q[self._rings + 2 * reader] = offset + length

    def free(self, reader: int) -> int:
        """The bytes of `reader`'s ring not holding a read this process has yet to take."""
        q, at = self.q, self._rings + 2 * reader
        with self.lock:
            return RING_BYTES - (q[at] - q[at + 1])

    def taken(self, reader: int, upto: int) -> None:
        """This process has taken `reader`'s reads up to ring position `upto`."""
        with self.lock:
            self.q[self._rings + 2 * reader + 1] = upto

    def end(self) -> None:
        """No file is left to claim."""
        with self.lock:
            self.q[0] = self.files

    def close(self) -> None:
        self.q.release()
        self._mem.close()


def shared_reads(
    raws: list[bytes], readers: int, context: BaseContext, early: EarlyIndex | None = None
) -> Generator[FastRead | None, None, None]:
    """For each file in order, a read of it (by a reader or by this process ahead of need),
    or None: read it here. `context` must fork. Raises at once if no lock or shared memory
    can be made here. `early`: the first reader also builds the name index and the search
    postings (early_index.py), `early.worker` once every file is read."""
    board = _Board(len(raws), readers, context.Lock())
    rings = [mmap.mmap(-1, RING_BYTES) for _ in range(readers)]
    keeper = None
    if early is not None:
        # JSON escapes may triple UTF-8 text; unused pages of the mapping cost nothing
        keeper = early.prepare(context, len(raws), 3 * sum(map(len, raws)) + (1 << 20), board.lock)
    return _run(raws, board, rings, context, early, keeper)


def _run(
    raws: list[bytes],
    board: _Board,
    rings: list[mmap.mmap],
    context: BaseContext,
    early: EarlyIndex | None = None,
    keeper: Keeper | None = None,
) -> Generator[FastRead | None, None, None]:
    procs: dict[int, BaseProcess] = {}
    taker = None
    try:
        for r, ring in enumerate(rings):
            with contextlib.suppress(Exception):  # no process here: fewer readers
                mine = keeper if r == 0 else None
                proc = context.Process(
                    target=_reader, args=(raws, board, ring, r, mine), daemon=True
                )
                proc.start()
                procs[r] = proc
        if early is not None:
            early.started(procs.get(0))
        if not procs:
            board.end()
        forward = early.forward if early is not None and early.worker is not None else None
        taker = _Taker(raws, board, rings, procs, forward)
        yield from taker.results()
    finally:
        board.end()
        if early is not None:
            if early.worker is not None:
                procs.pop(0)  # its worker's to stop: it builds the indexes once reads end
            if taker is not None and taker.given == len(raws):
                early.close()  # every read forwarded: the first reader goes on to index
            else:
                early.stop()
        for proc in procs.values():
            proc.join(0.05)
            if proc.is_alive():  # the load stopped early: what it reads is not wanted
                proc.kill()
                proc.join()
            proc.close()
        for ring in rings:
            ring.close()
        board.close()


class _Taker:
    """This process's side: each file's read from its reader's ring, in file order."""

    def __init__(
        self,
        raws: list[bytes],
        board: _Board,
        rings: list[mmap.mmap],
        procs: dict[int, BaseProcess],
        forward: Callable[[int, FastRead | None], None] | None = None,
    ) -> None:
        self.raws, self.board, self.rings, self.procs = raws, board, rings, procs
        self.here: dict[int, FastRead | None] = {}  # read here, ahead of need
        # Each read not taken from the first reader, for it (early_index.py), if it wants them.
        self.forward = forward
        self.given = 0  # reads handed out

    def results(self) -> Generator[FastRead | None, None, None]:
        for n in range(len(self.raws)):
            read = self.here.pop(n) if n in self.here else self.next(n)
            self.given += 1
            yield read

    def next(self, n: int) -> FastRead | None:
        """File n's read, from a reader's ring or read here, once it can be had."""
        board = self.board
        while True:
            state, reader, offset, length = board.state(n)
            if state == _UNCLAIMED:
                board.claim(_READING)  # claims are in order: n is the next one
                return self.read(n)
            if state == _DONE:
                read = self.take(n, reader, offset, length)
                if reader != 0 and self.forward is not None:
                    self.forward(n, read)
                return read
            if state == _DECLINED or not self.procs[reader].is_alive():
                return self.read(n)
            self.wait()

    def read(self, n: int) -> FastRead | None:
        """File n read here; handed to the first reader at once if it wants it."""
        read = json_read(self.raws[n])
        if self.forward is not None:
            self.forward(n, read)
        return read

    def take(self, n: int, reader: int, offset: int, length: int) -> FastRead | None:
        ring, start = self.rings[reader], offset % RING_BYTES
        end = start + length
        # a read may wrap around the ring's end
        blob = ring[start:end] if end <= RING_BYTES else ring[start:] + ring[: end - RING_BYTES]
        self.board.taken(reader, offset + length)
        try:
            return decoded(blob)
        except Exception:  # pragma: no cover - our own reader's bytes: read it here then
            return self.read(n)

    def wait(self) -> None:
        """While the file needed next is being read: read one ahead here, or sleep a moment."""
        if len(self.here) < AHEAD:
            m = self.board.claim(_READING)
            if m is not None:
                self.here[m] = self.read(m)
                return
        time.sleep(POLL_S)


def _reader(
    raws: list[bytes], board: _Board, ring: mmap.mmap, reader: int, keeper: Keeper | None = None
) -> None:
    """In a forked reader: claim, read, put the read in the ring, until no file is left. Any
    failure declines the file (this process reads it); Ctrl-C is the parent's to handle.
    With a `keeper`, what the early indexes need of each file is kept, and they are built
    once every file is claimed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # many objects, no cycles, and the process ends soon
    parent, written = os.getppid(), 0
    while (n := board.claim(_READING, reader)) is not None:
        data = None
        try:
            if keeper is None:
                blob = encoded(json_read(raws[n]))
            else:
                read = lines_read(raws[n])
                data = None if read is None else read[0]
                body = None if read is None else json_body(data)
                blob = None if read is None else encoded((body, read[1], read[2]))
        except Exception:
            blob = None
        if blob is None or len(blob) > RING_BYTES:
            board.finish(n, reader)
            continue
        while board.free(reader) < len(blob):
            if os.getppid() != parent:
                return  # the parent is gone
            time.sleep(POLL_S)
        start = written % RING_BYTES
        split = min(len(blob), RING_BYTES - start)
        ring[start : start + split] = blob[:split]
        ring[: len(blob) - split] = blob[split:]
        board.finish(n, reader, written, len(blob))
        written += len(blob)
        if keeper is not None:
            keeper.keep(n, data)
    if keeper is not None:
        keeper.finish(board.files, parent)


def encoded(read: FastRead | None) -> bytes | None:
    """A read as bytes: a description's length, the description (JSON), each position array's
    bytes, the JSON body. None if the read is none, or its data is not JSON bytes."""
    if read is None or not isinstance(read[0], bytes):
        return None
    body, marks, top = read
    meta = {
        "marks": [[name, a.typecode, len(a)] for name, a in marks.items()],
        "top": [[list(path), *where] for path, where in top.items()],
    }
    head = json.dumps(meta).encode()
    return b"".join([len(head).to_bytes(4, "little"), head, *map(bytes, marks.values()), body])


def decoded(blob: bytes) -> FastRead:
    """The read `encoded` wrote."""
    size = int.from_bytes(blob[:4], "little")
    meta = json.loads(blob[4 : 4 + size])
    at = 4 + size
    marks: dict[str, array] = {}
    for name, typecode, count in meta["marks"]:
        a = array(typecode)
        end = at + count * a.itemsize
        a.frombytes(blob[at:end])
        marks[name], at = a, end
    top = {tuple(path): (line, column) for path, line, column in meta["top"]}
    return blob[at:], marks, top
