"""Date expressions in an article's sentences and citations."""

from __future__ import annotations

import re

from bot.knowledge.citations import date_value

# ----------------------------------------------------------------------------- dates

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_YEAR = r"(?:1[89]|20)\d\d"
# Tried in order; a later pattern never overlaps an earlier match.
_DATE_PATTERNS = [
    re.compile(rf"\b(?:early|mid|late)[\s-]+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?(?:,?\s+{_YEAR})?\b"),
    re.compile(rf"\b\d{{1,2}}\s+{_MONTH}(?:,?\s+{_YEAR})?\b"),
    re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b"),
    re.compile(rf"(?<=\bin ){_MONTH}\b"),  # "victory in March"; a bare "May" is too ambiguous
    re.compile(rf"(?<![-\w,.]){_YEAR}\b(?![-,.]?\d)"),  # not the 2012 of "Shield-2012"
]


def find_dates(text: str) -> list[str]:
    """Date expressions in `text`, in order of appearance."""
    spans: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if all(m.end() <= a or m.start() >= b for a, b in spans) and date_value(m.group()):
                spans.append(m.span())
    return [text[a:b] for a, b in sorted(spans)]
