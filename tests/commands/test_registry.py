"""The command table: refused mistakes, and how the registry answers for every door."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.commands.answer import Answer
from bot.commands.registry import Argument, CommandSpec, Registry, usage_error
from bot.commands.table import COMMANDS
from tests.conftest import ROOT

COMMANDS_DIR = ROOT / "bot" / "commands"


def echo_back(kb: object, arg: str) -> Answer:
    """Says the argument back."""
    return Answer(status="ok", title=arg)


def complain(kb: object, arg: str) -> Answer:
    """Always a user error."""
    return usage_error(f"no {arg}")


def explode(kb: object, arg: str) -> Answer:
    """Always a bug."""
    raise RuntimeError("boom")


def no_docstring(kb: object, arg: str) -> Answer:
    return Answer(status="ok", title="")


@pytest.mark.parametrize(
    ("specs", "needle"),
    [
        ([CommandSpec("a", "a", echo_back), CommandSpec("b", "b", echo_back, ("a",))], "twice"),
        ([CommandSpec("Who", "Who", echo_back)], "lowercase"),
        ([CommandSpec("two words", "two words", echo_back)], "one lowercase word"),
        ([CommandSpec("a", "b <x>", echo_back)], "must start with"),
        ([CommandSpec("a", "a", no_docstring)], "no help"),
        ([CommandSpec("a", "a <x y>", echo_back, arg=Argument("x y", "d"))], "no option name"),
    ],
)
def test_table_mistakes_are_refused_when_the_table_is_built(specs, needle):
    with pytest.raises(ValueError, match=needle):
        Registry(specs)


def test_a_handlers_user_error_carries_its_commands_usage():
    registry = Registry([CommandSpec("moan", "moan <thing>", complain, arg=Argument("thing", "d"))])
    answer = registry.run(None, "moan cheese")  # type: ignore[arg-type]
    assert answer.status == "error" and answer.note == "no cheese"
    assert answer.usage == "moan <thing>"
    assert answer.command == "moan cheese"


def test_a_bug_in_a_handler_is_an_apology_not_a_traceback(caplog):
    registry = Registry([CommandSpec("boom", "boom", explode)])
    answer = registry.run(None, "!boom now")  # type: ignore[arg-type]
    assert answer.kind == "internal" and "something went wrong" in answer.title
    assert "RuntimeError: boom" in caplog.text  # the traceback is logged for the maintainers


def test_a_command_that_takes_nothing_ignores_what_follows():
    registry = Registry([CommandSpec("echo", "echo", echo_back)])
    assert registry.run(None, "echo whatever").title == "whatever"  # type: ignore[arg-type]


def test_every_command_has_help_and_a_usage_starting_with_its_name():
    for spec in COMMANDS:
        assert spec.summary and spec.usage.split()[0] == spec.name
        assert (spec.arg is None) == (spec.arg_usage == ""), spec.name


def _imports(path: Path) -> tuple[set[str], list[str]]:
    """The bot.commands modules a file imports at its top, and any import inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names]
            top.update([node.module, *names])
        elif isinstance(node, ast.Import):
            top.update(a.name for a in node.names)
    nested = [
        f"{path.name}:{inner.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
        if isinstance(inner, ast.Import | ast.ImportFrom)
    ]
    return {m for m in top if m.startswith("bot.commands.")}, nested


def test_commands_import_each_other_without_cycles_or_hidden_imports():
    modules = {p.stem: p for p in COMMANDS_DIR.glob("*.py") if p.stem != "__init__"}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imported, nested = _imports(path)
        assert not nested, f"function-level imports: {nested}"
        graph[name] = {m.split(".")[2] for m in imported if m.split(".")[2] in modules}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph[start] - seen:
            seen.add(nxt)
            if nxt == goal or reaches(nxt, goal, seen):
                return True
        return False

    assert not [name for name in graph if reaches(name, name, set())]
    assert "table" not in {m for deps in graph.values() for m in deps}  # only doors use it


def test_command_modules_stay_small():
    for path in COMMANDS_DIR.glob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) <= 600, path.name
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef):
                assert node.end_lineno - node.lineno <= 80, f"{path.name}:{node.name}"
