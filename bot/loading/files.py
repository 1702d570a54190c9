"""Finding the knowledge files and naming them: which files a load reads, and their keys."""

from __future__ import annotations

import hashlib
from pathlib import Path as FsPath


def knowledge_files(knowledge_dir: FsPath) -> list[FsPath]:
    return sorted(p for p in knowledge_dir.rglob("*.y*ml") if p.is_file())


def _display_name(path: FsPath, root: FsPath) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _digest(raw: bytes, name: str) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest() + ":" + name
