"""A fact base restored from the compact snapshot groups `on`'s claims from the statement
keys its claim rows keep: the same lines, citations, disputed marks and notes as the fact
base built in memory, and only the claims whose lines are read are decoded."""

from __future__ import annotations

import shutil

import pytest

import bot.commands.building
from bot.commands.table import run
from bot.config import Settings
from bot.knowledge.claimrows import timeline_keys
from bot.knowledge.history import statement_groups
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.holder import KnowledgeHolder
from bot.render.text import render_text
from tests.conftest import MULTI


@pytest.fixture
def restored(tmp_path) -> KnowledgeBase:
    """The two-article fixture, restarted from its snapshot."""
    root = tmp_path / "multi"
    shutil.copytree(MULTI, root)
    settings = Settings(
        knowledge_dir=root / "knowledge", seeds_dir=root / "seeds", cache_dir=tmp_path / "cache"
    )
    first, _ = KnowledgeHolder.load(settings)
    assert first is not None and first.snapshots is not None
    first.snapshots.wait()
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None and result.from_snapshot and holder.kb.compact
    return holder.kb


def _periods(kb: KnowledgeBase) -> list[str]:
    whens = {f.when for f in kb.timeline}
    days = {w.iso() for w in whens} | {str(w.start.year) for w in whens}
    return [*sorted(days), "December 2012", "April 2012", "2011..2012", "late 2012"]


def test_the_rows_group_the_timeline_as_the_facts_do(restored, multi_kb):
    count = len(multi_kb.timeline)
    assert [f.id for f in restored.timeline] == [f.id for f in multi_kb.timeline]
    for start in range(count):
        for stop in (start + 2, start + 9, count):
            window = range(start, min(stop, count))
            want = statement_groups(timeline_keys(multi_kb, window))
            assert statement_groups(timeline_keys(restored, window)) == want


@pytest.mark.parametrize("max_facts", [500, 3])
def test_on_answers_the_same_restored_as_built(restored, multi_kb, max_facts, monkeypatch):
    monkeypatch.setattr(bot.commands.building, "MAX_FACTS", max_facts)
    for period in _periods(multi_kb):
        built, compact = run(multi_kb, f"on {period}"), run(restored, f"on {period}")
        assert render_text(compact, page=1, page_size=4) == render_text(built, page=1, page_size=4)
        assert compact.to_json() == built.to_json()


def test_the_restored_base_marks_disputed_dates_and_groups_one_statement(restored):
    december = run(restored, "on December 2012")
    disputed = [line.text for line in december.lines if "the sources differ" in line.text]
    assert len(disputed) == 2  # December 19 and 20: two dates for one suspension
    april = run(restored, "on April 2012")
    [line] = [line for line in april.lines if "formal multilateral cooperation" in line.text]
    assert {c.article_id for c in april.citations if c.number in line.citations} == {
        "edm-2012-v9-i71",
        "edm-2012-v9-i230",
    }


def test_on_decodes_only_the_claims_of_the_lines_read(restored, multi_kb):
    claims = restored.claims
    decoded: list[int] = []
    decode = claims._decode  # type: ignore[attr-defined]

    def counting(row: int):
        decoded.append(row)
        return decode(row)

    claims._strong.clear()  # type: ignore[attr-defined]  # nothing decoded is held
    claims._decode = counting  # type: ignore[attr-defined]
    answer = run(restored, "on 2012")
    assert len(answer.lines) > 30 and not decoded  # counted and grouped from the rows
    page = render_text(answer, page=1, page_size=4)
    assert page == render_text(run(multi_kb, "on 2012"), page=1, page_size=4)
    assert 4 <= len(set(decoded)) <= 6  # the 4 lines' claims (one line may cite two)
