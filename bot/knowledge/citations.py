"""Parenthetical citations in an article: "(Interfax, April 6; Vedomosti, March 30)".

The draft proposes `cites:` from them and the site lists them under each article."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.date_parsing import parse_date
from bot.knowledge.dates import DateError, DateValue

_ANY_YEAR = parse_date("2000")  # context that lets a year-less date parse, to recognise it


def date_value(text: str, context: DateValue | None = None) -> DateValue | None:
    """The date `text` denotes (year-less ones need a context), or None if it is not one."""
    try:
        return parse_date(text, context=context)
    except DateError:
        if context is not None:
            return None
    try:
        return parse_date(text, context=_ANY_YEAR)  # year_inferred tells it was year-less
    except DateError:
        return None


# ------------------------------------------------------------------------- citations


@dataclass(frozen=True)
class Cited:
    """One source of a parenthetical citation: "(Interfax, April 6; Vedomosti, March 30)"
    holds two. `text` is as printed (what `cites.text` must be), `date` without "accessed"."""

    text: str
    source: str
    date: str
    start: int  # where the whole parenthetical starts and ends in its paragraph
    end: int


PAREN = re.compile(r"\(([^()]*)\)")
_ACCESSED = re.compile(r"^(?:accessed|retrieved|on)\s+", re.IGNORECASE)


def find_citations(paragraph: str) -> list[Cited]:
    """Every "(Source, Date)" in a paragraph; ";" separates several sources in one pair of
    parentheses. A part counts when what follows one of its commas reads as a date."""
    found = []
    for m in PAREN.finditer(paragraph):
        for part in m.group(1).split(";"):
            part = part.strip()
            for comma in (i for i, ch in enumerate(part) if ch == ","):
                source, when = part[:comma].strip(), part[comma + 1 :].strip()
                if source and any(c.isdigit() for c in when) and date_value(when):
                    date = _ACCESSED.sub("", when)
                    found.append(Cited(part, source, date, m.start(), m.end()))
                    break
    return found
