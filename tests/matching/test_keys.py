"""The keys names are indexed by."""

from __future__ import annotations

import random

import pytest

from bot.knowledge.names import phonetic
from bot.matching.keys import deletions, trigrams
from tests.matching.bases import fact_entries


def test_fixture_names_of_different_keys_have_different_phonetic_keys() -> None:
    owners: dict[str, set[str]] = {}
    for entry in fact_entries():
        owners.setdefault(phonetic(entry.text), set()).add(entry.key)
    shared = {key: keys for key, keys in owners.items() if len(keys) > 1}
    assert shared == {"moscov": {"moscow", "russian-government"}}


# The longest place name we know of (a hill in New Zealand): 85 letters, one word.
LONGEST_REAL_WORD = (
    "taumatawhakatangihangakoauauotamateaturipukakapikimaungahoronukupokaiwhenuakitanatahu"
)


@pytest.mark.parametrize("word", ["a", "lavrov", "nazarbayev", LONGEST_REAL_WORD])
def test_real_words_keep_every_deletion_variant(word: str) -> None:
    everything = {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}
    assert deletions(word) == (everything if len(word) > 1 else {word})
    assert trigrams(word) == {f" {word} "[i : i + 3] for i in range(len(word))}


@pytest.mark.parametrize("length", [100, 129, 1_000, 10_000])
def test_the_keys_of_a_word_cost_linear_work_whatever_its_length(length: int) -> None:
    # Every variant and trigram is hashed and stored: their characters are the work. Without
    # a bound a word of n letters has n variants of n - 1 letters each: n² (10⁸ here).
    rng = random.Random(length)
    word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(length))
    work = sum(map(len, deletions(word))) + sum(map(len, trigrams(word)))
    assert work <= 200 * length
    assert word in deletions(word)  # a long word still meets its exact twin
