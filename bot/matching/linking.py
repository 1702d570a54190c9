"""Find the entities a free-text question names, with the lookups' never-wrong rule.

Why: "how is Putin connected to KSOR?" or "what did Merkel say about the SCO?" name
entities in running text. Every run of up to `MAX_SPAN` words is looked up with the same
`Matcher` and decision as `who`/`org`; only an "answer" links. Overlapping spans are
resolved longest first, then most confident (tier, score). A capitalised name that links
to nothing is kept as *unknown*, so the answer can say "I know nothing about Merkel"
instead of silently dropping it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.matching.decide import MatchResult
from bot.matching.matcher import Matcher

MAX_SPAN = 6  # words in the longest name looked for
MAX_WORDS = 40  # words of a question looked at (bounds the lookups to ~200)

_TIER_RANK = {"exact": 0, "folded": 1, "phonetic": 2, "prefix": 3, "fuzzy": 4}
_WORD = re.compile(r"[^\W_](?:[\w.\-’']*[^\W_])?\.?", re.UNICODE)
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$", re.IGNORECASE)

# Words that never begin or end a name in a question (the caller adds its own verbs).
FUNCTION_WORDS = frozenset(
    {
        "a", "about", "after", "an", "and", "any", "are", "as", "at", "be", "been", "before",
        "between", "by", "can", "could", "did", "do", "does", "during", "for", "from", "had",
        "has", "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its",
        "me", "my", "not", "of", "on", "or", "our", "she", "so", "than", "that", "the", "their",
        "them", "then", "there", "these", "they", "this", "those", "to", "us", "was", "we",
        "were", "what", "when", "where", "which", "while", "who", "whom", "whose", "why",
        "will", "with", "would", "you", "your", "connected", "connection", "connections",
        "related", "linked", "link", "happen", "happened", "happens", "member", "members",
        "membership", "say", "says", "said", "tell", "show", "know", "anything", "something",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Mention:
    """A span of the question (word positions [start, end)) linked to one entity."""

    start: int
    end: int
    text: str
    entity_id: str
    tier: str
    score: float
    how: str  # the matcher's one-line explanation

    def overlaps(self, other: Mention) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Unknown:
    """A name in the question that links to no entity (or to several: `choices`)."""

    text: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Linking:
    """Every entity a question names, in question order, and the names it could not link."""

    text: str
    words: tuple[str, ...]
    mentions: tuple[Mention, ...]
    unknown: tuple[Unknown, ...]

    @property
    def entity_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.entity_id for m in self.mentions))

    def explain(self) -> str:
        lines = [
            f"“{m.text}” → {m.entity_id} ({m.tier}, score {m.score:.0f})" for m in self.mentions
        ]
        lines += [
            f"“{u.text}” → unknown" + (f" (could be {', '.join(u.choices)})" if u.choices else "")
            for u in self.unknown
        ]
        return "; ".join(lines) if lines else "no entity named"


def words_of(text: str) -> list[str]:
    """The question's words, possessives dropped ("Russia's" → "Russia")."""
    out = []
    for m in _WORD.finditer(text):
        word = _POSSESSIVE.sub("", m.group().rstrip("."))
        if word:
            out.append(word)
    return out[:MAX_WORDS]


def _is_name_like(word: str) -> bool:
    return word[:1].isupper() or (len(word) >= 2 and word.isupper())


def link(
    matcher: Matcher,
    text: str,
    *,
    allowed: Callable[[str], bool] | None = None,
    function_words: Iterable[str] = (),
) -> Linking:
    """Link every entity `text` names; see the module docstring for the rules."""
    words = words_of(text)
    stop = FUNCTION_WORDS | {w.casefold() for w in function_words}
    lowered = [w.casefold() for w in words]
    found: list[Mention] = []
    for start in range(len(words)):
        if lowered[start] in stop:
            continue
        for end in range(start + 1, min(len(words), start + MAX_SPAN) + 1):
            if lowered[end - 1] in stop:
                continue
            span = " ".join(words[start:end])
            result = matcher.match(span, allowed=allowed)
            if result.decision == "answer" and result.best is not None:
                best = result.best
                found.append(
                    Mention(start, end, span, best.key, best.tier, best.score, result.explain())
                )
    chosen = _resolve_overlaps(found)
    covered = {i for m in chosen for i in range(m.start, m.end)}
    unknown = _unknown_names(matcher, words, lowered, covered, stop, allowed)
    return Linking(text, tuple(words), tuple(chosen), tuple(unknown))


def _resolve_overlaps(found: list[Mention]) -> list[Mention]:
    """Sure spans (not typo matches) first, then the longest, then the most confident; a span
    overlapping a kept one is dropped ("Shanghai Cooperation Organization mentioned" is a
    typo-distance match of a longer span, "Shanghai Cooperation Organization" an exact one)."""
    ranked = sorted(
        found,
        key=lambda m: (
            m.tier == "fuzzy",
            -(m.end - m.start),
            _TIER_RANK.get(m.tier, 9),
            -m.score,
            m.start,
        ),
    )
    kept: list[Mention] = []
    for m in ranked:
        if not any(m.overlaps(k) for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def _unknown_names(
    matcher: Matcher,
    words: list[str],
    lowered: list[str],
    covered: set[int],
    stop: frozenset[str],
    allowed: Callable[[str], bool] | None,
) -> list[Unknown]:
    """Runs of capitalised words not linked: names the fact base does not know (or not surely)."""
    runs: list[list[int]] = []
    for i, word in enumerate(words):
        if i in covered or lowered[i] in stop or not _is_name_like(word):
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    out = []
    for run in runs:
        name = " ".join(words[i] for i in run)
        result: MatchResult = matcher.match(name, allowed=allowed)
        choices = tuple(c.key for c in result.candidates) if result.decision == "choose" else ()
        out.append(Unknown(name, choices))
    return out
