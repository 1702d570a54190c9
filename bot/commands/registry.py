"""One command parser for every door: Discord (prefix and slash), the console and `ask`.

A command is a plain function `(kb, arg) -> Answer` described by a CommandSpec: its name,
aliases, usage and argument. bot/commands/table.py lists every CommandSpec in one Registry;
the doors are generated from that table, so no door keeps its own list. A handler's
docstring is its help text, so the help can never drift from the code.
"""

from __future__ import annotations

import difflib
import inspect
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

from bot.commands.answer import Answer
from bot.commands.phrasing import rewrite
from bot.commands.textsafety import clean_input, echo
from bot.knowledge.records import DamagedRecord
from bot.knowledge.snapshot import KnowledgeBase

Handler = Callable[[KnowledgeBase, str], Answer]
Completion = Literal["entity", "claim"]

log = logging.getLogger("factbot.commands")

_WORD = re.compile(r"^\S+$")
_OPTION = re.compile(r"^[a-z_]{1,32}$")  # what Discord accepts as a slash option's name


@dataclass(frozen=True)
class Argument:
    """What a command takes after its name, as every door shows it."""

    name: str  # as users read it: "name", "claim id"
    describe: str  # one line: the slash option's description
    required: bool = True
    completes: Completion | None = None  # what autocomplete offers for it, if anything
    option: str = ""  # the slash option's name when `name` is not one ("claim id" → "claim")

    @property
    def slash_name(self) -> str:
        return self.option or self.name


@dataclass(frozen=True)
class CommandSpec:
    """One command: its words, how to call it, and the function that answers it."""

    name: str
    usage: str  # "who <name>"
    handler: Handler
    aliases: tuple[str, ...] = ()
    arg: Argument | None = None  # None: takes nothing (anything typed after it is ignored)

    @property
    def needs_arg(self) -> bool:
        return self.arg is not None and self.arg.required

    @property
    def arg_name(self) -> str:
        return self.arg.name if self.arg else ""

    @property
    def arg_usage(self) -> str:
        """The usage after the command's name: `<name>`, `[<entity>]` or nothing."""
        return self.usage.partition(" ")[2]

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def help(self) -> str:
        return inspect.getdoc(self.handler) or ""

    @property
    def summary(self) -> str:
        return self.help.splitlines()[0] if self.help else ""


@dataclass(frozen=True)
class Parsed:
    spec: CommandSpec
    arg: str

    @property
    def text(self) -> str:
        return f"{self.spec.name} {self.arg}".strip()


def usage_error(
    message: str, usage: str | None = None, title: str = "I didn't understand that"
) -> Answer:
    """A user error; without `usage`, Registry.run adds the usage of the command that ran."""
    return Answer(status="error", kind="error", title=title, note=message, usage=usage)


def internal_error(command: str) -> Answer:
    """What a user sees when answering hit a bug: an apology, never a traceback."""
    return Answer(
        status="error",
        kind="internal",
        title="Sorry, something went wrong on my side",
        note="That question hit a bug in factbot; it has been logged. "
        "Please try again or ask differently.",
        command=command,
    )


def damaged_snapshot(command: str) -> Answer:
    """What a user sees when a record of the snapshot file the bot restarted from no longer
    decodes (the file was damaged or tampered with after it was checked)."""
    return Answer(
        status="error",
        kind="internal",
        title="Part of the stored fact base could not be read",
        note="The snapshot file factbot restarted from is damaged. An operator can `reload` "
        "(or restart the bot) to load the knowledge files again; it has been logged.",
        command=command,
    )


def _check_spec(spec: CommandSpec) -> None:
    """A table mistake fails at import, not when a user types the command."""
    for word in spec.words:
        if not _WORD.match(word) or word != word.lower():
            raise ValueError(f"command word {word!r} must be one lowercase word")
    if not spec.usage.startswith(spec.name):
        raise ValueError(f"usage {spec.usage!r} must start with {spec.name!r}")
    if not spec.help:
        raise ValueError(f"command {spec.name!r} has no help (its handler's docstring)")
    if spec.arg is not None and not _OPTION.match(spec.arg.slash_name):
        raise ValueError(f"argument {spec.arg.slash_name!r} of {spec.name!r} is no option name")


