"""Load knowledge/*.yaml and seeds/*.txt into a validated KnowledgeBase, or say what is wrong.

Every problem is collected (all files, all items) and located by file, line and column, so
an editor fixes everything in one pass. A load that finds any problem returns no snapshot:
the caller keeps serving the last good one.

Speed at 100k entities (see docs/performance.md): each file is parsed on a fast path (libyaml
events straight into plain data, keeping only each item's line) and validated in one pydantic
call; only a file with a problem goes through the slow path that records every value's
position (loading/yamlsource.py), so its messages name line and column. Parsed and validated files
are cached by content hash in memory (`LoadCache`: a one-file edit re-parses one file) and on
disk (`DiskCache`: a restart re-parses nothing). The cross-file checks run on every load.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import difflib
import gc
import hashlib
import os
import pickle
import sys
import tempfile
import time
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path as FsPath
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from bot.knowledge.articles import _QUOTE_FOLD, find_paragraph, split_paragraphs
from bot.knowledge.dates import DateError, DateValue, parse_date
from bot.knowledge.model import Article, Claim, Entity, EntityType, KnowledgeFile
from bot.knowledge.names import fold
from bot.knowledge.snapshot import ArticleInfo, Citation, Fact, KnowledgeBase, Origin
from bot.loading import yamlsource
from bot.loading.schema_errors import validation_problems
from bot.loading.yamlsource import Path, Problem, SourceDoc, read_yaml
from bot.matching.decide import MatchSettings

_FILE = TypeAdapter(KnowledgeFile)
_ITEM: dict[str, TypeAdapter[Any]] = {
    "articles": TypeAdapter(Article),
    "entities": TypeAdapter(Entity),
    "claims": TypeAdapter(Claim),
}


class Item:
    """A validated item and where it sits in its file."""

    __slots__ = ("doc", "model", "path")

    def __init__(self, model: Any, doc: SourceDoc, path: Path) -> None:
        self.model = model
        self.doc = doc
        self.path = path

    def problem(self, message: str, *sub: str | int) -> Problem:
        return self.doc.problem((*self.path, *sub), message)

    @property
    def origin(self) -> Origin:
        return Origin(self.doc.file, self.doc.where(self.path)[0])


class _ItemDoc(SourceDoc):
    """A file read on the fast path: only each item's position is kept.

    Positions below an item (a claim's quote, an alias) are needed only for a problem's
    message; the first time one is asked for, the file is read again on the slow path, which
    records all of them. If the file has changed on disk since, the item's line is given.
    """

    def __init__(
        self,
        file: str,
        marks: dict[str, array],
        top: dict[Path, tuple[int, int]],
        source: FsPath | None,
        digest: str,
    ) -> None:
        super().__init__(file=file, data=None)
        self.marks = marks  # section -> line0, col0, line1, col1, ... (one pair per item)
        self.top = top  # positions of the root and the sections
        self.source = source
        self.digest = digest
        self.full: SourceDoc | None = None

    def where(self, path: Path) -> tuple[int | None, int | None]:
        if len(path) > 2 and self.full is None and self.source is not None:
            self.full = _reread(self.file, self.source, self.digest)
            self.source = None  # try once
        if self.full is not None:
            return self.full.where(path)
        if len(path) >= 2 and isinstance(path[1], int):
            marks = self.marks.get(path[0])  # type: ignore[arg-type]
            if marks is not None and 0 <= 2 * path[1] < len(marks):
                return marks[2 * path[1]], marks[2 * path[1] + 1]
        for cut in (path[:1], ()):
            if cut in self.top:
                return self.top[cut]
        return (None, None)


def _reread(name: str, source: FsPath, digest: str) -> SourceDoc | None:
    try:
        raw = source.read_bytes()
    except OSError:
        return None
    if _digest(raw, name) != digest:
        return None
    doc = read_yaml(name, raw)
    return doc if not doc.problems else None


@dataclass
class ParsedFile:
    """One file's parse and schema validation, cached by content hash."""

    doc: SourceDoc
    items: dict[str, list[Item]]
    problems: list[Problem]


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


@dataclass(frozen=True)
class LoadResult:
    kb: KnowledgeBase | None
    problems: tuple[Problem, ...]
    files: tuple[str, ...]
    parsed_files: int = 0  # files not in the in-memory cache: parsed, or read from disk
    cached_files: int = 0  # of those, files read from the disk cache (not parsed)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    # Set when this load should be kept whole on disk (a fresh start that did not come from
    # a snapshot): the key to store it under once its indexes are built (`put_snapshot`).
    snapshot_key: str | None = None
    from_snapshot: bool = False

    @property
    def ok(self) -> bool:
        return self.kb is not None and not self.problems


def _parse_file(
    name: str, raw: bytes, source: FsPath | None = None, digest: str = ""
) -> ParsedFile:
    """Parse and validate one file: the fast path if it is clean, else the slow one."""
    fast = _fast_read(raw)
    if fast is not None:
        data, marks, top = fast
        try:
            parsed = _FILE.validate_python(data)
        except ValidationError:
            pass  # the slow path below says what is wrong, with positions
        else:
            doc = _ItemDoc(name, marks, top, source, digest)
            return ParsedFile(doc, _items(doc, parsed), [])
    return _parse_file_slow(name, raw)


# ------------------------------------------------------------------------------------------
# Memory: a validated item is a pydantic model, and at 100k items their bookkeeping dominates.
# Every model carries its own `__pydantic_fields_set__` set (700 bytes for a claim); models
# with the same fields set can share one (pydantic copies it before changing it, and frozen
# models are never changed). Ids repeated across items (a claim's subject is an entity's id)
# are interned, so each is one string, also in the disk cache (pickle keeps shared objects).

_SHARED_FIELDS: dict[tuple[type, frozenset[str]], set[str]] = {}
_ID_FIELDS = ("id", "subject", "predicate", "object", "place", "article", "outlet", "type")


def _compact(model: Any) -> None:
    fields = model.__pydantic_fields_set__
    key = (type(model), frozenset(fields))
    shared = _SHARED_FIELDS.get(key)
    if shared is None:
        shared = _SHARED_FIELDS[key] = set(fields)
    object.__setattr__(model, "__pydantic_fields_set__", shared)
    values = model.__dict__
    for name in _ID_FIELDS:
        value = values.get(name)
        if type(value) is str:
            values[name] = sys.intern(value)  # the same value: invisible to everyone
    for name in ("mentions", "part_of"):
        ids = values.get(name)
        if ids:
            ids[:] = [sys.intern(i) for i in ids]
    for ref in values.get("references", ()):
        _compact(ref)
        if ref.cites is not None:
            _compact(ref.cites)


def _items(doc: SourceDoc, parsed: KnowledgeFile) -> dict[str, list[Item]]:
    for section in _ITEM:
        for model in getattr(parsed, section):
            _compact(model)
    return {
        section: [
            Item(model, doc, (section, i)) for i, model in enumerate(getattr(parsed, section))
        ]
        for section in _ITEM
    }


def _parse_file_slow(name: str, raw: bytes) -> ParsedFile:
    doc = read_yaml(name, raw)
    problems = list(doc.problems)
    items: dict[str, list[Item]] = {k: [] for k in _ITEM}
    if problems:
        return ParsedFile(doc, items, problems)
    data = doc.data
    if not isinstance(data, dict):
        problems.append(
            doc.problem(
                (),
                "a knowledge file must be a mapping with the sections "
                "articles:, entities: and/or claims:.",
            )
        )
        return ParsedFile(doc, items, problems)
    try:
        parsed = _FILE.validate_python(data)
    except ValidationError as exc:
        return _parse_items(doc, exc)
    return ParsedFile(doc, _items(doc, parsed), problems)


# ------------------------------------------------------------------------------------------
# The fast path: libyaml's events straight into plain data.
#
# It accepts only what the slow path (yamlsource.read_yaml) would accept without a problem,
# and builds the same data: the same tag resolution and scalar conversion, no anchors, no
# explicit tags, no duplicate keys, no FIXME, the same depth and size limits. Anything else
# returns None and the slow path reads the file and reports it. tests/test_bench.py checks
# that both paths give the same data.


class _Slow(Exception):
    """The fast path declines this file."""


_EV = yaml.events
_SCALAR, _SEQ, _MAP = _EV.ScalarEvent, _EV.SequenceStartEvent, _EV.MappingStartEvent
_SEQ_END, _MAP_END = _EV.SequenceEndEvent, _EV.MappingEndEvent
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAX_NODES = getattr(yamlsource, "MAX_NODES", 1 << 62)


@cache
def _resolver() -> tuple[Callable[..., str], frozenset[str]]:
    loader = yamlsource._Loader("")
    firsts = loader.yaml_implicit_resolvers
    if None in firsts:  # pragma: no cover - a resolver for any first character
        return loader.resolve, frozenset()
    return loader.resolve, frozenset(k for k in firsts if k)


def _fast_read(raw: bytes) -> tuple[Any, dict[str, array], dict[Path, tuple[int, int]]] | None:
    """(data, item positions, root and section positions), or None for the slow path."""
    if len(raw) > yamlsource.MAX_FILE_BYTES:
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    loader = yamlsource._Loader(text)
    try:
        return _FastBuilder(loader).document()
    except (_Slow, yaml.YAMLError, RecursionError, ValueError):
        return None
    finally:
        loader.dispose()


class _FastBuilder:
    __slots__ = ("count", "firsts", "get", "resolve")

    def __init__(self, loader: Any) -> None:
        self.get = loader.get_event
        self.resolve, self.firsts = _resolver()
        self.count = 0

    def document(self) -> tuple[Any, dict[str, array], dict[Path, tuple[int, int]]]:
        get = self.get
        get()  # StreamStart
        event = get()
        if isinstance(event, _EV.StreamEndEvent):
            return {}, {}, {}
        if not isinstance(event, _EV.DocumentStartEvent):
            raise _Slow
        event = get()
        if isinstance(event, _EV.DocumentEndEvent):  # pragma: no cover - libyaml adds a null
            raise _Slow
        marks: dict[str, array] = {}
        top: dict[Path, tuple[int, int]] = {(): _mark(event)}
        if type(event) is _MAP and event.anchor is None and event.tag is None:
            data = self.root(event, marks, top)
        else:
            data = self.value(event, 0)
        if not isinstance(get(), _EV.DocumentEndEvent):  # pragma: no cover
            raise _Slow
        if not isinstance(get(), _EV.StreamEndEvent):
            raise _Slow  # a second document: the slow path explains
        return data, marks, top

    def root(
        self, event: Any, marks: dict[str, array], top: dict[Path, tuple[int, int]]
    ) -> dict[str, Any]:
        """The top mapping; the positions of its sections' items are kept."""
        self.count += 1
        out: dict[str, Any] = {}
        get = self.get
        while True:
            key = get()
            if type(key) is _MAP_END:
                return out
            name = self.key(key, out)
            event = get()
            top[(name,)] = _mark(event)
            if type(event) is _SEQ and event.anchor is None and event.tag is None:
                self.count += 1
                items: list[Any] = []
                where = marks[name] = array("I")
                while True:
                    event = get()
                    if type(event) is _SEQ_END:
                        break
                    mark = event.start_mark
                    where.append(mark.line + 1)
                    where.append(mark.column + 1)
                    items.append(self.value(event, 2))
                out[name] = items
            else:
                out[name] = self.value(event, 1)

    def key(self, event: Any, out: dict[str, Any]) -> str:
        if type(event) is not _SCALAR or event.anchor is not None or event.tag is not None:
            raise _Slow
        self.count += 1
        name = event.value
        if (event.implicit[0] and name[:1] in self.firsts) and (
            self.resolve(yaml.ScalarNode, name, event.implicit) == _MERGE_TAG
        ):
            raise _Slow
        if name in out:
            raise _Slow
        return name

    def value(self, event: Any, depth: int) -> Any:
        kind = type(event)
        if event.anchor is not None or depth > yamlsource.MAX_DEPTH:
            raise _Slow
        self.count += 1
        if self.count > _MAX_NODES:
            raise _Slow
        if kind is _SCALAR:
            if event.tag is not None:
                raise _Slow
            value = event.value
            if event.implicit[0] and (value[:1] in self.firsts or not value):
                return _convert(self.resolve(yaml.ScalarNode, value, event.implicit), value)
            if "FIXME" in value:
                raise _Slow
            return value
        if event.tag is not None:
            raise _Slow
        get = self.get
        if kind is _SEQ:
            items = []
            while True:
                event = get()
                if type(event) is _SEQ_END:
                    return items
                items.append(self.value(event, depth + 1))
        if kind is _MAP:
            out: dict[str, Any] = {}
            while True:
                event = get()
                if type(event) is _MAP_END:
                    return out
                name = self.key(event, out)
                out[name] = self.value(get(), depth + 1)
        raise _Slow  # an alias


def _convert(tag: str, value: str) -> Any:
    """A plain scalar's value, exactly as yamlsource's builder converts it."""
    if tag not in yamlsource._SCALAR_TAGS:
        raise _Slow
    if not tag.endswith((":str", ":timestamp")):
        return yamlsource.scalar_value(tag, value)
    if "FIXME" in value:
        raise _Slow
    return value


def _mark(event: Any) -> tuple[int, int]:
    return (event.start_mark.line + 1, event.start_mark.column + 1)


def _parse_items(doc: SourceDoc, file_error: ValidationError) -> ParsedFile:
    """Slow path for a file with errors: report them all, and keep the good items so the
    cross-file checks still run on them (an editor sees every problem in one pass)."""
    items: dict[str, list[Item]] = {k: [] for k in _ITEM}
    for section, adapter in _ITEM.items():
        raw_items = doc.data.get(section)
        if not isinstance(raw_items, list):
            continue
        for i, raw in enumerate(raw_items):
            try:
                items[section].append(Item(adapter.validate_python(raw), doc, (section, i)))
            except ValidationError:
                continue  # already reported, with its location, by the file-level error
    return ParsedFile(doc, items, validation_problems(doc, file_error))


def knowledge_files(knowledge_dir: FsPath) -> list[FsPath]:
    return sorted(p for p in knowledge_dir.rglob("*.y*ml") if p.is_file())


def _display_name(path: FsPath, root: FsPath) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _digest(raw: bytes, name: str) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest() + ":" + name


# ------------------------------------------------------------------------------------------
# The disk cache


CACHE_FORMAT = 1
_MAGIC = b"factbot-cache/1\n"
_BOT = FsPath(__file__).resolve().parents[1]
# What parsing and validating one file depends on, relative to the `bot` package.
_CODE_FILES = (
    "knowledge/model.py",
    "knowledge/dates.py",
    "loading/loader.py",
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


_MODEL = {"articles": Article, "entities": Entity, "claims": Claim}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a bulk load makes millions of objects and no cycles,
    and each automatic collection would walk all of them again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_knowledge(
    knowledge_dir: FsPath,
    seeds_dir: FsPath,
    *,
    cache: LoadCache | None = None,
    loaded_by: str = "startup",
    match_settings: MatchSettings | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    previous: KnowledgeBase | None = None,
) -> LoadResult:
    """Parse, validate and index the whole fact base. Never raises for bad content.

    `cache` keeps parsed files between loads (and on disk if it has `disk`); `previous` is
    the snapshot being replaced, whose indexes the new one reuses where nothing they depend
    on changed. `progress(stage, done, total)` is called as the work goes on.
    """
    with gc_paused():
        return _load(
            FsPath(knowledge_dir),
            FsPath(seeds_dir),
            cache,
            loaded_by,
            match_settings,
            progress,
            previous,
        )


def _load(
    knowledge_dir: FsPath,
    seeds_dir: FsPath,
    cache: LoadCache | None,
    loaded_by: str,
    match_settings: MatchSettings | None,
    progress: Callable[[str, int, int], None] | None,
    previous: KnowledgeBase | None,
) -> LoadResult:
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    if not knowledge_dir.is_dir():
        p = Problem(str(knowledge_dir), None, None, "the knowledge folder does not exist.")
        return LoadResult(None, (p,), ())
    paths = knowledge_files(knowledge_dir)
    parsed: list[ParsedFile] = []
    live: dict[str, ParsedFile] = {}
    hashes: dict[str, str] = {}
    fresh = from_disk = 0
    disk = cache.disk if cache is not None else None
    settings = match_settings or MatchSettings()
    fresh_start = cache is not None and disk is not None and previous is None and not cache.files
    if fresh_start and cache is not None:
        hit = _from_snapshot(knowledge_dir, seeds_dir, paths, cache, settings, loaded_by)
        if hit is not None:
            if progress:
                progress("read", len(paths), len(paths))
            timings["snapshot"] = time.perf_counter() - clock
            names = tuple(_display_name(p, knowledge_dir) for p in paths)
            return LoadResult(hit, (), names, len(paths), len(paths), timings, None, True)
    for n, path in enumerate(paths, start=1):
        name = _display_name(path, knowledge_dir)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            parsed.append(
                ParsedFile(
                    SourceDoc(name, None),
                    {k: [] for k in _ITEM},
                    [Problem(name, None, None, f"cannot read the file: {exc}")],
                )
            )
            continue
        digest = _digest(raw, name)
        pf = cache.get(digest) if cache else None
        if pf is None:
            fresh += 1
            if disk is not None:
                pf = disk.get(digest, name, path)
                from_disk += pf is not None
            if pf is None:
                pf = _parse_file(name, raw, path, digest)
                if disk is not None:
                    disk.put(digest, pf)
        live[digest] = pf
        hashes[name] = digest
        parsed.append(pf)
        if progress:
            progress("read", n, len(paths))
    if cache is not None:
        cache.keep(live)
    if disk is not None and fresh:
        disk.prune(live)
    timings["read"] = time.perf_counter() - clock
    clock = time.perf_counter()
    if cache is not None and disk is not None and not cache.dates:
        cache.dates = disk.get_dates()
    known_dates = len(cache.dates) if cache is not None else 0
    checker = _CrossChecker(seeds_dir, parsed, progress, cache)
    problems = checker.run()
    if cache is not None and disk is not None and len(cache.dates) > known_dates:
        disk.put_dates(cache.dates)
    timings["check"] = time.perf_counter() - clock
    if not paths:
        problems.insert(
            0,
            Problem(
                str(knowledge_dir), None, None, "no knowledge files (*.yaml) found in this folder."
            ),
        )
    names = tuple(_display_name(p, knowledge_dir) for p in paths)
    if problems:
        return LoadResult(None, tuple(problems), names, fresh, from_disk, timings)
    clock = time.perf_counter()
    kb = KnowledgeBase.build(
        checker.articles.values(),
        checker.entity_list,
        checker.facts,
        loaded_by=loaded_by,
        file_hashes=hashes,
        match_settings=match_settings,
        previous=previous,
    )
    timings["build"] = time.perf_counter() - clock
    key = snapshot_key(knowledge_dir, seeds_dir, hashes, settings) if fresh_start else None
    return LoadResult(kb, (), names, fresh, from_disk, timings, key)


def _from_snapshot(
    knowledge_dir: FsPath,
    seeds_dir: FsPath,
    paths: list[FsPath],
    cache: LoadCache,
    settings: MatchSettings,
    loaded_by: str,
) -> KnowledgeBase | None:
    """The whole snapshot from disk if every input is as it was when it was kept."""
    assert cache.disk is not None
    hashes: dict[str, str] = {}
    for path in paths:
        name = _display_name(path, knowledge_dir)
        try:
            hashes[name] = _digest(path.read_bytes(), name)
        except OSError:
            return None  # the file-by-file load reports it
    key = snapshot_key(knowledge_dir, seeds_dir, hashes, settings)
    hit = cache.disk.get_snapshot(key, seeds_dir)
    if hit is None:
        return None
    kb, memo = hit
    for part in dataclasses.fields(LoadCache):
        if part.name != "disk":
            setattr(cache, part.name, getattr(memo, part.name))
    # Claims files are remembered by the identity of their parse, which unpickling renews.
    cache.claim_files = {id(state[0]): state for state in memo.claim_files.values()}
    # Not yet published, so still ours to stamp: when and why this snapshot was loaded.
    object.__setattr__(kb, "loaded_at", dt.datetime.now(dt.UTC))
    object.__setattr__(kb, "loaded_by", loaded_by)
    return kb


class _CrossChecker:
    """The checks that need the whole fact base: ids, names, references, quotes, dates."""

    def __init__(
        self,
        seeds_dir: FsPath,
        parsed: list[ParsedFile],
        progress: Callable[[str, int, int], None] | None = None,
        memo: LoadCache | None = None,
    ) -> None:
        self.seeds_dir = seeds_dir
        self.parsed = parsed
        self.progress = progress
        self.memo = memo
        self.old_articles = memo.articles if memo is not None else {}
        self.old_facts = memo.facts if memo is not None else {}
        self.new_articles: dict[str, tuple[Article, bytes, ArticleInfo]] = {}
        self.new_facts: dict[str, tuple[Claim, tuple[ArticleInfo | None, ...], Fact]] = {}
        self.old_labels = memo.labels if memo is not None else {}
        self.old_entity_state = memo.entity_state if memo is not None else ()
        self.old_claim_files = memo.claim_files if memo is not None else {}
        self.new_entity_state: tuple = ()
        self.new_claim_files: dict[int, tuple] = {}
        self.entity_list: list[tuple[Entity, Origin]] = []
        self.new_labels: dict[str, tuple[Entity, tuple[str | None, ...]]] = {}
        self.problems: list[Problem] = []
        self.articles: dict[str, ArticleInfo] = {}
        self.entities: dict[str, Item] = {}
        self.facts: list[Fact] = []
        # Many claims share a date text and an article: parse each (text, context) once,
        # and remember it for the next load (parse_date is a pure function).
        self._dates: dict[tuple[str, DateValue | None], DateValue | str] = (
            memo.dates if memo is not None else {}
        )
        # Each paragraph is folded for quote matching once, not once per quote.
        self._folded: dict[tuple[str, int], str] = {}

    def run(self) -> list[Problem]:
        for pf in self.parsed:
            self.problems += pf.problems
        by_section: dict[str, list[Item]] = {k: [] for k in _ITEM}
        for pf in self.parsed:
            for section, items in pf.items.items():
                by_section[section] += items
        self._articles(by_section["articles"])
        self._entities(by_section["entities"])
        self._claims(by_section["claims"])
        if self.memo is not None:
            self.memo.articles, self.memo.facts = self.new_articles, self.new_facts
            self.memo.labels = self.new_labels
            self.memo.entity_state = self.new_entity_state
            self.memo.claim_files = self.new_claim_files
        return self.problems

    def _unique(self, items: Iterable[Item], kind: str) -> dict[str, Item]:
        seen: dict[str, Item] = {}
        for item in items:
            ident = item.model.id
            if ident in seen:
                first = seen[ident]
                self.problems.append(
                    item.problem(
                        f"the {kind} id '{ident}' is already used by the {kind} defined at "
                        f"{first.doc.file}:{first.origin.line}; ids must be unique.",
                        "id",
                    )
                )
                continue
            seen[ident] = item
        return seen

    def _articles(self, items: list[Item]) -> None:
        for ident, item in self._unique(items, "article").items():
            article: Article = item.model
            date = self._parse_date(article.date, None)
            if isinstance(date, str):
                self.problems.append(item.problem(date, "date"))
                continue
            path = self.seeds_dir / article.file
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = "it does not exist" if isinstance(exc, FileNotFoundError) else str(exc)
                self.problems.append(
                    item.problem(
                        f"the article text '{article.file}' cannot be read from "
                        f"{self.seeds_dir}/: {reason}.",
                        "file",
                    )
                )
                continue
            digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
            text_hash = digest.digest()
            old = self.old_articles.get(ident)
            if (
                old is not None
                and old[1] == text_hash
                and (old[0] is article or (old[0] == article and old[2].origin == item.origin))
            ):
                info = old[2]  # the same article, text and place as last time
            else:
                paragraphs = split_paragraphs(text, article.header_lines)
                info = ArticleInfo(article, date, paragraphs, item.origin)
            self.new_articles[ident] = (article, text_hash, info)
            self.articles[ident] = info

    def _entities(self, items: list[Item]) -> None:
        self.entities = self._unique(items, "entity")
        # The very same entity files as a clean check last time: nothing to find again.
        files = tuple(pf for pf in self.parsed if pf.items["entities"])
        old = self.old_entity_state
        if (
            old
            and len(old[0]) == len(files)
            and all(a is b for a, b in zip(old[0], files, strict=True))
            and len(self.entities) == len(items)
        ):
            self.entity_list = old[1]
            self.new_entity_state = old
            for entity, _ in old[1]:  # keep the name keys for the next load
                self.new_labels[entity.id] = self.old_labels[entity.id]
            return
        before = len(self.problems)
        self._check_entities()
        self.entity_list = [(item.model, item.origin) for item in self.entities.values()]
        if len(self.problems) == before and len(self.entities) == len(items):
            self.new_entity_state = (files, self.entity_list)

    def _check_entities(self) -> None:
        owners: dict[str, tuple[Item, str]] = {}
        for item in self.entities.values():
            entity: Entity = item.model
            mine: set[str] = set()
            for kind, label, sub, key in self._labels(entity):
                if key is None:
                    self.problems.append(
                        item.problem(
                            f"the {kind} '{label}' has no letters or digits to look it up by.", *sub
                        )
                    )
                    continue
                if key in mine:
                    self.problems.append(
                        item.problem(
                            f"the {kind} '{label}' repeats another name of '{entity.id}'; "
                            "list each name once.",
                            *sub,
                        )
                    )
                    continue
                mine.add(key)
                other = owners.get(key)
                if other is not None:
                    o_item, o_label = other
                    self.problems.append(
                        item.problem(
                            f"the {kind} '{label}' of '{entity.id}' is also a name of "
                            f"'{o_item.model.id}' ('{o_label}', {o_item.doc.file}:"
                            f"{o_item.origin.line}); a name or alias may belong to one "
                            "entity only.",
                            *sub,
                        )
                    )
                    continue
                owners[key] = (item, label)
            for i, parent in enumerate(entity.part_of):
                self._check_entity_ref(item, parent, ("part_of", i))

    def _labels(self, entity: Entity) -> list[tuple[str, str, Path, str | None]]:
        """(kind, label, path, uniqueness key or None if it has no letters) per name."""
        names = [("name", entity.name, ("name",))]
        names += [("alias", a, ("aliases", i)) for i, a in enumerate(entity.aliases)]
        old = self.old_labels.get(entity.id)
        if old is not None and (
            old[0] is entity or (old[0].name == entity.name and old[0].aliases == entity.aliases)
        ):
            keys = old[1]
        else:
            keys = tuple(
                " ".join(unicodedata.normalize("NFKC", label).casefold().split())
                if fold(label)
                else None
                for _, label, _ in names
            )
        self.new_labels[entity.id] = (entity, keys)
        return [(k, label, sub, key) for (k, label, sub), key in zip(names, keys, strict=True)]

    def _check_entity_ref(
        self, item: Item, ident: str | None, sub: Path, types: set[EntityType] | None = None
    ) -> None:
        if ident is None:
            return
        target = self.entities.get(ident)
        if target is None:
            hint = _closest(ident, self.entities)
            self.problems.append(
                item.problem(f"'{ident}' is not the id of any entity.{hint}", *sub)
            )
        elif types and target.model.type not in types:
            names = " or ".join(sorted(t.value for t in types))
            self.problems.append(
                item.problem(
                    f"'{ident}' is a {target.model.type.value}, but {sub[-1]} must be {names}.",
                    *sub,
                )
            )

    def _date(
        self, item: Item, text: str | None, context: DateValue | None, sub: Path
    ) -> DateValue | None:
        if text is None:
            return None
        # A date that parses without context has its year written and ignores the context,
        # so most dates are parsed once per text rather than once per article.
        value = self._parse_date(text, None)
        if isinstance(value, str) and context is not None:
            value = self._parse_date(text, context)
        if isinstance(value, str):
            self.problems.append(item.problem(value, *sub))
            return None
        return value

    def _parse_date(self, text: str, context: DateValue | None) -> DateValue | str:
        """The date, or the error message; memoised."""
        key = (text, context)
        value = self._dates.get(key)
        if value is None:
            try:
                value = parse_date(text, context=context)
            except DateError as exc:
                value = str(exc)
            self._dates[key] = value
        return value

    def _paragraph(self, info: ArticleInfo, number: int) -> str:
        key = (info.id, number)
        folded = self._folded.get(key)
        if folded is None:
            folded = self._folded[key] = _fold_quote(info.paragraphs[number - 1])
        return folded

    def _claims(self, items: list[Item]) -> None:
        unique = self._unique(items, "claim")
        total, progress, done = len(unique), self.progress, 0
        # What a claim's check depends on besides its articles: which entities exist, and
        # their types. A claims file checked clean against the same entities and the very
        # same article objects is taken as it was, without looking at its claims again.
        signature = tuple((e.id, e.type) for e, _ in self.entity_list)
        same_entities = self.memo is not None and self.memo.entity_signature == signature
        if self.memo is not None:
            self.memo.entity_signature = signature
        for pf in self.parsed:
            mine = [item for item in pf.items["claims"] if unique.get(item.model.id) is item]
            if not mine:
                continue
            old = self.old_claim_files.get(id(pf))
            if (
                same_entities
                and old is not None
                and old[0] is pf
                and len(mine) == len(pf.items["claims"])
                and all(self.articles.get(a) is info for a, info in old[1].items())
            ):
                self.facts.extend(old[2])
                for fact in old[2]:
                    self.new_facts[fact.id] = self.old_facts[fact.id]
                self.new_claim_files[id(pf)] = old
            else:
                before, first = len(self.problems), len(self.facts)
                for item in mine:
                    self._claim(item)
                if len(self.problems) == before and len(self.facts) - first == len(mine):
                    cited = {
                        ref.article: self.articles[ref.article]
                        for item in mine
                        for ref in item.model.references
                    }
                    self.new_claim_files[id(pf)] = (pf, cited, self.facts[first:])
            done += len(mine)
            if progress:
                progress("check claims", done, total)

    def _claim(self, item: Item) -> None:
        claim: Claim = item.model
        before = len(self.problems)
        self._check_entity_ref(item, claim.subject, ("subject",))
        self._check_entity_ref(item, claim.object, ("object",))
        self._check_entity_ref(item, claim.place, ("place",))
        for i, m in enumerate(claim.mentions):
            self._check_entity_ref(item, m, ("mentions", i))
        infos = tuple(self.articles.get(ref.article) for ref in claim.references)
        old = self.old_facts.get(claim.id)
        if (
            old is not None
            and len(old[1]) == len(infos)
            and all(a is b for a, b in zip(old[1], infos, strict=True))
            and (old[0] is claim or (old[0] == claim and old[2].origin == item.origin))
        ):
            # The same claim, at the same place, citing the very articles the last load
            # checked: its dates and quotes are as they were; only outlets may have gone.
            for i, ref in enumerate(claim.references):
                if ref.cites is not None:
                    self._check_entity_ref(
                        item,
                        ref.cites.outlet,
                        ("references", i, "cites", "outlet"),
                        {EntityType.OUTLET},
                    )
            self.facts.append(old[2])
            self.new_facts[claim.id] = old
            return
        citations = []
        context: DateValue | None = None
        for i, ref in enumerate(claim.references):
            cit = self._reference(item, ref, ("references", i))
            if cit is not None:
                citations.append(cit)
                if context is None:
                    context = self.articles[ref.article].date
        dates = [
            self._date(item, getattr(claim, k), context, (k,)) for k in ("date", "start", "end")
        ]
        if dates[1] and dates[2] and dates[2].end < dates[1].start:
            self.problems.append(
                item.problem(
                    f"'end' ({dates[2].display()}) is before 'start' ({dates[1].display()}).",
                    "end",
                )
            )
        if len(citations) == len(claim.references):
            fact = Fact(claim, *dates, tuple(citations), item.origin)
            self.facts.append(fact)
            if len(self.problems) == before:
                self.new_facts[claim.id] = (claim, infos, fact)

    def _reference(self, item: Item, ref: Any, sub: Path) -> Citation | None:
        info = self.articles.get(ref.article)
        if info is None:
            hint = _closest(ref.article, self.articles)
            self.problems.append(
                item.problem(
                    f"'{ref.article}' is not the id of any article in the sources.{hint}",
                    *sub,
                    "article",
                )
            )
            return None
        count = len(info.paragraphs)
        if ref.paragraph > count:
            self.problems.append(
                item.problem(
                    f"paragraph {ref.paragraph} does not exist: article '{info.id}' has {count} "
                    "paragraphs.",
                    *sub,
                    "paragraph",
                )
            )
            return None
        paragraph = self._paragraph(info, ref.paragraph)
        ok = True
        if _fold_quote(ref.quote) not in paragraph:
            found = find_paragraph(ref.quote, info.paragraphs)
            hint = (
                f" It is in paragraph {found}."
                if found
                else " Copy it exactly from the article (only spacing, quote marks and dashes "
                "may differ)."
            )
            self.problems.append(
                item.problem(
                    f"the quote is not in paragraph {ref.paragraph} of article '{info.id}'.{hint}",
                    *sub,
                    "quote",
                )
            )
            ok = False
        cites = ref.cites
        cites_date = None
        if cites is not None:
            if _fold_quote(cites.text) not in paragraph:
                self.problems.append(
                    item.problem(
                        f"the cited source '{cites.text}' is not printed in paragraph "
                        f"{ref.paragraph} of article '{info.id}'; copy it from the parentheses.",
                        *sub,
                        "cites",
                        "text",
                    )
                )
                ok = False
            self._check_entity_ref(
                item, cites.outlet, (*sub, "cites", "outlet"), {EntityType.OUTLET}
            )
            cites_date = self._date(item, cites.date, info.date, (*sub, "cites", "date"))
        if not ok:
            return None
        return Citation(
            article=info.id,
            paragraph=ref.paragraph,
            quote=ref.quote,
            cites_text=cites.text if cites else None,
            cites_outlet=cites.outlet if cites else None,
            cites_date=cites_date,
        )


def _fold_quote(text: str) -> str:
    """`articles.fold_for_quote`, faster: ASCII text has none of the characters it folds, and
    str.split() splits on the same Unicode whitespace as the regular expression's \\s."""
    return " ".join((text if text.isascii() else text.translate(_QUOTE_FOLD)).split())


def _closest(ident: str, known: dict[str, Any]) -> str:
    close = difflib.get_close_matches(ident, list(known), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def model_json_schema() -> dict[str, Any]:
    """The JSON Schema of a knowledge file, for editors."""
    schema = _FILE.json_schema()
    schema["title"] = "factbot knowledge file"
    return schema


__all__ = ["LoadCache", "LoadResult", "load_knowledge", "model_json_schema"]
