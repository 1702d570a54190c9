"""What a bench process costs in memory, measured by the process itself.

Why VmHWM before `ru_maxrss`: Linux carries `ru_maxrss` across execve, so a worker started by
a large parent (the bench holds the generator's truth and the queries) reports the parent's
peak as its own; VmHWM belongs to the new address space and starts again at exec.
`/proc/<pid>/smaps_rollup` splits the resident pages into private ones (what this process
alone costs the machine) and shared ones (the snapshot's file pages other processes map too).
Both are Linux only; elsewhere the peak falls back to `ru_maxrss` and the split is None.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

SMAPS_FIELDS = ("Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty")


def _proc_kib(text: str, field: str) -> int | None:
    """The `field:  N kB` value of a /proc status-like text, in KiB."""
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if key == field and len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            return int(parts[0])
    return None


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (see the module doc)."""
    try:
        hwm = _proc_kib(Path("/proc/self/status").read_text(encoding="ascii"), "VmHWM")
    except (OSError, UnicodeDecodeError):
        hwm = None
    if hwm is not None:
        return round(hwm / 1024, 1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB (bytes on macOS)
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def rss_mb() -> float | None:
    """This process's resident set size now, in MB (None where /proc is missing)."""
    try:
        rss = _proc_kib(Path("/proc/self/status").read_text(encoding="ascii"), "VmRSS")
    except (OSError, UnicodeDecodeError):
        return None
    return None if rss is None else round(rss / 1024, 1)


def smaps_rollup(pid: str = "self") -> dict[str, float] | None:
    """The process's memory by kind, in MB (None where /proc/<pid>/smaps_rollup is missing)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    out = {key: _proc_kib(text, key) for key in SMAPS_FIELDS}
    if any(v is None for v in out.values()):
        return None
    return {key: (v or 0) / 1024 for key, v in out.items()}
