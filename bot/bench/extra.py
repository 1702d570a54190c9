"""What one more serving process costs (`factbot run --processes K`): a second process
restores the same snapshot while the first one serves, and reports its memory.

It reports its peak RSS, which counts the snapshot's file pages it shares with the first
process, and splits its pages into private and shared ones (bot/bench/memory.py).

Run by the serve phase of the bench as `python -m bot.bench.extra FOLDER`; prints one JSON
object.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bot.bench.memory import peak_rss_mb, smaps_rollup
from bot.config import Settings
from bot.loading.holder import KnowledgeHolder


def measure(folder: Path) -> dict[str, Any]:
    """In the extra process: restore (the settings of the bench's worker), then say what it
    costs."""
    settings = Settings(
        knowledge_dir=folder / "knowledge",
        seeds_dir=folder / "seeds",
        cache_dir=folder / ".factbot-cache",
    )
    clock = time.perf_counter()
    holder, result = KnowledgeHolder.load(settings)
    seconds = time.perf_counter() - clock
    out: dict[str, Any] = {
        "load_s": round(seconds, 3),
        "from_snapshot": bool(holder is not None and result.from_snapshot),
        "peak_rss_mb": peak_rss_mb(),
        "private_mb": None,
        "shared_mb": None,
        "pss_mb": None,
    }
    rollup = smaps_rollup()
    if rollup is not None:
        out["private_mb"] = round(rollup["Private_Clean"] + rollup["Private_Dirty"], 1)
        out["shared_mb"] = round(rollup["Shared_Clean"] + rollup["Shared_Dirty"], 1)
        out["pss_mb"] = round(rollup["Pss"], 1)
    return out


def extra_process(folder: Path) -> dict[str, Any] | None:
    """Start the extra process (the caller keeps serving meanwhile) and return its figures;
    None if it failed (the rest of the bench is still worth reporting)."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.bench.extra", str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    print(json.dumps(measure(Path(argv[0]))))
    return 0


if __name__ == "__main__":  # pragma: no cover - run by the bench's serve phase
    sys.exit(main(sys.argv[1:]))
