"""Issue 14: nothing in bot/ can turn bytes into code. No module imports a deserialiser
that runs code (pickle, marshal, shelve and their kin), so no cache file, knowledge file or
upload can be unpickled."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

CODE_LOADERS = {"pickle", "_pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle"}
CODE_LOADERS |= {"jsonpickle", "joblib"}


def imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            names |= {a.value for a in node.args if isinstance(a, ast.Constant)}
    return names


def test_no_module_in_bot_imports_a_code_running_deserialiser():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            imported(ast.parse(path.read_text("utf-8"))) & CODE_LOADERS
        )
        for path in sorted((ROOT / "bot").rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_scan_would_see_one():
    tree = ast.parse("import pickle\nfrom marshal import loads\n__import__('shelve')\n")
    assert imported(tree) & CODE_LOADERS == {"pickle", "marshal", "shelve"}
