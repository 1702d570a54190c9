"""The records and claim indexes of a snapshot file, written as data and read back compact.

Why: a restart that decoded every record into pydantic objects took seconds and most of the
memory at 100k records. Here each record is one small JSON document in a blob, found through
an offsets array, and decoded (and validated, like any untrusted input) only when an answer
asks for it; the claim indexes are arrays of record numbers. See bot/knowledge/records.py for
the views, bot/loading/snapshot_store.py for the file around these parts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path as FsPath
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Any

from bot.knowledge.claimrows import ClaimRows, adopt_rows, fact_when
from bot.knowledge.dates import DateValue, Precision
from bot.knowledge.history import split_key, statement_key
from bot.knowledge.model import Article, Claim, Entity
from bot.knowledge.records import IdTable, Mapped, RecordView, RowIndex, RowValues
from bot.knowledge.snapshot import ArticleInfo, Citation, Fact, KnowledgeBase, Origin
from bot.knowledge.tables import HashedRows, TextTable, hash_slots
from bot.matching.decide import MatchSettings

Chunks = Iterable[bytes]
Parts = dict[str, memoryview]

# ------------------------------------------------------------------------------ values


def _date_out(d: DateValue | None) -> list[Any] | None:
    if d is None:
        return None
    start, end = d.start.isoformat(), d.end.isoformat()
    return [start, end, d.precision.value, d.text, d.year_inferred, d.is_range]


def _date_in(v: Any) -> DateValue | None:
    """A date as `_date_out` wrote it, validated as DateValue validates."""
    if v is None:
        return None
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


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("not a text")
    return v


def _opt(v: Any) -> str | None:
    return None if v is None else _str(v)


def _origin_in(file: Any, line: Any) -> Origin:
    if not isinstance(file, str) or not (line is None or type(line) is int):
        raise ValueError("not an origin")
    return Origin(file, line)


def _citation_in(v: Any, date_in: Callable[[Any], DateValue | None] = _date_in) -> Citation:
    article, paragraph, quote, text, outlet, date = v
    if type(paragraph) is not int:
        raise ValueError("not a paragraph number")
    when = date_in(date)
    return Citation(_str(article), paragraph, _str(quote), _opt(text), _opt(outlet), when)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass"
    )


# ------------------------------------------------------------------------------ records out


# An entity or claim record: the model's pydantic JSON, a NUL (JSON never holds one raw), then
# a JSON list of the rest, so the model is validated straight from its JSON (twice as fast).
_SEP = b"\0"


def _entity_out(kb: KnowledgeBase, e: Entity) -> bytes:
    o = kb.entity_origin[e.id]
    return e.model_dump_json().encode() + _SEP + _json([o.file, o.line])


def _fact_out(f: Fact) -> bytes:
    cits = [
        [c.article, c.paragraph, c.quote, c.cites_text, c.cites_outlet, _date_out(c.cites_date)]
        for c in f.citations
    ]
    dates = [_date_out(d) for d in (f.date, f.start, f.end)]
    rest = [*dates, cits, f.origin.file, f.origin.line]
    return f.model.model_dump_json().encode() + _SEP + _json(rest)


def _article_out(a: ArticleInfo) -> bytes:
    dump = a.model.model_dump(mode="json")
    return _json([dump, _date_out(a.date), list(a.paragraphs), a.origin.file, a.origin.line])


class Blob:
    """Records written one after another, with the offsets that find each again."""

    def __init__(self) -> None:
        self.at = array("Q", [0])

    def chunks(self, records: Iterable[bytes]) -> Iterator[bytes]:
        at = self.at
        for raw in records:
            at.append(at[-1] + len(raw))
            yield raw


def _csr(groups: Iterable[tuple[str, Iterable[int]]]) -> tuple[list[str], array, array]:
    keys, at, data = [], array("I", [0]), array("I")
    for key, rows in groups:
        keys.append(key)
        data.extend(rows)
        at.append(len(data))
    return keys, at, data


class _Out:
    """The index parts being written, and the counts the header needs to read them."""

    def __init__(self) -> None:
        self.out: dict[str, bytes] = {}
        self.meta: dict[str, Any] = {}

    def put(self, name: str, groups: Iterable[tuple[str, Iterable[int]]]) -> None:
        keys, at, data = _csr(groups)
        self.meta[name] = len(keys)
        texts = TextTable.build(keys)
        self.out[f"{name}.keys"], self.out[f"{name}.keys.at"] = map(bytes, texts.parts())
        self.out[f"{name}.keys.hash"] = hash_slots(texts).tobytes()
        self.out[f"{name}.at"] = at.tobytes()
        self.out[f"{name}.data"] = data.tobytes()


def index_parts(kb: KnowledgeBase) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The claim indexes as arrays of record numbers (kb.claims order), and counts."""
    o = _Out()
    rows: ClaimRows | None = kb.__dict__.get("claim_rows")
    crow: Mapping[str, int]
    if rows is not None:
        new = _renumbered(rows.view.table)
        _row_parts(o, rows, new)
        crow = RowValues(rows.view.table.rows, new)
    else:
        _fact_parts(o, kb)
        crow = _numbering(kb.claims)
    erow, arow = _numbering(kb.entities), _numbering(kb.articles)
    for kind, number in (("e", erow), ("c", crow), ("a", arow)):
        files: dict[str, list[int]] = {}
        for ident, file in _files_of(kb, kind):
            files.setdefault(file, []).append(number[ident])
        o.put(f"{kind}files", files.items())
    o.put(
        "by_predicate", ((k, map(crow.__getitem__, v)) for k, v in kb.claims_with_predicate.items())
    )
    o.put("parts", ((k, map(erow.__getitem__, v)) for k, v in kb.parts.items()))
    o.meta["claim_counts"] = dict(kb.claim_counts)
    o.meta["predicates"] = sorted(kb.predicates)
    o.meta["restricted"] = sorted(kb.restricted_ids)
    o.meta["summary"] = kb.summary()
    o.meta["newest_article_date"] = _date_out(kb.newest_article_date)
    return o.meta, o.out


