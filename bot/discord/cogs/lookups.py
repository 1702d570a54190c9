"""The chat commands in Discord: the same parser and answers as the CLI, as embeds with views.

Every prefix and slash command here is generated from bot/commands/table.py (names, aliases,
usage, help, the slash option and its autocomplete); a word the table does not know gets the
console's "did you mean" reply instead of silence.
"""

from __future__ import annotations

import asyncio
import bisect
import io
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.answer import Answer
from bot.commands.building import label
from bot.commands.registry import CommandSpec
from bot.commands.search import search_facts
from bot.commands.table import COMMANDS, run
from bot.discord.embeds import render_pages, text_pages
from bot.discord.views import ChoiceView, OwnedView, PagerView, show_in_place
from bot.knowledge.snapshot import KnowledgeBase
from bot.render.pictures import picture as pictures
from bot.render.pictures.common import MAP_KINDS, TIMELINE_KINDS
from bot.render.site.urls import with_urls

if TYPE_CHECKING:
    from bot.discord.client import FactBot

log = logging.getLogger("factbot.lookups")
AUTOCOMPLETE_MAX = 25
DEFER_AFTER = 1.5  # seconds; Discord needs an acknowledgement within 3
NO_PICTURES = "No picture: the pictures extra (matplotlib) is not installed where I run"


@dataclass(frozen=True)
class Prepared:
    answer: Answer
    embeds: list[discord.Embed]
    picture: tuple[str, bytes] | None


class _LookupsBase(commands.Cog):
    """Answering in Discord: one snapshot per reply, pages, choices, pictures, autocomplete."""

    def __init__(self, bot: FactBot) -> None:
        self.bot = bot
        self.pictures = pictures.Pictures()

    # ---------------------------------------------------------------- answering

    def answer(self, text: str, kb: KnowledgeBase | None = None) -> Answer:
        s = self.bot.holder.settings
        return run(kb or self.bot.kb, text, prefix="", max_length=s.max_query_length)

    def prepare(self, kb: KnowledgeBase, text: str) -> Prepared:
        """All the work for one reply, on one snapshot: the answer, its pages (linked to
        the site's pages when `site.url` is set), its picture (or a note saying why not)."""
        site_url = self.bot.holder.settings.site.url
        answer = with_urls(self.answer(text, kb), kb, site_url)
        drawn = answer.status == "ok" and answer.kind in TIMELINE_KINDS | MAP_KINDS
        missing = drawn and not pictures.pictures_available()
        embeds = render_pages(answer, site_url=site_url, note=NO_PICTURES if missing else None)
        if answer.kind == "status":
            self._files_on_disk(embeds)
        picture = self.pictures.for_answer(kb, answer) if drawn and not missing else None
        if picture is not None:
            for embed in embeds:
                embed.set_image(url=f"attachment://{picture[0]}")
        return Prepared(answer, embeds, picture)

    def _files_on_disk(self, embeds: list[discord.Embed]) -> None:
        """`kb` in Discord also says whether the files on disk load (the bot keeps serving)."""
        problems = self.bot.holder.problems
        value = "Valid."
        if problems:
            value = (
                f"{len(problems)} problem(s) since the last reload; still serving the "
                "last good knowledge. `reload` shows them."
            )
        for embed in embeds:
            embed.add_field(name="Files on disk", value=value, inline=False)

    def _view_for(
        self, answer: Answer, embeds: list[discord.Embed] | list[str], owner: int
    ) -> discord.ui.View | None:
        timeout = self.bot.holder.settings.discord.page_timeout
        if answer.suggestions:
            return ChoiceView(owner, answer.suggestions, self.run_choice, timeout)
        if len(embeds) > 1:
            return PagerView(owner, embeds, timeout)
        return None

    async def respond(self, ctx: commands.Context, text: str) -> None:
        """Answer `text` in reply to the question; errors and choices are ephemeral on slash.

        The work runs off the event loop; if it is not done in DEFER_AFTER seconds, a slash
        command is acknowledged first (Discord drops interactions unanswered after 3 s).
        """
        kb = self.bot.kb  # one snapshot for the whole reply, even if a reload lands now
        work = asyncio.ensure_future(asyncio.to_thread(self.prepare, kb, text))
        deferred = False
        if ctx.interaction is not None:
            done, _ = await asyncio.wait({work}, timeout=DEFER_AFTER)
            if not done:
                await ctx.defer()
                deferred = True
        prepared = await work
        answer, embeds = prepared.answer, prepared.embeds
        ephemeral = ctx.interaction is not None and answer.status != "ok" and not deferred
        kwargs: dict = {"ephemeral": ephemeral, "mention_author": False}
        if self._may_embed(ctx):
            view = self._view_for(answer, embeds, ctx.author.id)
            kwargs["embed"] = embeds[0]
        else:  # no Embed Links here: the console's text, paged
            pages = text_pages(answer, self.bot.holder.settings.page_size)
            view = self._view_for(answer, pages, ctx.author.id)
            kwargs["content"] = pages[0]
        if view is not None:
            kwargs["view"] = view
        if prepared.picture is not None:
            name, data = prepared.picture
            kwargs["file"] = discord.File(io.BytesIO(data), filename=name)
        message = await ctx.reply(**kwargs)
        if view is not None:
            view.message = message  # type: ignore[attr-defined]
            if ctx.interaction is not None and isinstance(view, OwnedView):
                view.bind(ctx.interaction)  # an ephemeral reply is reached only through it

    @staticmethod
    def _may_embed(ctx: commands.Context) -> bool:
        """Interaction replies may always embed; a channel message needs Embed Links."""
        if ctx.interaction is not None or ctx.guild is None:
            return True
        return ctx.channel.permissions_for(ctx.me).embed_links  # type: ignore[arg-type]

    async def run_choice(self, interaction: discord.Interaction, command: str) -> None:
        """A "did you mean" pick: replace the choices with the chosen answer."""
        prepared = await asyncio.to_thread(self.prepare, self.bot.kb, command)
        embeds = prepared.embeds
        view = self._view_for(prepared.answer, embeds, interaction.user.id)
        files = []
        if prepared.picture is not None:
            files.append(
                discord.File(io.BytesIO(prepared.picture[1]), filename=prepared.picture[0])
            )
        await show_in_place(interaction, embed=embeds[0], view=view, files=files)

    # ---------------------------------------------------------------- autocomplete

    def _allowed(self, interaction: discord.Interaction) -> bool:
        return self.bot.allowed_for(interaction)

    async def entity_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not self._allowed(interaction):
            return []
        kb = self.bot.kb
        choices = []
        for c in kb.matcher.complete(current, limit=AUTOCOMPLETE_MAX, allowed=kb.lookup_filter()):
            entity = kb.entities[c.key]
            shown = label(entity)
            if c.kind == "alias" and c.matched.casefold() not in shown.casefold():
                shown += f" — {c.matched}"
            choices.append(app_commands.Choice(name=shown[:100], value=entity.id[:100]))
        return choices[:AUTOCOMPLETE_MAX]

    async def claim_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not self._allowed(interaction):
            return []
        kb = self.bot.kb
        ids = kb.claim_ids_sorted
        needle = current.strip().lower()
        start = bisect.bisect_left(ids, needle)
        hits = []
        for claim_id in ids[start:]:
            if not claim_id.startswith(needle) or len(hits) >= AUTOCOMPLETE_MAX:
                break
            hits.append(claim_id)
        if len(hits) < AUTOCOMPLETE_MAX and needle:
            hits += [f.id for f in search_facts(kb, needle) if f.id not in hits]
        return [app_commands.Choice(name=i[:100], value=i[:100]) for i in hits[:AUTOCOMPLETE_MAX]]

    # ---------------------------------------------------------------- unknown commands

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context, error: Exception) -> None:
        """An unknown word after the prefix gets the console's answer ("did you mean"...).

        The client's own handler stays quiet for CommandNotFound; the same channel, role and
        cooldown rules as for any command decide whether this reply is sent at all.
        """
        if not isinstance(error, commands.CommandNotFound) or ctx.prefix is None:
            return
        try:
            if not await self.bot.can_run(ctx):
                return
            await self.respond(ctx, ctx.message.content[len(ctx.prefix) :])
        except Exception as exc:  # the client's handler says sorry and logs it
            await self.bot.on_command_error(ctx, exc)


