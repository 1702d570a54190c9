"""Building the name index on the other core while this process builds the other indexes.

A cold start's index stage ran on one core: the name index alone took ~5.7 s of its ~10 s at
100k entities while the second core idled. For a big base, a child process builds it from
the entities (inherited when forked, sent as plain tuples when spawned) and sends it back as
the snapshot's data-only parts (bot/matching/serial.py): a JSON description and raw byte
parts, no pickle on the way back. This process reads them with serial's checked reader, as
it reads a snapshot file, so what it adopts is the matcher a local build gives.

A cold start (bot/loading/loader.py `index_early`) has the first file reader build it, with
the search postings (early_index.py: a process forked before the parse, so no page of it is
shared). This child is for the other loads: a cold start whose reader could not, or one from
the per-file cache; it starts as soon as the files are read, so the index builds while they
are checked (`serves` then makes sure the checked entities are the very ones it got); a
thread here reads its parts as they come, so it exits (and stops sharing pages
copy-on-write) once done. `warm` takes either kind of worker (`builds`, `adopt`).

Anything wrong (no processes here, the child fails, dies, sends a damaged part, or takes
longer than a generous bound) and the name index is built here: the same result, slower.
The child is always stopped and reaped before `warm` returns.
"""

from __future__ import annotations

import gc
import json
import signal
import sys
import threading
import weakref
from collections.abc import Iterable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from operator import is_
from typing import Any

from bot.knowledge.model import Entity
from bot.knowledge.snapshot import KnowledgeBase, _name_entries
from bot.loading.prefetch import _context
from bot.matching.decide import MatchSettings
from bot.matching.index import NameEntry
from bot.matching.matcher import Matcher
from bot.matching.serial import matcher_from_parts, matcher_to_parts

__all__ = ["MIN_ENTITIES", "NameIndexWorker", "start", "warm"]

# Below this many entities (~3 names each) the index builds in well under a second and a
# second process (its start, the parts read back) saves too little to be worth it.
MIN_ENTITIES = 20_000
# How long to wait for the child once this process is done with its own share: far more
# than a build takes (~30 us a name on a busy core); past it the index is built here.
WAIT_BASE = 20.0
WAIT_PER_ENTITY = 200e-6
_MAX_PART = 1 << 31
_MAX_MESSAGES = 1_000  # a header and its parts (about 35)
_INDEX = "matcher"

Row = tuple[str, str, str]  # a NameEntry as plain data: key, text, kind


def start(entities: Sequence[Entity], min_entities: int | None = None) -> NameIndexWorker | None:
    """A child building the name index of these entities (in this order), if they are many
    and a process can start here. The loader starts it as soon as the files are read, so it
    builds while the entities and claims are checked."""
    return NameIndexWorker.start(entities) if _big(len(entities), min_entities) else None


def _big(entities: int, min_entities: int | None) -> bool:
    """At least `min_entities` (default MIN_ENTITIES): worth a second process."""
    return entities >= max(1, MIN_ENTITIES if min_entities is None else min_entities)


def warm(
    kb: KnowledgeBase,
    *,
    worker: NameIndexWorker | None = None,
    min_entities: int | None = None,
) -> KnowledgeBase:
    """`kb.warm()`, with the name index built by a second process if the base is big and it
    is not built or adopted yet: `worker`'s if it was started for these very entities (or
    what it builds, `worker.builds`), else one started now. The worker is stopped before
    this returns; whatever it gave nothing for is built here."""
    if worker is not None and (_INDEX in kb.__dict__ or not worker.serves(kb)):
        worker.stop()
        worker = None
    if worker is None and _INDEX not in kb.__dict__ and _big(len(kb.entities), min_entities):
        worker = NameIndexWorker.start(list(kb.entities.values()))
    if worker is None:
        return kb.warm()
    try:
        kb.warm(skip=worker.builds)
        worker.adopt(kb, _patience(len(kb.entities)))
    finally:
        worker.stop()
    return kb.warm()  # builds here what the worker gave none of


def _patience(entities: int) -> float:
    return WAIT_BASE + WAIT_PER_ENTITY * entities


