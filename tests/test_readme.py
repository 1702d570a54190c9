"""The README's session is real output: it is regenerated from the engine and compared.

Regenerate after a knowledge edit with: .venv/bin/python -m tests.test_readme
"""

from __future__ import annotations

import re
import sys

from bot.commands.table import run
from bot.render.text import render_text
from tests.conftest import ROOT

README = ROOT / "README.md"
QUESTIONS = (
    "who kazykhanov",
    "when was KSOR proposed?",
    "who chairs the CSTO?",
    "is Armenia in the CSTO?",
    "what kaz",
)
BLOCK = re.compile(r"(<!-- session:start -->.*?```text\n)(.*?)(```)", re.DOTALL)


def session(kb) -> str:
    parts = []
    for question in QUESTIONS:
        answer = run(kb, question)
        parts.append(f"factbot> {question}\n{render_text(answer, more_hint='`more`')}")
    return "\n\n".join(parts) + "\n"


def test_readme_session_is_what_the_console_prints(seed_kb):
    m = BLOCK.search(README.read_text(encoding="utf-8"))
    assert m, "README lost its session block"
    assert m.group(2) == session(seed_kb), "run: .venv/bin/python -m tests.test_readme"


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    from bot.loading.loader import load_knowledge
    from tests.conftest import KNOWLEDGE, SEEDS

    kb = load_knowledge(KNOWLEDGE, SEEDS).kb
    if kb is None:
        sys.exit("the knowledge does not load: run factbot check")
    text = README.read_text(encoding="utf-8")
    README.write_text(
        BLOCK.sub(lambda m: m.group(1) + session(kb) + m.group(3), text), encoding="utf-8"
    )
    print("README session regenerated")
