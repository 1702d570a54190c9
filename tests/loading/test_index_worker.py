"""The name index built in a second process is the one built here: the same answers and the
same index, forked or spawned; and when the worker cannot help (no processes, it fails,
dies, sends a damaged index, or hangs) the index is built here, with nothing left running."""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from typing import Any

import pytest

from bot.bench.generate import build as generate_base
from bot.bench.queries import TruthEntity, autocomplete_queries, lookup_queries
from bot.config import Settings
from bot.knowledge.model import Entity
from bot.knowledge.snapshot import KnowledgeBase, Origin
from bot.loading import index_worker
from bot.loading.holder import KnowledgeHolder
from bot.loading.loader import load_knowledge
from bot.matching.matcher import Matcher
from bot.matching.serial import matcher_to_parts


def _fresh(kb: KnowledgeBase) -> KnowledgeBase:
    """The same fact base with none of its indexes built yet."""
    return dataclasses.replace(kb)


def _index(matcher: Matcher) -> tuple[Any, dict[str, bytes], dict[str, list[int]]]:
    """Every field of the index, as the snapshot stores it; but the trigram table as a
    mapping, whose order follows the process's string hashing (a spawned child's differs)."""
    meta, parts = matcher_to_parts(matcher)
    fields = {name: bytes(raw) for name, raw in parts.items() if not name.startswith("b.tri.")}
    return meta, fields, {gram: list(ids) for gram, ids in matcher._base.tri.items()}


def _answers(matcher: Matcher, queries: list[str]) -> list[tuple]:
    return [
        (repr(matcher.match(q)), [repr(c) for c in matcher.complete(q, limit=8)]) for q in queries
    ]


def _queries(kb: KnowledgeBase) -> list[str]:
    names = [label for e in kb.entities.values() for label in (e.name, *e.aliases)]
    typos = [n[:-1] + n[-1] * 2 for n in names] + [n[1:] for n in names if len(n) > 4]
    return names[:200] + typos[:200] + ["", "zzzz qqq", "lavrof", "ksor", "Лавров", "Moskva"]


def _generated() -> tuple[KnowledgeBase, list[str]]:
    """A generated base (transliterated names, namesakes) and the bench's own queries."""
    base = generate_base(1500, 0, seed=7)
    entities = [
        (Entity(id=e.id, type=e.type, name=e.name, description=e.description, aliases=e.aliases),
         Origin("gen.yaml", None))
        for e in base.entities
    ]  # fmt: skip
    kb = KnowledgeBase.build([], entities, [])
    truth = [TruthEntity(e.id, e.type, e.name, tuple(e.aliases), e.variants) for e in base.entities]
    lookups = lookup_queries(truth, 300, seed=3)
    queries = [q for rows in lookups.values() for q, _, _ in rows]
    return kb, queries + autocomplete_queries(truth, 100, seed=3)


def _worker_warm(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, start: str) -> bool:
    """Warm `kb` through a worker started with `start`; whether its index was adopted."""
    monkeypatch.setattr(index_worker, "_context", lambda: multiprocessing.get_context(start))
    adopted = []
    real = index_worker.matcher_from_parts

    def reading(*args: Any) -> Matcher:
        adopted.append(real(*args))
        return adopted[-1]

    monkeypatch.setattr(index_worker, "matcher_from_parts", reading)
    index_worker.warm(kb, min_entities=1)
    assert not multiprocessing.active_children()
    return bool(adopted) and kb.matcher is adopted[0]


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_the_fixture_base_answers_the_same(seed_kb, monkeypatch, start):
    kb = _fresh(seed_kb)
    assert _worker_warm(kb, monkeypatch, start)
    queries = _queries(seed_kb)
    assert _answers(kb.matcher, queries) == _answers(seed_kb.matcher, queries)
    assert _index(kb.matcher) == _index(seed_kb.matcher)
    assert "search_index" in kb.__dict__  # the other indexes were built here
    assert kb.claims_by_entity == seed_kb.claims_by_entity


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_a_generated_base_answers_the_same(monkeypatch, start):
    kb, queries = _generated()
    local = _fresh(kb).warm()
    assert _worker_warm(kb, monkeypatch, start)
    assert len(queries) > 300 and len(kb.matcher) == len(local.matcher) > 4500
    assert _answers(kb.matcher, queries) == _answers(local.matcher, queries)
    assert _index(kb.matcher) == _index(local.matcher)


def test_a_small_base_builds_its_index_here(seed_kb, monkeypatch):
    def no_worker(*_: Any) -> None:
        raise AssertionError("a worker was started for a small base")

    monkeypatch.setattr(index_worker.NameIndexWorker, "start", no_worker)
    kb = index_worker.warm(_fresh(seed_kb))
    assert _index(kb.matcher) == _index(seed_kb.matcher)


