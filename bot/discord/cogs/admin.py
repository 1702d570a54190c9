"""Knowledge admin in Discord: `reload` for the admin role (`kb` is a registry command)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from discord import app_commands
from discord.ext import commands

from bot.discord.reports import reload_embed

if TYPE_CHECKING:
    from bot.discord.client import FactBot


class Admin(commands.Cog):
    """reload."""

    def __init__(self, bot: FactBot) -> None:
        self.bot = bot

    # Hidden from members without Manage Server (Discord's own check, which a server admin
    # may widen under Integrations); the admin-role check below still decides at run time.
    @commands.hybrid_command(
        name="reload",
        help="Reload the knowledge files now (admin role).",
        description="Reload the knowledge files now (admin role)",
    )
    @app_commands.default_permissions(manage_guild=True)
    async def reload(self, ctx: commands.Context) -> None:
        """Reload the knowledge files now (admin role)."""
        if not self.bot.is_admin(ctx.author):
            await ctx.reply(
                "Only the knowledge admins can reload.", ephemeral=True, mention_author=False
            )
            return
        if ctx.interaction is not None:
            await ctx.defer()
        outcome = await asyncio.to_thread(self.bot.holder.reload, str(ctx.author))
        reloader = self.bot.get_cog("Reloader")
        if reloader is not None and outcome.ok:
            reloader.announce()  # type: ignore[attr-defined]  # the other processes reload too
        if reloader is not None:  # the report goes to ops; a team channel gets a pointer
            reply = await reloader.answer_reload(ctx.channel.id, outcome)  # type: ignore[attr-defined]
        else:
            reply = {"embeds": reload_embed(outcome)[:1]}
        await ctx.reply(**reply, mention_author=False)


async def setup(bot: FactBot) -> None:
    await bot.add_cog(Admin(bot))
