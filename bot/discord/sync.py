"""What `factbot sync` puts to Discord, decided in one place for the real sync and the dry run.

Discord's bulk-overwrite endpoint (`PUT /applications/{app}/commands`, or `.../guilds/{id}/
commands`) replaces the whole list in that scope. With guilds to sync to, each guild gets the
full list and the global list is emptied, so no command shows twice in those guilds; without,
the global list gets it. The dry run serialises the same command tree the bot builds in its
`setup_hook` (cogs loaded, metadata applied) exactly as discord.py's `CommandTree.sync` does
(`command.to_dict(tree)`), without a token and without touching the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.discord.client import make_bot
from bot.loading.holder import KnowledgeHolder

Json = dict[str, Any]


@dataclass(frozen=True)
class SyncStep:
    """One bulk overwrite: the scope (a guild id, or None for global) and its commands."""

    guild_id: int | None
    commands: list[Json]

    @property
    def scope(self) -> str:
        return "global" if self.guild_id is None else str(self.guild_id)

    @property
    def endpoint(self) -> str:
        if self.guild_id is None:
            return "PUT /applications/{application_id}/commands"
        return f"PUT /applications/{{application_id}}/guilds/{self.guild_id}/commands"


def prepare_tree(tree: app_commands.CommandTree, guilds: Sequence[int]) -> list[int | None]:
    """Arrange the tree for the sync and return the scopes to overwrite, in order: each guild
    gets a copy of the global commands, and the global list is emptied when there are guilds."""
    for guild_id in guilds:
        tree.copy_global_to(guild=discord.Object(id=guild_id))
    if guilds:
        tree.clear_commands(guild=None)
    return [*guilds, None]


def payload(tree: app_commands.CommandTree, guild_id: int | None) -> list[Json]:
    """The JSON discord.py sends for this scope (no translator is set, so no translation)."""
    guild = None if guild_id is None else discord.Object(id=guild_id)
    return [command.to_dict(tree) for command in tree.get_commands(guild=guild)]


async def plan(holder: KnowledgeHolder, guilds: Sequence[int] | None = None) -> list[SyncStep]:
    """The bulk overwrites `factbot sync` would make, offline: the bot's own command tree,
    built as at start (no login), to `guilds` (default `discord.guilds`)."""
    targets = list(holder.settings.discord.guilds if guilds is None else guilds)
    bot = make_bot(holder, sync_only=True)
    async with bot:  # sets up the loop-bound parts; no login, no gateway
        await bot.setup_hook()
        tree: app_commands.CommandTree = bot.tree  # type: ignore[attr-defined]
        scopes = prepare_tree(tree, targets)
        return [SyncStep(scope, payload(tree, scope)) for scope in scopes]


async def sync_once(
    holder: KnowledgeHolder, token: str, guilds: Sequence[int] | None = None
) -> dict[str, int]:
    """Log in over REST (no gateway session, so it can run beside the service), make the
    overwrites `plan` describes, and leave. Returns the number of commands by scope."""
    targets = list(holder.settings.discord.guilds if guilds is None else guilds)
    bot = make_bot(holder, sync_only=True)
    async with bot:
        await bot.login(token)  # runs setup_hook: the cogs, hence the command tree
        tree: app_commands.CommandTree = bot.tree  # type: ignore[attr-defined]
        counts: dict[str, int] = {}
        for scope in prepare_tree(tree, targets):
            guild = None if scope is None else discord.Object(id=scope)
            synced = await tree.sync(guild=guild)
            counts["global" if scope is None else str(scope)] = len(synced)
        return counts


def summary(steps: Sequence[SyncStep]) -> str:
    """A few lines for a person: each overwrite and the command names it carries."""
    lines = []
    for step in steps:
        names = ", ".join("/" + c["name"] for c in step.commands if c.get("type", 1) == 1)
        what = f"{len(step.commands)} commands: {names}" if step.commands else "emptied"
        if not step.commands and step.guild_id is None:
            what += " (the guilds have them; no command shows twice)"
        lines.append(f"{step.endpoint}: {what}")
    return "\n".join(lines)
