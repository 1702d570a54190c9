"""Parse and validate one knowledge file: the fast path if it is clean, else the slow one
that locates every problem by line and column."""

from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path as FsPath
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bot.knowledge.model import Article, Claim, Entity, KnowledgeFile
from bot.knowledge.snapshot import Origin
from bot.loading.fastpath import FastRead, _fast_read, json_body, lines_read
from bot.loading.files import _digest
from bot.loading.rootcause import Lost, ids_in_data, ids_in_text, ids_of_dropped
from bot.loading.schema_errors import validation_problems
from bot.loading.yamlsource import Path, Problem, SourceDoc, read_yaml

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
    # ids this file defines that were not loaded (the whole file after a YAML error, or the
    # items that failed validation): errors elsewhere about them are follow-on errors.
    lost: Lost = field(default_factory=dict)


def _parse_file(
    name: str, raw: bytes, source: FsPath | None = None, digest: str = ""
) -> ParsedFile:
    """Parse and validate one file: the fast path if it is clean, else the slow one."""
    return parse_file(name, raw, source, digest)[0]


def parse_file(
    name: str,
    raw: bytes,
    source: FsPath | None = None,
    digest: str = "",
    pre_read: FastRead | None = None,
) -> tuple[ParsedFile, bytes | None]:
    """The file parsed and validated, and the JSON of the plain data the fast path built from
    it if the file was validated from those bytes (else None: the slow path, data JSON cannot
    hold): what the disk cache keeps, validated the same way when read back. `pre_read`:
    what `fastpath.json_read` made of these very bytes (in a worker process), if anything."""
    fast = pre_read if pre_read is not None else _fast_read(raw)
    if fast is not None:
        data, marks, top = fast
        body = data if type(data) is bytes else json_body(data)
        parsed = _valid_json(body)
        if parsed is None:
            body = None  # the disk cache keeps only bytes that validated
            parsed = _valid_plain(lines_read(raw)[0] if type(data) is bytes else data)  # type: ignore[index]
        if parsed is not None:
            doc = _ItemDoc(name, marks, top, source, digest)
            return ParsedFile(doc, _items(doc, parsed), []), body
    return _parse_file_slow(name, raw), None


def _valid_json(body: bytes | None) -> KnowledgeFile | None:
    """The file validated from its data's JSON, or None: then the plain data decides,
    exactly as without the JSON. Validating JSON is no faster than validating the plain data
    (measured); what it saves is unpickling the worker's data and encoding it again for the
    disk cache, which keeps these very bytes.

    For the plain data the fast path builds (strings, ints, floats, booleans, None, lists,
    mappings with string keys), JSON reads back the same values of the same types, and on
    this schema's fields (strings, ints, booleans, enums, lists, models, optional) pydantic's
    JSON and Python modes accept and convert the same; tests/loading/test_json_route.py
    checks both on every field and on fixture, generated and mutated files."""
    if body is None:
        return None
    try:
        return _FILE.validate_json(body)
    except ValidationError:
        return None


def _valid_plain(data: Any) -> KnowledgeFile | None:
    try:
        return _FILE.validate_python(data)
    except ValidationError:
        return None  # the slow path says what is wrong, with positions


# ------------------------------------------------------------------------------------------
# Memory: a validated item is a pydantic model, and at 100k items their bookkeeping dominates.
# Every model carries its own `__pydantic_fields_set__` set (700 bytes for a claim); models
# with the same fields set can share one (pydantic copies it before changing it, and frozen
# models are never changed). Ids repeated across items (a claim's subject is an entity's id)
# are interned, so each is one string.

_SHARED_FIELDS: dict[tuple[type, frozenset[str]], set[str]] = {}
_ID_FIELDS = ("id", "subject", "predicate", "object", "place", "article", "outlet", "type")


def _compact_all(models: list[Any]) -> None:
    """Compact a list of models: share their fields sets, intern their ids.

    One loop per list rather than a call per model: at 100k claims (each with a reference
    and a cited source) the calls were most of the cost. Consecutive models mostly set the
    same fields, so the last shared set is tried before a frozenset is built to look one up.
    """
    intern, setattr_ = sys.intern, object.__setattr__
    kind: type | None = None
    last: set[str] = set()
    ids: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    refs = False
    nested: list[Any] = []
    for model in models:
        if type(model) is not kind:
            kind, last = type(model), set()
            ids, lists, refs = _fields_of(kind)
        fields = model.__pydantic_fields_set__
        if fields != last or not last:
            key = (kind, frozenset(fields))
            last = _SHARED_FIELDS.get(key)  # type: ignore[assignment]
            if last is None:
                last = _SHARED_FIELDS[key] = set(fields)
        setattr_(model, "__pydantic_fields_set__", last)
        values = model.__dict__
        for name in ids:
            value = values[name]
            if type(value) is str:
                values[name] = intern(value)  # the same value: invisible to everyone
        for name in lists:
            found = values[name]
            if found:
                found[:] = [intern(i) for i in found]
        if refs:
            nested += values["references"]
    if nested:
        _compact_all(nested)
        cites = [ref.cites for ref in nested if ref.cites is not None]
        if cites:
            _compact_all(cites)


@cache
def _fields_of(kind: type) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """Which of a model class's fields `_compact` interns: (id fields, id lists, whether it
    has references), so each model is not asked for fields its class does not have."""
    names = getattr(kind, "model_fields", {})
    return (
        tuple(n for n in _ID_FIELDS if n in names),
        tuple(n for n in ("mentions", "part_of") if n in names),
        "references" in names,
    )


def _items(doc: SourceDoc, parsed: KnowledgeFile) -> dict[str, list[Item]]:
    items: dict[str, list[Item]] = {}
    for section in _ITEM:
        models = getattr(parsed, section)
        if models:
            _compact_all(models)
        items[section] = [Item(model, doc, (section, i)) for i, model in enumerate(models)]
    return items


def _parse_file_slow(name: str, raw: bytes) -> ParsedFile:
    doc = read_yaml(name, raw, show_text=True)
    problems = list(doc.problems)
    items: dict[str, list[Item]] = {k: [] for k in _ITEM}
    if problems:
        lost = ids_in_data(doc.data) if doc.data is not None else _ids_in_raw(raw)
        return ParsedFile(doc, items, problems, lost)
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


def _parse_items(doc: SourceDoc, file_error: ValidationError) -> ParsedFile:
    """Slow path for a file with errors: report them all, and keep the good items so the
    cross-file checks still run on them (an editor sees every problem in one pass)."""
    items: dict[str, list[Item]] = {k: [] for k in _ITEM}
    dropped: dict[str, list[int]] = {}
    for section, adapter in _ITEM.items():
        raw_items = doc.data.get(section)
        if not isinstance(raw_items, list):
            continue
        for i, raw in enumerate(raw_items):
            try:
                items[section].append(Item(adapter.validate_python(raw), doc, (section, i)))
            except ValidationError:
                dropped.setdefault(section, []).append(i)  # reported by the file-level error
    lost = ids_of_dropped(doc.data, dropped)
    return ParsedFile(doc, items, validation_problems(doc, file_error), lost)


def _ids_in_raw(raw: bytes) -> Lost:
    """The ids a file YAML could not read seems to define (see rootcause.ids_in_text)."""
    return ids_in_text(raw.decode("utf-8", "replace"))


_MODEL = {"articles": Article, "entities": Entity, "claims": Claim}


def model_json_schema() -> dict[str, Any]:
    """The JSON Schema of a knowledge file, for editors."""
    schema = _FILE.json_schema()
    schema["title"] = "factbot knowledge file"
    return schema
