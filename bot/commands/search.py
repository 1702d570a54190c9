"""Full-text search over the claims and their quotes."""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from typing import overload

from bot.commands.answer import Answer
from bot.commands.lazylines import LazyBuilder
from bot.commands.textsafety import echo
from bot.knowledge.names import fold
from bot.knowledge.snapshot import Fact, KnowledgeBase

STOPWORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in",
        "is", "it", "its", "of", "on", "or", "the", "to", "was", "were", "with",
    }
)  # fmt: skip


def _matching_words(kb: KnowledgeBase, word: str) -> set[str]:
    """The indexed words a query word stands for: itself, or words it begins (4+ letters)."""
    index = kb.search_index
    out = {word} if word in index else set()
    if len(word) >= 4:
        vocab = kb.search_vocabulary
        i = bisect.bisect_left(vocab, word)
        while i < len(vocab) and vocab[i].startswith(word):
            out.add(vocab[i])
            i += 1
    return out


def _holding(kb: KnowledgeBase, word: str) -> AbstractSet[str]:
    """Ids of the claims holding a query word (or a word it begins)."""
    hits: AbstractSet[str] = frozenset()
    for n, w in enumerate(_matching_words(kb, word)):
        # `|` keeps a compact fact base's row sets as rows (bot/knowledge/records.RowIds)
        hits = kb.search_index[w] if n == 0 else hits | kb.search_index[w]
    return hits


def _listed(kb: KnowledgeBase, words: list[str]) -> tuple[AbstractSet[str], bool]:
    """The claims a search lists, and whether they hold every word.

    Up to two words, the claims holding them all; with more, those holding the most of them
    (so all listed claims hold the same number of words)."""
    sets = [_holding(kb, word) for word in dict.fromkeys(words)]
    if len(sets) <= 2:
        return (sets[0] & sets[1] if len(sets) == 2 else sets[0]), True
    scores: dict[str, int] = {}
    for hits in sets:
        for claim_id in hits:
            scores[claim_id] = scores.get(claim_id, 0) + 1
    best = max(scores.values(), default=0)
    return {cid for cid, score in scores.items() if score == best}, best == len(sets)


class _Ranked(Sequence[Fact]):
    """Search hits in rank order, counted at once and ordered as they are read: by date
    (undated last) from a heap of date positions, those holding the query as a phrase first
    when that can differ; only the claims read are looked up (and, for the phrase, folded)."""

    def __init__(self, kb: KnowledgeBase, ids: Iterable[str], phrase: str | None) -> None:
        self._kb, self._phrase = kb, phrase
        self._heap = kb.claim_order.ranked(ids)
        heapq.heapify(self._heap)
        self._len = len(self._heap)
        self._out: list[Fact] = []
        self._later: list[Fact] = []  # in date order, without the phrase

    def __len__(self) -> int:
        return self._len

    def _holds_phrase(self, fact: Fact) -> bool:
        text = self._kb.searchable_text(fact)
        phrase = self._phrase or ""
        if phrase.isascii() and phrase in text.casefold():
            return True  # folding keeps a run of ASCII letters and spaces as it is
        return phrase in fold(text)

    def _fill(self, count: int) -> None:
        heap, out, order = self._heap, self._out, self._kb.claim_order.ids
        claims = self._kb.claims
        while len(out) < count and heap:
            fact = claims[order[heapq.heappop(heap)]]
            if self._phrase is None or self._holds_phrase(fact):
                out.append(fact)
            else:
                self._later.append(fact)
        if not heap and self._later:
            out.extend(self._later)
            self._later = []

    @overload
    def __getitem__(self, index: int) -> Fact: ...
    @overload
    def __getitem__(self, index: slice) -> list[Fact]: ...
    def __getitem__(self, index: int | slice) -> Fact | list[Fact]:
        if isinstance(index, slice):
            wanted = range(*index.indices(self._len))
            if wanted:
                self._fill(max(wanted[0], wanted[-1]) + 1)
            return self._out[index]
        i = index + self._len if index < 0 else index
        if not 0 <= i < self._len:
            raise IndexError(index)
        self._fill(i + 1)
        return self._out[i]

    def __iter__(self) -> Iterator[Fact]:
        self._fill(self._len)
        return iter(self._out)


def ranked_hits(kb: KnowledgeBase, text: str) -> Sequence[Fact]:
    """Claims holding the words, most words first, then those holding them as a phrase, then
    by date: counted at once, ordered and looked up only as far as they are read."""
    words = [w for w in fold(text).split() if w not in STOPWORDS and len(w) > 1]
    if not words:
        return []
    ids, every_word = _listed(kb, words)
    full = len(set(words))
    # Only a claim with every word can hold the phrase (and one word is its own phrase).
    phrase = " ".join(words) if every_word and full > 1 else None
    return _Ranked(kb, ids, phrase)


def search_facts(kb: KnowledgeBase, text: str) -> list[Fact]:
    """Claims holding the words, most words first, then those holding them as a phrase."""
    return list(ranked_hits(kb, text))


def search(kb: KnowledgeBase, arg: str) -> Answer:
    """Full-text search over the claims and their quotes, best matches first.

    Example: `search ulyanovsk`, `search drug trafficking`"""
    hits = ranked_hits(kb, arg)
    if not hits:
        return Answer(
            status="not_found",
            kind="search",
            title=f"No claim mentions “{echo(arg)}”",
            note="Try fewer or other words, or `who`/`org`/`what` for a name.",
            command=f"search {arg}",
        )
    b = LazyBuilder(kb)
    b.listing(hits)
    return b.answer(
        f"Search: “{echo(arg)}”",
        kind="search",
        command=f"search {arg}",
        note=f"{len(hits):,} claim{'s' if len(hits) != 1 else ''} found.",
    )
