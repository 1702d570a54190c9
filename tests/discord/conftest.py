"""The fake Discord server and a factbot connected to it, for every Discord test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.discord.client import FactBot
from bot.loading.holder import KnowledgeHolder
from tests.conftest import KNOWLEDGE, SEEDS
from tests.fakediscord import FakeDiscord


def make_settings(
    fake: FakeDiscord, knowledge: Path = KNOWLEDGE, seeds: Path = SEEDS, **discord: object
) -> Settings:
    base = {"team_channels": [fake.channel_id], "cooldown": {"rate": 50, "per_seconds": 1}}
    base.update(discord)
    return Settings.model_validate(
        {"knowledge_dir": str(knowledge), "seeds_dir": str(seeds), "discord": base}
    )


def make_bot(settings: Settings) -> FactBot:
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None, result.problems
    return FactBot(holder)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
async def factbot(fake: FakeDiscord) -> AsyncIterator[FactBot]:
    bot = make_bot(make_settings(fake))
    async with fake.running(bot):
        yield bot
