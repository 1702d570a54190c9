"""What every picture shares and that needs no matplotlib: sizes, palette, label text.

Kept free of matplotlib on purpose: `picture.py` imports it to decide what has a picture
even when the optional `factbot[pictures]` extra is not installed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Protocol

from bot.commands.answer import Line
from bot.knowledge.articles import shorten
from bot.knowledge.model import EntityType
from bot.render.palette import COLOURS

# One point is one pixel (dpi 72), so every size below is in pixels.
DPI = 72
WIDTH = 1200
MAX_HEIGHT = 2400
MARGIN = 28
LABEL_CHARS = 80
HEADER_LINE = 40.0

TITLE_SIZE = 28
SUBTITLE_SIZE = 18
LABEL_SIZE = 21
TICK_SIZE = 18
LEGEND_SIZE = 18
NODE_SIZE = 20
EDGE_SIZE = 16

INK = "#0f172a"
MUTED = "#475569"
FAINT = "#e2e8f0"
EDGE_INK = "#94a3b8"

TIMELINE_KINDS = frozenset({"timeline", "dates"})
MAP_KINDS = frozenset({"map"})
PATH_KINDS = frozenset({"connections"})

_TYPE_ORDER = {t.value: i for i, t in enumerate(EntityType)}


def colour(type_key: str | None) -> str:
    """The embed colour of an entity type as '#rrggbb' (the same palette as Discord)."""
    return f"#{COLOURS.get(type_key, COLOURS[None]):06x}"


class HasLines(Protocol):
    """An Answer, an answer Page or a Discord EmbedPage: anything with lines."""

    @property
    def lines(self) -> tuple[Line, ...]: ...


_LEADING = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(?:according to|as reported by)\b[^,]{0,90}?,\s+",
        r"^the article (?:says|notes|argues|judges|refers to|cites|presents|reports)"
        r"(?: that)?\s+",
        r"^as [^,]{0,60}? (?:noted|said|reported)\b[^,]*,\s+",
        r"^on [A-Z][a-z]+ \d{1,2}, \d{4},\s+",
        r"^in [^,]{0,90}?,\s+(?=[a-z])",
    )
]
_TRAILING = re.compile(
    r",?\s+(?:according to the article|the article says|the article notes|as the article "
    r"(?:calls|says|puts)\b)[^.;]*[.;]?\s*$",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\s*\([^()]*\)")


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    """A claim's text without attributions and asides, cut to `limit` characters.

    The picture's citation numbers carry the attribution, so "According to the article,
    Kazakhstan considers that ..." can be just "Kazakhstan considers that ...".
    """
    s = " ".join(text.split())
    s = _PAREN.sub("", s)
    for pattern in _LEADING:
        s = pattern.sub("", s, count=1)
    s = _TRAILING.sub("", s)
    s = s.split(";")[0].strip().rstrip(".").strip()
    if not s:
        s = " ".join(text.split())
    s = s[0].upper() + s[1:]
    return shorten(s, limit)


def cite_text(numbers: Sequence[int]) -> str:
    """Citation numbers as drawn beside a label: '[1][2]'."""
    return "".join(f"[{n}]" for n in numbers)


def slug(text: str) -> str:
    """A file-name-safe form of an id or command, for the picture's file name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].strip("-") or "answer"


def type_rank(key: str | None) -> tuple[int, str]:
    """Legend and map order: entity types as the model lists them, unknown ones last."""
    return (_TYPE_ORDER.get(key or "", 99), key or "")


def legend_grid(n: int) -> tuple[int, int]:
    """Rows and columns for n legend entries: at most six a row, rows evenly filled."""
    rows = max(math.ceil(n / 6), 1)
    return rows, max(math.ceil(n / rows), 1)
