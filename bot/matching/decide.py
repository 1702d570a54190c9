"""The decision rule: answer one entity, ask the user to choose, or say nothing matched.

Why: the bot must never answer confidently with the wrong entity. Every lookup's hits are
ranked, one per entity, and the rule decides from the best hit's group (whole name, word
suffix, word prefix, typo) and its rivals whether the best may be answered; the reason is kept
in words so `explain` can say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby, permutations
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.matching.index import KINDS, NameIndex, NameKind
from bot.matching.keys import letters
from bot.matching.readings import fixed_letters, folded_name, translit_key

__all__ = [
    "FUZZY",
    "PREFIX",
    "SUFFIX",
    "TIER_RANK",
    "WHOLE",
    "Candidate",
    "Decision",
    "Hit",
    "MatchResult",
    "MatchSettings",
    "Part",
    "Tier",
    "candidate",
    "decide",
    "is_acronym",
    "rank",
    "spelt_so",
]

Tier = Literal["exact", "folded", "phonetic", "prefix", "fuzzy"]
Part = Literal["whole", "suffix", "word"]
Decision = Literal["answer", "choose", "none"]

# Group of a hit, the first sort key: whole-name exact/folded/phonetic, word-suffix, prefix, fuzzy.
WHOLE, SUFFIX, PREFIX, FUZZY = 0, 1, 2, 3
TIER_RANK: dict[str, int] = {"exact": 0, "folded": 1, "phonetic": 2, "prefix": 3, "fuzzy": 4}


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
    """Decision thresholds; the defaults are tuned on the table in tests/matching/test_decide.py.

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

    @property
    def whole_cap(self) -> int:
        """Namesakes looked at for one phonetic key: enough to fill the choices and say "more"."""
        return 2 * self.max_choices


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


@dataclass(slots=True)
class Hit:
    """One matched name before it becomes a Candidate: where it is and how good it is."""

    src: NameIndex  # the index (layer) the entry belongs to
    entry: int
    kid: int
    group: int
    tier: Tier
    score: float
    part: Part
    cover: float
    first: bool = False  # `complete`: the name starts with the query
    layer: int = 0  # 0: the base index; 1: the layer of recent changes
    capped: bool = False  # found by a search a budget cut: an unseen name may rival it

    @property
    def uid(self) -> int:
        """The entity's number, distinct across layers (a layer numbers its own keys)."""
        return self.kid if self.layer == 0 else -1 - self.kid


def _order(hit: Hit) -> tuple[int, float, int, int, int, int, str, int]:
    """Full ranking key: group, score, tier, whole before part, kind, shorter, key."""
    src = hit.src
    return (
        hit.group,
        -hit.score,
        TIER_RANK[hit.tier],
        hit.part != "whole",
        src.ekind[hit.entry],
        len(src.text[hit.entry]),
        src.keys[hit.kid],
        hit.entry,
    )


def rank(hits: list[Hit], top: int | None = None) -> list[Hit]:
    """Best hit per key, best keys first. With `top`, only the first `top` places are in
    that exact order; the rest are the right hits in the right groups of `_head`, but hits
    tied on it there keep no particular order (no name or key is decoded to break those
    ties: a fuzzy search often finds dozens of names scored alike)."""
    best: dict[int, tuple[tuple[int, float, int, bool, int, int], Hit]] = {}
    for hit in hits:  # cheap key first: one survivor per key
        quick = (
            hit.group,
            -hit.score,
            TIER_RANK[hit.tier],
            hit.part != "whole",
            hit.src.ekind[hit.entry],
            hit.entry,
        )
        uid = hit.uid
        held = best.get(uid)
        if held is None or quick < held[0]:
            best[uid] = (quick, hit)
    # Sorted by the head of `_order`; only hits tied on it read their names and keys (each
    # a decode from the snapshot) for the rest: the same order as sorting by `_order`.
    ranked = sorted((hit for _, hit in best.values()), key=_head)
    out: list[Hit] = []
    for _, run in groupby(ranked, key=_head):
        tied = list(run)
        exact = len(tied) > 1 and (top is None or len(out) < top)
        out.extend(sorted(tied, key=_order) if exact else tied)
    return out


