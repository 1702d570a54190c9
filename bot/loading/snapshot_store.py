"""The whole checked and indexed fact base on disk, as data, so a restart skips the work.

Why: a restart with unchanged inputs would otherwise validate every item again, run every
cross-file check and rebuild the name index (seconds at 100k entities). The pickled snapshot
that did this ran code on load (issue 14.1), so this one is data only and cannot:

    MAGIC | body (the parts, each 8-byte aligned) | header (JSON) | header length (8 bytes)

The header, written last so the parts can be streamed to the file, names the snapshot key,
the body's CRC and where each part lies. The parts are records (one small JSON document
each, behind an offsets array: bot/loading/snapshot_records.py) and raw arrays and string
tables (the claim indexes, and the name index: bot/matching/serial.py). The file is
memory-mapped and stays mapped while the fact base restored from it serves: records are
decoded (and validated like any untrusted input) only when an answer shows them, and several
processes on one machine share the pages. No pickle, marshal or eval.

The key hashes the code (`code_version`), the match settings, the folders and every knowledge
file's content; each article file must be the very file (device, inode, size, mtime) the
snapshot was made from. Anything unexpected (another key, a bad CRC, a part out of bounds)
means "no snapshot": the normal load runs, so a damaged or forged file costs only speed; a
record damaged after that check fails to decode (`DamagedRecord`), never reads outside the
file. Folders and files follow the rules of `cache.DiskCache` (0700, this user's, writable by
no one else). Writes happen after a good load, in one background thread at a time, to a
temporary file renamed into place (a mapped file is never written again).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import mmap
import os
import stat
import sys
import tempfile
import threading
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path as FsPath
from typing import IO, Any

from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.cache import _private_dir, _untrusted, code_version
from bot.loading.snapshot_records import (
    article_stats,
    articles_unchanged,
    compact_kb,
    index_parts,
    record_chunks,
)
from bot.matching.decide import MatchSettings
from bot.matching.serial import matcher_from_parts, matcher_to_parts

log = logging.getLogger(__name__)

# Called by the writer once a snapshot is written, with its key and a weak reference to the
# fact base it was written from.
Written = Callable[[str, "weakref.ref[KnowledgeBase]"], None]

SNAPSHOT_FORMAT = 4  # 4: ids read in place, found by hashing (bot/knowledge/tables.py)
_MAGIC = b"factbot-snapshot/4\n\0\0\0\0\0"  # 24 bytes: the body starts 8-byte aligned
_PREFIX, _SUFFIX = "snapshot-", ".bin"
_MAX_HEADER = 1 << 26
_MAX_FILE = 1 << 36  # far above any fact base the loader accepts; refuse anything larger


def snapshot_key(
    knowledge_dir: FsPath, seeds_dir: FsPath, hashes: dict[str, str], settings: MatchSettings
) -> str:
    """What a snapshot depends on: code, settings, folders and every knowledge file's content
    (article files are compared on restore)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{SNAPSHOT_FORMAT}\0{code_version()}\0{settings!r}".encode())
    for folder in (knowledge_dir, seeds_dir):
        h.update(b"\0" + str(FsPath(folder).resolve()).encode("utf-8", "surrogatepass"))
    for name, digest in sorted(hashes.items()):
        h.update(f"\0{name}\0{digest}".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class _Body:
    """The body as it is written: offsets, lengths and the CRC of every byte."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f, self.size, self.crc = f, 0, 0
        self.layout: list[list[Any]] = []

    def write(self, raw: bytes | memoryview) -> None:
        self.f.write(raw)
        self.crc = zlib.crc32(raw, self.crc)
        self.size += len(raw)

    def part(self, name: str, chunks: Iterable[bytes | memoryview]) -> None:
        start = self.size
        for raw in chunks:
            self.write(raw)
        self.layout.append([name, start, self.size - start])
        if self.size % 8:
            self.write(bytes(8 - self.size % 8))


def _write_file(f: IO[bytes], key: str, kb: KnowledgeBase, seeds_dir: FsPath) -> None:
    """The whole file, part by part: only one record is held encoded at a time."""
    f.write(_MAGIC)
    body = _Body(f)
    for name, chunks, blob in record_chunks(kb):
        body.part(name, chunks)
        if blob is not None:
            body.part(name.replace(".blob", ".at"), (blob.at.tobytes(),))
    meta, arrays = index_parts(kb)
    for name, raw in arrays.items():
        body.part(f"claims/{name}", (raw,))
    index_meta, index_parts_ = matcher_to_parts(kb.matcher)
    for name, raw in index_parts_.items():
        body.part(f"index/{name}", raw() if callable(raw) else (raw,))
    meta["counts"] = [len(kb.entities), len(kb.claims), len(kb.articles)]
    meta["file_hashes"] = dict(kb.file_hashes)
    header = json.dumps(
        {
            "format": SNAPSHOT_FORMAT,
            "key": key,
            "records": meta,
            "index": index_meta,
            "articles": article_stats(kb, seeds_dir),
            "parts": body.layout,
            "body": body.size,
            "crc": body.crc,
        },
        ensure_ascii=False,
    ).encode("utf-8", "surrogatepass")
    f.write(header)
    f.write(len(header).to_bytes(8, "little"))


def _layout(header: Any, body: memoryview) -> dict[str, memoryview]:
    """The parts the header lays out, each checked to lie inside the body."""
    out: dict[str, memoryview] = {}
    for name, offset, length in header["parts"]:
        if not (isinstance(name, str) and type(offset) is int and type(length) is int):
            raise ValueError("not a part")
        if not 0 <= offset <= offset + length <= len(body) or name in out:
            raise ValueError("a part lies outside the file")
        out[name] = body[offset : offset + length]
    return out


def _crc(fd: int, start: int, length: int) -> int:
    """The CRC of a span of the file, read through the page cache (not mapped, so checking
    does not make every page resident in this process)."""
    crc, pos, end = 0, start, start + length
    while pos < end:
        chunk = os.pread(fd, min(1 << 20, end - pos), pos)
        if not chunk:
            raise ValueError("the file is shorter than its header says")
        crc = zlib.crc32(chunk, crc)
        pos += len(chunk)
    return crc


def _header(fd: int, size: int, key: str) -> dict[str, Any]:
    if size < len(_MAGIC) + 8 or os.pread(fd, len(_MAGIC), 0) != _MAGIC:
        raise ValueError("not a snapshot")
    length = int.from_bytes(os.pread(fd, 8, size - 8), "little")
    if not 0 < length <= min(_MAX_HEADER, size - len(_MAGIC) - 8):
        raise ValueError("the header's length is out of bounds")
    header = json.loads(os.pread(fd, length, size - 8 - length))
    if not isinstance(header, dict) or header.get("format") != SNAPSHOT_FORMAT:
        raise ValueError("another snapshot format")
    if header.get("key") != key:
        raise ValueError("another key")
    if header.get("body") != size - 8 - length - len(_MAGIC):
        raise ValueError("the file is not as long as its header says")
    if _crc(fd, len(_MAGIC), header["body"]) != header.get("crc"):
        raise ValueError("damaged: the checksum does not match")
    return header


def _decode(
    fd: int,
    size: int,
    key: str,
    seeds_dir: FsPath,
    settings: MatchSettings,
    loaded_by: str,
    loaded_at: dt.datetime | None = None,
) -> tuple[KnowledgeBase, Callable[[], None]]:
    """The snapshot in file `fd`, checked (see the module's docstring), and what maps its
    index pages in; the fact base keeps the file mapped for as long as it lives."""
    header = _header(fd, size, key)
    if not articles_unchanged(header.get("articles"), seeds_dir):
        raise ValueError("an article file changed")
    mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    body = memoryview(mapped)[len(_MAGIC) : len(_MAGIC) + header["body"]]
    parts = _layout(header, body)
    records = header.get("records")
    if not isinstance(records, dict):
        raise ValueError("not a snapshot")
    claim_parts = {k[7:]: v for k, v in parts.items() if k.startswith("claims/")}
    reader = _Reader(fd, {n: (len(_MAGIC) + at, size) for n, at, size in header["parts"]})
    kb = compact_kb({**parts, **claim_parts}, records, settings, loaded_by, reader.read, loaded_at)
    kb.adopt_index("article_stats", header.get("articles"))  # checked again on each reload
    index = {k[6:]: v for k, v in parts.items() if k.startswith("index/")}
    source = partial(reader.chunks, "index/")
    kb.adopt_index("matcher", matcher_from_parts(header.get("index"), index, settings, source))
    return kb, partial(_prefault, mapped, header["parts"])


# MADV_POPULATE_READ (Linux 5.14): map a range's pages now, as reading them would. Python
# 3.11's mmap module does not name it; elsewhere only read-ahead is asked for.
_POPULATE_READ = getattr(mmap, "MADV_POPULATE_READ", 22 if sys.platform == "linux" else None)


def _prefault(mapped: mmap.mmap, parts: list[list[Any]]) -> None:
    """Map in now the pages lookups read at random (the name index, id tables, index arrays),
    but not the records, which are read with pread when an answer shows them: otherwise the
    first lookups after a restart each take hundreds of page faults (at a million names,
    fuzzy p99 2.7 ms, 1.6-1.9 ms prefaulted). Costs resident, shared pages: 34 MB at 100k
    entities, 175 MB at 480k; and about 10 ms when the file is in the page cache."""
    advice = [a for a in (_POPULATE_READ, getattr(mmap, "MADV_WILLNEED", None)) if a is not None]
    page = mmap.PAGESIZE
    for name, at, length in parts:
        if name.endswith(".blob") or not length:
            continue
        start = (len(_MAGIC) + at) // page * page
        end = len(_MAGIC) + at + length
        while advice:
            try:
                mapped.madvise(advice[0], start, end - start)
                break
            except (OSError, ValueError):  # an older kernel: read-ahead at least, or nothing
                advice.pop(0)


class _Reader:
    """Reads parts of the snapshot file through the page cache, not the mapping: copying
    every record into a new snapshot through the mapping would make the whole file resident
    in this process. Keeps its own descriptor, closed when the last reader goes."""

    def __init__(self, fd: int, parts: dict[str, tuple[int, int]]) -> None:
        self._fd, self._parts = os.dup(fd), parts
        weakref.finalize(self, os.close, self._fd)

    def read(self, part: str, start: int, length: int) -> bytes:
        raw = os.pread(self._fd, length, self._parts[part][0] + start)
        if len(raw) != length:
            raise ValueError("the snapshot file is shorter than it was")
        return raw

    def chunks(self, prefix: str, part: str) -> Iterator[bytes]:
        """A whole part, a megabyte at a time."""
        size = self._parts[prefix + part][1]
        for start in range(0, size, 1 << 20):
            yield self.read(prefix + part, start, min(1 << 20, size - start))


class SnapshotStore:
    """Snapshots in `root`/snapshot/, the latest one kept; see the module's docstring."""

    def __init__(self, root: FsPath) -> None:
        self.root = FsPath(root)
        self.folder = self.root / "snapshot"
        self.rejected: str | None = None  # why the last read found no usable snapshot
        self._lock = threading.Lock()
        self._pending: tuple[str, KnowledgeBase, FsPath, Written | None] | None = None
        self._writer: threading.Thread | None = None

    def path(self, key: str) -> FsPath:
        return self.folder / f"{_PREFIX}{key}{_SUFFIX}"

    def _trusted_folders(self) -> bool:
        for folder in (self.root, self.folder):
            try:
                st = os.lstat(folder)
            except OSError:
                continue
            why = "it is not a folder" if not stat.S_ISDIR(st.st_mode) else _untrusted(st)
            if why:
                self.rejected = f"the snapshot folder {folder} is not used: {why}."
                log.warning("%s Remove it, or make it yours with chmod 700.", self.rejected)
                return False
        return True

    def read(
        self, key: str, seeds_dir: FsPath, settings: MatchSettings, loaded_by: str = "startup"
    ) -> KnowledgeBase | None:
        """The snapshot stored under `key`, checked; None if there is none or it is not usable.
        The fact base returned reads its records from the mapped file."""
        found = self.read_unmapped(key, seeds_dir, settings, loaded_by)
        if found is None:
            return None
        kb, map_in = found
        map_in()
        return kb

    def read_unmapped(
        self,
        key: str,
        seeds_dir: FsPath,
        settings: MatchSettings,
        loaded_by: str = "startup",
        loaded_at: dt.datetime | None = None,
    ) -> tuple[KnowledgeBase, Callable[[], None]] | None:
        """As `read`, but the pages lookups read at random are mapped in only when the function
        returned is called: after the fact base it replaces is let go of, so that the two are
        never resident at once. `loaded_at` (default now): when its knowledge was loaded."""
        self.rejected = None
        if not self._trusted_folders():
            return None
        try:
            fd = os.open(self.path(key), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            self.rejected = "no snapshot for these files and this code"
            return None
        try:
            st = os.fstat(fd)
            why = _untrusted(st)
            if why or not stat.S_ISREG(st.st_mode) or not 0 < st.st_size <= _MAX_FILE:
                raise ValueError(why or "not a snapshot file")
            return _decode(fd, st.st_size, key, seeds_dir, settings, loaded_by, loaded_at)
        except Exception as exc:  # whatever is wrong with it, it is not used
            self.rejected = f"the snapshot is not used: {type(exc).__name__}: {exc}"[:300]
            log.info("%s", self.rejected)
            return None
        finally:
            os.close(fd)  # the mapping, if any, outlives the descriptor

    # -------------------------------------------------------------------------- writing

    def write(self, key: str, kb: KnowledgeBase, seeds_dir: FsPath) -> bool:
        """Store `kb` under `key` (write aside, then rename), the older snapshots removed.
        Any error means only that there is no snapshot for the next start."""
        try:
            _private_dir(self.folder)
            if not self._trusted_folders():
                return False
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=_SUFFIX)
            try:
                with os.fdopen(fd, "wb") as f:
                    _write_file(f, key, kb, seeds_dir)
                os.replace(tmp, self.path(key))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except (OSError, ValueError, TypeError) as exc:
            log.info("no snapshot kept: %s", exc)
            return False
        self._prune(key)
        return True

    def _prune(self, keep: str) -> None:
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.folder):
                stale = entry.name.startswith(_PREFIX) or entry.name.startswith(".tmp-")
                if stale and entry.name != self.path(keep).name:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)

    def keep_kb(
        self,
        knowledge_dir: FsPath,
        seeds_dir: FsPath,
        kb: KnowledgeBase,
        then: Written | None = None,
    ) -> None:
        """Keep a snapshot just loaded clean (and indexed) for the next start."""
        key = snapshot_key(knowledge_dir, seeds_dir, dict(kb.file_hashes), kb.match_settings)
        self.keep(key, kb, seeds_dir, then)

    def keep(
        self, key: str, kb: KnowledgeBase, seeds_dir: FsPath, then: Written | None = None
    ) -> None:
        """Write `kb` in the background; one writer at a time, and only the latest of the
        snapshots asked for meanwhile is written after the current one. Once it is written,
        the writer calls `then(key, weakref.ref(kb))`."""
        with self._lock:
            self._pending = (key, kb, seeds_dir, then)
            if self._writer is not None:
                return  # the running writer takes it next
            self._writer = threading.Thread(target=self._drain, name="snapshot-writer")
            self._writer.start()

    def _drain(self) -> None:
        while True:
            with self._lock:
                job, self._pending = self._pending, None
                if job is None:
                    self._writer = None
                    return
            key, kb, seeds_dir, then = job
            job = None
            written = self.write(key, kb, seeds_dir)
            # `then` gets a weak reference: the writer holds `kb` no longer than it writes.
            ref = weakref.ref(kb)
            del kb
            if written and then is not None:
                try:
                    then(key, ref)
                except Exception:  # never the writer's end: the next snapshot still gets written
                    log.exception("after writing the snapshot")

    def wait(self, timeout: float | None = None) -> None:
        """Wait until the snapshots asked for are written (tests, benchmarks)."""
        writer = self._writer
        if writer is not None:
            writer.join(timeout)
