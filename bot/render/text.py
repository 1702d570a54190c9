"""Plain-text rendering for the CLI and the console; JSON is Answer.to_json().

What is rendered here goes to a terminal, which obeys control characters: an entity
whose name holds an OSC sequence (ESC ] 0 ; ... BEL) would retitle the window, ESC [ 8 m
hide what follows, a bidi override reorder a line. So every control character from the
data is shown as a visible stand-in instead (ESC as "␛", so "␛[31m" is seen, not obeyed).
"""

from __future__ import annotations

from bot.commands.answer import Answer, CitationRef
from bot.knowledge.articles import shorten

QUOTE_LIMIT = 160

# Bidi embeddings, overrides and isolates, and the invisible direction marks.
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _stand_ins() -> dict[int, str]:
    """C0 controls (but newline) as their Unicode control pictures, DEL as "␡", C1 controls
    and bidi controls as "<U+XXXX>"."""
    table = {c: chr(0x2400 + c) for c in range(0x20) if c != 0x0A}
    table[0x7F] = "\u2421"
    table.update({c: f"<U+{c:04X}>" for c in range(0x80, 0xA0)})
    table.update({ord(c): f"<U+{ord(c):04X}>" for c in _BIDI})
    return table


_VISIBLE = _stand_ins()


def visible(text: str) -> str:
    """`text` with every control character a terminal would act on replaced by a visible
    stand-in; newlines are kept."""
    return text.translate(_VISIBLE)


def citation_text(c: CitationRef, *, quote_limit: int | None = QUOTE_LIMIT) -> str:
    """'[1] Publication, Vol. 9, Issue 71: “Title”, paragraph 1: “quote…” (citing …)'."""
    quote = c.quote if quote_limit is None else shorten(c.quote, quote_limit)
    text = f"[{c.number}] {c.article}, paragraph {c.paragraph}: “{quote}”"
    if c.cites:
        text += f" (citing {c.cites})"
    return text


def line_text(text: str, citations: tuple[int, ...]) -> str:
    marks = "".join(f"[{n}]" for n in citations)
    return f"{text} {marks}" if marks else text


def render_text(
    answer: Answer,
    *,
    page: int = 1,
    page_size: int = 8,
    explain: bool = False,
    more_hint: str = "--page {n}",
) -> str:
    """The answer as a terminal would show it: page `page` of its lines, with citations.

    Control characters from the data (and the user's own question) are made visible."""
    out = [answer.title]
    if answer.subtitle:
        out.append(answer.subtitle)
    if answer.note:
        out.append(answer.note)
    p = answer.page(page, page_size)
    heading: str | None = None
    for line in p.lines:
        if line.heading != heading:
            heading = line.heading
            if heading:
                out += ["", heading]
            elif out[-1] != "":
                out.append("")
        out.append(f"  • {line_text(line.text, line.citations)}")
    if answer.suggestions:
        out.append("")
        for i, s in enumerate(answer.suggestions, start=1):
            out.append(f"  {i}. {s.label}: {s.command}")
    if p.citations:
        out += ["", "Sources"]
        out += [f"  {citation_text(c)}" for c in p.citations]
    if p.total > 1:
        nxt = f"; {more_hint.format(n=p.number + 1)} for the next" if p.number < p.total else ""
        out += ["", f"Page {p.number} of {p.total}{nxt}."]
    if answer.usage:
        out += ["", f"Usage: {answer.usage}"]
    if explain and answer.explain:
        out += ["", "Match:", *(f"  {x}" for x in answer.explain.splitlines())]
    return visible("\n".join(out))
