"""factbot in Discord, end to end: the real discord.py client against tests/fakediscord.py."""

from __future__ import annotations

import asyncio
import logging

from bot.config import Settings
from bot.discord.embeds import (
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    TITLE_MAX,
)
from bot.loading.holder import KnowledgeHolder
from tests.conftest import KNOWLEDGE, SEEDS
from tests.discord.conftest import make_bot, make_settings
from tests.fakediscord import CREATE_MESSAGE, EPHEMERAL, INTERACTION_CALLBACK


def embed_within_limits(embed: dict) -> None:
    assert len(embed.get("title", "")) <= TITLE_MAX
    assert len(embed.get("description", "")) <= DESCRIPTION_MAX
    fields = embed.get("fields", [])
    assert len(fields) <= FIELDS_MAX
    assert all(len(f["value"]) <= FIELD_VALUE_MAX for f in fields)
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    total += len(embed.get("footer", {}).get("text", ""))
    assert total <= EMBED_TOTAL_MAX


async def test_prefix_command_answers_with_cited_embed(fake, factbot):
    question = await fake.send_message("!who lavrov")
    call = await fake.wait_for_reply(fake.channel_id)

    embed = call.embeds[0]
    assert embed["title"] == "Sergei Lavrov"
    assert "Foreign Minister of Russia" in embed["description"]
    assert any("Eurasia Daily Monitor, Vol. 9, Issue 71" in f["name"] for f in embed["fields"])
    assert any("citing" in f["value"] for f in embed["fields"])
    assert call.body["allowed_mentions"]["parse"] == []
    assert int(call.body["message_reference"]["message_id"]) == int(question["id"])
    embed_within_limits(embed)


async def test_mention_works_as_prefix(fake, factbot):
    await fake.send_message(f"<@{fake.bot_id}> org ksor")
    call = await fake.wait_for_reply()
    assert call.embeds[0]["title"].startswith("Collective Rapid Reaction Force")


async def test_slash_command_gives_the_same_answer(fake, factbot):
    await fake.send_message("!org csto")
    prefix = await fake.wait_for_reply()
    interaction = await fake.send_slash("org", {"name": "csto"})
    call = await fake.wait_for_interaction_response(interaction)

    assert call.callback_type == 4
    assert not call.ephemeral
    assert call.embeds[0]["title"] == prefix.embeds[0]["title"]
    assert call.embeds[0]["description"] == prefix.embeds[0]["description"]
    assert call.message["allowed_mentions"]["parse"] == []


async def test_autocomplete_offers_fuzzy_choices(fake, factbot):
    interaction = await fake.send_autocomplete("who", {"name": "lavorv"})
    call = await fake.wait_for_interaction_response(interaction)

    assert call.callback_type == 8
    choices = call.body["data"]["choices"]
    assert 1 <= len(choices) <= 25
    assert choices[0]["value"] == "sergei-lavrov"


async def test_autocomplete_is_silent_outside_team_channels(fake, factbot):
    other = fake.add_channel("random")
    interaction = await fake.send_autocomplete("who", {"name": "lav"}, channel_id=other)
    call = await fake.wait_for_interaction_response(interaction)
    assert call.body["data"]["choices"] == []


async def test_did_you_mean_then_pick(fake, factbot):
    await fake.send_message("!what kaz")
    reply = await fake.wait_for_reply()
    assert "Did you mean" in reply.embeds[0]["title"]
    select = reply.body["components"][0]["components"][0]
    assert select["type"] == 3
    options = select["options"]
    assert 2 <= len(options) <= 5
    chosen = next(o for o in options if o["value"].endswith("kazakhstan"))

    press = await fake.send_component(
        reply, select["custom_id"], component_type=3, values=[chosen["value"]]
    )
    call = await fake.wait_for_interaction_response(press)
    assert call.callback_type == 7
    assert call.embeds[0]["title"] == "Kazakhstan"


async def test_slash_did_you_mean_is_ephemeral(fake, factbot):
    interaction = await fake.send_slash("what", {"name": "kaz"})
    call = await fake.wait_for_interaction_response(interaction)
    assert call.flags & EPHEMERAL


