"""A bot that loaded its knowledge from the files serves the snapshot once it is written: the
same answers, the record objects let go, and the next one-file edit reloads in place."""

from __future__ import annotations

import gc
import shutil
import threading
import weakref

import pytest

from bot.commands.table import run
from bot.config import Settings
from bot.loading.holder import KnowledgeHolder
from bot.render.text import render_text
from tests.conftest import FIXTURE

QUESTIONS = ["who lavrov", "who Serdiukov", "org csto", "on 2012", "search gas", "sources"]


@pytest.fixture
def settings(tmp_path) -> Settings:
    """A copy of the fixture fact base with its own, empty cache folder."""
    root = tmp_path / "base"
    shutil.copytree(FIXTURE, root)
    return Settings(
        knowledge_dir=root / "knowledge", seeds_dir=root / "seeds", cache_dir=tmp_path / "cache"
    )


def _answers(holder: KnowledgeHolder) -> list[str]:
    return [render_text(run(holder.kb, q)) for q in QUESTIONS]


def _start(settings: Settings, serve: bool) -> KnowledgeHolder:
    holder, result = KnowledgeHolder.load(settings, serve_snapshot=serve)
    assert holder is not None and result.ok and not result.from_snapshot
    return holder


def _edit_first_claim(settings: Settings, word: str) -> None:
    """Put `word` at the start of the first claim's text in the first claims file."""
    path = sorted((settings.knowledge_dir / "claims").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    block = "    text: >-\n      "
    assert block in text
    path.write_text(text.replace(block, f"{block}{word}. ", 1), encoding="utf-8")


def _hold_writer(monkeypatch) -> threading.Event:
    """The snapshot writer waits for the event before it writes (so a test sees the order)."""
    from bot.loading import snapshot_store

    go = threading.Event()
    write = snapshot_store.SnapshotStore.write

    def held_write(self, *args, **kwargs):
        go.wait(10)
        return write(self, *args, **kwargs)

    monkeypatch.setattr(snapshot_store.SnapshotStore, "write", held_write)
    return go


def test_the_loaded_knowledge_is_swapped_for_its_snapshot_with_the_same_answers(
    settings, monkeypatch
):
    go = _hold_writer(monkeypatch)
    holder = _start(settings, serve=True)
    built = weakref.ref(holder.kb)
    before = _answers(holder)
    loaded_at, loaded_by = holder.kb.loaded_at, holder.kb.loaded_by
    assert not holder.kb.compact
    assert holder.snapshots is not None
    go.set()
    holder.snapshots.wait()
    assert holder.kb.compact  # answering from the mapped snapshot now
    assert _answers(holder) == before
    assert (holder.kb.loaded_at, holder.kb.loaded_by) == (loaded_at, loaded_by)
    assert not holder.cache.files  # the parsed files went with the records, as on a restart
    gc.collect()
    assert built() is None  # nothing holds the loaded records any more


def test_after_the_swap_a_one_file_edit_reloads_in_place(settings):
    holder = _start(settings, serve=True)
    assert holder.snapshots is not None
    holder.snapshots.wait()
    _edit_first_claim(settings, "Zyxwv")
    outcome = holder.reload("test")
    assert outcome.ok, outcome.problems
    assert outcome.parsed_files == 1
    assert holder.kb.compact  # the edit went over the snapshot, not a whole new load
    assert "Zyxwv" in render_text(run(holder.kb, "search zyxwv"))


def test_a_one_off_command_keeps_what_it_loaded(settings):
    holder = _start(settings, serve=False)
    loaded = holder.kb
    assert holder.snapshots is not None
    holder.snapshots.wait()
    assert holder.kb is loaded and not loaded.compact
    assert any((settings.cache_dir / "snapshot").glob("snapshot-*.bin"))  # still kept


def test_a_reload_while_the_snapshot_is_written_is_never_undone(settings, monkeypatch):
    """The writer's snapshot is of the knowledge before the edit: it must not replace the
    reloaded one; the reloaded one's own snapshot is served next."""
    from bot.loading import snapshot_store

    go = threading.Event()
    write = snapshot_store.SnapshotStore.write
    served: list[KnowledgeHolder] = []
    edited: list[bool] = []  # at each write: does the knowledge answering have the edit?

    def held_write(self, *args, **kwargs):
        go.wait(10)
        edited.append("Qwzyx" in render_text(run(served[0].kb, "search qwzyx")))
        return write(self, *args, **kwargs)

    monkeypatch.setattr(snapshot_store.SnapshotStore, "write", held_write)
    holder = _start(settings, serve=True)
    served.append(holder)
    _edit_first_claim(settings, "Qwzyx")
    assert holder.reload("test").ok
    go.set()
    assert holder.snapshots is not None
    holder.snapshots.wait()
    assert edited == [True, True]  # the older snapshot, written first, was not swapped in
    assert holder.kb.compact
    assert "Qwzyx" in render_text(run(holder.kb, "search qwzyx"))


def test_an_unusable_snapshot_leaves_the_loaded_knowledge_answering(settings, monkeypatch):
    from bot.loading import snapshot_store

    monkeypatch.setattr(snapshot_store.SnapshotStore, "read_unmapped", lambda self, *a, **k: None)
    holder = _start(settings, serve=True)
    loaded = holder.kb
    before = _answers(holder)
    assert holder.snapshots is not None
    holder.snapshots.wait()
    assert holder.kb is loaded
    assert _answers(holder) == before


def test_the_snapshot_pages_are_mapped_in_only_after_the_loaded_records_are_gone(
    settings, monkeypatch
):
    """Never both resident: at a million names that kept the peak under 1.5 GB."""
    from bot.loading import snapshot_store

    go = _hold_writer(monkeypatch)
    prefault = snapshot_store._prefault
    loaded: list[weakref.ref] = []
    alive_when_mapped: list[bool] = []

    def watched_prefault(*args, **kwargs):
        alive_when_mapped.append(loaded[0]() is not None)
        return prefault(*args, **kwargs)

    monkeypatch.setattr(snapshot_store, "_prefault", watched_prefault)
    holder = _start(settings, serve=True)
    loaded.append(weakref.ref(holder.kb))
    go.set()
    assert holder.snapshots is not None
    holder.snapshots.wait()
    assert holder.kb.compact
    assert alive_when_mapped == [False]
