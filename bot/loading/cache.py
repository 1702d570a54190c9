"""Caches of parsed files: in memory between loads (`LoadCache`) and on disk between runs
(`DiskCache`), keyed by content hash and the version of the code that parsed them.

The disk cache is data, never code: an entry is the JSON of the items' positions and the
JSON of the plain data the fast YAML path built (strings, numbers, lists, mappings), the very
bytes a fresh parse validated; reading it runs the same pydantic validation on them, so a
forged entry can at worst be refused. Only folders and entries owned by this user and
writable by no one else are read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
import sys
import tempfile
import time
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path as FsPath
from typing import Any

import pydantic
import yaml

from bot.knowledge.dates import DateValue
from bot.knowledge.model import Article, Claim, Entity
from bot.knowledge.snapshot import ArticleInfo, Fact
from bot.loading import yamlsource
from bot.loading.files import read_open
from bot.loading.parse import _FILE, ParsedFile, _ItemDoc, _items
from bot.loading.yamlsource import Path

log = logging.getLogger(__name__)


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
    labels: dict[str, tuple[Entity, tuple[tuple[str, str] | None, ...]]] = field(
        default_factory=dict
    )
    # Whole files: the entity files of a clean entity check (and what it found), and per
    # claims file the facts of a clean check with the entities and articles it relied on.
    entity_state: tuple = ()
    entity_signature: tuple = ()
    claim_files: dict[int, tuple] = field(default_factory=dict)

    def get(self, digest: str) -> ParsedFile | None:
        return self.files.get(digest)

    def keep(self, live: dict[str, ParsedFile]) -> None:
        self.files = live


CACHE_FORMAT = 3
_MAGIC = b"factbot-cache/3\n"
_BOT = FsPath(__file__).resolve().parents[1]
# The packages the parsed data and everything built from it depend on.
_CORE_PACKAGES = ("knowledge", "loading", "matching")
# An entry holds one file's data as JSON: allow for JSON's escapes, refuse anything larger.
_MAX_ENTRY_BYTES = 4 * yamlsource.MAX_FILE_BYTES + (1 << 20)


@cache
def code_version() -> str:
    """What a cached file's content depends on besides the file itself: the versions of
    Python and the libraries, and every module of the core (bot/knowledge, bot/loading,
    bot/matching), so any change to the code that reads, checks or indexes refuses the cache."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{CACHE_FORMAT} {sys.version} {pydantic.VERSION} {yaml.__version__}".encode())
    for package in _CORE_PACKAGES:
        for source in sorted((_BOT / package).rglob("*.py")):
            name = source.relative_to(_BOT).as_posix()
            h.update(name.encode() + b"\0" + source.read_bytes())
    return h.hexdigest()


def _uid() -> int | None:
    return os.geteuid() if hasattr(os, "geteuid") else None