def _callback(spec: CommandSpec) -> Callable[..., Awaitable[None]]:
    """The coroutine a generated command runs: the chat text, answered like any other."""
    if spec.arg is None:

        async def callback(self: _LookupsBase, ctx: commands.Context) -> None:
            await self.respond(ctx, spec.name)

    elif spec.arg.required:

        async def callback(self: _LookupsBase, ctx: commands.Context, *, text: str) -> None:
            await self.respond(ctx, f"{spec.name} {text}")

    else:

        async def callback(
            self: _LookupsBase, ctx: commands.Context, *, text: str | None = None
        ) -> None:
            await self.respond(ctx, f"{spec.name} {text or ''}")

    # A method of the cog as far as discord.py can tell: it passes the cog as `self`.
    callback.__qualname__ = f"Lookups.{spec.name}"
    callback.__name__ = spec.name
    return callback


_COMPLETERS = {
    "entity": _LookupsBase.entity_autocomplete,
    "claim": _LookupsBase.claim_autocomplete,
}


def door_command(spec: CommandSpec) -> commands.HybridCommand:
    """One registry command as a Discord prefix command (with every alias) and slash command."""
    callback = _callback(spec)
    if spec.arg is not None:
        callback = app_commands.describe(text=spec.arg.describe[:100])(callback)
        callback = app_commands.rename(text=spec.arg.slash_name)(callback)
    command = commands.hybrid_command(
        name=spec.name,
        aliases=list(spec.aliases),
        help=spec.help,
        description=spec.summary[:100],
        usage=spec.arg_usage,
    )(callback)
    if spec.arg is not None and spec.arg.completes is not None:
        command.autocomplete("text")(_COMPLETERS[spec.arg.completes])
    return command


# The cog's commands are the registry's: no name, alias or usage is typed again here.
Lookups = commands.CogMeta(
    "Lookups",
    (_LookupsBase,),
    {
        "__module__": __name__,
        "__qualname__": "Lookups",
        "__doc__": "Every command of the registry: " + ", ".join(s.name for s in COMMANDS) + ".",
        **{spec.name: door_command(spec) for spec in COMMANDS},
    },
)


async def setup(bot: FactBot) -> None:
    await bot.add_cog(Lookups(bot))
