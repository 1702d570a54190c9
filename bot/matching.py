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

Index layout (built once, immutable): per name its text and phonetic key (parallel lists);
names sorted by phonetic key (for exact/folded/phonetic lookups by bisection); a vocabulary of
distinct phonetic words with postings (``array('I')`` of name ids, shortest names first) for
any-word and last-word hits; a 1-deletion neighbourhood of the vocabulary (hashes packed in one
sorted ``array('Q')``) that finds every word within one edit or transposition; and trigram
postings over the vocabulary for the wider, budgeted search. Fuzzy candidates are then scored
with rapidfuzz (OSA normalised similarity, which counts a transposition as one typo).
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from heapq import nlargest
from itertools import chain, islice
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.normalize import fold, phonetic_word

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

_MAX_QUERY_CHARS = 1_000  # longer input is not a name; fold at most this much of it
_MAX_QUERY_WORDS = 12
_MAX_QUERY_FOLDED = 200
_HASH_BITS = 40  # deletion-neighbourhood hash bits; the low 24 bits hold the word id
_WORD_BITS = 24
_WORD_MASK = (1 << _WORD_BITS) - 1
_HASH_MASK = (1 << _HASH_BITS) - 1

# Search budgets: they bound the work per lookup whatever the index size.
_WHOLE_CAP = 64  # entries sharing one phonetic key that we look at
_SUFFIX_SCAN = 512  # last-word postings scanned for word-suffix hits
_PREFIX_WORDS = 48  # vocabulary words taken for one prefix in `match`
_PREFIX_PER_WORD = 12  # postings taken per prefix word in `match`
_FUZZY_WORDS = 12  # best vocabulary words kept per query word
_FUZZY_PER_WORD = 24  # last-word postings taken per fuzzy word (single-word queries)
_MULTI_CANDIDATES = 400  # names scored for a multi-word fuzzy query
_TRIGRAM_BUDGET = 3_000  # postings elements counted per query word
_TRIGRAM_POOL = 48  # best trigram-count words rescored with rapidfuzz
_BAND_SCAN = 1_500  # vocabulary bands up to this size are scored directly instead
_RESCORE_TOP = 8  # multi-word fuzzy candidates rescored on folded text
_RESCORE_BAND = 15.0  # how far below the floor a phonetic score may be and still be rescored
_MIN_SPLIT = 3  # run-together queries are split only into words of at least this length


@dataclass(slots=True)
class _Hit:
    """Internal, mutable-free record of one matched name before it becomes a Candidate."""

    entry: int
    kid: int
    group: int
    tier: Tier
    score: float
    part: Part
    cover: float
    first: bool = False  # `complete`: the name starts with the query


def _trigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _deletions(word: str) -> set[str]:
    """The word and every string one deletion away: two words within one edit share one."""
    out = {word}
    if len(word) > 1:
        out.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return out


def _letters(key: str) -> int:
    return len(key) - key.count(" ")