def _head(hit: Hit) -> tuple[int, float, int, bool, int]:
    """The first fields of `_order`, read without decoding anything."""
    return (
        hit.group,
        -hit.score,
        TIER_RANK[hit.tier],
        hit.part != "whole",
        hit.src.ekind[hit.entry],
    )


def candidate(hit: Hit) -> Candidate:
    """What the caller sees of a hit."""
    src = hit.src
    return Candidate(
        key=src.keys[hit.kid],
        matched=src.text[hit.entry],
        kind=KINDS[src.ekind[hit.entry]],
        tier=hit.tier,
        score=round(hit.score, 1),
        part=hit.part,
    )


def decide(query: str, folded: str, hits: list[Hit], settings: MatchSettings) -> MatchResult:
    """Rank the hits and take the decision the best one's group allows."""
    strong = {h.uid for h in hits if h.group == FUZZY and h.score >= settings.answer_score}
    if strong:
        # A prefix too short of its name to be answered is weaker evidence than another
        # entity's whole name one typo away: "Filipp Andrejew" means Filipp Andreyev, not
        # the first half of "Filipp Andrejewitsch Kornejew". Such prefixes compete as fuzzy
        # hits, scored by how much of the name they cover.
        for hit in hits:
            weak = hit.group == PREFIX and hit.cover < settings.prefix_cover
            if weak and hit.uid not in strong:
                hit.group = FUZZY
    # Past the choices shown, the rules below read only which hits there are (any, all, max,
    # how many), never their order.
    ranked = rank(hits, top=settings.max_choices)
    short = letters(folded) < settings.short_query_len
    if not ranked:
        if short:
            reason = "no exact, transliterated or prefix hit (short query: no typo tolerance)"
        else:
            reason = f"no name within typo distance (fuzzy floor {settings.floor:g})"
        return MatchResult(query, "none", None, (), reason)
    shown = tuple(candidate(hit) for hit in ranked[: settings.max_choices])
    best = ranked[0]
    rivals = [hit for hit in ranked[1:] if hit.group == best.group]
    if best.group == WHOLE:
        decision, reason = _whole_rule(ranked, rivals, folded, settings)
    elif best.group == SUFFIX:
        decision, reason = _suffix_rule(best, rivals, short, settings)
    elif best.group == PREFIX:
        decision, reason = _prefix_rule(ranked, rivals, short, folded, settings)
    else:
        decision, reason = _fuzzy_rule(ranked, folded, settings)
    return MatchResult(query, decision, shown[0], shown, reason)


def _whole_rule(
    ranked: list[Hit], rivals: list[Hit], folded: str, settings: MatchSettings
) -> tuple[Decision, str]:
    """A whole name answers unless another key has the same name, or the name is only a
    sound-alike of the query while another is one typo from it as written."""
    if rivals:
        many = "at least " if len(ranked) >= settings.whole_cap else ""
        return "choose", f"{many}{len(rivals) + 1} keys share this name; not picking one silently"
    best = ranked[0]
    near = [hit for hit in ranked[1:] if hit.uid != best.uid]  # `one_edit_hits`
    if best.tier == "phonetic" and near and not spelt_so(best, folded):
        return "choose", (
            "the query only sounds like this name (no transliteration writes it so), "
            "and another name is one typo from it"
        )
    return "answer", "single key at a non-fuzzy tier"


def _suffix_rule(
    best: Hit, rivals: list[Hit], short: bool, settings: MatchSettings
) -> tuple[Decision, str]:
    """A word-suffix (`lavrov` of "Sergei Lavrov") answers if alone and most of the name."""
    if rivals:
        return "choose", f"{len(rivals) + 1} keys have a name ending with the query"
    if short:
        return "choose", "a short query answers only on a whole name"
    if best.cover < settings.suffix_cover:
        return "choose", (
            f"the query is only {best.cover:.0%} of the name "
            f"(needs {settings.suffix_cover:.0%} to answer)"
        )
    return "answer", f"single key whose name ends with the query ({best.cover:.0%} of it)"