def _numbering(records: Mapping[str, Any]) -> Mapping[str, int]:
    """id -> its place in the records' order (the row the new snapshot gives it)."""
    if isinstance(records, RecordView):  # through its row table: no dict of every id
        return RowValues(records.table.rows, _renumbered(records.table))
    return {ident: n for n, ident in enumerate(records)}


def _renumbered(table: IdTable) -> array:
    """row -> its number among the live rows (rows hidden by an overlay's edits drop out)."""
    new = array("i", bytes(4 * len(table.ids)))
    for n, row in enumerate(table.rows.values()):  # increasing: base rows, then new ones
        new[row] = n
    return new


def _files_of(kb: KnowledgeBase, kind: str) -> Iterator[tuple[str, str]]:
    """(id, the file defining it) for every entity, claim or article ("e", "c", "a")."""
    by_file = kb.__dict__.get("ids_by_file")
    if by_file is not None:  # a compact fact base: its stored index, nothing decoded
        for k, file in by_file:
            if k == kind:
                yield from ((i, file) for i in by_file[(k, file)])
        return
    if kind == "e":
        yield from ((i, o.file) for i, o in kb.entity_origin.items())
    elif kind == "c":
        yield from ((i, f.origin.file) for i, f in kb.claims.items())
    else:
        yield from ((i, a.origin.file) for i, a in kb.articles.items())


def _fact_parts(o: _Out, kb: KnowledgeBase) -> None:
    """The claim indexes of a fact base held as objects."""
    row = {cid: n for n, cid in enumerate(kb.claims)}
    when = array("i")
    for fact in kb.claims.values():
        when.extend(fact_when(fact))
    o.out["when"] = when.tobytes()
    _numbered_statements(o, kb.claims.values())
    o.out["by_date"] = array("I", (row[f.id] for f in kb._by_date)).tobytes()
    o.out["timeline"] = array("I", (row[f.id] for f in kb.timeline)).tobytes()
    o.put("by_entity", ((k, (row[f.id] for f in v)) for k, v in kb.claims_by_entity.items()))
    index = kb.search_index
    o.put("search", ((w, sorted(row[c] for c in index[w])) for w in kb.search_vocabulary))
    o.out["sorted"] = array("I", (row[c] for c in kb.claim_ids_sorted)).tobytes()


def _row_parts(o: _Out, rows: ClaimRows, new: array) -> None:
    """The claim indexes of a compact fact base (or an overlay), renumbered (`new`) to its
    live rows: the rows hidden by edits drop out, nothing is decoded."""
    w = rows.when
    when = array("i")
    for r in rows.view.table.rows.values():
        when.extend(w[4 * r : 4 * r + 4])
    o.out["when"] = when.tobytes()
    statements, sids, rids = rows.statements, rows.sids, rows.rids
    live = rows.view.table.rows.values()
    _put_statements(o, (statements[r] for r in live))
    o.out["sids"] = array("i", (sids[r] for r in live)).tobytes()
    o.out["rids"] = array("i", (rids[r] for r in live)).tobytes()
    o.out["by_date"] = array("I", (new[r] for r in rows.by_date)).tobytes()
    o.out["timeline"] = array("I", (new[r] for r in rows.timeline)).tobytes()
    o.put("by_entity", ((k, (new[r] for r in v)) for k, v in rows.by_entity.items()))
    o.put("search", ((k, (new[r] for r in rows.search[k])) for k in rows.vocabulary))
    o.out["sorted"] = array("I", (new[r] for r in rows.sorted_rows)).tobytes()


