"""Caches of parsed files: in memory between loads (`LoadCache`) and on disk between runs
(`DiskCache`), keyed by content hash and the version of the code that parsed them."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path as FsPath
from typing import Any

import yaml

from bot.knowledge.dates import DateValue
from bot.knowledge.model import Article, Claim, Entity
from bot.knowledge.snapshot import ArticleInfo, Fact, KnowledgeBase
from bot.loading.parse import _ITEM, _MODEL, Item, ParsedFile, _ItemDoc
from bot.matching.matcher import MatchSettings


@dataclass
class LoadCache:
    """Parsed files by content hash, so a one-file edit re-parses one file.

    With `disk` set, clean files are also kept on disk (`DiskCache`), so the next process
    starts without parsing anything that has not changed.
    """

    files: dict[str, ParsedFile] = field(default_factory=dict)
    disk: DiskCache | None = None
    # What the last load's cross-file checks made of their input, reused by the next load
    # where the input is the same: parsed dates, articles (with their text) by id, and
    # facts (with the articles they cite) by claim id.
    dates: dict[tuple[str, DateValue | None], DateValue | str] = field(default_factory=dict)
    articles: dict[str, tuple[Article, bytes, ArticleInfo]] = field(default_factory=dict)
    facts: dict[str, tuple[Claim, tuple[ArticleInfo | None, ...], Fact]] = field(
        default_factory=dict
    )
    labels: dict[str, tuple[Entity, tuple[str | None, ...]]] = field(default_factory=dict)
    # Whole files: the entity files of a clean entity check (and what it found), and per
    # claims file the facts of a clean check with the entities and articles it relied on.
    entity_state: tuple = ()
    entity_signature: tuple = ()
    claim_files: dict[int, tuple] = field(default_factory=dict)

    def get(self, digest: str) -> ParsedFile | None:
        return self.files.get(digest)

    def keep(self, live: dict[str, ParsedFile]) -> None:
        self.files = live


CACHE_FORMAT = 1
_MAGIC = b"factbot-cache/1\n"
_BOT = FsPath(__file__).resolve().parents[1]
# What parsing and validating one file depends on, relative to the `bot` package.
_CODE_FILES = (
    "knowledge/model.py",
    "knowledge/dates.py",
    "loading/files.py",
    "loading/fastpath.py",
    "loading/parse.py",
    "loading/yamlsource.py",
    "loading/schema_errors.py",
)
# The packages a whole snapshot (checks, dates, names, indexes) is built by.
_CORE_PACKAGES = ("knowledge", "loading", "matching")


@cache
def code_version() -> str:
    """What a cached file's validated content depends on besides the file itself."""
    h = hashlib.blake2b(digest_size=16)
    import pydantic

    h.update(f"{CACHE_FORMAT} {sys.version} {pydantic.VERSION} {yaml.__version__}".encode())
    for name in _CODE_FILES:
        h.update(name.encode() + b"\0" + (_BOT / name).read_bytes())
    return h.hexdigest()


@cache
def snapshot_version() -> str:
    """What a whole checked and indexed snapshot depends on besides its input files: every
    module of the core (the checks, dates, names and indexes), not only the parsing ones."""
    h = hashlib.blake2b(code_version().encode(), digest_size=16)
    for package in _CORE_PACKAGES:
        for source in sorted((_BOT / package).rglob("*.py")):
            name = source.relative_to(_BOT).as_posix()
            h.update(name.encode() + b"\0" + source.read_bytes())
    return h.hexdigest()


