"""Building the name index on the other core while this process builds the other indexes.

A cold start's index stage ran on one core: the name index alone took ~5.7 s of its ~10 s at
100k entities while the second core idled. For a big base, a child process builds it from
the entities (inherited when forked, sent as plain tuples when spawned) and sends it back as
the snapshot's data-only parts (bot/matching/serial.py): a JSON description and raw byte
parts, no pickle on the way back. This process reads them with serial's checked reader, as
it reads a snapshot file, so what it adopts is the matcher a local build gives.

A cold start (bot/loading/loader.py `index_early`) starts the child as soon as the files are
read, so the index builds while they are checked (`serves` then makes sure the checked
entities are the very ones it got); a thread here reads
its parts as they come, so it exits (and stops sharing pages copy-on-write) once done.

Anything wrong (no processes here, the child fails, dies, sends a damaged part, or takes
longer than a generous bound) and the name index is built here: the same result, slower.
The child is always stopped and reaped before `warm` returns.
"""

from __future__ import annotations

import contextlib
import gc
import json
import signal
import sys
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from operator import is_
from typing import Any

from bot.knowledge.model import Claim, Entity
from bot.knowledge.postings import Postings
from bot.knowledge.snapshot import KnowledgeBase, _name_entries, search_postings
from bot.loading.prefetch import _context
from bot.loading.search_parts import postings_from_parts, postings_to_parts
from bot.matching.decide import MatchSettings
from bot.matching.index import NameEntry
from bot.matching.matcher import Matcher
from bot.matching.serial import matcher_from_parts, matcher_to_parts

__all__ = ["MIN_ENTITIES", "IndexWorker", "start", "warm"]

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
_SEARCH, _SEARCH_KIND = "search_index", "search"

Row = tuple[str, str, str]  # a NameEntry as plain data: key, text, kind


def start(
    entities: Sequence[Entity],
    min_entities: int | None = None,
    claims: Sequence[Claim] | None = None,
) -> IndexWorker | None:
    """A child building the name index of these entities (in this order), if they are many
    and a process can start here; and, forked, the search postings of `claims` too. The
    loader starts it as soon as the files are read, so it builds while they are checked."""
    return IndexWorker.start(entities, claims) if _big(len(entities), min_entities) else None


def _big(entities: int, min_entities: int | None) -> bool:
    """At least `min_entities` (default MIN_ENTITIES): worth a second process."""
    return entities >= max(1, MIN_ENTITIES if min_entities is None else min_entities)


def warm(
    kb: KnowledgeBase,
    *,
    worker: IndexWorker | None = None,
    min_entities: int | None = None,
) -> KnowledgeBase:
    """`kb.warm()`, with the name index built by a second process if the base is big and it
    is not built or adopted yet: `worker`'s if it was started for these very entities, else
    one started now; so are the search postings if `worker` got these very claims. The
    worker is stopped before this returns."""
    if worker is not None and (_INDEX in kb.__dict__ or not worker.serves(kb)):
        worker.stop()
        worker = None
    if worker is None and _INDEX not in kb.__dict__ and _big(len(kb.entities), min_entities):
        worker = IndexWorker.start(list(kb.entities.values()))
    if worker is None:
        return kb.warm()
    search = _SEARCH not in kb.__dict__ and worker.searches(kb)
    try:
        kb.warm(skip=frozenset({_INDEX, _SEARCH, "search_vocabulary"} if search else {_INDEX}))
        matcher = worker.result(kb.match_settings, _patience(len(kb.entities)))
        postings = worker.search_postings(list(kb.claims)) if search else None
    finally:
        worker.stop()
    if matcher is not None:
        kb.adopt_index(_INDEX, matcher)
    if postings is not None:
        kb.adopt_index(_SEARCH, Postings(postings))
    return kb.warm()  # builds here what the worker gave none of


def _patience(entities: int) -> float:
    return WAIT_BASE + WAIT_PER_ENTITY * entities


