"""docs/adding-facts.md cannot go stale: its YAML examples must pass `factbot check`."""

from __future__ import annotations

import re
import shutil

from bot.commands.table import run
from bot.loading.loader import load_knowledge
from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "adding-facts.md"
BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def test_guide_examples_pass_check(kb_copy):
    blocks = BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    shutil.copy(ROOT / "docs" / "examples" / "example-article.txt", kb_copy / "seeds")
    guide_dir = kb_copy / "knowledge" / "guide"
    guide_dir.mkdir()
    for i, block in enumerate(blocks, start=1):
        (guide_dir / f"example-{i:02d}.yaml").write_text(block, encoding="utf-8")
    result = load_knowledge(kb_copy / "knowledge", kb_copy / "seeds")
    assert result.ok, "\n".join(map(str, result.problems))

    kb = result.kb
    assert run(kb, "who primerow").entity_id == "ivan-primerov"
    answer = run(kb, "org ksor")
    superseded = [line for line in answer.lines if line.heading == "Superseded (kept on record)"]
    assert [line.claim_id for line in superseded] == ["ksor-exercise-troops-5000"]
    on = run(kb, "on September 20 2012")
    assert "ksor-exercise-dushanbe-2012-09-20" in [line.claim_id for line in on.lines]


def test_guide_error_table_matches_real_messages(mini):
    """Each message quoted in the guide's table is one the loader really gives."""
    text = GUIDE.read_text(encoding="utf-8")
    cases = {
        "unknown key 'aliasses'": {
            "entities.yaml": "entities:\n  - id: x\n    type: place\n"
            "    name: X\n    description: d\n    aliasses: [Y]\n"
        },
        "is not a valid id": {
            "entities.yaml": "entities:\n  - id: Sergei Lavrov\n"
            "    type: person\n    name: X\n    description: d\n"
        },
        "there is no month 13": {
            "more.yaml": "claims:\n  - id: c\n    subject: astana\n"
            "    predicate: p\n    text: t\n    date: 2012-13-45\n"
            "    references:\n      - article: test-article\n"
            "        paragraph: 1\n        quote: arrived in Astana\n"
        },
    }
    for needle, files in cases.items():
        assert needle in text
        result = mini(files)
        assert any(needle in p.message for p in result.problems), (needle, result.problems)
