"""Find the entity a user means from a messy name, or say that it is unsure.

Why: users type `lavrof`, `ksor`, `Serdiukov`, `Лавров`; the bot must find the right entity
despite typos, case, acronyms, transliteration variants and Cyrillic, but must never answer
confidently with the wrong one. So every lookup ends in a decision: "answer" (one entity),
"choose" (did you mean …) or "none", with ranked candidates and a one-line-per-candidate
explanation.

`Matcher` is the door to the package; the work is done by one module each:
  keys     the keys a name is indexed by, and what each may cost per name
  packed   the flat containers the index is made of
  index    the candidate index (`NameIndex`), built once per fact base
  tiers    exact, folded, phonetic, word-suffix and prefix hits
  fuzzy    typo tolerance
  decide   the answer / choose / none rule, `MatchSettings`, `MatchResult`, `Candidate`
A matcher updated on reload keeps its index and searches a small second one beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from bot.knowledge.names import fold, phonetic_word
from bot.matching.decide import (
    TIER_RANK,
    Candidate,
    Hit,
    MatchResult,
    MatchSettings,
    candidate,
    decide,
    rank,
    spelt_so,
)
from bot.matching.fuzzy import fuzzy_hits
from bot.matching.index import KINDS, Gate, Hidden, NameEntry, NameIndex, always
from bot.matching.keys import MAX_QUERY_CHARS, MAX_QUERY_FOLDED, MAX_QUERY_WORDS, letters
from bot.matching.tiers import (
    alike_hits,
    first_names,
    one_edit_hits,
    prefix_hits,
    suffix_hits,
    tier,
    whole_hits,
)

__all__ = ["Matcher"]

_PREFIX_WORDS = 48  # vocabulary words taken for one prefix in `match`
_PREFIX_PER_WORD = 12  # postings taken per prefix word in `match`
_PREFIX_HITS = 96  # prefix hits collected in `match` (plus 8 per requested completion)

_ID = KINDS.index("id")
_Layer = tuple[NameIndex, Gate]  # an index and the gate for its keys
_Find = Callable[[NameIndex, Gate], list[Hit]]
# The keys a `Hidden` lookup hides, and their numbers in the base (masked ones too) and delta.
_HiddenKids = tuple[frozenset[str], frozenset[int], frozenset[int]]


class Matcher:
    """A read-only name index with `match` (decide) and `complete` (autocomplete)."""

    __slots__ = ("_base", "_delta", "_hidden", "_masked", "_settings", "_size")

    def __init__(self, entries: Iterable[NameEntry], settings: MatchSettings | None = None) -> None:
        """Build every index once; the matcher is read-only afterwards (safe to share)."""
        self._settings = settings if settings is not None else MatchSettings()
        self._base = NameIndex(entries)
        self._delta: NameIndex | None = None
        self._masked: frozenset[int] = frozenset()  # the base's keys the delta replaces
        self._size = len(self._base)
        self._hidden: _HiddenKids | None = None

    def entries(self) -> Iterator[NameEntry]:
        """The names this matcher finds, layers included."""
        yield from self._base.entries(self._masked)
        if self._delta is not None:
            yield from self._delta.entries()

    def updated(self, keys: Iterable[str], entries: Iterable[NameEntry]) -> Matcher:
        """This index with the names of `keys` replaced by `entries` (those of the keys that
        still exist), without rebuilding it: the old names are masked and the new ones kept
        in a small second index, searched alongside. Why: rebuilding takes seconds at 100k
        entities, and adding an alias should not. Callers rebuild when the layer grows.
        """
        gone = set(keys)
        kid_of = self._base.key_number()
        masked = set(self._masked)
        masked.update(kid_of[key] for key in gone if key in kid_of)
        kept = [e for e in self._delta.entries() if e.key not in gone] if self._delta else []
        delta = NameIndex([*kept, *entries])
        new = object.__new__(Matcher)
        new._settings, new._base = self._settings, self._base
        new._masked = frozenset(masked)
        new._delta = delta if len(delta) else None
        hidden = sum(1 for kid in self._base.ekey if kid in masked) if masked else 0
        new._size = len(self._base) - hidden + len(delta)
        new._hidden = None
        return new

    @property
    def layered(self) -> int:
        """How many names the second index holds (0 for a matcher built in one go)."""
        return 0 if self._delta is None else len(self._delta)

    @property
    def settings(self) -> MatchSettings:
        """The thresholds this matcher decides with."""
        return self._settings

    def __len__(self) -> int:
        return self._size

    def __getstate__(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            setattr(self, name, value)

    # ----------------------------------------------------------------------------------------
    # lookups

    def match(self, query: str, *, allowed: Callable[[str], bool] | None = None) -> MatchResult:
        """Decide which entity `query` names: "answer", "choose" (up to max_choices) or "none".

        `allowed(key)` hides entities (visibility, type filters) before any decision is taken,
        so a hidden entity can neither be answered nor make a visible one ambiguous.
        """
        raw = query if isinstance(query, str) else ""
        settings = self._settings
        if len(raw) > MAX_QUERY_CHARS:
            return MatchResult(raw, "none", None, (), "query is far too long to be a name")
        folded = fold(raw)
        if not folded:
            return MatchResult(raw, "none", None, (), "empty query")
        fwords = folded.split(" ")
        if len(folded) > MAX_QUERY_FOLDED or len(fwords) > MAX_QUERY_WORDS:
            return MatchResult(raw, "none", None, (), "query is too long to be a name")
        pwords = [phonetic_word(w) for w in fwords]
        phon = " ".join(pwords)
        layers = self._layers(allowed)
        exact = " ".join(raw.split()).casefold()

        collect = self._collect
        hits = collect(layers, lambda ix, ok: whole_hits(ix, phon, folded, exact, ok, settings))
        if hits:
            if _sound_alike_only(hits, folded):
                hits += collect(
                    layers, lambda ix, ok: one_edit_hits(ix, folded, phon, ok, settings)
                )
            return decide(raw, folded, hits, settings)
        hits = collect(
            layers, lambda ix, ok: suffix_hits(ix, pwords, phon, folded, exact, ok, settings)
        )
        ranked = rank(hits, top=1)  # how many keys, and the best one
        short = letters(folded) < settings.short_query_len
        if short or not (len(ranked) == 1 and ranked[0].cover >= settings.suffix_cover):
            hits += collect(
                layers,
                lambda ix, ok: prefix_hits(
                    ix, fwords, pwords, ok, _PREFIX_WORDS, _PREFIX_PER_WORD, _PREFIX_HITS
                ),
            )
            if not short:
                hits += collect(
                    layers, lambda ix, ok: fuzzy_hits(ix, fwords, pwords, phon, ok, settings)
                )
                # the names the query is in another transliteration, which the typo
                # search, bounded by its budgets, may not meet (Sasonow: Sazonov)
                hits += collect(layers, lambda ix, ok: alike_hits(ix, folded, ok, settings))
        return decide(raw, folded, hits, settings)

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
        folded = fold(raw[:MAX_QUERY_CHARS])
        if not folded:
            return self._first_names(limit, layers)
        fwords = folded.split(" ")
        if len(folded) > MAX_QUERY_FOLDED or len(fwords) > MAX_QUERY_WORDS:
            return []
        pwords = [phonetic_word(w) for w in fwords]
        phon = " ".join(pwords)
        per_word, most = max(_PREFIX_PER_WORD, limit), 4 * limit + _PREFIX_HITS // 2
        word_cap = max(_PREFIX_WORDS, 4 * limit)
        hits = self._collect(
            layers,
            lambda ix, ok: prefix_hits(ix, fwords, pwords, ok, word_cap, per_word, most, 1),
        )
        exact = " ".join(raw.split()).casefold()
        for hit in hits:
            src = hit.src
            if hit.cover == 1.0 and src.phon[hit.entry] == phon:  # the whole name was typed
                hit.tier = tier(src, hit.entry, folded, exact, suffix=False)
                hit.part = "whole"
        out: list[Candidate] = []
        seen: set[int] = set()
        for hit in sorted(hits, key=_prefix_order):
            if hit.uid not in seen:
                seen.add(hit.uid)
                out.append(candidate(hit))
                if len(out) >= limit:
                    return out
        if letters(folded) >= self._settings.short_query_len:
            settings = self._settings
            fuzzy = self._collect(
                layers, lambda ix, ok: fuzzy_hits(ix, fwords, pwords, phon, ok, settings)
            )
            for hit in rank(fuzzy):
                if hit.uid not in seen:
                    seen.add(hit.uid)
                    out.append(candidate(hit))
                    if len(out) >= limit:
                        break
        return out

    def owners(self, label: str) -> set[str]:
        """The keys with a name or alias that lookups read as `label` reads (the same `fold`):
        what the loader's "a name may belong to one entity only" check asks of the names
        already indexed, when a reload checks only the edited files."""
        folded = fold(label)
        if not folded:
            return set()
        phon = " ".join(phonetic_word(w) for w in folded.split(" "))
        out: set[str] = set()
        for ix, ok in self._layers(None):
            by_phon, phons = ix.by_phon, ix.phon
            pos = ix.phon_sorted.left(phon)
            while pos < len(by_phon) and phons[by_phon[pos]] == phon:
                entry = by_phon[pos]
                pos += 1
                kid = ix.ekey[entry]
                if ok(kid) and ix.ekind[entry] != _ID and fold(ix.text[entry]) == folded:
                    out.add(ix.keys[kid])
        return out

    def containing(self, label: str) -> set[str]:
        """The keys with a name or alias that holds `label`'s words in a row (as `fold`
        reads them): "CSTO foreign ministers' meeting" holds "CSTO foreign ministers".
        Found through the names that contain its rarest word, not by reading every name."""
        folded = fold(label)
        if not folded:
            return set()
        padded = f" {folded} "
        out: set[str] = set()
        for ix, ok in self._layers(None):
            pids = [ix.pid(phonetic_word(w)) for w in folded.split(" ")]
            if None in pids:
                continue  # a word no name of this layer has
            pid = min(pids, key=ix.posting_count)  # type: ignore[arg-type]
            for entry in ix.postings(pid, ix.posting_count(pid)):  # type: ignore[arg-type]
                kid = ix.ekey[entry]
                if ok(kid) and ix.ekind[entry] != _ID and padded in f" {fold(ix.text[entry])} ":
                    out.add(ix.keys[kid])
        return out

    # ----------------------------------------------------------------------------------------
    # layers

    def _layers(self, allowed: Callable[[str], bool] | None) -> list[_Layer]:
        """Each index with its gate: the base (the keys the second replaces hidden), the second."""
        if isinstance(allowed, Hidden):
            return self._hidden_layers(allowed.keys)
        ok = _gate(self._base, allowed)
        masked = self._masked
        base: _Layer = (self._base, (lambda kid: kid not in masked and ok(kid)) if masked else ok)
        if self._delta is None:
            return [base]
        return [base, (self._delta, _gate(self._delta, allowed))]

    def _hidden_layers(self, keys: frozenset[str]) -> list[_Layer]:
        """The layers for a `Hidden` lookup: key numbers looked up once per set of keys."""
        known = self._hidden
        if known is None or (known[0] is not keys and known[0] != keys):
            # A key the delta holds is new or masked in the base: only the rest is looked up
            # there (so a restricted entity just added costs no scan of the base's keys).
            delta = self._delta.key_numbers(keys) if keys and self._delta else {}
            base = self._base.key_numbers(keys - delta.keys()) if keys else {}
            masked = self._masked.union(base.values())
            known = self._hidden = (keys, masked, frozenset(delta.values()))
        layers: list[_Layer] = [(self._base, _without(known[1]))]
        if self._delta is not None:
            layers.append((self._delta, _without(known[2])))
        return layers

    @staticmethod
    def _collect(layers: list[_Layer], find: _Find) -> list[Hit]:
        """One tier's hits from every layer, each hit tagged with the layer it came from."""
        base, ok = layers[0]
        hits = find(base, ok)
        for number, (layer, gate) in enumerate(layers[1:], start=1):
            more = find(layer, gate)
            for hit in more:
                hit.layer = number
            hits.extend(more)
        return hits

    def _first_names(self, limit: int, layers: list[_Layer]) -> list[Candidate]:
        out: list[Candidate] = []
        for layer, ok in layers:
            out += first_names(layer, limit, ok)
        if len(layers) > 1:
            out.sort(key=lambda c: (c.matched.casefold(), c.key))
        return out[:limit]


def _sound_alike_only(hits: list[Hit], folded: str) -> bool:
    """Whether the whole names found are one entity's, each only a sound-alike of the query
    that no transliteration writes so: then a name one typo from the query as written may
    be what was meant (`decide` asks if there is one)."""
    if len({hit.uid for hit in hits}) != 1:
        return False
    return all(hit.tier == "phonetic" and not spelt_so(hit, folded) for hit in hits)


def _without(kids: frozenset[int]) -> Gate:
    """The gate that hides these key numbers (none: `always`, which searches skip)."""
    if not kids:
        return always
    return lambda kid: kid not in kids


def _gate(ix: NameIndex, allowed: Callable[[str], bool] | None) -> Gate:
    """Wrap `allowed` so it is asked at most once per key and lookup."""
    if allowed is None:
        return always
    keys = ix.keys
    verdicts: dict[int, bool] = {}

    def ok(kid: int) -> bool:
        verdict = verdicts.get(kid)
        if verdict is None:
            verdict = verdicts[kid] = bool(allowed(keys[kid]))
        return verdict

    return ok


def _prefix_order(hit: Hit) -> tuple[int, float, int, int, str, str]:
    """Completions: names that start with the text first, then by cover, tier, kind, text."""
    src = hit.src
    return (
        not hit.first,
        -hit.cover,
        TIER_RANK[hit.tier],
        src.ekind[hit.entry],
        src.text[hit.entry].casefold(),
        src.keys[hit.kid],
    )
