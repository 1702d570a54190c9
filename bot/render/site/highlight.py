"""Find each quoted passage in its paragraph and cut the paragraph into highlighted runs.

A reference's quote is checked against the article with `fold_for_quote` (typographic quotes,
dashes and whitespace do not matter), so it is located here with the same folding, mapped
back to positions in the paragraph as printed: the page shows the article's own text.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.articles import fold_for_quote


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    """`fold_for_quote(text)` and, for each of its characters, where it came from in `text`."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = fold_for_quote(ch)
        if not folded:  # whitespace: one space between words, none at the ends
            if out and out[-1] != " ":
                out.append(" ")
                where.append(i)
            continue
        out.append(folded)
        where.append(i)
    if out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def locate(quote: str, paragraph: str) -> tuple[int, int] | None:
    """The (start, end) of the quote in the paragraph as printed, or None if it is not there."""
    needle = fold_for_quote(quote)
    if not needle:
        return None
    folded, where = _folded_with_positions(paragraph)
    at = folded.find(needle)
    if at < 0:
        return None
    return where[at], where[at + len(needle) - 1] + 1


@dataclass(frozen=True)
class Run:
    """A stretch of paragraph text: inside which quotes (by number) and which quotes end here."""

    text: str
    quotes: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()


def runs(paragraph: str, spans: Sequence[tuple[int, int] | None]) -> list[Run]:
    """The paragraph cut at every quote boundary; quote k is `spans[k]` (None: not found)."""
    cuts = {0, len(paragraph)}
    for span in spans:
        if span is not None:
            cuts.update(span)
    edges = sorted(cuts)
    out = []
    for a, b in itertools.pairwise(edges):
        inside = tuple(k for k, s in enumerate(spans) if s is not None and s[0] <= a and b <= s[1])
        ends = tuple(k for k, s in enumerate(spans) if s is not None and s[1] == b)
        out.append(Run(paragraph[a:b], inside, ends))
    return out
