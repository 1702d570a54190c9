"""Reload results as embeds for the ops channel: every error located, changes listed."""

from __future__ import annotations

import discord

from bot.discord.embeds import DESCRIPTION_MAX, safe
from bot.loading.holder import ReloadOutcome
from bot.loading.yamlsource import Problem

PAGE_CHARS = 3500


def problem_pages(problems: tuple[Problem, ...]) -> list[str]:
    """Every problem, one per line, split into pages that fit an embed."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for p in problems:
        line = f"• `{p.file}:{p.line or '?'}:{p.column or '?'}` {p.message}"
        line = safe(line, 900)
        if current and size + len(line) > PAGE_CHARS:
            pages.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    pages.append("\n".join(current))
    return pages


def reload_embed(outcome: ReloadOutcome) -> list[discord.Embed]:
    """One embed per page: a changelog after a good reload, every problem after a bad one."""
    if outcome.ok:
        s = outcome.kb.summary()
        embed = discord.Embed(
            title="Knowledge reloaded",
            description=safe("\n".join(outcome.changelog.lines()), DESCRIPTION_MAX),
            colour=0x16A34A,
        )
        embed.set_footer(
            text=f"{s['entities']} entities, {s['claims']} claims, "
            f"{s['articles']} articles · by {outcome.kb.loaded_by}"
        )
        return [embed]
    pages = problem_pages(outcome.problems)
    embeds = []
    for i, page in enumerate(pages, start=1):
        embed = discord.Embed(
            title=f"Knowledge files have {len(outcome.problems)} problem(s): not loaded",
            description=safe(
                "Still answering from the last good knowledge.\n\n" + page, DESCRIPTION_MAX
            ),
            colour=0xDC2626,
        )
        if len(pages) > 1:
            embed.set_footer(text=f"Page {i}/{len(pages)}")
        embeds.append(embed)
    return embeds


def fixed_embed(outcome: ReloadOutcome) -> discord.Embed:
    embed = reload_embed(outcome)[0]
    embed.title = "Knowledge files fixed and reloaded"
    return embed
