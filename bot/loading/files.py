"""Finding the knowledge files and article texts, and reading them without leaving their
folders: a path that leads outside (absolute, `..`, a link) is refused before anything is
read there, and a file is read only after its size is known to be within the limit."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path as FsPath
from pathlib import PurePosixPath, PureWindowsPath
from typing import BinaryIO

from bot.loading.yamlsource import MAX_FILE_BYTES, too_big_message

EMPTY_FILE = (
    "the file is empty: a save onto a full disk or an interrupted sync? Restore it from "
    "version control or a backup, or delete the file if it should go."
)


def knowledge_files(knowledge_dir: FsPath) -> list[FsPath]:
    return sorted(p for p in knowledge_dir.rglob("*.y*ml") if p.is_file())


def _display_name(path: FsPath, root: FsPath) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _digest(raw: bytes, name: str) -> str:
    """The file's content key (SHA-256: the fastest strong hash here, with CPU support)."""
    return hashlib.sha256(raw).hexdigest()[:32] + ":" + name


def leads_outside(root: FsPath, path: FsPath) -> bool:
    """Whether `path`, links followed, lies outside `root` (only names are looked at)."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return True
    return False


def article_path_problem(seeds_dir: FsPath, file: str) -> str | None:
    """Why an article's `file:` may not be read, or None if it names a file in seeds/."""
    posix, windows = PurePosixPath(file), PureWindowsPath(file)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or file[:1] in "/\\":
        return (
            "an absolute path is not allowed; name a file in the seeds folder, e.g. 'article.txt'"
        )
    if ".." in posix.parts or ".." in windows.parts:
        return "'..' would lead out of the seeds folder; name a file in the seeds folder"
    if leads_outside(seeds_dir, seeds_dir / file):
        return "it is a link that leads outside the seeds folder; copy the text into seeds/"
    return None


def read_open(f: BinaryIO, limit: int) -> bytes:
    """An open file's bytes, at most `limit` + 1 (more means too big). The buffer is the
    file's size, not the limit: reading `limit` + 1 allocated 20 MB (80 MB for a cache entry)
    for every file read, whatever its size."""
    size = os.fstat(f.fileno()).st_size
    raw = f.read(min(size, limit) + 1)
    if size < len(raw) <= limit:  # it grew while being read: read on, still bounded
        raw += f.read(limit + 1 - len(raw))
    return raw


def read_bounded(path: FsPath, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes; ValueError (with the message) if it is over `limit`, checked before
    reading, and again while reading (it may grow meanwhile)."""
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise ValueError(too_big_message(size))
        raw = read_open(f, limit)
    if len(raw) > limit:
        raise ValueError(too_big_message(len(raw)))
    return raw


def read_knowledge_file(path: FsPath, knowledge_dir: FsPath) -> bytes:
    """A knowledge file's bytes; ValueError (the message) if it may not or cannot be used."""
    if leads_outside(knowledge_dir, path):
        raise ValueError(
            "the file is a link that leads outside the knowledge folder; it is not read. "
            "Keep knowledge files inside the folder."
        )
    try:
        raw = read_bounded(path)
    except OSError as exc:
        raise ValueError(f"cannot read the file: {exc}") from None
    if is_blank(raw):
        raise ValueError(EMPTY_FILE)
    return raw


# A line (as bytes.splitlines splits) with something other than whitespace before any '#'.
_CONTENT_LINE = re.compile(rb"(?:^|[\r\n])[ \t\x0b\x0c]*[^ \t\x0b\x0c\r\n#]")


def is_blank(raw: bytes) -> bool:
    """Nothing but whitespace and comments (a byte order mark included); stops at the first
    line with content rather than splitting the whole file."""
    return _CONTENT_LINE.search(raw.removeprefix(b"\xef\xbb\xbf")) is None
