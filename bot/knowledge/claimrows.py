"""The claim indexes of a compact fact base, as arrays of record rows, and how an edit
updates them without decoding or rebuilding the rest.

Why: a snapshot restored from disk (bot/loading/snapshot_records.py) keeps its claims as
rows of a memory-mapped file. Its indexes (date order, timeline, claims by entity, search
words) are row arrays read straight from the file; a reload that changes a few claims
(bot/knowledge/overlay.py) drops their old rows and inserts the new ones, comparing rows by
a date key kept as integers (`when`), so nothing else is decoded.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.knowledge.dateindex import ClaimOrder, DateIndex
from bot.knowledge.dates import RANK
from bot.knowledge.history import ClaimKey, statement_key
from bot.knowledge.model import Rank
from bot.knowledge.records import Mapped, RecordView, RowSequence, RowValues
from bot.knowledge.snapshot import Fact, KnowledgeBase

__all__ = ["Appended", "ClaimRows", "Redone", "adopt_rows", "claim_keys", "fact_when"]

_UNDATED = (-1, -1, 0, 0)


def fact_when(fact: Fact) -> tuple[int, int, int, int]:
    """A claim's date key as integers: start and end ordinals, precision rank, is-range."""
    w = fact.when
    if w is None:
        return _UNDATED
    return (w.start.toordinal(), w.end.toordinal(), RANK[w.precision], int(w.is_range))


class _SortedIds(Sequence[str]):
    """Claim ids in sorted order, through a permutation of rows."""

    def __init__(self, ids: list[str], order: Sequence[int]) -> None:
        self._ids, self._order = ids, order

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        if isinstance(i, slice):
            return [self._ids[r] for r in self._order[i]]
        return self._ids[self._order[i]]


