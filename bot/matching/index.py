"""The candidate index: every name of the fact base by the keys a lookup can meet it through.

Why: a lookup must find the few names a query could mean among half a million without looking
at each; so, built once per fact base and read-only afterwards (safe to share, kept on disk):
the names' texts and phonetic keys (packed in one string buffer); name ids sorted by phonetic
key, for exact/folded/phonetic lookups by bisection; a vocabulary of distinct phonetic words
(and of folded words, for prefixes) with postings in flat ``array('I')``s, shortest names
first, for any-word and last-word hits; a 1-deletion neighbourhood of both vocabularies (4
bytes per variant) that finds every word within one edit or transposition; the vocabulary by
transliteration skeleton (`skeleton`: Jemeljanow meets Yemelyanov); trigram postings over the
phonetic vocabulary for the wider, budgeted search when no word is that close; and the names
by each pair of their words (8 bytes a pair). What each key may cost is bounded in `keys`.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import Literal

from bot.knowledge.names import fold, phonetic_word, skeleton
from bot.matching.keys import MAX_PAIR_WORDS, trigrams
from bot.matching.packed import DeletionIndex, PairIndex, Sorted, Strings, WordIds, postings

__all__ = ["KINDS", "Gate", "Hidden", "NameEntry", "NameIndex", "NameKind", "always"]

NameKind = Literal["id", "name", "alias"]
KINDS: tuple[NameKind, ...] = ("name", "alias", "id")  # index = stored code = rank
_KIND_CODE: dict[str, int] = {kind: code for code, kind in enumerate(KINDS)}
_TOP = "\U0010ffff"  # sorts after every string that starts with the same prefix

Gate = Callable[[int], bool]  # whether a lookup may see a key, by the key's number in an index


def always(_kid: int) -> bool:
    """The gate of a lookup that hides nothing (searches skip their checks for it)."""
    return True


class Hidden:
    """`allowed` for a lookup that may see every key a matcher holds but these: what a fact
    base's own lookups pass (its restricted entities). A matcher answers it from key
    numbers worked out once, instead of asking about each key a lookup weighs."""

    __slots__ = ("keys",)

    def __init__(self, keys: frozenset[str]) -> None:
        self.keys = keys

    def __call__(self, key: str) -> bool:
        return key not in self.keys


@dataclass(frozen=True, slots=True)
class NameEntry:
    """One matchable string of an entity: its id, its display name or one of its aliases."""

    key: str
    text: str
    kind: NameKind


@dataclass(slots=True)
class _Draft:
    """What one pass over the entries collects, before it is packed into the index."""

    keys: list[str] = field(default_factory=list)
    ekey: array[int] = field(default_factory=lambda: array("I"))
    ekind: bytearray = field(default_factory=bytearray)
    texts: list[str] = field(default_factory=list)
    phons: list[str] = field(default_factory=list)
    fword_tmp: dict[str, int] = field(default_factory=dict)  # folded word -> temporary id
    tmp_words: list[str] = field(default_factory=list)  # temporary id -> phonetic word
    pairs: array[int] = field(default_factory=lambda: array("I"))  # distinct word ids per name
    pairs_at: array[int] = field(default_factory=lambda: array("I", [0]))
    last_word: array[int] = field(default_factory=lambda: array("I"))  # each name's last word


def _read(entries: Iterable[NameEntry]) -> _Draft:
    """One pass: fold each name, give its words temporary ids, note its key and kind."""
    draft = _Draft()
    key_ids: dict[str, int] = {}
    pword_tmp: dict[str, int] = {}  # phonetic word -> temporary id
    fword_tmp, tmp_words = draft.fword_tmp, draft.tmp_words
    raw_phonetic = phonetic_word.__wrapped__  # keep the query-time cache out of the build
    # An entity's id usually folds as its name does ("oksana-vorontsova"): its words once.
    last: tuple[str, list[int], str] = ("", [], "")
    kind_code, append_text, append_key = _KIND_CODE, draft.texts.append, draft.ekey.append
    for entry in entries:
        code = kind_code.get(entry.kind)
        if code is None:
            raise ValueError(f"unknown name kind {entry.kind!r} for {entry.key!r}")
        folded = fold(entry.text)
        if not folded:
            continue
        if folded == last[0]:
            pids, phon = last[1], last[2]
        else:
            pids = []
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
            phon = " ".join([tmp_words[pid] for pid in pids])
            last = (folded, pids, phon)
        kid = key_ids.get(entry.key)
        if kid is None:
            kid = key_ids[entry.key] = len(draft.keys)
            draft.keys.append(entry.key)
        append_text(entry.text)
        append_key(kid)
        draft.ekind.append(code)
        draft.phons.append(phon)
        draft.pairs.extend(dict.fromkeys(pids))
        draft.pairs_at.append(len(draft.pairs))
        draft.last_word.append(pids[-1])
    return draft


def _vocabulary(tmp_words: list[str]) -> tuple[array[int], list[str]]:
    """Vocabulary ids ordered by (length, word), so a length band is one contiguous id range:
    (temporary id -> final id, the words in final order)."""
    order = sorted(range(len(tmp_words)), key=lambda p: (len(tmp_words[p]), tmp_words[p]))
    new_id = array("I", bytes(4 * len(tmp_words)))
    for rank, old in enumerate(order):
        new_id[old] = rank
    return new_id, [tmp_words[old] for old in order]


def _name_words(
    phons: list[str], ekey: array[int], words: array[int], at: array[int], new_id: array[int]
) -> Iterator[tuple[int, list[int]]]:
    """Each name's word ids, once per entity and phonetic key (ids mostly repeat the name)."""
    current, seen = -1, set[str]()
    final = new_id.__getitem__
    for entry, (kid, phon) in enumerate(zip(ekey, phons, strict=True)):
        if kid != current:
            current, seen = kid, set()
        if phon not in seen:
            seen.add(phon)
            yield entry, list(map(final, words[at[entry] : at[entry + 1]]))


