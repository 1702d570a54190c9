"""A cold start's name index and search postings, built by the first reader from what it read
(bot/loading/early_index.py), answer exactly as those built here: the same lookups and the
same search results. When the reader cannot give them for this very fact base (a file it
cannot have, another base's names, it dies) they are built here, with nothing left running."""

from __future__ import annotations

import mmap
import multiprocessing
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.bench.generate import generate
from bot.commands.table import run as run_command
from bot.config import Settings
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading import early_index, prefetch, shared_reads
from bot.loading.holder import KnowledgeHolder
from bot.loading.loader import load_knowledge
from bot.render.text import render_text
from tests.loading.test_index_worker import _answers, _queries

FORK = multiprocessing.get_context("fork")
SEARCHES = ["minister", "visited", "agreement", "joined union", "nuclear", "moscow", "zzqx"]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("early")
    generate(folder, 2_500, 3_000, seed=11)
    return folder


@pytest.fixture(scope="module")
def here(base: Path) -> KnowledgeBase:
    """The fact base with every index built in this process."""
    result = load_knowledge(base / "knowledge", base / "seeds")
    assert result.ok
    return result.kb.warm()


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """One reader, forked, for any amount of YAML; what this process adopts from it."""
    monkeypatch.setattr(prefetch, "MIN_BYTES", 0)
    monkeypatch.setattr(prefetch, "_workers", lambda: 1)
    monkeypatch.setattr(prefetch, "_context", lambda: FORK)
    seen: dict[str, list[Any]] = {"matcher": [], "search": []}
    real_matcher, real_search = early_index.matcher_from_parts, early_index._adopt_search

    def matcher(*args: Any) -> Any:
        seen["matcher"].append(real_matcher(*args))
        return seen["matcher"][-1]

    def search(kb: KnowledgeBase, *args: Any) -> None:
        real_search(kb, *args)
        seen["search"].append(kb.search_index)

    monkeypatch.setattr(early_index, "matcher_from_parts", matcher)
    monkeypatch.setattr(early_index, "_adopt_search", search)
    return seen


def _start(base: Path) -> KnowledgeBase:
    """The bot's first load, cold (no cache), as it starts."""
    settings = Settings(
        knowledge_dir=base / "knowledge", seeds_dir=base / "seeds", cache_dir=base / "none"
    )
    holder, result = KnowledgeHolder.load(settings, disk_cache=False)
    assert holder is not None, result.problems
    assert not multiprocessing.active_children()
    return holder.kb


def _searches(kb: KnowledgeBase) -> list[str]:
    return [render_text(run_command(kb, f"search {words}")) for words in SEARCHES]


def _postings(kb: KnowledgeBase) -> dict[str, list[str]]:
    return {w: sorted(kb.search_index[w]) for w in kb.search_vocabulary}


def _same_as_here(kb: KnowledgeBase, here: KnowledgeBase) -> None:
    queries = _queries(here)
    assert _answers(kb.matcher, queries) == _answers(here.matcher, queries)
    assert _searches(kb) == _searches(here)
    assert kb.search_vocabulary == here.search_vocabulary
    assert _postings(kb) == _postings(here)


@pytest.mark.parametrize("readers", [1, 2])
def test_the_first_readers_indexes_answer_as_those_built_here(
    base, here, spied, monkeypatch, readers
):
    """With a second reader, the files it reads reach the first through this process."""
    monkeypatch.setattr(prefetch, "_workers", lambda: readers)
    kb = _start(base)
    assert spied["matcher"] == [kb.matcher] and spied["search"] == [kb.search_index]
    _same_as_here(kb, here)
    assert any("claims" in line for line in _searches(kb)[0].splitlines())  # it finds some


def test_files_read_here_reach_the_reader(base, here, spied, monkeypatch):
    """A reader's ring too small for the claims files: this process reads them and hands
    their JSON over; the indexes still come from the reader, and answer the same."""
    monkeypatch.setattr(shared_reads, "RING_BYTES", 200_000)
    forwarded: list[int] = []
    real = early_index.EarlyIndex.forward

    def forward(self: Any, n: int, read: Any) -> None:
        forwarded.append(n)
        real(self, n, read)

    monkeypatch.setattr(early_index.EarlyIndex, "forward", forward)
    kb = _start(base)
    assert forwarded and spied["search"] == [kb.search_index]
    _same_as_here(kb, here)


