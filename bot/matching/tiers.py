"""The exact tiers of a lookup: whole names, word-suffixes and word prefixes.

Tiers, strongest first:
  exact     the query equals a name/alias/id as written (case-insensitive)
  folded    equal after `fold` (Cyrillic, diacritics, punctuation, case)
  phonetic  equal after `phonetic` (Serdiukov = Serdyukov, Lavrof = Lavrov)
  prefix    the query's last word starts a word of the name (Nazarba → Nazarbayev)
A query that equals the last words of a longer name (`lavrov` → "Sergei Lavrov") is a hit at
the exact/folded/phonetic tier on a *word-suffix* of the name (``Candidate.part == "suffix"``).
Typo tolerance, the last tier, is in `fuzzy`. Every search here is bounded by a budget, so a
lookup costs the same whatever the size of the fact base.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain, islice, product

from rapidfuzz.distance import OSA

from bot.knowledge.names import phonetic_word
from bot.matching.decide import (
    FUZZY,
    PREFIX,
    SUFFIX,
    WHOLE,
    Candidate,
    Hit,
    MatchSettings,
    Tier,
    is_acronym,
)
from bot.matching.index import Gate, NameIndex
from bot.matching.keys import letters
from bot.matching.narrowing import may_hold
from bot.matching.readings import folded_name, translit_key

__all__ = [
    "alike_hits",
    "first_names",
    "one_edit_hits",
    "prefix_hits",
    "respellings",
    "suffix_hits",
    "tier",
    "whole_hits",
]

SUFFIX_SCAN = 512  # last-word postings scanned for word-suffix hits
# Queries with more letters get no one-edit rival search (the rule was measured up to this).
ONE_EDIT_LETTERS = 40


def tier(ix: NameIndex, entry: int, folded: str, exact: str, suffix: bool) -> Tier:
    """Name the strongest tier at which the query equals the name (or its word-suffix)."""
    raw = ix.text[entry]
    text = raw.casefold()
    if not suffix and text == exact:  # the common case, without re-splitting
        return "exact"
    text = " ".join(text.split())
    if text.endswith(" " + exact) if suffix else text == exact:
        return "exact"
    again = folded_name(raw)
    if again.endswith(" " + folded) if suffix else again == folded:
        return "folded"
    return "phonetic"


def whole_hits(
    ix: NameIndex, phon: str, folded: str, exact: str, ok: Gate, settings: MatchSettings
) -> list[Hit]:
    """Names whose phonetic key equals the query's: one bisection in the sorted key list."""
    by_phon, phons, ekey = ix.by_phon, ix.phon, ix.ekey
    pos = ix.phon_sorted.left(phon)
    hits: list[Hit] = []
    tiers: dict[str, Tier] = {}  # namesakes often share the very same text
    end = min(len(by_phon), pos + settings.whole_cap)
    while pos < end and phons[by_phon[pos]] == phon:
        entry = by_phon[pos]
        pos += 1
        kid = ekey[entry]
        if ok(kid):
            text = ix.text[entry]
            found = tiers.get(text)
            if found is None:
                found = tiers[text] = tier(ix, entry, folded, exact, suffix=False)
            hits.append(Hit(ix, entry, kid, WHOLE, found, 100.0, "whole", 1.0))
    return hits


# the variants are seen once: keep them out of phonetic_word's cache of real words
def _near_pwords(ix: NameIndex, fword: str, pword: str) -> set[str]:
    """The phonetic words of the vocabulary words one edit from a query word, as written
    (the folded words one edit away) or as sounded (phonetic words one edit away): a name
    one typo from the query has one of them where the query has this word. From the
    deletion indexes (tens of words), not the query's ~50 variants per letter."""
    pwords, fword_pid = ix.pwords, ix.fword_pid
    out = {pwords[pid] for pid in ix.dele.near(pword)}
    out.update(pwords[fword_pid[index]] for index in ix.fdele.near(fword))
    return out


