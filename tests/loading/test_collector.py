"""A load makes millions of objects and no cycles: the cyclic collector stays out of it, and
is back on afterwards, whether the load worked or not."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.loading.holder import KnowledgeHolder
from tests.conftest import discord_settings


@contextmanager
def collections() -> Iterator[list[int]]:
    """The generations the collector walked in this thread while the block ran. (A full
    collection first: else the few objects made before a load pauses the collector could
    be the ones that reach its threshold.)"""
    gc.collect()
    me = threading.get_ident()
    walked: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and threading.get_ident() == me:
            walked.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        yield walked
    finally:
        gc.callbacks.remove(seen)


def load(root: Path) -> KnowledgeHolder:
    holder, result = KnowledgeHolder.load(discord_settings(root), disk_cache=False)
    assert holder is not None, result.problems
    return holder


def edit_claims(root: Path, change: Callable[[str], str]) -> None:
    path = root / "knowledge" / "claims" / "edm-2012-v9-i71.yaml"
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def test_a_load_runs_no_collection_and_leaves_the_collector_on(kb_copy: Path) -> None:
    frozen = gc.get_freeze_count()
    with collections() as walked:
        holder = load(kb_copy)
    assert walked == []
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen  # the snapshot is out of later collections' way
    assert holder.kb.claims


def test_a_failed_load_leaves_the_collector_on(kb_copy: Path) -> None:
    edit_claims(kb_copy, lambda text: text.replace("predicate:", "predicat:", 1))
    holder, result = KnowledgeHolder.load(discord_settings(kb_copy), disk_cache=False)
    assert holder is None and result.problems
    assert gc.isenabled()


def test_reloads_good_or_broken_run_no_collection(kb_copy: Path) -> None:
    holder = load(kb_copy)
    edit_claims(kb_copy, lambda text: text.replace("Lavrov", "Lavrov, the minister,", 1))
    with collections() as walked:
        assert holder.reload("test", allow_drop=True).ok
    assert walked == []
    assert gc.isenabled()
    edit_claims(kb_copy, lambda text: text.replace("predicate:", "predicat:", 1))
    assert not holder.reload("test").ok
    assert gc.isenabled()
