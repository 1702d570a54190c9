"""Records decoded on demand (bot/knowledge/records.py): what a restored snapshot's
`kb.entities` and `kb.claims` are made of."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from bot.knowledge.records import DamagedRecord, IdTable, RecordView, RowSequence


@dataclass(eq=False)
class Rec:
    row: int


def _view(ids: list[str], calls: list[int] | None = None, slow: float = 0.0) -> RecordView:
    def decode(row: int) -> Rec:
        if calls is not None:
            calls.append(row)
        if slow:
            time.sleep(slow)
        if ids[row] == "broken":
            raise ValueError("not a record")
        return Rec(row)

    return RecordView(IdTable(ids), decode)


def test_a_view_is_a_read_only_mapping_that_decodes_once_per_holder() -> None:
    calls: list[int] = []
    view = _view(["a", "b", "c"], calls)
    assert list(view) == ["a", "b", "c"] and len(view) == 3
    assert "b" in view and "z" not in view and view.get("z") is None
    first = view["b"]
    assert view["b"] is first and calls == [1]  # held: the very same object
    assert [r.row for r in view.values()] == [0, 1, 2]


def test_a_record_that_does_not_decode_is_a_damaged_record() -> None:
    view = _view(["a", "broken"])
    with pytest.raises(DamagedRecord):
        view["broken"]
    assert view["a"].row == 0


def test_an_extended_view_hides_and_adds_and_shares_the_base_records() -> None:
    base = _view(["a", "b", "c"])
    b = base["b"]
    new = Rec(99)
    view = base.extended({"a"}, [new], ["d"])
    assert list(view) == ["b", "c", "d"] and len(view) == 3
    assert "a" not in view and view["d"] is new
    assert view["b"] is b  # a base record is the same object through both views
    assert base.extended(set(), [], []) is base  # nothing changed: the view itself


def test_ids_listed_twice_are_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        IdTable(["a", "a"])


def test_a_row_sequence_reads_records_in_its_order() -> None:
    view = _view(["a", "b", "c", "d"])
    seq = RowSequence([3, 1, 2], view)
    assert [r.row for r in seq] == [3, 1, 2] and len(seq) == 3 and seq
    assert seq[0].row == 3 and [r.row for r in seq[1:]] == [1, 2]
    assert not RowSequence([], view)
    assert [r.row for r in seq + (Rec(7),)] == [3, 1, 2, 7]  # noqa: RUF005 (tests +)


def test_threads_asking_for_one_record_get_one_object() -> None:
    view = _view([f"r{i}" for i in range(50)], slow=0.001)
    seen: list[list[Rec]] = [[] for _ in range(8)]
    errors: list[BaseException] = []

    def ask(n: int) -> None:
        try:
            for row in range(50):
                seen[n].append(view[f"r{row}"])
        except BaseException as exc:  # pragma: no cover - what the test looks for
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for row in range(50):
        assert len({id(s[row]) for s in seen}) == 1, row
