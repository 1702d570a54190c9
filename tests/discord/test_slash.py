"""Slash metadata as Discord reads it, and a fake server that refuses what Discord refuses.

Through the real client: the synced payload hides /reload from members without Manage
Server, keeps every command out of DMs unless `discord.allow_dms`, and bounds every string
option so Discord refuses what the bot would refuse anyway."""

from __future__ import annotations

import discord
import pytest

from bot.discord import slash
from bot.discord.client import FactBot
from bot.discord.runner import sync_once
from bot.loading.holder import KnowledgeHolder
from tests.conftest import discord_settings
from tests.discord.conftest import make_bot, make_settings
from tests.fakediscord import FakeDiscord, NotOffered, command_problems, validate_commands

MANAGE_GUILD = str(discord.Permissions(manage_guild=True).value)


async def synced(fake: FakeDiscord, **discord_: object) -> dict[str, dict]:
    holder, result = KnowledgeHolder.load(discord_settings(fake=fake, **discord_))
    assert holder is not None, result.problems
    await sync_once(holder, "fake-token")
    commands = fake.guild_commands.get(fake.guild_id) or fake.global_commands
    return {c["name"]: c for c in commands}


async def test_reload_is_for_manage_server_and_lookups_for_everyone(fake):
    commands = await synced(fake, guilds=[fake.guild_id])
    assert str(commands["reload"]["default_member_permissions"]) == MANAGE_GUILD
    others = [c for name, c in commands.items() if name != "reload"]
    assert others and all(c["default_member_permissions"] is None for c in others)


async def test_without_dms_every_command_is_guild_only(fake):
    commands = await synced(fake, guilds=[fake.guild_id])
    for command in commands.values():
        assert command["contexts"] == [0], command["name"]
        assert command["integration_types"] == [0], command["name"]
        assert command["dm_permission"] is False


async def test_with_dms_allowed_commands_show_in_the_bots_dms(fake):
    commands = await synced(fake, allow_dms=True)
    for command in commands.values():
        assert command["contexts"] == [0, 1], command["name"]
        assert command["integration_types"] == [0]


async def test_every_string_option_is_as_long_as_the_bot_accepts(fake):
    commands = await synced(fake, guilds=[fake.guild_id])
    options = [(c["name"], o) for c in commands.values() for o in c["options"]]
    assert options
    for name, option in options:
        assert option["type"] == 3
        # the bot answers "<command> <text>", at most max_query_length (300) characters
        assert len(name) + 1 + option["max_length"] == 300, name


async def test_what_discord_lets_through_is_answered_not_refused(fake):
    bot = make_bot(make_settings(fake, guilds=[fake.guild_id]))
    async with fake.running(bot):
        room = slash.text_room("search", 300)
        interaction = await fake.send_slash("search", {"words": "a" * room})
        call = await fake.wait_for_interaction_response(interaction, timeout=20)
        assert "too long" not in (call.embeds[0].get("title") or "")
        with pytest.raises(NotOffered):
            await fake.send_slash("search", {"words": "a" * (room + 1)})


async def test_members_without_manage_server_are_not_offered_reload(fake):
    stranger = fake.add_user("mallory")
    fake.add_member(stranger)
    bot = make_bot(make_settings(fake, guilds=[fake.guild_id]))
    async with fake.running(bot):
        with pytest.raises(NotOffered):
            await fake.send_slash("reload", user=stranger)


async def test_without_dms_no_command_is_offered_in_dms(fake):
    holder, _ = KnowledgeHolder.load(make_settings(fake, guilds=[]))
    assert holder is not None
    async with fake.running(FactBot(holder, sync_global=True)):
        assert {"who", "reload"} <= {c["name"] for c in fake.global_commands}
        with pytest.raises(NotOffered):
            await fake.send_slash("who", {"name": "lavrov"}, dm=True)


async def test_a_command_never_synced_is_not_offered(fake):
    holder, _ = KnowledgeHolder.load(make_settings(fake, guilds=[]))
    assert holder is not None
    async with fake.running(FactBot(holder)):  # no guilds, no global sync: synced nowhere
        with pytest.raises(NotOffered, match="never synced"):
            await fake.send_slash("who", {"name": "lavrov"})
        with pytest.raises(NotOffered, match="never synced"):
            await fake.send_autocomplete("who", {"name": "lav"})
    assert not any(c.route.startswith("/interactions/") for c in fake.calls)