def _prefix_rule(
    ranked: list[Hit], rivals: list[Hit], short: bool, folded: str, settings: MatchSettings
) -> tuple[Decision, str]:
    """A word prefix answers if alone, long enough and no other key is a close typo, or if
    it is the first whole words of the one name found (`nursultan`, `shanghai cooperation`)."""
    best = ranked[0]
    strong_fuzzy = [
        hit
        for hit in ranked
        if hit.group == FUZZY and hit.uid != best.uid and hit.score >= settings.answer_score
    ]
    if rivals:
        return "choose", f"{len(rivals) + 1} keys have a word starting with the query"
    if short:
        return "choose", "a short query answers only on a whole name"
    if len(ranked) == 1 and _leading_words(best, folded):
        return "answer", (
            "the query is the first whole words of this name, and no other name "
            "holds them or a near variant"
        )
    if best.cover < settings.prefix_cover:
        return "choose", (
            f"prefix covers only {best.cover:.0%} of the name "
            f"(needs {settings.prefix_cover:.0%} to answer)"
        )
    if strong_fuzzy:
        return "choose", "a different key is a close typo match"
    return "answer", f"single key with a word starting with the query ({best.cover:.0%})"


def _fuzzy_rule(ranked: list[Hit], folded: str, settings: MatchSettings) -> tuple[Decision, str]:
    """A typo answers if close enough, clearly ahead of the next key and alike at the start;
    a whole name written in another transliteration answers if no other name found reads so."""
    best = ranked[0]
    # A budget cut the names searched: one not seen may be as near as the best, so no
    # reason that rests on the absence of rivals may answer (seen at 100k: "Vyacheslav
    # Akstonov" met Antonov among the first of ten thousand Vyacheslavs, not Aksyenov).
    capped = any(hit.capped for hit in ranked)
    reads = _Readings(folded)
    if best.part == "whole" and reads(best) and _one_typo_rival(best, folded, ranked[1:]):
        return "choose", (
            "the query reads as this name in another transliteration, "
            "but is one typo from another name as written"
        )
    if not capped and _transliterated(best, folded, ranked[1:], reads):
        return "answer", (
            "the query is this whole name in another transliteration, "
            "and no other name found reads so"
        )
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
        return "choose", f"best fuzzy score {best.score:.1f} < {settings.answer_score:g} to answer"
    if _another_reads_so(best, ranked[1:], reads):
        return "choose", "another name found is the query once transliterated alike"
    if not _every_word_near(best, folded, settings.floor):
        return "choose", "a word of the query is far from every word of the name"
    if lead < settings.margin and (capped or not _one_edit_alone(best, folded, ranked[1:])):
        return "choose", f"lead {lead:.1f} over the next key < margin {settings.margin:g}"
    if best.part == "suffix" and best.cover < settings.suffix_cover:
        return "choose", f"the matched surname is only {best.cover:.0%} of the name"
    if not _same_initial(best, folded):
        return "choose", "the first letter differs, which typos rarely do (Prussia is not Russia)"
    if capped and not runner:
        return "choose", "no other key found, but the search was cut short: another may be as near"
    if lead < settings.margin:  # `_one_edit_alone` held
        return "answer", (
            f"fuzzy score {best.score:.1f} >= {settings.answer_score:g}, one edit from this "
            "name and at least two from every other found"
        )
    return "answer", f"fuzzy score {best.score:.1f} >= {settings.answer_score:g} " + (
        f"with lead {lead:.1f} >= {settings.margin:g} over the next key"
        if runner
        else "and no other key within reach"
    )


class _Readings:
    """Whether a hit's name reads as the query once transliterated alike (`_reads_as`): asked
    of the same hits by several rules of one decision, so each hit is read once."""

    __slots__ = ("_known", "fixed", "key")

    def __init__(self, folded: str) -> None:
        self.key = translit_key(folded)
        self.fixed = fixed_letters(folded)
        self._known: dict[int, bool] = {}

    def __call__(self, hit: Hit) -> bool:
        known = self._known.get(id(hit))  # the hits outlive the decision: ids stay theirs
        if known is None:
            known = self._known[id(hit)] = _reads_as(hit, self.key, self.fixed)
        return known


