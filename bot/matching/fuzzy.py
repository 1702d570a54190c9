"""The typo tier: names within a few typos of the query (queries of 5+ letters only).

Why: users type `lavorv`, `Serdiukov`, `Jaroslaw Kozlow`. Query words are first matched to
vocabulary words: every word within one edit or transposition (the deletion neighbourhoods),
every other transliteration (the skeleton), and only if none is close enough, a bounded
trigram or length-band search. Names are then scored with rapidfuzz (OSA normalised
similarity, which counts a transposition as one typo). A multi-word query is scored against
the names that hold two of its words or their near words, which narrows a crowded base (a
thousand Aleksandrs, a thousand Ivanoviches) to a few names; only when no two words meet in a
name, against the names of its rarest word.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import TypeVar

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge.names import phonetic_word, skeleton
from bot.matching.decide import FUZZY, Hit, MatchSettings, Part
from bot.matching.index import Gate, NameIndex, always
from bot.matching.keys import MAX_QUERY_WORDS, letters, trigrams
from bot.matching.readings import folded_name

__all__ = ["fuzzy_hits", "near_words"]

SIM = OSA.normalized_similarity  # one typo or transposition = one edit; 0..1

# Search budgets: they bound the work per lookup whatever the index size.
_FUZZY_WORDS = 12  # best vocabulary words kept per query word
_FUZZY_PER_WORD = 24  # last-word postings taken per fuzzy word (single-word queries)
_NEAR_PER_WORD = 8  # nearest vocabulary words standing in for a misspelt word of a phrase
_MULTI_POOL = 256  # names taken from the rarest word when no pair of query words narrows
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

_Found = dict[int, tuple[float, Part, float]]  # entry -> (similarity, part, cover)
_T = TypeVar("_T")


def near_words(
    ix: NameIndex, fword: str, pword: str, settings: MatchSettings, wide: bool = True
) -> dict[int, float]:
    """Vocabulary words similar to a query word, as phonetic-word id -> similarity 0..1
    (see `_near`)."""
    return _near(ix, fword, pword, settings, wide, kin=False)[0]


def _near(
    ix: NameIndex,
    fword: str,
    pword: str,
    settings: MatchSettings,
    wide: bool,
    kin: bool,
    own: int | None = -1,
    seen: dict[str, dict[int, float]] | None = None,
) -> tuple[dict[int, float], bool]:
    """Vocabulary words similar to a query word, as phonetic-word id -> similarity 0..1.

    The similarity is the better of the phonetic and the folded comparison, because a typo
    can be hidden or amplified by the phonetic rules (nazarblyev). Every word within one
    edit or transposition, in either form, comes from the deletion neighbourhoods; only if
    none of them is good enough to answer, the words sharing the query's rarest trigrams
    (a bounded number) or a whole small length band are scored, down to the floor.
    With `kin`, every other transliteration (same skeleton) is kept, at the floor if its
    phonetic form is further: `nadeschda` and `nadejda` (Надежда) are far as phonetic keys.
    Also says whether the trigram budget cut the search (a near word may be missing).
    `own`: the query word's own vocabulary id or None, if the caller knows it already;
    `seen`: the words one edit away found for this word by an earlier, narrower search of
    the same lookup (by folded word), filled in if not.
    """
    cutoff = settings.floor / 100.0
    close = seen.get(fword) if seen is not None else None
    if close is None:
        close = _close(ix, fword, pword, cutoff, kin, own)
        if seen is not None:
            seen[fword] = close
    found = dict(close)
    cut = False
    if wide and not any(score * 100.0 >= settings.answer_score for score in found.values()):
        cut = _band_words(ix, pword, cutoff, found)
    return {pid: score for pid, score in found.items() if score}, cut


def _close(
    ix: NameIndex, fword: str, pword: str, cutoff: float, kin: bool, own: int | None
) -> dict[int, float]:
    """`_near`'s words within one edit, either form, and other transliterations: each with
    its similarity, or 0 where it is below the cutoff (so a wider search skips it)."""
    pbuf, pat = ix.pwords.buf, ix.pwords.at  # `ix.pwords[pid]` inlined: a word per candidate
    fbuf, fat, fword_pid = ix.fwords.buf, ix.fwords.at, ix.fword_pid
    found = {  # `near` gives each word once
        pid: SIM(pword, pbuf[pat[pid] : pat[pid + 1] - 1], score_cutoff=cutoff)
        for pid in ix.dele.near(pword)
    }
    # The folded forms too, even when the query word is its own phonetic form, unless it is
    # a word of some name: a name's word may not be ("akstonov" is one typo from
    # "aksyonov", whose phonetic key is "axionov").
    folded_too = fword != pword or (ix.pid(pword) if own == -1 else own) is None
    for index in ix.fdele.near(fword) if folded_too else ():
        sim = SIM(fword, fbuf[fat[index] : fat[index + 1] - 1], score_cutoff=cutoff)
        pid = fword_pid[index]
        if sim > found.get(pid, 0.0):
            found[pid] = sim
    for pid in ix.skel.get(skeleton(fword), ()):
        if pid not in found:  # another transliteration of the same word
            sim = SIM(pword, pbuf[pat[pid] : pat[pid + 1] - 1])
            found[pid] = max(sim, _SKELETON_SIM) if sim >= cutoff else cutoff if kin else 0.0
    return found


def _band_words(ix: NameIndex, pword: str, cutoff: float, found: dict[int, float]) -> bool:
    """Add the best words of similar length: all of a small band, else by rarest trigrams;
    say whether the trigram budget left words sharing a trigram unscored."""
    size = len(pword)
    lo = ix.length_start(max(1, math.ceil(size * cutoff)))
    hi = ix.length_start(math.floor(size / cutoff) + 1) if cutoff > 0 else len(ix.pwords)
    ids: Sequence[int]
    cut = False
    if hi - lo <= _BAND_SCAN:
        ids, choices = range(lo, hi), ix.pwords.span(lo, hi)
    else:
        slices = []
        for gram in trigrams(pword):
            bucket = ix.tri.get(gram)
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
                cut = True
                break
            union.update(bucket[a:b])
        union.difference_update(found)
        ids = sorted(union)
        buf, at = ix.pwords.buf, ix.pwords.at
        choices = [buf[at[pid] : at[pid + 1] - 1] for pid in ids]
    for _, score, index in process.extract(
        pword, choices, scorer=SIM, score_cutoff=cutoff, limit=_FUZZY_WORDS
    ):
        if ids[index] not in found:
            found[ids[index]] = score
    return cut


def _split(ix: NameIndex, fword: str) -> tuple[list[str], list[str]] | None:
    """Split a run-together query (unitedstates, sergeiblavrov) into two known words."""
    for cut in range(_MIN_SPLIT, len(fword) - _MIN_SPLIT + 1):
        head = fword[:cut]
        phead = phonetic_word(head)
        if ix.pid(phead) is None:
            continue
        for tail in (fword[cut:], fword[cut + 1 :]):  # a missing or a mistyped space
            ptail = phonetic_word(tail)
            if len(tail) >= _MIN_SPLIT and ix.pid(ptail) is not None:
                return [head, tail], [phead, ptail]
    return None


def fuzzy_hits(
    ix: NameIndex,
    fwords: list[str],
    pwords: list[str],
    phon: str,
    ok: Gate,
    settings: MatchSettings,
) -> list[Hit]:
    """Typo-tolerant hits on whole names and word-suffixes (queries of 5+ letters)."""
    if len(pwords) > 1:
        return _fuzzy_multi(ix, fwords, pwords, phon, " ".join(fwords), ok, settings, True)
    hits: list[Hit] = []
    near = _near(ix, fwords[0], pwords[0], settings, wide=True, kin=True)[0]
    best = sorted(near.items(), key=lambda item: (-item[1], item[0]))[:_FUZZY_WORDS]
    phons, ekey = ix.phon, ix.ekey
    for pid, sim in best:
        word_letters = len(ix.pwords[pid])
        for entry in ix.lasts(pid, _FUZZY_PER_WORD):
            kid = ekey[entry]
            if not ok(kid):
                continue
            name = phons[entry]
            if " " in name:
                cover = word_letters / letters(name)
                hits.append(Hit(ix, entry, kid, FUZZY, "fuzzy", 100.0 * sim, "suffix", cover))
            else:
                hits.append(Hit(ix, entry, kid, FUZZY, "fuzzy", 100.0 * sim, "whole", 1.0))
    if len(fwords[0]) >= 2 * _MIN_SPLIT and not any(h.score >= settings.answer_score for h in hits):
        split = _split(ix, fwords[0])
        if split is not None:  # score against what was typed, so the lost space counts
            hits.extend(_fuzzy_multi(ix, *split, phon, fwords[0], ok, settings, False))
    return hits


def _word_options(
    ix: NameIndex,
    fword: str,
    pword: str,
    settings: MatchSettings,
    wide: bool = True,
    seen: dict[str, dict[int, float]] | None = None,
) -> tuple[list[int], bool]:
    """The vocabulary word itself (if it exists) and its nearest words, best first; and
    whether a budget cut the search for near words.

    Near words are kept even when the word exists: "Olga Seryenko" may be a typo of
    "Olga Seryuenko" while another person really is called Seryenko.
    """
    pid = ix.pid(pword)
    if len(pword) < 4:
        return ([] if pid is None else [pid]), False
    near, cut = _near(ix, fword, pword, settings, wide and pid is None, True, pid, seen)
    ranked = _best_first(near.items())
    out = [] if pid is None else [pid]
    out.extend(other for other, _ in ranked[:_NEAR_PER_WORD] if other != pid)
    return out, cut


def _best_first(
    items: Iterable[tuple[int, _T]],
    score: Callable[[tuple[int, _T]], float] = itemgetter(1),
) -> list[tuple[int, _T]]:
    """(id, value) items by descending score, ties by ascending id: the order sorting by
    (-score, id) gives, without a tuple made per item: sorted by id (ids are distinct), then
    by score, which keeps tied items in id order (a sort is stable, reversed too). A phrase
    ranks its words' near words and dozens of names so."""
    return sorted(sorted(items), key=score, reverse=True)