async def test_long_answer_pages_with_buttons_only_the_asker_can_press(fake, factbot):
    await fake.send_message("!timeline")
    reply = await fake.wait_for_reply()
    first = reply.embeds[0]
    assert first["footer"]["text"].startswith("Page 1/")
    embed_within_limits(first)
    buttons = reply.body["components"][0]["components"]
    next_id = next(b["custom_id"] for b in buttons if b["label"] == "▶")

    stranger = fake.add_user("mallory")
    fake.add_member(stranger)
    refused = await fake.send_component(reply, next_id, user=stranger)
    call = await fake.wait_for_interaction_response(refused)
    assert call.callback_type == 4 and call.flags & EPHEMERAL
    assert "Only the person who asked" in call.content

    press = await fake.send_component(reply, next_id)
    call = await fake.wait_for_interaction_response(press)
    assert call.callback_type == 7
    assert call.embeds[0]["footer"]["text"].startswith("Page 2/")
    assert call.embeds[0]["description"] != first["description"]
    embed_within_limits(call.embeds[0])


async def test_commands_outside_team_channels_are_ignored(fake, factbot):
    other = fake.add_channel("random")
    before = len(fake.calls)
    await fake.send_message("!who lavrov", channel_id=other)
    await fake.send_message("!who lavrov")  # a team channel: answered
    call = await fake.wait_for_reply()
    assert int(call.params["channel_id"]) == fake.channel_id
    assert not [
        c
        for c in fake.calls[before:]
        if c.route == CREATE_MESSAGE and int(c.params["channel_id"]) == other
    ]

    interaction = await fake.send_slash("who", {"name": "lavrov"}, channel_id=other)
    call = await fake.wait_for_interaction_response(interaction)
    assert call.flags & EPHEMERAL
    assert f"<#{fake.channel_id}>" in call.content


async def test_dms_are_off_by_default(fake, factbot):
    before = len(fake.calls)
    await fake.send_message("!who lavrov", dm=True)
    await fake.send_message("!who lavrov")
    await fake.wait_for_reply(fake.channel_id)
    assert not [
        c
        for c in fake.calls[before:]
        if c.route == CREATE_MESSAGE and int(c.params["channel_id"]) != fake.channel_id
    ]


async def test_cooldown_gives_a_friendly_message(fake):
    bot = make_bot(make_settings(fake, cooldown={"rate": 2, "per_seconds": 60}))
    async with fake.running(bot):
        for _ in range(2):
            await fake.send_message("!who lavrov")
            await fake.wait_for_reply()
        await fake.send_message("!who lavrov")
        call = await fake.wait_for_reply()
    assert "Slow down" in call.content


async def test_everyone_in_a_query_never_pings(fake, factbot):
    await fake.send_message("!who @everyone <@&123456789012345678>")
    call = await fake.wait_for_reply()
    text = str(call.body)
    assert "@everyone" not in text
    assert "<@&123456789012345678>" not in text
    assert call.body["allowed_mentions"]["parse"] == []


async def test_everyone_in_yaml_content_never_pings(fake, kb_copy):
    people = kb_copy / "knowledge" / "people.yaml"
    text = people.read_text(encoding="utf-8")
    start = text.index("id: sergei-lavrov")
    at = text.index("description:", start)
    end = text.index("\n", at)
    people.write_text(
        text[:at] + "description: Ping @everyone and @here now" + text[end:], encoding="utf-8"
    )
    bot = make_bot(make_settings(fake, kb_copy))
    async with fake.running(bot):
        await fake.send_message("!who lavrov")
        call = await fake.wait_for_reply()
    description = call.embeds[0]["description"]
    assert "Ping @\u200beveryone and @\u200bhere now" in description
    assert call.body["allowed_mentions"]["parse"] == []


