"""`factbot sync`: REST only (no gateway session), once, to the configured guilds only."""

from __future__ import annotations

import builtins

import pytest

from bot.cli.main import main
from bot.discord.runner import sync_once
from bot.loading.holder import KnowledgeHolder
from tests.conftest import discord_settings
from tests.fakediscord import FakeDiscord


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
