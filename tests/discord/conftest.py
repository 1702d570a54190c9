"""A factbot connected to the fake Discord server (the `fake` fixture and the settings
builder `discord_settings` live in tests/conftest.py, shared with the reload tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.discord.client import FactBot
from bot.loading.holder import KnowledgeHolder
from tests.conftest import discord_settings
from tests.fakediscord import FakeDiscord


def make_settings(fake: FakeDiscord, root: Path | None = None, **discord: object) -> Settings:
    """Settings with the fake server's channel as the team channel (a copy at `root`), and
    its guild to sync the slash commands to at start: the fake, like Discord, offers only
    synced commands."""
    discord.setdefault("guilds", [fake.guild_id])
    return discord_settings(root, fake=fake, **discord)


def make_bot(settings: Settings) -> FactBot:
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None, result.problems
    return FactBot(holder)


@pytest.fixture
async def factbot(fake: FakeDiscord) -> AsyncIterator[FactBot]:
    bot = make_bot(make_settings(fake))
    async with fake.running(bot):
        yield bot
