"""Reload results as embeds for the ops channel: every error located, changes listed.

File names, messages and changelog lines come from editors' YAML: each goes through
`embeds.escape`, so a broken file cannot post a masked link, a spoiler or a ping."""

from __future__ import annotations

import discord

from bot.discord.embeds import DESCRIPTION_MAX, code, escape, fit
from bot.loading.holder import ReloadOutcome
from bot.loading.yamlsource import Problem

PAGE_CHARS = 3500


def problem_pages(problems: tuple[Problem, ...]) -> list[str]:
    """Every problem, one per line, split into pages that fit an embed."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for p in problems:
        if p.severity == "note":  # "… and 44 errors about ids that file defines": no place
            line = fit(f"• {escape(p.message)}", 900)
        else:
            where = code(f"{p.file}:{p.line or '?'}:{p.column or '?'}", 300)
            line = fit(f"• `{where}` {escape(p.message)}", 900)
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
            description=fit(
                "\n".join(escape(line) for line in outcome.changelog.lines()), DESCRIPTION_MAX
            ),
            colour=0x16A34A,
        )
        embed.set_footer(
            text=fit(
                f"{s['entities']} entities, {s['claims']} claims, "
                f"{s['articles']} articles · by {outcome.kb.loaded_by}",
                256,
            )
        )
        return [embed]
    pages = problem_pages(outcome.problems)
    embeds = []
    for i, page in enumerate(pages, start=1):
        embed = discord.Embed(
            title=f"Knowledge files have {len(outcome.problems)} problem(s): not loaded",
            description=fit(
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


def pointer(outcome: ReloadOutcome, ops_channel: int) -> str:
    """The one line a `reload` typed in a team channel gets: the report is in the ops channel."""
    if outcome.ok:
        return f"Knowledge reloaded; the changelog is in <#{ops_channel}>."
    return (
        f"Knowledge files have {len(outcome.problems)} problem(s) and were not loaded; "
        f"still answering from the last good knowledge. Details in <#{ops_channel}>."
    )