async def test_a_payload_discord_refuses_fails_the_sync(fake, monkeypatch):
    monkeypatch.setattr(slash, "text_room", lambda name, limit: 6001)
    with pytest.raises(discord.HTTPException) as refused:
        await synced(fake, guilds=[fake.guild_id])
    assert refused.value.status == 400
    assert refused.value.code == 50035
    assert fake.guild_commands.get(fake.guild_id, []) == []


# ---------------------------------------------------------------- the fake's rules


def command(**changes: object) -> dict:
    base = {
        "name": "who",
        "type": 1,
        "description": "A person's profile",
        "options": [{"type": 3, "name": "name", "description": "A name", "required": True}],
    }
    return base | changes


def option(**changes: object) -> dict:
    return {"type": 3, "name": "text", "description": "Some text"} | changes


def test_a_valid_command_passes():
    assert command_problems(command()) == {}
    assert validate_commands([command(), command(name="org")], bulk=True) is None


@pytest.mark.parametrize(
    ("changes", "where", "code"),
    [
        ({"description": "x" * 101}, "description", "BASE_TYPE_BAD_LENGTH"),
        ({"description": ""}, "description", "BASE_TYPE_BAD_LENGTH"),
        ({"name": "Who"}, "name", "APPLICATION_COMMAND_INVALID_NAME"),
        ({"name": "who is"}, "name", "APPLICATION_COMMAND_INVALID_NAME"),
        ({"name": "w" * 33}, "name", "APPLICATION_COMMAND_INVALID_NAME"),
        ({"options": [option(name=f"o{i}") for i in range(26)]}, "options", None),
        ({"options": [option(max_length=6001)]}, "options.0.max_length", "NUMBER_TYPE_MAX"),
        ({"options": [option(max_length=0)]}, "options.0.max_length", "NUMBER_TYPE_MIN"),
        ({"options": [option(type=4, max_length=5)]}, "options.0.max_length", None),
        (
            {"options": [option(name="a"), option(name="b", required=True)]},
            "options.1.required",
            "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
        ),
        ({"options": [option(name="Bad")]}, "options.0.name", None),
        (
            {"options": [option(choices=[{"name": str(i), "value": str(i)} for i in range(26)])]},
            "options.0.choices",
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"options": [option(choices=[{"name": "a", "value": "v" * 101}])]},
            "options.0.choices.0.value",
            None,
        ),
        ({"contexts": [3]}, "contexts.0", "ENUM_TYPE_COERCE"),
        ({"integration_types": [2]}, "integration_types.0", "ENUM_TYPE_COERCE"),
        ({"default_member_permissions": "manage"}, "default_member_permissions", None),
    ],
)
def test_the_fake_refuses_what_discord_refuses(changes, where, code):
    problems = command_problems(command(**changes))
    assert where in problems
    if code is not None:
        assert problems[where][0] == code


def test_a_command_over_4000_characters_in_all_is_refused():
    options = [option(name=f"o{i}", description="d" * 100) for i in range(25)]
    options[0]["choices"] = [{"name": "n" * 100, "value": "v" * 100} for _ in range(25)]
    assert command_problems(command(options=options))[""][0] == "APPLICATION_COMMAND_TOO_LARGE"


def test_refusals_have_discords_error_shape():
    status, body = validate_commands([command(), command(description="x" * 101)], bulk=True)
    assert status == 400
    assert body["code"] == 50035 and body["message"] == "Invalid Form Body"
    [error] = body["errors"]["1"]["description"]["_errors"]
    assert error == {
        "code": "BASE_TYPE_BAD_LENGTH",
        "message": "Must be between 1 and 100 in length.",
    }
    status, body = validate_commands([command(), command()], bulk=True)
    assert body["errors"]["1"]["name"]["_errors"][0]["code"] == (
        "APPLICATION_COMMANDS_DUPLICATE_NAME"
    )
