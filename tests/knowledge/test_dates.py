"""Tests for bot.knowledge.dates: every accepted form, context resolution, semantics and errors."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.knowledge.date_parsing import MAX_LENGTH, parse_date, parse_period
from bot.knowledge.dates import DateError, DateValue, Precision

D = datetime.date
DAY, MONTH, PART, YEAR, DECADE = (
    Precision.DAY,
    Precision.MONTH,
    Precision.PART,
    Precision.YEAR,
    Precision.DECADE,
)

# ----------------------------------------------------------------------------- forms

# text, start, end, precision, display, iso
FORMS = [
    # ISO
    ("2012-04-06", D(2012, 4, 6), D(2012, 4, 6), DAY, "6 April 2012", "2012-04-06"),
    ("2012-04", D(2012, 4, 1), D(2012, 4, 30), MONTH, "April 2012", "2012-04"),
    ("2012", D(2012, 1, 1), D(2012, 12, 31), YEAR, "2012", "2012"),
    ("2012/04/06", D(2012, 4, 6), D(2012, 4, 6), DAY, "6 April 2012", "2012-04-06"),
    ("2012/4", D(2012, 4, 1), D(2012, 4, 30), MONTH, "April 2012", "2012-04"),
    ("2012-2-29", D(2012, 2, 29), D(2012, 2, 29), DAY, "29 February 2012", "2012-02-29"),
    ("2000s", D(2000, 1, 1), D(2009, 12, 31), DECADE, "2000s", "2000s"),
    ("the 1990s", D(1990, 1, 1), D(1999, 12, 31), DECADE, "1990s", "1990s"),
    ("1990's", D(1990, 1, 1), D(1999, 12, 31), DECADE, "1990s", "1990s"),
    ("2008-late", D(2008, 9, 1), D(2008, 12, 31), PART, "late 2008", "2008-late"),
    # natural
    ("April 6, 2012", D(2012, 4, 6), D(2012, 4, 6), DAY, "6 April 2012", "2012-04-06"),
    ("April 6 2012", D(2012, 4, 6), D(2012, 4, 6), DAY, "6 April 2012", "2012-04-06"),
    ("6 April 2012", D(2012, 4, 6), D(2012, 4, 6), DAY, "6 April 2012", "2012-04-06"),
    ("April 6th, 2012", D(2012, 4, 6), D(2012, 4, 6), DAY, "6 April 2012", "2012-04-06"),
    ("6th of April 2012", D(2012, 4, 6), D(2012, 4, 6), DAY, "6 April 2012", "2012-04-06"),
    ("the 1st of May, 2012", D(2012, 5, 1), D(2012, 5, 1), DAY, "1 May 2012", "2012-05-01"),
    ("Apr. 6, 2012", D(2012, 4, 6), D(2012, 4, 6), DAY, "6 April 2012", "2012-04-06"),
    ("Friday, April 6, 2012", D(2012, 4, 6), D(2012, 4, 6), DAY, "6 April 2012", "2012-04-06"),
    ("February 5, 2010", D(2010, 2, 5), D(2010, 2, 5), DAY, "5 February 2010", "2010-02-05"),
    ("April 2012", D(2012, 4, 1), D(2012, 4, 30), MONTH, "April 2012", "2012-04"),
    ("Apr. 2012", D(2012, 4, 1), D(2012, 4, 30), MONTH, "April 2012", "2012-04"),
    ("Sept 2011", D(2011, 9, 1), D(2011, 9, 30), MONTH, "September 2011", "2011-09"),
    ("sep 2011", D(2011, 9, 1), D(2011, 9, 30), MONTH, "September 2011", "2011-09"),
    ("FEB 2012", D(2012, 2, 1), D(2012, 2, 29), MONTH, "February 2012", "2012-02"),
    ("december, 2008", D(2008, 12, 1), D(2008, 12, 31), MONTH, "December 2008", "2008-12"),
    # parts of a year: early = Jan–Apr, mid = May–Aug, late = Sep–Dec
    ("early 2010", D(2010, 1, 1), D(2010, 4, 30), PART, "early 2010", "2010-early"),
    ("mid 2011", D(2011, 5, 1), D(2011, 8, 31), PART, "mid 2011", "2011-mid"),
    ("mid-2011", D(2011, 5, 1), D(2011, 8, 31), PART, "mid 2011", "2011-mid"),
    ("mid – 2011", D(2011, 5, 1), D(2011, 8, 31), PART, "mid 2011", "2011-mid"),
    ("Late 2008", D(2008, 9, 1), D(2008, 12, 31), PART, "late 2008", "2008-late"),
    # day ranges
    (
        "November 28-29, 2011",
        D(2011, 11, 28),
        D(2011, 11, 29),
        DAY,
        "28–29 November 2011",
        "2011-11-28..2011-11-29",
    ),
    (
        "28-29 November 2011",
        D(2011, 11, 28),
        D(2011, 11, 29),
        DAY,
        "28–29 November 2011",
        "2011-11-28..2011-11-29",
    ),
    (
        "November 28–29, 2011",
        D(2011, 11, 28),
        D(2011, 11, 29),
        DAY,
        "28–29 November 2011",
        "2011-11-28..2011-11-29",
    ),
    (
        "April 30 - May 2, 2012",
        D(2012, 4, 30),
        D(2012, 5, 2),
        DAY,
        "30 April – 2 May 2012",
        "2012-04-30..2012-05-02",
    ),
    (
        "December 28, 2011 – January 2, 2012",
        D(2011, 12, 28),
        D(2012, 1, 2),
        DAY,
        "28 December 2011 – 2 January 2012",
        "2011-12-28..2012-01-02",
    ),
    (
        "December 28 - January 2, 2012",  # the year written once; December is the year before
        D(2011, 12, 28),
        D(2012, 1, 2),
        DAY,
        "28 December 2011 – 2 January 2012",
        "2011-12-28..2012-01-02",
    ),
    # explicit ranges
    ("2011..2012", D(2011, 1, 1), D(2012, 12, 31), YEAR, "2011–2012", "2011..2012"),
    ("2011-2012", D(2011, 1, 1), D(2012, 12, 31), YEAR, "2011–2012", "2011..2012"),
    (
        "2012-04-01..2012-04-09",
        D(2012, 4, 1),
        D(2012, 4, 9),
        DAY,
        "1–9 April 2012",
        "2012-04-01..2012-04-09",
    ),
    (
        "April 2012..May 2012",
        D(2012, 4, 1),
        D(2012, 5, 31),
        MONTH,
        "April–May 2012",
        "2012-04..2012-05",
    ),
    ("April–May 2012", D(2012, 4, 1), D(2012, 5, 31), MONTH, "April–May 2012", "2012-04..2012-05"),
    ("from 2011 to 2012", D(2011, 1, 1), D(2012, 12, 31), YEAR, "2011–2012", "2011..2012"),
    (
        "between April 2012 and May 2012",
        D(2012, 4, 1),
        D(2012, 5, 31),
        MONTH,
        "April–May 2012",
        "2012-04..2012-05",
    ),
    ("2011 to 2012", D(2011, 1, 1), D(2012, 12, 31), YEAR, "2011–2012", "2011..2012"),
    (
        "late 2008..early 2009",
        D(2008, 9, 1),
        D(2009, 4, 30),
        PART,
        "late 2008 – early 2009",
        "2008-late..2009-early",
    ),
    (
        "early-late 2010",
        D(2010, 1, 1),
        D(2010, 12, 31),
        PART,
        "early–late 2010",
        "2010-early..2010-late",
    ),
    ("1990s..2000s", D(1990, 1, 1), D(2009, 12, 31), DECADE, "1990s–2000s", "1990s..2000s"),
    # mixed precision: the coarser one is the range's precision
    (
        "2011..2011-06",
        D(2011, 1, 1),
        D(2011, 6, 30),
        YEAR,
        "2011 – June 2011",
        "2011..2011-06",
    ),
    (
        "late 2008 to April 6, 2012",
        D(2008, 9, 1),
        D(2012, 4, 6),
        PART,
        "late 2008 – 6 April 2012",
        "2008-late..2012-04-06",
    ),
    (
        "2012-04-06 - 2012-04-09",
        D(2012, 4, 6),
        D(2012, 4, 9),
        DAY,
        "6–9 April 2012",
        "2012-04-06..2012-04-09",
    ),
    # tolerated wrapping
    ("  (February 5, 2010).  ", D(2010, 2, 5), D(2010, 2, 5), DAY, "5 February 2010", "2010-02-05"),
    ("on October 11, 2011", D(2011, 10, 11), D(2011, 10, 11), DAY, "11 October 2011", "2011-10-11"),
    ("accessed 9 April 2012", D(2012, 4, 9), D(2012, 4, 9), DAY, "9 April 2012", "2012-04-09"),
    ("in\u00a0late\u00a02008", D(2008, 9, 1), D(2008, 12, 31), PART, "late 2008", "2008-late"),
]


@pytest.mark.parametrize(("text", "start", "end", "precision", "display", "iso"), FORMS)
def test_forms(text, start, end, precision, display, iso):
    value = parse_date(text)
    assert (value.start, value.end, value.precision) == (start, end, precision)
    assert value.display() == display
    assert value.iso() == iso
    assert value.text == text
    assert value.year_inferred is False
    assert value.is_range == (".." in iso)
    # the canonical forms read back as the same value
    assert parse_date(iso) == value
    again = parse_date(display)
    assert (again.start, again.end, again.precision) == (start, end, precision)


def test_non_string_yaml_scalars_are_read_as_their_text():
    # PyYAML turns unquoted 2012 into int and 2012-04-06 into datetime.date.
    assert parse_date(2012).iso() == "2012"
    assert parse_date(D(2012, 4, 6)).iso() == "2012-04-06"
    assert parse_date(datetime.datetime(2012, 4, 6, 15, 30)).iso() == "2012-04-06"
    for bad in (None, True, 3.5, ["2012"]):
        with pytest.raises(DateError, match="must be written as text"):
            parse_date(bad)  # type: ignore[arg-type]


def test_parse_period_is_the_same_parser():
    assert parse_period("late 2008") == parse_date("late 2008")
    ctx = parse_date("April 2012")
    assert parse_period("April 6", context=ctx) == parse_date("April 6", context=ctx)


# --------------------------------------------------------------------------- context

APRIL_2012 = parse_date("April 2012")  # Eurasia Daily Monitor 9:71 is month-dated here

# text, context, start, end, precision
CONTEXT_CASES = [
    ("April 6", APRIL_2012, D(2012, 4, 6), D(2012, 4, 6), DAY),
    ("on April 6", APRIL_2012, D(2012, 4, 6), D(2012, 4, 6), DAY),
    ("accessed April 9", APRIL_2012, D(2012, 4, 9), D(2012, 4, 9), DAY),
    ("Apr 6", APRIL_2012, D(2012, 4, 6), D(2012, 4, 6), DAY),
    ("April 6th", APRIL_2012, D(2012, 4, 6), D(2012, 4, 6), DAY),
    ("March 30", APRIL_2012, D(2012, 3, 30), D(2012, 3, 30), DAY),
    ("February 20", APRIL_2012, D(2012, 2, 20), D(2012, 2, 20), DAY),
    # an article of April 2012 saying "December 30" means the December just past
    ("December 30", APRIL_2012, D(2011, 12, 30), D(2011, 12, 30), DAY),
    ("December 30", parse_date("2012-04-11"), D(2011, 12, 30), D(2011, 12, 30), DAY),
    # ...but an upcoming event a few weeks ahead stays in the article's year
    ("on May 15", APRIL_2012, D(2012, 5, 15), D(2012, 5, 15), DAY),
    ("April 12", parse_date("2012-04-09"), D(2012, 4, 12), D(2012, 4, 12), DAY),
    ("April", APRIL_2012, D(2012, 4, 1), D(2012, 4, 30), MONTH),
    ("December", APRIL_2012, D(2011, 12, 1), D(2011, 12, 31), MONTH),
    ("early", APRIL_2012, D(2012, 1, 1), D(2012, 4, 30), PART),
    ("December 30", parse_date("2012"), D(2012, 12, 30), D(2012, 12, 30), DAY),
    ("January 5", parse_date("2012"), D(2012, 1, 5), D(2012, 1, 5), DAY),
    ("April 6", parse_date("late 2008"), D(2008, 4, 6), D(2008, 4, 6), DAY),
    ("February 29", APRIL_2012, D(2012, 2, 29), D(2012, 2, 29), DAY),
    ("November 28-29", APRIL_2012, D(2011, 11, 28), D(2011, 11, 29), DAY),
    ("April 2-6", APRIL_2012, D(2012, 4, 2), D(2012, 4, 6), DAY),
    ("December 28 - January 2", APRIL_2012, D(2011, 12, 28), D(2012, 1, 2), DAY),
]


@pytest.mark.parametrize(("text", "context", "start", "end", "precision"), CONTEXT_CASES)
def test_year_from_context(text, context, start, end, precision):
    value = parse_date(text, context=context)
    assert (value.start, value.end, value.precision) == (start, end, precision)
    assert value.year_inferred is True
    assert value.text == text


def test_written_year_wins_over_context():
    value = parse_date("December 30, 2008", context=APRIL_2012)
    assert value.start == D(2008, 12, 30)
    assert value.year_inferred is False


def test_year_less_date_needs_context():
    with pytest.raises(DateError, match=r"^'April 6' has no year"):
        parse_date("April 6")
    with pytest.raises(DateError, match="has no year"):
        parse_date("November 28-29")


def test_context_spanning_years_is_ambiguous():
    with pytest.raises(DateError, match="spans more than one year"):
        parse_date("April 6", context=parse_date("2011..2012"))
    with pytest.raises(DateError, match="spans more than one year"):
        parse_date("April 6", context=parse_date("2000s"))


def test_leap_day_with_no_leap_year_near_the_context():
    with pytest.raises(DateError, match="no year near April 2011 fits"):
        parse_date("February 29", context=parse_date("April 2011"))


def test_context_must_be_a_date_value():
    with pytest.raises(TypeError):
        parse_date("April 6", context="April 2012")  # type: ignore[arg-type]


# ------------------------------------------------------------------------- semantics


def test_contains_and_overlaps():
    year, late = parse_date("2008"), parse_date("late 2008")
    assert year.contains(late)
    assert not late.contains(year)
    assert year.overlaps(late) and late.overlaps(year)

    month, day = parse_date("April 2012"), parse_date("2012-04-06")
    assert month.contains(day)  # a day is contained in its month
    assert not day.contains(month)  # April 2012 is not known to be the 6th
    assert day.overlaps(month) and month.overlaps(day)

    assert not parse_date("early 2010").overlaps(parse_date("mid 2010"))
    assert parse_date("2000s").contains(parse_date("2008"))
    assert not parse_date("2000s").contains(parse_date("2010"))
    span = parse_date("November 28-29, 2011")
    assert span.contains(parse_date("2011-11-29"))
    assert not span.contains(parse_date("2011-11-30"))
    assert parse_date("late 2011").contains(span)
    for value in (year, late, month, day, span):
        assert value.contains(value) and value.overlaps(value)


def test_sort_key_is_chronological_then_narrower_first():
    texts = ["2012", "2000s", "April 2012", "2012-04-06", "early 2012", "2011..2012", "2012-04-01"]
    ordered = [v.text for v in sorted(map(parse_date, texts), key=DateValue.sort_key)]
    assert ordered == [
        "2000s",
        "2011..2012",
        "early 2012",
        "2012",
        "2012-04-01",
        "April 2012",
        "2012-04-06",
    ]


def test_sort_key_ties_on_start_put_finer_first():
    day, month, part, year = map(parse_date, ["2012-01-01", "2012-01", "early 2012", "2012"])
    assert sorted([year, part, month, day], key=DateValue.sort_key) == [day, month, part, year]


def test_value_semantics():
    assert parse_date("April 6, 2012") == parse_date("6 April 2012")  # text is not compared
    assert hash(parse_date("April 6, 2012")) == hash(parse_date("2012-04-06"))
    assert parse_date("2012-04") != parse_date("2012-04..2012-04")  # is_range differs
    assert str(parse_date("late 2008")) == "late 2008"
    with pytest.raises(AttributeError):
        parse_date("2012").start = D(2011, 1, 1)  # type: ignore[misc]


def test_to_json():
    ctx = APRIL_2012
    assert parse_date("December 30", context=ctx).to_json() == {
        "text": "December 30",
        "display": "30 December 2011",
        "iso": "2011-12-30",
        "start": "2011-12-30",
        "end": "2011-12-30",
        "precision": "day",
        "year_inferred": True,
    }
    assert parse_date("late 2008").to_json()["precision"] == "part"


def test_constructor_rejects_inconsistent_values():
    ok = DateValue(D(2012, 4, 1), D(2012, 4, 30), Precision.MONTH, "April 2012")
    assert ok.display() == "April 2012"
    assert DateValue(D(2012, 4, 1), D(2012, 4, 30), "month", "x").precision is Precision.MONTH
    with pytest.raises(DateError):
        DateValue(D(2012, 4, 1), D(2012, 4, 6), Precision.MONTH, "x")  # not a whole month
    with pytest.raises(DateError):
        DateValue(D(2012, 4, 6), D(2012, 4, 1), Precision.DAY, "x", is_range=True)
    with pytest.raises(DateError):
        DateValue(D(2012, 4, 6), D(2012, 4, 6), "week", "x")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- errors

# text, the reason the message must give
ERRORS = [
    ("2012-13-45", "'2012-13-45' is not a date: there is no month 13."),
    ("2012-00-10", "there is no month 0"),
    ("2012-02-30", "February 2012 has only 29 days"),
    ("2011-02-29", "February 2011 has only 28 days"),
    ("February 30, 2012", "February 2012 has only 29 days"),
    ("February 30", "February has at most 29 days"),
    ("April 31", "April has only 30 days"),
    ("April 0, 2012", "there is no day 0"),
    ("2012-04-00", "there is no day 0"),
    ("0000", "there is no year 0"),
    ("April 0000", "there is no year 0"),
    ("12345", "years after 9999 are not supported"),
    ("10000-01-01", "years after 9999 are not supported"),
    ("2005s", "a decade is written with a year ending in 0"),
    ("", "An empty text is not a date"),
    ("   ", "An empty text is not a date"),
    ("yesterday-ish", "'yesterday-ish' is not a date I can read; try 2012-04-06, April 6 2012"),
    ("end of 2008", "is not a date I can read"),
    ("6", "is not a date I can read"),
    ("April 6 2012 2013", "is not a date I can read"),
    ("2011..", "is not a date I can read"),
    ("2011..2012..2013", "is not a date I can read"),
    ("from 2011", "is not a date I can read"),
    ("6.4.2012", "is not a date I can read"),
    ("２０１２", "is not a date I can read"),  # full-width digits are not read as a year
    ("summer 2012", "seasons are ambiguous"),
    ("April 6", "has no year"),
    ("2012..2011", "it ends (2011) before it starts (2012)"),
    ("mid 2012 to early 2012", "it ends (early 2012) before it starts (mid 2012)"),
    ("Monday, April 6, 2012", "6 April 2012 was a Friday, not a Monday"),
    ("x" * (MAX_LENGTH + 1), "is too long to be a date (201 characters)"),
]


@pytest.mark.parametrize(("text", "reason"), ERRORS)
def test_errors_name_the_reason(text, reason):
    with pytest.raises(DateError) as caught:
        parse_date(text)
    message = str(caught.value)
    assert reason in message
    assert message.endswith(".")
    assert len(message) < 300  # the input is quoted, but never at length


def test_error_is_a_value_error():
    assert issubclass(DateError, ValueError)


def test_messages_make_control_characters_visible():
    with pytest.raises(DateError) as caught:
        parse_date("20\x0012")
    assert "\\x00" in str(caught.value)
    assert "\x00" not in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "x" * 100_000,
        "1-" * 100,
        "2012-" * 40,
        "9" * MAX_LENGTH,
        ".." * 100,
        "april " * 33,
        "1st " * 50,
        "2012-04-06.." * 16,
        "a" * MAX_LENGTH,
    ],
)
def test_hostile_input_fails_fast(text):
    started = time.perf_counter()
    with pytest.raises(DateError):
        parse_date(text)
    assert time.perf_counter() - started < 0.2


# ------------------------------------------------------------------------ properties

WORDS = [
    "april", "Apr.", "may", "Sept", "december", "early", "mid", "late", "of", "the", "to",
    "from", "between", "and", "on", "accessed", "friday", "summer", "6", "6th", "29", "0",
    "31", "13", "2012", "0000", "9999", "10000", "2000s", "2005s", "-", "–", "..", "/", ",",
    ".", "2012-04-06", "2012-13", "2008-late", "mid-2011", "(", "'", "\x00", "\u00a0",
]  # fmt: skip


def _outcome(text: str, context: DateValue | None = None) -> DateValue | None:
    try:
        value = parse_date(text, context=context)
    except DateError as error:
        assert str(error)
        return None
    assert isinstance(value, DateValue)
    assert value.start <= value.end
    value.display(), value.iso(), value.to_json()
    return value


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=MAX_LENGTH + 20))
def test_any_text_gives_a_value_or_a_date_error(text):
    _outcome(text)
    _outcome(text, context=APRIL_2012)


@settings(max_examples=600)
@given(
    st.lists(st.sampled_from(WORDS), max_size=8),
    st.sampled_from([" ", "", "-"]),
    st.sampled_from([None, APRIL_2012, parse_date("late 2008"), parse_date("2000s")]),
)
def test_date_like_soup_gives_a_value_or_a_date_error(words, joiner, context):
    _outcome(joiner.join(words), context)


MONTH_NAMES = (
    "January February March April May June July August September October November December"
)
MONTH_NAMES = MONTH_NAMES.split()


@st.composite
def iso_texts(draw, min_year: int = 1) -> str:
    """A canonical iso() text for one value of a random precision."""
    kind = draw(st.sampled_from(list(Precision)))
    if kind is Precision.DECADE:
        return f"{draw(st.integers(max(1, min_year // 10), 999)) * 10:04d}s"
    year = draw(st.integers(min_year, 9999))
    if kind is Precision.YEAR:
        return f"{year:04d}"
    if kind is Precision.PART:
        return f"{year:04d}-{draw(st.sampled_from(['early', 'mid', 'late']))}"
    if kind is Precision.MONTH:
        return f"{year:04d}-{draw(st.integers(1, 12)):02d}"
    return draw(st.dates(D(year, 1, 1), D(year, 12, 31))).isoformat()


@given(iso_texts())
def test_iso_round_trips(text):
    value = parse_date(text)
    assert value.iso() == text
    assert parse_date(value.iso()) == value


@given(iso_texts(), iso_texts())
def test_range_iso_round_trips(first, second):
    a, b = parse_date(first), parse_date(second)
    assume(a.start <= b.end)
    value = parse_date(f"{first}..{second}")
    assert (value.start, value.end) == (a.start, b.end)
    coarser = max(a.precision, b.precision, key=[*Precision].index)
    assert value.precision is coarser
    again = parse_date(value.iso())
    assert (again.start, again.end, again.precision, again.is_range) == (
        value.start,
        value.end,
        value.precision,
        True,
    )
    assert again.iso() == value.iso()


@given(iso_texts(min_year=1000), iso_texts(min_year=1000), st.booleans())
def test_display_reads_back_as_the_same_interval(first, second, as_range):
    text = f"{first}..{second}" if as_range else first
    try:
        value = parse_date(text)
    except DateError:
        assume(False)
    again = parse_date(value.display())
    assert (again.start, again.end, again.precision) == (value.start, value.end, value.precision)


@given(st.integers(1000, 9999), st.integers(1, 12), st.integers(1, 12))
def test_display_never_shows_a_day_for_month_precision(year, m1, m2):
    month = parse_date(f"{year}-{m1:02d}")
    assert re.fullmatch(r"[A-Z][a-z]+ \d{4}", month.display())
    if m1 <= m2:
        span = parse_date(f"{year}-{m1:02d}..{year}-{m2:02d}")
        assert span.precision is Precision.MONTH
        assert not re.search(r"\b\d{1,2}\b", span.display())


@given(iso_texts(min_year=1000))
def test_coarse_values_never_pad_a_day_or_month(text):
    value = parse_date(text)
    shown = value.display()
    if value.precision is not Precision.DAY:
        assert not re.search(r"\b\d{1,2}\b", shown)
    if value.precision in (Precision.YEAR, Precision.DECADE, Precision.PART):
        assert not any(name in shown for name in ("January", "April", "December"))


@given(iso_texts(), iso_texts())
def test_contains_and_overlaps_agree(first, second):
    a, b = parse_date(first), parse_date(second)
    assert a.overlaps(b) == b.overlaps(a)
    if a.contains(b):
        assert a.overlaps(b)
    if a.contains(b) and b.contains(a):
        assert (a.start, a.end) == (b.start, b.end)


@given(st.dates(D(1000, 1, 1), D(9999, 12, 31)))
def test_a_day_lies_in_its_month_part_year_and_decade(day):
    value = parse_date(day.isoformat())
    month = parse_date(f"{day.year}-{day.month:02d}")
    year = parse_date(str(day.year))
    decade = parse_date(f"{day.year // 10 * 10}s")
    assert month.contains(value) and year.contains(month) and decade.contains(year)
    parts = [parse_date(f"{p} {day.year}") for p in ("early", "mid", "late")]
    assert sum(part.contains(value) for part in parts) == 1
    assert sum(part.contains(month) for part in parts) == 1


@given(st.dates(D(1000, 1, 1), D(9999, 12, 31)))
def test_natural_forms_agree_with_iso(day):
    month = MONTH_NAMES[day.month - 1]
    expected = parse_date(day.isoformat())
    for text in (
        f"{month} {day.day}, {day.year}",
        f"{day.day} {month} {day.year}",
        f"{month[:3]}. {day.day} {day.year}",
    ):
        assert parse_date(text) == expected