def _put_statements(o: _Out, keys: Iterable[bytes]) -> None:
    """Each claim's statement key (history.statement_key), in row order: what `on` groups
    claims by without decoding them."""
    blob = Blob()
    o.out["statements.blob"] = b"".join(blob.chunks(keys))
    o.out["statements.at"] = blob.at.tobytes()


def _numbered_statements(o: _Out, facts: Iterable[Fact]) -> None:
    """The claims' statement keys, and their statements and compared relations numbered
    (equal numbers: equal statements or relations), in row order."""
    keys: list[bytes] = []
    sids, rids = array("i"), array("i")
    statements: dict[object, int] = {}
    relations: dict[object, int] = {}
    for fact in facts:
        key = statement_key(fact)
        statement, relation = split_key(key, fact_when(fact))
        keys.append(key)
        sids.append(statements.setdefault(statement, len(statements)))
        rids.append(-1 if relation is None else relations.setdefault(relation, len(relations)))
    _put_statements(o, keys)
    o.out["sids"], o.out["rids"] = sids.tobytes(), rids.tobytes()


class _Keys(Sequence[bytes]):
    """row -> its claim's statement key, read from the file."""

    def __init__(self, at: memoryview, blob: memoryview) -> None:
        self._at, self._blob = at, blob

    def __len__(self) -> int:
        return len(self._at) - 1

    def __getitem__(self, row):  # type: ignore[no-untyped-def]
        if isinstance(row, slice):
            return [self[r] for r in range(*row.indices(len(self)))]
        start, end = self._at[row], self._at[row + 1]
        if not start <= end <= len(self._blob):
            raise ValueError("a statement key lies outside its blob")
        return bytes(self._blob[start:end])


def record_chunks(kb: KnowledgeBase) -> Iterator[tuple[str, Chunks, Blob | None]]:
    """(part name, its chunks, the blob whose offsets follow it) for every record part."""
    for name, mapping, encode in (
        ("entities", kb.entities, lambda e: _entity_out(kb, e)),
        ("facts", kb.claims, _fact_out),
        ("articles", kb.articles, _article_out),
    ):
        ids = TextTable.build(mapping)
        data, at = ids.parts()
        yield f"{name}.ids", (data,), None
        yield f"{name}.ids.at", (at,), None
        yield f"{name}.ids.hash", (memoryview(hash_slots(ids)).cast("B"),), None
        blob = Blob()
        yield f"{name}.blob", blob.chunks(_encoded(mapping, encode)), blob


def _encoded(mapping: Mapping[str, Any], encode: Callable[[Any], bytes]) -> Iterator[bytes]:
    """Each record's bytes: as stored in the snapshot it came from, else encoded."""
    raw = mapping.raw if isinstance(mapping, RecordView) else None
    for ident in mapping:
        stored = raw(ident) if raw is not None else None
        yield stored if stored is not None else encode(mapping[ident])


def article_stats(kb: KnowledgeBase, seeds_dir: FsPath) -> list[list[Any]]:
    """Each article file's identity and size, so a restart can tell it is unchanged (for a
    restored or overlaid fact base, the restored articles' as they were checked)."""
    base = kb.base or kb
    stored = base.__dict__.get("article_stats")
    views = (kb.articles, base.articles)
    if not (isinstance(stored, list) and all(isinstance(v, RecordView) for v in views)):
        return [_stat(seeds_dir, a.model.file) for a in kb.articles.values()]
    first = len(base.articles.table.ids)  # type: ignore[attr-defined]
    rows = kb.articles.table.rows.values()  # type: ignore[attr-defined]
    at_row = kb.articles.at_row  # type: ignore[attr-defined]
    return [stored[r] if r < first else _stat(seeds_dir, at_row(r).model.file) for r in rows]


