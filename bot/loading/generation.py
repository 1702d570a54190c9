"""A tiny "reload generation" file in the cache folder, so that several processes serving the
same knowledge (`factbot run --processes K`) all reload when an admin reloads one of them.

Why: an edit of a knowledge file reaches every process through its own file watcher, but a
`reload` typed in Discord reaches only the process that owns that guild's shard, and it can
matter without any file change (after a refused reload, or files the watch missed). So that
process writes a new token here after a successful reload, and every process polls the file
and reloads when the token is not the last one it saw or wrote.

The file is in the cache folder, which is not trusted: it is read bounded, compared as bytes
and never interpreted, so its content can at worst cause one extra reload.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

NAME = "reload-generation"
MAX_BYTES = 128


def generation_path(cache_dir: Path) -> Path:
    return Path(cache_dir) / NAME


def read_generation(cache_dir: Path) -> bytes | None:
    """The current token, or None if there is none (or it cannot be read)."""
    try:
        fd = os.open(generation_path(cache_dir), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        try:
            return f.read(MAX_BYTES)
        except OSError:
            return None


def bump_generation(cache_dir: Path) -> bytes | None:
    """Write a new token (aside, then renamed into place); the token, or None if the cache
    folder cannot be written (then only this process has reloaded)."""
    token = f"{os.getpid()}-{secrets.token_hex(8)}\n".encode()
    folder = Path(cache_dir)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-generation-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(token)
            os.replace(tmp, generation_path(folder))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        return None
    return token
