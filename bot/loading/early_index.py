"""A cold start's name index and search postings, built by the reader that read the files.

Why: at a cold start of a big base this process is the critical path. It validated and
checked while a child forked after the read built the name index, then built the search
postings alone (~1.4 s at 100k claims) while the other core idled; and while that child
lived, every page of the parsed files this process wrote was copied first (fork's
copy-on-write). The first reader (shared_reads.py) is forked before anything is parsed: it
keeps what the two indexes need of each file it reads (entity names; each claim's folded
text and entities), gets the JSON of the files read elsewhere from this process through
shared memory (`Forwarded`), and once every file is read builds both indexes and writes
them into shared memory as data-only parts (the name index as serial.py writes a snapshot's,
the postings as CSR arrays; no pickle); a pipe carries only where they lie.

This process adopts them only for the very fact base it checked: the entities' ids, names
and aliases and the claims' ids, in order, must hash to what the reader hashed (`adopt`).
The claims' words and entities come from the very bytes this process validated, read as
validation reads them: ids stripped as it strips them, texts folded (which ignores the
spaces it strips). Anything else (a file only the slow path reads, a reader that fails,
dies or sends another base's index, shared memory too small) and they are built here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import time
from array import array
from collections.abc import Iterable, Sequence
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from bot.knowledge.names import fold
from bot.knowledge.postings import Postings, post
from bot.knowledge.records import RowIndex
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.index_worker import NameIndexWorker
from bot.matching.index import NameEntry
from bot.matching.matcher import Matcher
from bot.matching.serial import matcher_from_parts, matcher_to_parts

__all__ = ["EarlyIndex", "EarlyIndexWorker", "Forwarded", "Keeper", "extract"]

# A claim as the postings need it: id, its text and quotes folded, its entities in order.
ClaimRow = tuple[str, str, tuple[str, ...]]
EntityRow = tuple[str, str, list[str]]  # id, name, aliases (as validation strips them)
Extract = tuple[list[EntityRow], list[ClaimRow]]

_POLL_S = 0.0005
_NONE, _SENT, _MISSING = 0, 1, 2
_MATCHER = "matcher/"
# Room for the indexes beyond the YAML's size (which they stay under at 100k entities).
_OUT_BYTES = 64 << 20


def extract(data: Any) -> Extract | None:
    """What the indexes need of one file's plain data; None if it is not the shape that
    validates (then the load fails, or this process reads the file another way)."""
    if not isinstance(data, dict):
        return None
    try:
        entities = [_entity(e) for e in data.get("entities") or ()]
        claims = [_claim(c) for c in data.get("claims") or ()]
    except (TypeError, KeyError, AttributeError):
        return None
    return entities, claims


def _extract_json(body: bytes | None) -> Extract | None:
    """What the indexes need of a forwarded file's JSON (None: none came, or not that)."""
    try:
        return None if body is None else extract(json.loads(body))
    except ValueError:
        return None


def _entity(e: dict[str, Any]) -> EntityRow:
    """As validation leaves it: every string stripped (`str_strip_whitespace`)."""
    return e["id"].strip(), e["name"].strip(), [a.strip() for a in e.get("aliases") or ()]


def _claim(c: dict[str, Any]) -> ClaimRow:
    """As `snapshot._own_text` and `Fact.entity_ids` read the validated claim: ids stripped
    as validation strips them (texts are folded, which ignores the spaces around them).
    A value of another type raises, or makes a claim that does not validate."""
    refs = c["references"]
    texts = " ".join([c["text"], *[r["quote"] for r in refs]])
    outlets = [(r.get("cites") or {}).get("outlet") for r in refs]
    ids = (c["subject"], c.get("object"), c.get("place"), *(c.get("mentions") or ()), *outlets)
    stripped = [i.strip() for i in ids if i is not None]
    return c["id"].strip(), fold(texts), tuple(dict.fromkeys(filter(None, stripped)))


