"""Compact, flat containers the name index is made of: no small object per name or word.

Why: a fact base of 100k entities has half a million names and hundreds of thousands of
distinct words; as Python objects they would cost gigabytes. These keep them in a few flat
``array``s and string buffers, searched by bisection, and
written to disk as plain bytes (bot/matching/serial.py).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from itertools import combinations
from zlib import crc32

from bot.matching.keys import MAX_PAIR_WORDS, MAX_VARIANT_WORD, deletions, stable_hash

__all__ = ["DeletionIndex", "PairIndex", "Sorted", "Strings", "WordIds", "postings"]

_LOW_32 = 0xFFFFFFFF
_SAMPLE_STEP = 16  # every n-th sorted key kept as a str for C-speed bisection (4 steps left)


class DeletionIndex:
    """Words by their 1-deletion variants: two words within one edit share a variant.

    Each (variant, word) pair costs 4 bytes: the variant's hash picks a bucket (offsets in
    `_at`) and the stored ``array('I')`` value is (more hash bits << word bits | word index),
    sorted within the bucket, so a lookup bisects a handful of values. Hash collisions only
    add candidates, which callers verify by scoring them. The hash is CRC-32, not `hash()`,
    which differs from process to process: the index can be kept on disk and read back.
    """

    __slots__ = ("_at", "_bucket_bits", "_limit", "_packed", "_word_bits")

    def __init__(self, words: list[str]) -> None:
        word_bits = max(1, len(words).bit_length())
        if word_bits > 28:
            raise ValueError("vocabulary too large for the deletion index")
        bucket_bits = min(16, max(4, word_bits - 1))
        self._word_bits, self._bucket_bits = word_bits, bucket_bits
        self._limit = len(words)  # word numbers are below it (checked when read from disk)
        low = bucket_bits - 4  # built in 16 slices, so temporaries stay small
        keep = (1 << (32 - word_bits)) - 1
        slices: list[array[int]] = [array("Q") for _ in range(16)]
        to_slice = [part.append for part in slices]
        bucket_mask, low_mask = (1 << bucket_bits) - 1, (1 << low) - 1
        for index, word in enumerate(words):
            for hashed in _variant_hashes(word):  # duplicates go with the set below
                bucket = hashed & bucket_mask
                to_slice[bucket >> low](
                    (bucket & low_mask) << 32
                    | ((hashed >> bucket_bits) & keep) << word_bits
                    | index
                )
        packed = array("I")
        counts = array("I")  # each bucket's first position in `packed`, then its length
        for number, part in enumerate(slices):
            items = sorted(set(part))
            slices[number] = array("Q")
            start = len(packed)
            counts.extend(start + bisect_left(items, bucket << 32) for bucket in range(1 << low))
            packed.extend(map(_LOW_32.__and__, items))
        counts.append(len(packed))
        self._packed, self._at = packed, counts

    def __len__(self) -> int:
        return len(self._packed)

    def near(self, word: str) -> set[int]:
        """Indexes of words sharing a 1-deletion variant with `word`. Every query word of
        every lookup comes here, so the loop is flat: no generator, and an ASCII word's
        variants are cut from its bytes (their CRC-32 is that of the str variants encoded)."""
        packed, at, bits, bucket_bits = self._packed, self._at, self._word_bits, self._bucket_bits
        bucket_mask = (1 << bucket_bits) - 1
        keep = (1 << (32 - bits)) - 1
        mask, limit = (1 << bits) - 1, self._limit
        found: set[int] = set()
        for hashed in _variant_hashes(word):
            bucket = hashed & bucket_mask
            tag = (hashed >> bucket_bits) & keep
            end = at[bucket + 1]
            pos = bisect_left(packed, tag << bits, at[bucket], end)
            while pos < end:
                value = packed[pos]
                if value >> bits != tag:
                    break
                if value & mask < limit:
                    found.add(value & mask)
                pos += 1
        return found


def _variant_hashes(word: str) -> set[int]:
    """`stable_hash` of each of `deletions(word)`."""
    if word.isascii() and 1 < len(word) <= MAX_VARIANT_WORD:
        raw = word.encode("ascii")
        return {crc32(raw)} | {crc32(raw[:i] + raw[i + 1 :]) for i in range(len(raw))}
    return {stable_hash(variant) for variant in deletions(word)}


class PairIndex:
    """Names by each unordered pair of their words: the names containing two given words.

    Why: in a crowded base every first name, patronymic and surname has thousands of names,
    but two of a query's words together pick out a few; scoring those finds the meant name
    even when its rarest word alone is shared by more names than a lookup can score. Each
    (pair, name) costs 8 bytes: ``(pair key << entry bits) | entry`` in one sorted
    ``array('Q')``. The pair key is exact while ``nwords ** 2`` fits beside the entry bits and
    a modulus otherwise; a collision only adds candidates, which callers score.
    """

    __slots__ = ("_bits", "_key_mask", "_limit", "_nwords", "_packed")

    def __init__(self, nwords: int, nentries: int, words_of: Iterable[tuple[int, list[int]]]):
        bits = max(1, nentries.bit_length())
        self._bits, self._nwords = bits, max(1, nwords)
        self._limit = nentries  # entries are below it (checked when read from disk)
        self._key_mask = (1 << (64 - bits)) - 1
        values: list[int] = []
        add, nwords, key_mask = values.append, self._nwords, self._key_mask
        for entry, pids in words_of:
            if len(pids) < 2:
                continue
            for low, high in combinations(sorted(pids[:MAX_PAIR_WORDS]), 2):
                add((((low * nwords + high) & key_mask) << bits) | entry)
        values.sort()
        self._packed = array("Q", values)

    def __len__(self) -> int:
        return len(self._packed)

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Where the names containing both word ids are (two bisections, nothing copied)."""
        if a == b:
            return 0, 0
        if a > b:
            a, b = b, a
        bits, packed = self._bits, self._packed
        key = (a * self._nwords + b) & self._key_mask
        lo = bisect_left(packed, key << bits)
        return lo, bisect_left(packed, (key + 1) << bits, lo)

    def spans(self, pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
        """`span` of each pair, in one frame: a phrase asks for dozens at once."""
        bits, packed, nwords, key_mask = self._bits, self._packed, self._nwords, self._key_mask
        out = []
        for a, b in pairs:
            if a == b:
                out.append((0, 0))
                continue
            if a > b:
                a, b = b, a
            key = (a * nwords + b) & key_mask
            lo = bisect_left(packed, key << bits)
            out.append((lo, bisect_left(packed, (key + 1) << bits, lo)))
        return out

    def names(self, lo: int, hi: int) -> list[int]:
        """The entries of a span (and, rarely, of a hash-colliding pair)."""
        mask, limit = (1 << self._bits) - 1, self._limit
        return [value & mask for value in self._packed[lo:hi] if value & mask < limit]


class Strings:
    """Many short strings in one buffer plus offsets: no per-string object to keep in memory."""

    __slots__ = ("at", "buf")  # read directly in the hot loops of the search

    def __init__(self, items: list[str]) -> None:
        at = array("I", [0])
        total = 0
        for item in items:
            total += len(item) + 1
            at.append(total)
        self.buf = "\n".join(items) + "\n" if items else ""  # items never contain newlines
        self.at = at

    def __len__(self) -> int:
        return len(self.at) - 1

    def __getitem__(self, index: int) -> str:
        return self.buf[self.at[index] : self.at[index + 1] - 1]

    def span(self, lo: int, hi: int) -> list[str]:
        """Items lo..hi-1 as a list, split in C."""
        if lo >= hi:
            return []
        return self.buf[self.at[lo] : self.at[hi] - 1].split("\n")


class Sorted:
    """Bisection over strings kept in sorted order, directly or through `order` (positions
    into `strings`), every 16th kept in a list.

    The list is searched in C; the last few steps read the buffer inline, in one frame,
    since every lookup of a query word or key runs through here (a tenth of a fuzzy lookup
    when each step called a key function).
    """

    __slots__ = ("_n", "_order", "_sample", "_strings")

    def __init__(self, strings: Strings, order: array[int] | None = None) -> None:
        self._strings, self._order = strings, order
        self._n = len(strings) if order is None else len(order)
        self._sample = [self.key(i) for i in range(0, self._n, _SAMPLE_STEP)]

    def key(self, i: int) -> str:
        """The string at sorted position i."""
        return self._strings[i if self._order is None else self._order[i]]

    def left(self, x: str) -> int:
        """The first position whose string is >= x (like `bisect.bisect_left`)."""
        block = bisect_left(self._sample, x)
        if block == 0:
            return 0
        lo = (block - 1) * _SAMPLE_STEP + 1
        hi = min(self._n, block * _SAMPLE_STEP)
        buf, at, order = self._strings.buf, self._strings.at, self._order
        while lo < hi:
            mid = (lo + hi) >> 1
            j = mid if order is None else order[mid]
            if buf[at[j] : at[j + 1] - 1] < x:
                lo = mid + 1
            else:
                hi = mid
        return lo


class WordIds:
    """A word's number in a vocabulary by hashing, not bisection: every lookup asks for the
    numbers of its words and their respellings a dozen times or more.

    An open-addressing table of ``array('I')`` slots (a word's number + 1; 0 for empty), at
    most half full, keyed by the word's CRC-32 (stable across processes, so the table can
    be kept on disk), probed linearly. Usually one or two probes; never more than the table
    has slots, so words an editor made to collide (CRC-32 collisions are easy to make) cost
    slower lookups of those words, never a build that does not end, and a damaged table
    read from disk can only miss.
    """

    __slots__ = ("_mask", "_slots", "_words")

    def __init__(self, words: Strings, slots: array[int]) -> None:
        size = len(slots)
        if size < 2 or size & (size - 1) or len(slots) < len(words):
            raise ValueError("a word table's size is not a power of two above its words")
        self._words, self._slots, self._mask = words, slots, size - 1

    @classmethod
    def build(cls, words: Strings) -> WordIds:
        size = 4
        while size < 2 * len(words):
            size *= 2
        slots, mask = array("I", bytes(4 * size)), size - 1
        buf, at = words.buf, words.at
        for number in range(len(words)):
            slot = crc32(buf[at[number] : at[number + 1] - 1].encode("utf-8", "surrogatepass"))
            while slots[slot & mask]:  # at most half full: an empty slot comes
                slot += 1
            slots[slot & mask] = number + 1
        return cls(words, slots)

    @property
    def slots(self) -> array[int]:
        """The table as stored (bot/matching/serial.py)."""
        return self._slots

    def get(self, word: str) -> int | None:
        """The word's number, or None if the vocabulary does not hold it."""
        slots, mask = self._slots, self._mask
        buf, at = self._words.buf, self._words.at
        limit = len(at) - 1
        slot = crc32(word.encode("utf-8", "surrogatepass"))
        for _ in range(len(slots)):
            found = slots[slot & mask]
            if not found:
                return None
            found -= 1
            if found < limit and buf[at[found] : at[found + 1] - 1] == word:
                return found
            slot += 1
        return None


def postings(
    nwords: int, order: array[int], new_id: array[int], words: array[int], at: array[int] | None
) -> tuple[array[int], array[int]]:
    """Counting sort into CSR: for each word, the names (in `order`) that contain it.

    `words` holds temporary word ids, several per name delimited by `at`, or exactly one per
    name when `at` is None. Flat arrays only, so the build leaves no small objects behind.
    """
    counts = array("I", bytes(4 * (nwords + 1)))
    for word in words:
        counts[new_id[word] + 1] += 1
    for word in range(nwords):
        counts[word + 1] += counts[word]
    starts = array("I", counts)
    data = array("I", bytes(4 * len(words)))
    for name in order:
        if at is None:
            word = new_id[words[name]]
            data[counts[word]] = name
            counts[word] += 1
            continue
        for slot in range(at[name], at[name + 1]):
            word = new_id[words[slot]]
            data[counts[word]] = name
            counts[word] += 1
    return data, starts
