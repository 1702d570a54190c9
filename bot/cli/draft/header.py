"""The article's header lines, its date and its id."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from bot.cli.draft.dates import date_value
from bot.cli.draft.vocab import slug
from bot.knowledge.citations import Cited
from bot.knowledge.snapshot import KnowledgeBase

# --------------------------------------------------------------------------- header


@dataclass(frozen=True)
class Header:
    title: str
    publication: str | None
    volume: int | None
    issue: int | None
    author: str | None
    lines: int


_PUBLICATION = re.compile(
    r"Publication:\s*(?P<pub>.*?)\s*(?:Volume:\s*(?P<vol>\d+))?\s*(?:Issue:\s*(?P<iss>\d+))?\s*"
)


def read_header(text: str) -> Header:
    """Title line, "Publication: X Volume: N Issue: M" and "By:", as in seeds/."""
    lines = text.splitlines()
    title = lines[0].strip() if lines else ""
    publication = volume = issue = author = None
    count = 1
    for n, line in enumerate(lines[1:4], start=2):
        if m := _PUBLICATION.fullmatch(line.strip()):
            publication = m["pub"] or None
            volume = int(m["vol"]) if m["vol"] else None
            issue = int(m["iss"]) if m["iss"] else None
            count = n
        elif line.strip().startswith("By:"):
            author = line.strip()[3:].strip() or None
            count = n
            break
    return Header(title, publication, volume, issue, author, count)


def article_date(cited: list[Cited]) -> tuple[str | None, str]:
    """The article's date when the text has none: at least its latest dated citation.

    Year-less citations are in the article's year, so the latest of them, placed in the first
    year at or after the latest citation that has a year, gives the month. Without both kinds
    the year cannot be inferred, and the draft says so instead of guessing.
    """
    dated = [(c, v) for c in cited if (v := date_value(c.date)) is not None]
    explicit = [(c, v) for c, v in dated if not v.year_inferred]
    yearless = [(c, v) for c, v in dated if v.year_inferred]
    if not explicit or not yearless:
        what = "has a year" if not explicit else "lacks one"
        return None, f"no citation {what}, so the year cannot be inferred from the citations"
    anchor, floor = max(explicit, key=lambda cv: cv[1].end)
    last, value = max(yearless, key=lambda cv: (cv[1].end.month, cv[1].end.day))
    for year in (floor.start.year, floor.start.year + 1):
        try:
            when = datetime.date(year, value.end.month, value.end.day)
        except ValueError:  # 29 February
            continue
        if when >= floor.start:  # "December 20" may be in the month of "December 2012"
            note = (
                "Inferred by factbot draft: the text has no date; its latest citation is "
                f'"{last.text}" and the latest with a year is "{anchor.text}", so the '
                f"article is from {when:%B} {year} or later."
            )
            return f"{year}-{when.month:02d}", note
    return None, "the citations' dates do not fit one year"


def volume_year(header: Header, kb: KnowledgeBase | None) -> str | None:
    """The year of the fact base's articles from the same publication and volume: EDM's
    volume 9 is 2012, so an undated issue of volume 9 is from 2012 too."""
    if kb is None or header.volume is None:
        return None
    years = {
        a.date.iso()[:4]
        for a in kb.articles.values()
        if a.model.publication == header.publication and a.model.volume == header.volume
    }
    return years.pop() if len(years) == 1 else None


def text_year(paragraphs: list[str]) -> str | None:
    """The latest year the text writes out, a last resort for the article id."""
    years = [m for p in paragraphs for m in re.findall(r"\b(?:19|20)\d\d\b", p)]
    return max(years) if years else None


def make_article_id(header: Header, year: str | None) -> str:
    """The curated style: publication initials, year, volume, issue (edm-2012-v9-i71)."""
    initials = "".join(w[0] for w in (header.publication or "").split() if w[:1].isalnum())
    parts = [initials.lower() or "article", year]
    if header.volume is not None:
        parts.append(f"v{header.volume}")
    if header.issue is not None:
        parts.append(f"i{header.issue}")
    if header.volume is None and header.issue is None:
        parts.append(slug(header.title)[:40])
    return slug("-".join(p for p in parts if p)) or "article"
