"""The date index counts and lists a period's claims as a filter over the whole timeline does."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from bot.knowledge.date_parsing import parse_date
from bot.knowledge.dateindex import ClaimOrder, DateIndex, Runs
from bot.knowledge.dates import DateValue, Precision


def _periods(kb, count: int, seed: int) -> list[DateValue]:
    """The timeline's own dates, and random days, months, parts, years and ranges near them."""
    rng = random.Random(seed)
    own = [f.when for f in kb.timeline]
    years = sorted({d.start.year for d in own})
    out = list({(d.start, d.end): d for d in own}.values())
    texts = []
    for _ in range(count):
        y = rng.randint(years[0] - 1, years[-1] + 1)
        m = rng.randint(1, 12)
        texts += [f"{y}-{m:02d}-{rng.randint(1, 28):02d}", f"{y}-{m:02d}", str(y)]
        texts += [f"{rng.choice(('early', 'mid', 'late'))} {y}", f"{y}..{y + rng.randint(0, 2)}"]
    return out + [parse_date(t) for t in texts]


@pytest.mark.parametrize("name", ["seed_kb", "multi_kb"])
def test_a_period_holds_the_claims_a_filter_over_the_timeline_finds(name, request):
    kb = request.getfixturevalue(name)
    for period in _periods(kb, 60, seed=len(name)):
        inside = [f for f in kb.timeline if period.contains(f.when)]
        around = [
            f
            for f in kb.timeline
            if f.when.contains(period) and (f.when.start, f.when.end) != (period.start, period.end)
        ]
        found_in, found_around = kb.dated_in(period), kb.dated_around(period)
        assert (len(found_in), len(found_around)) == (len(inside), len(around)), period
        assert [f.id for f in found_in] == [f.id for f in inside], period
        assert [f.id for f in found_around] == [f.id for f in around], period
        for cut in (0, 1, 3, len(inside) // 2):
            assert [f.id for f in found_in[:cut]] == [f.id for f in inside[:cut]]
        if inside:
            assert found_in[-1] is inside[-1] and found_in[0] is inside[0]


def test_the_index_is_built_from_ids_and_day_numbers_alone():
    day = dt.date(2012, 4, 6).toordinal()
    april = (dt.date(2012, 4, 1).toordinal(), dt.date(2012, 4, 30).toordinal())
    year = (dt.date(2012, 1, 1).toordinal(), dt.date(2012, 12, 31).toordinal())
    index = DateIndex.build(
        [("y1", *year), ("a1", *april), ("a2", *april), ("d1", day, day), ("d2", day, day)]
    )
    assert list(index.inside(day, day)) == [3, 4]
    assert list(index.inside(*april)) == [1, 2, 3, 4]
    assert len(index.inside(*year)) == 5
    assert list(index.around(day, day)) == [0, 1, 2]  # the year and the month hold the day
    assert list(index.around(*april)) == [0]  # not April itself
    assert len(index.around(*year)) == 0
    assert len(index.inside(day + 1, day + 20)) == 0
    with pytest.raises(ValueError):
        DateIndex.build([("d1", day, day), ("y1", *year)])


def test_runs_are_counted_and_cut_without_listing_them():
    runs = Runs(((2, 5), (9, 11)))
    assert len(runs) == 5 and list(runs) == [2, 3, 4, 9, 10]
    assert runs.first(4) == [2, 3, 4, 9] and runs.first(0) == [] and runs.first(99) == list(runs)


def test_claim_order_sorts_ids_as_the_snapshot_orders_claims(seed_kb):
    order = seed_kb.claim_order
    ids = list(seed_kb.claims)
    random.Random(3).shuffle(ids)
    assert order.sort(ids) == [f.id for f in seed_kb._by_date]
    assert ClaimOrder.build(["b", "a"]).sort({"a", "b"}) == ["b", "a"]


def test_precision_is_kept_apart_from_the_span():
    """A range and a year over the same days are one span: both are 'in 2012'."""
    year = parse_date("2012")
    assert year.precision is Precision.YEAR
    index = DateIndex.build([("r", year.start.toordinal(), year.end.toordinal())] * 2)
    assert len(index.inside(year.start.toordinal(), year.end.toordinal())) == 2
