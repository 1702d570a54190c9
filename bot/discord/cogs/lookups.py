"""Lookup commands in Discord: the same parser and answers as the CLI, as embeds with views."""

from __future__ import annotations

import asyncio
import bisect
import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.answer import Answer
from bot.commands.query import label, search_facts
from bot.commands.registry import REGISTRY, run
from bot.discord.embeds import render_pages
from bot.discord.views import ChoiceView, PagerView
from bot.knowledge.snapshot import KnowledgeBase
from bot.render.pictures.picture import Pictures

if TYPE_CHECKING:
    from bot.discord.client import FactBot

log = logging.getLogger("factbot.lookups")
AUTOCOMPLETE_MAX = 25
DEFER_AFTER = 1.5  # seconds; Discord needs an acknowledgement within 3


def _spec_kwargs(name: str) -> dict[str, str]:
    """Help and slash description come from the command's docstring in the core."""
    spec = REGISTRY[name]
    return {"help": spec.help, "description": spec.summary[:100], "usage": spec.usage}


@dataclass(frozen=True)
class Prepared:
    answer: Answer
    embeds: list[discord.Embed]
    picture: tuple[str, bytes] | None


class Lookups(commands.Cog):
    """who, org, what, when, on, search, timeline, map, cite, sources, help."""

    def __init__(self, bot: FactBot) -> None:
        self.bot = bot
        self.pictures = Pictures()

    # ---------------------------------------------------------------- answering

    def answer(self, text: str, kb: KnowledgeBase | None = None) -> Answer:
        s = self.bot.holder.settings
        return run(kb or self.bot.kb, text, prefix="", max_length=s.max_query_length)

    def prepare(self, kb: KnowledgeBase, text: str) -> Prepared:
        """All the work for one reply, on one snapshot: the answer, its pages, its picture."""
        answer = self.answer(text, kb)
        embeds = render_pages(answer)
        picture = self.pictures.for_answer(kb, answer) if answer.status == "ok" else None
        if picture is not None:
            for embed in embeds:
                embed.set_image(url=f"attachment://{picture[0]}")
        return Prepared(answer, embeds, picture)

    def _view_for(
        self, answer: Answer, embeds: list[discord.Embed], owner: int
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
        view = self._view_for(answer, embeds, ctx.author.id)
        ephemeral = ctx.interaction is not None and answer.status != "ok" and not deferred
        kwargs: dict = {"embed": embeds[0], "ephemeral": ephemeral, "mention_author": False}
        if view is not None:
            kwargs["view"] = view
        if prepared.picture is not None:
            name, data = prepared.picture
            kwargs["file"] = discord.File(io.BytesIO(data), filename=name)
        message = await ctx.reply(**kwargs)
        if view is not None:
            view.message = message  # type: ignore[attr-defined]

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
        await interaction.response.edit_message(embed=embeds[0], view=view, attachments=files)
        if view is not None:
            view.message = interaction.message  # type: ignore[attr-defined]

    # ---------------------------------------------------------------- autocomplete

    def _allowed(self, interaction: discord.Interaction) -> bool:
        return self.bot.allowed_here(interaction.channel_id, interaction.guild_id)

    async def entity_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not self._allowed(interaction):
            return []
        kb = self.bot.kb
        choices = []
        for c in kb.matcher.complete(current, limit=AUTOCOMPLETE_MAX, allowed=kb.visible):
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

    # ---------------------------------------------------------------- commands

    @commands.hybrid_command(name="who", aliases=["whois"], **_spec_kwargs("who"))
    @app_commands.describe(name="A person's name, surname, or a spelling of it")
    async def who(self, ctx: commands.Context, *, name: str) -> None:
        await self.respond(ctx, f"who {name}")

    @commands.hybrid_command(
        name="org", aliases=["organisation", "organization"], **_spec_kwargs("org")
    )
    @app_commands.describe(name="An organisation's name or acronym")
    async def org(self, ctx: commands.Context, *, name: str) -> None:
        await self.respond(ctx, f"org {name}")

    @commands.hybrid_command(name="what", aliases=["about"], **_spec_kwargs("what"))
    @app_commands.describe(name="Any place, event, country, outlet or other entity")
    async def what(self, ctx: commands.Context, *, name: str) -> None:
        await self.respond(ctx, f"what {name}")

    @commands.hybrid_command(name="when", **_spec_kwargs("when"))
    @app_commands.describe(thing="An entity or event")
    async def when(self, ctx: commands.Context, *, thing: str) -> None:
        await self.respond(ctx, f"when {thing}")

    @commands.hybrid_command(name="on", aliases=["date"], **_spec_kwargs("on"))
    @app_commands.describe(date="A day, month, year or range: 2012-04-06, April 2012, 2011..2012")
    async def on(self, ctx: commands.Context, *, date: str) -> None:
        await self.respond(ctx, f"on {date}")

    @commands.hybrid_command(name="search", aliases=["find"], **_spec_kwargs("search"))
    @app_commands.describe(words="Words to look for in claims and quotes")
    async def search(self, ctx: commands.Context, *, words: str) -> None:
        await self.respond(ctx, f"search {words}")

    @commands.hybrid_command(name="timeline", **_spec_kwargs("timeline"))
    @app_commands.describe(entity="Optional: one entity's timeline")
    async def timeline(self, ctx: commands.Context, *, entity: str | None = None) -> None:
        await self.respond(ctx, f"timeline {entity or ''}")

    @commands.hybrid_command(name="map", aliases=["graph"], **_spec_kwargs("map"))
    @app_commands.describe(name="The entity whose connections to show")
    async def map(self, ctx: commands.Context, *, name: str) -> None:
        await self.respond(ctx, f"map {name}")

    @commands.hybrid_command(name="cite", **_spec_kwargs("cite"))
    @app_commands.describe(claim="A claim id, as shown under each citation")
    async def cite(self, ctx: commands.Context, *, claim: str) -> None:
        await self.respond(ctx, f"cite {claim}")

    @commands.hybrid_command(name="sources", **_spec_kwargs("sources"))
    async def sources(self, ctx: commands.Context) -> None:
        await self.respond(ctx, "sources")

    @commands.hybrid_command(name="help", **_spec_kwargs("help"))
    @app_commands.describe(command="Optional: one command")
    async def help(self, ctx: commands.Context, *, command: str | None = None) -> None:
        await self.respond(ctx, f"help {command or ''}")

    who.autocomplete("name")(entity_autocomplete)
    org.autocomplete("name")(entity_autocomplete)
    what.autocomplete("name")(entity_autocomplete)
    when.autocomplete("thing")(entity_autocomplete)
    timeline.autocomplete("entity")(entity_autocomplete)
    map.autocomplete("name")(entity_autocomplete)
    cite.autocomplete("claim")(claim_autocomplete)


async def setup(bot: FactBot) -> None:
    await bot.add_cog(Lookups(bot))