class NameIndexWorker:
    """One child building one name index; `result` reads and checks what it sends. Dropped
    unread (a load that failed), it stops the child all the same."""

    def __init__(self, process: BaseProcess, conn: Connection, entities: Sequence[Entity]) -> None:
        self.entities = entities
        # Read as it comes, so the child exits as soon as it is done: while it lives, every
        # page this process writes is copied first (fork's copy-on-write), ~1 s at 100k.
        self.messages: list[bytes] = []
        self._reader = threading.Thread(
            target=_receive, args=(conn, self.messages), name="name-index-reader", daemon=True
        )
        self._reader.start()
        self._end = weakref.finalize(self, _end, process, conn, self._reader)

    @classmethod
    def start(cls, entities: Sequence[Entity]) -> NameIndexWorker | None:
        """The child started, or None if no process can be started here."""
        try:
            context = _context()
            if context.get_start_method() == "fork":
                args: tuple[Any, ...] = (entities, None)  # inherited: nothing is copied
            else:
                rows = [(e.key, e.text, e.kind) for e in _name_entries(entities)]
                args = (None, rows)
            reader, writer = context.Pipe(duplex=False)
        except Exception:  # no semaphores or pipes here (a sandbox)
            return None
        try:
            process = context.Process(target=_child, args=(writer, *args), daemon=True)
            process.start()
        except Exception:
            reader.close()
            return None
        finally:
            writer.close()  # the child holds its own end: its exit ends the pipe
        return cls(process, reader, entities)

    def serves(self, kb: KnowledgeBase) -> bool:
        """Whether it builds the index of this fact base's very entities, in its order."""
        mine = self.entities
        return len(kb.entities) == len(mine) and all(map(is_, kb.entities.values(), mine))

    builds: frozenset[str] = frozenset({_INDEX})

    def adopt(self, kb: KnowledgeBase, patience: float) -> None:
        """Give `kb` the child's name index, if it sent a valid one in time."""
        matcher = self.result(kb.match_settings, patience)
        if matcher is not None:
            kb.adopt_index(_INDEX, matcher)

    def result(self, settings: MatchSettings, patience: float) -> Matcher | None:
        """The child's name index, read as a snapshot's is; None if there is none in time
        or what came is not a valid index."""
        got = self.parts(patience)
        if got is None:
            return None
        try:
            return matcher_from_parts(*got, settings)
        except Exception:  # a damaged index: build it here
            return None

    def parts(self, patience: float) -> tuple[Any, dict[str, bytes]] | None:
        """The description and the parts the child sent, as it described them; None if it
        sent nothing in time, or something else."""
        self._reader.join(patience)
        if self._reader.is_alive():
            return None  # the child is taking too long: build it here
        try:
            header = json.loads(self.messages[0])
            meta, layout = header["meta"], header["parts"]
            if len(layout) != len(self.messages) - 1:
                raise ValueError("the worker sent another number of parts")
            parts: dict[str, bytes] = {}
            for (name, length), raw in zip(layout, self.messages[1:], strict=True):
                if type(name) is not str or name in parts or len(raw) != length:
                    raise ValueError("the worker's parts are not as described")
                parts[name] = raw
        except Exception:  # died, or sent something unreadable: build it here
            return None
        return meta, parts

    def stop(self) -> None:
        """End the child (done or not) and reap it; close the pipe."""
        self._end()
        self.entities = ()


def _receive(conn: Connection, messages: list[bytes]) -> None:
    """In a thread: every message the child sends, until it closes its end (done, or gone)."""
    try:
        while len(messages) < _MAX_MESSAGES:
            messages.append(conn.recv_bytes(_MAX_PART))
    except (EOFError, OSError):
        pass


def _end(process: BaseProcess, conn: Connection, reader: threading.Thread) -> None:
    """Give the child a moment to exit, then kill it (whatever it still had to do is no longer
    wanted); its end of the pipe closes with it, which ends the reader; then close ours."""
    process.join(0.2)
    if process.is_alive():
        process.kill()
        process.join(5.0)
    reader.join(5.0)
    if not reader.is_alive():
        conn.close()  # else the reader still holds it: the collector closes it later
    if not process.is_alive():
        process.close()


def _child(writer: Connection, entities: Sequence[Entity] | None, rows: list[Row] | None) -> None:
    """In the child: build the index and send it as (description, parts). A failure ends
    the child quietly (the parent builds the index itself), not with a traceback; so does
    Ctrl-C, which is the parent's to handle (it stops the child)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # millions of new objects, no cycles, and the process ends soon
    try:
        _send(writer, entities, rows)
    except Exception:
        sys.exit(1)
    finally:
        writer.close()


def _send(writer: Connection, entities: Sequence[Entity] | None, rows: list[Row] | None) -> None:
    entries: Iterable[NameEntry]
    if entities is not None:
        entries = _name_entries(entities)
    else:
        entries = [NameEntry(*row) for row in rows or ()]
    meta, parts = matcher_to_parts(Matcher(entries))
    chunks = {name: b"".join(raw()) if callable(raw) else raw for name, raw in parts.items()}
    layout = [[name, memoryview(raw).nbytes] for name, raw in chunks.items()]
    writer.send_bytes(json.dumps({"meta": meta, "parts": layout}).encode())
    for raw in chunks.values():
        writer.send_bytes(raw)