def test_an_index_already_there_is_not_built_again(seed_kb, monkeypatch):
    monkeypatch.setattr(index_worker.NameIndexWorker, "start", lambda *_: pytest.fail("started"))
    kb = _fresh(seed_kb)
    kb.adopt_index("matcher", seed_kb.matcher)
    assert index_worker.warm(kb, min_entities=1).matcher is seed_kb.matcher


def _fails(*_: Any) -> None:
    raise RuntimeError("the worker breaks")


def _hangs(*_: Any) -> None:
    time.sleep(120)


def _damages(matcher: Matcher) -> tuple[Any, dict[str, Any]]:
    meta, parts = matcher_to_parts(matcher)
    parts["b.ekey"] = b"\xff" * len(bytes(parts["b.ekey"]))  # keys out of range
    return meta, parts


def _misdescribes(matcher: Matcher) -> tuple[Any, dict[str, Any]]:
    meta, parts = matcher_to_parts(matcher)
    meta["base"]["names"] += 1
    return meta, parts


@pytest.mark.parametrize(
    ("name", "fault"),
    [
        ("_send", _fails),
        ("_send", _hangs),
        ("matcher_to_parts", _damages),
        ("matcher_to_parts", _misdescribes),
    ],
)
def test_a_failing_worker_leaves_the_index_to_be_built_here(seed_kb, monkeypatch, name, fault):
    monkeypatch.setattr(index_worker, name, fault)  # the forked child runs the fault
    monkeypatch.setattr(index_worker, "WAIT_BASE", 1.0)
    monkeypatch.setattr(index_worker, "WAIT_PER_ENTITY", 0.0)
    kb = _fresh(seed_kb)
    assert not _worker_warm(kb, monkeypatch, "fork")
    assert _index(kb.matcher) == _index(seed_kb.matcher)


def test_no_processes_here_builds_the_index_here(seed_kb, monkeypatch):
    monkeypatch.setattr(index_worker, "_context", _fails)
    kb = index_worker.warm(_fresh(seed_kb), min_entities=1)
    assert _index(kb.matcher) == _index(seed_kb.matcher)


def test_a_cold_start_builds_the_index_while_the_files_are_checked(seed_kb, kb_copy, monkeypatch):
    """The holder's first load starts the worker from the entities as read; the index it
    adopts answers as the one built here, and so does the snapshot kept from it."""
    monkeypatch.setattr(index_worker, "MIN_ENTITIES", 1)
    monkeypatch.setattr(index_worker, "_context", lambda: multiprocessing.get_context("fork"))
    started, adopted = [], []
    real_start, real_read = index_worker.NameIndexWorker.start, index_worker.matcher_from_parts
    monkeypatch.setattr(
        index_worker.NameIndexWorker,
        "start",
        lambda entities: started.append(real_start(entities)) or started[-1],
    )
    monkeypatch.setattr(
        index_worker, "matcher_from_parts", lambda *a: adopted.append(real_read(*a)) or adopted[-1]
    )
    settings = Settings(
        knowledge_dir=kb_copy / "knowledge", seeds_dir=kb_copy / "seeds", cache_dir=kb_copy / "c"
    )
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None and result.name_index is started[0] is not None
    assert not multiprocessing.active_children()
    assert len(started) == 1 and holder.kb.matcher is adopted[0]
    queries = _queries(seed_kb)
    assert _answers(holder.kb.matcher, queries) == _answers(seed_kb.matcher, queries)
    holder.snapshots.wait()
    again, second = KnowledgeHolder.load(settings)
    assert second.from_snapshot and len(started) == 1
    assert _answers(again.kb.matcher, queries) == _answers(seed_kb.matcher, queries)


def test_a_load_that_fails_stops_the_worker(kb_copy, monkeypatch):
    monkeypatch.setattr(index_worker, "MIN_ENTITIES", 1)
    monkeypatch.setattr(index_worker, "_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(index_worker, "_send", _hangs)
    started = []
    real_start = index_worker.NameIndexWorker.start
    monkeypatch.setattr(
        index_worker.NameIndexWorker,
        "start",
        lambda entities: started.append(real_start(entities)) or started[-1],
    )
    claims = sorted((kb_copy / "knowledge" / "claims").glob("*.yaml"))[0]
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace("subject: ", "subject: nobody-", 1), encoding="utf-8")
    result = load_knowledge(kb_copy / "knowledge", kb_copy / "seeds", index_early=True)
    assert not result.ok and result.name_index is None and started[0] is not None
    assert not multiprocessing.active_children()


def test_a_worker_for_other_entities_is_not_used(seed_kb, monkeypatch):
    monkeypatch.setattr(index_worker, "_context", lambda: multiprocessing.get_context("fork"))
    others = list(seed_kb.entities.values())[1:]
    worker = index_worker.start(others, min_entities=1)
    assert worker is not None and not worker.serves(seed_kb)
    kb = index_worker.warm(_fresh(seed_kb), worker=worker)
    assert not multiprocessing.active_children()
    assert _index(kb.matcher) == _index(seed_kb.matcher)
