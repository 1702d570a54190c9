"""The fake Discord shards as Discord does: guild G's events reach only shard (G >> 22) % N.

Two real discord.py clients, one per shard, share the fake (as two processes of one bot do);
an auto-sharded client takes the recommended count from GET /gateway/bot."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord.ext import commands

from tests.fakediscord import FakeDiscord, shard_of


def pinger(**shards: object) -> commands.Bot:
    """A bot whose `!ping` says which shard answered."""
    intents = discord.Intents.default()
    intents.message_content = True
    cls = commands.AutoShardedBot if "shard_ids" in shards or not shards else commands.Bot
    bot = cls(command_prefix="!", intents=intents, help_command=None, **shards)

    async def no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s between shards' IDENTIFYs (Discord's rate); the fake needs none."""

    bot.before_identify_hook = no_identify_wait  # type: ignore[method-assign]

    @bot.command()
    async def ping(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.reply(f"pong from shard {ctx.guild.shard_id if ctx.guild else 0}")

    return bot


@pytest.fixture
async def sharded() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(shards=2) as server:
        yield server


def guild_with_channel(fake: FakeDiscord, shard: int) -> tuple[int, int]:
    gid = fake.add_guild(f"Guild on shard {shard}", shard=(shard, 2))
    return gid, fake.add_channel("general", guild_id=gid)


async def test_each_shard_gets_only_its_guilds_and_their_messages(sharded: FakeDiscord) -> None:
    fake = sharded
    (g0, c0), (g1, c1) = guild_with_channel(fake, 0), guild_with_channel(fake, 1)
    assert (shard_of(g0, 2), shard_of(g1, 2)) == (0, 1)
    first, second = pinger(shard_id=0, shard_count=2), pinger(shard_id=1, shard_count=2)
    async with fake.running(first), fake.running(second):
        await fake.wait_until_connected()
        assert g0 in {g.id for g in first.guilds} and g0 not in {g.id for g in second.guilds}
        assert g1 in {g.id for g in second.guilds} and g1 not in {g.id for g in first.guilds}
        asked = [await fake.send_message("!ping", channel_id=c) for c in (c0, c1)]
        replies = [await fake.wait_for_reply(channel_id=c, since=0) for c in (c0, c1)]
        dm = await fake.send_message("!ping", dm=True)
        await fake.wait_for_reply(channel_id=int(dm["channel_id"]), since=0)
    assert [r.content for r in replies] == ["pong from shard 0", "pong from shard 1"]
    got = {
        msg["id"]: [
            s
            for s, event, d in fake.deliveries
            if event == "MESSAGE_CREATE" and d["id"] == msg["id"]
        ]
        for msg in [*asked, dm]
    }
    assert got == {asked[0]["id"]: [0], asked[1]["id"]: [1], dm["id"]: [0]}
    answers = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/messages")]
    assert len(answers) == 3  # each message answered once


async def test_an_auto_sharded_client_takes_the_recommended_count(sharded: FakeDiscord) -> None:
    fake = sharded
    _, c1 = guild_with_channel(fake, 1)
    bot = pinger()
    async with fake.running(bot):
        await fake.wait_until_connected()
        assert bot.shard_count == 2 and sorted(bot.shards) == [0, 1]
        await fake.send_message("!ping", channel_id=c1)
        reply = await fake.wait_for_reply(channel_id=c1)
    assert reply.content == "pong from shard 1"
    assert fake.identify_count == 2


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], [-1, 2], "0,2"])
async def test_an_invalid_shard_is_closed_with_4010(sharded: FakeDiscord, shard: object) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{sharded.api_base}/gateway/bot") as response:
            assert (await response.json())["shards"] == 2
        async with session.ws_connect(sharded.gateway_url) as ws:
            hello = await ws.receive_json()
            assert hello["op"] == 10
            identify = {"token": "t", "intents": 513, "properties": {}, "shard": shard}
            await ws.send_json({"op": 2, "d": identify})
            with contextlib.suppress(TypeError):  # the close frame, not JSON
                while not ws.closed:
                    await asyncio.wait_for(ws.receive(), 5)
            assert ws.close_code == 4010
