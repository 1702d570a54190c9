"""The keys a name is indexed by, and what each may cost.

Why: a name is found through keys derived from it: its folded words (`fold`), their phonetic
forms (`phonetic_word`), their transliteration skeletons (`skeleton`), their 1-deletion
variants and their trigrams. The same functions make the keys of a query, so a query meets a
name exactly when they share a key. Each key family is bounded per word, so indexing a name
costs time and memory linear in its length whatever its length: a word longer than any real
word (the longest place names have 85 letters) gets no deletion variants, and one longer than
any query could reach gets no trigrams. A user-edited alias of 200,000 characters can
therefore not stall start-up or a reload (issue 14).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

__all__ = [
    "MAX_PAIR_WORDS",
    "MAX_QUERY_CHARS",
    "MAX_QUERY_FOLDED",
    "MAX_QUERY_WORDS",
    "MAX_TRIGRAM_WORD",
    "MAX_VARIANT_WORD",
    "deletions",
    "letters",
    "stable_hash",
    "trigrams",
]

MAX_QUERY_CHARS = 1_000  # longer input is not a name; fold at most this much of it
MAX_QUERY_WORDS = 12
MAX_QUERY_FOLDED = 200
# Words longer than this get no 1-deletion variants: a word of n letters has n of them, each
# n - 1 long, so they cost n² to hash; capped, a name costs at most this many times its length.
# Twice the longest real word we know of; longer words are still found whole, by prefix and by
# the trigram search.
MAX_VARIANT_WORD = 128
# Words longer than this get no trigrams: no query word (at most MAX_QUERY_FOLDED letters, and
# phonetic forms never grow) is within a typo floor of 25 % of them, so no search reaches them.
MAX_TRIGRAM_WORD = 4 * MAX_QUERY_FOLDED
# Words of a name indexed in pairs (names longer than this: their first 8), so a name has at
# most 28 pair keys.
MAX_PAIR_WORDS = 8


def trigrams(word: str) -> set[str]:
    """The word's trigrams, padded at both ends (none for a word no query could reach)."""
    if len(word) > MAX_TRIGRAM_WORD:
        return set()
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def stable_hash(text: str, _crc32: Callable[[bytes], int] = zlib.crc32) -> int:
    """The same hash in every process (unlike `hash`), so an index can be kept on disk."""
    return _crc32(text.encode("utf-8", "surrogatepass"))


def deletions(word: str) -> set[str]:
    """The word and every string one deletion away: two words within one edit share one.

    Over MAX_VARIANT_WORD letters only the word itself, on the indexed and the query side
    alike, so such words still meet their exact twin.
    """
    out = {word}
    if 1 < len(word) <= MAX_VARIANT_WORD:
        out.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return out


def letters(key: str) -> int:
    """Letters of a space-separated key (spaces do not count towards how much is covered)."""
    return len(key) - key.count(" ")
