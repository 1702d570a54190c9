"""A valid content edit keeps CI green: the proof on a copy of the live fact base.

An editor adds a second article: its text in seeds/, its entry in sources.yaml, a new
person, new claims, and a new reference on a claim the first article already made. Then
what CI runs on the live knowledge (`factbot check` and the seed-coverage tests) must pass
on the copy too: no test may pin the live content beyond the seed article's coverage.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from bot.cli.main import main
from tests.conftest import LIVE_KNOWLEDGE, LIVE_SEEDS, MULTI, ROOT

NEW_SEED = "001_test_dec2012.txt"
NEW_CLAIMS = "edm-2012-v9-i230.yaml"


def _add_second_article(root: Path) -> None:
    shutil.copy(MULTI / "seeds" / NEW_SEED, root / "seeds" / NEW_SEED)
    claims = root / "knowledge" / "claims" / NEW_CLAIMS
    shutil.copy(MULTI / "knowledge" / "claims" / NEW_CLAIMS, claims)
    multi_sources = yaml.safe_load((MULTI / "knowledge" / "sources.yaml").read_text("utf-8"))
    [article] = [a for a in multi_sources["articles"] if a["id"] == "edm-2012-v9-i230"]
    sources = root / "knowledge" / "sources.yaml"
    data = yaml.safe_load(sources.read_text("utf-8"))
    data["articles"].append(article)
    sources.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    people = root / "knowledge" / "people.yaml"
    with people.open("a", encoding="utf-8") as f:
        f.write(
            "\n  - id: sergei-shoigu\n    type: person\n    name: Sergei Shoigu\n"
            "    description: Russia's Defense Minister from November 2012.\n"
            "    aliases: [Shoigu]\n"
        )
    # a new reference on a claim the first article already made
    first = root / "knowledge" / "claims" / "edm-2012-v9-i71.yaml"
    text = first.read_text("utf-8")
    anchor = "  - id: armenia-member-of-csto\n"
    assert anchor in text
    head, tail = text.split(anchor, 1)
    refs = "    references:\n"
    i = tail.index(refs) + len(refs)
    extra = (
        "      - article: edm-2012-v9-i230\n        paragraph: 4\n"
        "        quote: The six remaining members, Armenia\n"
    )
    first.write_text(head + anchor + tail[:i] + extra + tail[i:], "utf-8")


def test_a_new_article_keeps_check_and_coverage_green(tmp_path, capsys):
    shutil.copytree(LIVE_KNOWLEDGE, tmp_path / "knowledge")
    shutil.copytree(LIVE_SEEDS, tmp_path / "seeds")
    _add_second_article(tmp_path)

    assert main(["check", "--knowledge", str(tmp_path / "knowledge")]) == 0
    out = capsys.readouterr().out
    assert "articles:   2" in out

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_coverage.py"],
        cwd=ROOT,
        env={**os.environ, "FACTBOT_COVERAGE_ROOT": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout
