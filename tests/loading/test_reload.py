"""Adding facts is a YAML edit: live reload that never loses the last good knowledge."""

from __future__ import annotations

import asyncio
import io
import threading
from pathlib import Path

from bot.cli.console import Console
from bot.commands.table import run
from bot.config import Settings
from bot.discord.client import FactBot
from bot.loading.holder import KnowledgeHolder
from tests.conftest import discord_settings
from tests.fakediscord import FakeDiscord

NEW_CLAIM = """
  - id: test-zebra-claim
    subject: sergei-lavrov
    predicate: said
    text: Lavrov spoke about zebras, according to a test edit.
    date: April 6
    references:
      - article: edm-2012-v9-i71
        paragraph: 1
        quote: Lavrov said that Moscow initiated a declaration
"""


def claims_file(root: Path) -> Path:
    return root / "knowledge" / "claims" / "edm-2012-v9-i71.yaml"


def settings_for(root: Path, **discord: object) -> Settings:
    return discord_settings(root, reload_debounce=0.2, **discord)


def loaded(root: Path) -> KnowledgeHolder:
    holder, result = KnowledgeHolder.load(settings_for(root))
    assert holder is not None, result.problems
    return holder


def break_file(root: Path) -> None:
    path = claims_file(root)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("    predicate: proposed\n", "    predicat: proposed\n", 1), encoding="utf-8"
    )


def test_good_edit_reloads_with_a_changelog(kb_copy):
    holder = loaded(kb_copy)
    old = holder.kb
    with claims_file(kb_copy).open("a", encoding="utf-8") as f:
        f.write(NEW_CLAIM)
    outcome = holder.reload("test")
    assert outcome.ok
    assert outcome.changelog.added == ("claim test-zebra-claim",)
    assert holder.kb is not old and holder.kb.loaded_by == "test"
    assert run(holder.kb, "search zebras").status == "ok"
    assert run(old, "search zebras").status == "not_found"  # the old snapshot is untouched


def test_one_file_edit_reparses_one_file(kb_copy):
    holder = loaded(kb_copy)
    with claims_file(kb_copy).open("a", encoding="utf-8") as f:
        f.write(NEW_CLAIM)
    assert holder.reload().parsed_files == 1
    assert holder.reload().parsed_files == 0


def test_broken_edit_keeps_the_last_good_snapshot(kb_copy):
    holder = loaded(kb_copy)
    good = holder.kb
    break_file(kb_copy)
    outcome = holder.reload()
    assert not outcome.ok
    assert holder.kb is good
    p = outcome.problems[0]
    assert p.file == "knowledge/claims/edm-2012-v9-i71.yaml" and p.line is not None
    assert "unknown key 'predicat'" in p.message
    assert holder.problems == outcome.problems
    assert run(holder.kb, "who lavrov").status == "ok"


def test_reload_under_concurrent_queries_mixes_no_snapshots(kb_copy):
    """Each query takes one snapshot: it sees the zebra claim in both lookups, or in neither."""
    holder = loaded(kb_copy)
    path = claims_file(kb_copy)
    original = path.read_text(encoding="utf-8")
    errors: list[str] = []
    answered = 0
    stop = threading.Event()

    def ask() -> None:
        nonlocal answered
        while not stop.is_set():
            kb = holder.kb
            a = run(kb, "search zebras").status == "ok"
            b = any(f.id == "test-zebra-claim" for f in kb.claims_by_entity["sergei-lavrov"])
            if a != b:
                errors.append("mixed snapshot")
            answered += 1

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(6):
            path.write_text(original + (NEW_CLAIM if i % 2 == 0 else ""), encoding="utf-8")
            assert holder.reload().ok
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors
    assert answered > 0


def test_console_reloads_when_files_change(kb_copy):
    holder = loaded(kb_copy)
    out = io.StringIO()
    console = Console(holder, stdin=io.StringIO(""), stdout=out)
    assert console.handle("search zebras")
    assert "No claim mentions" in out.getvalue()
    with claims_file(kb_copy).open("a", encoding="utf-8") as f:
        f.write(NEW_CLAIM)
    console.handle("search zebras")
    text = out.getvalue()
    assert "Reloaded (file change): Added (1): claim test-zebra-claim" in text
    assert "Lavrov spoke about zebras" in text
    break_file(kb_copy)
    console.handle("who lavrov")
    console.handle("who lavrov")
    text = out.getvalue()
    assert text.count("still answering from the last good knowledge") == 1
    assert "unknown key 'predicat'" in text
    assert text.count("Sergei Lavrov\nperson") >= 2


def test_console_commands_and_quit(kb_copy):
    holder = loaded(kb_copy)
    out = io.StringIO()
    console = Console(
        holder, stdin=io.StringIO("!who lavrov\nmore\norg ksor\nreload\nquit\n"), stdout=out
    )
    assert console.loop() == 0
    text = out.getvalue()
    assert "Sergei Lavrov" in text
    assert "Collective Rapid Reaction Force" in text
    assert "Reloaded (console)" in text


# ---------------------------------------------------------------- through Discord


async def wait_ops(fake: FakeDiscord, ops: int, timeout: float = 15.0):
    return await fake.wait_for_reply(ops, timeout=timeout)


async def test_bot_picks_up_a_new_claim_and_reports_it(fake, kb_copy):
    ops = fake.add_channel("ops")
    holder = loaded(kb_copy)
    holder.settings = settings_for(kb_copy, ops_channel=ops)
    bot = FactBot(holder)
    async with fake.running(bot):
        await asyncio.sleep(0.3)  # let the watcher start
        with claims_file(kb_copy).open("a", encoding="utf-8") as f:
            f.write(NEW_CLAIM)
        report = await wait_ops(fake, ops)
        assert report.embeds[0]["title"] == "Knowledge reloaded"
        assert "claim test-zebra-claim" in report.embeds[0]["description"]
        await fake.send_message("!search zebras")
        answer = await fake.wait_for_reply(fake.channel_id)
        assert "Lavrov spoke about zebras" in answer.embeds[0]["description"]


async def test_broken_edit_is_reported_once_and_old_answers_keep_coming(fake, kb_copy):
    ops = fake.add_channel("ops")
    holder = loaded(kb_copy)
    holder.settings = settings_for(kb_copy, ops_channel=ops)
    bot = FactBot(holder)
    async with fake.running(bot):
        await asyncio.sleep(0.3)
        break_file(kb_copy)
        report = await wait_ops(fake, ops)
        embed = report.embeds[0]
        assert "problem" in embed["title"] and "not loaded" in embed["title"]
        assert "knowledge/claims/edm-2012-v9-i71.yaml:" in embed["description"]
        assert "unknown key 'predicat'" in embed["description"]

        await fake.send_message("!who lavrov")
        answer = await fake.wait_for_reply(fake.channel_id)
        assert answer.embeds[0]["title"] == "Sergei Lavrov"

        # saving the same broken file again is not reported again
        path = claims_file(kb_copy)
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        await asyncio.sleep(1.0)
        reports = [c for c in fake.calls if c.params.get("channel_id") == str(ops)]
        assert len(reports) == 1

        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("    predicat: proposed\n", "    predicate: proposed\n"), encoding="utf-8"
        )
        fixed = await wait_ops(fake, ops)
        assert fixed.embeds[0]["title"] == "Knowledge files fixed and reloaded"

        await fake.send_message("!kb")
        status = await fake.wait_for_reply(fake.channel_id)
        assert any(f["value"] == "Valid." for f in status.embeds[0]["fields"])
