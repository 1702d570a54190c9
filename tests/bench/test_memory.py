"""The bench's memory probes report the measured process's own figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.bench.memory import peak_rss_mb, smaps_rollup

LINUX = Path("/proc/self/status").exists()
PROBE = "from bot.bench.memory import peak_rss_mb; print(peak_rss_mb())"


@pytest.mark.skipif(not LINUX, reason="VmHWM is Linux only")
def test_a_worker_started_by_a_large_parent_reports_its_own_peak() -> None:
    # Linux carries ru_maxrss across execve: with it, the child reported the parent's 300 MB.
    ballast = bytearray(300 * 1024 * 1024)
    ballast[::4096] = b"\1" * len(range(0, len(ballast), 4096))
    assert peak_rss_mb() > 300
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    del ballast
    assert 0 < float(done.stdout) < 150


@pytest.mark.skipif(not LINUX, reason="smaps_rollup is Linux only")
def test_the_rollup_splits_resident_pages_into_private_and_shared() -> None:
    rollup = smaps_rollup()
    assert rollup is not None
    assert rollup["Rss"] > 0
    total = sum(
        rollup[k] for k in ("Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty")
    )
    assert total == pytest.approx(rollup["Rss"], rel=0.05)
