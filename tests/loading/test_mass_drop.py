"""A reload that would drop most of the fact base at once (an interrupted sync, a deleted
folder) is refused with a report, and the last good knowledge keeps answering."""

from __future__ import annotations

import io
from pathlib import Path

from bot.cli.console import Console
from bot.commands.table import run
from bot.loading.holder import KnowledgeHolder
from tests.conftest import discord_settings

CLAIMS = Path("knowledge") / "claims" / "edm-2012-v9-i71.yaml"


def loaded(root: Path) -> KnowledgeHolder:
    holder, result = KnowledgeHolder.load(discord_settings(root), disk_cache=False)
    assert holder is not None, result.problems
    return holder


def drop_claims(root: Path, keep: int) -> None:
    """Keep only the first `keep` claims of the claims file (a truncated sync)."""
    path = root / CLAIMS
    text = path.read_text(encoding="utf-8")
    head, *items = text.split("\n  - id: ")
    path.write_text("\n  - id: ".join([head, *items[:keep]]) + "\n", encoding="utf-8")


def test_deleting_the_claims_file_is_refused_and_the_old_knowledge_kept(kb_copy):
    holder = loaded(kb_copy)
    good = holder.kb
    (kb_copy / CLAIMS).unlink()
    outcome = holder.reload("test")
    assert not outcome.ok
    assert holder.kb is good  # still answering from the last good knowledge
    assert run(holder.kb, "search declaration").status == "ok"
    (problem,) = outcome.problems
    assert holder.problems == outcome.problems  # the Discord door reports them too
    message = problem.message
    assert "refused" in message
    assert f"remove {len(good.claims)} of the {len(good.claims)} claims" in message
    assert "knowledge/claims/edm-2012-v9-i71.yaml (the file is gone)" in message
    assert "Files no longer there: knowledge/claims/edm-2012-v9-i71.yaml" in message
    assert "reload --allow-drop" in message


def test_dropping_most_entities_is_refused_and_names_them(kb_copy):
    holder = loaded(kb_copy)
    kept = len(holder.kb.entities)
    for name in ("claims/", "places", "events", "people", "organisations"):  # sources.yaml stays
        path = kb_copy / "knowledge" / (name + ("edm-2012-v9-i71.yaml" if "/" in name else ".yaml"))
        path.unlink()
    outcome = holder.reload("test")
    assert not outcome.ok
    assert len(holder.kb.entities) == kept
    message = outcome.problems[0].message
    assert f"remove {kept - 7} of the {kept} entities at once" in message  # 7 outlets stay
    assert "knowledge/places.yaml (the file is gone): 18" in message


def test_the_override_swaps_in_the_smaller_knowledge(kb_copy):
    holder = loaded(kb_copy)
    (kb_copy / CLAIMS).unlink()
    outcome = holder.reload("test", allow_drop=True)
    assert outcome.ok and not holder.problems
    assert len(holder.kb.claims) == 0
    assert run(holder.kb, "search declaration").status == "not_found"
    assert len(outcome.changelog.removed) > 60


def test_removing_half_or_less_is_an_ordinary_edit(kb_copy):
    holder = loaded(kb_copy)
    total = len(holder.kb.claims)
    drop_claims(kb_copy, keep=total // 2)
    outcome = holder.reload("test")
    assert outcome.ok, outcome.problems
    assert len(holder.kb.claims) == total // 2
    # The next reload compares with the knowledge now served: half of it again is fine too,
    # but removing everything that is left is not.
    drop_claims(kb_copy, keep=0)
    assert not holder.reload("test").ok


def test_a_small_fact_base_may_lose_a_few_items(kb_copy):
    holder = loaded(kb_copy)
    drop_claims(kb_copy, keep=20)  # 46 of 66 claims go: refused
    assert not holder.reload("test").ok
    holder.reload("test", allow_drop=True)
    drop_claims(kb_copy, keep=11)  # 9 of 20 go: fewer than ten, never refused
    assert holder.reload("test").ok
    drop_claims(kb_copy, keep=2)  # 9 of 11 go: more than half, but fewer than ten
    assert holder.reload("test").ok


def test_the_console_reports_the_refusal_and_takes_the_override(kb_copy):
    holder = loaded(kb_copy)
    (kb_copy / CLAIMS).unlink()
    out = io.StringIO()
    console = Console(holder, stdin=io.StringIO(""), stdout=out)
    console.handle("reload")
    text = out.getvalue()
    assert "still answering from the last good knowledge" in text
    assert "would remove 66 of the 66 claims" in text
    assert len(holder.kb.claims) == 66
    console.handle("reload --allow-drop")
    assert "Reloaded (console)" in out.getvalue()
    assert len(holder.kb.claims) == 0