class IndexWorker:
    """The children building one name index (and the search postings, in a second child, so
    that the work the two cores share ends together); `result` and `search_postings` read
    and check what they send. Dropped unread (a load that failed), it stops them all the
    same."""

    def __init__(
        self,
        children: list[_Child],
        entities: Sequence[Entity],
        claims: Sequence[Claim] | None = None,
    ) -> None:
        self.entities, self.claims, self._children = entities, claims, children
        self._groups: dict[str, tuple[Any, dict[str, bytes]]] | None = None

    @classmethod
    def start(
        cls, entities: Sequence[Entity], claims: Sequence[Claim] | None = None
    ) -> IndexWorker | None:
        """The children started, or None if no process can be started here. Spawned, the
        child gets the names as plain tuples, and no search postings are built there (the
        claims are too many to send): they are built here."""
        try:
            context = _context()
        except Exception:  # no semaphores here (a sandbox)
            return None
        if context.get_start_method() == "fork":
            names = _Child.start(context, (_INDEX, entities, None, None))  # inherited
        else:
            rows = [(e.key, e.text, e.kind) for e in _name_entries(entities)]
            names, claims = _Child.start(context, (_INDEX, None, rows, None)), None
        if names is None:
            return None
        if claims is not None:
            search = _Child.start(context, (_SEARCH, entities, None, claims))
            if search is not None:
                return cls([names, search], entities, claims)
        return cls([names], entities)

    def serves(self, kb: KnowledgeBase) -> bool:
        """Whether it builds the index of this fact base's very entities, in its order."""
        mine = self.entities
        return len(kb.entities) == len(mine) and all(map(is_, kb.entities.values(), mine))

    def searches(self, kb: KnowledgeBase) -> bool:
        """Whether it builds the search postings of this fact base's very claims, in order
        (each fact's claim as read; the entities are checked by `serves`)."""
        mine = self.claims
        if mine is None or len(kb.claims) != len(mine):
            return False
        return all(map(is_, (f.model for f in kb.claims.values()), mine))

    def result(self, settings: MatchSettings, patience: float) -> Matcher | None:
        """The child's name index, read as a snapshot's is; None if there is none in time
        or what came is not a valid index."""
        got = self._read(patience).get("matcher")
        try:
            return None if got is None else matcher_from_parts(*got, settings)
        except Exception:  # sent something unreadable: build it here
            return None

    def search_postings(self, claim_ids: Sequence[str]) -> dict[str, list[str]] | None:
        """The child's search postings over these claims (`result` first), checked; None if
        none came or they are not valid."""
        got = self._read(0.0).get(_SEARCH_KIND)
        try:
            return None if got is None else postings_from_parts(*got, claim_ids)
        except Exception:
            return None

    def _read(self, patience: float) -> dict[str, tuple[Any, dict[str, bytes]]]:
        """What the children sent, by kind: (description, parts); nothing of a child still
        at work after `patience` seconds, or of one whose messages are not as they say."""
        if self._groups is None:
            self._groups = {}
            deadline = time.monotonic() + patience
            for child in self._children:
                child.reader.join(max(0.0, deadline - time.monotonic()))
                if child.reader.is_alive():
                    continue  # taking too long: build it here
                # died, or sent something unreadable: build it here
                with contextlib.suppress(Exception):
                    self._groups.update(_groups(child.messages))
        return self._groups

    def stop(self) -> None:
        """End the children (done or not) and reap them; close the pipes."""
        for child in self._children:
            child.end()
        self.entities, self.claims = (), None


class _Child:
    """One child process and the thread here that reads what it sends as it comes, so it
    exits as soon as it is done: while it lives, every page this process writes is copied
    first (fork's copy-on-write), ~1 s at 100k."""

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.messages: list[bytes] = []
        self.reader = threading.Thread(
            target=_receive, args=(conn, self.messages), name="index-reader", daemon=True
        )
        self.reader.start()
        self.end = weakref.finalize(self, _end, process, conn, self.reader)

    @classmethod
    def start(cls, context: BaseContext, args: tuple[Any, ...]) -> _Child | None:
        """The child running `_child(writer, *args)`, or None if it cannot start here."""
        try:
            reader, writer = context.Pipe(duplex=False)
        except Exception:  # no pipes here (a sandbox)
            return None
        try:
            process = context.Process(target=_child, args=(writer, *args), daemon=True)
            process.start()
        except Exception:
            reader.close()
            return None
        finally:
            writer.close()  # the child holds its own end: its exit ends the pipe
        return cls(process, reader)


def _groups(messages: list[bytes]) -> dict[str, tuple[Any, dict[str, bytes]]]:
    """Each header the child sent and the parts it announces, by the header's kind."""
    out: dict[str, tuple[Any, dict[str, bytes]]] = {}
    at = 0
    while at < len(messages):
        header = json.loads(messages[at])
        kind, meta, layout = header["kind"], header["meta"], header["parts"]
        end = at + 1 + len(layout)
        if kind not in (_INDEX, _SEARCH_KIND) or kind in out or end > len(messages):
            raise ValueError("the worker sent another number of parts")
        parts: dict[str, bytes] = {}
        for (name, length), raw in zip(layout, messages[at + 1 : end], strict=True):
            if type(name) is not str or name in parts or len(raw) != length:
                raise ValueError("the worker's parts are not as described")
            parts[name] = raw
        out[kind] = (meta, parts)
        at = end
    return out


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


def _child(
    writer: Connection,
    job: str,
    entities: Sequence[Entity] | None,
    rows: list[Row] | None,
    claims: Sequence[Claim] | None,
) -> None:
    """In the child: build the name index (`job` "matcher") or the search postings, and send
    it as (description, parts). A failure ends the child quietly (the parent builds what it
    did not get), not with a traceback; so does Ctrl-C, which is the parent's to handle (it
    stops the child)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # millions of new objects, no cycles, and the process ends soon
    try:
        if job == _SEARCH:
            postings = search_postings(claims or (), {e.id: e for e in entities or ()})
            ids = [c.id for c in claims or ()]
            _send(writer, _SEARCH_KIND, *postings_to_parts(postings, ids))
            return
        entries: Iterable[NameEntry]
        if entities is not None:
            entries = _name_entries(entities)
        else:
            entries = [NameEntry(*row) for row in rows or ()]
        _send(writer, _INDEX, *matcher_to_parts(Matcher(entries)))
    except Exception:
        sys.exit(1)
    finally:
        writer.close()


def _send(writer: Connection, kind: str, meta: Any, parts: dict[str, Any]) -> None:
    chunks = {name: b"".join(raw()) if callable(raw) else raw for name, raw in parts.items()}
    layout = [[name, memoryview(raw).nbytes] for name, raw in chunks.items()]
    writer.send_bytes(json.dumps({"kind": kind, "meta": meta, "parts": layout}).encode())
    for raw in chunks.values():
        writer.send_bytes(raw)
