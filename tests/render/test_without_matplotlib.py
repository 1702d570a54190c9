"""Without the `pictures` extra (no matplotlib): answers still come, pictures say what to install.

Each case runs in a fresh interpreter where importing matplotlib fails, as it does when the
extra is not installed, whether or not this environment has it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HINT = "pip install 'factbot[pictures]'"

BLOCK_MATPLOTLIB = """
import importlib.abc, sys

class NoMatplotlib(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "matplotlib":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoMatplotlib())
"""


def _python(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_MATPLOTLIB + script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


FACTBOT = """
from bot.cli.main import main
code = main(sys.argv[1:])
assert "matplotlib" not in sys.modules
sys.exit(code)
"""


def test_ask_answers_and_says_what_a_picture_needs(tmp_path):
    out = tmp_path / "out.png"
    done = _python(FACTBOT, "ask", "timeline csto", "--image", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Timeline")
    assert "Sources" in done.stdout  # the whole text answer, citations included
    assert "no picture written" in done.stderr and HINT in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_answers_without_pictures_never_need_matplotlib():
    done = _python(FACTBOT, "ask", "who lavrov")
    assert done.returncode == 0, done.stderr
    assert "Lavrov" in done.stdout
    assert done.stderr == ""


SERVICE = """
import logging
from bot.commands.table import run
from bot.loading.loader import load_knowledge
from bot.render.pictures.picture import Pictures
from tests.conftest import KNOWLEDGE, SEEDS

logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
kb = load_knowledge(KNOWLEDGE, SEEDS).kb
pictures = Pictures()
for query in ("timeline csto", "map csto", "timeline csto", "who lavrov"):
    print(query, pictures.for_answer(kb, run(kb, query)))
assert "matplotlib" not in sys.modules
"""


def test_the_bot_answers_without_pictures_and_logs_the_hint_once():
    """What the Discord cog calls: no attachment, and the operator is told once."""
    done = _python(SERVICE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "timeline csto None",
        "map csto None",
        "timeline csto None",
        "who lavrov None",
    ]
    warnings = [line for line in done.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and HINT in warnings[0]
