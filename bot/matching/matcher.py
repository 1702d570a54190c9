"""Find the entity a user means from a messy name, or say that it is unsure.

Why: users type `lavrof`, `ksor`, `Serdiukov`, `Лавров`; the bot must find the right entity
despite typos, case, acronyms, transliteration variants and Cyrillic, but must never answer
confidently with the wrong one. So every lookup ends in a decision: "answer" (one entity),
"choose" (did you mean …) or "none", with ranked candidates and a one-line-per-candidate
explanation.

Tiers, strongest first (see `Matcher.match`):
  exact     the query equals a name/alias/id as written (case-insensitive)
  folded    equal after `fold` (Cyrillic, diacritics, punctuation, case)
  phonetic  equal after `phonetic` (Serdiukov = Serdyukov, Lavrof = Lavrov)
  prefix    the query's last word starts a word of the name (Nazarba → Nazarbayev)
  fuzzy     typo tolerance (queries of 5+ letters only), OSA similarity on phonetic keys
A query that equals the last words of a longer name (`lavrov` → "Sergei Lavrov") is a hit at
the exact/folded/phonetic tier on a *word-suffix* of the name (``Candidate.part == "suffix"``).

Index layout (built once, immutable, compact): the names' texts and phonetic keys (keys packed
in one string buffer); name ids sorted by phonetic key, for exact/folded/phonetic lookups by
bisection; a vocabulary of distinct phonetic words (and of folded words, for prefixes) with
postings in flat ``array('I')``s, shortest names first, for any-word and last-word hits; a
1-deletion neighbourhood of both vocabularies (4 bytes per variant) that finds every word within
one edit or transposition; the vocabulary by transliteration skeleton (`normalize.skeleton`:
Jemeljanow meets Yemelyanov); trigram postings over the phonetic vocabulary for the wider,
budgeted search when no word is that close; and the names by each pair of their words (8 bytes
a pair). Candidates are then scored with rapidfuzz (OSA normalised similarity, which counts a
transposition as one typo). A multi-word query is scored against the names that hold two of
its words or their near words, which narrows a crowded base (a thousand Aleksandrs, a thousand
Ivanoviches) to a few names; only when no two words meet in a name, against the names of its
rarest word.
"""

from __future__ import annotations

import math
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge.names import fold, phonetic_word, skeleton

__all__ = [
    "Candidate",
    "MatchResult",
    "MatchSettings",
    "Matcher",
    "NameEntry",
    "NameKind",
    "Tier",
]

_SIM = OSA.normalized_similarity  # one typo or transposition = one edit; 0..1

NameKind = Literal["id", "name", "alias"]
Tier = Literal["exact", "folded", "phonetic", "prefix", "fuzzy"]
Part = Literal["whole", "suffix", "word"]
Decision = Literal["answer", "choose", "none"]


@dataclass(frozen=True, slots=True)
class NameEntry:
    """One matchable string of an entity: its id, its display name or one of its aliases."""

    key: str
    text: str
    kind: NameKind


