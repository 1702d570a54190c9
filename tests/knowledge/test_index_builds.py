"""The fact base's date order (sorted by a quicker key that must order exactly as
`_date_key`) and the date index's runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from types import MappingProxyType

import pytest

from bot.knowledge.dateindex import DateIndex
from bot.knowledge.dates import DateValue, Precision
from bot.knowledge.model import Rank
from bot.knowledge.snapshot import KnowledgeBase, _date_key, _date_order


@dataclass
class _Dated:
    """What the date keys read of a fact."""

    id: str
    date: DateValue | None
    start: DateValue | None = None
    end: DateValue | None = None

    @property
    def when(self) -> DateValue | None:
        return self.date or self.start or self.end


def _value(start: dt.date, end: dt.date, precision: Precision, is_range: bool) -> DateValue:
    return DateValue(start, end, precision, "t", is_range=is_range)


def test_the_date_order_is_the_date_keys_order():
    day, month = dt.date(2012, 4, 6), dt.date(2012, 4, 1)
    values = [
        _value(day, day, Precision.DAY, False),
        _value(month, dt.date(2012, 4, 30), Precision.MONTH, False),
        _value(month, dt.date(2012, 4, 30), Precision.DAY, True),  # same span, finer
        _value(dt.date(2012, 1, 1), dt.date(2012, 12, 31), Precision.YEAR, False),
        _value(dt.date.min, dt.date.min, Precision.DAY, False),
        _value(dt.date.max, dt.date.max, Precision.DAY, False),
    ]
    facts = [_Dated(f"c{n:02}", v) for n, v in enumerate(values * 3)]
    facts += [_Dated("b-start", None, start=values[0]), _Dated("a-end", None, end=values[3])]
    facts += [_Dated(ident, None) for ident in ("z", "a", "m")]  # undated: last, by id
    facts.reverse()
    assert sorted(facts, key=_date_order) == sorted(facts, key=_date_key)


@pytest.mark.parametrize("which", ["seed_kb", "multi_kb"])
def test_the_claims_are_in_the_date_keys_order(which, request):
    # `_by_date` sorts by the quicker `_date_order`; every date index is built from it
    kb: KnowledgeBase = request.getfixturevalue(which)
    assert kb._by_date == tuple(sorted(kb.claims.values(), key=_date_key))


def test_the_date_index_counts_runs_of_one_span():
    spans = [(1, 1), (1, 1), (1, 3), (2, 2), (2, 2), (2, 2), (5, 9)]
    index = DateIndex.over(spans, [f"c{i}" for i in range(len(spans))])
    assert list(index.starts) == [1, 1, 2, 5]
    assert list(index.ends) == [1, 3, 2, 9]
    assert list(index.firsts) == [0, 2, 3, 6, 7]
    assert list(index.wide) == [1, 3]
    with pytest.raises(ValueError, match="date order"):
        DateIndex.over([(2, 2), (1, 1)], ["a", "b"])
    with pytest.raises(ValueError, match="length"):
        DateIndex.over([(1, 1), (1, 1)], ["a"])
    empty = DateIndex.over([], [])
    assert len(empty) == 0 and list(empty.firsts) == [0]


def _some_deprecated(kb: KnowledgeBase) -> KnowledgeBase:
    """The fact base with every third claim deprecated (the timeline leaves them out)."""
    claims = {
        cid: dataclasses.replace(f, model=f.model.model_copy(update={"rank": Rank.DEPRECATED}))
        if n % 3 == 0
        else f
        for n, (cid, f) in enumerate(kb.claims.items())
    }
    return dataclasses.replace(kb, claims=MappingProxyType(claims))


def _expected(kb: KnowledgeBase) -> tuple[tuple, dict[str, tuple], tuple]:
    """The date-ordered indexes as their docstrings say: read from the claims sorted by date."""
    by_date = sorted(kb.claims.values(), key=_date_key)
    by_entity: dict[str, list] = {}
    for fact in by_date:
        for eid in fact.entity_ids():
            by_entity.setdefault(eid, []).append(fact)
    shown = tuple(f for f in by_date if f.when and f.model.rank != Rank.DEPRECATED)
    return tuple(by_date), {k: tuple(v) for k, v in by_entity.items()}, shown


@pytest.mark.parametrize("which", ["seed_kb", "multi_kb"])
@pytest.mark.parametrize("kept_order", [False, True])
def test_the_date_ordered_indexes_are_those_of_the_claims_in_date_order(which, kept_order, request):
    """Built by row (a cold build), or from the date order a reload kept, they are the same."""
    kb: KnowledgeBase = _some_deprecated(request.getfixturevalue(which))
    by_date, by_entity, timeline = _expected(kb)
    assert any(not f.when for f in by_date) and len(timeline) < sum(1 for f in by_date if f.when)
    fresh = dataclasses.replace(kb)  # no index built yet
    if kept_order:
        fresh.__dict__["_by_date"] = by_date  # as _reuse_claim_indexes keeps it
    assert dict(fresh.claims_by_entity) == by_entity
    assert fresh.timeline == timeline
    assert fresh.claim_order.ids == tuple(f.id for f in by_date)
    periods = [f.when for f in timeline[:: max(1, len(timeline) // 7)]]
    periods.append(_value(dt.date(2012, 1, 1), dt.date(2012, 12, 31), Precision.YEAR, False))
    for period in periods:
        assert list(fresh.dated_in(period)) == [f for f in timeline if period.contains(f.when)]
    assert ("_date_rows" in fresh.__dict__) is not kept_order  # a kept order is not redone
