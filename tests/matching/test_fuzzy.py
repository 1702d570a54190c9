"""Typo tolerance: misspelt, crowded and otherwise transliterated names are found."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


_SCORES = st.sampled_from([0.0, 0.5, 0.7, 0.75, 0.8, 5 / 6, 0.9, 1.0])  # ties are the point


@given(st.dictionaries(st.integers(0, 10**6), _SCORES, max_size=60))
def test_near_words_rank_best_first_then_by_id(near: dict[int, float]) -> None:
    """The near words a phrase keeps (the first few) must be those ranked by (-score, id)."""
    expected = sorted(near.items(), key=lambda kv: (-kv[1], kv[0]))
    assert fuzzy._best_first(near.items()) == expected


@given(
    st.dictionaries(
        st.integers(0, 10**6),
        st.tuples(_SCORES, st.sampled_from(["whole", "suffix"]), st.floats(0.1, 1.0)),
        max_size=80,
    )
)
def test_scored_names_rank_best_first_then_by_entry(found: dict) -> None:
    """The names rescored and kept as hits are the first of (-similarity, entry) order."""
    expected = sorted(found.items(), key=lambda item: (-item[1][0], item[0]))
    assert fuzzy._best_first(found.items(), fuzzy._similarity) == expected
