"""The date index and the claim order: which claims a period holds, counted without looking
at them, and claims put in date order by position rather than by comparing their dates.

Both are built from plain data (claim ids and day ordinals), never hold a claim, and answer
with positions and ids: the caller looks up only the claims it shows.

The timeline is in date order, and its order begins with (first day, last day): every claim
with one span of days (one day, one month, `late 2008`, a range) sits in one contiguous run of
positions. There are far fewer distinct spans than claims, so a period is answered span by
span: `inside` takes the spans that lie within it, `around` the wider spans that include it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar, overload

from bot.knowledge.records import RowIds, RowValues

__all__ = ["ClaimOrder", "DateIndex", "Listing", "Runs"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Runs:
    """Timeline positions as runs `[start, stop)`, in timeline order; counted without listing."""

    runs: tuple[tuple[int, int], ...] = ()

    def __len__(self) -> int:
        return sum(stop - start for start, stop in self.runs)

    def __iter__(self) -> Iterator[int]:
        for start, stop in self.runs:
            yield from range(start, stop)

    def first(self, count: int) -> list[int]:
        """The first `count` positions, without going through the others."""
        out: list[int] = []
        for start, stop in self.runs:
            if len(out) >= count:
                break
            out.extend(range(start, min(stop, start + count - len(out))))
        return out


def _runs(pairs: Iterable[tuple[int, int]]) -> Runs:
    """Runs in order, touching ones joined."""
    out: list[tuple[int, int]] = []
    for start, stop in pairs:
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], stop)
        else:
            out.append((start, stop))
    return Runs(tuple(out))


@dataclass(frozen=True, slots=True)
class DateIndex:
    """Distinct spans of the timeline with their runs of positions, and the claim ids."""

    ids: Sequence[str]  # claim ids in timeline order
    starts: array  # per distinct span, in (start, end) order: its first day's ordinal
    ends: array  # ... its last day's ordinal
    firsts: array  # ... its first timeline position; one more entry: len(ids)
    wide: array  # the spans longer than a day, by number, in span order
    wide_starts: array  # their first days, for bisection

    @classmethod
    def build(cls, dated: Iterable[tuple[str, int, int]]) -> DateIndex:
        """From (claim id, first day ordinal, last day ordinal) in timeline order, which must
        be ordered by first day, then last day (as the timeline is)."""
        ids: list[str] = []

        def spans() -> Iterator[tuple[int, int]]:
            for ident, start, end in dated:
                ids.append(ident)
                yield start, end

        return cls.over(spans(), ids)  # the ids are listed as the spans are read

    @classmethod
    def over(cls, spans: Iterable[tuple[int, int]], ids: Sequence[str]) -> DateIndex:
        """From the (first day, last day) ordinals of the claims `ids` lists, in timeline
        order (a restored fact base passes ids read in place: no string per claim)."""
        starts, ends, firsts = array("i"), array("i"), array("i")
        last: tuple[int, int] | None = None
        count = 0
        for position, span in enumerate(spans):
            if span != last:
                if last is not None and span < last:
                    raise ValueError("the timeline must be in date order")
                starts.append(span[0])
                ends.append(span[1])
                firsts.append(position)
                last = span
            count = position + 1
        firsts.append(count)
        if len(ids) != count:
            raise ValueError("the timeline and its ids differ in length")
        wide = array("i", (i for i in range(len(starts)) if ends[i] > starts[i]))
        wide_starts = array("i", (starts[i] for i in wide))
        return cls(ids, starts, ends, firsts, wide, wide_starts)

    def __len__(self) -> int:
        return len(self.ids)

    def _run(self, span: int) -> tuple[int, int]:
        return self.firsts[span], self.firsts[span + 1]

    def inside(self, start: int, end: int) -> Runs:
        """Positions whose span lies within days `start..end` (ordinals, inclusive)."""
        lo, hi = bisect_left(self.starts, start), bisect_right(self.starts, end)
        ends = self.ends
        return _runs(self._run(i) for i in range(lo, hi) if ends[i] <= end)

    def around(self, start: int, end: int) -> Runs:
        """Positions with a wider span that includes days `start..end`, not that span itself:
        only spans longer than a day can, so only those are looked at."""
        starts, ends, wide = self.starts, self.ends, self.wide
        found = []
        for k in range(bisect_right(self.wide_starts, start)):
            i = wide[k]
            if ends[i] >= end and (starts[i], ends[i]) != (start, end):
                found.append(self._run(i))
        return _runs(found)


@dataclass(frozen=True, slots=True)
class ClaimOrder:
    """Every claim's place in date order (undated last), to sort a set of claim ids by date
    with integers instead of their dates."""

    ids: Sequence[str]  # claim ids in date order
    position: Mapping[str, int]

    @classmethod
    def build(cls, ids_by_date: Iterable[str]) -> ClaimOrder:
        ids = tuple(ids_by_date)
        return cls(ids, {ident: i for i, ident in enumerate(ids)})

    def sort(self, ids: Iterable[str]) -> list[str]:
        """The ids in date order."""
        position, order = self.position, self.ids
        return [order[i] for i in sorted(position[x] for x in ids)]

    def ranked(self, ids: Sequence[str] | Iterable[str]) -> list[int]:
        """The ids' positions (a heap of them yields the ids in date order, one by one):
        read by row, without an id, for the rows of a compact fact base."""
        position = self.position
        if isinstance(ids, RowIds) and isinstance(position, RowValues):
            by_row = position.of_rows(ids)
            if by_row is not None:
                return by_row
        return [position[x] for x in ids]


class Listing(Sequence[T]):
    """The records at some positions of an id list, looked up only when asked for: its length
    is the count of positions; a slice from the start looks up just that many."""

    __slots__ = ("_ids", "_len", "_records", "_runs")

    def __init__(self, records: Mapping[str, T], ids: Sequence[str], runs: Runs) -> None:
        self._records, self._ids, self._runs = records, ids, runs
        self._len = len(runs)

    def __len__(self) -> int:
        return self._len

    def positions(self, count: int) -> list[int]:
        """The first `count` positions in the id list: nothing is looked up."""
        return self._runs.first(count)

    def at_position(self, position: int) -> T:
        """The record at a position of the id list (one of `positions`), looked up now."""
        return self._records[self._ids[position]]

    def _at(self, positions: Iterable[int]) -> list[T]:
        records, ids = self._records, self._ids
        return [records[ids[p]] for p in positions]

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            wanted = range(*index.indices(self._len))
            if not wanted:
                return []
            positions = self._runs.first(max(wanted[0], wanted[-1]) + 1)
            return self._at(positions[i] for i in wanted)
        i = index + self._len if index < 0 else index
        if not 0 <= i < self._len:
            raise IndexError(index)
        return self._at(self._runs.first(i + 1)[-1:])[0]

    def __iter__(self) -> Iterator[T]:
        records, ids = self._records, self._ids
        return (records[ids[p]] for p in self._runs)