def one_edit_hits(
    ix: NameIndex, folded: str, phon: str, ok: Gate, settings: MatchSettings
) -> list[Hit]:
    """Whole names one typo from the query as written (after `fold`) or once transliterations
    are read alike (`translit_key`), whatever their phonetic key: the rivals of a sound-alike
    hit. `Ygor` reads as Igor but is one letter from Yegor; `Jana Wolkowa` reads as Zhanna
    Volkova (zh = j) but is Yana Volkova in German; `VSSeSI` reads as VSESI (doubled letters
    collapse) but is one letter from VSSSI. Found by the phonetic keys of the query's
    one-edit variants (one bisection each), then checked.
    Only for queries of at most ONE_EDIT_LETTERS letters (the rule was measured so)."""
    if letters(folded) > ONE_EDIT_LETTERS:
        return []
    words = folded.split(" ")
    pwords = phon.split(" ")
    keys: set[str] = set()
    for i, word in enumerate(words):
        head, tail = " ".join(pwords[:i]), " ".join(pwords[i + 1 :])
        for middle in _near_pwords(ix, word, pwords[i]):
            keys.add(" ".join(part for part in (head, middle, tail) if part))
    keys.discard(phon)
    typed = translit_key(folded)
    hits: list[Hit] = []
    for entry, kid in _named(ix, keys, ok, settings):
        written = folded_name(ix.text[entry])
        if OSA.distance(written, folded, score_cutoff=1) <= 1 or (
            OSA.distance(translit_key(written), typed, score_cutoff=1) <= 1
        ):
            score = 100.0 * (1.0 - 1.0 / max(len(written), len(folded)))
            hits.append(Hit(ix, entry, kid, FUZZY, "fuzzy", score, "whole", 1.0))
    return hits


def _named(
    ix: NameIndex, keys: Iterable[str], ok: Gate, settings: MatchSettings
) -> Iterator[tuple[int, int]]:
    """(entry, key number) of the allowed names with one of these phonetic keys, at most
    `whole_cap` names a key."""
    by_phon, phons, ekey = ix.by_phon, ix.phon, ix.ekey
    for key in keys:
        pos = ix.phon_sorted.left(key)
        end = min(len(by_phon), pos + settings.whole_cap)
        while pos < end and phons[by_phon[pos]] == key:
            entry = by_phon[pos]
            pos += 1
            if ok(ekey[entry]):
                yield entry, ekey[entry]


# Spellings one transliteration system gives a sound and another system another letter for,
# which the phonetic key keeps apart (it merges zh/j, kh/h, ts/c, y/i, w/v itself): German
# s, sch, tsch, ch, j for з, ш, ч, х, й; scholarly x for х. sh, zh and ts are matched
# whole so that their s, z and h are not respelt.
_RESPELL = re.compile(r"tsch|shch|sch|sh|zh|ch|kh|ts|x|s|z|j")
_RESPELT: dict[str, tuple[str, ...]] = {
    "tsch": ("ch",),
    "sch": ("sh",),
    "ch": ("kh",),
    "kh": ("ch",),
    "x": ("kh",),
    "s": ("z",),
    "z": ("s",),
    "j": ("y",),
}
RESPELLINGS = 128  # at most this many spellings of one query are looked up


def respellings(folded: str, cap: int = RESPELLINGS) -> list[str]:
    """The query as other transliteration systems may have written the same sounds
    (`eduard sasonow` → `eduard sazonow`), at most `cap`, the query itself first."""
    parts = _RESPELL.split(folded)
    found = _RESPELL.findall(folded)
    options = [(token, *_RESPELT.get(token, ())) for token in found]
    out: list[str] = []
    for choice in islice(product(*options), cap):
        out.append("".join(chain.from_iterable(zip(parts, (*choice, ""), strict=True))))
    return out


def alike_hits(ix: NameIndex, folded: str, ok: Gate, settings: MatchSettings) -> list[Hit]:
    """Whole names that read as the query once transliterations are read alike
    (`translit_key`), found by the phonetic keys of its respellings: what a typo answer must
    not overlook (`Eduard Sasonow` is Sazonov in German, one letter from Samsonov too).
    Names of several words only, as `decide` answers a transliteration only for those (one
    word, `Sorin` or `Zorin`, is too little to tell apart), and never an acronym's letters."""
    if " " not in folded:
        return []
    typed = translit_key(folded)
    hits: list[Hit] = []
    for entry, kid in _named(ix, _respelt_keys(ix, folded), ok, settings):
        name = ix.text[entry]
        if not is_acronym(name) and translit_key(folded_name(name)) == typed:
            hits.append(Hit(ix, entry, kid, FUZZY, "fuzzy", 100.0, "whole", 1.0))
    return hits


