"""The keys names are indexed by."""

from __future__ import annotations

from bot.knowledge.names import phonetic
from tests.matching.bases import fact_entries


def test_fixture_names_of_different_keys_have_different_phonetic_keys() -> None:
    owners: dict[str, set[str]] = {}
    for entry in fact_entries():
        owners.setdefault(phonetic(entry.text), set()).add(entry.key)
    shared = {key: keys for key, keys in owners.items() if len(keys) > 1}
    assert shared == {"moscov": {"moscow", "russian-government"}}
