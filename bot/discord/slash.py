"""Slash command metadata as Discord reads it: where commands show, who sees them, how long
their text may be.

Discord applies these before the bot hears anything: a member without the permission in
`default_member_permissions` never sees `/reload`; a command whose `contexts` leave out DMs
is not offered there; input longer than an option's `max_length` cannot be sent. So the
synced payload says what the bot's own checks say (they stay: a server admin can change
command permissions in Server Settings > Integrations).
"""

from __future__ import annotations

import dataclasses

import discord
from discord import app_commands

from bot.config import Settings

OPTION_MAX_LENGTH = 6000  # Discord's ceiling for a string option's max_length


def contexts(settings: Settings) -> app_commands.AppCommandContext:
    """Guild channels always; the bot's DMs only with `discord.allow_dms` (private
    channels need a user-installed app, which factbot is not)."""
    dms = settings.discord.allow_dms
    return app_commands.AppCommandContext(guild=True, dm_channel=dms, private_channel=False)


def installs() -> app_commands.AppInstallationType:
    """Installed to a server (the invite), never to a user account."""
    return app_commands.AppInstallationType(guild=True, user=False)


def tree_options(settings: Settings) -> dict[str, object]:
    """Keyword arguments for the bot: every command's `contexts` and `integration_types`."""
    return {"allowed_contexts": contexts(settings), "allowed_installs": installs()}


def text_room(command_name: str, max_query_length: int) -> int:
    """How long an option's text may be: the bot answers `"<command> <text>"`, which must
    fit `max_query_length`, so Discord refuses exactly what the bot would."""
    return max(1, min(OPTION_MAX_LENGTH, max_query_length - len(command_name) - 1))


def apply_metadata(tree: app_commands.CommandTree, settings: Settings) -> None:
    """Set the per-command metadata that depends on the settings on every top-level
    command: no DMs unless allowed, string lengths bounded. (Admin commands carry their
    `default_permissions` where they are defined, see cogs/admin.py.)"""
    for command in tree.get_commands():
        if not isinstance(command, app_commands.Command):
            continue
        command.guild_only = not settings.discord.allow_dms  # the legacy dm_permission
        # discord.py has no public setter; the parameter objects are shared by every copy
        # of the command (one per bot), so each bot gets its own, never an edited one.
        params = command._params
        for name, param in params.items():
            if param.type is discord.AppCommandOptionType.string:
                room = text_room(command.name, settings.max_query_length)
                params[name] = dataclasses.replace(param, max_value=room)
