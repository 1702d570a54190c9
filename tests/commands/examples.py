"""An argument for each command of the table that it answers ("ok") on the fixture fact base.

Shared by the tests that walk every name and alias through every door.
"""

from __future__ import annotations

from bot.commands.registry import CommandSpec
from bot.commands.table import COMMANDS

# By the argument's name, so a new command with a known kind of argument needs nothing here.
EXAMPLES = {
    "name": "csto",
    "thing": "csto summit",
    "date": "April 2012",
    "entity": "csto",
    "words": "ulyanovsk",
    "claim id": "lavrov-arrived-astana-2012-04-06",
    "command": "who",
    "two names": "putin and ksor",
    "question": "who chairs the csto?",
}

# Every word that calls a command, with its command.
WORDS = [(word, spec) for spec in COMMANDS for word in spec.words]


def question(word: str, spec: CommandSpec) -> str:
    """`word` with an argument its command answers."""
    return f"{word} {EXAMPLES[spec.arg.name]}" if spec.arg else word
