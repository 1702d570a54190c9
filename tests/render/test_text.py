"""The plain-text renderer: what a terminal shows is what the data says, never a command to it."""

from __future__ import annotations

import unicodedata

import pytest

from bot.commands.answer import Answer, CitationRef, Line, Suggestion
from bot.render.text import render_text, visible

RED = "\x1b[31m"  # ANSI colour
TITLE_OSC = "\x1b]0;owned\x07"  # sets the terminal window's title
CSI_8BIT = "\x9b8m"  # the one-byte C1 form of ESC [: hides what follows
RLO = "\u202e"  # right-to-left override: "gnp.exe" shows as "exe.png"
HOSTILE = (RED, TITLE_OSC, CSI_8BIT, RLO, "\r", "\x00", "\x7f", "\t", "\u2066", "\x08")


def _hostile_answer() -> Answer:
    bad = "".join(HOSTILE)
    return Answer(
        status="ok",
        title=f"Lavrov{RED}Sergey",
        subtitle=f"person {TITLE_OSC}",
        note=f"note {CSI_8BIT}hidden",
        lines=(
            Line(f"Arrived{RLO}gnp.exe in Astana", (1,), heading=f"2012{RED}"),
            Line(f"Said {bad}", (1,)),
        ),
        citations=(
            CitationRef(
                1, "c", "a", f"Monitor{RED}, Vol. 9", 2, f"the quote{bad}", f"Interfax{RLO}"
            ),
        ),
        suggestions=(Suggestion(f"Lav{TITLE_OSC}rov", f"who {RED}lavrov"),),
        usage=f"who <name>{RED}",
        explain=f"alias{CSI_8BIT}",
    )


def _is_control(ch: str) -> bool:
    return ch != "\n" and (
        unicodedata.category(ch) == "Cc"
        or unicodedata.bidirectional(ch)
        in {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI", "LRM", "RLM", "ALM"}
    )


def test_no_control_character_from_the_data_reaches_the_terminal():
    text = render_text(_hostile_answer(), explain=True)
    assert [ch for ch in text if _is_control(ch)] == []
    # shown, not obeyed: the reader sees that the data holds something odd
    assert "Lavrov␛[31mSergey" in text
    assert "person ␛]0;owned␇" in text
    assert "note <U+009B>8mhidden" in text
    assert "Arrived<U+202E>gnp.exe in Astana [1]" in text
    assert "who ␛[31mlavrov" in text and "Interfax<U+202E>" in text
    assert "Said ␛[31m␛]0;owned␇<U+009B>8m<U+202E>␍␀␡␉<U+2066>␈ [1]" in text


def test_clean_answers_are_unchanged():
    clean = Answer(status="ok", title="Sergey Lavrov", lines=(Line("Arrived in Astana", (1,)),))
    text = render_text(clean)
    assert text == "Sergey Lavrov\n  • Arrived in Astana [1]"
    assert visible("Кремль “CSTO” — 5 € \n ☃ עברית") == "Кремль “CSTO” — 5 € \n ☃ עברית"


@pytest.mark.parametrize("code", [*range(0x20), 0x7F, *range(0x80, 0xA0)])
def test_every_c0_and_c1_control_but_newline_is_made_visible(code):
    ch = chr(code)
    shown = visible(f"a{ch}b")
    if ch == "\n":
        assert shown == "a\nb"
    else:
        assert shown.startswith("a") and shown.endswith("b") and len(shown) > 2
        assert not any(_is_control(c) for c in shown)
