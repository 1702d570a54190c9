"""The whole checked and indexed fact base on disk, as data, so a restart skips the work.

Why: a restart with unchanged inputs would otherwise validate every item again, run every
cross-file check and rebuild the name index (seconds at 20k entities). The pickled snapshot
that did this ran code on load (issue 14.1), so this one is data only and cannot:

    MAGIC | header length (8 bytes, little-endian) | header (JSON) | body

The header names the snapshot key, the body's checksum and where each part lies in the body.
The parts are JSON (the records: pydantic dumps validated again on read; dates, citations,
origins and paragraphs as plain lists) and raw arrays and string tables (the name index,
bot/matching/serial.py, every offset and index bounds-checked on read). The file is
memory-mapped and the parts read through memoryviews, with no pickle, marshal or eval.

The key hashes the code (`code_version`), the match settings, the folders and every knowledge
file's content; the article texts are read again on restore and must split into the very
paragraphs the snapshot holds. Anything unexpected (another key, a bad checksum, a part out of
bounds, a record that fails validation, a changed article) means "no snapshot": the normal
load runs, so a damaged or forged file costs only speed. Folders and files follow the rules of
`cache.DiskCache` (0700, this user's, writable by no one else). Writes happen after a good
load, in one background thread at a time, to a temporary file renamed into place.
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
import tempfile
import threading
from array import array
from itertools import pairwise
from pathlib import Path as FsPath
from typing import Any

from pydantic import TypeAdapter

from bot.knowledge.articles import split_paragraphs
from bot.knowledge.dates import DateValue, Precision
from bot.knowledge.model import Article, Claim, Entity
from bot.knowledge.snapshot import ArticleInfo, Citation, Fact, KnowledgeBase, Origin
from bot.loading.cache import LoadCache, _private_dir, _untrusted, code_version
from bot.loading.files import article_path_problem, read_bounded
from bot.matching.decide import MatchSettings
from bot.matching.serial import matcher_from_parts, matcher_to_parts

log = logging.getLogger(__name__)

SNAPSHOT_FORMAT = 1
_MAGIC = b"factbot-snapshot/1\n"
_PREFIX, _SUFFIX = "snapshot-", ".bin"
_MAX_HEADER = 1 << 24
_MAX_FILE = 1 << 34  # far above any fact base the loader accepts; refuse anything larger
_ENTITIES = TypeAdapter(list[Entity])
_CLAIMS = TypeAdapter(list[Claim])
_ARTICLES = TypeAdapter(list[Article])


def snapshot_key(
    knowledge_dir: FsPath, seeds_dir: FsPath, hashes: dict[str, str], settings: MatchSettings
) -> str:
    """What a snapshot depends on: code, settings, folders and every knowledge file's content
    (article texts are compared on restore)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{SNAPSHOT_FORMAT}\0{code_version()}\0{settings!r}".encode())
    for folder in (knowledge_dir, seeds_dir):
        h.update(b"\0" + str(FsPath(folder).resolve()).encode("utf-8", "surrogatepass"))
    for name, digest in sorted(hashes.items()):
        h.update(f"\0{name}\0{digest}".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


# ------------------------------------------------------------------------------ records


def _date_out(d: DateValue | None) -> list[Any] | None:
    if d is None:
        return None
    start, end = d.start.isoformat(), d.end.isoformat()
    return [start, end, d.precision.value, d.text, d.year_inferred, d.is_range]


def _date_in(v: Any, memo: dict[tuple, DateValue] | None = None) -> DateValue | None:
    """A date as `_date_out` wrote it, validated as DateValue validates (each distinct date
    once when a memo is given: claims share their dates)."""
    if v is None:
        return None
    if memo is not None:
        if not isinstance(v, list):
            raise ValueError("not a date")
        key = tuple(v)
        known = memo.get(key)
        if known is None:
            known = memo[key] = _date_in(v)  # type: ignore[assignment]
        return known
    start, end, precision, text, inferred, is_range = v
    if not (isinstance(text, str) and type(inferred) is bool and type(is_range) is bool):
        raise ValueError("not a date")
    return DateValue(
        start=dt.date.fromisoformat(start),
        end=dt.date.fromisoformat(end),
        precision=Precision(precision),
        text=text,
        year_inferred=inferred,
        is_range=is_range,
    )


def _origin_in(v: Any) -> Origin:
    file, line = v
    if not isinstance(file, str) or not (line is None or type(line) is int):
        raise ValueError("not an origin")
    return Origin(file, line)


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("not a text")
    return v


def _opt(v: Any) -> str | None:
    return None if v is None else _str(v)


def _citation_in(v: Any, memo: dict[tuple, DateValue]) -> Citation:
    article, paragraph, quote, text, outlet, date = v
    if type(paragraph) is not int:
        raise ValueError("not a paragraph number")
    when = _date_in(date, memo)
    return Citation(_str(article), paragraph, _str(quote), _opt(text), _opt(outlet), when)


def _search_out(kb: KnowledgeBase) -> tuple[int, dict[str, bytes]]:
    """The search index as a word table and CSR postings of claim numbers (facts order)."""
    number = {cid: n for n, cid in enumerate(kb.claims)}
    index = kb.search_index
    words = list(index)
    at, data = array("I", [0]), array("I")
    for word in words:
        data.extend(sorted(number[cid] for cid in index[word]))
        at.append(len(data))
    table = "\n".join(words).encode("utf-8", "surrogatepass")
    return len(words), {
        "search.words": table,
        "search.at": at.tobytes(),
        "search.data": data.tobytes(),
    }


def _search_in(parts: dict[str, memoryview], count: int, kb: KnowledgeBase) -> None:
    """Adopt the stored search index, every offset and claim number checked."""
    if type(count) is not int or count < 0:
        raise ValueError("not a word count")
    words = bytes(parts["search.words"]).decode("utf-8", "surrogatepass").split("\n")
    if count == 0:
        words = []
    at, data = array("I"), array("I")
    at.frombytes(parts["search.at"])
    data.frombytes(parts["search.data"])
    ids = list(kb.claims)
    if len(words) != count or len(at) != count + 1 or at[0] != 0 or at[-1] != len(data):
        raise ValueError("the search index's parts do not fit together")
    if any(a > b for a, b in pairwise(at)) or (len(data) and max(data) >= len(ids)):
        raise ValueError("the search index points out of range")
    postings = {w: [ids[i] for i in data[at[n] : at[n + 1]]] for n, w in enumerate(words)}
    kb.adopt_index("search_index", KnowledgeBase.postings(postings))


def _records_out(kb: KnowledgeBase) -> dict[str, bytes]:
    """The records as JSON parts: models as pydantic dumps, the rest as plain lists."""
    articles = list(kb.articles.values())
    entities = list(kb.entities.values())
    facts = list(kb.claims.values())
    rest = {
        "articles": [
            [_date_out(a.date), list(a.paragraphs), [a.origin.file, a.origin.line]]
            for a in articles
        ],
        "entities": [[o.file, o.line] for o in (kb.entity_origin[e.id] for e in entities)],
        "facts": [
            [
                _date_out(f.date),
                _date_out(f.start),
                _date_out(f.end),
                [
                    [
                        c.article,
                        c.paragraph,
                        c.quote,
                        c.cites_text,
                        c.cites_outlet,
                        _date_out(c.cites_date),
                    ]
                    for c in f.citations
                ],
                [f.origin.file, f.origin.line],
            ]
            for f in facts
        ],
        "file_hashes": dict(kb.file_hashes),
    }
    return {
        "articles.json": _ARTICLES.dump_json([a.model for a in articles]),
        "entities.json": _ENTITIES.dump_json(entities),
        "claims.json": _CLAIMS.dump_json([f.model for f in facts]),
        "rest.json": json.dumps(rest, ensure_ascii=False).encode(),
    }


def _articles_in(
    models: list[Article], rest: list[Any], seeds_dir: FsPath, memo: LoadCache | None
) -> list[ArticleInfo]:
    """The articles, each text read again: it must still split into the stored paragraphs."""
    if len(models) != len(rest):
        raise ValueError("articles and their details differ in number")
    out = []
    for model, (date, paragraphs, origin) in zip(models, rest, strict=True):
        if article_path_problem(seeds_dir, model.file):
            raise ValueError("an article file may not be read")
        raw = read_bounded(seeds_dir / model.file)
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        now = split_paragraphs(text, model.header_lines)
        if list(now) != paragraphs:
            raise ValueError(f"the text of article {model.id} changed")
        when = _date_in(date)
        if when is None:
            raise ValueError("an article without a date")
        info = ArticleInfo(model, when, now, _origin_in(origin))
        out.append(info)
        if memo is not None:  # as the cross-file check remembers an article it read
            digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
            memo.articles[model.id] = (model, digest.digest(), info)
    return out


def _records_in(
    parts: dict[str, memoryview],
    seeds_dir: FsPath,
    settings: MatchSettings,
    loaded_by: str,
    memo: LoadCache | None,
) -> KnowledgeBase:
    rest = json.loads(bytes(parts["rest.json"]))
    if not isinstance(rest, dict):
        raise ValueError("not a snapshot")
    entities = _ENTITIES.validate_json(bytes(parts["entities.json"]))
    claims = _CLAIMS.validate_json(bytes(parts["claims.json"]))
    articles = _articles_in(
        _ARTICLES.validate_json(bytes(parts["articles.json"])), rest["articles"], seeds_dir, memo
    )
    if len(entities) != len(rest["entities"]) or len(claims) != len(rest["facts"]):
        raise ValueError("records and their details differ in number")
    facts: list[Fact] = []
    dates: dict[tuple, DateValue] = {}
    for claim, (date, start, end, citations, origin) in zip(claims, rest["facts"], strict=True):
        cits = tuple(_citation_in(c, dates) for c in citations)
        when = [_date_in(d, dates) for d in (date, start, end)]
        facts.append(Fact(claim, *when, cits, _origin_in(origin)))
    hashes = rest["file_hashes"]
    if not isinstance(hashes, dict) or not all(isinstance(v, str) for v in hashes.values()):
        raise ValueError("not file hashes")
    origins = [_origin_in(o) for o in rest["entities"]]
    if memo is not None:  # the first reload then takes unchanged claims as they are
        infos = {a.id: a for a in articles}
        for fact in facts:
            cited = tuple(infos.get(ref.article) for ref in fact.model.references)
            memo.facts[fact.id] = (fact.model, cited, fact)
    return KnowledgeBase.build(
        articles,
        zip(entities, origins, strict=True),
        facts,
        loaded_by=loaded_by,
        file_hashes=hashes,
        match_settings=settings,
    )


# ------------------------------------------------------------------------------ the file


def _encode(key: str, kb: KnowledgeBase) -> list[bytes | memoryview]:
    """The file's pieces in order: magic, header length, header, then the body's parts."""
    parts: dict[str, bytes | memoryview] = dict(_records_out(kb))
    meta, index_parts = matcher_to_parts(kb.matcher)
    parts.update({f"index/{name}": raw for name, raw in index_parts.items()})
    words, search_parts = _search_out(kb)
    parts.update(search_parts)
    layout, offset, digest = [], 0, hashlib.blake2b(digest_size=16)
    for name, raw in parts.items():
        layout.append([name, offset, len(raw)])
        offset += len(raw)
        digest.update(raw)
    header = json.dumps(
        {
            "format": SNAPSHOT_FORMAT,
            "key": key,
            "index": meta,
            "search_words": words,
            "parts": layout,
            "body": offset,
            "checksum": digest.hexdigest(),
        }
    ).encode()
    return [_MAGIC, len(header).to_bytes(8, "little"), header, *parts.values()]


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


def _decode(
    view: memoryview,
    key: str,
    seeds_dir: FsPath,
    settings: MatchSettings,
    loaded_by: str,
    memo: LoadCache | None,
) -> KnowledgeBase:
    """The snapshot in `view`, every part checked (see the module's docstring)."""
    start = len(_MAGIC) + 8
    if bytes(view[: len(_MAGIC)]) != _MAGIC:
        raise ValueError("not a snapshot")
    size = int.from_bytes(view[len(_MAGIC) : start], "little")
    if not 0 < size <= min(_MAX_HEADER, len(view) - start):
        raise ValueError("the header's length is out of bounds")
    header = json.loads(bytes(view[start : start + size]))
    if not isinstance(header, dict) or header.get("format") != SNAPSHOT_FORMAT:
        raise ValueError("another snapshot format")
    if header.get("key") != key:
        raise ValueError("another key")
    body = view[start + size :]
    if header.get("body") != len(body):
        raise ValueError("the file is not as long as its header says")
    if hashlib.blake2b(body, digest_size=16).hexdigest() != header.get("checksum"):
        raise ValueError("damaged: the checksum does not match")
    parts = _layout(header, body)
    try:
        kb = _records_in(parts, seeds_dir, settings, loaded_by, memo)
        index = {k[6:]: bytes(v) for k, v in parts.items() if k.startswith("index/")}
        matcher = matcher_from_parts(header.get("index"), index, settings)
        kb.adopt_index("matcher", matcher)
        _search_in(parts, header.get("search_words"), kb)
    finally:  # the file is unmapped next: no view of it may outlive this
        for part in parts.values():
            part.release()
        body.release()
    return kb


class SnapshotStore:
    """Snapshots in `root`/snapshot/, the latest one kept; see the module's docstring."""

    def __init__(self, root: FsPath) -> None:
        self.root = FsPath(root)
        self.folder = self.root / "snapshot"
        self.rejected: str | None = None  # why the last read found no usable snapshot
        self._lock = threading.Lock()
        self._pending: tuple[str, KnowledgeBase] | None = None
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
        self,
        key: str,
        seeds_dir: FsPath,
        settings: MatchSettings,
        loaded_by: str = "startup",
        memo: LoadCache | None = None,
    ) -> KnowledgeBase | None:
        """The snapshot stored under `key`, checked; None if there is none or it is not usable.
        `memo` is given what the cross-file checks would remember of these records, so the
        first reload checks only what changed."""
        self.rejected = None
        if not self._trusted_folders():
            return None
        try:
            fd = os.open(self.path(key), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            self.rejected = "no snapshot for these files and this code"
            return None
        try:
            with os.fdopen(fd, "rb") as f:
                st = os.fstat(f.fileno())
                why = _untrusted(st)
                if why or not stat.S_ISREG(st.st_mode) or not 0 < st.st_size <= _MAX_FILE:
                    raise ValueError(why or "not a snapshot file")
                with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                    view = memoryview(mapped)
                    learnt = LoadCache()  # handed on only if the whole snapshot is good
                    try:
                        kb = _decode(view, key, seeds_dir, settings, loaded_by, learnt)
                    finally:
                        view.release()
        except Exception as exc:  # whatever is wrong with it, it is not used
            self.rejected = f"the snapshot is not used: {type(exc).__name__}: {exc}"[:300]
            log.info("%s", self.rejected)
            return None
        if memo is not None:
            memo.articles.update(learnt.articles)
            memo.facts.update(learnt.facts)
        return kb

    # -------------------------------------------------------------------------- writing

    def write(self, key: str, kb: KnowledgeBase) -> bool:
        """Store `kb` under `key` (write aside, then rename), the older snapshots removed.
        Any error means only that there is no snapshot for the next start."""
        try:
            pieces = _encode(key, kb)
            _private_dir(self.folder)
            if not self._trusted_folders():
                return False
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=_SUFFIX)
            try:
                with os.fdopen(fd, "wb") as f:
                    for piece in pieces:
                        f.write(piece)
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

    def keep_kb(self, knowledge_dir: FsPath, seeds_dir: FsPath, kb: KnowledgeBase) -> None:
        """Keep a snapshot just loaded clean (and indexed) for the next start."""
        key = snapshot_key(knowledge_dir, seeds_dir, dict(kb.file_hashes), kb.match_settings)
        self.keep(key, kb)

    def keep(self, key: str, kb: KnowledgeBase) -> None:
        """Write `kb` in the background; one writer at a time, and only the latest of the
        snapshots asked for meanwhile is written after the current one."""
        with self._lock:
            self._pending = (key, kb)
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
            self.write(*job)

    def wait(self, timeout: float | None = None) -> None:
        """Wait until the snapshots asked for are written (tests, benchmarks)."""
        writer = self._writer
        if writer is not None:
            writer.join(timeout)
