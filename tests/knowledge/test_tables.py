"""Strings read in place: what a restored fact base finds by id, and what a damaged file can do."""

from __future__ import annotations

from array import array

import pytest

from bot.knowledge.dateindex import ClaimOrder
from bot.knowledge.records import IdTable, RowIds, RowValues
from bot.knowledge.tables import HashedRows, Joined, Picked, TextTable, hash_slots

IDS = ["csto", "nato", "kazykhanov-yerzhan", "серд\u044eков", "a" * 300, "", "x\udcff"]


def _hashed(items: list[str]) -> HashedRows:
    texts = TextTable.build(items)
    data, at = texts.parts()  # as the snapshot stores them: bytes and offsets
    stored = TextTable(bytes(data), array("I", bytes(at)))
    return HashedRows(stored, hash_slots(stored))


def test_a_text_table_reads_back_every_string_and_slice() -> None:
    texts = TextTable.build(IDS)
    assert list(texts) == IDS and len(texts) == len(IDS)
    assert texts[-1] == IDS[-1] and texts[1:3] == IDS[1:3]
    with pytest.raises(IndexError):
        texts[len(IDS)]


def test_ids_are_found_by_hashing_and_unknown_ones_are_not() -> None:
    rows = _hashed(IDS)
    assert [rows[i] for i in IDS] == list(range(len(IDS)))
    assert rows.get("csto ") is None and "CSTO" not in rows and rows.get(42) is None
    assert list(rows) == IDS and list(rows.values()) == list(range(len(IDS)))


def test_an_overlay_hides_and_adds_ids_without_copying_the_table() -> None:
    table = IdTable(*_hashed(IDS).parts())
    edited = table.extended(hidden=["nato", "kazykhanov-yerzhan"], added=["nato", "cis"])
    assert edited.rows["nato"] == len(IDS) and edited.rows["cis"] == len(IDS) + 1
    assert "kazykhanov-yerzhan" not in edited.rows and edited.rows["csto"] == 0
    assert len(edited) == len(IDS) and edited.ids[len(IDS) + 1] == "cis"
    again = edited.extended(hidden=["cis"], added=["sco"])  # layers never pile up
    assert list(again.rows) == [i for i in IDS if i not in ("nato", "kazykhanov-yerzhan")] + [
        "nato",
        "sco",
    ]
    assert again.ids[len(IDS) + 2] == "sco" and "cis" not in again.rows
    assert table.rows["nato"] == 1  # the table it came from is unchanged


def test_a_forged_hash_table_ends_and_finds_nothing_wrong() -> None:
    texts = TextTable.build(IDS)
    full = array("I", [3] * 16)  # every slot names row 2: no empty slot to stop at
    rows = HashedRows(texts, full)
    assert rows.get("nato") is None  # probed every slot once, never the wrong row
    assert rows.get("kazykhanov-yerzhan") == 2
    with pytest.raises(ValueError):
        HashedRows(texts, array("I", [0] * 6))  # not a power of two


def test_damaged_text_reads_as_replacement_characters_not_an_error() -> None:
    texts = TextTable(b"ok\xff\xfe", array("I", [0, 2, 4]))
    assert texts[0] == "ok" and texts[1] == "\ufffd\ufffd"
    with pytest.raises(ValueError):
        TextTable(b"abc", array("I", [0, 2, 1, 3]))  # offsets going backwards
    with pytest.raises(ValueError):
        TextTable(b"abc", array("I", [0, 4]))  # past the end


def test_joined_and_picked_sequences_read_through() -> None:
    joined = Joined(TextTable.build(["a", "b"]), ["c"])
    assert list(joined) == ["a", "b", "c"] and joined[-1] == "c"
    with pytest.raises(IndexError):
        joined[3]
    with pytest.raises(IndexError):
        joined[-4]
    picked = Picked(joined, array("I", [2, 0]))
    assert list(picked) == ["c", "a"] and picked == ["c", "a"] and picked[:1] == ["c"]


def test_row_id_sets_combine_by_rows_and_rank_like_ids() -> None:
    table = IdTable(*_hashed(["c1", "c2", "c3", "c4"]).parts())
    a, b = RowIds(array("I", [0, 1, 2]), table), RowIds(array("I", [1, 2, 3]), table)
    both, either = a & b, a | b
    assert isinstance(both, RowIds) and sorted(both) == ["c2", "c3"]
    assert isinstance(either, RowIds) and sorted(either) == ["c1", "c2", "c3", "c4"]
    assert "c1" in a and "c4" not in a and "nope" not in a and len(a) == 3
    assert a & frozenset({"c1", "c9"}) == frozenset({"c1"})  # with plain ids: plain ids
    order = ClaimOrder(["c4", "c2", "c1", "c3"], RowValues(table.rows, array("i", [2, 1, 3, 0])))
    assert sorted(order.ranked(both)) == sorted(order.ranked(["c2", "c3"])) == [1, 3]
