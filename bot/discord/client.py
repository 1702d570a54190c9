"""The Discord client: one Cog per feature, team-channel rules, cooldowns, one error handler."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord.ext import commands

from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.holder import KnowledgeHolder

log = logging.getLogger("factbot.discord")

EXTENSIONS = ("bot.discord.cogs.lookups", "bot.discord.cogs.admin", "bot.discord.cogs.reloader")


class NotHere(commands.CheckFailure):
    """The command was used outside the team channels (or in a DM when DMs are off)."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


class NotAllowed(commands.CheckFailure):
    """The user lacks a role the command needs; the message says which."""


# discord.py itself retries these (after 1, 3, 5... s); other 5xx (503 "service unavailable",
# for one) it raises at once, and the answer would be lost for a passing hiccup.
RETRIED_BY_DISCORD_PY = frozenset({500, 502, 504, 524})
SERVER_ERROR_RETRY_DELAY = 1.0


class FactContext(commands.Context):
    """A context whose replies survive one Discord server error (5xx) discord.py gives up on."""

    async def send(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return await super().send(*args, **kwargs)
        except discord.DiscordServerError as exc:
            if exc.status in RETRIED_BY_DISCORD_PY:
                raise  # discord.py already tried five times
            log.warning("Discord answered %s to a reply; sending it once more", exc.status)
        await asyncio.sleep(SERVER_ERROR_RETRY_DELAY)
        for file in (kwargs.get("file"), *(kwargs.get("files") or ())):
            if file is not None:
                file.reset()  # the failed upload read it to the end
        return await super().send(*args, **kwargs)


class FactBotMixin:
    """What the single-gateway and the sharded bot share."""

    holder: KnowledgeHolder

    def _init_factbot(self, holder: KnowledgeHolder, sync_global: bool) -> dict[str, Any]:
        self.holder = holder
        self.sync_global = sync_global
        s = holder.settings
        self.cooldowns = commands.CooldownMapping.from_cooldown(
            s.discord.cooldown.rate, s.discord.cooldown.per_seconds, commands.BucketType.user
        )
        intents = discord.Intents.default()
        intents.message_content = True
        return {
            "command_prefix": commands.when_mentioned_or(s.prefix),
            "intents": intents,
            "allowed_mentions": discord.AllowedMentions.none(),
            "help_command": None,
            "case_insensitive": True,
            "strip_after_prefix": True,
        }

    async def get_context(self, origin: Any, /, *, cls: Any = FactContext) -> Any:
        return await super().get_context(origin, cls=cls)  # type: ignore[misc]

    @property
    def kb(self) -> KnowledgeBase:
        """The current snapshot; take it once per command and use it to the end."""
        return self.holder.kb

    async def setup_hook(self) -> None:
        for ext in EXTENSIONS:
            await self.load_extension(ext)  # type: ignore[attr-defined]
        self.add_check(self.team_rules)  # type: ignore[attr-defined]
        self.add_check(self.cooldown)  # type: ignore[attr-defined]
        tree: discord.app_commands.CommandTree = self.tree  # type: ignore[attr-defined]
        for guild_id in self.holder.settings.discord.guilds:
            guild = discord.Object(id=guild_id)
            tree.copy_global_to(guild=guild)
            await tree.sync(guild=guild)
        if self.sync_global:
            synced = await tree.sync()
            log.info("synced %d slash commands globally", len(synced))

    def where_allowed(self) -> str:
        channels = self.holder.settings.discord.team_channels
        return ", ".join(f"<#{c}>" for c in channels) or "the team channels"

    async def team_rules(self, ctx: commands.Context) -> bool:
        """Answer only in team channels, to team roles, and in DMs only if configured."""
        d = self.holder.settings.discord
        if ctx.guild is None:
            if not d.allow_dms:
                raise NotHere("I only answer in the team's channels, not in direct messages.")
            return True
        channel_id = getattr(ctx.channel, "parent_id", None) or ctx.channel.id
        if (
            d.team_channels
            and ctx.channel.id not in d.team_channels
            and channel_id not in d.team_channels
        ):
            raise NotHere(f"I answer in {self.where_allowed()}.")
        if d.team_roles:
            roles = {r.id for r in getattr(ctx.author, "roles", [])}
            if not roles.intersection(d.team_roles):
                raise NotAllowed("Only members of the analyst team can ask me.")
        return True

    async def cooldown(self, ctx: commands.Context) -> bool:
        bucket = self.cooldowns.get_bucket(ctx.message)
        retry = bucket.update_rate_limit() if bucket else None
        if retry:
            raise commands.CommandOnCooldown(bucket, retry, commands.BucketType.user)  # type: ignore[arg-type]
        return True

    def is_admin(self, member: discord.abc.User) -> bool:
        admin_roles = set(self.holder.settings.discord.admin_roles)
        roles = {r.id for r in getattr(member, "roles", [])}
        return bool(admin_roles & roles)

    def allowed_here(self, channel_id: int | None, guild_id: int | None) -> bool:
        """The same channel rule, for autocomplete (which runs no command checks)."""
        d = self.holder.settings.discord
        if guild_id is None:
            return d.allow_dms
        return not d.team_channels or channel_id in d.team_channels

    async def on_command_error(self, ctx: commands.Context, error: Exception) -> None:
        """One error handler: short, friendly, never a traceback in the channel."""
        if isinstance(error, commands.HybridCommandError):
            error = error.original  # type: ignore[assignment]
        if isinstance(error, discord.app_commands.CommandInvokeError):
            error = error.original  # type: ignore[assignment]
        if isinstance(error, commands.CommandNotFound):
            return  # other bots share the prefix; stay quiet
        if isinstance(error, NotHere):
            if ctx.interaction is not None:
                await ctx.send(error.where, ephemeral=True)
            return  # prefix commands outside team channels get silence
        if isinstance(error, commands.CommandOnCooldown):
            await self._tell(ctx, f"Slow down a little: try again in {error.retry_after:.0f} s.")
            return
        if isinstance(error, NotAllowed | commands.CheckFailure):
            await self._tell(ctx, str(error) or "You can't use that command here.")
            return
        if isinstance(error, commands.UserInputError):
            usage = (
                f"`{ctx.clean_prefix}{ctx.command.qualified_name} {ctx.command.signature}`"
                if ctx.command
                else ""
            )
            await self._tell(ctx, f"I didn't understand that. Usage: {usage}")
            return
        original = getattr(error, "original", error)
        log.error(
            "command %r failed",
            ctx.message.content if ctx.message else ctx.command,
            exc_info=(type(original), original, original.__traceback__),
        )
        await self._tell(
            ctx,
            "Sorry, something went wrong on my side while answering that. "
            "It has been logged; please try again or ask differently.",
        )

    async def _tell(self, ctx: commands.Context, text: str) -> None:
        try:
            await ctx.reply(text, ephemeral=True, mention_author=False)
        except discord.HTTPException:
            log.warning("could not deliver an error message to channel %s", ctx.channel.id)


class FactBot(FactBotMixin, commands.Bot):
    def __init__(self, holder: KnowledgeHolder, *, sync_global: bool = False) -> None:
        options = self._init_factbot(holder, sync_global)
        d = holder.settings.discord
        if d.shard_count:
            options["shard_count"] = d.shard_count
            if d.shard_ids and len(d.shard_ids) == 1:
                options["shard_id"] = d.shard_ids[0]
        super().__init__(**options)


class ShardedFactBot(FactBotMixin, commands.AutoShardedBot):
    def __init__(self, holder: KnowledgeHolder, *, sync_global: bool = False) -> None:
        options = self._init_factbot(holder, sync_global)
        d = holder.settings.discord
        options["shard_count"] = d.shard_count
        if d.shard_ids:
            options["shard_ids"] = d.shard_ids
        super().__init__(**options)


def make_bot(holder: KnowledgeHolder, *, sync_global: bool = False) -> commands.Bot:
    """Several shards in one process need the auto-sharded client; else the plain one."""
    d = holder.settings.discord
    if d.shard_count and (not d.shard_ids or len(d.shard_ids) > 1):
        return ShardedFactBot(holder, sync_global=sync_global)
    return FactBot(holder, sync_global=sync_global)