# Which free text is a question (given the registry's lookup), and the command answering it.
QuestionRoute = tuple[Callable[[str, Callable[[str], "CommandSpec | None"]], bool], str]


class Registry:
    """Every command, in the order help lists them, and the words that call them."""

    def __init__(
        self, specs: Iterable[CommandSpec], *, questions: QuestionRoute | None = None
    ) -> None:
        self._specs: dict[str, CommandSpec] = {}
        self._by_word: dict[str, CommandSpec] = {}
        self._questions = questions
        for spec in specs:
            _check_spec(spec)
            for word in spec.words:
                if word in self._by_word:
                    raise ValueError(f"command word {word!r} registered twice")
                self._by_word[word] = spec
            self._specs[spec.name] = spec

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def __getitem__(self, name: str) -> CommandSpec:
        return self._specs[name]

    def words(self) -> tuple[str, ...]:
        """Every name and alias."""
        return tuple(self._by_word)

    def lookup(self, word: str) -> CommandSpec | None:
        return self._by_word.get(word.lower())

    def close_word(self, word: str) -> str | None:
        """The command word a typo most likely meant, if any is close."""
        close = difflib.get_close_matches(word.lower(), list(self._by_word), n=1, cutoff=0.6)
        return close[0] if close else None

    def parse(self, text: str, *, prefix: str = "!", max_length: int = 300) -> Parsed | Answer:
        """Split chat text into a known command and its argument, or explain what is wrong."""
        raw_length = len(text)
        if raw_length <= max_length * 4:  # a wall of text is refused before any work on it
            text = clean_input(text)
        if raw_length > max_length * 4 or len(text) > max_length:
            return usage_error(
                f"That question is {len(text):,} characters long; the limit is {max_length}. "
                "Ask about one thing at a time.",
                "help [command]",
                title="That question is too long",
            )
        if prefix and text.startswith(prefix):
            text = text[len(prefix) :].lstrip()
        if self._questions is not None and text:
            is_question, name = self._questions
            if is_question(text, self.lookup):  # free text goes whole to the answerer
                return Parsed(self._specs[name], text)
        text = rewrite(text)
        if not text:
            return usage_error(
                "Type a command, for example `who lavrov` or `help`.", "help [command]"
            )
        word, _, arg = text.partition(" ")
        spec = self.lookup(word)
        if spec is None:
            close = self.close_word(word)
            hint = f" Did you mean `{close}`?" if close else ""
            return usage_error(
                f"“{echo(word, 30)}” is not a command.{hint} Try `help` for the list.",
                "help [command]",
            )
        arg = arg.strip()
        if spec.needs_arg and not arg:
            return usage_error(
                f"`{spec.name}` needs a {spec.arg_name}.",
                spec.usage,
                title=f"Missing {spec.arg_name}",
            )
        return Parsed(spec, arg)

    def run(
        self, kb: KnowledgeBase, text: str, *, prefix: str = "!", max_length: int = 300
    ) -> Answer:
        """Parse and answer one line of chat text. Never raises for any input text."""
        parsed = self.parse(text, prefix=prefix, max_length=max_length)
        if isinstance(parsed, Answer):
            return parsed
        try:
            answer = parsed.spec.handler(kb, parsed.arg)
        except DamagedRecord:
            log.exception("command %r read a damaged snapshot record", parsed.text)
            return damaged_snapshot(parsed.text)
        except Exception:  # a bug must cost one answer, never the console, the CLI or the bot
            log.exception("command %r failed", parsed.text)
            return internal_error(parsed.text)
        if not answer.command:
            answer = replace(answer, command=parsed.text)
        if answer.kind == "error" and answer.usage is None:
            answer = replace(answer, usage=parsed.spec.usage)
        return answer
