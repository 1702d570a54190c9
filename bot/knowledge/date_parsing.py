"""Reading dates as articles and users write them: one parser for every door.

There is one parser, `parse_date`; `parse_period` is the same parser under the name
used for user queries. Every failure is a `DateError` whose message is a sentence an
editor or chat user can act on. Scanning is linear in the input, which is capped.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.knowledge.dates import (
    MONTH_NAMES,
    PARTS,
    RANK,
    DateError,
    DateValue,
    Precision,
    display_unit,
    unit_interval,
)

__all__ = ["MAX_LENGTH", "parse_date", "parse_period"]

MAX_LENGTH = 200
"""Longer input is rejected before any parsing: no real date needs more."""

_EXAMPLES = "try 2012-04-06, April 6 2012, April 2012, 2012 or late 2008"

# A year-less date may fall this far after its context (an article announcing an
# upcoming summit); anything later is taken to be from the previous year.
_LOOKAHEAD = datetime.timedelta(days=92)


_MONTHS = {name.lower(): i for i, name in enumerate(MONTH_NAMES, start=1)}
_MONTHS.update({name[:3].lower(): i for i, name in enumerate(MONTH_NAMES, start=1)})
_MONTHS["sept"] = 9

_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_WEEKDAYS.update({name[:3].lower(): i for i, name in enumerate(calendar.day_name)})
_WEEKDAYS.update({"tues": 1, "thur": 3, "thurs": 3})

_SEASONS = frozenset({"spring", "summer", "autumn", "fall", "winter"})
_FILLERS = frozenset({"on", "accessed", "in"})  # "accessed April 9", "on April 6"
_RANGE_WORDS = frozenset({"to", "until", "till", "through", "thru"})

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_NORMALISE = str.maketrans({**dict.fromkeys(_DASHES, "-"), "\u2019": "'", "\u2018": "'"})
_EDGE = " ,;:!?()[]{}<>\"'«»“”"  # tolerated around a date, as in "(Interfax, April 6)."

# Simple alternatives with no nested repetition: scanning is linear in the input.
_TOKEN = re.compile(
    r" |(?P<num>[0-9]++)(?P<suf>st|nd|rd|th|'s|s)?(?![a-z0-9])"
    r"|(?P<word>[a-z]++)|(?P<dots>\.\.)|(?P<sym>[-/,.])",
    re.ASCII | re.IGNORECASE,
)

# The common exact forms `_simple` reads: four-digit years, one- or two-digit days, one
# space between words, a comma only right after the day of "April 6, 2012".
_SIMPLE = re.compile(
    r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?"
    r"|(?P<word>[A-Za-z]{3,9}) (?:(?P<word_day>[0-9]{1,2})(?:,? (?P<word_year>[0-9]{4}))?"
    r"|(?P<month_year>[0-9]{4}))"
    r"|(?P<lead_day>[0-9]{1,2}) (?P<day_word>[A-Za-z]{3,9}) (?P<year_word>[0-9]{4})",
    re.ASCII,
)

# -------------------------------------------------------------------------- parser


class _Fail(Exception):
    """Internal failure; `template` has "{q}" where the quoted input goes."""

    def __init__(self, template: str) -> None:
        super().__init__(template)
        self.template = template


def _unreadable() -> _Fail:
    return _Fail(f"{{q}} is not a date I can read; {_EXAMPLES}.")


def _invalid(reason: str) -> _Fail:
    return _Fail(f"{{q}} is not a date: {reason}.")


def _quote(text: str) -> str:
    """Quote user text for a message: short, and with control characters made visible."""
    short = text if len(text) <= 40 else text[:40] + "…"
    return "'" + "".join(c if c.isprintable() else repr(c)[1:-1] for c in short) + "'"


@dataclass(frozen=True)
class _Tok:
    kind: str  # "num", "word", "..", "-", "/"
    text: str  # lower-cased
    suffix: str = ""
    spaced: bool = False  # preceded by a space, comma or dot: "2011 - 2" is not ISO "2011-2"

    @property
    def value(self) -> int:
        return int(self.text)


@dataclass
class _Partial:
    """One side of a date as written; fields the text left out are None."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    part: str | None = None
    decade: bool = False
    weekday: int | None = None

    @property
    def precision(self) -> Precision:
        if self.decade:
            return Precision.DECADE
        if self.part is not None:
            return Precision.PART
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR


def parse_date(text: str | int | datetime.date, *, context: DateValue | None = None) -> DateValue:
    """Read a date as written in an article, fact file or query.

    `context` is the date of the article the text comes from; it supplies the year of
    year-less dates ("April 6"). Raises DateError, and only DateError, for bad input.
    An int (a YAML year) or datetime.date (a YAML ISO date) is read as its text.
    """
    if context is not None and not isinstance(context, DateValue):
        raise TypeError("context must be a DateValue or None")
    original = _as_text(text)
    try:
        return _parse(original, context)
    except _Fail as fail:
        raise DateError(fail.template.replace("{q}", _quote(original))) from None


def parse_period(text: str | int | datetime.date, *, context: DateValue | None = None) -> DateValue:
    """Parse a period in a user query ("2012", "late 2008", "2011..2012"): same parser."""
    return parse_date(text, context=context)


def _as_text(text: object) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, datetime.datetime):
        return text.date().isoformat()
    if isinstance(text, datetime.date):
        return text.isoformat()
    if isinstance(text, int) and not isinstance(text, bool):
        return str(text)
    raise DateError(f"A date must be written as text, not as {type(text).__name__}; {_EXAMPLES}.")


def _parse(text: str, context: DateValue | None) -> DateValue:
    if len(text) > MAX_LENGTH:
        raise _Fail(f"{{q}} is too long to be a date ({len(text)} characters).")
    if not text.strip():
        raise _Fail(f"An empty text is not a date; {_EXAMPLES}.")
    simple = _simple(text)
    if simple is not None:  # the same partial the scan below would read, found directly
        _validate(simple)
        return _single(text, simple, context)
    items = _merge(_tokenize(_trim(" ".join(text.translate(_NORMALISE).split()))))
    while items and isinstance(items[0], _Tok) and items[0].text in _FILLERS:
        items = items[1:]
    if any(isinstance(i, _Tok) and i.text in _SEASONS for i in items):
        raise _Fail(
            "{q} is not a date I can read: seasons are ambiguous (hemispheres differ, and "
            "winter spans two years); use early, mid or late 2012, or months such as "
            "June–August 2012."
        )
    sides = _split_range(items)
    partials = [_read_side(side) for side in sides]
    for p in partials:
        _validate(p)
    if len(partials) == 1:
        return _single(text, partials[0], context)
    return _range(text, partials[0], partials[1], context)


def _simple(text: str) -> _Partial | None:
    """The partial of a date in one of the common exact forms ("2008-01-21", "2008-01",
    "2008", "April 6, 2012", "April 6 2012", "6 April 2012", "April 2012", "April 6"), or
    None: read it with the full scan. Most dates of a fact base are written so; this reads
    them without tokens, and gives exactly the partial the scan would (the full parser's
    checks and messages then apply to it unchanged)."""
    m = _SIMPLE.fullmatch(text)
    if m is None:
        return None
    g = m.groupdict()
    if g["year"] is not None:  # ISO: "2008", "2008-01", "2008-01-21"
        return _Partial(year=int(g["year"]), month=_number(g["month"]), day=_number(g["day"]))
    month = _MONTHS.get((g["word"] or g["day_word"]).lower())
    if month is None:  # "Monday 6", "spring 2012": the scan reads (or rejects) those
        return None
    if g["word"] is None:  # "6 April 2012"
        return _Partial(day=int(g["lead_day"]), month=month, year=int(g["year_word"]))
    if g["month_year"] is not None:  # "April 2012"
        return _Partial(month=month, year=int(g["month_year"]))
    return _Partial(month=month, day=int(g["word_day"]), year=_number(g["word_year"]))


def _number(digits: str | None) -> int | None:
    return None if digits is None else int(digits)


def _trim(s: str) -> str:
    """Drop punctuation around the date, keeping a trailing ".." (an open range is an error)."""
    while True:
        t = s.strip(_EDGE)
        if t.endswith(".") and not t.endswith(".."):
            t = t[:-1]
        if t.startswith(".") and not t.startswith(".."):
            t = t[1:]
        if t == s:
            return t
        s = t