def entity_digest(rows: Iterable[EntityRow]) -> str:
    """What the name index is built from, hashed: ids, names and aliases, in order. (The
    repr of tuples of strings and lists of strings: unambiguous, and made at C speed; a few
    thousand at a time, so that a million names make no second copy of themselves.)"""
    h, rows = hashlib.blake2b(digest_size=16), iter(rows)
    while chunk := list(islice(rows, 4096)):
        h.update(repr(chunk).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def claim_digest(ids: Iterable[str]) -> str:
    """The claims' ids in order, hashed: the rows the postings number."""
    return hashlib.blake2b("\n".join(ids).encode(), digest_size=16).hexdigest()


class Forwarded:
    """Shared memory through which this process hands the first reader the JSON of each file
    it did not read (read here, or by another reader), in file order: per file a state,
    an offset and a length, then the bytes. Made before the fork; written here, read there."""

    def __init__(self, files: int, capacity: int, lock: Any) -> None:
        self.files, self.capacity, self.lock = files, capacity, lock
        self._head = mmap.mmap(-1, 8 * 3 * max(files, 1))
        self.q = memoryview(self._head).cast("q")
        self._data = mmap.mmap(-1, max(capacity, 1))
        self._used = 0  # this process's side

    def send(self, n: int, body: bytes | None) -> None:
        """File n's JSON, or None: the reader cannot have it (it then builds nothing)."""
        if body is not None and self._used + len(body) <= self.capacity:
            at = self._used
            self._data[at : at + len(body)] = body
            self._used += len(body)
            with self.lock:
                self.q[3 * n + 1], self.q[3 * n + 2] = at, len(body)
                self.q[3 * n] = _SENT
            return
        with self.lock:
            self.q[3 * n] = _MISSING

    def wait(self, n: int, parent: int) -> bytes | None:
        """In the reader: file n's JSON once sent; None if it will not come."""
        while True:
            state, body = self.look(n)
            if state == _SENT:
                return body
            if state == _MISSING or os.getppid() != parent:
                return None
            time.sleep(_POLL_S)

    def look(self, n: int) -> tuple[int, bytes | None]:
        """In the reader: file n's state, and its JSON if it is sent."""
        with self.lock:
            state, at, length = self.q[3 * n], self.q[3 * n + 1], self.q[3 * n + 2]
        return state, (self._data[at : at + length] if state == _SENT else None)

    def close(self) -> None:
        self.q.release()
        self._head.close()
        self._data.close()


class Keeper:
    """In the first reader: what it read of each file, then both indexes, sent."""

    def __init__(self, forwarded: Forwarded, writer: Connection, out: mmap.mmap) -> None:
        self.forwarded, self.writer, self.out = forwarded, writer, out
        self.mine: dict[int, Extract] = {}  # by file number: read here, or forwarded
        self.cursor = 0  # files before it are in `mine` (or broke it)
        self.broken = False

    def keep(self, n: int, data: Any) -> None:
        """File n, read by this reader; then the files forwarded meanwhile, while the other
        process still reads (not all of them after it, when only this reader works)."""
        self._add(n, extract(data))
        forwarded = self.forwarded
        while self.cursor < forwarded.files and not self.broken:
            if self.cursor not in self.mine:
                state, body = forwarded.look(self.cursor)
                if state == _NONE:
                    return  # not read yet (or being read here)
                self._add(self.cursor, _extract_json(body))
            self.cursor += 1

    def _add(self, n: int, got: Extract | None) -> None:
        if got is None:
            self.broken = True
        else:
            self.mine[n] = got

    def finish(self, files: int, parent: int) -> None:
        """Every file claimed: the rest forwarded, then the indexes built and sent. Nothing
        is sent if a file cannot be had (this process then builds them)."""
        try:
            if self.broken:
                return
            extracts: list[Extract] = []
            for n in range(files):
                got = self.mine.pop(n, None)
                if got is None:
                    got = _extract_json(self.forwarded.wait(n, parent))
                    if got is None:
                        return
                extracts.append(got)
            meta, parts = index_parts(extracts)
            self.send(meta, parts)
        finally:
            self.writer.close()

    def send(self, meta: dict[str, Any], parts: dict[str, Any]) -> None:
        """The parts written to the shared `out` memory, then their places sent: a pipe
        would cross only as fast as the other process's busy thread drains it."""
        layout, at = [], 0
        for name, part in parts.items():
            raw = b"".join(part()) if callable(part) else part
            size = memoryview(raw).nbytes
            if at + size > len(self.out):
                return  # bigger than foreseen: the other process builds them
            self.out[at : at + size] = raw
            layout.append([name, at, size])
            at += -size % 8 + size  # each part 8-aligned: read in place as arrays
        self.writer.send_bytes(json.dumps({"meta": meta, "layout": layout}).encode())


def index_parts(extracts: Sequence[Extract]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The name index and the search postings of these files, as parts to send."""
    entities = [row for ents, _ in extracts for row in ents]
    claims = [row for _, cls in extracts for row in cls]
    entries = []
    for eid, name, aliases in entities:
        entries.append(NameEntry(eid, eid, "id"))
        entries.append(NameEntry(eid, name, "name"))
        entries.extend(NameEntry(eid, a, "alias") for a in aliases)
    matcher_meta, matcher = matcher_to_parts(Matcher(entries))
    parts: dict[str, Any] = {_MATCHER + k: v for k, v in matcher.items()}
    words, at, data = _postings(entities, claims)
    parts["search.words"] = "\n".join(words).encode()
    parts["search.at"], parts["search.data"] = at.tobytes(), data.tobytes()
    meta = {
        "matcher": matcher_meta,
        "entities": entity_digest(entities),
        "claims": claim_digest(c[0] for c in claims),
        "words": len(words),
    }
    return meta, parts


def _postings(entities: list[EntityRow], claims: list[ClaimRow]) -> tuple[list[str], array, array]:
    """Word -> claim rows, as `KnowledgeBase.search_index` reads the claims: CSR arrays."""
    names = {eid: tuple(fold(name).split()) for eid, name, _ in entities}
    postings: dict[str, list[int]] = {}
    for row, (_, own, eids) in enumerate(claims):
        words = set(own.split())
        for eid in eids:
            words.update(names.get(eid, ()))
        post(postings, words, row)
    words = sorted(postings)
    at, data = array("I", [0]), array("I")
    for word in words:
        data.extend(postings[word])
        at.append(len(data))
    return words, at, data


class EarlyIndexWorker(NameIndexWorker):
    """This process's side: the first reader's indexes, read as they come (the reader
    thread of NameIndexWorker) and adopted only for the fact base they were built from."""

    builds = frozenset({"matcher", "search_index", "search_vocabulary"})

    def __init__(self, process: BaseProcess, conn: Connection, out: mmap.mmap) -> None:
        super().__init__(process, conn, ())
        self.out = out

    def parts(self, patience: float) -> tuple[Any, dict[str, Any]] | None:
        """What the reader wrote to the shared memory, as it said it wrote it: read in place
        (not copied: at a million names the name index is ~170 MB), so the memory stays
        mapped while the indexes read from it live."""
        self._reader.join(patience)
        if self._reader.is_alive() or len(self.messages) != 1:
            return None
        try:
            header = json.loads(self.messages[0])
            parts: dict[str, Any] = {}
            out = memoryview(self.out)
            for name, at, size in header["layout"]:
                if (
                    type(name) is not str
                    or name in parts
                    or not 0 <= at <= at + size <= len(self.out)
                ):
                    raise ValueError("the reader's parts are not as described")
                parts[name] = out[at : at + size]
            return header["meta"], parts
        except Exception:  # sent something unreadable: build them here
            return None

    def stop(self) -> None:
        super().stop()
        with contextlib.suppress(BufferError):  # else adopted: unmapped with the last view
            self.out.close()

    def serves(self, kb: KnowledgeBase) -> bool:
        return True  # what it built is checked when it comes (`adopt`)

    def adopt(self, kb: KnowledgeBase, patience: float) -> None:
        # Hashed while the reader may still be at work
        entities = entity_digest((e.id, e.name, e.aliases) for e in kb.entities.values())
        claims = claim_digest(kb.claims)
        got = self.parts(patience)
        if got is None:
            return
        meta, parts = got
        try:
            if meta["entities"] != entities:
                return  # another base's names: both indexes hold them
            mine = {k[len(_MATCHER) :]: v for k, v in parts.items() if k.startswith(_MATCHER)}
            kb.adopt_index("matcher", matcher_from_parts(meta["matcher"], mine, kb.match_settings))
            if meta["claims"] == claims:
                _adopt_search(kb, meta, parts)
        except Exception:  # damaged parts: what was not adopted is built here
            return


def _adopt_search(kb: KnowledgeBase, meta: dict[str, Any], parts: dict[str, Any]) -> None:
    words = str(parts["search.words"], "utf-8").split("\n") if meta["words"] else []
    at, data = _ints(parts["search.at"]), _ints(parts["search.data"])
    if len(words) != meta["words"] or len(at) != len(words) + 1 or at[-1] != len(data):
        raise ValueError("the postings are not as described")
    ids = list(kb.claims)
    if data and max(data) >= len(ids):
        raise ValueError("a posting names no claim")
    get = ids.__getitem__
    index = RowIndex(words, at, data, lambda rows: tuple(map(get, rows)))
    kb.adopt_index("search_index", Postings(index))  # type: ignore[arg-type]
    kb.adopt_index("search_vocabulary", tuple(words))


class EarlyIndex:
    """The loader's handle on the first reader's indexes: set up before the readers fork
    (`prepare`), fed the files read elsewhere (`forward`), and, once every file is read,
    its `worker` to adopt from (None if none could start)."""

    def __init__(self) -> None:
        self.worker: EarlyIndexWorker | None = None
        self._forwarded: Forwarded | None = None
        self._conn: Connection | None = None
        self._writer: Connection | None = None
        self._out: mmap.mmap | None = None

    def prepare(self, context: Any, files: int, capacity: int, lock: Any) -> Keeper:
        """Before the fork: the shared memory and the pipe; the first reader's Keeper."""
        self._forwarded = Forwarded(files, capacity, lock)
        self._out = mmap.mmap(-1, capacity + _OUT_BYTES)
        self._conn, self._writer = context.Pipe(duplex=False)
        return Keeper(self._forwarded, self._writer, self._out)

    def started(self, process: BaseProcess | None) -> None:
        """After the fork (None: the first reader did not start)."""
        if self._writer is not None:
            self._writer.close()  # the child holds its own end: its exit ends the pipe
            self._writer = None
        if process is not None and self._conn is not None and self._out is not None:
            self.worker = EarlyIndexWorker(process, self._conn, self._out)
            self._conn = self._out = None  # the worker's now
        self._release()

    def _release(self) -> None:
        """Close what no worker took: our pipe ends and the memory the indexes would fill."""
        for end in (self._writer, self._conn):
            if end is not None:
                end.close()
        if self._out is not None:
            self._out.close()
        self._writer = self._conn = self._out = None

    def forward(self, n: int, read: Any) -> None:
        """File n was read here or by another reader: its JSON for the first reader."""
        if self._forwarded is not None:
            body = read[0] if read is not None else None
            self._forwarded.send(n, body if type(body) is bytes else None)

    def close(self) -> None:
        """Every file forwarded (the reader has its own mapping of the memory)."""
        if self._forwarded is not None:
            self._forwarded.close()
            self._forwarded = None

    def stop(self) -> None:
        """The load stopped early or failed: end the reader."""
        self.close()
        self._release()
        if self.worker is not None:
            self.worker.stop()
            self.worker = None


def _ints(raw: memoryview | bytes) -> Sequence[int]:
    """Unsigned 32-bit integers, read in place from the shared memory."""
    return memoryview(raw).cast("B").cast("I")
