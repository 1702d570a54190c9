"""Every name and alias of the command table works in the console and in `factbot ask`."""

from __future__ import annotations

import io

import pytest

from bot.cli.console import CONSOLE_WORDS, Console
from bot.cli.main import main
from bot.commands.table import COMMANDS, run
from bot.config import load_settings
from bot.loading.holder import KnowledgeHolder
from bot.render.text import render_text
from tests.commands.examples import WORDS, question
from tests.conftest import FIXTURE_CONFIG


@pytest.fixture
def console() -> tuple[Console, io.StringIO]:
    holder, result = KnowledgeHolder.load(load_settings(FIXTURE_CONFIG))
    assert holder is not None, result.problems
    out = io.StringIO()
    return Console(holder, stdin=io.StringIO(), stdout=out), out


def said(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def test_every_name_and_alias_answers_in_the_console(console, seed_kb):
    shell, out = console
    for word, spec in WORDS:
        text = question(word, spec)
        expected = run(seed_kb, text)
        assert expected.status == "ok", text
        assert shell.handle(text)
        shown = said(out)
        assert shown.startswith(expected.title), (text, shown[:200])
        if spec.needs_arg:
            assert shell.handle(f"!{word}")  # with the chat prefix, as pasted from Discord
            shown = said(out)
            assert f"Missing {spec.arg_name}" in shown and f"Usage: {spec.usage}" in shown, word


def test_console_words_are_no_command_words():
    """`more`, `reload`, `quit`... are the console's own: no command may hide behind them."""
    assert not CONSOLE_WORDS & set(COMMANDS.words())


@pytest.mark.parametrize(("word", "spec"), WORDS, ids=[w for w, _ in WORDS])
def test_every_name_and_alias_answers_in_ask(word, spec, capsys, seed_kb):
    text = question(word, spec)
    assert main(["ask", text]) == 0
    shown = capsys.readouterr().out.splitlines()
    expected = render_text(run(seed_kb, text)).splitlines()
    assert shown[0] == expected[0] and len(shown) == len(expected), text  # `kb` has a time
    if spec.needs_arg:
        assert main(["ask", word]) == 2
        out = capsys.readouterr().out
        assert f"Usage: {spec.usage}" in out


def test_ask_help_lists_every_command_and_alias(capsys):
    with pytest.raises(SystemExit):
        main(["ask", "--help"])
    out = capsys.readouterr().out
    for spec in COMMANDS:
        assert f"{spec.usage}: {spec.summary}" in out
        for alias in spec.aliases:
            assert alias in out
