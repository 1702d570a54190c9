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
from bot.knowledge.history import ClaimKey, fact_claim_key, fact_when, split_key, statement_key
from bot.knowledge.model import Rank
from bot.knowledge.records import Mapped, RecordView, RowIds, RowSequence, RowValues
from bot.knowledge.snapshot import Fact, KnowledgeBase
from bot.knowledge.tables import Joined, Picked

__all__ = ["ClaimRows", "Redone", "adopt_rows", "fact_when", "timeline_keys"]


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
    sids: Sequence[int]  # per row: its statement's number (equal iff the statements are)
    rids: Sequence[int]  # per row: its compared relation's number (-1: its date is not compared)

    def timeline_keys(self, positions: Iterable[int]) -> list[ClaimKey]:
        """What history.statement_groups reads of the claims at these timeline positions,
        from integers alone: nothing is decoded or sliced."""
        timeline, sids, rids, w = self.timeline, self.sids, self.rids, self.when
        out = []
        for p in positions:
            r = timeline[p]
            rid, at = rids[r], 4 * r
            out.append((sids[r], None if rid < 0 else rid, w[at], w[at + 1]))
        return out

    def _numbered(self, new: list[Fact]) -> tuple[list[int], list[int]]:
        """Statement and relation numbers for new claims: a row's where it makes the same
        statement or states the same compared relation, else numbers no row has. Such a row
        has the same subject, so only the subjects' rows are compared."""
        wanted = [split_key(statement_key(f), fact_when(f)) for f in new]
        statements = {s for s, _ in wanted}
        relations = {r for _, r in wanted if r is not None}
        found_s: dict[object, int] = {}
        found_r: dict[object, int] = {}
        keys, w = self.statements, self.when
        for subject in {f.model.subject for f in new}:
            for r in self.by_entity.get(subject, ()):
                statement, relation = split_key(keys[r], w[4 * r : 4 * r + 4])
                if statement in statements:
                    found_s.setdefault(statement, self.sids[r])
                if relation in relations:
                    found_r.setdefault(relation, self.rids[r])
        next_s, next_r = max(self.sids, default=-1) + 1, max(self.rids, default=-1) + 1
        sids, rids = [], []
        for statement, relation in wanted:
            if statement not in found_s:
                found_s[statement], next_s = next_s, next_s + 1
            sids.append(found_s[statement])
            if relation is not None and relation not in found_r:
                found_r[relation], next_r = next_r, next_r + 1
            rids.append(-1 if relation is None else found_r[relation])
        return sids, rids

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
        statements = Joined(self.statements, [statement_key(f) for f in new])
        new_sids, new_rids = self._numbered(new)
        sids, rids = array("i", self.sids), array("i", self.rids)
        sids.extend(new_sids)
        rids.extend(new_rids)
        out = replace(self, view=view, when=when, statements=statements, sids=sids, rids=rids)
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
        order = _edited(self.sorted_rows, gone, fresh, ids.__getitem__)  # by id, as stored
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


def timeline_keys(kb: KnowledgeBase, positions: Iterable[int]) -> list[ClaimKey]:
    """What history.statement_groups reads of the claims at these positions of `kb.timeline`
    (and of its date index): from a compact base's rows without decoding them, else from
    the facts, as the rows were made."""
    rows: ClaimRows | None = kb.__dict__.get("claim_rows")
    if rows is not None:
        return rows.timeline_keys(positions)
    timeline = kb.timeline
    return [fact_claim_key(timeline[p]) for p in positions]


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
    spans = ((w[4 * r], w[4 * r + 1]) for r in rows.timeline)
    kb.adopt_index("date_index", DateIndex.over(spans, Picked(ids, rows.timeline)))
    position = array("i", bytes(4 * len(ids)))  # row -> place in date order
    for n, r in enumerate(rows.by_date):
        position[r] = n
    by_date = Picked(ids, rows.by_date)
    kb.adopt_index("claim_order", ClaimOrder(by_date, RowValues(rows.view.table.rows, position)))
    kb.adopt_index("claims_by_entity", Mapped(rows.by_entity, facts))
    table = rows.view.table
    kb.adopt_index("search_index", Mapped(rows.search, lambda r: RowIds(r, table)))
    kb.adopt_index("search_vocabulary", rows.vocabulary)
    kb.adopt_index("claim_ids_sorted", Picked(ids, rows.sorted_rows))
