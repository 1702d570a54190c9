"""Channel permissions, threads, throttled cooldown replies, slash-only mode: the real
discord.py client against the strict fake (which answers 403/50013 as Discord does)."""

from __future__ import annotations

import logging

import pytest

from bot.discord.client import FactBot
from bot.discord.embeds import PICTURE_LEFT_OUT
from bot.loading.holder import KnowledgeHolder
from tests.conftest import discord_settings
from tests.fakediscord import CREATE_MESSAGE, EPHEMERAL, FakeDiscord

_INTENT_MESSAGE_CONTENT = 1 << 15


def new_bot(fake: FakeDiscord, **discord: object) -> FactBot:
    discord.setdefault("guilds", [fake.guild_id])  # the fake offers only synced commands
    holder, result = KnowledgeHolder.load(discord_settings(fake=fake, **discord))
    assert holder is not None, result.problems
    return FactBot(holder)


def no_errors(caplog: pytest.LogCaptureFixture) -> bool:
    return not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize("known", [True, False], ids=["known-at-start", "learnt-from-403"])
async def test_without_embed_links_the_answer_comes_as_text(fake, caplog, known):
    if known:
        fake.deny(fake.channel_id, "embed_links")
    async with fake.running(new_bot(fake)):
        if not known:
            fake.deny(fake.channel_id, "embed_links")  # the bot's cache still says yes
        with caplog.at_level(logging.WARNING):
            await fake.send_message("!who lavrov")
            reply = await fake.wait_for_reply(fake.channel_id, timeout=10)
    assert not reply.embeds
    assert "Sergei Lavrov" in reply.content.splitlines()[0]
    assert "Foreign Minister of Russia" in reply.content and len(reply.content) <= 2000
    assert "Sorry" not in reply.content
    assert no_errors(caplog)


async def test_without_embed_links_the_text_is_the_consoles_and_pages(fake):
    """The console's renderer, page by page, with the pager's buttons editing the text."""
    fake.deny(fake.channel_id, "embed_links")
    async with fake.running(new_bot(fake)):
        await fake.send_message("!timeline")
        reply = await fake.wait_for_reply(fake.channel_id, timeout=10)
        assert not reply.embeds and reply.content.startswith("Timeline")
        assert "Page 1 of" in reply.content and "Sources" in reply.content
        buttons = [c for row in reply.body["components"] for c in row["components"]]
        next_id = next(b["custom_id"] for b in buttons if b.get("label") == "▶")
        press = await fake.send_component(reply, next_id)
        call = await fake.wait_for_interaction_response(press)
    assert call.callback_type == 7 and not call.embeds
    assert "Page 2 of" in call.content and len(call.content) <= 2000


async def test_without_attach_files_the_answer_comes_without_the_picture(fake, caplog):
    fake.deny(fake.channel_id, "attach_files")
    async with fake.running(new_bot(fake)):
        with caplog.at_level(logging.WARNING):
            await fake.send_message("!timeline csto")
            reply = await fake.wait_for_reply(fake.channel_id, timeout=30)
    assert not reply.files
    assert reply.embeds[0]["title"]
    assert "image" not in reply.embeds[0]
    assert PICTURE_LEFT_OUT in reply.content
    assert fake.refused == []  # the bot knew and never sent what would be refused
    assert no_errors(caplog)


async def test_without_send_messages_a_warning_not_a_traceback(fake, caplog):
    fake.deny(fake.channel_id, "send_messages")
    async with fake.running(new_bot(fake)):
        with caplog.at_level(logging.WARNING):
            await fake.send_message("!who lavrov")
            await fake.wait_for_call(lambda c: c.status == 403, route=CREATE_MESSAGE)
            await fake.send_message("!who lavrov", channel_id=fake.add_channel("x"))
    assert "check the bot's permissions" in caplog.text
    assert no_errors(caplog)


async def test_threads_of_team_channels_are_answered_and_autocompleted(fake):
    thread = fake.add_thread(fake.channel_id, "questions")
    bot = new_bot(fake)
    async with fake.running(bot):
        await fake.send_message("!who lavrov", channel_id=thread)
        reply = await fake.wait_for_reply(thread)
        assert reply.embeds[0]["title"] == "Sergei Lavrov"
        assert bot.allowed_here(thread, fake.guild_id)
        assert not bot.allowed_here(fake.add_channel("random"), fake.guild_id)


async def test_slow_down_is_said_once_per_window(fake):
    # No slash sync at start (guilds=[]): the call indices below count replies only.
    async with fake.running(new_bot(fake, guilds=[], cooldown={"rate": 2, "per_seconds": 60})):
        for _ in range(8):
            await fake.send_message("!who lavrov")
        await fake.send_message("!who lavrov", author=fake.add_user("bob"))
        await fake.wait_for_call(
            lambda c: c.body and "bob" not in str(c.body), method="POST", route=CREATE_MESSAGE
        )
        last = await fake.wait_for_call(
            lambda c: (c.embeds or [{}])[0].get("title") == "Sergei Lavrov" and c.index > 4,
            route=CREATE_MESSAGE,
            since=0,
        )
    replies = [c for c in fake.calls[: last.index + 1] if c.route == CREATE_MESSAGE and c.ok]
    slow = [c for c in replies if "Slow down" in (c.content or "")]
    assert len(slow) == 1
    assert len(replies) == 2 + 1 + 1  # two answers, one "Slow down", bob's answer


async def test_i_answer_in_stays_within_one_message_with_90_team_channels(fake):
    channels = [fake.add_channel(f"team-{i}") for i in range(90)]
    async with fake.running(new_bot(fake, team_channels=channels)):
        interaction = await fake.send_slash("who", {"name": "lavrov"})
        call = await fake.wait_for_interaction_response(interaction)
    assert call.flags & EPHEMERAL
    assert call.content.startswith("I answer in <#") and len(call.content) <= 2000
    assert "more team channels" in call.content


async def test_slash_only_mode_needs_no_message_content_and_answers_mentions(fake):
    async with fake.running(new_bot(fake, message_content=False)):
        assert not fake.intents & _INTENT_MESSAGE_CONTENT
        await fake.send_message(f"<@{fake.bot_id}> who lavrov")
        reply = await fake.wait_for_reply(fake.channel_id)
        assert reply.embeds[0]["title"] == "Sergei Lavrov"
        interaction = await fake.send_slash("who", {"name": "lavrov"})
        call = await fake.wait_for_interaction_response(interaction)
        assert call.embeds[0]["title"] == "Sergei Lavrov"
