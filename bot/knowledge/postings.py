"""The search index of a fact base held as objects: word -> claim ids, updated in layers.

Why here: a reload that changes a few claims should not rebuild postings for a hundred
thousand; the new snapshot shares the old lists and layers the changes on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar

T = TypeVar("T")

__all__ = ["Postings", "post"]


def post(postings: dict[str, list[T]], words: Iterable[str], key: T) -> None:
    """Add `key` to the list of each of `words` (a claim's id or row, once per word)."""
    for word in words:
        keys = postings.get(word)
        if keys is None:
            postings[word] = [key]
        else:
            keys.append(key)


class Postings(Mapping[str, frozenset[str]]):
    """Word → claim ids, kept as lists (a third of the memory of sets), handed out as
    frozensets. Read-only.

    A reload that changes a few claims does not rebuild the lists: the new snapshot shares
    the old `base`, ignores the changed and removed claims' ids in it (`dropped`) and keeps
    their new words in a small `extra`. Words left with no claim at all are `dead`.
    """

    __slots__ = ("_base", "_dead", "_dropped", "_extra", "_len")

    def __init__(
        self,
        base: dict[str, list[str]],
        extra: dict[str, list[str]] | None = None,
        dropped: frozenset[str] = frozenset(),
        dead: frozenset[str] = frozenset(),
    ) -> None:
        self._base, self._extra = base, extra or {}
        self._dropped, self._dead = dropped, dead
        fresh = sum(1 for w in self._extra if w not in base)
        self._len = len(base) + fresh - len(dead)

    @property
    def layered(self) -> int:
        """How many claim ids the layers hold (0 for a fresh index)."""
        return len(self._dropped) + sum(len(v) for v in self._extra.values())

    def _ids(self, word: str) -> frozenset[str]:
        ids = self._base.get(word, ())
        out = frozenset(x for x in ids if x not in self._dropped) if self._dropped else None
        if out is None:
            out = frozenset(ids)
        extra = self._extra.get(word)
        return out.union(extra) if extra else out

    def __getitem__(self, word: str) -> frozenset[str]:
        if word in self._dead or (word not in self._base and word not in self._extra):
            raise KeyError(word)
        return self._ids(word)

    def __contains__(self, word: object) -> bool:
        return (word in self._base or word in self._extra) and word not in self._dead

    def __iter__(self) -> Iterator[str]:
        dead = self._dead
        yield from (w for w in self._base if w not in dead)
        yield from (w for w in self._extra if w not in self._base and w not in dead)

    def __len__(self) -> int:
        return self._len

    def updated(
        self, removed: set[str], added: dict[str, list[str]], touched: set[str]
    ) -> Postings:
        """These claim ids' words gone (`touched`: the words they had), `added` words added."""
        dropped = self._dropped | removed
        extra: dict[str, list[str]] = {}
        for word, ids in self._extra.items():
            kept = [x for x in ids if x not in removed]
            if kept:
                extra[word] = kept
        for word, ids in added.items():
            extra.setdefault(word, []).extend(ids)
        dead = set()
        for word in touched | self._dead:
            if word in extra or word not in self._base:
                continue  # alive, or gone with the old extra
            if not any(x not in dropped for x in self._base[word]):
                dead.add(word)
        return Postings(self._base, extra, frozenset(dropped), frozenset(dead))