def _untrusted(st: os.stat_result) -> str | None:
    """Why a cache folder or entry with this status must not be read, or None."""
    uid = _uid()
    if uid is not None and st.st_uid != uid:
        return f"it belongs to user {st.st_uid}, not to this user ({uid})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"others may write it (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def _private_dir(path: FsPath) -> None:
    """Create `path` (and the parents it lacks) as folders only this user may enter."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
            os.chmod(folder, 0o700)  # whatever the umask


def _payload(body: bytes, doc: _ItemDoc) -> bytes:
    """The entry: the positions' JSON (one line: JSON escapes every newline in a string),
    a newline, and the data's JSON as `parse.parse_file` validated it, not encoded again."""
    marks = {section: list(where) for section, where in doc.marks.items()}
    top = [[list(path), line, col] for path, (line, col) in doc.top.items()]
    head = json.dumps({"marks": marks, "top": top}, ensure_ascii=True).encode("ascii")
    return b"".join((head, b"\n", body))


def _int(value: Any) -> int:
    if type(value) is not int or not 0 <= value < 1 << 32:
        raise ValueError("not a position")
    return value


def _positions(entry: Any) -> tuple[dict[str, array], dict[Path, tuple[int, int]]]:
    """The items' positions of an entry, checked to be what `_payload` writes."""
    if not isinstance(entry, dict) or set(entry) != {"marks", "top"}:
        raise ValueError("not an entry")
    marks = {}
    for section, where in entry["marks"].items():
        marks[section] = array("I", [_int(v) for v in where])
    top: dict[Path, tuple[int, int]] = {}
    for path, line, col in entry["top"]:
        if not all(type(p) in (str, int) for p in path):
            raise ValueError("not a path")
        top[tuple(path)] = (_int(line), _int(col))
    return marks, top


class DiskCache:
    """Parsed files on disk, one entry per file, keyed by content hash + code version.

    An entry is `MAGIC, key, checksum, positions JSON, newline, data JSON`: it is used only
    if the key is the one this file and this code would have and the checksum matches (a
    crash mid-write, a bad disk), and its data passes the same validation as a fresh parse.
    Only clean files are stored; writes are atomic (a temporary file renamed into place);
    any error reading or writing just means "no cache". Folders are created 0700; a folder
    or entry owned by another user or writable by others is not read (a warning says why).
    """

    def __init__(self, folder: FsPath) -> None:
        self.root = FsPath(folder)
        self.folder = self.root / "files"
        self.hits = self.misses = self.rejected = 0
        self._refused: str | None = None
        self._checked = False

    def _key(self, digest: str) -> str:
        return hashlib.blake2b(f"{code_version()} {digest}".encode(), digest_size=20).hexdigest()

    def _path(self, key: str) -> FsPath:
        return self.folder / f"{key}.json"

    def usable(self) -> bool:
        """Whether the cache folders may be read and written; checked once per cache."""
        if not self._checked:
            self._checked = True
            for folder in (self.root, self.folder):
                try:
                    st = os.lstat(folder)
                except OSError:
                    continue  # not there yet: created private when first written
                why = "it is not a folder" if not stat.S_ISDIR(st.st_mode) else _untrusted(st)
                if why:
                    self._refused = f"the cache folder {folder} is not used: {why}."
                    log.warning("%s Remove it, or make it yours with chmod 700.", self._refused)
                    break
        return self._refused is None

    def _read(self, key: str) -> bytes:
        """The entry's payload; KeyError if there is none, ValueError if it is not trusted."""
        try:
            fd = os.open(self._path(key), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            raise KeyError(key) from None
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            why = _untrusted(st)
            if why or not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_ENTRY_BYTES:
                raise ValueError(why or "not a cache entry")
            blob = read_open(f, _MAX_ENTRY_BYTES)
        head = len(_MAGIC) + 40
        if blob[: len(_MAGIC)] != _MAGIC or blob[len(_MAGIC) : head] != key.encode():
            raise ValueError("not this entry")
        checksum, payload = blob[head : head + 32], blob[head + 32 :]
        if hashlib.blake2b(payload, digest_size=16).hexdigest().encode() != checksum:
            raise ValueError("damaged")
        return payload

    def _write(self, key: str, payload: bytes) -> None:
        checksum = hashlib.blake2b(payload, digest_size=16).hexdigest().encode()
        try:
            _private_dir(self.folder)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_MAGIC + key.encode() + checksum + payload)
                os.replace(tmp, self._path(key))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except (OSError, ValueError):
            pass  # a read-only or full disk, data JSON cannot hold: run without the cache

    def get(self, digest: str, name: str, source: FsPath) -> ParsedFile | None:
        if not self.usable():
            self.misses += 1
            return None
        try:
            head, newline, body = self._read(self._key(digest)).partition(b"\n")
            if not newline:
                raise ValueError("not an entry")
            marks, top = _positions(json.loads(head))
            parsed = _FILE.validate_json(body)
        except KeyError:
            self.misses += 1
            return None
        except Exception:  # whatever is wrong with it, it is not trusted
            self.rejected += 1
            return None
        doc = _ItemDoc(name, marks, top, source, digest)
        self.hits += 1
        return ParsedFile(doc, _items(doc, parsed), [])

    def put(self, digest: str, pf: ParsedFile, body: bytes | None) -> None:
        """Keep a clean file's plain data for the next start: the JSON of what the fast path
        built, which `parse.parse_file` gives only if it validated those very bytes."""
        doc = pf.doc
        if pf.problems or not isinstance(doc, _ItemDoc) or body is None or not self.usable():
            return
        self._write(self._key(digest), _payload(body, doc))

    def prune(self, digests: Iterable[str], older_than: float = 86_400.0) -> int:
        """Remove entries this load did not use that are older than `older_than` seconds,
        and what earlier versions left (pickled entries are never read)."""
        if not self.usable():
            return 0
        keep = {f"{self._key(d)}.json" for d in digests}
        now, removed = time.time(), 0
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return 0
        for entry in entries:
            if entry.name in keep:
                continue
            with contextlib.suppress(OSError):
                old = entry.name.endswith(".pkl")
                if old or now - entry.stat(follow_symlinks=False).st_mtime > older_than:
                    os.unlink(entry.path)
                    removed += 1
        return removed