class Appended(Sequence[bytes]):
    """A row-indexed sequence with a few rows appended (an overlay's new claims)."""

    def __init__(self, base: Sequence[bytes], added: list[bytes]) -> None:
        if isinstance(base, Appended):  # one layer over the stored rows, never more
            base, added = base._base, [*base._added, *added]
        self._base, self._added, self._first = base, added, len(base)

    def __len__(self) -> int:
        return self._first + len(self._added)

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        if isinstance(i, slice):
            return [self[r] for r in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return self._base[i] if i < self._first else self._added[i - self._first]


class Redone(Mapping[str, Sequence]):
    """key -> a sequence: the base's, with some keys redone (an empty one: the key is gone)."""

    def __init__(self, base: Mapping[str, Sequence[int]], redone: dict[str, Sequence[int]]) -> None:
        self._base, self._redone = base, redone
        born = sum(1 for k, v in redone.items() if v and k not in base)
        died = sum(1 for k, v in redone.items() if not v and k in base)
        self._len = len(base) + born - died

    def changes_keys(self) -> bool:
        """Whether a key was added or removed (not only some rows changed)."""
        base = self._base
        return any(bool(v) != (k in base) for k, v in self._redone.items())

    def __getitem__(self, key: str) -> Sequence:
        rows = self._redone.get(key)
        if rows is None:
            return self._base[key]
        if not rows:
            raise KeyError(key)
        return rows

    def __contains__(self, key: object) -> bool:
        rows = self._redone.get(key)  # type: ignore[call-overload]
        return bool(rows) if rows is not None else key in self._base

    def __iter__(self) -> Iterator[str]:
        redone = self._redone
        yield from (k for k in self._base if k not in redone or redone[k])
        yield from (k for k, v in redone.items() if v and k not in self._base)

    def __len__(self) -> int:
        return self._len


@dataclass(frozen=True)
class ClaimRows:
    """Every claim index of a compact fact base, in rows of `view`."""

    view: RecordView[Fact]
    when: Sequence[int]  # 4 integers per row: see fact_when
    by_date: Sequence[int]
    timeline: Sequence[int]
    by_entity: Mapping[str, Sequence[int]]
    search: Mapping[str, Sequence[int]]
    vocabulary: Sequence[str]
    sorted_rows: Sequence[int]
    statements: Sequence[bytes]  # per row: history.statement_key of its claim

    def claim_keys(self, ids: Iterable[str]) -> list[ClaimKey]:
        """What history.statement_groups reads of these claims, from the rows alone."""
        rows, w, statements = self.view.table.rows, self.when, self.statements
        out = []
        for ident in ids:
            r = rows[ident]
            at = 4 * r
            out.append((statements[r], (w[at], w[at + 1], w[at + 2], w[at + 3])))
        return out

    def key(self, row: int) -> tuple:
        """The row's place in date order, as `snapshot._date_key` orders facts."""
        w, at = self.when, 4 * row
        if w[at] < 0:
            return (1, self.view.table.ids[row])
        return (0, w[at], w[at + 1], w[at + 2], w[at + 3], self.view.table.ids[row])

    def updated(
        self,
        view: RecordView[Fact],
        hidden: set[str],
        new: list[Fact],
        words: Callable[[Fact, bool], Iterable[str]],
    ) -> ClaimRows:
        """These indexes with the `hidden` claims' rows gone and the `new` facts (the last
        rows of `view`, an extension of this one) in place. `words(fact, old)` gives the
        search words of a claim (old: as the base's text read)."""
        rows = self.view.table.rows
        gone = {rows[c] for c in hidden if c in rows}
        first = len(self.view.table.ids)
        fresh = range(first, first + len(new))
        when = array("i", self.when)
        for fact in new:
            when.extend(fact_when(fact))
        statements = Appended(self.statements, [statement_key(f) for f in new])
        out = replace(self, view=view, when=when, statements=statements)
        key = out.key
        pairs = list(zip(fresh, new, strict=True))
        dated = [r for r, f in pairs if f.when and f.model.rank != Rank.DEPRECATED]
        by_date = _edited(self.by_date, gone, fresh, key)
        timeline = _edited(self.timeline, gone, dated, key)
        old_facts = [(r, self.view.at_row(r)) for r in gone]
        by_entity = _redone(
            self.by_entity,
            [(r, f.entity_ids()) for r, f in old_facts],
            [(r, f.entity_ids()) for r, f in pairs],
            key,
        )
        search = _redone(
            self.search,
            [(r, set(words(f, True))) for r, f in old_facts],
            [(r, set(words(f, False))) for r, f in pairs],
            None,
        )
        vocabulary = tuple(sorted(search)) if search.changes_keys() else self.vocabulary
        ids = view.table.ids
        live = view.table.rows.values()
        order = sorted(live, key=ids.__getitem__) if gone or new else self.sorted_rows
        return replace(
            out,
            by_date=by_date,
            timeline=timeline,
            by_entity=by_entity,
            search=search,
            vocabulary=vocabulary,
            sorted_rows=order,
        )


def _edited(
    rows: Sequence[int], gone: set[int], fresh: Iterable[int], key: Callable[[int], tuple]
) -> array:
    """A date-ordered row array without `gone`, with `fresh` inserted in order."""
    out = array("I", rows)
    for row in gone:
        at = bisect_left(out, key(row), key=key)
        if at < len(out) and out[at] == row:
            del out[at]
    for row in fresh:
        insort(out, row, key=key)
    return out


def _redone(
    base: Mapping[str, Sequence[int]],
    old: list[tuple[int, Iterable[str]]],
    fresh: list[tuple[int, Iterable[str]]],
    key: Callable[[int], tuple] | None,
) -> Redone:
    """key -> rows with the `old` rows dropped from their keys and the `fresh` rows added
    under theirs, each kept in its order (`key`: date order; None: row order). Rows are
    edited in a copy of the stored array (a common word has tens of thousands of rows)."""
    drop: dict[str, list[int]] = defaultdict(list)
    for row, keys in old:
        for k in keys:
            drop[k].append(row)
    add: dict[str, list[int]] = defaultdict(list)
    for row, keys in fresh:
        for k in keys:
            add[k].append(row)
    redone: dict[str, Sequence[int]] = {}
    for k in drop.keys() | add.keys():
        rows = array("I", base.get(k, ()))
        for row in drop.get(k, ()):
            at = bisect_left(rows, row if key is None else key(row), key=key)
            if at < len(rows) and rows[at] == row:
                del rows[at]
        for row in add.get(k, ()):
            insort(rows, row, key=key)
        redone[k] = rows
    return Redone(base, redone)


def claim_keys(kb: KnowledgeBase, ids: Sequence[str]) -> list[ClaimKey]:
    """What history.statement_groups reads of these claims: from a compact base's rows
    without decoding them, else computed from the facts as the rows were."""
    rows: ClaimRows | None = kb.__dict__.get("claim_rows")
    if rows is not None:
        return rows.claim_keys(ids)
    claims = kb.claims
    return [(statement_key(f), fact_when(f)) for f in map(claims.__getitem__, ids)]


def adopt_rows(kb: KnowledgeBase, rows: ClaimRows) -> None:
    """Give `kb` its claim indexes over `rows` (facts decoded when read; the date index and
    the claim order from integers and ids alone)."""

    def facts(r: Sequence[int]) -> RowSequence[Fact]:
        return RowSequence(r, rows.view)

    w = rows.when
    kb.adopt_index("claim_rows", rows)
    kb.adopt_index("_by_date", facts(rows.by_date))
    kb.adopt_index("timeline", facts(rows.timeline))
    ids = rows.view.table.ids
    dated = ((ids[r], w[4 * r], w[4 * r + 1]) for r in rows.timeline)
    kb.adopt_index("date_index", DateIndex.build(dated))
    position = array("i", bytes(4 * len(ids)))  # row -> place in date order
    for n, r in enumerate(rows.by_date):
        position[r] = n
    by_date = tuple(ids[r] for r in rows.by_date)
    kb.adopt_index("claim_order", ClaimOrder(by_date, RowValues(rows.view.table.rows, position)))
    kb.adopt_index("claims_by_entity", Mapped(rows.by_entity, facts))
    kb.adopt_index("search_index", Mapped(rows.search, lambda r: frozenset(ids[x] for x in r)))
    kb.adopt_index("search_vocabulary", rows.vocabulary)
    kb.adopt_index("claim_ids_sorted", _SortedIds(ids, rows.sorted_rows))
