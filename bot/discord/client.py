"""The Discord client: one Cog per feature, team-channel rules, cooldowns, one error handler."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import discord
from discord.ext import commands

from bot.discord.embeds import CONTENT_MAX, PICTURE_LEFT_OUT, embed_text
from bot.discord.slash import apply_metadata, tree_options
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.holder import KnowledgeHolder
from bot.render.site.rebuild import SiteRebuilder

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


WHERE_MAX = 1500  # the "I answer in ..." list, so the message stays under 2,000 characters
MISSING_PERMISSIONS = 50013


def _without_embeds(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The same reply as plain text (the bot may not embed links here)."""
    embeds = [kwargs.pop("embed", None), *(kwargs.pop("embeds", None) or ())]
    texts = [embed_text(e) for e in embeds if e is not None]
    content = "\n\n".join(t for t in [kwargs.get("content") or "", *texts] if t)
    kwargs["content"] = content[:CONTENT_MAX]
    return kwargs


def _without_files(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The same reply without its picture, saying so (the bot may not attach files here)."""
    kwargs.pop("file", None)
    kwargs.pop("files", None)
    for embed in [kwargs.get("embed"), *(kwargs.get("embeds") or ())]:
        if embed is not None and (embed.image.url or "").startswith("attachment://"):
            embed.set_image(url=None)
    content = kwargs.get("content") or ""
    kwargs["content"] = f"{content}\n{PICTURE_LEFT_OUT}".strip()[:CONTENT_MAX]
    return kwargs


def _has(kwargs: dict[str, Any], *keys: str) -> bool:
    return any(kwargs.get(k) for k in keys)


class FactContext(commands.Context):
    """A context whose replies fit the channel's permissions and survive one Discord server
    error (5xx) discord.py gives up on.

    Without Embed Links the answer goes as text, without Attach Files without its picture
    (and says so): checked before sending, and again on a 403 (permissions can change
    between the check and the send). Interaction responses need neither permission."""

    def _fit_permissions(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if self.interaction is not None or self.guild is None:
            return kwargs
        perms = self.channel.permissions_for(self.me)  # type: ignore[arg-type]
        if not perms.attach_files and _has(kwargs, "file", "files"):
            kwargs = _without_files(kwargs)
        if not perms.embed_links and _has(kwargs, "embed", "embeds"):
            kwargs = _without_embeds(kwargs)
        return kwargs

    async def send(self, content: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        if content is not None:
            kwargs["content"] = str(content)  # ctx.reply passes it positionally
        kwargs = self._fit_permissions(kwargs)
        try:
            return await self._send_once_more_on_5xx(**kwargs)
        except discord.Forbidden as exc:
            if exc.code != MISSING_PERMISSIONS or not _has(
                kwargs, "embed", "embeds", "file", "files"
            ):
                raise
            log.warning(
                "missing permissions in channel %s; answering in plain text", self.channel.id
            )
        # Which permission is missing is unknown here: drop both what needs one.
        if _has(kwargs, "file", "files"):
            kwargs = _without_files(kwargs)
        if _has(kwargs, "embed", "embeds"):
            kwargs = _without_embeds(kwargs)
        return await self._send_once_more_on_5xx(**kwargs)

    async def _send_once_more_on_5xx(self, *args: Any, **kwargs: Any) -> Any:
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

    def _init_factbot(
        self, holder: KnowledgeHolder, sync_global: bool, sync_only: bool = False
    ) -> dict[str, Any]:
        self.holder = holder
        self.site: SiteRebuilder | None = None  # keeps `site.out` in step (see setup_hook)
        self.sync_global = sync_global
        self.sync_only = sync_only  # `factbot sync`: log in over REST, sync, leave
        s = holder.settings
        self.cooldowns = commands.CooldownMapping.from_cooldown(
            s.discord.cooldown.rate, s.discord.cooldown.per_seconds, commands.BucketType.user
        )
        self.slow_down_told: dict[int, float] = {}  # user -> when "Slow down" was last said
        intents = discord.Intents.default()
        intents.message_content = s.discord.message_content
        # Without the message-content intent only mentions carry text: slash-only mode.
        prefix = (
            commands.when_mentioned_or(s.prefix)
            if s.discord.message_content
            else commands.when_mentioned
        )
        return {
            "command_prefix": prefix,
            "intents": intents,
            "allowed_mentions": discord.AllowedMentions.none(),
            "help_command": None,
            "case_insensitive": True,
            "strip_after_prefix": True,
            **tree_options(s),  # every slash command's contexts and integration types
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
        apply_metadata(tree, self.holder.settings)
        if self.sync_only:
            return  # `factbot sync` syncs once, by itself
        self._keep_site_in_step()
        for guild_id in self.holder.settings.discord.guilds:
            guild = discord.Object(id=guild_id)
            tree.copy_global_to(guild=guild)
            await tree.sync(guild=guild)
        if self.sync_global and not self.holder.settings.discord.guilds:
            synced = await tree.sync()
            log.info("synced %d slash commands globally", len(synced))

    def _keep_site_in_step(self) -> None:
        """With `site.out` set, build the static site now (the knowledge may have changed
        while the bot was down) and again after each successful reload, as the console
        does; in a background thread, incrementally, never half-written (SiteRebuilder)."""
        out = self.holder.settings.site.out
        if out is None:
            return
        for hook in self.holder.after_reload:  # one rebuilder per holder and folder
            if isinstance(hook, SiteRebuilder) and hook.out == out:
                self.site = hook
        if self.site is None:
            self.site = SiteRebuilder(out)
            self.holder.after_reload.append(self.site)
        self.site(self.holder.kb)

    def where_allowed(self) -> str:
        """The team channels as mentions, cut to stay well within one message."""
        channels = self.holder.settings.discord.team_channels
        shown: list[str] = []
        size = 0
        for c in channels:
            mention = f"<#{c}>"
            if size + len(mention) + 2 > WHERE_MAX:
                shown.append(f"and {len(channels) - len(shown)} more team channels")
                break
            shown.append(mention)
            size += len(mention) + 2
        return ", ".join(shown) or "the team channels"

    def refusal(self, channel: Any, author: Any, in_guild: bool) -> commands.CheckFailure | None:
        """The one rule for "may this person ask here?", for commands, autocomplete and
        buttons alike: team channels (a thread counts as its parent channel), team roles,
        and DMs only if configured. None when allowed."""
        d = self.holder.settings.discord
        if not in_guild:
            if d.allow_dms:
                return None
            return NotHere("I only answer in the team's channels, not in direct messages.")
        channel_id = getattr(channel, "id", None)
        parent_id = getattr(channel, "parent_id", None)
        if d.team_channels and not {channel_id, parent_id} & set(d.team_channels):
            return NotHere(f"I answer in {self.where_allowed()}.")
        if d.team_roles:
            roles = {r.id for r in getattr(author, "roles", [])}
            if not roles.intersection(d.team_roles):
                return NotAllowed("Only members of the analyst team can ask me.")
        return None

    async def team_rules(self, ctx: commands.Context) -> bool:
        """Answer only in team channels, to team roles, and in DMs only if configured."""
        problem = self.refusal(ctx.channel, ctx.author, ctx.guild is not None)
        if problem is not None:
            raise problem
        return True

    def allowed_for(self, interaction: discord.Interaction) -> bool:
        """The same rule for autocomplete and components, which run no command checks."""
        in_guild = interaction.guild_id is not None
        return self.refusal(interaction.channel, interaction.user, in_guild) is None

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
        """The channel rule by ids (a thread counts as its parent); `allowed_for` also
        checks the team roles and is what autocomplete should use."""
        channel = self.get_channel(channel_id) if channel_id else None  # type: ignore[attr-defined]
        where = channel or discord.Object(id=channel_id or 0)
        problem = self.refusal(where, None, guild_id is not None)
        return problem is None or isinstance(problem, NotAllowed)

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
            if self._told_to_slow_down(ctx.author.id):
                return  # said once per window: "Slow down" must not become the flood
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
        if isinstance(original, discord.Forbidden):
            log.warning(
                "Discord refused a reply in channel %s: %s (code %s); check the bot's "
                "permissions there",
                getattr(ctx.channel, "id", None),
                original.text,
                original.code,
            )
            return
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

    def _told_to_slow_down(self, user_id: int) -> bool:
        """True if this user was told to slow down within the cooldown window; else note now."""
        window = self.holder.settings.discord.cooldown.per_seconds
        now = time.monotonic()
        if now - self.slow_down_told.get(user_id, -window) < window:
            return True
        if len(self.slow_down_told) > 10_000:  # forget old entries; bounded memory
            self.slow_down_told = {u: t for u, t in self.slow_down_told.items() if now - t < window}
        self.slow_down_told[user_id] = now
        return False

    async def _tell(self, ctx: commands.Context, text: str) -> None:
        try:
            await ctx.reply(text, ephemeral=True, mention_author=False)
        except discord.HTTPException:
            log.warning("could not deliver an error message to channel %s", ctx.channel.id)


class FactBot(FactBotMixin, commands.Bot):
    def __init__(
        self, holder: KnowledgeHolder, *, sync_global: bool = False, sync_only: bool = False
    ) -> None:
        options = self._init_factbot(holder, sync_global, sync_only)
        d = holder.settings.discord
        if d.shard_count:
            options["shard_count"] = d.shard_count
            if d.shard_ids and len(d.shard_ids) == 1:
                options["shard_id"] = d.shard_ids[0]
        super().__init__(**options)


class ShardedFactBot(FactBotMixin, commands.AutoShardedBot):
    def __init__(
        self, holder: KnowledgeHolder, *, sync_global: bool = False, sync_only: bool = False
    ) -> None:
        options = self._init_factbot(holder, sync_global, sync_only)
        d = holder.settings.discord
        options["shard_count"] = d.shard_count
        if d.shard_ids:
            options["shard_ids"] = d.shard_ids
        super().__init__(**options)


def make_bot(
    holder: KnowledgeHolder, *, sync_global: bool = False, sync_only: bool = False
) -> commands.Bot:
    """Several shards in one process need the auto-sharded client; else the plain one."""
    d = holder.settings.discord
    if sync_only:
        return FactBot(holder, sync_only=True)  # REST only: no shards, no gateway
    if d.shard_count and (not d.shard_ids or len(d.shard_ids) > 1):
        return ShardedFactBot(holder, sync_global=sync_global)
    return FactBot(holder, sync_global=sync_global)
