"""Exact, folded, phonetic, word-suffix and prefix hits, and completion by prefix."""

from __future__ import annotations

from bot.matching.index import NameEntry
from bot.matching.matcher import Matcher


def test_tiers_are_reported(matcher: Matcher) -> None:
    def tier(query: str) -> str:
        best = matcher.match(query).best
        assert best is not None
        return best.tier

    assert tier("Lavrov") == "exact"
    assert tier("Лавров") == "folded"
    assert tier("lavrof") == "phonetic"
    assert tier("Nazarbay") == "prefix"
    assert tier("lavorv") == "fuzzy"


def test_surname_matches_a_word_suffix_without_an_alias() -> None:
    index = Matcher(
        [
            NameEntry("p1", "Sergei Lavrov", "name"),
            NameEntry("p2", "Anatoliy Serdyukov", "name"),
            NameEntry("o1", "Collective Rapid Reaction Force", "name"),
        ]
    )
    lavrov = index.match("lavrov")
    assert lavrov.decision == "answer" and lavrov.best is not None
    assert (lavrov.best.key, lavrov.best.part, lavrov.best.tier) == ("p1", "suffix", "exact")
    serdiukov = index.match("serdiukov")
    assert serdiukov.decision == "answer" and serdiukov.best is not None
    assert (serdiukov.best.key, serdiukov.best.tier) == ("p2", "phonetic")
    force = index.match("Rapid Reaction Force")
    assert force.decision == "answer" and force.best is not None and force.best.key == "o1"
    assert index.match("force").decision == "choose"  # 19 % of the name


def test_complete_prefix_first_distinct_and_bounded(matcher: Matcher) -> None:
    out = matcher.complete("kaz")
    assert [c.key for c in out] == ["kazakhstan", "yerzhan-kazykhanov"]
    assert all(c.tier == "prefix" for c in out)
    assert [c.key for c in matcher.complete("sergei lav")] == ["sergei-lavrov"]
    assert [c.key for c in matcher.complete("collective rapid")] == ["ksor"]
    assert matcher.complete("NATO")[0].tier == "exact"
    lavorv = matcher.complete("lavorv")
    assert [(c.key, c.tier) for c in lavorv] == [("sergei-lavrov", "fuzzy")]
    # names starting with the text come before names with a later word that does
    many = matcher.complete("t", limit=25)
    assert len(many) <= 25 and len({c.key for c in many}) == len(many)
    starts = [c.matched.casefold().startswith("t") for c in many]
    assert starts == sorted(starts, reverse=True)


def test_complete_empty_lists_names_alphabetically(matcher: Matcher) -> None:
    out = matcher.complete("", limit=25)
    assert len(out) == 25
    names = [c.matched.casefold() for c in out]
    assert names == sorted(names)
    assert all(c.kind == "name" for c in out)
    assert len({c.key for c in out}) == 25
    assert matcher.complete("", limit=0) == []


def test_complete_respects_allowed(matcher: Matcher) -> None:
    assert [c.key for c in matcher.complete("kaz", allowed=lambda k: k != "kazakhstan")] == [
        "yerzhan-kazykhanov"
    ]
    out = matcher.complete("", limit=50, allowed=lambda k: k.startswith("k"))
    assert out and all(c.key.startswith("k") for c in out)