def _transliterated(best: Hit, folded: str, others: list[Hit], reads: _Readings) -> bool:
    """Whether the query is the best hit's whole name in another transliteration and no other
    hit's name reads so (a namesake under the key makes it a choice, never a guess)."""
    if best.part != "whole" or " " not in folded:
        return False  # one word (`Sorin`, `Zorin`) is too little to tell apart
    if not reads(best):
        return False
    return not any(map(reads, others))


def _another_reads_so(best: Hit, others: list[Hit], reads: _Readings) -> bool:
    """Whether another key's whole name is the query in another transliteration:
    `Jelisaweta Gratschjowa` is Yelizaveta Grachyova, however close the German form of
    Gorbachyova scores. Spelling equivalence outweighs a fuzzy score, also when the best
    reads so too: `Sacharow` is Zakharov in German (s = з) and Sakharov in no system, yet
    both read so once sibilants are one class, and Sakharov's id scored nearer."""
    mine = best.src.keys[best.kid]
    return any(h.part == "whole" and reads(h) and h.src.keys[h.kid] != mine for h in others)


def _one_typo_rival(best: Hit, folded: str, others: list[Hit]) -> bool:
    """Whether another key's whole name is one typo from the query as written: `Soiya
    Kozlova` reads as Zoya Kozlova (s = з in German, iya in English) but is one letter
    from Sofiya Kozlova; two readings, two people."""
    return any(
        h.part == "whole"
        and h.uid != best.uid
        and OSA.distance(folded_name(h.src.text[h.entry]), folded, score_cutoff=1) <= 1
        for h in others
    )


_ACRONYM_LETTERS = 8


def is_acronym(text: str) -> bool:
    """An acronym as stored (VSESI): its letters are letters, never a transliteration's."""
    return text.isupper() and " " not in text and len(text) <= _ACRONYM_LETTERS


def spelt_so(hit: Hit, folded: str) -> bool:
    """Whether some transliteration system writes the hit's name as the query: they read
    alike letter class by letter class and the words begin alike. Not so for a sound-alike
    the phonetic key is looser than any system about: `Jana` is Yana in German, never Zhanna
    (zh = j); `Ygor` begins like no Russian name (y = i); doubled letters of an acronym are
    letters of their own (VSSeSI is not VSESI)."""
    text = hit.src.text[hit.entry]
    if is_acronym(text):
        return folded_name(text) == folded
    return _strict_key(folded_name(text)) == _strict_key(folded)


# Letters the phonetic key merges though no transliteration system writes one for the other:
# y between consonants or starting a word before one (ы, or a typo: `Ygor`, `Alyna`, never
# и), ii before a consonant (LoC writes ия ий as iia ii, never ии before a consonant), and
# doubled consonants other than s (Анна is Anna in every system, German writes с as ss).
_Y_BEFORE_CONSONANT = re.compile(r"(?<![aeiou])y(?=[^aeiouy ])")
_DOUBLE_KEPT = re.compile(r"ii(?=[^aeiouy ])|([bdfgklmnprtv])\1")
_INITIAL_YE = re.compile(r"(?:^|(?<= ))ie")


def _strict_key(folded: str) -> str:
    """`translit_key` without the merges above, and Е's initial forms ye/je/e one."""
    kept = _DOUBLE_KEPT.sub(lambda m: m.group(0)[0] + "+", folded)
    key = translit_key(_Y_BEFORE_CONSONANT.sub("Y", kept))
    return _INITIAL_YE.sub("e", key)


