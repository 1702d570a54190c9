"""Strings read in place from a buffer: a table of texts, and ids found by hashing.

Why: a process restored from the snapshot should not hold a Python string for each of
200,000 names and ids it may never show (about 60 bytes each, plus a dict or list slot), and
several serving processes should share those bytes: these tables sit over the memory-mapped
file and decode one string when it is asked for.

A damaged or forged buffer can only read wrong strings, never fail or run long: decoding
falls back to replacement characters, every slice is bounds-checked by Python, and a hash
probe visits each slot at most once.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import pairwise
from typing import Any, TypeVar, overload

__all__ = ["HashedRows", "Joined", "Picked", "TextTable", "hash_slots"]

T = TypeVar("T")


def _text(raw: memoryview | bytes) -> str:
    try:
        return str(raw, "utf-8", "surrogatepass")
    except UnicodeDecodeError:  # only a damaged file gets here
        return str(raw, "utf-8", "replace")


class TextTable(Sequence[str]):
    """n strings: UTF-8 bytes one after another and n + 1 byte offsets."""

    __slots__ = ("_at", "_buf")

    def __init__(self, buf: bytes | memoryview, at: array[int] | memoryview) -> None:
        if len(at) < 1 or at[0] != 0 or at[-1] != len(buf):
            raise ValueError("a text table's offsets do not span its bytes")
        if any(a > b for a, b in pairwise(at)):
            raise ValueError("a text table's offsets go backwards")
        self._buf = memoryview(buf).cast("B") if not isinstance(buf, bytes) else buf
        self._at = at

    @classmethod
    def build(cls, items: Iterable[str]) -> TextTable:
        """A table of these strings (made in memory, e.g. to write a snapshot): one encode of
        the whole text, so a million names make no million bytes objects at once."""
        items = items if isinstance(items, list) else list(items)
        at, total = array("I", [0]), 0
        for item in items:
            total += len(item) if item.isascii() else len(item.encode("utf-8", "surrogatepass"))
            at.append(total)
        return cls("".join(items).encode("utf-8", "surrogatepass"), at)

    def parts(self) -> tuple[memoryview, memoryview]:
        """(bytes, offsets) as stored: what a snapshot writes."""
        return memoryview(self._buf).cast("B"), memoryview(self._at).cast("B")

    def __len__(self) -> int:
        return len(self._at) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if type(index) is int and index >= 0:  # the usual case, asked for by every lookup
            at = self._at
            raw = self._buf[at[index] : at[index + 1]]  # IndexError past the end
            try:
                return str(raw, "utf-8", "surrogatepass")
            except UnicodeDecodeError:  # only a damaged file gets here
                return str(raw, "utf-8", "replace")
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        n = len(self._at) - 1
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(index)
        return _text(self._buf[self._at[index] : self._at[index + 1]])

    def raw(self, index: int) -> bytes | memoryview:
        """Item `index` as bytes, not decoded (for comparing with an encoded key)."""
        return self._buf[self._at[index] : self._at[index + 1]]

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self)):
            yield self[i]


def hash_slots(texts: TextTable) -> array[int]:
    """An open-addressing table for `HashedRows`: a power of two of at least twice the
    items' slots, each 0 (empty) or row + 1, placed by CRC-32 with linear probing."""
    size = 8
    while size < 2 * len(texts):
        size *= 2
    slots, mask = array("I", bytes(4 * size)), size - 1
    for row in range(len(texts)):
        at = zlib.crc32(texts.raw(row)) & mask
        while slots[at]:
            at = (at + 1) & mask
        slots[at] = row + 1
    return slots


class _Rows:
    """`HashedRows.values()`: the rows in order, without looking an id up."""

    __slots__ = ("_of",)

    def __init__(self, of: HashedRows) -> None:
        self._of = of

    def __iter__(self) -> Iterator[int]:
        return self._of.rows()

    def __len__(self) -> int:
        return len(self._of)