def _tokenize(s: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos, spaced = 0, False
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if m is None:
            raise _unreadable()
        pos = m.end()
        if m["num"] is not None:
            tokens.append(_Tok("num", m["num"], (m["suf"] or "").lower(), spaced))
        elif m["word"] is not None:
            tokens.append(_Tok("word", m["word"].lower(), spaced=spaced))
        elif m["dots"] is not None:
            tokens.append(_Tok("..", "..", spaced=spaced))
        elif m["sym"] in ("-", "/"):
            tokens.append(_Tok(m["sym"], m["sym"], spaced=spaced))
        else:  # spaces, commas and single dots ("Apr. 6, 2012") only separate words
            spaced = True
            continue
        spaced = False
    return tokens


def _tight(*tokens: _Tok | None) -> bool:
    """True when the tokens are written with nothing between them, as in "2012-04"."""
    return all(t is not None and not t.spaced for t in tokens)


def _is_num(tok: object, *, min_digits: int = 1, max_digits: int = MAX_LENGTH) -> bool:
    return (
        isinstance(tok, _Tok)
        and tok.kind == "num"
        and not tok.suffix
        and min_digits <= len(tok.text) <= max_digits
    )


def _merge(tokens: list[_Tok]) -> list[_Tok | _Partial]:
    """Fold ISO forms ("2012-04-06", "2012/04", "2008-late", "mid-2011") into partials.

    What is left of "-" afterwards separates a range, as in "28-29 November".
    """
    out: list[_Tok | _Partial] = []
    i, n = 0, len(tokens)
    while i < n:
        t0 = tokens[i]
        t1 = tokens[i + 1] if i + 1 < n else None
        t2 = tokens[i + 2] if i + 2 < n else None
        if (
            _is_num(t0, min_digits=4)
            and t1
            and t1.kind in ("-", "/")
            and _is_num(t2, max_digits=2)
            and _tight(t1, t2)
        ):
            assert t2 is not None
            p = _Partial(year=t0.value, month=t2.value)
            t3 = tokens[i + 3] if i + 3 < n else None
            t4 = tokens[i + 4] if i + 4 < n else None
            if t3 and t3.kind == t1.kind and _is_num(t4, max_digits=2) and _tight(t3, t4):
                assert t4 is not None
                p.day = t4.value
                i += 2
            out.append(p)
            i += 3
        elif (
            _is_num(t0, min_digits=4)
            and t1
            and t1.kind == "-"
            and t2
            and t2.text in PARTS
            and _tight(t1, t2)
            and not (i + 3 < n and tokens[i + 3].kind == "num")
        ):
            out.append(_Partial(year=t0.value, part=t2.text))
            i += 3
        elif t0.text in PARTS and t1 and t1.kind == "-" and _is_num(t2, min_digits=4):
            # "mid-2011", also spaced: a range from a bare "mid" to 2011 would mean nothing
            assert t2 is not None
            out.append(_Partial(year=t2.value, part=t0.text))
            i += 3
        else:
            out.append(t0)
            i += 1
    return out


def _split_range(items: list[_Tok | _Partial]) -> list[list[_Tok | _Partial]]:
    """Split "A..B", "A - B", "A to B", "from A to B", "between A and B" into sides."""
    lead = ""
    if items and isinstance(items[0], _Tok) and items[0].text in ("from", "between"):
        lead, items = items[0].text, items[1:]

    def is_separator(item: _Tok | _Partial) -> bool:
        if not isinstance(item, _Tok):
            return False
        if lead == "between":
            return item.text == "and"
        return item.kind in ("..", "-") or item.text in _RANGE_WORDS

    cuts = [i for i, item in enumerate(items) if is_separator(item)]
    if not cuts and not lead:
        return [items]
    if len(cuts) != 1 or cuts[0] == 0 or cuts[0] == len(items) - 1:
        raise _unreadable()
    return [items[: cuts[0]], items[cuts[0] + 1 :]]


def _code(item: _Tok | _Partial) -> str:
    """One letter per item, so a side's shape can be matched as a string like "MDY"."""
    if isinstance(item, _Partial):
        return "I"
    text = item.text
    if item.kind == "num":
        if len(text) <= 2 and item.suffix in ("", "st", "nd", "rd", "th"):
            return "D"
        if len(text) >= 4 and not item.suffix:
            return "Y"
        if len(text) >= 4 and item.suffix in ("s", "'s"):
            return "C"
        return "?"
    if text in _MONTHS:
        return "M"
    if text in PARTS:
        return "P"
    if text in _WEEKDAYS:
        return "W"
    return {"the": "T", "of": "O"}.get(text, "?")


def _read_side(items: list[_Tok | _Partial]) -> _Partial:
    code = "".join(_code(item) for item in items)
    weekday = None
    if code.startswith("W"):
        weekday = _WEEKDAYS[items[0].text]  # type: ignore[union-attr]
        items, code = items[1:], code[1:]
    if code[:2] in ("TD", "TC"):
        items, code = items[1:], code[1:]

    def num(i: int) -> int:
        return items[i].value  # type: ignore[union-attr]

    def month(i: int) -> int:
        return _MONTHS[items[i].text]  # type: ignore[union-attr]

    match code:
        case "I":
            p = _Partial(**vars(items[0]))
        case "Y":
            p = _Partial(year=num(0))
        case "C":
            p = _Partial(year=num(0), decade=True)
            if p.year is not None and p.year % 10:
                raise _invalid("a decade is written with a year ending in 0, such as 2000s")
        case "M":
            p = _Partial(month=month(0))
        case "MY":
            p = _Partial(month=month(0), year=num(1))
        case "MD":
            p = _Partial(month=month(0), day=num(1))
        case "MDY":
            p = _Partial(month=month(0), day=num(1), year=num(2))
        case "DM":
            p = _Partial(day=num(0), month=month(1))
        case "DMY":
            p = _Partial(day=num(0), month=month(1), year=num(2))
        case "DOM":
            p = _Partial(day=num(0), month=month(2))
        case "DOMY":
            p = _Partial(day=num(0), month=month(2), year=num(3))
        case "P":
            p = _Partial(part=items[0].text)  # type: ignore[union-attr]
        case "PY":
            p = _Partial(part=items[0].text, year=num(1))  # type: ignore[union-attr]
        case "D":  # "28" in "28-29 November 2011": only valid as one side of a range
            p = _Partial(day=num(0))
        case "DY":  # "29, 2011" in "November 28-29, 2011"
            p = _Partial(day=num(0), year=num(1))
        case _:
            raise _unreadable()
    if weekday is not None:
        if p.day is None:
            raise _unreadable()
        p.weekday = weekday
    return p


def _check_year(year: int) -> None:
    if year == 0:
        raise _invalid("there is no year 0")
    if year > 9999:
        raise _invalid("years after 9999 are not supported")


def _check_day(day: int, month: int, year: int | None) -> None:
    if day == 0:
        raise _invalid("there is no day 0")
    name = MONTH_NAMES[month - 1]
    if year is None:
        longest = calendar.monthrange(2000, month)[1]  # a leap year: February may have 29
        if day > longest:
            qualifier = "at most" if month == 2 else "only"
            raise _invalid(f"{name} has {qualifier} {longest} days")
    else:
        longest = calendar.monthrange(year, month)[1]
        if day > longest:
            raise _invalid(f"{name} {year} has only {longest} days")


def _validate(p: _Partial) -> None:
    """Catch impossible numbers before any year is borrowed or inferred."""
    if p.month is not None and not 1 <= p.month <= 12:
        raise _invalid(f"there is no month {p.month}")
    if p.year is not None:
        _check_year(p.year)
    if p.day is not None and p.month is not None:
        _check_day(p.day, p.month, p.year)
    if p.day == 0:
        raise _invalid("there is no day 0")


def _interval(p: _Partial) -> tuple[datetime.date, datetime.date]:
    """The days a complete partial covers; raises _Fail for impossible dates."""
    y = p.year
    assert y is not None
    _check_year(y)
    if p.decade:
        return datetime.date(y, 1, 1), datetime.date(y + 9, 12, 31)
    if p.part is not None:
        first = PARTS[p.part]
        return unit_interval(Precision.PART, datetime.date(y, first, 1))  # type: ignore[return-value]
    if p.month is None:
        return datetime.date(y, 1, 1), datetime.date(y, 12, 31)
    if p.day is None:
        return unit_interval(Precision.MONTH, datetime.date(y, p.month, 1))  # type: ignore[return-value]
    _check_day(p.day, p.month, y)
    d = datetime.date(y, p.month, p.day)
    if p.weekday is not None and d.weekday() != p.weekday:
        actual, written = calendar.day_name[d.weekday()], calendar.day_name[p.weekday]
        raise _invalid(f"{display_unit(Precision.DAY, d)} was a {actual}, not a {written}")
    return d, d


def _single(text: str, p: _Partial, context: DateValue | None) -> DateValue:
    if p.month is None and p.day is not None:  # a bare day number
        raise _unreadable()
    inferred = p.year is None
    if inferred:

        def build(year: int) -> tuple[datetime.date, datetime.date]:
            return _interval(_with_year(p, year))

        start, end = _resolve(context, build)
    else:
        start, end = _interval(p)
    return DateValue(start, end, p.precision, text, year_inferred=inferred, is_range=False)


def _with_year(p: _Partial, year: int) -> _Partial:
    return _Partial(**{**vars(p), "year": year})


def _range(text: str, a: _Partial, b: _Partial, context: DateValue | None) -> DateValue:
    # A bare day borrows its month from the other side: "November 28-29", "28-29 November".
    if b.month is None and b.day is not None:
        if a.month is None or a.day is None:
            raise _unreadable()
        b.month = a.month
        _validate(b)
    if a.month is None and a.day is not None:
        if b.month is None or b.day is None:
            raise _unreadable()
        a.month = b.month
        _validate(a)

    def pair(a: _Partial, b: _Partial) -> tuple[datetime.date, datetime.date]:
        # A year written on one side only applies to both; a side that would then fall
        # out of order is in the neighbouring year ("December 28 - January 2, 2012").
        if a.year is None and b.year is not None:
            a = _with_year(a, b.year)
            if _interval(a)[0] > _interval(b)[0]:
                a = _with_year(a, b.year - 1)
        elif b.year is None and a.year is not None:
            b = _with_year(b, a.year)
            if _interval(b)[0] < _interval(a)[0]:
                b = _with_year(b, a.year + 1)
        (start, _), (b_start, end) = _interval(a), _interval(b)
        if end < start:
            raise _Fail(
                f"{{q}} is not a date range: it ends ({display_unit(b.precision, b_start)}) "
                f"before it starts ({display_unit(a.precision, start)})."
            )
        return start, end

    inferred = a.year is None and b.year is None
    if inferred:
        start, end = _resolve(context, lambda year: pair(_with_year(a, year), b))
    else:
        start, end = pair(a, b)
    precision = max(a.precision, b.precision, key=RANK.__getitem__)
    return DateValue(start, end, precision, text, year_inferred=inferred, is_range=True)


def _resolve(
    context: DateValue | None,
    build: Callable[[int], tuple[datetime.date, datetime.date]],
) -> tuple[datetime.date, datetime.date]:
    """Give a year-less date the year that places it at its context (the article's date).

    A year that makes it overlap the context wins. Otherwise take the latest occurrence
    that starts no more than _LOOKAHEAD after the context: an article of April 2012
    saying "December 30" means 2011, but "May 15" (an upcoming summit) means 2012.
    """
    if context is None:
        raise _Fail(
            "{q} has no year; write it in full (such as 6 April 2012), "
            "or read it with the article's date as context."
        )
    candidates = []
    for year in range(max(1, context.start.year - 1), min(9999, context.end.year + 1) + 1):
        try:
            candidates.append(build(year))
        except _Fail:
            continue  # 29 February in a common year, say
    overlapping = [c for c in candidates if c[0] <= context.end and context.start <= c[1]]
    if len(overlapping) == 1:
        return overlapping[0]
    if overlapping:
        raise _Fail(
            f"{{q}} has no year, and its context ({context.display()}) spans more than "
            "one year; write the year."
        )
    horizon = min(context.end, datetime.date.max - _LOOKAHEAD) + _LOOKAHEAD
    earlier = [c for c in candidates if c[0] <= horizon]
    if not earlier:
        raise _Fail(f"{{q}} has no year, and no year near {context.display()} fits it.")
    return max(earlier)
