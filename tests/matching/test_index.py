"""The name index: every name is found in a larger base, and the index survives the disk cache."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

from bot.knowledge.names import phonetic
from bot.matching.matcher import Matcher
from tests.matching.bases import crowd, synthetic_names


def test_every_name_finds_itself_in_a_larger_index() -> None:
    entries = synthetic_names(3000)
    index = Matcher(entries)
    namesakes: dict[str, set[str]] = {}  # same phonetic key = a tie the matcher must show
    for entry in entries:
        namesakes.setdefault(phonetic(entry.text), set()).add(entry.key)
    for entry in entries[::7]:
        result = index.match(entry.text)
        assert result.best is not None and result.best.tier == "exact", result.explain()
        if len(namesakes[phonetic(entry.text)]) == 1:
            assert result.decision == "answer" and result.best.key == entry.key
        else:
            assert result.decision == "choose"
        assert index.complete(entry.text)[0].matched == entry.text


def test_matcher_survives_pickling_into_another_process(tmp_path: Path) -> None:
    """The disk cache keeps the name index; another process (another str hash seed) must
    read it back and decide exactly as the process that built it."""
    index = Matcher([*crowd(), *synthetic_names(500)])
    queries = [
        "Yaroslav Konstantinovih Yemelyanov",
        "Jaroslaw Igorewitsch Jemeljanow",
        "Aleksei Pteensky",
        "Timur",
        "Sergei Lavrv",
        "yemel",
    ]
    blob = tmp_path / "matcher.pkl"
    blob.write_bytes(pickle.dumps(index))
    here = [index.match(q).explain() for q in queries] + [repr(index.complete(q)) for q in queries]
    script = (
        "import pickle, sys, json\n"
        f"m = pickle.loads(open({str(blob)!r}, 'rb').read())\n"
        f"qs = {queries!r}\n"
        "print(json.dumps([m.match(q).explain() for q in qs] + [repr(m.complete(q)) for q in qs]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert json.loads(out.stdout) == here
