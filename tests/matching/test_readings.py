"""What a name's phonetic key tells of its reading without folding the name."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.names import fold, phonetic_folded
from bot.matching.readings import fixed_letters, translit_key

# Every letter some transliteration class or phonetic rule reads or writes, beside the
# letters they leave alone, digits, doubles, Cyrillic and a diacritic.
_LETTERS = "abcdefghijklmnopqrstuvwxyz0119 -'жшщчхцйяёлнМ" + "ë"
_SPELLINGS = [
    *("shch", "tsch", "sch", "tch", "dzh", "dj", "zh", "sh", "ch", "kh", "ks", "ph", "ck"),
    *("ts", "tz", "ie", "ye", "off", "of", "eff", "ij", "ej", "nn", "ll", "rr", "bb", "11"),
]
_TEXT = st.lists(
    st.one_of(st.sampled_from(_SPELLINGS), st.text(alphabet=_LETTERS, min_size=1, max_size=3)),
    max_size=10,
).map("".join)


@settings(max_examples=4000, deadline=None)
@given(_TEXT)
def test_a_name_its_phonetic_key_and_its_reading_keep_the_same_fixed_letters(text: str) -> None:
    folded = fold(text)
    fixed = fixed_letters(folded)
    assert fixed_letters(phonetic_folded(folded)) == fixed
    assert fixed_letters(translit_key(folded)) == fixed


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Philipp Lawrow", "Filipp Lavrov"),
        ("Anna Aksyonova 2011", "Ana Axionova 2011"),
        ("Jelisaweta Gratschjowa", "Yelizaveta Grachyova"),
        ("Nazarbayev", "Nazarbajev"),
        ("Tschaikowski", "Chaikovskiy"),
        ("Kusnezow", "Kuznetsov"),
    ],
)
def test_names_that_read_alike_keep_the_same_fixed_letters(a: str, b: str) -> None:
    """What the decision rule counts on: a name reading as the query, whatever its phonetic
    key, keeps the query's fixed letters in that key."""
    assert translit_key(fold(a)) == translit_key(fold(b))
    assert fixed_letters(phonetic_folded(fold(a))) == fixed_letters(fold(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [("Nina Boldyreva 2014", "Nina Boldyreva 2011"), ("Gennady Voronin", "Gwendolyn Voronin")],
)
def test_names_with_other_fixed_letters_are_told_apart(a: str, b: str) -> None:
    assert fixed_letters(phonetic_folded(fold(a))) != fixed_letters(fold(b))