def _respelt_keys(ix: NameIndex, folded: str) -> Iterator[str]:
    """The phonetic keys of the query's respellings that some name may have: each word's
    respellings whose phonetic word is in the vocabulary, combined (at most RESPELLINGS).
    A key with a word no name has cannot be a name's, so a query of many respellable
    letters (`Anastasija Rajewskaja`: 128 spellings) costs a few lookups, not 128."""
    options: list[list[str]] = []
    for word in folded.split(" "):
        pwords = dict.fromkeys(phonetic_word(spelling) for spelling in respellings(word))
        known = [pword for pword in pwords if ix.pid(pword) is not None]
        if not known:
            return iter(())
        options.append(known)
    return (" ".join(key) for key in islice(product(*options), RESPELLINGS))


def suffix_hits(
    ix: NameIndex,
    pwords: list[str],
    phon: str,
    folded: str,
    exact: str,
    ok: Gate,
    settings: MatchSettings,
) -> list[Hit]:
    """Longer names that end with the query's words: `lavrov` → "Sergei Lavrov"."""
    pids = _known_pids(ix, pwords)
    if pids is None:
        return []  # a word no name has: no name can end with the query
    postings = ix.lasts(pids[-1], SUFFIX_SCAN)
    scanned = pids[-1]
    for pid in pids[:-1]:  # scan the rarest word's names if that is fewer
        if ix.posting_count(pid) < len(postings):
            postings = ix.postings(pid, SUFFIX_SCAN)
            scanned = pid
    tail = " " + phon
    qletters = letters(phon)
    ekey = ix.ekey
    buf, at = ix.phon.buf, ix.phon.at
    hits: list[Hit] = []
    kids: set[int] = set()
    for entry in may_hold(ix, postings, pids, scanned=scanned):
        start, end = at[entry], at[entry + 1] - 1  # read in the buffer, cut only if a hit
        if end - start <= len(tail) - 1 or not buf.endswith(tail, start, end):
            continue
        kid = ekey[entry]
        if not ok(kid):
            continue
        cover = qletters / letters(buf[start:end])
        found = tier(ix, entry, folded, exact, suffix=True)
        hits.append(Hit(ix, entry, kid, SUFFIX, found, 100.0 * cover, "suffix", cover))
        kids.add(kid)
        if len(kids) > settings.max_choices:
            break  # postings are shortest-name first: later hits cover less
    return hits


def prefix_hits(
    ix: NameIndex,
    fwords: list[str],
    pwords: list[str],
    ok: Gate,
    word_cap: int,
    per_word: int,
    max_hits: int,
    min_len: int = 2,
) -> list[Hit]:
    """Names with a word starting with the query's last word and containing the others.

    Bounded work: at most `word_cap` vocabulary words, `per_word` names each and
    `max_hits` hits in all (a two-letter prefix of a million names is only a suggestion).
    """
    if len(fwords) == 1 and len(fwords[0]) < min_len:
        return []  # for `match`, one letter is not evidence of anything
    if len(pwords) == 1:
        starts = ix.prefix_words(fwords[-1], pwords[-1], word_cap)
        return _prefix_of_one_word(ix, pwords, ok, starts, per_word, max_hits)
    need_pids = _known_pids(ix, pwords[:-1])
    if need_pids is None:
        return []  # a complete word no name has (a typo): no name holds it
    starts = ix.prefix_words(fwords[-1], pwords[-1], word_cap)
    return _prefix_of_many_words(ix, pwords, need_pids, ok, starts, per_word, max_hits)


def _known_pids(ix: NameIndex, pwords: list[str]) -> list[int] | None:
    """Each word's vocabulary id, or None as soon as one word is in no name (then no name
    holds the phrase, and the other words need not be looked up)."""
    pids: list[int] = []
    for word in pwords:
        pid = ix.pid(word)
        if pid is None:
            return None
        pids.append(pid)
    return pids


