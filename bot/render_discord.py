"""Answers as Discord embeds, paged to fit Discord's limits instead of being cut.

Pure functions of an Answer: the views and cogs decide when to send which page.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.answer import Answer, CitationRef, Line
from bot.articles import shorten
from bot.palette import COLOURS
from bot.render_text import line_text
from bot.textsafety import neutralise

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000

# Our own budget per page, below the limits, so pages stay readable on a phone.
PAGE_DESCRIPTION_BUDGET = 2500
PAGE_TOTAL_BUDGET = 5500
QUOTE_IN_FIELD = 300
LINE_MAX = 600

STATUS_COLOURS = {"error": 0xDC2626, "not_found": 0x9CA3AF}


def safe(text: str, limit: int) -> str:
    """Neutralised (no pings) and within `limit`, marked with an ellipsis if shortened."""
    return shorten(neutralise(text), limit)


def citation_field(c: CitationRef) -> tuple[str, str]:
    name = f"[{c.number}] {c.article}, ¶{c.paragraph}"
    value = f"“{shorten(c.quote, QUOTE_IN_FIELD)}”"
    if c.cites:
        value += f"\n*citing {c.cites}*"
    value += f"\n`cite {c.claim_id}`"
    return safe(name, FIELD_NAME_MAX), safe(value, FIELD_VALUE_MAX)


def _line(line: Line) -> str:
    return safe("• " + line_text(line.text, line.citations), LINE_MAX)


@dataclass(frozen=True)
class EmbedPage:
    lines: tuple[Line, ...]
    citations: tuple[CitationRef, ...]


def paginate(answer: Answer) -> list[EmbedPage]:
    """Split the answer's lines into pages whose embeds fit Discord's limits."""
    by_number = {c.number: c for c in answer.citations}
    pages: list[EmbedPage] = []
    lines: list[Line] = []
    cites: dict[int, CitationRef] = {}
    size = 0

    def cost(c: CitationRef) -> int:
        name, value = citation_field(c)
        return len(name) + len(value)

    for line in answer.lines:
        new = {n: by_number[n] for n in line.citations if n in by_number and n not in cites}
        heading = len(line.heading or "") + 8 if line.heading else 0
        extra = len(_line(line)) + heading + sum(cost(c) for c in new.values())
        desc = (
            sum(len(_line(x)) + 8 + len(x.heading or "") for x in lines)
            + len(_line(line))
            + heading
        )
        if lines and (
            size + extra > PAGE_TOTAL_BUDGET
            or desc > PAGE_DESCRIPTION_BUDGET
            or len(cites) + len(new) > FIELDS_MAX - 1
        ):
            pages.append(EmbedPage(tuple(lines), tuple(cites.values())))
            lines, cites, size = [], {}, 0
            new = {n: by_number[n] for n in line.citations if n in by_number}
            extra = len(_line(line)) + heading + sum(cost(c) for c in new.values())
        lines.append(line)
        cites.update(new)
        size += extra
    pages.append(EmbedPage(tuple(lines), tuple(cites.values())))
    return pages


def answer_embed(answer: Answer, page: EmbedPage, number: int, total: int) -> discord.Embed:
    colour = STATUS_COLOURS.get(answer.status) or COLOURS.get(answer.entity_type, COLOURS[None])
    parts: list[str] = []
    if answer.subtitle:
        parts.append(f"*{answer.subtitle}*")
    if answer.note:
        parts.append(answer.note)
    heading: str | None = None
    for line in page.lines:
        if line.heading != heading:
            heading = line.heading
            if heading:
                parts.append(f"\n**{heading}**")
        parts.append(_line(line))
    for i, s in enumerate(answer.suggestions, start=1):
        parts.append(f"{i}. {s.label}: `{s.command}`")
    if answer.usage:
        parts.append(f"\nUsage: `{answer.usage}`")
    embed = discord.Embed(
        title=safe(answer.title, TITLE_MAX),
        description=safe("\n".join(parts), DESCRIPTION_MAX) or None,
        colour=colour,
    )
    for c in page.citations:
        name, value = citation_field(c)
        embed.add_field(name=name, value=value, inline=False)
    footer = []
    if total > 1:
        footer.append(f"Page {number}/{total}")
    if answer.entity_id:
        footer.append(f"{answer.entity_type}: {answer.entity_id}")
    if footer:
        embed.set_footer(text=safe(" · ".join(footer), FOOTER_MAX))
    return embed


def render_pages(answer: Answer) -> list[discord.Embed]:
    """Every page of the answer as an embed; each one within Discord's limits."""
    pages = paginate(answer)
    return [answer_embed(answer, p, i, len(pages)) for i, p in enumerate(pages, start=1)]


def embed_size(embed: discord.Embed) -> int:
    return len(embed)