class Matcher:
    """An immutable name index with `match` (decide) and `complete` (autocomplete)."""

    __slots__ = (
        "_by_phon",
        "_dele",
        "_ekey",
        "_ekind",
        "_fdele",
        "_fword_pid",
        "_fwords",
        "_keys",
        "_last",
        "_len_start",
        "_names_alpha",
        "_palpha",
        "_phon",
        "_post",
        "_pword_id",
        "_pwords",
        "_settings",
        "_text",
        "_tri",
    )

    def __init__(self, entries: Iterable[NameEntry], settings: MatchSettings | None = None) -> None:
        """Build every index once; the matcher is read-only afterwards (safe to share)."""
        self._settings = settings if settings is not None else MatchSettings()
        keys: list[str] = []
        key_ids: dict[str, int] = {}
        ekey = array("I")
        ekind = bytearray()
        texts: list[str] = []
        phons: list[str] = []
        fword_tmp: dict[str, int] = {}  # folded word -> temporary phonetic-word id
        pword_tmp: dict[str, int] = {}  # phonetic word -> temporary id
        tmp_words: list[str] = []  # temporary id -> phonetic word
        post_tmp: list[array[int]] = []
        last_tmp: list[array[int] | None] = []

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
                    pword = phonetic_word(word)
                    pid = pword_tmp.get(pword)
                    if pid is None:
                        pid = pword_tmp[pword] = len(tmp_words)
                        tmp_words.append(pword)
                        post_tmp.append(array("I"))
                        last_tmp.append(None)
                    fword_tmp[word] = pid
                pids.append(pid)
            kid = key_ids.get(entry.key)
            if kid is None:
                kid = key_ids[entry.key] = len(keys)
                keys.append(entry.key)
            index = len(texts)
            texts.append(entry.text)
            ekey.append(kid)
            ekind.append(_KIND_CODE[entry.kind])
            phons.append(" ".join([tmp_words[pid] for pid in pids]))
            for pid in dict.fromkeys(pids):
                post_tmp[pid].append(index)
            tail = last_tmp[pids[-1]]
            if tail is None:
                tail = last_tmp[pids[-1]] = array("I")
            tail.append(index)

        # Vocabulary ids ordered by (length, word): a length band is one contiguous id range.
        order = sorted(range(len(tmp_words)), key=lambda p: (len(tmp_words[p]), tmp_words[p]))
        new_id = array("I", bytes(4 * len(order)))
        for rank, old in enumerate(order):
            new_id[old] = rank
        self._pwords: list[str] = [tmp_words[old] for old in order]
        self._pword_id: dict[str, int] = {w: i for i, w in enumerate(self._pwords)}
        lengths = array("H", (len(p) for p in phons))
        by_len = lengths.__getitem__
        self._post: list[array[int]] = [
            array("I", sorted(post_tmp[old], key=by_len)) for old in order
        ]
        self._last: list[array[int] | None] = [
            None if last_tmp[old] is None else array("I", sorted(last_tmp[old], key=by_len))
            for old in order
        ]
        del post_tmp, last_tmp, lengths
        max_len = len(self._pwords[-1]) if self._pwords else 0
        starts = array("I", [0] * (max_len + 2))
        cursor = 0
        for length in range(max_len + 2):
            while cursor < len(self._pwords) and len(self._pwords[cursor]) < length:
                cursor += 1
            starts[length] = cursor
        self._len_start = starts
        self._palpha = array("I", sorted(range(len(self._pwords)), key=self._pwords.__getitem__))
        self._fwords: list[str] = sorted(fword_tmp)
        self._fword_pid = array("I", (new_id[fword_tmp[w]] for w in self._fwords))
        del fword_tmp, pword_tmp

        tri: dict[str, array[int]] = {}
        packed = array("Q")
        for pid, word in enumerate(self._pwords):
            for gram in _trigrams(word):
                bucket = tri.get(gram)
                if bucket is None:
                    bucket = tri[gram] = array("I")
                bucket.append(pid)
            for variant in _deletions(word):
                packed.append(((hash(variant) & _HASH_MASK) << _WORD_BITS) | pid)
        self._tri = tri
        self._dele = array("Q", sorted(set(packed)))
        packed = array("Q")
        for index, word in enumerate(self._fwords):
            for variant in _deletions(word):
                packed.append(((hash(variant) & _HASH_MASK) << _WORD_BITS) | index)
        self._fdele = array("Q", sorted(set(packed)))
        del packed

        self._keys: tuple[str, ...] = tuple(keys)
        self._ekey = ekey
        self._ekind = bytes(ekind)
        self._text = texts
        self._phon = phons
        self._by_phon = array("I", sorted(range(len(phons)), key=phons.__getitem__))
        names = [i for i in range(len(texts)) if ekind[i] == _KIND_CODE["name"]]
        names.sort(key=lambda i: (texts[i].casefold(), keys[ekey[i]]))
        self._names_alpha = array("I", names)

    # ----------------------------------------------------------------------------------------
    # public API

    @property
    def settings(self) -> MatchSettings:
        """The thresholds this matcher decides with."""
        return self._settings

    def __len__(self) -> int:
        return len(self._text)

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
        ok = self._gate(allowed)
        exact = " ".join(raw.split()).casefold()

        hits = self._whole_hits(phon, folded, exact, ok)
        if not hits:
            hits = self._suffix_hits(pwords, phon, folded, exact, ok)
            ranked = self._rank(hits)
            short = _letters(folded) < settings.short_query_len
            if short or not (len(ranked) == 1 and ranked[0].cover >= settings.suffix_cover):
                hits.extend(self._prefix_hits(fwords, pwords, ok, _PREFIX_WORDS, _PREFIX_PER_WORD))
                if not short:
                    hits.extend(self._fuzzy_hits(fwords, pwords, phon, ok))
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
        ok = self._gate(allowed)
        folded = fold(raw[:_MAX_QUERY_CHARS])
        if not folded:
            return self._first_names(limit, ok)
        fwords = folded.split(" ")
        if len(folded) > _MAX_QUERY_FOLDED or len(fwords) > _MAX_QUERY_WORDS:
            return []
        pwords = [phonetic_word(w) for w in fwords]
        phon = " ".join(pwords)
        per_word = max(_PREFIX_PER_WORD, limit)
        hits = self._prefix_hits(fwords, pwords, ok, max(_PREFIX_WORDS, 4 * limit), per_word, 1)
        exact = " ".join(raw.split()).casefold()
        for hit in hits:
            if hit.cover == 1.0 and self._phon[hit.entry] == phon:  # the whole name was typed
                hit.tier = self._tier(hit.entry, folded, exact, suffix=False)
                hit.part = "whole"
        out: list[Candidate] = []
        seen: set[int] = set()
        text_of, kinds = self._text, self._ekind

        def prefix_order(hit: _Hit) -> tuple[int, float, int, int, str, str]:
            return (
                not hit.first,
                -hit.cover,
                _TIER_RANK[hit.tier],
                kinds[hit.entry],
                text_of[hit.entry].casefold(),
                self._keys[hit.kid],
            )

        for hit in sorted(hits, key=prefix_order):
            if hit.kid not in seen:
                seen.add(hit.kid)
                out.append(self._candidate(hit))
                if len(out) >= limit:
                    return out
        if _letters(folded) >= self._settings.short_query_len:
            for hit in self._rank(self._fuzzy_hits(fwords, pwords, phon, ok)):
                if hit.kid not in seen:
                    seen.add(hit.kid)
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
        text = " ".join(self._text[entry].split()).casefold()
        if suffix:
            if text.endswith(" " + exact):
                return "exact"
            return "folded" if fold(self._text[entry]).endswith(" " + folded) else "phonetic"
        if text == exact:
            return "exact"
        return "folded" if fold(self._text[entry]) == folded else "phonetic"

    def _whole_hits(
        self, phon: str, folded: str, exact: str, ok: Callable[[int], bool]
    ) -> list[_Hit]:
        """Names whose phonetic key equals the query's: one bisection in the sorted key list."""
        by_phon, phons, ekey = self._by_phon, self._phon, self._ekey
        pos = bisect_left(by_phon, phon, key=phons.__getitem__)
        hits: list[_Hit] = []
        end = min(len(by_phon), pos + _WHOLE_CAP)
        while pos < end and phons[by_phon[pos]] == phon:
            entry = by_phon[pos]
            pos += 1
            kid = ekey[entry]
            if ok(kid):
                tier = self._tier(entry, folded, exact, suffix=False)
                hits.append(_Hit(entry, kid, _WHOLE, tier, 100.0, "whole", 1.0))
        return hits

    def _suffix_hits(
        self, pwords: list[str], phon: str, folded: str, exact: str, ok: Callable[[int], bool]
    ) -> list[_Hit]:
        """Longer names that end with the query's words: `lavrov` → "Sergei Lavrov"."""
        pid = self._pword_id.get(pwords[-1])
        postings = None if pid is None else self._last[pid]
        if postings is None:
            return []
        tail = " " + phon
        qletters = _letters(phon)
        phons, ekey = self._phon, self._ekey
        hits: list[_Hit] = []
        kids: set[int] = set()
        for entry in islice(postings, _SUFFIX_SCAN):
            name = phons[entry]
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
        fwords = self._fwords
        lo = bisect_left(fwords, fword)
        hi = bisect_left(fwords, fword + _TOP, lo)
        for i in range(lo, min(hi, lo + cap)):
            found[self._fword_pid[i]] = None
        palpha, pwords = self._palpha, self._pwords
        lo = bisect_left(palpha, pword, key=pwords.__getitem__)
        hi = bisect_left(palpha, pword + _TOP, lo, key=pwords.__getitem__)
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
        min_len: int = 2,
    ) -> list[_Hit]:
        """Names with a word starting with the query's last word and containing the others."""
        if len(fwords) == 1 and len(fwords[0]) < min_len:
            return []  # for `match`, one letter is not evidence of anything
        need = pwords[:-1]
        need_set = set(need)
        qletters = sum(len(w) for w in pwords)
        phons, ekey, post, vocab = self._phon, self._ekey, self._post, self._pwords
        hits: list[_Hit] = []
        for pid in self._prefix_words(fwords[-1], pwords[-1], word_cap):
            word = vocab[pid]
            for entry in islice(post[pid], per_word):
                name = phons[entry]
                words = name.split(" ")
                if need_set and not need_set.issubset(words):
                    continue
                kid = ekey[entry]
                if not ok(kid):
                    continue
                cover = min(1.0, qletters / _letters(name))
                first = words[: len(need)] == need and words[len(need) : len(need) + 1] == [word]
                hits.append(
                    _Hit(entry, kid, _PREFIX, "prefix", 100.0 * cover, "word", cover, first)
                )
        return hits

    @staticmethod
    def _neighbours(packed: array[int], word: str) -> Iterator[int]:
        """Ids stored under any 1-deletion variant of `word` (hash hits; callers verify)."""
        for variant in _deletions(word):
            base = (hash(variant) & _HASH_MASK) << _WORD_BITS
            lo = bisect_left(packed, base)
            hi = bisect_left(packed, base + (1 << _WORD_BITS), lo)
            for value in packed[lo:hi]:
                yield value & _WORD_MASK

    def _near_words(self, fword: str, pword: str) -> dict[int, float]:
        """Vocabulary words similar to a query word, as phonetic-word id -> similarity 0..1.

        The similarity is the better of the phonetic and the folded comparison, because a typo
        can be hidden or amplified by the phonetic rules (nazarblyev). Every word within one
        edit or transposition, in either form, comes from the deletion neighbourhoods; only if
        none of them is good enough to answer, trigram counting (budgeted) or a direct scan of
        a small length band looks further, down to the floor.
        """
        settings = self._settings
        cutoff = settings.floor / 100.0
        pwords, fwords, fword_pid = self._pwords, self._fwords, self._fword_pid
        found: dict[int, float] = {}
        for pid in self._neighbours(self._dele, pword):
            if pid not in found:
                found[pid] = _SIM(pword, pwords[pid], score_cutoff=cutoff)
        for index in set(self._neighbours(self._fdele, fword)):
            sim = _SIM(fword, fwords[index], score_cutoff=cutoff)
            pid = fword_pid[index]
            if sim > found.get(pid, 0.0):
                found[pid] = sim
        if any(score * 100.0 >= settings.answer_score for score in found.values()):
            return {pid: score for pid, score in found.items() if score}
        size = len(pword)
        top = len(self._len_start) - 1
        lo_len = max(1, math.ceil(size * cutoff))
        hi_len = math.floor(size / cutoff) + 1 if cutoff > 0 else top
        lo = self._len_start[min(lo_len, top)]
        hi = self._len_start[min(hi_len, top)]
        if hi - lo <= _BAND_SCAN:
            pool: Iterable[int] = range(lo, hi)
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
            chosen, total = [], 0
            for count, a, b, bucket in slices:  # rarest trigrams first, within the budget
                if total + count > _TRIGRAM_BUDGET and chosen:
                    break
                chosen.append(bucket[a:b])
                total += count
            counts = Counter(chain.from_iterable(chosen))
            if len(counts) > _TRIGRAM_POOL:
                pool = nlargest(_TRIGRAM_POOL, counts, key=counts.__getitem__)
            else:
                pool = list(counts)
        pool = [pid for pid in pool if pid not in found]
        if pool:
            for _, score, index in process.extract(
                pword,
                [pwords[pid] for pid in pool],
                scorer=_SIM,
                score_cutoff=cutoff,
                limit=_FUZZY_WORDS,
            ):
                found[pool[index]] = score
        return {pid: score for pid, score in found.items() if score}

    def _split(self, fword: str) -> tuple[list[str], list[str]] | None:
        """Split a run-together query (unitedstates, sergeiblavrov) into two known words."""
        vocab = self._pword_id
        for cut in range(_MIN_SPLIT, len(fword) - _MIN_SPLIT + 1):
            head = fword[:cut]
            for tail in (fword[cut:], fword[cut + 1 :]):  # a missing or a mistyped space
                if len(tail) < _MIN_SPLIT:
                    continue
                phead, ptail = phonetic_word(head), phonetic_word(tail)
                if phead in vocab and ptail in vocab:
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
            postings = self._last[pid]
            if postings is None:
                continue
            word_letters = len(self._pwords[pid])
            for entry in islice(postings, _FUZZY_PER_WORD):
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

    def _fuzzy_multi(
        self,
        fwords: list[str],
        pwords: list[str],
        phon: str,
        folded: str,
        ok: Callable[[int], bool],
        reorder: bool,
    ) -> list[_Hit]:
        """Several words: names from the postings of the rarest query word(s), then scored.

        Each name is scored on its whole phonetic key (in order and token-sorted, for "Lavrov
        Sergei") and on its word-suffix of the query's length; the closest few are rescored
        on folded text too, so a typo the phonetic rules amplify is not over-penalised.
        """
        settings = self._settings
        options: list[tuple[int, list[int]]] = []
        for fword, pword in zip(fwords, pwords, strict=True):
            if len(pword) >= 4:
                pids = list(self._near_words(fword, pword))
            else:
                exact_pid = self._pword_id.get(pword)
                pids = [] if exact_pid is None else [exact_pid]
            if pids:
                options.append((sum(len(self._post[p]) for p in pids), pids))
        options.sort(key=lambda option: option[0])
        pool: dict[int, None] = {}
        for _, pids in options[:2]:
            for pid in pids:
                pool.update(dict.fromkeys(islice(self._post[pid], _MULTI_CANDIDATES)))
        count = len(pwords)
        loose = max(0.0, settings.floor - _RESCORE_BAND) / 100.0
        ordered = " ".join(sorted(pwords))
        phons, ekey = self._phon, self._ekey
        scored: list[tuple[float, int, int, Part, float]] = []
        for entry in islice(pool, _MULTI_CANDIDATES * 2):
            kid = ekey[entry]
            if not ok(kid):
                continue
            name = phons[entry]
            words = name.split(" ")
            sim = _SIM(phon, name, score_cutoff=loose)
            if reorder and len(words) > 1:
                sim = max(sim, _SIM(ordered, " ".join(sorted(words)), score_cutoff=loose))
            part: Part = "whole"
            cover = 1.0
            if len(words) > count:
                suffix = " ".join(words[-count:])
                sim_suffix = _SIM(phon, suffix, score_cutoff=loose)
                if sim_suffix > sim:
                    sim, part, cover = sim_suffix, "suffix", _letters(suffix) / _letters(name)
            if sim:
                scored.append((sim, entry, kid, part, cover))
        scored.sort(key=lambda item: (-item[0], item[1]))
        hits: list[_Hit] = []
        for rank, (sim, entry, kid, part, cover) in enumerate(scored):
            if rank < _RESCORE_TOP:
                text = fold(self._text[entry])
                if part == "suffix":
                    text = " ".join(text.split(" ")[-count:])
                sim = max(sim, _SIM(folded, text))
            if sim * 100.0 >= settings.floor:
                hits.append(_Hit(entry, kid, _FUZZY, "fuzzy", 100.0 * sim, part, cover))
        return hits

    # ----------------------------------------------------------------------------------------
    # ranking and decision

    def _order(self, hit: _Hit) -> tuple[int, float, int, int, int, int, str, int]:
        return (
            hit.group,
            -round(hit.score, 6),
            _TIER_RANK[hit.tier],
            hit.part != "whole",
            self._ekind[hit.entry],
            len(self._text[hit.entry]),
            self._keys[hit.kid],
            hit.entry,
        )

    def _rank(self, hits: list[_Hit]) -> list[_Hit]:
        """Best hit per key, best keys first."""
        best: dict[int, _Hit] = {}
        for hit in sorted(hits, key=self._order):
            best.setdefault(hit.kid, hit)
        return list(best.values())

    def _candidate(self, hit: _Hit) -> Candidate:
        return Candidate(
            key=self._keys[hit.kid],
            matched=self._text[hit.entry],
            kind=_KINDS[self._ekind[hit.entry]],
            tier=hit.tier,
            score=round(hit.score, 1),
            part=hit.part,
        )

    def _decide(self, query: str, folded: str, hits: list[_Hit]) -> MatchResult:
        settings = self._settings
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
                reason = f"{len(rivals) + 1} keys share this name; not picking one silently"
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
                and hit.kid != best.kid
                and hit.score >= settings.answer_score
            ]
            if rivals:
                reason = f"{len(rivals) + 1} keys have a word starting with the query"
            elif short:
                reason = "a short query answers only on a whole name"
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
                reason = (
                    f"fuzzy score {best.score:.1f} >= {settings.answer_score:g} "
                    f"with lead {lead:.1f} >= {settings.margin:g}"
                )
        return MatchResult(query, decision, shown[0], shown, reason)

    def _same_initial(self, hit: _Hit, folded: str) -> bool:
        """Whether the query starts like the matched name (or its matched word-suffix)."""
        name = fold(self._text[hit.entry])
        if hit.part == "suffix":
            name = " ".join(name.split(" ")[-len(folded.split(" ")) :])
        return name[:1] == folded[:1]

    def _first_names(self, limit: int, ok: Callable[[int], bool]) -> list[Candidate]:
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


def _always(_kid: int) -> bool:
    return True
