"""Records kept as data and decoded one at a time: the compact fact base behind a snapshot.

Why: at 100k entities and 100k claims, holding every record as a pydantic object costs most of
a serving process's memory and most of a restart, while an answer shows a few dozen records.
These read-only views sit over flat buffers (a memory-mapped snapshot file, see
bot/loading/snapshot_store.py) and decode a record only when it is asked for. Python bounds-
checks every index and slice, so a damaged buffer can only fail to decode (`DamagedRecord`),
never read outside it.

Decoded facts are kept in a weak-value cache: while anything holds a Fact, asking again
gives the very same object, so facts still compare by identity within an answer.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Generic, TypeVar, overload

from bot.knowledge.tables import HashedRows, Joined

V = TypeVar("V")

__all__ = [
    "DamagedRecord",
    "IdTable",
    "Mapped",
    "RecordView",
    "RowIds",
    "RowIndex",
    "RowSequence",
    "RowValues",
]


class DamagedRecord(ValueError):
    """A record in a snapshot does not decode: the file was damaged after it was checked."""


class IdTable:
    """Ids by row and rows by id. A row whose record is hidden (an overlay's base row that an
    edit removed or replaced) keeps its place in `ids` but is not in `rows`.

    Built in memory: a list and a dict. Restored from a snapshot: a TextTable and HashedRows
    over the mapped file (bot/knowledge/tables.py), no string per id."""

    __slots__ = ("ids", "rows")

    def __init__(self, ids: Sequence[str], rows: Mapping[str, int] | None = None) -> None:
        self.ids = ids
        self.rows = {ident: n for n, ident in enumerate(ids)} if rows is None else rows
        if rows is None and len(self.rows) != len(ids):
            raise ValueError("an id is listed twice")

    def __len__(self) -> int:
        return len(self.rows)

    def extended(self, hidden: Iterable[str], added: Iterable[str]) -> IdTable:
        """This table without the `hidden` ids, with `added` in new rows after the last."""
        added = list(added)
        if isinstance(self.rows, HashedRows):
            overlaid = self.rows.overlaid(hidden, added, len(self.ids))
            return IdTable(Joined(self.ids, added), overlaid)
        ids, rows = list(self.ids), dict(self.rows)
        for ident in hidden:
            rows.pop(ident, None)
        for ident in added:
            rows[ident] = len(ids)
            ids.append(ident)
        return IdTable(ids, rows)


class RecordView(Mapping[str, V], Generic[V]):
    """id -> record, each decoded on demand by `decode(row)`; read-only.

    The last 256 records asked for are held strongly, every other decoded one weakly, so a
    record asked for twice in an answer is decoded once and is the same object.
    """

    __slots__ = ("_decode", "_raw", "_strong", "_table", "_weak")

    def __init__(
        self,
        table: IdTable,
        decode: Callable[[int], V],
        raw: Callable[[int], bytes | None] | None = None,
    ) -> None:
        self._table, self._decode, self._raw = table, decode, raw
        self._weak: weakref.WeakValueDictionary[int, V] = weakref.WeakValueDictionary()
        self._strong: deque[V] = deque(maxlen=256)  # appends are atomic: threads share it

    def row(self, ident: str) -> int | None:
        return self._table.rows.get(ident)

    def raw(self, ident: str) -> bytes | None:
        """The record as stored, if it comes from the file (a new snapshot copies it rather
        than decoding and encoding it again); None for a record that is not stored."""
        row = self._table.rows.get(ident)
        return None if row is None or self._raw is None else self._raw(row)

    def at_row(self, row: int) -> V:
        """The record in `row` (decoded if no one holds it)."""
        cache = self._weak
        value = cache.get(row)
        if value is None:
            try:
                value = self._decode(row)
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                raise DamagedRecord(f"record {row} of the snapshot does not decode") from exc
            value = cache.setdefault(row, value)  # another thread's, if it was first
        self._strong.append(value)
        return value

    def __getitem__(self, ident: str) -> V:
        row = self._table.rows.get(ident)
        if row is None:
            raise KeyError(ident)
        return self.at_row(row)

    def __contains__(self, ident: object) -> bool:
        return ident in self._table.rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._table.rows)

    def __len__(self) -> int:
        return len(self._table)

    @property
    def table(self) -> IdTable:
        return self._table

    def values(self) -> Iterator[V]:  # type: ignore[override]
        """Every record, decoded one by one (a full scan: not for a query's hot path)."""
        return (self.at_row(n) for n in self._table.rows.values())

    def items(self) -> Iterator[tuple[str, V]]:  # type: ignore[override]
        return ((ident, self.at_row(n)) for ident, n in self._table.rows.items())

    def extended(
        self,
        hidden: Collection[str],
        added: list[V],
        ids: list[str],
        table: IdTable | None = None,
    ) -> RecordView[V]:
        """A view of these records without `hidden`, plus `added` (with these `ids`) in new
        rows: an overlay's records (this very view if nothing changes). Base rows decode
        through this view, so a record is the same object in both. `table`: the extended id
        table, when another view of the same records made it already."""
        if not hidden and not added:
            return self
        first = len(self._table.ids)
        base, stored = self.at_row, self._raw

        def decode(row: int) -> V:
            return base(row) if row < first else added[row - first]

        def raw(row: int) -> bytes | None:
            return stored(row) if stored is not None and row < first else None

        return RecordView(table or self._table.extended(hidden, ids), decode, raw)


class RowSequence(Sequence[V], Generic[V]):
    """A sequence of records given by their rows (e.g. claims in date order)."""

    __slots__ = ("_rows", "_view")

    def __init__(self, rows: Sequence[int], view: RecordView[V]) -> None:
        self._rows, self._view = rows, view

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> V: ...
    @overload
    def __getitem__(self, i: slice) -> RowSequence[V]: ...
    def __getitem__(self, i: int | slice) -> V | RowSequence[V]:
        if isinstance(i, slice):
            return RowSequence(self._rows[i], self._view)
        return self._view.at_row(self._rows[i])

    def __iter__(self) -> Iterator[V]:
        at_row = self._view.at_row
        return (at_row(r) for r in self._rows)

    def __add__(self, other: Sequence[V]) -> tuple[V, ...]:
        return (*self, *other)

    def __bool__(self) -> bool:
        return len(self._rows) > 0


class RowIndex(Mapping[str, V], Generic[V]):
    """key -> `make(rows)` over CSR arrays: keys[k] owns data[at[k]:at[k + 1]]."""

    __slots__ = ("_at", "_data", "_keys", "_make")

    def __init__(
        self,
        keys: list[str] | Mapping[str, int],
        at: Sequence[int],
        data: Sequence[int],
        make: Callable[[Sequence[int]], V],
    ) -> None:
        """`keys`: the keys in order, or key -> number (e.g. HashedRows read in place)."""
        if len(at) != len(keys) + 1:
            raise ValueError("an index has the wrong number of offsets")
        self._keys = keys if isinstance(keys, Mapping) else {k: n for n, k in enumerate(keys)}
        self._at, self._data, self._make = at, data, make

    def __getitem__(self, key: str) -> V:
        k = self._keys[key]
        return self._make(self._data[self._at[k] : self._at[k + 1]])

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class Mapped(Mapping[str, V], Generic[V]):
    """key -> make(index[key]): an index of rows read as the values answers use (facts, ids)."""

    __slots__ = ("_index", "_make")

    def __init__(self, index: Mapping[str, Sequence[int]], make: Callable[[Sequence[int]], V]):
        self._index, self._make = index, make

    def __getitem__(self, key: str) -> V:
        return self._make(self._index[key])

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


class RowValues(Mapping[str, int]):
    """id -> values[its row]: a number per record kept as an array beside the row table,
    not as another dict of every id."""

    __slots__ = ("_rows", "_values")

    def __init__(self, rows: Mapping[str, int], values: Sequence[int]) -> None:
        self._rows, self._values = rows, values

    def __getitem__(self, ident: str) -> int:
        return self._values[self._rows[ident]]

    def of_rows(self, ids: RowIds) -> list[int] | None:
        """The values of these ids, read by row if they are rows of this table, else None."""
        if ids.table.rows is not self._rows:
            return None
        values = self._values
        return [values[r] for r in ids.rows]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class RowIds(AbstractSet[str]):
    """The ids of some rows of one table. Set operations between two of them work on row
    numbers, and only iterating decodes ids: a common word's 30,000 claims are not made
    30,000 strings to intersect or rank them (`ClaimOrder.ranked` reads `rows`)."""

    __slots__ = ("_set", "rows", "table")

    def __init__(self, rows: Collection[int], table: IdTable) -> None:
        self.rows, self.table = rows, table
        self._set: frozenset[int] | None = rows if isinstance(rows, frozenset) else None

    def _rowset(self) -> frozenset[int]:
        if self._set is None:
            self._set = frozenset(self.rows)
        return self._set

    def __contains__(self, ident: object) -> bool:
        row = self.table.rows.get(ident)  # type: ignore[call-overload]
        return row is not None and row in self._rowset()

    def __iter__(self) -> Iterator[str]:
        ids = self.table.ids
        return (ids[r] for r in self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def _from_iterable(cls, it: Iterable[str]) -> frozenset[str]:  # type: ignore[override]
        return frozenset(it)

    def _mine(self, other: object) -> bool:
        return isinstance(other, RowIds) and other.table is self.table

    def __and__(self, other: object) -> AbstractSet[str]:
        if self._mine(other):
            return RowIds(self._rowset() & other._rowset(), self.table)  # type: ignore[union-attr]
        return super().__and__(other)  # type: ignore[operator]

    def __or__(self, other: object) -> AbstractSet[str]:
        if self._mine(other):
            return RowIds(self._rowset() | other._rowset(), self.table)  # type: ignore[union-attr]
        return super().__or__(other)  # type: ignore[operator]

    __rand__ = __and__
    __ror__ = __or__
