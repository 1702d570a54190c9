"""Answers as Discord embeds, paged to fit Discord's limits instead of being cut.

Pure functions of an Answer: the views and cogs decide when to send which page.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import discord

from bot.commands.answer import Answer, CitationRef, Line
from bot.commands.textsafety import neutralise
from bot.knowledge.articles import shorten
from bot.render.palette import COLOURS
from bot.render.site.urls import normalise_base
from bot.render.text import line_text, render_text

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
CITES_IN_FIELD = 300
LINE_MAX = 600
HEADING_MAX = 200
# The parts repeated on every page (subtitle and note above the lines, choices and usage
# below them, the footer) are capped, so a page always has room for its lines and sources.
HEADER_MAX = 1000
TRAILER_MAX = 1000
FOOTER_BUDGET = 256
FIELDS_PER_PAGE = FIELDS_MAX - 1  # one field stays free (`kb` adds "Files on disk")
_SLACK = 16  # newlines between the parts of a description

STATUS_COLOURS = {"error": 0xDC2626, "not_found": 0x9CA3AF}


# Markdown that could disguise text: masked links [text](url), spoilers ||x||, and at the
# start of a line headings (#, -# subtext) and block quotes (>). Bold, italics and code
# only change the look, so the core's own `code` hints keep working.
_LINK_OR_SPOILER = re.compile(r"([\[\]|\\])")
_LINE_START = re.compile(r"(?m)^([ \t]*)(-#|#|>)")
_KEPT_CONTROLS = frozenset("\n\t")


def _visible(text: str) -> str:
    """Without control, format (bidi overrides and isolates, zero-width) or surrogate
    characters, which could reorder or hide what a reader sees."""
    if text.isascii():
        return "".join(c for c in text if c.isprintable() or c in _KEPT_CONTROLS)
    return "".join(
        c for c in text if c in _KEPT_CONTROLS or unicodedata.category(c) not in ("Cc", "Cf", "Cs")
    )


def escape(text: str) -> str:
    """User or editor text made inert for an embed: the one function every such text goes
    through. No pings, no masked links, spoilers, headings or quotes, no bidi tricks."""
    text = _LINK_OR_SPOILER.sub(r"\\\1", _visible(text))
    return neutralise(_LINE_START.sub(r"\1\\\2", text))


def code(text: str, limit: int) -> str:
    """Text for inside a `code span`, where markdown is not parsed: only backticks matter."""
    return shorten(neutralise(_visible(text)).replace("`", "ʹ"), limit)


def safe(text: str, limit: int) -> str:
    """Escaped (see `escape`) and within `limit`, marked with an ellipsis if shortened."""
    return shorten(escape(text), limit)


def fit(text: str, limit: int) -> str:
    """Our own markdown around escaped parts: still no pings or hidden characters, and
    within `limit`; it is not escaped again (that would show the backslashes)."""
    return shorten(neutralise(_visible(text)), limit)


_SITE_BASE = re.compile(r"^https?://[^\s<>\"'()\[\]\\]+$")
URL_MAX = 512  # a longer link is left out rather than cut (a cut link would show raw)


def site_link(url: str | None, site_url: str | None) -> str | None:
    """`url` if it is a page of the configured site (`site.url`, http or https), else None:
    an answer links nowhere else, and never to a URL an editor or a user typed. The pages'
    paths are made of safe ids (see bot/render/site/urls.py); anything that could end a
    masked link early is refused all the same."""
    if not url or not site_url or not _SITE_BASE.match(site_url):
        return None
    if not url.startswith(normalise_base(site_url)) or len(url) > URL_MAX:
        return None
    if not _SITE_BASE.match(url) or not url.isprintable():
        return None
    return url


def citation_links(c: CitationRef, site_url: str | None, room: int) -> str:
    """The claim on the site and the cited paragraph, as masked links within `room`
    characters (a link that does not fit is left out whole, never cut)."""
    links: list[str] = []
    candidates = (
        (site_link(c.url, site_url), f"claim {c.number}"),
        (site_link(c.paragraph_url, site_url), f"¶{c.paragraph} in the article"),
    )
    for url, text in candidates:
        link = f"[{text}]({url})"
        if url and sum(len(x) + 3 for x in [*links, link]) <= room:
            links.append(link)
    return " · ".join(links)


def citation_field(c: CitationRef, site_url: str | None = None) -> tuple[str, str]:
    name = f"[{c.number}] {escape(c.article)}, ¶{c.paragraph}"
    value = f"“{safe(c.quote, QUOTE_IN_FIELD)}”"
    if c.cites:
        value += f"\n*citing {safe(c.cites, CITES_IN_FIELD)}*"
    value += f"\n`cite {code(c.claim_id, 200)}`"
    value = neutralise(_visible(value))  # what `fit` would do, so the links stay whole
    if links := citation_links(c, site_url, FIELD_VALUE_MAX - len(value)):
        value += f" · {links}"
    return fit(name, FIELD_NAME_MAX), fit(value, FIELD_VALUE_MAX)


def _line(line: Line) -> str:
    """'• text [1][2]': a long text is shortened before its citation marks, never the marks."""
    marks = line_text("", line.citations).strip()
    room = max(LINE_MAX - len(marks) - 3, LINE_MAX // 2)
    return fit(line_text("• " + safe(line.text, room), line.citations), LINE_MAX)


def _heading(line: Line) -> str:
    return safe(line.heading, HEADING_MAX) if line.heading else ""


def _header(answer: Answer) -> list[str]:
    """Subtitle and note: shown above the lines on every page."""
    parts: list[str] = []
    if answer.subtitle:
        parts.append(f"*{safe(answer.subtitle, HEADER_MAX // 2 - 2)}*")
    if answer.note:
        parts.append(safe(answer.note, HEADER_MAX // 2))
    return parts


def _trailer(answer: Answer) -> list[str]:
    """Did-you-mean choices and usage: shown below the lines on every page."""
    parts: list[str] = []
    size = 0
    for i, s in enumerate(answer.suggestions, start=1):
        text = f"{i}. {safe(s.label, 150)}: `{code(s.command, 150)}`"
        if size + len(text) + 1 > TRAILER_MAX - 250:
            parts.append("…")
            break
        parts.append(text)
        size += len(text) + 1
    if answer.usage:
        parts.append(f"\nUsage: `{code(answer.usage, 200)}`")
    return parts


def _footer(answer: Answer, number: int, total: int, note: str | None = None) -> str:
    footer = []
    if total > 1:
        footer.append(f"Page {number}/{total}")
    if note:
        footer.append(note)
    if answer.entity_id:
        footer.append(f"{answer.entity_type}: {answer.entity_id}")
    return fit(" · ".join(footer), FOOTER_BUDGET)  # footers render no markdown


def _fixed_size(parts: list[str]) -> int:
    return sum(len(p) + 1 for p in parts)


@dataclass(frozen=True)
class EmbedPage:
    lines: tuple[Line, ...]
    citations: tuple[CitationRef, ...]


def paginate(answer: Answer, site_url: str | None = None) -> list[EmbedPage]:
    """Split the answer's lines into pages whose embeds fit Discord's limits.

    A line goes on a page with the sources it cites; if a line cites more sources than one
    embed can hold, the rest follow on the next page(s), so no source is ever dropped."""
    by_number = {c.number: c for c in answer.citations}
    fixed = _fixed_size(_header(answer)) + _fixed_size(_trailer(answer))
    title = len(safe(answer.title, TITLE_MAX))
    total_budget = min(PAGE_TOTAL_BUDGET, EMBED_TOTAL_MAX - title - fixed - FOOTER_BUDGET - _SLACK)
    desc_budget = min(PAGE_DESCRIPTION_BUDGET, DESCRIPTION_MAX - fixed - _SLACK)
    pages: list[EmbedPage] = []
    lines: list[Line] = []
    cites: dict[int, CitationRef] = {}
    size = desc = 0

    def cost(c: CitationRef) -> int:
        name, value = citation_field(c, site_url)
        return len(name) + len(value)

    def flush() -> None:
        nonlocal lines, cites, size, desc
        pages.append(EmbedPage(tuple(lines), tuple(cites.values())))
        lines, cites, size, desc = [], {}, 0, 0

    for line in answer.lines:
        wanted = [by_number[n] for n in dict.fromkeys(line.citations) if n in by_number]
        new = [c for c in wanted if c.number not in cites]
        heading = _heading(line)
        text = len(_line(line)) + 1 + (len(heading) + 6 if heading else 0)
        if (lines or cites) and (
            desc + text > desc_budget
            or size + text + sum(cost(c) for c in new) > total_budget
            or len(cites) + len(new) > FIELDS_PER_PAGE
        ):
            flush()
            new = wanted
        lines.append(line)
        size += text
        desc += text
        for c in new:
            if len(cites) >= FIELDS_PER_PAGE or size + cost(c) > total_budget:
                flush()  # the rest of this line's sources continue on the next page
            cites[c.number] = c
            size += cost(c)
    if lines or cites or not pages:
        flush()
    return pages


def answer_embed(
    answer: Answer,
    page: EmbedPage,
    number: int,
    total: int,
    *,
    site_url: str | None = None,
    note: str | None = None,
) -> discord.Embed:
    colour = STATUS_COLOURS.get(answer.status) or COLOURS.get(answer.entity_type, COLOURS[None])
    parts: list[str] = _header(answer)
    heading: str | None = None
    for line in page.lines:
        if line.heading != heading:
            heading = line.heading
            if heading:
                parts.append(f"\n**{_heading(line)}**")
        parts.append(_line(line))
    parts += _trailer(answer)
    title = safe(answer.title, TITLE_MAX)
    fields = [citation_field(c, site_url) for c in page.citations]
    footer = _footer(answer, number, total, note)
    # Belt and braces: whatever the parts add up to, the embed stays within Discord's total.
    room = EMBED_TOTAL_MAX - len(title) - len(footer) - sum(len(n) + len(v) for n, v in fields)
    embed = discord.Embed(
        title=title,
        description=fit("\n".join(parts), min(DESCRIPTION_MAX, room)) or None,
        colour=colour,
        url=site_link(answer.url, site_url),  # the title links to the entity's page
    )
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=False)
    if footer:
        embed.set_footer(text=footer)
    return embed


def render_pages(
    answer: Answer, *, site_url: str | None = None, note: str | None = None
) -> list[discord.Embed]:
    """Every page of the answer as an embed; each one within Discord's limits.

    With `site_url` (config `site.url`) the title and citations link to the answer's
    pages there (`answer.url`, `citation.url`: see bot/render/site/urls.with_urls);
    `note` is a short remark for every page's footer."""
    pages = paginate(answer, site_url)
    return [
        answer_embed(answer, p, i, len(pages), site_url=site_url, note=note)
        for i, p in enumerate(pages, start=1)
    ]


