"""Typo tolerance: misspelt, crowded and otherwise transliterated names are found."""

from __future__ import annotations

import pytest

from bot.matching import fuzzy
from bot.matching.index import NameEntry
from bot.matching.matcher import Matcher
from tests.matching.bases import crowd, synthetic_names


def test_typos_in_a_larger_index_find_the_name() -> None:
    index = Matcher(synthetic_names(3000))
    for typo, name in [
        ("Aleksei Petenskx", "Aleksei Petensky"),  # last letter mistyped
        ("Aleksei Pteensky", "Aleksei Petensky"),  # transposition
        ("Aleksei Petensk", "Aleksei Petensky"),  # dropped letter
        ("Aleksej Petenskij", "Aleksei Petensky"),  # transliteration, not a typo
    ]:
        result = index.match(typo)
        assert result.best is not None and result.best.matched == name, result.explain()


def test_crowded_names_are_found_by_two_of_their_words(monkeypatch: pytest.MonkeyPatch) -> None:
    # As in a base of 100k people: each word of the name has more names than one lookup
    # scores (here the budget is made small instead of the base large).
    monkeypatch.setattr(fuzzy, "_MULTI_POOL", 16)
    index = Matcher(crowd())
    for query, key in [
        ("Yaroslav Konstantinovich Yemelyanv", "p37-24"),  # typo in the shared surname
        ("Yaroslav Konstantinovih Yemelyanov", "p37-24"),  # typo in the patronymic
        ("Nikolai Rodionovich Yemelyanow", "p29-29"),
    ]:
        result = index.match(query)
        assert result.best is not None and result.best.key == key, result.explain()
        assert result.decision == "answer", result.explain()


def test_other_transliteration_systems_are_found() -> None:
    # Other people are stored in German, so every German word of the query exists in the index
    # and still none of them is the meant person's: only the skeleton brings the two together.
    index = Matcher(
        [
            *crowd(),
            NameEntry("svyatoslav", "Swjatoslaw Jemeljanow", "name"),
            NameEntry("shilov", "Wadim Igorewitsch Schilow", "name"),
            NameEntry("jaroslaw", "Jaroslaw Kusmin", "name"),
        ]
    )
    for query, key in [
        ("Jaroslaw Igorewitsch Jemeljanow", "p37-6"),
        ("Jefim Wladimirowitsch Gontscharow", "goncharov"),  # not Sacharow, stored in German
        ("Jaroslaw Kozlow", "kozlov"),
    ]:
        result = index.match(query)
        assert result.best is not None and result.best.key == key, result.explain()
        assert result.decision != "none"
