"""Every name and alias of the command table works in Discord, and a stray word gets a reply.

Driven through the real discord.py client against tests/fakediscord.py, as a user types.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.commands.table import COMMANDS, run
from bot.discord.client import FactBot
from tests.commands.examples import WORDS, question
from tests.discord.conftest import make_bot, make_settings
from tests.fakediscord import CREATE_MESSAGE, FakeDiscord


@pytest.fixture
async def roomy(fake: FakeDiscord) -> AsyncIterator[FactBot]:
    """A bot whose cooldown lets one user ask every command in a row."""
    bot = make_bot(make_settings(fake, cooldown={"rate": 1000, "per_seconds": 1}))
    async with fake.running(bot):
        yield bot


async def ask(fake: FakeDiscord, text: str):
    question = await fake.send_message(text)
    reply = await fake.wait_for_reply(fake.channel_id, timeout=20)
    assert int(reply.body["message_reference"]["message_id"]) == int(question["id"]), text
    return reply


async def test_every_name_and_alias_answers_as_the_console_does(fake, roomy, seed_kb):
    """`!word arg` gets the answer `factbot ask "word arg"` gets; a bare word its usage."""
    assert len(WORDS) > len(COMMANDS)  # aliases are walked too
    for word, spec in WORDS:
        text = question(word, spec)
        expected = run(seed_kb, text, prefix="")
        assert expected.status == "ok", text  # the example is a real answer, not an error
        reply = await ask(fake, f"!{text}")
        assert reply.embeds, (text, reply.body)
        assert reply.embeds[0]["title"] == expected.title, text
        if spec.needs_arg:
            bare = await ask(fake, f"!{word}")
            assert "Usage" in (bare.content or ""), (word, bare.body)
            assert f"`!{spec.name} {spec.arg_usage}`" in bare.content, word


async def test_every_name_and_alias_is_a_discord_command(roomy):
    for word, spec in WORDS:
        command = roomy.get_command(word)
        assert command is not None and command.name == spec.name, word


async def test_an_unknown_command_gets_the_consoles_did_you_mean(fake, roomy, seed_kb):
    reply = await ask(fake, "!woh lavrov")
    expected = run(seed_kb, "woh lavrov", prefix="")
    assert reply.embeds[0]["title"] == expected.title
    assert "Did you mean `who`?" in reply.embeds[0]["description"]
    assert "Try `help` for the list" in reply.embeds[0]["description"]

    reply = await ask(fake, "!frobnicate")
    assert "is not a command" in reply.embeds[0]["description"]


async def test_a_question_in_words_is_answered_even_when_its_first_word_is_no_command(
    fake, roomy, seed_kb
):
    reply = await ask(fake, "!tell me about the csto")
    assert run(seed_kb, "tell me about the csto").entity_id == "csto"
    assert reply.embeds[0]["title"] == run(seed_kb, "what csto").title


async def test_an_unknown_command_keeps_the_channel_rules(fake, roomy):
    other = fake.add_channel("random")
    before = len(fake.calls)
    await fake.send_message("!frobnicate", channel_id=other)
    await ask(fake, "!frobnicate")  # a team channel: answered
    assert not [
        c
        for c in fake.calls[before:]
        if c.route == CREATE_MESSAGE and int(c.params["channel_id"]) == other
    ]


async def test_an_unknown_command_keeps_the_cooldown(fake):
    bot = make_bot(make_settings(fake, cooldown={"rate": 1, "per_seconds": 60}))
    async with fake.running(bot):
        await ask(fake, "!frobnicate")
        reply = await ask(fake, "!frobnicate")
    assert "Slow down" in reply.content


async def test_slash_commands_are_the_tables(fake):
    """Slash names, descriptions, options and autocomplete all come from the table."""
    bot = make_bot(make_settings(fake, guilds=[fake.guild_id]))
    async with fake.running(bot):
        synced = {c["name"]: c for c in fake.guild_commands.get(fake.guild_id, [])}
    assert set(synced) == {spec.name for spec in COMMANDS} | {"reload"}
    for spec in COMMANDS:
        command = synced[spec.name]
        assert command["description"] == spec.summary[:100]
        options = command.get("options", [])
        if spec.arg is None:
            assert options == [], spec.name
            continue
        [option] = options
        assert option["name"] == spec.arg.slash_name
        assert option["description"] == spec.arg.describe
        assert option.get("required", False) == spec.arg.required
        assert option.get("autocomplete", False) == (spec.arg.completes is not None)


async def test_an_alias_by_slash_name_is_answered_by_its_command(fake, roomy):
    interaction = await fake.send_slash("cite", {"claim": "lavrov-arrived-astana-2012-04-06"})
    call = await fake.wait_for_interaction_response(interaction, timeout=20)
    assert call.embeds[0]["title"] == "Claim lavrov-arrived-astana-2012-04-06"