def _stat(seeds_dir: FsPath, file: str) -> list[Any]:
    st = os.stat(seeds_dir / file)
    return [file, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


def articles_unchanged(stats: Any, seeds_dir: FsPath) -> bool:
    """Every article file is the very file the snapshot was made from, unchanged since."""
    if not isinstance(stats, list):
        return False
    for entry in stats:
        if not (isinstance(entry, list) and len(entry) == 5 and isinstance(entry[0], str)):
            return False
        name = PurePosixPath(entry[0])
        if name.is_absolute() or ".." in name.parts or "\0" in entry[0]:
            return False
        try:
            if _stat(seeds_dir, entry[0]) != entry:
                return False
        except OSError:
            return False
    return True


# ------------------------------------------------------------------------------ records in


def _rows(raw: memoryview, code: str = "I") -> memoryview:
    if len(raw) % (8 if code == "Q" else 4):
        raise ValueError("an array's length is not a whole number of items")
    return raw.cast(code)


Fetch = Callable[[int], bytes]  # row -> the record's stored bytes


def _split(raw: bytes) -> tuple[bytes, Any]:
    model, sep, rest = raw.partition(_SEP)
    if not sep:
        raise ValueError("not a record")
    return model, json.loads(rest)


def _entity_in(fetch: Fetch) -> tuple[Callable, Callable]:
    def entity(row: int) -> Entity:
        return Entity.model_validate_json(_split(fetch(row))[0])

    def origin(row: int) -> Origin:
        file, line = _split(fetch(row))[1]
        return _origin_in(file, line)

    return entity, origin


def _fact_in(fetch: Fetch) -> Callable[[int], Fact]:
    dates: dict[tuple, DateValue | None] = {}  # claims share their dates: each made once

    def when(v: Any) -> DateValue | None:
        if v is None:
            return None
        key = tuple(v) if isinstance(v, list) else None
        found = dates.get(key) if key is not None else None  # type: ignore[arg-type]
        if found is None:
            found = _date_in(v)
            if key is not None:
                if len(dates) >= 4096:
                    dates.clear()
                dates[key] = found
        return found

    def fact(row: int) -> Fact:
        model, (date, start, end, cits, file, line) = _split(fetch(row))
        citations = tuple(_citation_in(c, when) for c in cits)
        claim = Claim.model_validate_json(model)
        return Fact(claim, when(date), when(start), when(end), citations, _origin_in(file, line))

    return fact


def _article_in(fetch: Fetch) -> Callable[[int], ArticleInfo]:
    def article(row: int) -> ArticleInfo:
        model, date, paragraphs, file, line = json.loads(fetch(row))
        when = _date_in(date)
        if when is None or not all(isinstance(p, str) for p in paragraphs):
            raise ValueError("not an article")
        origin = _origin_in(file, line)
        return ArticleInfo(Article.model_validate(model), when, tuple(paragraphs), origin)

    return article


Read = Callable[[str, int, int], bytes]  # (part, start, length) -> bytes, not via the mapping


def _hashed(parts: Parts, name: str, count: Any) -> HashedRows:
    """Strings stored as a text table with hash slots, found in place (bot/knowledge/tables.py)."""
    if type(count) is not int or count < 0:
        raise ValueError("not a count")
    at = _rows(parts[f"{name}.at"])
    if len(at) != count + 1:
        raise ValueError(f"{name}: wrong number of offsets")
    return HashedRows(TextTable(parts[name], at), _rows(parts[f"{name}.hash"]))


def _view(
    parts: Parts, name: str, count: Any, decode: Callable, read: Read | None
) -> tuple[IdTable, Any, Callable[[int], bytes]]:
    """The id table, the decoder(s) and the raw reader of one kind of record."""
    if type(count) is not int or count < 0:
        raise ValueError("not a count")
    ids = IdTable(*_hashed(parts, f"{name}.ids", count).parts())
    at = _rows(parts[f"{name}.at"], "Q")
    if len(at) != count + 1:
        raise ValueError(f"{name}: wrong number of offsets")
    blob = parts[f"{name}.blob"]

    def raw(row: int) -> bytes:
        """The record's bytes: read through the page cache when the file is at hand (a
        record read through the mapping maps in the pages around it too, for nothing)."""
        start, end = at[row], at[row + 1]
        if not start <= end <= len(blob):
            raise ValueError("a record lies outside its blob")
        if read is not None:
            return read(f"{name}.blob", start, end - start)
        return bytes(blob[start:end])

    return ids, decode(raw), raw


class _FileIds(Mapping[tuple[str, str], list[str]]):
    """("e" or "c", knowledge file) -> ids of the entities or claims it defines."""

    def __init__(self, by: dict[str, RowIndex], ids: dict[str, list[str]]) -> None:
        self._by, self._ids = by, ids

    def __getitem__(self, key: tuple[str, str]) -> list[str]:
        ids = self._ids[key[0]]
        return [ids[r] for r in self._by[key[0]][key[1]]]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((k, f) for k, ix in self._by.items() for f in ix)

    def __len__(self) -> int:
        return sum(len(ix) for ix in self._by.values())


def compact_kb(
    parts: Parts,
    meta: dict[str, Any],
    settings: MatchSettings,
    loaded_by: str,
    read: Read | None = None,
    loaded_at: dt.datetime | None = None,
) -> KnowledgeBase:
    """A KnowledgeBase over the parts: records decoded on demand, indexes as arrays; `read`
    copies stored records for the next snapshot without touching the mapping."""
    counts = meta["counts"]
    etable, (entity, origin), eraw = _view(parts, "entities", counts[0], _entity_in, read)
    ftable, fact, fraw = _view(parts, "facts", counts[1], _fact_in, read)
    atable, article, araw = _view(parts, "articles", counts[2], _article_in, read)
    hashes = meta["file_hashes"]
    if not isinstance(hashes, dict) or not all(isinstance(v, str) for v in hashes.values()):
        raise ValueError("not file hashes")
    claims = RecordView(ftable, fact, fraw)
    kb = KnowledgeBase(
        articles=RecordView(atable, article, araw),
        entities=RecordView(etable, entity, eraw),
        entity_origin=RecordView(etable, origin),
        claims=claims,
        loaded_at=loaded_at or dt.datetime.now(dt.UTC),
        loaded_by=loaded_by,
        file_hashes=MappingProxyType(dict(hashes)),
        match_settings=settings,
    )
    _adopt_indexes(kb, parts, meta, claims, (etable, ftable, atable))
    return kb


def _adopt_indexes(
    kb: KnowledgeBase,
    parts: Parts,
    meta: dict[str, Any],
    claims: RecordView[Fact],
    tables: tuple[IdTable, IdTable, IdTable],
) -> None:
    etable, ftable, atable = tables

    def csr(name: str) -> RowIndex:
        keys = _hashed(parts, f"{name}.keys", meta[name])
        return RowIndex(keys, _rows(parts[f"{name}.at"]), _rows(parts[f"{name}.data"]), _same)

    when = _rows(parts["when"], "i")
    if len(when) != 4 * len(ftable.ids):
        raise ValueError("the claims' dates differ in number from the claims")
    search = csr("search")
    statements = _Keys(_rows(parts["statements.at"], "Q"), parts["statements.blob"])
    sids, rids = _rows(parts["sids"], "i"), _rows(parts["rids"], "i")
    if not len(statements) == len(sids) == len(rids) == len(ftable.ids):
        raise ValueError("the claims' statement keys differ in number from the claims")
    rows = ClaimRows(
        view=claims,
        when=when,
        by_date=_rows(parts["by_date"]),
        timeline=_rows(parts["timeline"]),
        by_entity=csr("by_entity"),
        search=search,
        vocabulary=tuple(search),
        sorted_rows=_rows(parts["sorted"]),
        statements=statements,
        sids=sids,
        rids=rids,
    )
    adopt_rows(kb, rows)
    fids, eids = ftable.ids, etable.ids
    efiles, cfiles = csr("efiles"), csr("cfiles")
    by = {"e": efiles, "c": cfiles, "a": csr("afiles")}
    kb.adopt_index("ids_by_file", _FileIds(by, {"e": eids, "c": fids, "a": atable.ids}))
    kb.adopt_index("claims_with_predicate", _ids(csr("by_predicate"), fids))
    kb.adopt_index("parts", _ids(csr("parts"), eids))
    counts = meta["claim_counts"]
    if not (isinstance(counts, dict) and all(type(v) is int for v in counts.values())):
        raise ValueError("not claim counts")
    kb.adopt_index("claim_counts", MappingProxyType(counts))
    predicates = meta["predicates"]
    if not all(isinstance(p, str) for p in predicates):
        raise ValueError("not predicates")
    kb.adopt_index("predicates", frozenset(predicates))
    restricted = meta["restricted"]
    if not (isinstance(restricted, list) and all(isinstance(r, str) for r in restricted)):
        raise ValueError("not entity ids")
    kb.adopt_index("restricted_ids", frozenset(restricted))
    if not isinstance(meta["summary"], dict):
        raise ValueError("not a summary")
    kb.adopt_index("_summary", meta["summary"])
    kb.adopt_index("newest_article_date", _date_in(meta["newest_article_date"]))


def _same(rows: Sequence[int]) -> Sequence[int]:
    return rows


def _ids(index: RowIndex, ids: list[str]) -> Mapping[str, tuple[str, ...]]:
    """key -> ids, from an index of rows."""
    return Mapped(index, lambda rows: tuple(ids[r] for r in rows))
