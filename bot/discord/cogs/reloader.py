"""Live reload in Discord: watch the files, report to the ops channel, say when it is fixed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.discord.reports import fixed_embed, pointer, reload_embed
from bot.loading.generation import bump_generation, read_generation
from bot.loading.holder import ReloadOutcome
from bot.loading.watch import watch

if TYPE_CHECKING:
    from bot.discord.client import FactBot

log = logging.getLogger("factbot.reloader")
MAX_REPORT_PAGES = 5
GENERATION_POLL = 1.0  # seconds between looks at the reload generation file


class Reloader(commands.Cog):
    """Watches knowledge/ and seeds/; posts changelogs and problems to the ops channel."""

    def __init__(self, bot: FactBot) -> None:
        self.bot = bot
        self.task: asyncio.Task[None] | None = None
        self.follow: asyncio.Task[None] | None = None
        self.last_failure: tuple[str, ...] = ()
        self.generation = read_generation(bot.holder.settings.cache_dir)  # last seen or written

    async def cog_load(self) -> None:
        if self.bot.sync_only:
            return  # `factbot sync` leaves at once: nothing to watch
        s = self.bot.holder.settings
        self.task = asyncio.create_task(
            watch(self.bot.holder, self.report, debounce=s.reload_debounce), name="factbot-watch"
        )
        self.follow = asyncio.create_task(self.follow_generation(), name="factbot-generation")

    async def cog_unload(self) -> None:
        for task in (self.task, self.follow):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def announce(self) -> None:
        """After a `reload` here: tell the other processes serving this knowledge to reload
        too (they poll the generation file; see bot/loading/generation.py)."""
        token = bump_generation(self.bot.holder.settings.cache_dir)
        if token is not None:
            self.generation = token

    async def follow_generation(self, poll: float = GENERATION_POLL) -> None:
        """Reload when another process announced a `reload` (a new generation token)."""
        cache_dir = self.bot.holder.settings.cache_dir
        while True:
            await asyncio.sleep(poll)
            token = await asyncio.to_thread(read_generation, cache_dir)
            if token is None or token == self.generation:
                continue
            self.generation = token
            outcome = await asyncio.to_thread(self.bot.holder.reload, "reload in another process")
            if outcome.ok:
                log.info("knowledge reloaded (reload in another process)")
            else:
                log.warning(
                    "a reload asked by another process found %d problem(s); keeping the last "
                    "good snapshot",
                    len(outcome.problems),
                )

    async def report(self, outcome: ReloadOutcome) -> None:
        """Post the outcome once per distinct failure, and once when it is fixed."""
        if outcome.ok:
            embeds = [fixed_embed(outcome)] if self.last_failure else reload_embed(outcome)
            self.last_failure = ()
        else:
            key = tuple(map(str, outcome.problems))
            if key == self.last_failure:
                return  # the same failure again: said once, not on every save
            self.last_failure = key
            embeds = reload_embed(outcome)
        await self.post(embeds)

    async def answer_reload(self, channel_id: int | None, outcome: ReloadOutcome) -> dict[str, Any]:
        """What a `reload` command replies, as keyword arguments for `ctx.reply`: the full
        report goes to the ops channel (problem lists stay out of team channels), and the
        channel it was typed in gets a one-line pointer to it. Without an ops channel, or
        typed in the ops channel itself, the report is the reply."""
        ops = self.bot.holder.settings.discord.ops_channel
        embeds = reload_embed(outcome)
        if ops is None or channel_id == ops:
            return {"embeds": embeds[:1]}
        self.last_failure = () if outcome.ok else tuple(map(str, outcome.problems))
        await self.post(embeds)
        return {"content": pointer(outcome, ops)}

    async def post(self, embeds: list[discord.Embed]) -> None:
        channel_id = self.bot.holder.settings.discord.ops_channel
        if channel_id is None:
            return
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            # With several processes, the ops channel's guild is on one process's shards:
            # that one posts, and the others stay quiet about it.
            say = log.debug if (self.bot.shard_count or 1) > 1 else log.warning
            say("ops channel %s is not a text channel I can see", channel_id)
            return
        shown = embeds[:MAX_REPORT_PAGES]
        for embed in shown:
            await channel.send(embed=embed)
        if len(embeds) > len(shown):
            await channel.send(
                f"… and {len(embeds) - len(shown)} more page(s) of problems: "
                "run `factbot check` for the full list."
            )


async def setup(bot: FactBot) -> None:
    await bot.add_cog(Reloader(bot))