async def test_unexpected_error_apologises_and_logs_the_traceback(
    fake, factbot, monkeypatch, caplog
):
    def explode(*args):
        raise RuntimeError("boom in the engine")

    # discord.py loads extensions as fresh modules, so patch the live cog, not the class
    monkeypatch.setattr(factbot.get_cog("Lookups"), "answer", explode)
    with caplog.at_level(logging.ERROR, logger="factbot.discord"):
        await fake.send_message("!who lavrov")
        call = await fake.wait_for_reply()
    assert "Sorry, something went wrong" in (call.content or ""), call.body
    assert "boom" not in call.content and "Traceback" not in call.content
    assert any(
        "boom in the engine" in (r.exc_text or "")
        or (r.exc_info and "boom in the engine" in str(r.exc_info[1]))
        for r in caplog.records
    )


async def test_usage_error_shows_usage(fake, factbot):
    await fake.send_message("!who")
    call = await fake.wait_for_reply()
    assert "Usage" in call.content and "who" in call.content


async def test_kb_status(fake, factbot):
    await fake.send_message("!kb")
    call = await fake.wait_for_reply()
    embed = call.embeds[0]
    assert embed["title"] == "Knowledge base"
    assert "claims" in embed["description"]


async def test_reload_needs_the_admin_role(fake):
    admin_role = fake.add_role("kb-admin")
    bot = make_bot(make_settings(fake, admin_roles=[admin_role]))
    async with fake.running(bot):
        await fake.send_message("!reload")
        refused = await fake.wait_for_reply()
        assert "Only the knowledge admins" in refused.content
        await fake.send_message("!reload", roles=[admin_role])
        done = await fake.wait_for_reply()
    assert done.embeds[0]["title"] == "Knowledge reloaded"


async def test_token_is_never_logged(fake, caplog):
    token = "SECRET.fake-token.DO-NOT-LOG-4242"
    bot = make_bot(make_settings(fake))
    with caplog.at_level(logging.DEBUG):
        async with fake.running(bot, token=token):
            await fake.send_message("!who lavrov")
            await fake.wait_for_reply()
    assert token not in caplog.text
    assert [c for c in fake.calls if c.headers.get("Authorization") == f"Bot {token}"]


async def test_factbot_run_as_a_subprocess_answers(fake, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge_dir: {KNOWLEDGE}\nseeds_dir: {SEEDS}\n"
        f"discord:\n  team_channels: [{fake.channel_id}]\n"
        f"  api_base: {fake.api_base}\n  gateway_url: {fake.gateway_url}\n",
        encoding="utf-8",
    )
    token = "SUBPROCESS.fake-token.SECRET-9999"
    import os
    import sys

    env = {**os.environ, "DISCORD_TOKEN": token}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli.main",
        "run",
        "--config",
        str(config),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await fake.wait_until_connected(timeout=30)
        await fake.send_message("!who kazykhanov")
        call = await fake.wait_for_reply(timeout=15)
        assert call.embeds[0]["title"] == "Yerzhan Kazykhanov"
    finally:
        proc.terminate()
        output, _ = await asyncio.wait_for(proc.communicate(), 15)
    assert token not in output.decode()


async def test_interaction_callbacks_never_leak_tracebacks(fake, factbot):
    interaction = await fake.send_slash("on", {"date": "2012-13-45"})
    call = await fake.wait_for_interaction_response(interaction)
    assert call.route == INTERACTION_CALLBACK
    assert call.flags & EPHEMERAL
    assert "month 13" in call.embeds[0]["description"]


async def test_timeline_reply_carries_the_picture(fake, factbot):
    await fake.send_message("!timeline csto")
    call = await fake.wait_for_reply(timeout=20)
    [upload] = call.files
    assert upload.filename == "timeline-csto.png"
    assert upload.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert call.embeds[0]["image"]["url"] == "attachment://timeline-csto.png"
    assert call.body["attachments"][0]["filename"] == "timeline-csto.png"


async def test_map_by_slash_carries_the_picture(fake, factbot):
    interaction = await fake.send_slash("map", {"name": "csto"})
    call = await fake.wait_for_interaction_response(interaction, timeout=20)
    if call.callback_type == 5:  # deferred: the picture arrives in the follow-up
        call = await fake.wait_for_followup(interaction, timeout=20)
    assert [f.filename for f in call.files] == ["map-csto.png"]
    assert call.embeds[0]["image"]["url"] == "attachment://map-csto.png"


