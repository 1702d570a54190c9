"""`factbot sync`: REST only (no gateway session), once, to the configured guilds only."""

from __future__ import annotations

import builtins
import json
from pathlib import Path

import discord
import pytest

from bot.cli.main import main
from bot.discord.runner import sync_once
from bot.discord.sync import plan
from bot.loading.holder import KnowledgeHolder
from tests.conftest import discord_settings
from tests.fakediscord import FakeDiscord, validate_commands


def holder_for(fake: FakeDiscord, **discord: object) -> KnowledgeHolder:
    holder, result = KnowledgeHolder.load(discord_settings(fake=fake, **discord))
    assert holder is not None, result.problems
    return holder


async def test_sync_with_guilds_syncs_there_only_and_leaves(fake: FakeDiscord) -> None:
    fake.global_commands.append({"id": "1", "name": "who", "type": 1, "description": "old"})
    counts = await sync_once(holder_for(fake, guilds=[fake.guild_id]), "fake-token")

    names = {c["name"] for c in fake.guild_commands[fake.guild_id]}
    assert {"who", "org", "timeline", "reload"} <= names
    assert fake.global_commands == []  # no command shows twice in the guild
    assert counts == {str(fake.guild_id): len(names), "global": 0}
    assert fake.identify_count == 0  # never a second gateway session beside the service


async def test_sync_without_guilds_syncs_globally(fake: FakeDiscord) -> None:
    counts = await sync_once(holder_for(fake), "fake-token")
    assert {"who", "org"} <= {c["name"] for c in fake.global_commands}
    assert counts == {"global": len(fake.global_commands)}
    assert fake.guild_commands.get(fake.guild_id, []) == []
    assert fake.identify_count == 0


def test_without_discord_installed_run_says_how_to_install(monkeypatch, capsys) -> None:
    real_import = builtins.__import__

    def no_discord(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("bot.discord") or name == "discord":
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_discord)
    for command in ("run", "sync"):
        assert main([command]) == 2
        assert "pip install 'factbot[discord]'" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["sync"])
def test_sync_without_a_token_explains(monkeypatch, capsys, command) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir("/")
    assert main([command]) == 2
    assert "DISCORD_TOKEN" in capsys.readouterr().err


# ------------------------------------------------------------------ factbot sync --dry-run

FIXTURE_CONFIG = Path(__file__).parents[1] / "fixtures" / "edm" / "config.yaml"
MANAGE_GUILD = 1 << 5
GLOBAL_COMMANDS = "/applications/{application_id}/commands"


def dry_run(capsys, *extra: str) -> str:
    """`factbot sync --dry-run ...` on the fixture base, with no token anywhere."""
    code = main(["sync", "--dry-run", "--config", str(FIXTURE_CONFIG), *extra])
    out = capsys.readouterr().out
    assert code == 0
    return out


def string_options(command: dict) -> list[dict]:
    found = []
    for option in command.get("options") or []:
        if option["type"] == 3:
            found.append(option)
        found += string_options(option)  # subcommands and groups nest options
    return found


def test_dry_run_json_is_the_payload_discord_would_accept(monkeypatch, capsys) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setattr(discord.http.HTTPClient, "request", no_network)
    commands = json.loads(dry_run(capsys, "--json"))

    by_name = {c["name"]: c for c in commands}
    assert {"who", "org", "reload"} <= set(by_name)
    assert int(by_name["reload"]["default_member_permissions"]) == MANAGE_GUILD
    assert by_name["who"]["default_member_permissions"] is None
    assert all(c["contexts"] == [0] for c in commands)  # allow_dms is false: servers only
    assert all(c["integration_types"] == [0] for c in commands)
    options = [o for c in commands for o in string_options(c)]
    assert options and all(0 < o["max_length"] <= 300 for o in options)
    assert validate_commands(commands, bulk=True) is None  # the fake's sync validator


async def test_dry_run_payload_is_what_the_sync_puts(fake: FakeDiscord) -> None:
    holder = holder_for(fake)
    steps = await plan(holder)
    await sync_once(holder, "fake-token")
    puts = [c for c in fake.calls if c.method == "PUT" and c.route == GLOBAL_COMMANDS]
    put = puts[-1].body
    assert [s.guild_id for s in steps] == [None]
    assert steps[0].commands == put


def test_dry_run_to_one_guild_puts_there_and_empties_global(monkeypatch, capsys) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setattr(discord.http.HTTPClient, "request", no_network)
    out = dry_run(capsys, "--guild", "4242")
    assert "PUT /applications/{application_id}/guilds/4242/commands: 15 commands:" in out
    assert "/reload" in out
    assert "PUT /applications/{application_id}/commands: emptied" in out
    assert "nothing was sent" in out


async def test_sync_to_one_guild_overrides_the_configured_guilds(fake: FakeDiscord) -> None:
    other = fake.add_guild("Other")
    counts = await sync_once(holder_for(fake, guilds=[fake.guild_id]), "fake-token", [other])
    assert {c["name"] for c in fake.guild_commands[other]} >= {"who", "reload"}
    assert fake.guild_commands.get(fake.guild_id, []) == []
    assert counts == {str(other): len(fake.guild_commands[other]), "global": 0}


async def no_network(*args: object, **kwargs: object) -> None:
    raise AssertionError("the dry run must not talk to Discord")