def test_a_file_the_reader_cannot_read_leaves_the_indexes_here(base, here, spied, monkeypatch):
    real = early_index.extract
    monkeypatch.setattr(
        early_index, "extract", lambda data: None if "claims" in data else real(data)
    )
    kb = _start(base)
    assert spied == {"matcher": [], "search": []}
    _same_as_here(kb, here)


def test_another_bases_names_are_not_adopted(base, here, spied, monkeypatch):
    """The reader's names differ from the validated ones (as a stripping rule that differs
    would make them): neither its name index nor its postings, which hold name words."""
    real = early_index._entity

    def renamed(e: dict[str, Any]) -> Any:
        eid, name, aliases = real(e)
        return eid, name + " Extra", aliases

    monkeypatch.setattr(early_index, "_entity", renamed)
    kb = _start(base)
    assert spied == {"matcher": [], "search": []}
    _same_as_here(kb, here)


def test_a_reader_that_dies_leaves_the_indexes_to_this_process(base, here, spied, monkeypatch):
    monkeypatch.setattr(early_index, "index_parts", lambda extracts: os._exit(1))
    kb = _start(base)
    assert spied == {"matcher": [], "search": []}
    _same_as_here(kb, here)


def test_a_load_that_fails_stops_the_reader(base, spied, monkeypatch, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(base / "knowledge", copy / "knowledge")
    shutil.copytree(base / "seeds", copy / "seeds")
    claims = sorted((copy / "knowledge" / "claims").glob("*.yaml"))[-1]
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace("subject: ", "subject: nobody-", 1), encoding="utf-8")
    result = load_knowledge(copy / "knowledge", copy / "seeds", index_early=True)
    assert not result.ok and result.name_index is None
    assert any("nobody-" in p.message for p in result.problems)
    assert not multiprocessing.active_children()


def test_ids_and_names_written_with_spaces_are_read_as_validation_strips_them(
    base, spied, tmp_path
):
    """Quoted ids and names with spaces around them validate stripped; the reader strips
    them alike, so its indexes are adopted and answer as those built here."""
    copy = tmp_path / "copy"
    shutil.copytree(base / "knowledge", copy / "knowledge")
    shutil.copytree(base / "seeds", copy / "seeds")
    claims = sorted((copy / "knowledge" / "claims").glob("*.yaml"))[0]
    text = claims.read_text(encoding="utf-8")
    text = re.sub(r"subject: (\S+)", r'subject: " \1 "', text)
    # outlets' names are seldom in a claim's own text: the postings hold them by its id
    claims.write_text(re.sub(r"outlet: ([a-z0-9-]+)", r'outlet: " \1 "', text), encoding="utf-8")
    people = sorted((copy / "knowledge" / "entities").glob("person-*.yaml"))[0]
    text = people.read_text(encoding="utf-8")
    people.write_text(re.sub(r"\n    name: (.+)", r'\n    name: " \1  "', text), encoding="utf-8")
    here = load_knowledge(copy / "knowledge", copy / "seeds")
    assert here.ok
    kb = _start(copy)
    assert spied["matcher"] == [kb.matcher] and spied["search"] == [kb.search_index]
    _same_as_here(kb, here.kb.warm())


def test_shared_memory_too_small_for_what_must_cross_leaves_the_indexes_here(
    base, here, spied, monkeypatch
):
    """Files this process reads do not fit to be forwarded, nor would the indexes fit to
    come back: nothing is adopted, and nothing is lost."""
    monkeypatch.setattr(shared_reads, "RING_BYTES", 200_000)  # the claims are read here
    monkeypatch.setattr(early_index, "_OUT_BYTES", 0)
    real = early_index.EarlyIndex.prepare

    def small(self: Any, context: Any, files: int, capacity: int, lock: Any) -> Any:
        return real(self, context, files, 1_000, lock)

    monkeypatch.setattr(early_index.EarlyIndex, "prepare", small)
    kb = _start(base)
    assert spied == {"matcher": [], "search": []}
    _same_as_here(kb, here)


def test_indexes_bigger_than_their_shared_memory_are_built_here(base, here, spied, monkeypatch):
    real = early_index.Keeper.send

    def cramped(self: Any, meta: Any, parts: Any) -> None:
        self.out = mmap.mmap(-1, 4096)  # in the reader: less room than the indexes need
        real(self, meta, parts)

    monkeypatch.setattr(early_index.Keeper, "send", cramped)
    kb = _start(base)
    assert spied == {"matcher": [], "search": []}
    _same_as_here(kb, here)
