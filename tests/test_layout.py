"""The layout's rules, checked on the source: one job per module, layers without cycles,
discord.py only in the Discord door and matplotlib only in the pictures package."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

BOT = ROOT / "bot"
MODULES = sorted(BOT.rglob("*.py"))


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module imported, line, at module level) for each import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
            found += [(n, node.lineno, id(node) in top) for n in [node.module, *names]]
    return found


def test_no_module_is_over_600_lines():
    long = {_module(p): n for p in MODULES if (n := len(p.read_text("utf-8").splitlines())) > 600}
    assert not long, long


def test_no_function_is_over_80_lines():
    long = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if length > 80:
                    long.append(f"{_module(path)}.{node.name}: {length} lines")
    assert not long, long


def test_discord_only_in_the_discord_package_and_matplotlib_only_in_pictures():
    wrong = []
    for path in MODULES:
        here = _module(path)
        for name, line, _ in _imports(path):
            top = name.split(".")[0]
            if top == "discord" and not here.startswith("bot.discord"):
                wrong.append(f"{here}:{line} imports {name}")
            if top == "matplotlib" and not here.startswith("bot.render.pictures"):
                wrong.append(f"{here}:{line} imports {name}")
    assert not wrong, wrong


def test_the_module_import_graph_has_no_cycles():
    known = {_module(p) for p in MODULES}
    graph = {
        _module(p): {n for n, _, top in _imports(p) if top and n in known and n != _module(p)}
        for p in MODULES
    }
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for nxt in sorted(graph.get(node, ())):
            cycle = visit(nxt, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return None

    for module in sorted(graph):
        cycle = visit(module, [])
        assert cycle is None, " -> ".join(cycle)


def test_the_core_never_imports_a_door():
    """knowledge, loading and matching are what every door shares: they import no door,
    no command and no renderer, so the layers only point one way."""
    core = ("bot.knowledge", "bot.loading", "bot.matching")
    above = ("bot.commands", "bot.render", "bot.discord", "bot.cli")
    wrong = [
        f"{_module(p)}:{line} imports {name}"
        for p in MODULES
        if _module(p).startswith(core)
        for name, line, _ in _imports(p)
        if name.startswith(above)
    ]
    assert not wrong, wrong
