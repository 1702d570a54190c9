"""Errors point at the root: when a file (or an item) cannot be loaded, every other file that
refers to an id it defines would fail too. Those follow-on errors say nothing new: they are
held back and summarised in one line under the error that causes them.

The ids a broken file defines are recovered from what could be read: the data itself after a
duplicated key (the rest of the file was read), or a line scan of the text after a syntax
error (nothing was read). Both are linear in the file's size, which is capped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from bot.loading.yamlsource import Problem

SECTIONS = ("articles", "entities", "claims")
Lost = dict[str, frozenset[str]]  # section -> ids defined there that were not loaded

_SECTION_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_ID_LINE = re.compile(r"^[ ]*(?:-[ ]+)?id[ ]*:[ ]*(['\"]?)([A-Za-z0-9][\w.-]*)\1[ ]*(?:#.*)?$")


def ids_in_data(data: Any) -> Lost:
    """The ids of the items in `data` as read (before validation), per section."""
    lost: Lost = {}
    if not isinstance(data, dict):
        return lost
    for section in SECTIONS:
        items = data.get(section)
        if isinstance(items, list):
            ids = {i.get("id") for i in items if isinstance(i, dict)}
            found = frozenset(i for i in ids if isinstance(i, str))
            if found:
                lost[section] = found
    return lost


def ids_in_text(text: str) -> Lost:
    """The ids a file that YAML cannot read seems to define: `id:` lines under each
    top-level section. A guess from the text, good enough to recognise follow-on errors."""
    found: dict[str, set[str]] = {}
    section = ""
    for line in text.splitlines():
        top = _SECTION_LINE.match(line)
        if top:
            section = top.group(1)
            continue
        if section in SECTIONS:
            m = _ID_LINE.match(line)
            if m:
                found.setdefault(section, set()).add(m.group(2))
    return {k: frozenset(v) for k, v in found.items()}


def ids_of_dropped(data: Any, indexes: Mapping[str, Iterable[int]]) -> Lost:
    """The ids of the items at `indexes` (section -> positions) in `data`: items that failed
    validation, so references to them elsewhere fail too."""
    lost: Lost = {}
    for section, positions in indexes.items():
        items = data.get(section) if isinstance(data, dict) else None
        if not isinstance(items, list):
            continue
        ids = (
            items[i].get("id") for i in positions if i < len(items) and isinstance(items[i], dict)
        )
        found = frozenset(i for i in ids if isinstance(i, str))  # an id may be a list
        if found:
            lost[section] = found
    return lost


class FollowOns:
    """Recognises the errors caused by another file's error, and sums them up."""

    def __init__(self, lost_by_file: Iterable[tuple[str, Lost]]) -> None:
        self.owner: dict[tuple[str, str], str] = {}
        for file, lost in lost_by_file:
            for section, ids in lost.items():
                for ident in ids:
                    self.owner.setdefault((section, ident), file)
        self.caused: dict[int, str] = {}  # id(problem) -> the file whose error caused it

    def note(self, problem: Problem, section: str, ident: str) -> Problem:
        """`problem` says `ident` is unknown in `section`; remember it if that id was defined
        in a file (or item) that could not be loaded. Returns the problem."""
        cause = self.owner.get((section, ident))
        if cause is not None:
            self.caused[id(problem)] = cause
        return problem

    def apply(self, problems: list[Problem]) -> list[Problem]:
        """The problems without the follow-on errors, each cause's count in one line placed
        after the last error of the file that causes them."""
        if not self.caused:
            return problems
        counts = Counter(self.caused[id(p)] for p in problems if id(p) in self.caused)
        kept = [p for p in problems if id(p) not in self.caused]
        for cause, n in counts.items():
            at = max((i for i, p in enumerate(kept) if p.file == cause), default=len(kept) - 1)
            kept.insert(at + 1, summary(cause, n))
        return kept


def summary(cause: str, n: int) -> Problem:
    """The one line that stands for `n` follow-on errors of the file `cause`."""
    errors = "error" if n == 1 else "errors"
    return Problem(
        cause,
        None,
        None,
        f"… and {n} {errors} about ids that {cause} defines; fix it first.",
        severity="note",
    )
