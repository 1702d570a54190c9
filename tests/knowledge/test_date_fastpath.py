"""The fast path for common date forms reads exactly what the full scan reads.

Every text is parsed twice, once as the bot does and once with the fast path turned off,
and the two outcomes (the value with its text, precision and flags, or the error message)
must be the same, for valid dates, impossible ones (30 February, month 13, day 0, year 0)
and near misses of the fast forms that only the scan may read or reject.
"""

from __future__ import annotations

import datetime
import itertools
import random

import pytest

from bot.knowledge import date_parsing
from bot.knowledge.date_parsing import parse_date
from bot.knowledge.dates import DateError, DateValue
from tests.conftest import KNOWLEDGE

CONTEXTS: list[DateValue | None] = [
    None,
    parse_date("2012-04-06"),
    parse_date("2011-12-30"),
    parse_date("2012-01-02"),
    parse_date("February 2012"),
    parse_date("2011"),
    parse_date("2010..2012"),
    parse_date("late 2008"),
    parse_date("0001-02-03"),
    parse_date("9999-11-30"),
]

CURATED = [
    "2008-01-21",
    "2008-01",
    "2008",
    "2011-02-30",
    "2011-02-29",
    "2012-02-29",
    "2011-13-01",
    "2011-00-10",
    "2011-04-00",
    "2011-04-31",
    "0000",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "1900-02-29",
    "2000-02-29",
    "2008-1-21",
    "2008-01-2",
    "20080-01-01",
    "02008-01-01",
    "2008-01-21 ",
    " 2008-01-21",
    "2008-01-21.",
    "(2008-01-21)",
    "2008/01/21",
    "2008--01",
    "2008-01-",
    "-2008",
    "2008-late",
    "2008-01-21..2008-02-01",
    "2008-01-21\n",
    "２００８",
    "April 6, 2012",
    "April 6 2012",
    "6 April 2012",
    "April 2012",
    "April 6",
    "april 6, 2012",
    "APRIL 6, 2012",
    "Apr 6, 2012",
    "Sept 6, 2012",
    "Sep 31, 2012",
    "February 29, 2011",
    "February 29",
    "February 30",
    "February 29, 2012",
    "April 0, 2012",
    "April 00",
    "April 06",
    "April 6,2012",
    "April 6 ,2012",
    "April  6, 2012",
    "April 6, 12",
    "April 6, 20120",
    "April 123",
    "April 201",
    "6 April",
    "6 April, 2012",
    "06 April 2012",
    "32 May 2012",
    "0 May 2012",
    "Monday 6",
    "Monday 6, 2012",
    "Spring 2012",
    "spring 6, 2012",
    "mid 2016",
    "Mayo 6, 2012",
    "Ma 6, 2012",
    "Septembers 6, 2012",
    "April 6th",
    "April 6th, 2012",
    "April 6, 0000",
    "April 2012s",
    "Apr. 6, 2012",
    "December 31",
    "January 1",
    "May 2012",
    "December 30",
    "May 15",
    "Dec 2008",
    "dec 2008",
    "Décembre 2008",
    "April\t6, 2012",
]


def _outcome(text: str, context: DateValue | None) -> tuple[object, ...]:
    try:
        v = parse_date(text, context=context)
    except DateError as exc:
        return ("error", str(exc))
    return (v.start, v.end, v.precision, v.text, v.year_inferred, v.is_range)


def _both(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    cases = list(itertools.product(texts, CONTEXTS))
    fast = [_outcome(t, c) for t, c in cases]
    with monkeypatch.context() as m:
        m.setattr(date_parsing, "_simple", lambda text: None)
        full = [_outcome(t, c) for t, c in cases]
    return fast, full


def _generated() -> list[str]:
    rng = random.Random(18)
    names = ["January", "February", "april", "MAY", "Jun", "sept", "Sep", "dec", "Monday", "fall"]
    texts = []
    for _ in range(3000):
        y = rng.choice(["0000", "0001", "1900", "2000", "2011", "2012", "9999", "999", "20120"])
        m = rng.choice(["00", "01", "02", "04", "09", "12", "13", "1", "2"])
        d = rng.choice(["00", "01", "1", "28", "29", "30", "31", "32", "09", "9"])
        name = rng.choice(names)
        texts += [
            f"{y}-{m}-{d}",
            f"{y}-{m}",
            y,
            f"{name} {d}, {y}",
            f"{name} {d} {y}",
            f"{d} {name} {y}",
            f"{name} {y}",
            f"{name} {d}",
        ]
    return sorted(set(texts))


def test_curated_dates_read_the_same_with_and_without_the_fast_path(monkeypatch):
    fast, full = _both(CURATED, monkeypatch)
    assert fast == full
    assert ("error", "'2011-02-30' is not a date: February 2011 has only 28 days.") in fast


def test_generated_dates_read_the_same_with_and_without_the_fast_path(monkeypatch):
    texts = _generated()
    fast, full = _both(texts, monkeypatch)
    assert fast == full
    assert sum(isinstance(o[0], datetime.date) for o in fast) > 1000  # many read fine
    assert sum(o[0] == "error" for o in fast) > 1000  # and many are rejected


def test_fixture_base_dates_read_the_same_with_and_without_the_fast_path(monkeypatch):
    texts = set()
    for path in KNOWLEDGE.rglob("*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, value = line.strip().lstrip("- ").partition(":")
            if key in ("date", "start", "end") and value.strip():
                texts.add(value.strip().strip("\"'"))
    assert len(texts) > 10
    fast, full = _both(sorted(texts), monkeypatch)
    assert fast == full


@pytest.mark.parametrize(
    "text", ["2008-01-21", "2008-01", "2008", "April 6, 2012", "6 April 2012", "April 6"]
)
def test_the_common_forms_take_the_fast_path(text):
    assert date_parsing._simple(text) is not None