_SPACES_KEPT = bytes(b for b in range(256) if b not in b" \n")  # deleted: all but these
_MANY_SPACES = re.compile(b" {%d}" % MAX_PAIR_WORDS)


def _long_names(buf: str) -> frozenset[int]:
    """The line numbers of `buf` (a `Strings` buffer: one item a line) with at least
    MAX_PAIR_WORDS spaces: each line reduced to its spaces, then searched in C."""
    spaces = buf.encode("utf-8", "surrogatepass").translate(None, _SPACES_KEPT)
    out: set[int] = set()
    line = pos = 0
    for run in _MANY_SPACES.finditer(spaces):
        line += spaces.count(b"\n", pos, run.start())
        pos = run.start()
        out.add(line)
    return frozenset(out)


class NameIndex:
    """An immutable index of names; the search tiers read its fields, nothing writes them."""

    __slots__ = (
        "_long",
        "by_phon",
        "dele",
        "ekey",
        "ekind",
        "fdele",
        "fword_pid",
        "fword_sorted",
        "fwords",
        "keys",
        "last",
        "last_at",
        "names_alpha",
        "pairs",
        "palpha",
        "phon",
        "phon_sorted",
        "post",
        "post_at",
        "pword_ids",
        "pword_sorted",
        "pwords",
        "skel",
        "stored",
        "text",
        "tri",
    )
    # Rebuilt or dropped on unpickling; `stored`: where a restored index's parts lie in the
    # snapshot file it came from (bot/matching/serial.py), so a new one copies them.
    _DERIVED = ("phon_sorted", "pword_sorted", "fword_sorted", "stored", "_long")

    def __init__(self, entries: Iterable[NameEntry]) -> None:
        """Build every index once, each step dropping the temporaries it no longer needs."""
        draft = _read(entries)
        new_id, pwords = _vocabulary(draft.tmp_words)
        draft.tmp_words.clear()
        self._index_postings(draft, new_id, len(pwords))
        self._index_words(draft.fword_tmp, new_id, pwords)
        draft.fword_tmp.clear()
        self._index_names(draft)
        self._sorted_views()

    def _index_postings(self, draft: _Draft, new_id: array[int], nwords: int) -> None:
        """Postings, one flat array per kind (CSR), each word's names shortest first."""
        phons = draft.phons
        lengths = array("H", map(min, map(len, phons), repeat(0xFFFF)))
        shortest_first = array("I", sorted(range(len(phons)), key=lengths.__getitem__))
        del lengths
        self.post, self.post_at = postings(
            nwords, shortest_first, new_id, draft.pairs, draft.pairs_at
        )
        self.last, self.last_at = postings(nwords, shortest_first, new_id, draft.last_word, None)
        del shortest_first
        name_words = _name_words(phons, draft.ekey, draft.pairs, draft.pairs_at, new_id)
        self.pairs = PairIndex(nwords, len(phons), name_words)
        draft.pairs, draft.pairs_at, draft.last_word = array("I"), array("I"), array("I")

    def _index_words(
        self, fword_tmp: dict[str, int], new_id: array[int], pwords: list[str]
    ) -> None:
        """The vocabularies: sorted, by skeleton, by trigram and by 1-deletion variant."""
        nwords = len(pwords)
        self.palpha = array("I", sorted(range(nwords), key=pwords.__getitem__))
        fwords = sorted(fword_tmp)
        self.fword_pid = array("I", (new_id[fword_tmp[w]] for w in fwords))
        skel: dict[str, set[int]] = {}
        for word, tmp in fword_tmp.items():
            if key := skeleton(word):
                skel.setdefault(key, set()).add(new_id[tmp])
        self.skel = {key: tuple(sorted(pids)) for key, pids in skel.items()}
        del skel
        tri: dict[str, array[int]] = {}
        for pid, word in enumerate(pwords):
            for gram in trigrams(word):
                bucket = tri.get(gram)
                if bucket is None:
                    bucket = tri[gram] = array("I")
                bucket.append(pid)
        self.tri = tri
        self.dele = DeletionIndex(pwords)
        self.fdele = DeletionIndex(fwords)
        # Short strings live in packed buffers: one object each instead of one per string.
        self.pwords = Strings(pwords)
        self.fwords = Strings(fwords)
        self.pword_ids = WordIds.build(self.pwords)

    def _index_names(self, draft: _Draft) -> None:
        """The names themselves: texts, keys, kinds, by phonetic key and alphabetically."""
        keys, texts, ekey, ekind = draft.keys, draft.texts, draft.ekey, draft.ekind
        self.keys: tuple[str, ...] = tuple(keys)
        self.ekey = ekey
        self.ekind = bytes(ekind)
        self.text = texts
        phons = draft.phons
        self.by_phon = array("I", sorted(range(len(phons)), key=phons.__getitem__))
        self.phon = Strings(phons)
        draft.phons = []
        name_code = _KIND_CODE["name"]
        alpha = [i for i in range(len(texts)) if ekind[i] == name_code]
        alpha.sort(key=lambda i: (texts[i].casefold(), keys[ekey[i]]))
        self.names_alpha = array("I", alpha)

    def __len__(self) -> int:
        return len(self.text)

    def __getstate__(self) -> dict[str, object]:
        """Everything but the bisection helpers, which hold functions and are cheap to redo."""
        return {name: getattr(self, name) for name in self.__slots__ if name not in self._DERIVED}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._sorted_views()

    def _sorted_views(self) -> None:
        self._long: frozenset[int] | None = None  # `long_names`, found when first asked
        self.phon_sorted = Sorted(self.phon, self.by_phon)
        self.pword_sorted = Sorted(self.pwords, self.palpha)
        self.fword_sorted = Sorted(self.fwords)

    # ----------------------------------------------------------------------------------------
    # reading

    def entries(self, masked: frozenset[int] = frozenset()) -> Iterator[NameEntry]:
        """The names indexed, but those of the masked key numbers."""
        kinds, keys, ekey = self.ekind, self.keys, self.ekey
        for entry, text in enumerate(self.text):
            if ekey[entry] not in masked:
                yield NameEntry(keys[ekey[entry]], text, KINDS[kinds[entry]])

    def long_names(self) -> frozenset[int]:
        """The names of more than MAX_PAIR_WORDS words, whose later words the pair index does
        not hold: found once, from the phonetic keys' spaces alone (tens of ms at 100k)."""
        found = self._long
        if found is None:
            found = self._long = _long_names(self.phon.buf)
        return found

    def key_numbers(self, keys: Iterable[str]) -> dict[str, int]:
        """The numbers of those of these keys this index holds, each found through its id
        entry by one bisection (a fact base indexes every entity by its id); a key without
        one, by reading all keys once."""
        out: dict[str, int] = {}
        unseen: set[str] = set()
        id_code, by_phon, phons = _KIND_CODE["id"], self.by_phon, self.phon
        for key in keys:
            phon = " ".join(phonetic_word(word) for word in fold(key).split(" ") if word)
            pos = self.phon_sorted.left(phon)
            while pos < len(by_phon) and phons[by_phon[pos]] == phon:
                entry = by_phon[pos]
                pos += 1
                if self.ekind[entry] == id_code and self.keys[self.ekey[entry]] == key:
                    out[key] = self.ekey[entry]
                    break
            else:
                unseen.add(key)
        if unseen:
            out.update((key, kid) for kid, key in enumerate(self.keys) if key in unseen)
        return out

    def key_number(self) -> dict[str, int]:
        """Each key's number in this index."""
        return {key: kid for kid, key in enumerate(self.keys)}

    def pid(self, pword: str) -> int | None:
        """Vocabulary id of a phonetic word (a flat hash table: no per-word dict to keep in
        memory, and a lookup asks a dozen times or more)."""
        return self.pword_ids.get(pword)

    def postings(self, pid: int, cap: int) -> array[int]:
        """Names containing the word, shortest first, at most `cap` of them."""
        start = self.post_at[pid]
        return self.post[start : min(self.post_at[pid + 1], start + cap)]

    def lasts(self, pid: int, cap: int) -> array[int]:
        """Names whose last word is the word, shortest first, at most `cap` of them."""
        start = self.last_at[pid]
        return self.last[start : min(self.last_at[pid + 1], start + cap)]

    def posting_count(self, pid: int) -> int:
        """How many names contain the word."""
        return self.post_at[pid + 1] - self.post_at[pid]

    def length_start(self, length: int) -> int:
        """The first vocabulary id of a word of at least `length` letters (ids go by length)."""
        at = self.pwords.at
        return bisect_left(range(len(at) - 1), length, key=lambda i: at[i + 1] - at[i] - 1)

    def prefix_words(self, fword: str, pword: str, cap: int) -> dict[int, None]:
        """Vocabulary words starting with the folded or the phonetic form of the last word."""
        found: dict[int, None] = {}
        lo = self.fword_sorted.left(fword)
        hi = self.fword_sorted.left(fword + _TOP)
        for i in range(lo, min(hi, lo + cap)):
            found[self.fword_pid[i]] = None
        palpha = self.palpha
        lo = self.pword_sorted.left(pword)
        hi = self.pword_sorted.left(pword + _TOP)
        for i in range(lo, min(hi, lo + cap)):
            found[palpha[i]] = None
        return found

    def key_count(self) -> int:
        """How many keys the index stores (variants, trigrams, postings, pairs): a measure of
        the work and memory it cost, which must grow linearly with the names' length."""
        return (
            len(self.dele)
            + len(self.fdele)
            + sum(len(bucket) for bucket in self.tri.values())
            + len(self.post)
            + len(self.last)
            + len(self.pairs)
            + len(self.skel)
        )