@dataclass(frozen=True, slots=True)
class Candidate:
    """One entity a query may mean, with the name that matched and how.

    ``score`` is 0..100. For whole-name exact/folded/phonetic hits it is 100; for fuzzy hits it
    is the OSA similarity of the phonetic keys; for word-suffix and prefix hits it is the share
    of the matched name's letters that the query covers (``lavrov`` covers 50 % of "Sergei
    Lavrov"), because that is what decides whether such a partial hit may be answered.
    ``part`` says which part of the name matched: the whole, a word-suffix, or a word prefix.
    """

    key: str
    matched: str
    kind: NameKind
    tier: Tier
    score: float
    part: Part = "whole"


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Decision thresholds; the defaults are tuned on the table in tests/test_matching.py.

    answer_score  fuzzy score needed to answer (83.3 = one typo in a six-letter word)
    margin        fuzzy lead needed over the best *different* key (a one-typo hit vs a two-typo
                  rival differs by at least 8.3 points for words of up to twelve letters)
    floor         fuzzy hits below this are not even offered as choices
    short_query_len  queries with fewer letters get no typo tolerance (SCO never becomes CSTO)
                  and answer only on a whole name (`VK` merely suggests VKO)
    max_choices   candidates returned by `match`
    suffix_cover  a word-suffix hit answers only if the query covers this share of the name
                  (`lavrov` 50 % of "Sergei Lavrov" answers, `asia` 36 % of "Central Asia" asks)
    prefix_cover  a prefix hit answers only if it covers this share of the name: `Nazarbay`
                  (89 %) answers; `Ulyanov` (78 % of Ulyanovsk, but Lenin's surname), `Tajik`
                  (50 %) and `Kazakh` (56 %) ask. A prefix covering c of a word is as far
                  from it as a fuzzy score of 100·c, so this mirrors answer_score.
    """

    answer_score: float = 83.0
    margin: float = 8.0
    floor: float = 70.0
    short_query_len: int = 5
    max_choices: int = 5
    suffix_cover: float = 0.5
    prefix_cover: float = 0.8

    def __post_init__(self) -> None:
        if not 0.0 <= self.floor <= self.answer_score <= 100.0:
            raise ValueError("need 0 <= floor <= answer_score <= 100")
        if self.max_choices < 1 or self.short_query_len < 0 or self.margin < 0:
            raise ValueError("max_choices >= 1, short_query_len >= 0 and margin >= 0 required")


@dataclass(frozen=True)
class MatchResult:
    """The outcome of one lookup; `reason` says in words why this decision was taken."""

    query: str
    decision: Decision
    best: Candidate | None
    candidates: tuple[Candidate, ...]
    reason: str = ""

    def explain(self) -> str:
        """One line per candidate (name, kind, tier, score) plus why the decision was taken."""
        quoted = f'"{_printable(self.query)}"'
        if not self.candidates:
            return f"{quoted} → nothing: {self.reason}"
        lines = []
        total = len(self.candidates)
        for rank, cand in enumerate(self.candidates):
            part = {"whole": "", "suffix": " on a word-suffix", "word": " on a word"}[cand.part]
            line = (
                f'{quoted} → {cand.key} via {cand.kind} "{_printable(cand.matched)}" '
                f"({cand.tier} tier{part}, score {cand.score:.1f})"
            )
            if self.decision == "answer":
                line += f": answered: {self.reason}" if rank == 0 else ": runner-up"
            else:
                line += f": choice {rank + 1} of {total}"
                if rank == 0:
                    line += f": {self.reason}"
            lines.append(line)
        return "\n".join(lines)


def _printable(text: str, limit: int = 80) -> str:
    """Keep explanations on one line and short whatever the user typed."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text[: limit + 1])
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


# Group of a hit, the first sort key: whole-name exact/folded/phonetic, word-suffix, prefix, fuzzy.
_WHOLE, _SUFFIX, _PREFIX, _FUZZY = 0, 1, 2, 3
_KINDS: tuple[NameKind, ...] = ("name", "alias", "id")  # index = stored code = rank
_KIND_CODE: dict[str, int] = {kind: code for code, kind in enumerate(_KINDS)}
_TIER_RANK: dict[str, int] = {"exact": 0, "folded": 1, "phonetic": 2, "prefix": 3, "fuzzy": 4}
_TOP = "\U0010ffff"  # sorts after every string that starts with the same prefix
_SAMPLE_STEP = 64  # every n-th sorted key kept as a str for C-speed bisection

_MAX_QUERY_CHARS = 1_000  # longer input is not a name; fold at most this much of it
_MAX_QUERY_WORDS = 12
_MAX_QUERY_FOLDED = 200

# Search budgets: they bound the work per lookup whatever the index size.
_SUFFIX_SCAN = 512  # last-word postings scanned for word-suffix hits
_PREFIX_WORDS = 48  # vocabulary words taken for one prefix in `match`
_PREFIX_PER_WORD = 12  # postings taken per prefix word in `match`
_PREFIX_HITS = 96  # prefix hits collected in `match` (plus 8 per requested completion)
_FUZZY_WORDS = 12  # best vocabulary words kept per query word
_FUZZY_PER_WORD = 24  # last-word postings taken per fuzzy word (single-word queries)
_NEAR_PER_WORD = 8  # nearest vocabulary words standing in for a misspelt word of a phrase
_MULTI_POOL = 256  # names taken from the rarest word when no pair of query words narrows
_PAIR_WORDS = 8  # words of a name indexed in pairs (names longer than this: their first 8)
_PAIR_OPTIONS = 4  # options per query word (the word, its nearest words) combined in pairs
_PAIR_POOL = 384  # names taken from the pair index for one multi-word query
_PAIR_ENOUGH = 4  # fewer pair hits than this: widen the search as if no pair had matched
_MULTI_KEEP = 24  # best-scoring names kept per comparison
_SUFFIX_OPTIONS = 3  # last-word candidates whose names are tried as word-suffix matches
_SUFFIX_PER_OPTION = 32  # names per such candidate
_TRIGRAM_BUDGET = 600  # vocabulary words scored per query word when no word is one edit away
_BAND_SCAN = 1_500  # vocabulary bands up to this size are scored directly instead
_RESCORE_TOP = 8  # multi-word fuzzy candidates rescored on folded text
_RESCORE_BAND = 15.0  # how far below the floor a phonetic score may be and still be rescored
_SKELETON_SIM = 0.86  # a word with the same transliteration skeleton counts as one typo away
_MIN_SPLIT = 3  # run-together queries are split only into words of at least this length


@dataclass(slots=True)
class _Hit:
    """Internal record of one matched name before it becomes a Candidate."""

    entry: int
    kid: int
    group: int
    tier: Tier
    score: float
    part: Part
    cover: float
    first: bool = False  # `complete`: the name starts with the query
    src: Matcher | None = None  # the layer the entry belongs to (None: the matcher asked)

    @property
    def uid(self) -> int:
        """The entity's number, distinct across layers (a layer numbers its own keys)."""
        return self.kid if self.src is None else -1 - self.kid


def _trigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _stable_hash(text: str, _crc32: Callable[[bytes], int] = zlib.crc32) -> int:
    return _crc32(text.encode("utf-8", "surrogatepass"))


def _deletions(word: str) -> set[str]:
    """The word and every string one deletion away: two words within one edit share one."""
    out = {word}
    if len(word) > 1:
        out.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return out


class _DeletionIndex:
    """Words by their 1-deletion variants: two words within one edit share a variant.

    Each (variant, word) pair costs 4 bytes: the variant's hash picks a bucket (offsets in
    `_at`) and the stored ``array('I')`` value is (more hash bits << word bits | word index),
    sorted within the bucket, so a lookup bisects a handful of values. Hash collisions only
    add candidates, which callers verify by scoring them. The hash is CRC-32, not `hash()`,
    which differs from process to process: the index can be kept on disk and read back.
    """

    __slots__ = ("_at", "_bucket_bits", "_packed", "_word_bits")

    def __init__(self, words: list[str]) -> None:
        word_bits = max(1, len(words).bit_length())
        if word_bits > 28:
            raise ValueError("vocabulary too large for the deletion index")
        bucket_bits = min(16, max(4, word_bits - 1))
        self._word_bits, self._bucket_bits = word_bits, bucket_bits
        low = bucket_bits - 4  # built in 16 slices, so temporaries stay small
        keep = (1 << (32 - word_bits)) - 1
        slices: list[array[int]] = [array("Q") for _ in range(16)]
        for index, word in enumerate(words):
            for variant in _deletions(word):
                hashed = _stable_hash(variant)
                bucket = hashed & ((1 << bucket_bits) - 1)
                value = (((hashed >> bucket_bits) & keep) << word_bits) | index
                slices[bucket >> low].append(((bucket & ((1 << low) - 1)) << 32) | value)
        packed = array("I")
        counts = array("I", bytes(4 * ((1 << bucket_bits) + 1)))
        for number, part in enumerate(slices):
            for item in sorted(set(part)):
                packed.append(item & 0xFFFFFFFF)
                counts[(number << low | item >> 32) + 1] += 1
            slices[number] = array("Q")
        for bucket in range(1 << bucket_bits):
            counts[bucket + 1] += counts[bucket]
        self._packed, self._at = packed, counts

    def near(self, word: str) -> Iterator[int]:
        """Indexes of words sharing a 1-deletion variant with `word` (may repeat)."""
        packed, at, bits = self._packed, self._at, self._word_bits
        bucket_mask = (1 << self._bucket_bits) - 1
        keep = (1 << (32 - bits)) - 1
        mask = (1 << bits) - 1
        for variant in _deletions(word):
            hashed = _stable_hash(variant)
            bucket = hashed & bucket_mask
            tag = (hashed >> self._bucket_bits) & keep
            end = at[bucket + 1]
            pos = bisect_left(packed, tag << bits, at[bucket], end)
            while pos < end:
                value = packed[pos]
                if value >> bits != tag:
                    break
                yield value & mask
                pos += 1


class _PairIndex:
    """Names by each unordered pair of their words: the names containing two given words.

    Why: in a crowded base every first name, patronymic and surname has thousands of names,
    but two of a query's words together pick out a few; scoring those finds the meant name
    even when its rarest word alone is shared by more names than a lookup can score. Each
    (pair, name) costs 8 bytes: ``(pair key << entry bits) | entry`` in one sorted
    ``array('Q')``. The pair key is exact while ``nwords ** 2`` fits beside the entry bits and
    a modulus otherwise; a collision only adds candidates, which callers score.
    """

    __slots__ = ("_bits", "_key_mask", "_nwords", "_packed")

    def __init__(self, nwords: int, nentries: int, words_of: Iterable[tuple[int, list[int]]]):
        bits = max(1, nentries.bit_length())
        self._bits, self._nwords = bits, max(1, nwords)
        self._key_mask = (1 << (64 - bits)) - 1
        values: list[int] = []
        for entry, pids in words_of:
            if len(pids) < 2:
                continue
            ordered = sorted(pids[:_PAIR_WORDS])
            for i, low in enumerate(ordered):
                base = low * self._nwords
                for high in ordered[i + 1 :]:
                    values.append((((base + high) & self._key_mask) << bits) | entry)
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

    def names(self, lo: int, hi: int) -> list[int]:
        """The entries of a span (and, rarely, of a hash-colliding pair)."""
        mask = (1 << self._bits) - 1
        return [value & mask for value in self._packed[lo:hi]]


class _Strings:
    """Many short strings in one buffer plus offsets: no per-string object to keep in memory."""

    __slots__ = ("_at", "_buf")

    def __init__(self, items: list[str]) -> None:
        at = array("I", [0])
        total = 0
        for item in items:
            total += len(item) + 1
            at.append(total)
        self._buf = "\n".join(items) + "\n" if items else ""  # items never contain newlines
        self._at = at

    def __len__(self) -> int:
        return len(self._at) - 1

    def __getitem__(self, index: int) -> str:
        return self._buf[self._at[index] : self._at[index + 1] - 1]

    def span(self, lo: int, hi: int) -> list[str]:
        """Items lo..hi-1 as a list, split in C."""
        if lo >= hi:
            return []
        return self._buf[self._at[lo] : self._at[hi] - 1].split("\n")


class _Sorted:
    """Bisection over n sorted strings read through `key(i)`, every 64th kept in a list.

    The list is searched in C, so only a handful of Python-level `key` calls remain.
    """

    __slots__ = ("_key", "_n", "_sample")

    def __init__(self, key: Callable[[int], str], n: int) -> None:
        self._key, self._n = key, n
        self._sample = [key(i) for i in range(0, n, _SAMPLE_STEP)]

    def left(self, x: str) -> int:
        """The first position whose string is >= x (like `bisect.bisect_left`)."""
        block = bisect_left(self._sample, x)
        if block == 0:
            return 0
        lo = (block - 1) * _SAMPLE_STEP + 1
        hi = min(self._n, block * _SAMPLE_STEP)
        return bisect_left(range(self._n), x, lo, hi, key=self._key)


def _postings(
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


def _name_words(
    phons: list[str], ekey: array[int], words: array[int], at: array[int], new_id: array[int]
) -> Iterator[tuple[int, list[int]]]:
    """Each name's word ids, once per entity and phonetic key (ids mostly repeat the name)."""
    current, seen = -1, set[str]()
    for entry, phon in enumerate(phons):
        if ekey[entry] != current:
            current, seen = ekey[entry], set()
        if phon not in seen:
            seen.add(phon)
            yield entry, [new_id[word] for word in words[at[entry] : at[entry + 1]]]


def _letters(key: str) -> int:
    return len(key) - key.count(" ")


class Matcher:
    """An immutable name index with `match` (decide) and `complete` (autocomplete)."""

    __slots__ = (
        "_by_phon",
        "_dele",
        "_delta",
        "_ekey",
        "_ekind",
        "_fdele",
        "_fword_pid",
        "_fword_sorted",
        "_fwords",
        "_keys",
        "_last",
        "_last_at",
        "_len_start",
        "_masked",
        "_names_alpha",
        "_pairs",
        "_palpha",
        "_phon",
        "_phon_sorted",
        "_post",
        "_post_at",
        "_pword_sorted",
        "_pwords",
        "_settings",
        "_size",
        "_skel",
        "_text",
        "_tri",
        "_whole_cap",
    )

    def __init__(self, entries: Iterable[NameEntry], settings: MatchSettings | None = None) -> None:
        """Build every index once; the matcher is read-only afterwards (safe to share)."""
        self._settings = settings if settings is not None else MatchSettings()
        # Namesakes looked at for one phonetic key: enough to fill the choices and say "more".
        self._whole_cap = 2 * self._settings.max_choices
        keys: list[str] = []
        key_ids: dict[str, int] = {}
        ekey = array("I")
        ekind = bytearray()
        texts: list[str] = []
        phons: list[str] = []  # packed into one buffer at the end
        fword_tmp: dict[str, int] = {}  # folded word -> temporary phonetic-word id
        pword_tmp: dict[str, int] = {}  # phonetic word -> temporary id
        tmp_words: list[str] = []  # temporary id -> phonetic word
        pairs = array("I")  # each name's distinct temporary word ids, name after name
        pairs_at = array("I", [0])
        last_word = array("I")  # each name's last temporary word id

        raw_phonetic = phonetic_word.__wrapped__  # keep the query-time cache out of the build
        for entry in entries:
            if entry.kind not in _KIND_CODE:
                raise ValueError(f"unknown name kind {entry.kind!r} for {entry.key!r}")
            folded = fold(entry.text)
            if not folded:
                continue
            pids: list[int] = []
            for word in folded.split(" "):
                pid = fword_tmp.get(word)
                if pid is None:
                    pword = raw_phonetic(word)
                    pid = pword_tmp.get(pword)
                    if pid is None:
                        pid = pword_tmp[pword] = len(tmp_words)
                        tmp_words.append(pword)
                    fword_tmp[word] = pid
                pids.append(pid)
            kid = key_ids.get(entry.key)
            if kid is None:
                kid = key_ids[entry.key] = len(keys)
                keys.append(entry.key)
            texts.append(entry.text)
            ekey.append(kid)
            ekind.append(_KIND_CODE[entry.kind])
            phons.append(" ".join([tmp_words[pid] for pid in pids]))
            pairs.extend(dict.fromkeys(pids))
            pairs_at.append(len(pairs))
            last_word.append(pids[-1])
        del key_ids, pword_tmp

        # Vocabulary ids ordered by (length, word): a length band is one contiguous id range.
        nwords = len(tmp_words)
        order = sorted(range(nwords), key=lambda p: (len(tmp_words[p]), tmp_words[p]))
        new_id = array("I", bytes(4 * nwords))
        for rank, old in enumerate(order):
            new_id[old] = rank
        pwords = [tmp_words[old] for old in order]
        tmp_words.clear()
        del order
        # Postings, one flat array per kind (CSR), each word's names shortest first.
        lengths = array("H", (min(len(p), 0xFFFF) for p in phons))
        shortest_first = array("I", sorted(range(len(phons)), key=lengths.__getitem__))
        del lengths
        self._post, self._post_at = _postings(nwords, shortest_first, new_id, pairs, pairs_at)
        self._last, self._last_at = _postings(nwords, shortest_first, new_id, last_word, None)

        self._pairs = _PairIndex(
            nwords, len(phons), _name_words(phons, ekey, pairs, pairs_at, new_id)
        )
        del shortest_first, pairs, pairs_at, last_word
        max_len = len(pwords[-1]) if pwords else 0
        starts = array("I", [0] * (max_len + 2))
        cursor = 0
        for length in range(max_len + 2):
            while cursor < nwords and len(pwords[cursor]) < length:
                cursor += 1
            starts[length] = cursor
        self._len_start = starts
        self._palpha = array("I", sorted(range(nwords), key=pwords.__getitem__))
        fwords = sorted(fword_tmp)
        self._fword_pid = array("I", (new_id[fword_tmp[w]] for w in fwords))
        skel: dict[str, set[int]] = {}
        for word, tmp in fword_tmp.items():
            if key := skeleton(word):
                skel.setdefault(key, set()).add(new_id[tmp])
        self._skel = {key: tuple(sorted(pids)) for key, pids in skel.items()}
        del skel
        del fword_tmp, new_id

        tri: dict[str, array[int]] = {}
        for pid, word in enumerate(pwords):
            for gram in _trigrams(word):
                bucket = tri.get(gram)
                if bucket is None:
                    bucket = tri[gram] = array("I")
                bucket.append(pid)
        self._tri = tri
        self._dele = _DeletionIndex(pwords)
        self._fdele = _DeletionIndex(fwords)
        # Short strings live in packed buffers: one object each instead of one per string.
        self._pwords = _Strings(pwords)
        self._fwords = _Strings(fwords)
        del pwords, fwords

        self._keys: tuple[str, ...] = tuple(keys)
        self._ekey = ekey
        self._ekind = bytes(ekind)
        self._text = texts
        self._by_phon = array("I", sorted(range(len(phons)), key=phons.__getitem__))
        self._phon = _Strings(phons)
        del phons
        self._sorted_views()
        name_code = _KIND_CODE["name"]
        alpha = [i for i in range(len(texts)) if ekind[i] == name_code]
        alpha.sort(key=lambda i: (texts[i].casefold(), keys[ekey[i]]))
        self._names_alpha = array("I", alpha)
        self._delta: Matcher | None = None
        self._masked: frozenset[int] = frozenset()
        self._size = len(texts)

    def entries(self) -> Iterator[NameEntry]:
        """The names this matcher finds, layers included."""
        kinds, keys, ekey = self._ekind, self._keys, self._ekey
        for entry, text in enumerate(self._text):
            if ekey[entry] not in self._masked:
                yield NameEntry(keys[ekey[entry]], text, _KINDS[kinds[entry]])
        if self._delta is not None:
            yield from self._delta.entries()

    def updated(self, keys: Iterable[str], entries: Iterable[NameEntry]) -> Matcher:
        """This index with the names of `keys` replaced by `entries` (those of the keys that
        still exist), without rebuilding it: the old names are masked and the new ones kept
        in a small second index, searched alongside. Why: rebuilding takes seconds at 100k
        entities, and adding an alias should not. Callers rebuild when the layer grows.
        """
        gone = set(keys)
        new = object.__new__(Matcher)
        for name in self.__slots__:
            setattr(new, name, getattr(self, name))
        kid_of = {key: kid for kid, key in enumerate(self._keys)}
        masked = set(self._masked)
        masked.update(kid_of[key] for key in gone if key in kid_of)
        new._masked = frozenset(masked)
        kept = [e for e in self._delta.entries() if e.key not in gone] if self._delta else []
        delta = Matcher([*kept, *entries], self._settings)
        new._delta = delta if len(delta) else None
        ekey = self._ekey
        hidden = sum(1 for kid in ekey if kid in masked) if masked else 0
        new._size = len(self._text) - hidden + len(delta)
        return new

    @property
    def layered(self) -> int:
        """How many names the second index holds (0 for a matcher built in one go)."""
        return 0 if self._delta is None else len(self._delta)

    _DERIVED = ("_phon_sorted", "_pword_sorted", "_fword_sorted")

    def __getstate__(self) -> dict[str, object]:
        """Everything but the bisection helpers, which hold functions and are cheap to redo."""
        return {name: getattr(self, name) for name in self.__slots__ if name not in self._DERIVED}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._sorted_views()

    def _sorted_views(self) -> None:
        by_phon, phon_of = self._by_phon, self._phon.__getitem__
        self._phon_sorted = _Sorted(lambda i: phon_of(by_phon[i]), len(by_phon))
        palpha, pword_of = self._palpha, self._pwords.__getitem__
        self._pword_sorted = _Sorted(lambda i: pword_of(palpha[i]), len(palpha))
        self._fword_sorted = _Sorted(self._fwords.__getitem__, len(self._fwords))

    def _pid(self, pword: str) -> int | None:
        """Vocabulary id of a phonetic word (bisection: no per-word dict to keep in memory)."""
        palpha, pwords = self._palpha, self._pwords
        pos = self._pword_sorted.left(pword)
        if pos < len(palpha) and pwords[palpha[pos]] == pword:
            return palpha[pos]
        return None

    def _postings(self, pid: int, cap: int) -> array[int]:
        """Names containing the word, shortest first, at most `cap` of them."""
        start = self._post_at[pid]
        return self._post[start : min(self._post_at[pid + 1], start + cap)]

    def _lasts(self, pid: int, cap: int) -> array[int]:
        """Names whose last word is the word, shortest first, at most `cap` of them."""
        start = self._last_at[pid]
        return self._last[start : min(self._last_at[pid + 1], start + cap)]

    # ----------------------------------------------------------------------------------------
    # public API

    @property
    def settings(self) -> MatchSettings:
        """The thresholds this matcher decides with."""
        return self._settings

    def __len__(self) -> int:
        return self._size

    def _layers(
        self, allowed: Callable[[str], bool] | None
    ) -> list[tuple[Matcher, Callable[[int], bool]]]:
        """Each layer with its gate: this index (its masked keys hidden), then the second."""
        ok = self._gate(allowed)
        if self._delta is None:
            return [(self, ok)]
        masked = self._masked
        return [
            (self, lambda kid: kid not in masked and ok(kid)),
            (self._delta, self._delta._gate(allowed)),
        ]

    @staticmethod
    def _collect(
        layers: list[_Layer],
        find: Callable[[Matcher, Callable[[int], bool]], list[_Hit]],
    ) -> list[_Hit]:
        """One tier's hits from every layer, each hit tagged with the layer it came from."""
        base, ok = layers[0]
        hits = find(base, ok)
        for layer, gate in layers[1:]:
            more = find(layer, gate)
            for hit in more:
                hit.src = layer
            hits.extend(more)
        return hits

    def match(self, query: str, *, allowed: Callable[[str], bool] | None = None) -> MatchResult:
        """Decide which entity `query` names: "answer", "choose" (up to max_choices) or "none".

        `allowed(key)` hides entities (visibility, type filters) before any decision is taken,
        so a hidden entity can neither be answered nor make a visible one ambiguous.
        """
        raw = query if isinstance(query, str) else ""
        settings = self._settings
        if len(raw) > _MAX_QUERY_CHARS:
            return MatchResult(raw, "none", None, (), "query is far too long to be a name")
        folded = fold(raw)
        if not folded:
            return MatchResult(raw, "none", None, (), "empty query")
        fwords = folded.split(" ")
        if len(folded) > _MAX_QUERY_FOLDED or len(fwords) > _MAX_QUERY_WORDS:
            return MatchResult(raw, "none", None, (), "query is too long to be a name")
        pwords = [phonetic_word(w) for w in fwords]
        phon = " ".join(pwords)
        layers = self._layers(allowed)
        exact = " ".join(raw.split()).casefold()

        collect = self._collect
        hits = collect(layers, lambda m, ok: m._whole_hits(phon, folded, exact, ok))
        if not hits:
            hits = collect(layers, lambda m, ok: m._suffix_hits(pwords, phon, folded, exact, ok))
            ranked = self._rank(hits)
            short = _letters(folded) < settings.short_query_len
            if short or not (len(ranked) == 1 and ranked[0].cover >= settings.suffix_cover):
                hits += collect(
                    layers,
                    lambda m, ok: m._prefix_hits(
                        fwords, pwords, ok, _PREFIX_WORDS, _PREFIX_PER_WORD, _PREFIX_HITS
                    ),
                )
                if not short:
                    hits += collect(layers, lambda m, ok: m._fuzzy_hits(fwords, pwords, phon, ok))
        return self._decide(raw, folded, hits)

    def complete(
        self,
        text: str,
        *,
        limit: int = 25,
        allowed: Callable[[str], bool] | None = None,
    ) -> list[Candidate]:
        """Autocomplete: prefix hits on any word of names/aliases first, then fuzzy; one per key.

        Names that start with the text come before names with a later word that does; empty
        text lists the first `limit` display names alphabetically.
        """
        if limit <= 0:
            return []
        raw = text if isinstance(text, str) else ""
        layers = self._layers(allowed)
        folded = fold(raw[:_MAX_QUERY_CHARS])
        if not folded:
            return self._first_names(limit, layers)
        fwords = folded.split(" ")
        if len(folded) > _MAX_QUERY_FOLDED or len(fwords) > _MAX_QUERY_WORDS:
            return []
        pwords = [phonetic_word(w) for w in fwords]
        phon = " ".join(pwords)
        per_word, most = max(_PREFIX_PER_WORD, limit), 4 * limit + _PREFIX_HITS // 2
        hits = self._collect(
            layers,
            lambda m, ok: m._prefix_hits(
                fwords, pwords, ok, max(_PREFIX_WORDS, 4 * limit), per_word, most, 1
            ),
        )
        exact = " ".join(raw.split()).casefold()
        for hit in hits:
            src = hit.src or self
            if hit.cover == 1.0 and src._phon[hit.entry] == phon:  # the whole name was typed
                hit.tier = src._tier(hit.entry, folded, exact, suffix=False)
                hit.part = "whole"
        out: list[Candidate] = []
        seen: set[int] = set()

        def prefix_order(hit: _Hit) -> tuple[int, float, int, int, str, str]:
            src = hit.src or self
            return (
                not hit.first,
                -hit.cover,
                _TIER_RANK[hit.tier],
                src._ekind[hit.entry],
                src._text[hit.entry].casefold(),
                src._keys[hit.kid],
            )

        for hit in sorted(hits, key=prefix_order):
            if hit.uid not in seen:
                seen.add(hit.uid)
                out.append(self._candidate(hit))
                if len(out) >= limit:
                    return out
        if _letters(folded) >= self._settings.short_query_len:
            fuzzy = self._collect(layers, lambda m, ok: m._fuzzy_hits(fwords, pwords, phon, ok))
            for hit in self._rank(fuzzy):
                if hit.uid not in seen:
                    seen.add(hit.uid)
                    out.append(self._candidate(hit))
                    if len(out) >= limit:
                        break
        return out

    # ----------------------------------------------------------------------------------------
    # tiers

    def _gate(self, allowed: Callable[[str], bool] | None) -> Callable[[int], bool]:
        """Wrap `allowed` so it is asked at most once per key and lookup."""
        if allowed is None:
            return _always
        keys = self._keys
        verdicts: dict[int, bool] = {}

        def ok(kid: int) -> bool:
            verdict = verdicts.get(kid)
            if verdict is None:
                verdict = verdicts[kid] = bool(allowed(keys[kid]))
            return verdict

        return ok

    def _tier(self, entry: int, folded: str, exact: str, suffix: bool) -> Tier:
        """Name the strongest tier at which the query equals the name (or its word-suffix)."""
        raw = self._text[entry]
        text = raw.casefold()
        if not suffix and text == exact:  # the common case, without re-splitting
            return "exact"
        text = " ".join(text.split())
        if text.endswith(" " + exact) if suffix else text == exact:
            return "exact"
        again = fold(raw)
        if again.endswith(" " + folded) if suffix else again == folded:
            return "folded"
        return "phonetic"

    def _whole_hits(
        self, phon: str, folded: str, exact: str, ok: Callable[[int], bool]
    ) -> list[_Hit]:
        """Names whose phonetic key equals the query's: one bisection in the sorted key list."""
        by_phon, phons, ekey = self._by_phon, self._phon, self._ekey
        pos = self._phon_sorted.left(phon)
        hits: list[_Hit] = []
        tiers: dict[str, Tier] = {}  # namesakes often share the very same text
        end = min(len(by_phon), pos + self._whole_cap)
        while pos < end and phons[by_phon[pos]] == phon:
            entry = by_phon[pos]
            pos += 1
            kid = ekey[entry]
            if ok(kid):
                text = self._text[entry]
                tier = tiers.get(text)
                if tier is None:
                    tier = tiers[text] = self._tier(entry, folded, exact, suffix=False)
                hits.append(_Hit(entry, kid, _WHOLE, tier, 100.0, "whole", 1.0))
        return hits

    def _suffix_hits(
        self, pwords: list[str], phon: str, folded: str, exact: str, ok: Callable[[int], bool]
    ) -> list[_Hit]:
        """Longer names that end with the query's words: `lavrov` → "Sergei Lavrov"."""
        pids = [self._pid(word) for word in pwords]
        if None in pids:
            return []  # a word no name has: no name can end with the query
        postings = self._lasts(pids[-1], _SUFFIX_SCAN)  # type: ignore[arg-type]
        for pid in pids[:-1]:  # scan the rarest word's names if that is fewer
            if self._post_at[pid + 1] - self._post_at[pid] < len(postings):  # type: ignore[operator]
                postings = self._postings(pid, _SUFFIX_SCAN)  # type: ignore[arg-type]
        tail = " " + phon
        qletters = _letters(phon)
        ekey = self._ekey
        buf, at = self._phon._buf, self._phon._at
        hits: list[_Hit] = []
        kids: set[int] = set()
        for entry in postings:
            name = buf[at[entry] : at[entry + 1] - 1]
            if len(name) <= len(tail) - 1 or not name.endswith(tail):
                continue
            kid = ekey[entry]
            if not ok(kid):
                continue
            cover = qletters / _letters(name)
            tier = self._tier(entry, folded, exact, suffix=True)
            hits.append(_Hit(entry, kid, _SUFFIX, tier, 100.0 * cover, "suffix", cover))
            kids.add(kid)
            if len(kids) > self._settings.max_choices:
                break  # postings are shortest-name first: later hits cover less
        return hits

    def _prefix_words(self, fword: str, pword: str, cap: int) -> dict[int, None]:
        """Vocabulary words starting with the folded or the phonetic form of the last word."""
        found: dict[int, None] = {}
        lo = self._fword_sorted.left(fword)
        hi = self._fword_sorted.left(fword + _TOP)
        for i in range(lo, min(hi, lo + cap)):
            found[self._fword_pid[i]] = None
        palpha = self._palpha
        lo = self._pword_sorted.left(pword)
        hi = self._pword_sorted.left(pword + _TOP)
        for i in range(lo, min(hi, lo + cap)):
            found[palpha[i]] = None
        return found

    def _prefix_hits(
        self,
        fwords: list[str],
        pwords: list[str],
        ok: Callable[[int], bool],
        word_cap: int,
        per_word: int,
        max_hits: int,
        min_len: int = 2,
    ) -> list[_Hit]:
        """Names with a word starting with the query's last word and containing the others.

        Bounded work: at most `word_cap` vocabulary words, `per_word` names each and
        `max_hits` hits in all (a two-letter prefix of a million names is only a suggestion).
        """
        if len(fwords) == 1 and len(fwords[0]) < min_len:
            return []  # for `match`, one letter is not evidence of anything
        need = pwords[:-1]
        qletters = sum(len(w) for w in pwords)
        phons, ekey, vocab = self._phon, self._ekey, self._pwords
        buf, at = phons._buf, phons._at
        hits: list[_Hit] = []
        starts = self._prefix_words(fwords[-1], pwords[-1], word_cap)
        if not need:
            for pid in starts:
                word = vocab[pid]
                for entry in self._postings(pid, per_word):
                    kid = ekey[entry]
                    if ok(kid):
                        name = buf[at[entry] : at[entry + 1] - 1]
                        cover = min(1.0, qletters / _letters(name))
                        first = name == word or name.startswith(word + " ")
                        hits.append(
                            _Hit(entry, kid, _PREFIX, "prefix", 100.0 * cover, "word", cover, first)
                        )
                if len(hits) >= max_hits:
                    break
            return hits
        # Several words: names containing every complete word, scanned from the rarest one.
        need_pids = [self._pid(word) for word in need]
        if None in need_pids or not starts:
            return []
        size = self._post_at
        rarest = min(need_pids, key=lambda p: size[p + 1] - size[p])  # type: ignore[operator]
        started = {vocab[pid] for pid in starts}
        need_set = set(need)
        cap = max(_SUFFIX_SCAN, per_word)
        scan: Iterable[int] = self._postings(rarest, cap)  # type: ignore[arg-type]
        if sum(size[p + 1] - size[p] for p in starts) < len(scan):  # type: ignore[arg-type]
            scan = dict.fromkeys(chain.from_iterable(self._postings(p, cap) for p in starts))
        for entry in scan:
            name = buf[at[entry] : at[entry + 1] - 1]
            words = name.split(" ")
            if not need_set.issubset(words) or started.isdisjoint(words):
                continue
            kid = ekey[entry]
            if ok(kid):
                cover = min(1.0, qletters / _letters(name))
                first = (
                    words[: len(need)] == need
                    and words[len(need) : len(need) + 1] != []
                    and (words[len(need)] in started)
                )
                hits.append(
                    _Hit(entry, kid, _PREFIX, "prefix", 100.0 * cover, "word", cover, first)
                )
                if len(hits) >= max_hits:
                    break
        return hits

    def _near_words(self, fword: str, pword: str, wide: bool = True) -> dict[int, float]:
        """Vocabulary words similar to a query word, as phonetic-word id -> similarity 0..1.

        The similarity is the better of the phonetic and the folded comparison, because a typo
        can be hidden or amplified by the phonetic rules (nazarblyev). Every word within one
        edit or transposition, in either form, comes from the deletion neighbourhoods; only if
        none of them is good enough to answer, the words sharing the query's rarest trigrams
        (a bounded number) or a whole small length band are scored, down to the floor.
        """
        settings = self._settings
        cutoff = settings.floor / 100.0
        pwords, fwords, fword_pid = self._pwords, self._fwords, self._fword_pid
        found: dict[int, float] = {}
        for pid in self._dele.near(pword):
            if pid not in found:
                found[pid] = _SIM(pword, pwords[pid], score_cutoff=cutoff)
        for index in set(self._fdele.near(fword)) if fword != pword else ():
            sim = _SIM(fword, fwords[index], score_cutoff=cutoff)
            pid = fword_pid[index]
            if sim > found.get(pid, 0.0):
                found[pid] = sim
        for pid in self._skel.get(skeleton(fword), ()):
            if pid not in found:  # another transliteration of the same word
                sim = _SIM(pword, pwords[pid])
                found[pid] = max(sim, _SKELETON_SIM) if sim >= cutoff else 0.0
        if not wide or any(score * 100.0 >= settings.answer_score for score in found.values()):
            return {pid: score for pid, score in found.items() if score}
        size = len(pword)
        top = len(self._len_start) - 1
        lo_len = max(1, math.ceil(size * cutoff))
        hi_len = math.floor(size / cutoff) + 1 if cutoff > 0 else top
        lo = self._len_start[min(lo_len, top)]
        hi = self._len_start[min(hi_len, top)]
        ids: Sequence[int]
        if hi - lo <= _BAND_SCAN:
            ids, choices = range(lo, hi), self._pwords.span(lo, hi)
        else:
            slices = []
            for gram in _trigrams(pword):
                bucket = self._tri.get(gram)
                if bucket is None:
                    continue
                a = bisect_left(bucket, lo)
                b = bisect_left(bucket, hi, a)
                if b > a:
                    slices.append((b - a, a, b, bucket))
            slices.sort(key=lambda item: item[0])
            union: set[int] = set()
            for count, a, b, bucket in slices:  # rarest trigrams first, within the budget
                if len(union) + count > _TRIGRAM_BUDGET and union:
                    break
                union.update(bucket[a:b])
            union.difference_update(found)
            ids = sorted(union)
            buf, at = pwords._buf, pwords._at
            choices = [buf[at[pid] : at[pid + 1] - 1] for pid in ids]
        for _, score, index in process.extract(
            pword, choices, scorer=_SIM, score_cutoff=cutoff, limit=_FUZZY_WORDS
        ):
            if ids[index] not in found:
                found[ids[index]] = score
        return {pid: score for pid, score in found.items() if score}

    def _split(self, fword: str) -> tuple[list[str], list[str]] | None:
        """Split a run-together query (unitedstates, sergeiblavrov) into two known words."""
        for cut in range(_MIN_SPLIT, len(fword) - _MIN_SPLIT + 1):
            head = fword[:cut]
            phead = phonetic_word(head)
            if self._pid(phead) is None:
                continue
            for tail in (fword[cut:], fword[cut + 1 :]):  # a missing or a mistyped space
                ptail = phonetic_word(tail)
                if len(tail) >= _MIN_SPLIT and self._pid(ptail) is not None:
                    return [head, tail], [phead, ptail]
        return None

    def _fuzzy_hits(
        self, fwords: list[str], pwords: list[str], phon: str, ok: Callable[[int], bool]
    ) -> list[_Hit]:
        """Typo-tolerant hits on whole names and word-suffixes (queries of 5+ letters)."""
        if len(pwords) > 1:
            return self._fuzzy_multi(fwords, pwords, phon, " ".join(fwords), ok, reorder=True)
        hits: list[_Hit] = []
        near = self._near_words(fwords[0], pwords[0])
        best = sorted(near.items(), key=lambda item: (-item[1], item[0]))[:_FUZZY_WORDS]
        phons, ekey = self._phon, self._ekey
        for pid, sim in best:
            word_letters = len(self._pwords[pid])
            for entry in self._lasts(pid, _FUZZY_PER_WORD):
                kid = ekey[entry]
                if not ok(kid):
                    continue
                name = phons[entry]
                if " " in name:
                    cover = word_letters / _letters(name)
                    hits.append(_Hit(entry, kid, _FUZZY, "fuzzy", 100.0 * sim, "suffix", cover))
                else:
                    hits.append(_Hit(entry, kid, _FUZZY, "fuzzy", 100.0 * sim, "whole", 1.0))
        if len(fwords[0]) >= 2 * _MIN_SPLIT and not any(
            h.score >= self._settings.answer_score for h in hits
        ):
            split = self._split(fwords[0])
            if split is not None:  # score against what was typed, so the lost space counts
                hits.extend(self._fuzzy_multi(*split, phon, fwords[0], ok, reorder=False))
        return hits

    def _word_options(self, fword: str, pword: str, wide: bool = True) -> list[int]:
        """The vocabulary word itself (if it exists) and its nearest words, best first.

        Near words are kept even when the word exists: "Olga Seryenko" may be a typo of
        "Olga Seryuenko" while another person really is called Seryenko.
        """
        pid = self._pid(pword)
        if len(pword) < 4:
            return [] if pid is None else [pid]
        near = self._near_words(fword, pword, wide=wide and pid is None)
        ranked = sorted(near.items(), key=lambda kv: (-kv[1], kv[0]))
        out = [] if pid is None else [pid]
        out.extend(other for other, _ in ranked[:_NEAR_PER_WORD] if other != pid)
        return out

    def _pair_pool(self, per_word: list[list[int]]) -> dict[int, None]:
        """Names containing two of the query's words (or their near words), best pairs first."""
        options = [pids[:_PAIR_OPTIONS] for pids in per_word[:_MAX_QUERY_WORDS]]
        span = self._pairs.span
        combos: list[tuple[int, int, int, int]] = []  # size, rank sum, span
        for i, first in enumerate(options):
            for second in options[i + 1 :]:
                for rank_a, a in enumerate(first):
                    for rank_b, b in enumerate(second):
                        lo, hi = span(a, b)
                        if hi > lo:
                            combos.append((hi - lo, rank_a + rank_b, lo, hi))
        combos.sort()  # the rarest pairs first: "Treaty of" says little, "of Kamino" much
        pool: dict[int, None] = {}
        names = self._pairs.names
        for size, _, lo, hi in combos:
            if len(pool) + size > _PAIR_POOL:
                if len(pool) >= _PAIR_ENOUGH:
                    continue  # a common pair ("of 2010") adds little to what rarer ones found
                hi = lo + _PAIR_POOL - len(pool)
            pool.update(dict.fromkeys(names(lo, hi)))
        return pool

    def _rarest_pool(self, per_word: list[list[int]]) -> dict[int, None]:
        """Names with the rarest of the query's words: the evidence when no two words meet."""
        size_of = self._post_at
        options = sorted(
            (sum(size_of[p + 1] - size_of[p] for p in pids), pids) for pids in per_word if pids
        )
        pool: dict[int, None] = {}
        for rank, (_, pids) in enumerate(options[:2]):
            cap = max(16, (_MULTI_POOL if rank == 0 else _MULTI_POOL // 4) // len(pids))
            for pid in pids:
                pool.update(dict.fromkeys(self._postings(pid, cap)))
        return pool

    def _fuzzy_multi(
        self,
        fwords: list[str],
        pwords: list[str],
        phon: str,
        folded: str,
        ok: Callable[[int], bool],
        reorder: bool,
    ) -> list[_Hit]:
        """Several words: names holding two of the query words (or the rarest one), scored.

        Names are scored in C by rapidfuzz on the whole phonetic key (in order, and
        token-sorted for "Lavrov Sergei") and, for names ending like the query, on the
        word-suffix of the query's length; the closest few are rescored on folded text too,
        so a typo that the phonetic rules amplify is not over-penalised.
        """
        settings = self._settings
        loose = max(0.0, settings.floor - _RESCORE_BAND) / 100.0
        words = list(zip(fwords, pwords, strict=True))
        # Cheap first: each word itself and its 1-edit kin, then names holding two of them.
        per_word = [self._word_options(fword, pword, wide=False) for fword, pword in words]
        pool = self._pair_pool(per_word)
        if len(pool) < _PAIR_ENOUGH:
            # Little evidence: look further for the words not found yet, and fall back on the
            # names of the rarest word(s) when no two words meet in a name.
            widened = False
            for number, (fword, pword) in enumerate(words):
                if not per_word[number] and len(pword) >= 4:
                    per_word[number] = self._word_options(fword, pword)
                    widened = widened or bool(per_word[number])
            if widened:
                pool.update(self._pair_pool(per_word))
            if len(pool) < _PAIR_ENOUGH:
                pool.update(self._rarest_pool(per_word))
        if not pool:
            return []
        last_options = per_word[-1]
        phons, ekey = self._phon, self._ekey
        buf, at = phons._buf, phons._at  # inlined `phons[entry]`: this is the hot loop
        ids = list(pool)
        names = [buf[at[entry] : at[entry + 1] - 1] for entry in ids]
        best = process.extract(phon, names, scorer=_SIM, score_cutoff=loose, limit=_MULTI_KEEP)
        if ok is not _always and not all(ok(ekey[ids[index]]) for _, _, index in best):
            # A hidden name is among the best (rare): score the visible ones only. Checking
            # the few best rather than the whole pool first saves a call per pooled name.
            ids = [entry for entry in ids if ok(ekey[entry])]
            names = [buf[at[entry] : at[entry + 1] - 1] for entry in ids]
            best = process.extract(phon, names, scorer=_SIM, score_cutoff=loose, limit=_MULTI_KEEP)
        found: dict[int, tuple[float, Part, float]] = {}
        for _, sim, index in best:
            found[ids[index]] = (sim, "whole", 1.0)
        if reorder and not any(
            sim * 100.0 >= settings.answer_score for sim, _, _ in found.values()
        ):
            for _, score, index in process.extract(
                phon,
                names,
                scorer=fuzz.token_sort_ratio,
                score_cutoff=100 * loose,
                limit=_MULTI_KEEP,
            ):
                entry = ids[index]
                if score / 100.0 > found.get(entry, (0.0,))[0] and ok(ekey[entry]):
                    found[entry] = (score / 100.0, "whole", 1.0)
        # Word-suffixes: names whose last word is (near) the query's last word.
        count = len(pwords)
        tails: list[int] = []
        suffixes: list[str] = []
        for pid in last_options[:_SUFFIX_OPTIONS]:
            for entry in self._lasts(pid, _SUFFIX_PER_OPTION):
                name = buf[at[entry] : at[entry + 1] - 1]
                if name.count(" ") >= count and ok(ekey[entry]):
                    tails.append(entry)
                    suffixes.append(" ".join(name.rsplit(" ", count)[1:]))
        for _, sim, index in process.extract(
            phon, suffixes, scorer=_SIM, score_cutoff=loose, limit=_MULTI_KEEP
        ):
            entry = tails[index]
            if sim > found.get(entry, (0.0,))[0]:
                found[entry] = (sim, "suffix", _letters(suffixes[index]) / _letters(phons[entry]))
        ranked = sorted(found.items(), key=lambda item: (-item[1][0], item[0]))[:_MULTI_KEEP]
        hits: list[_Hit] = []
        for rank, (entry, (sim, part, cover)) in enumerate(ranked):
            if rank < _RESCORE_TOP:
                text = fold(self._text[entry])
                if part == "suffix":
                    text = " ".join(text.split(" ")[-count:])
                sim = max(sim, _SIM(folded, text))
            if sim * 100.0 >= settings.floor:
                hits.append(_Hit(entry, ekey[entry], _FUZZY, "fuzzy", 100.0 * sim, part, cover))
        return hits

    # ----------------------------------------------------------------------------------------
    # ranking and decision

    def _order(self, hit: _Hit) -> tuple[int, float, int, int, int, int, str, int]:
        """Full ranking key: group, score, tier, whole before part, kind, shorter, key."""
        src = hit.src or self
        return (
            hit.group,
            -hit.score,
            _TIER_RANK[hit.tier],
            hit.part != "whole",
            src._ekind[hit.entry],
            len(src._text[hit.entry]),
            src._keys[hit.kid],
            hit.entry,
        )

    def _rank(self, hits: list[_Hit]) -> list[_Hit]:
        """Best hit per key, best keys first."""
        best: dict[int, tuple[tuple[int, float, int, bool, int, int], _Hit]] = {}
        for hit in hits:  # cheap key first: one survivor per key
            quick = (
                hit.group,
                -hit.score,
                _TIER_RANK[hit.tier],
                hit.part != "whole",
                (hit.src or self)._ekind[hit.entry],
                hit.entry,
            )
            uid = hit.uid
            held = best.get(uid)
            if held is None or quick < held[0]:
                best[uid] = (quick, hit)
        return sorted((hit for _, hit in best.values()), key=self._order)

    def _candidate(self, hit: _Hit) -> Candidate:
        src = hit.src or self
        return Candidate(
            key=src._keys[hit.kid],
            matched=src._text[hit.entry],
            kind=_KINDS[src._ekind[hit.entry]],
            tier=hit.tier,
            score=round(hit.score, 1),
            part=hit.part,
        )

    def _decide(self, query: str, folded: str, hits: list[_Hit]) -> MatchResult:
        settings = self._settings
        strong = {h.uid for h in hits if h.group == _FUZZY and h.score >= settings.answer_score}
        if strong:
            # A prefix too short of its name to be answered is weaker evidence than another
            # entity's whole name one typo away: "Filipp Andrejew" means Filipp Andreyev, not
            # the first half of "Filipp Andrejewitsch Kornejew". Such prefixes compete as fuzzy
            # hits, scored by how much of the name they cover.
            for hit in hits:
                weak = hit.group == _PREFIX and hit.cover < settings.prefix_cover
                if weak and hit.uid not in strong:
                    hit.group = _FUZZY
        ranked = self._rank(hits)
        if not ranked:
            if _letters(folded) < settings.short_query_len:
                reason = "no exact, transliterated or prefix hit (short query: no typo tolerance)"
            else:
                reason = f"no name within typo distance (fuzzy floor {settings.floor:g})"
            return MatchResult(query, "none", None, (), reason)
        shown = tuple(self._candidate(hit) for hit in ranked[: settings.max_choices])
        best = ranked[0]
        rivals = [hit for hit in ranked[1:] if hit.group == best.group]
        short = _letters(folded) < settings.short_query_len
        decision: Decision = "choose"
        if best.group == _WHOLE:
            if rivals:
                many = "at least " if len(ranked) >= self._whole_cap else ""
                reason = f"{many}{len(rivals) + 1} keys share this name; not picking one silently"
            else:
                decision, reason = "answer", "single key at a non-fuzzy tier"
        elif best.group == _SUFFIX:
            if rivals:
                reason = f"{len(rivals) + 1} keys have a name ending with the query"
            elif short:
                reason = "a short query answers only on a whole name"
            elif best.cover < settings.suffix_cover:
                reason = (
                    f"the query is only {best.cover:.0%} of the name "
                    f"(needs {settings.suffix_cover:.0%} to answer)"
                )
            else:
                decision = "answer"
                reason = f"single key whose name ends with the query ({best.cover:.0%} of it)"
        elif best.group == _PREFIX:
            strong_fuzzy = [
                hit
                for hit in ranked
                if hit.group == _FUZZY
                and hit.uid != best.uid
                and hit.score >= settings.answer_score
            ]
            if rivals:
                reason = f"{len(rivals) + 1} keys have a word starting with the query"
            elif short:
                reason = "a short query answers only on a whole name"
            elif len(ranked) == 1 and self._leading_words(best, folded):
                # `nursultan`, `shanghai cooperation`: whole words that begin one name and
                # no other name holds them or anything near them: one meaning, answered.
                decision = "answer"
                reason = (
                    "the query is the first whole words of this name, and no other name "
                    "holds them or a near variant"
                )
            elif best.cover < settings.prefix_cover:
                reason = (
                    f"prefix covers only {best.cover:.0%} of the name "
                    f"(needs {settings.prefix_cover:.0%} to answer)"
                )
            elif strong_fuzzy:
                reason = "a different key is a close typo match"
            else:
                decision = "answer"
                reason = f"single key with a word starting with the query ({best.cover:.0%})"
        else:
            # A rival counts only if it could itself be answered: a 31 % word-suffix of
            # "Government of Russia" does not make a typo of "Russia" ambiguous.
            runner = max(
                (
                    hit.score
                    for hit in ranked[1:]
                    if hit.part == "whole" or hit.cover >= settings.suffix_cover
                ),
                default=0.0,
            )
            lead = best.score - runner
            if best.score < settings.answer_score:
                reason = f"best fuzzy score {best.score:.1f} < {settings.answer_score:g} to answer"
            elif lead < settings.margin:
                reason = f"lead {lead:.1f} over the next key < margin {settings.margin:g}"
            elif best.part == "suffix" and best.cover < settings.suffix_cover:
                reason = f"the matched surname is only {best.cover:.0%} of the name"
            elif not self._same_initial(best, folded):
                reason = "the first letter differs, which typos rarely do (Prussia is not Russia)"
            else:
                decision = "answer"
                reason = f"fuzzy score {best.score:.1f} >= {settings.answer_score:g} " + (
                    f"with lead {lead:.1f} >= {settings.margin:g} over the next key"
                    if runner
                    else "and no other key within reach"
                )
        return MatchResult(query, decision, shown[0], shown, reason)

    def _leading_words(self, hit: _Hit, folded: str) -> bool:
        """Whether the query is the first whole words (not the whole) of the matched name,
        as written after folding: `Anatoly` is near "Anatoliy", not one of its words."""
        name = fold((hit.src or self)._text[hit.entry]).split(" ")
        query = folded.split(" ")
        return len(name) > len(query) and name[: len(query)] == query

    def _same_initial(self, hit: _Hit, folded: str) -> bool:
        """Whether the query starts like the matched name (or its matched word-suffix)."""
        name = fold((hit.src or self)._text[hit.entry])
        if hit.part == "suffix":
            name = " ".join(name.split(" ")[-len(folded.split(" ")) :])
        return name[:1] == folded[:1]

    def _first_names(self, limit: int, layers: list[_Layer]) -> list[Candidate]:
        out: list[Candidate] = []
        for layer, ok in layers:
            out += layer._first_names_here(limit, ok)
        if len(layers) > 1:
            out.sort(key=lambda c: (c.matched.casefold(), c.key))
        return out[:limit]

    def _first_names_here(self, limit: int, ok: Callable[[int], bool]) -> list[Candidate]:
        out: list[Candidate] = []
        seen: set[int] = set()
        for entry in islice(self._names_alpha, max(limit * 50, 10_000)):
            kid = self._ekey[entry]
            if kid in seen or not ok(kid):
                continue
            seen.add(kid)
            out.append(Candidate(self._keys[kid], self._text[entry], "name", "prefix", 0.0))
            if len(out) >= limit:
                break
        return out


_Layer = tuple["Matcher", Callable[[int], bool]]  # an index and the gate for its keys


def _always(_kid: int) -> bool:
    return True
