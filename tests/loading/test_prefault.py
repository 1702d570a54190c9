"""A restart maps in the snapshot's index pages at once, never its records."""

from __future__ import annotations

import mmap

from bot.loading import snapshot_store
from bot.loading.snapshot_store import _MAGIC, _prefault

PARTS = [["entities.blob", 0, 50_000], ["index/b.post", 50_000, 9_000], ["entities.ids", 59_000, 0]]


class FakeMap:
    """Records each madvise; refuses the advice values listed in `refuse` as an old kernel would."""

    def __init__(self, refuse: set[int] = frozenset()) -> None:  # type: ignore[assignment]
        self.calls: list[tuple[int, int, int]] = []
        self.refuse = refuse

    def madvise(self, advice: int, start: int, length: int) -> None:
        if advice in self.refuse:
            raise OSError(22, "Invalid argument")
        self.calls.append((advice, start, length))


def test_index_parts_are_populated_and_records_are_not() -> None:
    fake = FakeMap()
    _prefault(fake, PARTS)  # type: ignore[arg-type]
    assert len(fake.calls) == 1  # not the record blob, not the empty part
    advice, start, length = fake.calls[0]
    assert advice == snapshot_store._POPULATE_READ
    first, last = len(_MAGIC) + 50_000, len(_MAGIC) + 59_000
    assert start % mmap.PAGESIZE == 0 and start <= first < last <= start + length


def test_an_old_kernel_gets_read_ahead_instead_and_nothing_fails() -> None:
    fake = FakeMap(refuse={snapshot_store._POPULATE_READ})
    _prefault(fake, PARTS)  # type: ignore[arg-type]
    assert [a for a, _, _ in fake.calls] == [mmap.MADV_WILLNEED]
    none = FakeMap(refuse={snapshot_store._POPULATE_READ, mmap.MADV_WILLNEED})
    _prefault(none, PARTS)  # type: ignore[arg-type]
    assert none.calls == []