def _similarity(item: tuple[int, tuple[float, Part, float]]) -> float:
    """The score of a `_Found` item."""
    return item[1][0]


def _pair_pool(ix: NameIndex, per_word: list[list[int]]) -> dict[int, None]:
    """Names containing two of the query's words (or their near words), best pairs first."""
    options = [pids[:_PAIR_OPTIONS] for pids in per_word[:MAX_QUERY_WORDS]]
    asked = [
        (rank_a + rank_b, a, b)
        for i, first in enumerate(options)
        for second in options[i + 1 :]
        for rank_a, a in enumerate(first)
        for rank_b, b in enumerate(second)
    ]
    spans = ix.pairs.spans((a, b) for _, a, b in asked)
    combos = [  # size, rank sum, span
        (hi - lo, ranks, lo, hi)
        for (ranks, _, _), (lo, hi) in zip(asked, spans, strict=True)
        if hi > lo
    ]
    combos.sort()  # the rarest pairs first: "Treaty of" says little, "of Kamino" much
    pool: dict[int, None] = {}
    names = ix.pairs.names
    for size, _, lo, hi in combos:
        if len(pool) + size > _PAIR_POOL:
            if len(pool) >= _PAIR_ENOUGH:
                continue  # a common pair ("of 2010") adds little to what rarer ones found
            hi = lo + _PAIR_POOL - len(pool)
        pool.update(dict.fromkeys(names(lo, hi)))
    return pool


