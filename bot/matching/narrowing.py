"""Narrow a scan of names to those that may hold some words, before reading any name.

Why: the suffix and prefix tiers scan up to 512 names of one word (the thousand Mikhails)
and cut and split each to look for the query's other words: most of a slow lookup, though
few of those names hold them. The index can say so without reading names: the pair index
gives the names holding two given words, and a word's postings the names holding it.
What is kept is every name that holds the words, and maybe some that do not: the caller
still checks each name it keeps, so the result is the same, only cheaper.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain

from bot.matching.index import NameIndex

__all__ = ["may_hold"]

_FEW_NAMES = 32  # scans this short are checked name by name without narrowing them first
_SPAN_WORDS = 16  # a "one of these words" condition over more words is not read in pairs


def may_hold(
    ix: NameIndex,
    scan: Iterable[int],
    words: Iterable[int],
    any_of: Sequence[int] = (),
    scanned: int | None = None,
) -> list[int]:
    """The names of `scan`, in its order, that may hold every word of `words` and one of
    `any_of`. `scanned`: a word every name of the scan holds (the scan is its postings),
    which lets the pair index answer."""
    scan = list(scan)
    if len(scan) <= _FEW_NAMES:
        return scan
    if scanned is not None:
        kids = _pair_kids(ix, scanned, words, any_of, 4 * len(scan))
        if kids is not None:
            # The pair index holds each entity's names once per phonetic key, and their
            # first MAX_PAIR_WORDS words: longer names are read.
            ekey, longer = ix.ekey, ix.long_names()
            return [entry for entry in scan if ekey[entry] in kids or entry in longer]
    return _by_postings(ix, scan, set(words) - {scanned}, any_of)


def _pair_kids(
    ix: NameIndex, scanned: int, words: Iterable[int], any_of: Sequence[int], most: int
) -> set[int] | None:
    """The entities with a name holding `scanned` with each word and with one of `any_of`,
    from the pair index (None when no condition could be read there cheaply)."""
    conditions = [(word,) for word in set(words) if word != scanned]
    if any_of and scanned not in any_of and len(any_of) <= _SPAN_WORDS:
        conditions.append(tuple(any_of))
    kids: set[int] | None = None
    ekey, pairs = ix.ekey, ix.pairs
    for condition in conditions:
        spans = [pairs.span(scanned, word) for word in condition]
        if sum(hi - lo for lo, hi in spans) > most:
            continue  # a common pair: the other conditions, or the names, tell more cheaply
        held = {ekey[entry] for lo, hi in spans for entry in pairs.names(lo, hi)}
        kids = held if kids is None else kids & held
        if not kids:
            break
    return kids


def _by_postings(
    ix: NameIndex, scan: list[int], words: Iterable[int], any_of: Sequence[int]
) -> list[int]:
    """`may_hold` from the words' postings (each name holding a word is in them): shortest
    first, none far longer than the scan, and none once only a few names are left."""
    limit = 4 * len(scan)
    filters = [(ix.posting_count(pid), (pid,)) for pid in set(words)]
    if any_of:
        filters.append((sum(map(ix.posting_count, any_of)), tuple(any_of)))
    kept: set[int] | None = None
    for count, held in sorted(filters):
        if count > limit or (kept is not None and len(kept) <= _FEW_NAMES):
            break
        kept = set(scan) if kept is None else kept
        kept.intersection_update(
            chain.from_iterable(ix.postings(pid, ix.posting_count(pid)) for pid in held)
        )
    return scan if kept is None else [entry for entry in scan if entry in kept]
