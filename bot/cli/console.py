"""`factbot console`: the chat commands at a terminal prompt, for trying the bot without Discord."""

from __future__ import annotations

import contextlib
import json
import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.commands.answer import Answer
from bot.commands.table import COMMANDS, run
from bot.loading.holder import KnowledgeHolder
from bot.render.text import render_text, visible

HISTORY = Path.home() / ".factbot_history"
BANNER = (
    "factbot console: ask as you would in chat (with or without '{prefix}').\n"
    "Commands: {commands}\n"
    "Try: who lavrov · org ksor · on April 6 2012 · search ulyanovsk · help\n"
    "`more` shows the next page, `reload` reloads the knowledge (`reload --allow-drop` even "
    "if it removes most of it), Ctrl-D or `quit` leaves."
)
# The console's own words, answered before the chat commands (which must not use them).
QUIT_WORDS = frozenset({"quit", "exit", ":q"})
MORE_WORDS = frozenset({"more", "next"})
RELOAD_WORD = "reload"
ALLOW_DROP = "--allow-drop"
CONSOLE_WORDS = QUIT_WORDS | MORE_WORDS | {RELOAD_WORD}

# What a terminal acts on in typed or pasted text: CSI sequences (ESC [ or the one-byte C1
# CSI) with their parameters, OSC/DCS/SOS/PM/APC strings up to their terminator (BEL, ESC \\
# or ST), and the other two-character escapes. Matched whole, so a pasted coloured name
# ("lav" ESC[31m "rov") reads as the name, not as "lav[31mrov". Linear: no backtracking.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# Control (Cc), format (Cf: bidi overrides and isolates, zero-width, tags) and surrogate
# (Cs) characters, and the line and paragraph separators: never meant in a question.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NOT_PLAIN = re.compile(r"[^\x20-\x7e\n]")


def _is_hidden(c: str) -> bool:
    return unicodedata.category(c) in _HIDDEN


def strip_escapes(text: str) -> str:
    """User input safe to echo to a terminal: escape sequences and control, format and bidi
    characters removed (tabs become spaces)."""
    text = _ESCAPES.sub("", text.replace("\t", " "))
    return _NOT_PLAIN.sub(lambda m: "" if _is_hidden(m.group()) else m.group(), text)


def _json_escape(c: str) -> str:
    if ord(c) > 0xFFFF:  # a surrogate pair, as JSON writes characters beyond the BMP
        high, low = divmod(ord(c) - 0x10000, 0x400)
        return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"
    return f"\\u{ord(c):04x}"


def json_for_terminal(doc: object) -> str:
    """`doc` as readable JSON (non-ASCII letters kept) in which every character a terminal
    would act on is written as a \\uXXXX escape: the same JSON value, nothing obeyed."""
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    return _NOT_PLAIN.sub(
        lambda m: _json_escape(m.group()) if _is_hidden(m.group()) else m.group(), text
    )


class Console:
    """A read-answer loop over the live snapshot; reloads when the files change."""

    def __init__(
        self, holder: KnowledgeHolder, *, stdin: TextIO | None = None, stdout: TextIO | None = None
    ) -> None:
        self.holder = holder
        self.stdin = stdin or sys.stdin
        self.out = stdout or sys.stdout
        self.interactive = stdin is None and sys.stdin.isatty()
        self.last: Answer | None = None
        self.page = 1
        self.seen = holder.fingerprint()
        self.reported: tuple = ()

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _reader(self) -> Callable[[], str]:
        if not self.interactive:

            def read() -> str:
                line = self.stdin.readline()
                if not line:
                    raise EOFError
                return line.rstrip("\n")

            return read
        try:
            import readline

            readline.set_history_length(1000)
            with contextlib.suppress(OSError):
                readline.read_history_file(HISTORY)
        except ImportError:  # pragma: no cover - Windows without pyreadline
            readline = None  # type: ignore[assignment]

        def read_tty() -> str:
            line = input("factbot> ")
            if readline is not None:
                with contextlib.suppress(OSError):
                    readline.write_history_file(HISTORY)
            return line

        return read_tty

    def reload(self, by: str, *, allow_drop: bool = False) -> None:
        outcome = self.holder.reload(by, allow_drop=allow_drop)
        self.seen = self.holder.fingerprint()
        if outcome.ok:
            self.reported = ()
            self.say(f"Reloaded ({by}): " + "; ".join(outcome.changelog.lines()))
            return
        key = tuple(map(str, outcome.problems))
        if key == self.reported and by == "file change":
            return  # same failure as before: say it once, not on every save
        self.reported = key
        self.say("The knowledge files have errors; still answering from the last good knowledge:")
        for p in outcome.problems:
            self.say(visible(f"  {p}"))

    def handle(self, text: str) -> bool:
        """Answer one line; False means leave."""
        text = strip_escapes(text).strip()
        if self.holder.fingerprint() != self.seen:
            self.reload("file change")
        if not text:
            return True
        word = text.lstrip(self.holder.settings.prefix).strip().lower()
        if word in QUIT_WORDS:
            return False
        if word.split() in ([RELOAD_WORD], [RELOAD_WORD, ALLOW_DROP]):
            self.reload("console", allow_drop=word.endswith(ALLOW_DROP))
            return True
        size = self.holder.settings.page_size
        if word in MORE_WORDS:
            if self.last is None or self.page >= self.last.pages(size):
                self.say("There is no next page.")
                return True
            self.page += 1
        else:
            self.last = run(
                self.holder.kb,
                text,
                prefix=self.holder.settings.prefix,
                max_length=self.holder.settings.max_query_length,
            )
            self.page = 1
        self.say(render_text(self.last, page=self.page, page_size=size, more_hint="`more`"))
        self.say("")
        return True

    def loop(self) -> int:
        read = self._reader()
        if self.interactive:
            names = ", ".join(spec.name for spec in COMMANDS)
            self.say(BANNER.format(prefix=self.holder.settings.prefix, commands=names))
        while True:
            try:
                line = read()
            except EOFError:
                if self.interactive:
                    self.say("")
                return 0
            except KeyboardInterrupt:
                self.say("\n(Ctrl-D or `quit` to leave)")
                continue
            if not self.handle(line):
                return 0
