"""What the console and `factbot ask` print never carries a terminal escape: user input is
stripped of control characters, ANSI/OSC sequences and bidi overrides before it is echoed,
and JSON writes such characters as \\u escapes."""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

import pytest

from bot.cli.console import Console, json_for_terminal, strip_escapes
from bot.cli.main import main
from bot.loading.holder import KnowledgeHolder
from tests.conftest import discord_settings

HOSTILE = [
    "\x1b[31m",  # colour
    "\x1b[2J\x1b[H",  # clear the screen
    "\x1b]0;pwned\x07",  # retitle the window (OSC, BEL)
    "\x1b]8;;http://evil.example/\x1b\\",  # a hyperlink (OSC, ST)
    "\x9b8m",  # the one-byte C1 CSI: hide what follows
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\r",  # carriage return: overwrite the line
    "\x08",  # backspace
    "\u200f",  # right-to-left mark
    "\U000e0041",  # a tag character
]


def obeyed(text: str) -> list[str]:
    """The characters of `text` a terminal would act on (newlines aside)."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs")]


@pytest.mark.parametrize("bad", HOSTILE)
def test_strip_escapes_removes_whole_sequences(bad):
    assert strip_escapes(f"who lav{bad}rov") == "who lavrov"


def test_an_unterminated_osc_string_takes_the_rest_but_nothing_hangs():
    text = "who lavrov \x1b]0;" + "x" * 200_000
    assert strip_escapes(text) == "who lavrov "


@pytest.fixture(scope="module")
def holder() -> KnowledgeHolder:
    h, result = KnowledgeHolder.load(discord_settings(), disk_cache=False)
    assert h is not None, result.problems
    return h


@pytest.mark.parametrize("bad", HOSTILE)
def test_the_console_answers_a_pasted_name_and_echoes_nothing_raw(holder, bad):
    out = io.StringIO()
    console = Console(holder, stdin=io.StringIO(""), stdout=out)
    console.handle(f"who lav{bad}rov")
    assert "Sergei Lavrov" in out.getvalue()
    console.handle(f"search {bad}zebra{bad}s{bad}")  # not found: the words are echoed
    text = out.getvalue()
    assert "zebras" in text
    assert obeyed(text) == []


@pytest.mark.parametrize("bad", HOSTILE)
def test_ask_prints_nothing_a_terminal_obeys(capsys, bad):
    assert main(["ask", f"search {bad}zebra{bad}s"]) == 1
    out = capsys.readouterr().out
    assert "No claim mentions" in out and "zebras" in out
    assert obeyed(out) == []


@pytest.mark.parametrize("bad", HOSTILE)
def test_ask_json_prints_nothing_a_terminal_obeys(capsys, bad):
    main(["ask", "--json", f"who lav{bad}rov"])
    out = capsys.readouterr().out
    assert obeyed(out) == []
    assert json.loads(out)["entity"]["id"] == "sergei-lavrov"


def test_json_for_terminal_escapes_what_a_terminal_obeys_and_keeps_the_value():
    doc = {"name": "Zoë " + "".join(HOSTILE) + "\ud800\u2028", "n": [1, "Москва"]}
    text = json_for_terminal(doc)
    assert obeyed(text) == [] and "\u2028" not in text
    assert "Zoë" in text and "Москва" in text  # letters stay readable
    assert json.loads(text) == doc


def test_problems_quoting_a_hostile_key_are_shown_visibly(kb_copy: Path, capsys):
    holder, _ = KnowledgeHolder.load(discord_settings(kb_copy), disk_cache=False)
    assert holder is not None
    (kb_copy / "knowledge" / "z.yaml").write_text(
        "entities:\n  - id: zz\n    type: person\n    name: Zed\n    description: x\n"
        '    "x\\e]0;pwned\\a\\u202e": 1\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    Console(holder, stdin=io.StringIO(""), stdout=out).handle("reload")
    assert "unknown key" in out.getvalue()
    assert obeyed(out.getvalue()) == []
    assert main(["check", "--knowledge", str(kb_copy / "knowledge")]) == 1
    err = capsys.readouterr().err
    assert "unknown key 'x␛]0;pwned␇<U+202E>'" in err
    assert obeyed(err) == []
