"""Answers as plain data: what every door (Discord, console, CLI, JSON) renders."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["ok", "not_found", "error"]
EXIT_CODES: dict[str, int] = {"ok": 0, "not_found": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class CitationRef:
    """One numbered citation: article, paragraph, quote and what the article itself cites."""

    number: int
    claim_id: str
    article_id: str
    article: str  # "Eurasia Daily Monitor, Vol. 9, Issue 71: “…”"
    paragraph: int
    quote: str
    cites: str | None = None  # "Interfax, April 6"
    url: str | None = None  # the claim on the static site (`site.url` set), else None
    paragraph_url: str | None = None  # the cited paragraph on the static site

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "number": self.number,
            "claim": self.claim_id,
            "article_id": self.article_id,
            "article": self.article,
            "paragraph": self.paragraph,
            "quote": self.quote,
            "cites": self.cites,
        }
        if self.url or self.paragraph_url:
            out["url"] = self.url
            out["paragraph_url"] = self.paragraph_url
        return out


@dataclass(frozen=True, slots=True)
class Line:
    """One statement in an answer, with the numbers of the citations that support it."""

    text: str
    citations: tuple[int, ...] = ()
    heading: str | None = None  # lines with the same heading are shown together
    date: str | None = None
    claim_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "heading": self.heading,
            "text": self.text,
            "date": self.date,
            "claim": self.claim_id,
            "citations": list(self.citations),
        }


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A "did you mean" choice: what to show and the command that answers it."""

    label: str
    command: str
    entity_id: str | None = None
    detail: str | None = None  # e.g. "alias 'Lavrov', fuzzy 91"

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "command": self.command, "entity": self.entity_id}


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    total: int
    lines: tuple[Line, ...]
    citations: tuple[CitationRef, ...]


@dataclass(frozen=True)
class Answer:
    status: Status
    title: str
    kind: str = "entity"
    command: str = ""  # the command as understood, to re-run it (e.g. for paging)
    subtitle: str | None = None
    entity_id: str | None = None
    entity_type: str | None = None
    note: str | None = None
    lines: Sequence[Line] = ()  # a tuple, or lines written as read (bot/commands/lazylines.py)
    citations: Sequence[CitationRef] = ()
    suggestions: tuple[Suggestion, ...] = ()
    usage: str | None = None
    explain: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    url: str | None = None  # the entity's page on the static site (`site.url` set)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def pages(self, size: int) -> int:
        return max(1, math.ceil(len(self.lines) / max(size, 1)))

    def page(self, number: int, size: int) -> Page:
        """One page of lines and just the citations those lines use (numbers kept)."""
        total = self.pages(size)
        number = min(max(number, 1), total)
        lines = self.lines[(number - 1) * size : number * size]
        used = {n for line in lines for n in line.citations}
        # Citations are numbered from 1 in the order lines first use them: a page's are among
        # the first max(used) (a lazily written answer writes no further than that).
        cites = tuple(c for c in self.citations[: max(used, default=0)] if c.number in used)
        if len(cites) < len(used):
            cites = tuple(c for c in self.citations if c.number in used)
        return Page(number, total, lines, cites)

    def to_json(self) -> dict[str, Any]:
        """The JSON document `factbot ask --json` prints."""
        out: dict[str, Any] = {
            "status": self.status,
            "kind": self.kind,
            "command": self.command,
            "title": self.title,
            "subtitle": self.subtitle,
            "entity": {"id": self.entity_id, "type": self.entity_type} if self.entity_id else None,
            "note": self.note,
            "results": [line.to_json() for line in self.lines],
            "citations": [c.to_json() for c in self.citations],
            "suggestions": [s.to_json() for s in self.suggestions],
        }
        if self.url and out["entity"] is not None:
            out["entity"]["url"] = self.url
        if self.usage:
            out["usage"] = self.usage
        if self.explain:
            out["explain"] = self.explain
        out.update(self.extra)
        return out
