"""Dates as first-class values that remember how precise they are.

Facts come from news articles, which write dates loosely: "April 6" (the year is the
article's), "late 2008", "November 28-29, 2011". Padding those into exact days
("2008-01-01") would claim something the source never said, so a `DateValue` keeps the
interval actually covered (first and last day, inclusive) plus the precision of its
endpoints, and renders only what is known.

Parts of a year split it into three equal thirds, so they tile the year without gaps:
early = January–April, mid = May–August, late = September–December.

Reading dates from text is `bot.knowledge.date_parsing`; every failure there is a
`DateError` whose message is a sentence an editor or chat user can act on.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "MONTH_NAMES",
    "PARTS",
    "PART_OF_MONTH",
    "DateError",
    "DateValue",
    "Precision",
    "display_unit",
]


class Precision(StrEnum):
    """How precise a date's endpoints are, finest first."""

    DAY = "day"
    MONTH = "month"
    PART = "part"  # early / mid / late of a year
    YEAR = "year"
    DECADE = "decade"


ORDER = (Precision.DAY, Precision.MONTH, Precision.PART, Precision.YEAR, Precision.DECADE)
RANK = {p: i for i, p in enumerate(ORDER)}


class DateError(ValueError):
    """A text that is not a usable date; the message is meant for the person who wrote it."""


MONTH_NAMES = tuple(calendar.month_name[m] for m in range(1, 13))  # "January", ...
PARTS = {"early": 1, "mid": 5, "late": 9}  # part name -> first month (four months each)
PART_OF_MONTH = {m: name for name, first in PARTS.items() for m in range(first, first + 4)}

# --------------------------------------------------------------------------- value


@dataclass(frozen=True)
class DateValue:
    """An interval of days with the precision it was written at.

    Equality ignores `text`: "April 6, 2012" and "6 April 2012" are the same value.
    """

    start: datetime.date
    end: datetime.date
    precision: Precision
    text: str = field(compare=False)
    year_inferred: bool = False
    is_range: bool = False

    def __post_init__(self) -> None:
        # Reject inconsistent values up front so display()/iso() never have to guess.
        if type(self.start) is not datetime.date or type(self.end) is not datetime.date:
            raise DateError("A date value needs datetime.date start and end.")
        try:
            precision = Precision(self.precision)
        except ValueError:
            raise DateError(f"{self.precision!r} is not a date precision.") from None
        object.__setattr__(self, "precision", precision)
        if self.end < self.start:
            raise DateError(f"A date value cannot end ({self.end}) before it starts.")
        if not self.is_range and unit_interval(precision, self.start) != (self.start, self.end):
            raise DateError(
                f"{self.start}..{self.end} is not exactly one {precision.value}; "
                "mark it as a range or fix the endpoints."
            )

    def __str__(self) -> str:
        return self.display()

    # -- rendering

    def _endpoint_units(self) -> tuple[Precision, Precision]:
        if not self.is_range:
            return self.precision, self.precision
        return (
            _endpoint_unit(self.start, self.precision, at_end=False),
            _endpoint_unit(self.end, self.precision, at_end=True),
        )

    def display(self) -> str:
        """Human form showing only what is known: "6 April 2012", "April 2012", "late 2008"."""
        su, eu = self._endpoint_units()
        first, last = display_unit(su, self.start), display_unit(eu, self.end)
        if not self.is_range or first == last:
            return first
        s, e = self.start, self.end
        if su == eu and s.year == e.year:
            if su is Precision.DAY:
                if s.month == e.month:
                    return f"{s.day}–{e.day} {MONTH_NAMES[s.month - 1]} {s.year}"
                return f"{s.day} {MONTH_NAMES[s.month - 1]} – {last}"
            if su is Precision.MONTH:
                return f"{MONTH_NAMES[s.month - 1]}–{last}"
            if su is Precision.PART:
                return f"{PART_OF_MONTH[s.month]}–{last}"
        bare = (Precision.YEAR, Precision.DECADE)
        if su in bare and eu in bare:
            return f"{first}–{last}"
        return f"{first} – {last}"

    def iso(self) -> str:
        """Canonical machine form; parse_date(v.iso()) gives back the same interval."""
        su, eu = self._endpoint_units()
        if not self.is_range:
            return _iso(su, self.start)
        return f"{_iso(su, self.start)}..{_iso(eu, self.end)}"

    # -- comparison

    def contains(self, other: DateValue) -> bool:
        """True when every day `other` may denote lies within this value."""
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: DateValue) -> bool:
        """True when the two values share at least one day."""
        return other.start <= self.end and self.start <= other.end

    def sort_key(self) -> tuple[datetime.date, datetime.date, int, bool]:
        """Chronological order: by start, then narrower (earlier-ending, finer) first."""
        return (self.start, self.end, RANK[self.precision], self.is_range)

    def to_json(self) -> dict[str, str | bool]:
        """Plain JSON-ready dict for caches and API answers."""
        return {
            "text": self.text,
            "display": self.display(),
            "iso": self.iso(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "precision": self.precision.value,
            "year_inferred": self.year_inferred,
        }


def unit_interval(unit: Precision, d: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """The one `unit` (day, month, ...) containing `d`; None for the unsupported decade 0s."""
    y = d.year
    if unit is Precision.DAY:
        return d, d
    if unit is Precision.MONTH:
        return d.replace(day=1), d.replace(day=calendar.monthrange(y, d.month)[1])
    if unit is Precision.PART:
        first = PARTS[PART_OF_MONTH[d.month]]
        last_day = calendar.monthrange(y, first + 3)[1]
        return datetime.date(y, first, 1), datetime.date(y, first + 3, last_day)
    if unit is Precision.YEAR:
        return datetime.date(y, 1, 1), datetime.date(y, 12, 31)
    y0 = y // 10 * 10
    if y0 == 0:
        return None
    return datetime.date(y0, 1, 1), datetime.date(y0 + 9, 12, 31)


def _endpoint_unit(d: datetime.date, precision: Precision, *, at_end: bool) -> Precision:
    """The coarsest unit, no coarser than `precision`, that `d` starts (or ends)."""
    for unit in reversed(ORDER[: RANK[precision] + 1]):
        bounds = unit_interval(unit, d)
        if bounds is not None and bounds[1 if at_end else 0] == d:
            return unit
    return Precision.DAY


def display_unit(unit: Precision, d: datetime.date) -> str:
    month = MONTH_NAMES[d.month - 1]
    return {
        Precision.DAY: f"{d.day} {month} {d.year}",
        Precision.MONTH: f"{month} {d.year}",
        Precision.PART: f"{PART_OF_MONTH[d.month]} {d.year}",
        Precision.YEAR: f"{d.year}",
        Precision.DECADE: f"{d.year // 10 * 10}s",
    }[unit]


def _iso(unit: Precision, d: datetime.date) -> str:
    return {
        Precision.DAY: d.isoformat(),
        Precision.MONTH: f"{d.year:04d}-{d.month:02d}",
        Precision.PART: f"{d.year:04d}-{PART_OF_MONTH[d.month]}",
        Precision.YEAR: f"{d.year:04d}",
        Precision.DECADE: f"{d.year // 10 * 10:04d}s",
    }[unit]
