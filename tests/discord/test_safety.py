"""Text from users and editors reaches Discord inert: no masked links, spoilers, headings,
bidi tricks or pings; reload reports go to the ops channel. Real client, strict fake."""

from __future__ import annotations

import re
from pathlib import Path

from bot.discord.client import FactBot
from bot.discord.embeds import escape
from bot.loading.holder import KnowledgeHolder
from tests.conftest import discord_settings
from tests.fakediscord import FakeDiscord

EVIL = "[free nitro](https://evil.example/login)"
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")  # an unescaped [text](


def all_text(embed: dict) -> str:
    parts = [embed.get("title", ""), embed.get("description", "")]
    parts += [f["name"] + "\n" + f["value"] for f in embed.get("fields", [])]
    return "\n".join(parts)


def new_bot(settings) -> FactBot:
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None, result.problems
    return FactBot(holder)


async def test_a_masked_link_typed_by_a_user_is_shown_not_clickable(fake: FakeDiscord) -> None:
    async with fake.running(new_bot(discord_settings(fake=fake))):
        for command in (f"!on {EVIL}", f"!who {EVIL} ||spoiler||"):
            await fake.send_message(command)
            reply = await fake.wait_for_reply(fake.channel_id)
            text = all_text(reply.embeds[0])
            assert "free nitro" in text  # the user sees what they typed ...
            assert not MASKED_LINK.search(text)  # ... but no link hides behind it
            assert "||" not in text.replace("\\|", "")


def test_escape_defuses_every_trick() -> None:
    text = escape(f"# Heading\n-# small\n> quote\n{EVIL} ||x|| \u202eevil\u200b <@1> @here")
    assert not MASKED_LINK.search(text)
    assert "||" not in text.replace("\\|", "")
    assert all(not re.match(r"\s*(#|-#|>)", line) for line in text.splitlines())
    assert "\u202e" not in text and "<@1>" not in text and "@here" not in text


async def test_editor_yaml_in_a_reload_report_is_inert_and_goes_to_ops(
    fake: FakeDiscord, kb_copy: Path
) -> None:
    ops = fake.add_channel("ops")
    settings = discord_settings(kb_copy, fake=fake, ops_channel=ops, reload_debounce=30)
    bot = new_bot(settings)
    async with fake.running(bot):
        claims = next((kb_copy / "knowledge" / "claims").glob("*.yaml"))
        text = claims.read_text(encoding="utf-8")
        claims.write_text(
            text.replace("    predicate:", f'    "{EVIL} ||x|| \u202e": 1\n    predicate:', 1),
            encoding="utf-8",
        )
        outcome = bot.holder.reload("test")
        assert not outcome.ok
        reply = await bot.get_cog("Reloader").answer_reload(fake.channel_id, outcome)

        report = await fake.wait_for_reply(ops)
        description = report.embeds[0]["description"]
        assert "free nitro" in description
        assert not MASKED_LINK.search(description)
        assert "\u202e" not in description and "||" not in description.replace("\\|", "")
        assert set(reply) == {"content"}  # the team channel gets one line, no problem list
        assert f"<#{ops}>" in reply["content"] and "free nitro" not in reply["content"]