def _rarest_pool(ix: NameIndex, per_word: list[list[int]]) -> tuple[dict[int, None], bool]:
    """Names with the rarest of the query's words: the evidence when no two words meet;
    and whether a budget left some of them out (names a lookup has not seen)."""
    options = sorted((sum(ix.posting_count(p) for p in pids), pids) for pids in per_word if pids)
    pool: dict[int, None] = {}
    capped = False
    for rank, (_, pids) in enumerate(options[:2]):
        cap = max(16, (_MULTI_POOL if rank == 0 else _MULTI_POOL // 4) // len(pids))
        for pid in pids:
            pool.update(dict.fromkeys(ix.postings(pid, cap)))
            capped = capped or ix.posting_count(pid) > cap
    return pool, capped


def _multi_pool(
    ix: NameIndex, words: list[tuple[str, str]], settings: MatchSettings
) -> tuple[dict[int, None], list[list[int]], bool]:
    """The names worth scoring for a phrase, each word's vocabulary options, and whether a
    budget cut the names (then a name not scored may be as close as the best one scored)."""
    # Cheap first: each word itself and its 1-edit kin, then names holding two of them.
    seen: dict[str, dict[int, float]] = {}  # each word's close words, for the wider search
    per_word = [_word_options(ix, f, p, settings, False, seen)[0] for f, p in words]
    pool = _pair_pool(ix, per_word)
    capped = False
    if len(pool) < _PAIR_ENOUGH:
        # Little evidence: look further for the words not found yet, and fall back on the
        # names of the rarest word(s) when no two words meet in a name.
        widened = False
        for number, (fword, pword) in enumerate(words):
            if not per_word[number] and len(pword) >= 4:
                per_word[number], cut = _word_options(ix, fword, pword, settings, True, seen)
                widened = widened or bool(per_word[number])
                capped = capped or cut
        if widened:
            pool.update(_pair_pool(ix, per_word))
        if len(pool) < _PAIR_ENOUGH:
            more, cut = _rarest_pool(ix, per_word)
            pool.update(more)
            # Names of a common word were left out while another word matched nothing
            # in the vocabulary: the name it misspells may be among those left out.
            missing = any(
                not pids and len(p) >= 4 for pids, (_, p) in zip(per_word, words, strict=True)
            )
            capped = capped or (cut and missing)
    return pool, per_word, capped


def _score_pool(
    ix: NameIndex, pool: dict[int, None], phon: str, ok: Gate, loose: float
) -> tuple[_Found, list[int], list[str]]:
    """Score the pooled names on the whole phonetic key: (best found, names scored, keys)."""
    ekey = ix.ekey
    buf, at = ix.phon.buf, ix.phon.at  # inlined `ix.phon[entry]`: this is the hot loop
    ids = list(pool)
    names = [buf[at[entry] : at[entry + 1] - 1] for entry in ids]
    best = process.extract(phon, names, scorer=SIM, score_cutoff=loose, limit=_MULTI_KEEP)
    if ok is not always and not all(ok(ekey[ids[index]]) for _, _, index in best):
        # A hidden name is among the best (rare): score the visible ones only. Checking
        # the few best rather than the whole pool first saves a call per pooled name.
        ids = [entry for entry in ids if ok(ekey[entry])]
        names = [buf[at[entry] : at[entry + 1] - 1] for entry in ids]
        best = process.extract(phon, names, scorer=SIM, score_cutoff=loose, limit=_MULTI_KEEP)
    found: _Found = {}
    for _, sim, index in best:
        found[ids[index]] = (sim, "whole", 1.0)
    return found, ids, names


def _score_reordered(
    ix: NameIndex,
    found: _Found,
    scored: tuple[list[int], list[str]],
    phon: str,
    ok: Gate,
    loose: float,
) -> None:
    """Score the same names with word order ignored ("Lavrov Sergei")."""
    ids, names = scored
    for _, score, index in process.extract(
        phon, names, scorer=fuzz.token_sort_ratio, score_cutoff=100 * loose, limit=_MULTI_KEEP
    ):
        entry = ids[index]
        if score / 100.0 > found.get(entry, (0.0,))[0] and ok(ix.ekey[entry]):
            found[entry] = (score / 100.0, "whole", 1.0)


def _score_suffixes(
    ix: NameIndex,
    found: _Found,
    last_options: list[int],
    count: int,
    phon: str,
    ok: Gate,
    loose: float,
) -> None:
    """Score the word-suffixes of names whose last word is (near) the query's last word."""
    buf, at = ix.phon.buf, ix.phon.at
    tails: list[int] = []
    suffixes: list[str] = []
    for pid in last_options[:_SUFFIX_OPTIONS]:
        for entry in ix.lasts(pid, _SUFFIX_PER_OPTION):
            # words counted in the buffer: few names are longer than the query (2 %)
            start, end = at[entry], at[entry + 1] - 1
            if buf.count(" ", start, end) >= count and ok(ix.ekey[entry]):
                tails.append(entry)
                suffixes.append(" ".join(buf[start:end].rsplit(" ", count)[1:]))
    for _, sim, index in process.extract(
        phon, suffixes, scorer=SIM, score_cutoff=loose, limit=_MULTI_KEEP
    ):
        entry = tails[index]
        if sim > found.get(entry, (0.0,))[0]:
            found[entry] = (sim, "suffix", letters(suffixes[index]) / letters(ix.phon[entry]))


def _rescored_hits(
    ix: NameIndex, found: _Found, folded: str, count: int, settings: MatchSettings
) -> list[Hit]:
    """The best names as hits, the closest few rescored on folded text, down to the floor."""
    ranked = _best_first(found.items(), _similarity)[:_MULTI_KEEP]
    hits: list[Hit] = []
    for rank, (entry, (sim, part, cover)) in enumerate(ranked):
        if rank < _RESCORE_TOP:
            text = folded_name(ix.text[entry])
            if part == "suffix":
                text = " ".join(text.split(" ")[-count:])
            sim = max(sim, SIM(folded, text))
        if sim * 100.0 >= settings.floor:
            hits.append(Hit(ix, entry, ix.ekey[entry], FUZZY, "fuzzy", 100.0 * sim, part, cover))
    return hits


def _fuzzy_multi(
    ix: NameIndex,
    fwords: list[str],
    pwords: list[str],
    phon: str,
    folded: str,
    ok: Gate,
    settings: MatchSettings,
    reorder: bool,
) -> list[Hit]:
    """Several words: names holding two of the query words (or the rarest one), scored.

    Names are scored in C by rapidfuzz on the whole phonetic key (in order, and
    token-sorted for "Lavrov Sergei") and, for names ending like the query, on the
    word-suffix of the query's length; the closest few are rescored on folded text too,
    so a typo that the phonetic rules amplify is not over-penalised.
    """
    loose = max(0.0, settings.floor - _RESCORE_BAND) / 100.0
    pool, per_word, capped = _multi_pool(ix, list(zip(fwords, pwords, strict=True)), settings)
    if not pool:
        return []
    found, ids, names = _score_pool(ix, pool, phon, ok, loose)
    if reorder and not any(sim * 100.0 >= settings.answer_score for sim, _, _ in found.values()):
        _score_reordered(ix, found, (ids, names), phon, ok, loose)
    _score_suffixes(ix, found, per_word[-1], len(pwords), phon, ok, loose)
    hits = _rescored_hits(ix, found, folded, len(pwords), settings)
    if capped:
        for hit in hits:
            hit.capped = True
    return hits
