"""Reading files in worker processes changes nothing a user sees: the same fact base, the
same problems at the same places, and a load that still works when no worker can start."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pytest

from bot.loading import prefetch
from bot.loading.loader import load_knowledge
from tests.conftest import KNOWLEDGE, MINI_CLAIMS, SEEDS


def _load(kdir: Path, sdir: Path, monkeypatch: pytest.MonkeyPatch, workers: bool):
    monkeypatch.setattr(prefetch, "MIN_BYTES", 0 if workers else 1 << 62)
    if workers:
        monkeypatch.setattr(prefetch, "_workers", lambda: 1)
    return load_knowledge(kdir, sdir)


def _facts(result) -> list[tuple]:
    """What a user sees of each claim (facts compare by identity, so by their parts)."""
    return [
        (f.model, f.date, f.start, f.end, f.citations, f.origin) for f in result.kb.claims.values()
    ]


def _problems(result) -> list[tuple]:
    return [(p.file, p.line, p.column, p.message) for p in result.problems]


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_workers_build_the_same_fact_base(monkeypatch, start):
    alone = _load(KNOWLEDGE, SEEDS, monkeypatch, workers=False)
    monkeypatch.setattr(prefetch, "_context", lambda: multiprocessing.get_context(start))
    spread = _load(KNOWLEDGE, SEEDS, monkeypatch, workers=True)
    assert alone.ok and spread.ok
    assert spread.kb.entities == alone.kb.entities
    assert _facts(spread) == _facts(alone) and len(_facts(alone)) > 10


def test_workers_report_the_same_problems_at_the_same_places(tmp_path, monkeypatch):
    kdir = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, kdir)
    claims = sorted((kdir / "claims").glob("*.yaml"))[0]
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace("paragraph: ", "paragraph: x", 1), encoding="utf-8")
    (kdir / "broken.yaml").write_text("entities:\n  - id: [a\n", encoding="utf-8")
    (kdir / "late.yaml").write_text(
        MINI_CLAIMS.replace("petrov-arrived", "late-claim"), encoding="utf-8"
    )
    alone = _load(kdir, SEEDS, monkeypatch, workers=False)
    spread = _load(kdir, SEEDS, monkeypatch, workers=True)
    assert not alone.ok and len(alone.problems) >= 3
    assert _problems(spread) == _problems(alone)
    assert any(p.file.endswith("broken.yaml") and p.line == 2 for p in spread.problems)


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_no_worker_means_everything_is_read_here(monkeypatch, start):
    def refuse(*args, **kwargs):
        raise OSError("no processes or semaphores in this sandbox")

    monkeypatch.setattr(prefetch, "_context", lambda: multiprocessing.get_context(start))
    monkeypatch.setattr(prefetch, "ProcessPoolExecutor", refuse)
    monkeypatch.setattr(prefetch, "shared_reads", refuse)
    alone = _load(KNOWLEDGE, SEEDS, monkeypatch, workers=False)
    spread = _load(KNOWLEDGE, SEEDS, monkeypatch, workers=True)
    assert spread.ok and _facts(spread) == _facts(alone)


def test_pre_read_gives_one_answer_per_file_in_order(monkeypatch):
    monkeypatch.setattr(prefetch, "MIN_BYTES", 0)
    monkeypatch.setattr(prefetch, "_workers", lambda: 1)
    raws = [b"a: 1\n", b"a: [\n", b"\xff\xfe", b"entities:\n  - id: x\n"] * 3
    got = list(prefetch.pre_read_files(raws))
    assert len(got) == len(raws)
    for raw, read in zip(raws, got, strict=True):
        assert read == prefetch.json_read(raw)
    assert got[0][0] == b'{"a": 1}' and got[1] is None and got[2] is None