class HashedRows(Mapping[str, int]):
    """id -> row over a TextTable of ids and its hash slots, in row order; an overlay's
    `hidden` rows are left out and its `added` ids (rows after the table's) put in."""

    __slots__ = ("_added", "_at", "_buf", "_hidden", "_ids", "_mask", "_n", "_slots")

    def __init__(
        self,
        ids: TextTable,
        slots: array[int] | memoryview,
        hidden: frozenset[int] = frozenset(),
        added: dict[str, int] | None = None,
    ) -> None:
        size = len(slots)
        if size < 1 or size & (size - 1) or size < len(ids):
            raise ValueError("an id hash table's size is not a power of two above its ids")
        self._ids, self._slots, self._mask = ids, slots, size - 1
        self._buf, self._at, self._n = ids._buf, ids._at, len(ids)  # read in the probe loop
        self._hidden, self._added = hidden, added or {}

    def _row(self, ident: str) -> int | None:
        try:
            key = ident.encode("utf-8", "surrogatepass")
        except (AttributeError, UnicodeEncodeError):
            return None
        slots, buf, at, n, mask = self._slots, self._buf, self._at, self._n, self._mask
        slot = zlib.crc32(key) & mask
        for _ in range(mask + 1):  # a forged table full of rows still ends
            row = slots[slot]
            if not row:
                return None
            if row <= n and buf[at[row - 1] : at[row]] == key:
                return row - 1
            slot = (slot + 1) & mask
        return None

    def get(self, ident: Any, default: Any = None) -> Any:
        row = self._added.get(ident) if self._added else None
        if row is None:
            row = self._row(ident)
            if row is None or row in self._hidden:
                return default
        return row

    def __getitem__(self, ident: str) -> int:
        row = self.get(ident)
        if row is None:
            raise KeyError(ident)
        return row

    def __contains__(self, ident: object) -> bool:
        return self.get(ident) is not None

    def __len__(self) -> int:
        return len(self._ids) - len(self._hidden) + len(self._added)

    def __iter__(self) -> Iterator[str]:
        hidden = self._hidden
        for row in range(len(self._ids)):
            if row not in hidden:
                yield self._ids[row]
        yield from self._added

    def parts(self) -> tuple[TextTable, HashedRows]:
        """(the strings by row, this mapping): an IdTable's two halves."""
        return self._ids, self

    def rows(self) -> Iterator[int]:
        """The rows in order (what `values()` gives, without looking ids up)."""
        hidden = self._hidden
        yield from (r for r in range(len(self._ids)) if r not in hidden)
        yield from self._added.values()

    def values(self) -> _Rows:  # type: ignore[override]
        return _Rows(self)

    def items(self) -> Iterator[tuple[str, int]]:  # type: ignore[override]
        ids, hidden = self._ids, self._hidden
        yield from ((ids[r], r) for r in range(len(ids)) if r not in hidden)
        yield from self._added.items()

    def overlaid(self, hidden: Iterable[str], added: Iterable[str], first: int) -> HashedRows:
        """These rows without the `hidden` ids, with `added` in rows from `first` on."""
        base_hidden, extra = set(self._hidden), dict(self._added)
        for ident in hidden:
            if extra.pop(ident, None) is None:
                row = self._row(ident)
                if row is not None:
                    base_hidden.add(row)
        for n, ident in enumerate(added):
            extra[ident] = first + n
        return HashedRows(self._ids, self._slots, frozenset(base_hidden), extra)


class Joined(Sequence[T]):
    """A row-indexed sequence with a few rows after it: the ids (or statement keys) of an
    overlay's rows over the snapshot's. One layer, however often it is extended."""

    __slots__ = ("_base", "_more")

    def __init__(self, base: Sequence[T], more: list[T]) -> None:
        if isinstance(base, Joined):  # one layer over the stored rows, never more
            base, more = base._base, [*base._more, *more]
        self._base, self._more = base, more

    def __len__(self) -> int:
        return len(self._base) + len(self._more)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        n, total = len(self._base), len(self)
        if index < 0:
            index += total
        if not 0 <= index < total:
            raise IndexError(index)
        return self._base[index] if index < n else self._more[index - n]


class Picked(Sequence[str]):
    """items[rows[i]]: the ids of some rows, in the rows' order, decoded when read."""

    __slots__ = ("_items", "_rows")

    def __init__(self, items: Sequence[str], rows: Sequence[int]) -> None:
        self._items, self._rows = items, rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._items[r] for r in self._rows[index]]
        return self._items[self._rows[index]]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]
