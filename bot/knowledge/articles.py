"""Article texts: split into numbered paragraphs and check quotes against them."""

from __future__ import annotations

import re

_QUOTE_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_SPACE = re.compile(r"\s+")


def fold_for_quote(text: str) -> str:
    """Fold only whitespace and typographic quotes/dashes: a quote must otherwise be verbatim."""
    return _SPACE.sub(" ", text.translate(_QUOTE_FOLD)).strip()


def split_paragraphs(text: str, header_lines: int) -> tuple[str, ...]:
    """Paragraph n is the n-th non-empty line after the header lines."""
    lines = text.splitlines()[header_lines:]
    return tuple(line.strip() for line in lines if line.strip())


def quote_in(quote: str, paragraph: str) -> bool:
    return fold_for_quote(quote) in fold_for_quote(paragraph)


def find_paragraph(quote: str, paragraphs: tuple[str, ...]) -> int | None:
    """The 1-based number of the first paragraph holding the quote, to suggest a fix."""
    for number, paragraph in enumerate(paragraphs, start=1):
        if quote_in(quote, paragraph):
            return number
    return None


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary and mark the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 1)].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"