def _reads_as(hit: Hit, key: str, fixed: str) -> bool:
    """Whether the hit's name reads as `key` once transliterated alike (`fixed`: the query's
    `fixed_letters`). A name of another word count, or other fixed letters, cannot, and its
    phonetic key (one word per folded word) says so without decoding or folding the name:
    this runs for every name found, and nearly all differ so."""
    phon = hit.src.phon[hit.entry]
    if phon.count(" ") != key.count(" ") or fixed_letters(phon) != fixed:
        return False
    return translit_key(folded_name(hit.src.text[hit.entry])) == key


_ONE_EDIT_LETTERS = 8  # one edit in fewer letters is too large a share to answer on alone


def _one_edit_alone(best: Hit, folded: str, others: list[Hit]) -> bool:
    """Whether the best whole name is one edit from the query (transliterations read alike)
    while every other name found is at least two: a lead counted in edits, not in percent,
    so `Alia Klimova` answers Alina Klimova although Alyena Klimova scores near."""
    if best.part != "whole" or len(folded) - folded.count(" ") < _ONE_EDIT_LETTERS:
        return False
    key = translit_key(folded)

    def edits(hit: Hit) -> int:
        return OSA.distance(key, translit_key(folded_name(hit.src.text[hit.entry])), score_cutoff=2)

    return edits(best) <= 1 and all(edits(hit) >= 2 for hit in others)


def _every_word_near(best: Hit, folded: str, floor: float) -> bool:
    """Whether each word of the query is near some word of the matched name (transliterations
    read alike): `Gwendolyn Knyazev` is not Gennadiy Knyazev, however alike the surnames."""
    plain = folded_name(best.src.text[best.entry])
    name = translit_key(plain)
    words, joined = name.split(" "), name.replace(" ", "")
    plain_words = plain.split(" ")
    nears: list[set[int]] = []
    for word, typed in zip(translit_key(folded).split(" "), folded.split(" "), strict=False):
        # as typed too: the classes join "ks" into one letter, so `takls` is far from
        # `talks` once transliterated alike (taklZ, talS) though one typo away as written
        near = {
            i
            for i, (other, plain_other) in enumerate(zip(words, plain_words, strict=False))
            if fuzz.ratio(word, other) >= floor or fuzz.ratio(typed, plain_other) >= floor
        }
        nears.append(near)
        # run together (`unitedstates`) or split apart (`nizhne volzhinka`)
        if not near and fuzz.ratio(word, joined) < floor and fuzz.partial_ratio(word, joined) < 90:
            return False
    # as many words as the name: each near a word of its own (`Ignatius Ignatyeva` is not
    # Inna Ignatyeva, though both its words are near her surname)
    return len(nears) != len(words) or _one_each(nears)


_MATCHED_WORDS = 6  # names with more words are not checked word for word


def _one_each(nears: list[set[int]]) -> bool:
    """Whether each query word can be given a near name word of its own."""
    if len(nears) > _MATCHED_WORDS:
        return True
    return any(
        all(i in near for i, near in zip(order, nears, strict=True))
        for order in permutations(range(len(nears)))
    )


def _leading_words(hit: Hit, folded: str) -> bool:
    """Whether the query is the first whole words (not the whole) of the matched name, as
    written after folding: `Anatoly` is near "Anatoliy", not one of its words."""
    name = folded_name(hit.src.text[hit.entry]).split(" ")
    query = folded.split(" ")
    return len(name) > len(query) and name[: len(query)] == query


def _same_initial(hit: Hit, folded: str) -> bool:
    """Whether the query starts like the matched name (or its matched word-suffix), as
    written or once transliterated alike (`Jakow`/`Yakov`, `Wera`/`Vera`, `Sachar`/`Zakhar`)."""
    name = folded_name(hit.src.text[hit.entry])
    if hit.part == "suffix":
        name = " ".join(name.split(" ")[-len(folded.split(" ")) :])
    return name[:1] == folded[:1] or _initial(name) == _initial(folded)


def _initial(folded: str) -> str:
    """The first sound once transliterated alike; Е begins as `ye` or `je` in some
    systems and as a bare `e` in others (Yekaterina, Jekaterina, Ekaterina)."""
    key = translit_key(folded)
    return "e" if key.startswith("ie") else key[:1]