def _prefix_of_one_word(
    ix: NameIndex,
    pwords: list[str],
    ok: Gate,
    starts: dict[int, None],
    per_word: int,
    max_hits: int,
) -> list[Hit]:
    """One word: the names of each vocabulary word it starts, shortest names first."""
    qletters = sum(len(w) for w in pwords)
    ekey, vocab = ix.ekey, ix.pwords
    buf, at = ix.phon.buf, ix.phon.at
    hits: list[Hit] = []
    for pid in starts:
        word = vocab[pid]
        for entry in ix.postings(pid, per_word):
            kid = ekey[entry]
            if ok(kid):
                name = buf[at[entry] : at[entry + 1] - 1]
                cover = min(1.0, qletters / letters(name))
                first = name == word or name.startswith(word + " ")
                hits.append(
                    Hit(ix, entry, kid, PREFIX, "prefix", 100.0 * cover, "word", cover, first)
                )
        if len(hits) >= max_hits:
            break
    return hits


def _prefix_of_many_words(
    ix: NameIndex,
    pwords: list[str],
    need_pids: list[int],
    ok: Gate,
    starts: dict[int, None],
    per_word: int,
    max_hits: int,
) -> list[Hit]:
    """Several words: names containing every complete word (`need_pids`, all in the
    vocabulary), scanned from the rarest one."""
    need = pwords[:-1]
    if not starts:
        return []
    qletters = sum(len(w) for w in pwords)
    ekey, vocab = ix.ekey, ix.pwords
    buf, at = ix.phon.buf, ix.phon.at
    rarest = min(need_pids, key=ix.posting_count)
    started = {vocab[pid] for pid in starts}
    need_set = set(need)
    cap = max(SUFFIX_SCAN, per_word)
    scan = ix.postings(rarest, cap)
    if sum(ix.posting_count(p) for p in starts) < len(scan):
        held = _held_by_starts(ix, starts, need_pids, cap)
    else:
        held = may_hold(ix, scan, need_pids, list(starts), rarest)
    hits: list[Hit] = []
    for entry in held:
        name = buf[at[entry] : at[entry + 1] - 1]
        words = name.split(" ")
        if not need_set.issubset(words) or started.isdisjoint(words):
            continue
        kid = ekey[entry]
        if ok(kid):
            cover = min(1.0, qletters / letters(name))
            first = (
                words[: len(need)] == need
                and words[len(need) : len(need) + 1] != []
                and (words[len(need)] in started)
            )
            hits.append(Hit(ix, entry, kid, PREFIX, "prefix", 100.0 * cover, "word", cover, first))
            if len(hits) >= max_hits:
                break
    return hits


def _held_by_starts(
    ix: NameIndex, starts: dict[int, None], need_pids: list[int], cap: int
) -> Iterable[int]:
    """The names of the started words' postings, in that order and each once, that may hold
    every needed word. Each word's names are narrowed on their own, as names that all hold
    that word (`may_hold`'s `scanned`): the pair index then says which hold the needed
    words too, where the needed words' own postings are too many to say it (`Matvej
    Nefëdov`: 150 Nefedovs, 2,500 Matveis). Every name kept before is kept, in its place."""
    held: dict[int, None] = {}
    for pid in starts:
        names = ix.postings(pid, cap)
        held.update(dict.fromkeys(may_hold(ix, names, need_pids, (), pid)))
    return held


def first_names(ix: NameIndex, limit: int, ok: Gate) -> list[Candidate]:
    """The first display names in alphabetical order, one per key (completing empty text)."""
    out: list[Candidate] = []
    seen: set[int] = set()
    for entry in islice(ix.names_alpha, max(limit * 50, 10_000)):
        kid = ix.ekey[entry]
        if kid in seen or not ok(kid):
            continue
        seen.add(kid)
        out.append(Candidate(ix.keys[kid], ix.text[entry], "name", "prefix", 0.0))
        if len(out) >= limit:
            break
    return out
