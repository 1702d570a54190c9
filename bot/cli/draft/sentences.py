"""Splitting a paragraph into sentences."""

from __future__ import annotations

import re

from bot.cli.draft.vocab import word_set

# ------------------------------------------------------------------------- sentences


_ABBREVIATIONS = word_set(
    "mr mrs ms dr gen col lt maj capt sgt st jr sr no vol vs etc e.g i.e u.s u.n u.k"
)
_SENTENCE_END = re.compile(r"[.!?][”\"’')\]]*(?=\s+[“\"‘(\[A-Z0-9])")


def split_sentences(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: a full stop, ! or ? before a capital, not after an
    abbreviation or an initial, and not inside parentheses."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(paragraph):
        before = paragraph[start : m.start()]
        word = before.rsplit(None, 1)[-1] if before.split() else ""
        if word.lower().rstrip(".") in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word):
            continue
        if paragraph.count("(", 0, m.start()) > paragraph.count(")", 0, m.start()):
            continue
        spans.append((start, m.end()))
        start = m.end()
        while start < len(paragraph) and paragraph[start].isspace():
            start += 1
    if paragraph[start:].strip():
        spans.append((start, len(paragraph.rstrip())))
    return spans
