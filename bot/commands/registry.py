"""One command parser for every door: Discord (prefix and slash), the console and `ask`.

Each command is a plain function `(kb, arg) -> Answer` registered with `@command`; its
docstring is its help text, so the help can never drift from the code.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.commands.answer import Answer
from bot.commands.phrasing import rewrite
from bot.commands.textsafety import clean_input, echo
from bot.knowledge.snapshot import KnowledgeBase

Handler = Callable[[KnowledgeBase, str], Answer]

log = logging.getLogger("factbot.commands")


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    needs_arg: bool = True
    arg_name: str = "name"

    @property
    def help(self) -> str:
        return inspect.getdoc(self.handler) or ""

    @property
    def summary(self) -> str:
        return self.help.splitlines()[0] if self.help else ""


REGISTRY: dict[str, CommandSpec] = {}
_BY_WORD: dict[str, CommandSpec] = {}
# Free text that is a question, not a command, goes to this command (bot/commands/questions.py).
_QUESTION_ROUTE: list[tuple[Callable[[str], bool], str]] = []


def question_route(test: Callable[[str], bool], name: str) -> None:
    """Send text for which `test` holds to the command `name` whole (the question answerer)."""
    _QUESTION_ROUTE[:] = [(test, name)]


def command(
    name: str,
    usage: str,
    *,
    aliases: tuple[str, ...] = (),
    needs_arg: bool = True,
    arg_name: str = "name",
) -> Callable[[Handler], Handler]:
    """Register a query command; the decorated function's docstring is its help."""

    def register(fn: Handler) -> Handler:
        spec = CommandSpec(name, usage, fn, aliases, needs_arg, arg_name)
        for word in (name, *aliases):
            if word in _BY_WORD:
                raise ValueError(f"command word {word!r} registered twice")
            _BY_WORD[word] = spec
        REGISTRY[name] = spec
        return fn

    return register


def lookup(word: str) -> CommandSpec | None:
    return _BY_WORD.get(word.lower())


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


def parse(text: str, *, prefix: str = "!", max_length: int = 300) -> Parsed | Answer:
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
    for is_question, name in _QUESTION_ROUTE:
        if text and is_question(text):
            return Parsed(REGISTRY[name], text)
    text = rewrite(text)
    if not text:
        return usage_error("Type a command, for example `who lavrov` or `help`.", "help [command]")
    word, _, arg = text.partition(" ")
    spec = lookup(word)
    if spec is None:
        close = _close_commands(word.lower())
        hint = f" Did you mean `{close}`?" if close else ""
        return usage_error(
            f"“{echo(word, 30)}” is not a command.{hint} Try `help` for the list.",
            "help [command]",
        )
    arg = arg.strip()
    if spec.needs_arg and not arg:
        return usage_error(
            f"`{spec.name}` needs a {spec.arg_name}.", spec.usage, title=f"Missing {spec.arg_name}"
        )
    return Parsed(spec, arg)


def _close_commands(word: str) -> str | None:
    import difflib

    close = difflib.get_close_matches(word, list(_BY_WORD), n=1, cutoff=0.6)
    return close[0] if close else None


def run(kb: KnowledgeBase, text: str, *, prefix: str = "!", max_length: int = 300) -> Answer:
    """Parse and answer one line of chat text. Never raises for any input text."""
    import bot.commands.query  # registers the commands
    import bot.commands.questions  # noqa: F401  (registers ask, link and the question route)

    parsed = parse(text, prefix=prefix, max_length=max_length)
    if isinstance(parsed, Answer):
        return parsed
    try:
        answer = parsed.spec.handler(kb, parsed.arg)
    except Exception:  # a bug must cost one answer, never the console, the CLI or the bot
        log.exception("command %r failed", parsed.text)
        return internal_error(parsed.text)
    if not answer.command:
        from dataclasses import replace

        answer = replace(answer, command=parsed.text)
    return answer