def snapshot_key(
    knowledge_dir: FsPath, seeds_dir: FsPath, hashes: dict[str, str], settings: MatchSettings
) -> str:
    """The key of the snapshot these files make; the article texts are checked on use."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{snapshot_version()}\0{settings!r}\0{knowledge_dir.resolve()}".encode())
    h.update(f"\0{seeds_dir.resolve()}".encode("utf-8", "surrogatepass"))
    for name, digest in sorted(hashes.items()):
        h.update(f"\0{name}\0{digest}".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


_SNAPSHOT_PREFIX = "snapshot-"


class _Hashing:
    """A write-only file that also hashes what goes through it."""

    def __init__(self, f: Any) -> None:
        self.f, self.digest = f, hashlib.blake2b(digest_size=16)

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.f.write(data)


def _write_stream(f: Any, key: str, value: Any) -> None:
    """An entry in the `DiskCache` format, pickled straight into the file (no bytes copy):
    a blank checksum first, filled in once the payload is written."""
    f.write(_MAGIC + key.encode() + b"0" * 32)
    sink = _Hashing(f)
    pickle.dump(value, sink, protocol=pickle.HIGHEST_PROTOCOL)
    f.seek(len(_MAGIC) + len(key))
    f.write(sink.digest.hexdigest().encode())


class DiskCache:
    """Validated files on disk, one entry per file, keyed by content hash + code version.

    An entry is `MAGIC, key, checksum, pickle`: it is used only if the key is the one this
    file and this code would have, and the payload's checksum matches, so a stale entry (the
    file or the code changed) or a damaged one (a crash mid-write, a bad disk) is ignored
    and the file is parsed again. Only clean files are stored; writes are atomic (a
    temporary file renamed into place); any error reading or writing just means "no cache".
    The folder is trusted like the code: only the bot writes it (it is git-ignored).
    """

    def __init__(self, folder: FsPath) -> None:
        self.folder = FsPath(folder) / "files"
        self.hits = self.misses = self.rejected = 0

    def _key(self, digest: str) -> str:
        return hashlib.blake2b(f"{code_version()} {digest}".encode(), digest_size=20).hexdigest()

    def _path(self, key: str) -> FsPath:
        return self.folder / f"{key}.pkl"

    def _read(self, key: str) -> Any:
        """The entry's object; KeyError if there is none, ValueError if it is not trusted."""
        try:
            blob = self._path(key).read_bytes()
        except OSError:
            raise KeyError(key) from None
        head = len(_MAGIC) + 40
        if blob[: len(_MAGIC)] != _MAGIC or blob[len(_MAGIC) : head] != key.encode():
            raise ValueError("not this entry")
        checksum, payload = blob[head : head + 32], blob[head + 32 :]
        if hashlib.blake2b(payload, digest_size=16).hexdigest().encode() != checksum:
            raise ValueError("damaged")
        return pickle.loads(payload)

    def _write(self, key: str, value: Any) -> None:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        checksum = hashlib.blake2b(payload, digest_size=16).hexdigest().encode()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".pkl")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_MAGIC + key.encode() + checksum + payload)
                os.replace(tmp, self._path(key))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            pass  # a read-only or full disk: run without the cache

    def get(self, digest: str, name: str, source: FsPath) -> ParsedFile | None:
        key = self._key(digest)
        try:
            sections, marks, top = self._read(key)
            doc = _ItemDoc(name, marks, top, source, digest)
            items = {
                section: [Item(model, doc, (section, i)) for i, model in enumerate(models)]
                for section, models in sections.items()
            }
            if set(items) != set(_ITEM) or not all(
                isinstance(m.model, _MODEL[s]) for s, its in items.items() for m in its
            ):
                raise ValueError("unexpected content")
        except KeyError:
            self.misses += 1
            return None
        except Exception:  # whatever is wrong with it, it is not trusted
            self.rejected += 1
            return None
        self.hits += 1
        return ParsedFile(doc, items, [])

    def _dates_key(self) -> str:
        source = (_BOT / "knowledge" / "dates.py").read_bytes()
        return hashlib.blake2b(code_version().encode() + source, digest_size=20).hexdigest()

    def get_dates(self) -> dict[tuple[str, DateValue | None], DateValue | str]:
        """Dates parsed by earlier loads: parse_date is a pure function of text and context."""
        try:
            dates = self._read(self._dates_key())
            if not isinstance(dates, dict) or not all(
                isinstance(v, DateValue | str) for v in dates.values()
            ):
                raise ValueError("unexpected content")
        except Exception:
            return {}
        return dates

    def put_dates(self, dates: dict[tuple[str, DateValue | None], DateValue | str]) -> None:
        self._write(self._dates_key(), dates)

    def put(self, digest: str, pf: ParsedFile) -> None:
        doc = pf.doc
        if pf.problems or not isinstance(doc, _ItemDoc):
            return
        sections = {s: [item.model for item in items] for s, items in pf.items.items()}
        self._write(self._key(digest), (sections, doc.marks, doc.top))

    def _snapshot_path(self, key: str) -> FsPath:
        return self.folder / f"{_SNAPSHOT_PREFIX}{key}.pkl"

    def get_snapshot(self, key: str, seeds_dir: FsPath) -> tuple[KnowledgeBase, LoadCache] | None:
        """The snapshot these inputs made last time, with the memos a reload needs, or None.

        The key covers the code, the settings and every knowledge file; the article texts
        are read again here and must hash as they did when the snapshot was checked.
        """
        try:
            kb, memo = self._read_stream(key, self._snapshot_path(key))
            if not isinstance(kb, KnowledgeBase) or not isinstance(memo, LoadCache):
                raise ValueError("unexpected content")
            for article, text_hash, _info in memo.articles.values():
                text = (seeds_dir / article.file).read_text(encoding="utf-8")
                digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
                if digest.digest() != text_hash:
                    return None  # an article text changed: the quotes must be checked again
        except KeyError:
            return None
        except Exception:  # a stale, damaged or unreadable snapshot: load file by file
            self.rejected += 1
            return None
        return kb, memo

    def put_snapshot(self, key: str, kb: KnowledgeBase, memo: LoadCache) -> None:
        """Keep this snapshot (and only this one: they are large) for the next start."""
        state = dataclasses.replace(memo, disk=None)
        path = self._snapshot_path(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".pkl")
            try:
                with os.fdopen(fd, "wb") as f:
                    _write_stream(f, key, (kb, state))
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            for entry in os.scandir(self.folder):
                if entry.name.startswith(_SNAPSHOT_PREFIX) and entry.name != path.name:
                    os.unlink(entry.path)
        except Exception:  # a read-only or full disk, something unpicklable: it is only a cache
            self.rejected += 1  # (the next start loads file by file)

    def _read_stream(self, key: str, path: FsPath) -> Any:
        """Like `_read`, for entries too large to hold as one bytes object besides their
        content: the checksum is taken in chunks, then the payload unpickled from the file."""
        try:
            f = path.open("rb")
        except OSError:
            raise KeyError(key) from None
        with f:
            head = f.read(len(_MAGIC) + 40 + 32)
            if head[: len(_MAGIC)] != _MAGIC or head[len(_MAGIC) : -32] != key.encode():
                raise ValueError("not this entry")
            digest = hashlib.blake2b(digest_size=16)
            while chunk := f.read(1 << 20):
                digest.update(chunk)
            if digest.hexdigest().encode() != head[-32:]:
                raise ValueError("damaged")
            f.seek(len(head))
            return pickle.load(f)

    def prune(self, digests: Iterable[str], older_than: float = 86_400.0) -> int:
        """Remove entries this load did not use that are older than `older_than` seconds."""
        keep = {f"{self._key(d)}.pkl" for d in digests} | {f"{self._dates_key()}.pkl"}
        now, removed = time.time(), 0
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return 0
        for entry in entries:
            if entry.name in keep or entry.name.startswith(_SNAPSHOT_PREFIX):
                continue  # the one snapshot is replaced by the next (`put_snapshot`)
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > older_than:
                    os.unlink(entry.path)
                    removed += 1
        return removed
