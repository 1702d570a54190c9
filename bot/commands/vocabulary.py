"""Which predicates the words of a question stand for (issue 16), without a model.

The fact base's own predicates are understood with their inflections (propose, proposes,
proposed, proposal → `proposed`); `predicates.yaml`, shipped with the package, adds the
irregular verbs, synonyms and nouns, and names the predicate groups the question patterns
use (statements, membership, roles, places).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import yaml

from bot.knowledge.snapshot import KnowledgeBase
from bot.matching.linking import FUNCTION_WORDS

_SUFFIXES = ("ations", "ation", "ings", "ing", "als", "al", "ies", "ied", "ed", "es", "s", "e")


def stem(word: str) -> str:
    """A crude stem that makes propose/proposes/proposed/proposal one word."""
    w = word.casefold().strip("'’")
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


@dataclass(frozen=True)
class Vocabulary:
    """Which predicates a word of a question stands for, and the predicate groups."""

    by_stem: Mapping[str, frozenset[str]]
    statements: frozenset[str]
    membership: frozenset[str]
    roles: frozenset[str]
    places: frozenset[str]
    role_words: Mapping[str, str]
    demonyms: Mapping[str, str]

    def predicates(self, word: str) -> frozenset[str]:
        return self.by_stem.get(stem(word), frozenset())

    def words(self) -> frozenset[str]:
        return frozenset(self.by_stem)


@cache
def _table() -> dict[str, object]:
    """The synonym table shipped with the package (bot/commands/predicates.yaml)."""
    text = resources.files("bot.commands").joinpath("predicates.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return data if isinstance(data, dict) else {}


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


@cache
def _mapping(name: str) -> dict[str, str]:
    value = _table().get(name)
    return {str(k).casefold(): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@lru_cache(maxsize=8)  # one per predicate set: a few snapshots' worth, never unbounded
def _vocabulary(predicates: frozenset[str]) -> Vocabulary:
    table = _table()
    by_stem: dict[str, set[str]] = {}
    for predicate in predicates:
        heads = [w for w in predicate.split("_") if w not in FUNCTION_WORDS and len(w) >= 3]
        if heads:
            by_stem.setdefault(stem(heads[0]), set()).add(predicate)
    synonyms = table.get("synonyms")
    for predicate, words in synonyms.items() if isinstance(synonyms, dict) else ():
        for word in _strings(words):
            by_stem.setdefault(stem(word), set()).add(str(predicate))

    def group(name: str) -> frozenset[str]:
        return frozenset(_strings(table.get(name)))

    return Vocabulary(
        by_stem={k: frozenset(v) for k, v in by_stem.items()},
        statements=group("statements"),
        membership=group("membership"),
        roles=group("roles"),
        places=group("places"),
        role_words=_mapping("role_words"),
        demonyms=_mapping("demonyms"),
    )


def vocabulary(kb: KnowledgeBase) -> Vocabulary:
    """The vocabulary for this snapshot: its predicates plus the synonym table (kept with
    the snapshot, so a reload never holds on to an old fact base)."""
    return _vocabulary(kb.predicates)


def demonyms() -> Mapping[str, str]:
    """Adjectives that stand for a country ("Russian" → "Russia"), from the table."""
    return _mapping("demonyms")