async def test_slow_work_is_deferred_within_three_seconds(fake, factbot, monkeypatch):
    import time

    cog = factbot.get_cog("Lookups")
    real = cog.prepare

    def slow(kb, text):
        time.sleep(2.5)
        return real(kb, text)

    monkeypatch.setattr(cog, "prepare", slow)
    interaction = await fake.send_slash("who", {"name": "lavrov"})
    ack = await fake.wait_for_interaction_response(interaction, timeout=10)
    assert ack.callback_type == 5
    followup = await fake.wait_for_followup(interaction, timeout=10)
    assert followup.embeds[0]["title"] == "Sergei Lavrov"


async def test_slash_commands_are_synced_to_configured_guilds(fake):
    bot = make_bot(make_settings(fake, guilds=[fake.guild_id]))
    async with fake.running(bot):
        names = {c["name"] for c in fake.guild_commands.get(fake.guild_id, [])}
    assert {
        "who",
        "org",
        "what",
        "when",
        "on",
        "search",
        "timeline",
        "map",
        "cite",
        "sources",
        "help",
        "kb",
        "reload",
    } <= names
    who = next(c for c in fake.guild_commands[fake.guild_id] if c["name"] == "who")
    assert who["description"].startswith("A person's profile")
    assert who["options"][0]["autocomplete"] is True


async def test_restricted_entities_stay_hidden(fake, kb_copy):
    people = kb_copy / "knowledge" / "people.yaml"
    text = people.read_text(encoding="utf-8")
    at = text.index("  - id: aleksei-nikolski")
    people.write_text(
        text[:at]
        + "  - id: aleksei-nikolski\n    restricted: true\n"
        + text[at + len("  - id: aleksei-nikolski\n") :],
        encoding="utf-8",
    )
    bot = make_bot(make_settings(fake, kb_copy))
    async with fake.running(bot):
        interaction = await fake.send_autocomplete("who", {"name": "nikol"})
        call = await fake.wait_for_interaction_response(interaction)
        assert "aleksei-nikolski" not in [c["value"] for c in call.body["data"]["choices"]]
        await fake.send_message("!who Aleksei Nikolski")
        reply = await fake.wait_for_reply()
        assert "Nothing matched" in reply.embeds[0]["title"]


def test_sharding_config_picks_the_sharded_client():
    from discord.ext import commands

    from bot.discord.client import make_bot as make_client

    settings = Settings.model_validate(
        {
            "knowledge_dir": str(KNOWLEDGE),
            "seeds_dir": str(SEEDS),
            "discord": {"shard_count": 4, "shard_ids": [0, 1]},
        }
    )
    holder, _ = KnowledgeHolder.load(settings)
    assert isinstance(make_client(holder), commands.AutoShardedBot)
    single = settings.model_copy(
        update={"discord": settings.discord.model_copy(update={"shard_ids": [3]})}
    )
    client = make_client(KnowledgeHolder(single, holder.kb))
    assert not isinstance(client, commands.AutoShardedBot)
    assert (client.shard_id, client.shard_count) == (3, 4)


async def test_asking_by_mention_answers_like_the_prefix(fake, factbot):
    """`@factbot who is lavrov?`: both mention forms Discord sends (`<@id>`, and `<@!id>` for
    a nickname), the question worded as a person would."""
    await fake.send_message("!who is lavrov?")
    prefix = await fake.wait_for_reply()
    for mention in (f"<@{fake.bot_id}>", f"<@!{fake.bot_id}>"):
        question = await fake.send_message(f"{mention} who is lavrov?")
        call = await fake.wait_for_reply()
        assert call.embeds[0]["title"] == "Sergei Lavrov"
        assert call.embeds[0]["description"] == prefix.embeds[0]["description"]
        assert int(call.body["message_reference"]["message_id"]) == int(question["id"])
        assert call.body["allowed_mentions"]["parse"] == []