PICTURE_LEFT_OUT = "(The picture is left out: I may not attach files in this channel.)"


def embed_text(embed: discord.Embed, limit: int = CONTENT_MAX) -> str:
    """An embed as plain message text, for channels where the bot may not embed links:
    the same parts in the same order, within Discord's 2,000 characters."""
    parts = [f"**{embed.title}**" if embed.title else ""]
    if embed.description:
        parts.append(embed.description)
    for f in embed.fields:
        parts.append(f"{f.name}\n{f.value}")
    if embed.footer.text:
        parts.append(f"-# {embed.footer.text}")
    return fit("\n\n".join(p for p in parts if p), limit)


def text_pages(answer: Answer, page_size: int) -> list[str]:
    """The answer as the console prints it, page by page, for a channel where the bot may not
    embed links: escaped like any embed text, each page within one message (fewer lines a
    page when the quotes are long; a single line too long for a message is shortened)."""
    for size in range(max(1, page_size), 0, -1):
        total = max(1, answer.pages(size))
        pages = [
            escape(render_text(answer, page=n, page_size=size, more_hint="▶ (page {n})"))
            for n in range(1, total + 1)
        ]
        if all(len(p) <= CONTENT_MAX for p in pages):
            return pages
    return [shorten(p, CONTENT_MAX) for p in pages]
