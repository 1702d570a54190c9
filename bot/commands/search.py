"""Full-text search over the claims and their quotes."""

from __future__ import annotations

import bisect

from bot.commands.answer import Answer
from bot.commands.building import Builder, undated_last
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


def _scores(kb: KnowledgeBase, words: list[str]) -> dict[str, int]:
    """For each claim holding any of the words: how many of them it holds."""
    scores: dict[str, int] = {}
    for word in dict.fromkeys(words):
        hits: set[str] = set()
        for w in _matching_words(kb, word):
            hits |= kb.search_index[w]
        for claim_id in hits:
            scores[claim_id] = scores.get(claim_id, 0) + 1
    return scores


def search_facts(kb: KnowledgeBase, text: str) -> list[Fact]:
    """Claims holding the words, most words first, then those holding them as a phrase."""
    words = [w for w in fold(text).split() if w not in STOPWORDS and len(w) > 1]
    if not words:
        return []
    scores = _scores(kb, words)
    phrase = " ".join(words)
    ascii_phrase = phrase.isascii()
    full = len(set(words))

    def missing_phrase(cid: str) -> bool:
        # Only a claim with every word can hold the phrase (and one word is its own phrase):
        # the text is folded for those alone, not for thousands of hits of a common word.
        if scores[cid] < full:
            return True
        if full == 1:
            return False
        text = kb.searchable_text(kb.claims[cid])
        if ascii_phrase and phrase in text.casefold():
            return False  # folding keeps a run of ASCII letters and spaces as it is
        return phrase not in fold(text)

    best = max(scores.values(), default=0)
    need = max(1, full if full <= 2 else best)
    ranked = sorted(
        (cid for cid, score in scores.items() if score >= need),  # only these are listed
        key=lambda cid: (-scores[cid], missing_phrase(cid), undated_last(kb.claims[cid])),
    )
    return [kb.claims[c] for c in ranked]


def search(kb: KnowledgeBase, arg: str) -> Answer:
    """Full-text search over the claims and their quotes, best matches first.

    Example: `search ulyanovsk`, `search drug trafficking`"""
    hits = search_facts(kb, arg)
    if not hits:
        return Answer(
            status="not_found",
            kind="search",
            title=f"No claim mentions “{echo(arg)}”",
            note="Try fewer or other words, or `who`/`org`/`what` for a name.",
            command=f"search {arg}",
        )
    b = Builder(kb)
    for f in hits:
        b.fact(f)
    return b.answer(
        f"Search: “{echo(arg)}”",
        kind="search",
        command=f"search {arg}",
        note=f"{len(hits):,} claim{'s' if len(hits) != 1 else ''} found.",
    )
