"""The search index lists, for every folded word, exactly the claims whose searchable text
holds it, however it is built; and folding keeps the words it always had."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge import names
from bot.knowledge.names import fold
from bot.knowledge.snapshot import KnowledgeBase


def _reference(kb: KnowledgeBase) -> dict[str, frozenset[str]]:
    """The index as first written: each claim's whole searchable text folded at once."""
    postings: dict[str, set[str]] = {}
    for fact in kb.claims.values():
        for word in fold(kb.searchable_text(fact)).split():
            postings.setdefault(word, set()).add(fact.id)
    return {word: frozenset(ids) for word, ids in postings.items()}


@pytest.mark.parametrize("which", ["seed_kb", "multi_kb"])
def test_the_search_index_holds_each_claims_searchable_words(which, request):
    kb = request.getfixturevalue(which)
    index = kb.search_index
    assert dict(index.items()) == _reference(kb)
    assert "astana" in kb.search_index or which == "multi_kb"


# Letters that fold in interesting ways: dots of acronyms, Cyrillic, accents, combining marks,
# compatibility forms (NFKC), quotes that are dropped, dashes and digits.
_TRICKY = "aAbZ.. .-'’\u00e9\u0301Лавров\u00d6\u00df\ufb01\u2162\u00bd1 \t\u200b\u2013U.S"
_pieces = st.lists(st.text(alphabet=_TRICKY, max_size=12), min_size=1, max_size=4)


@settings(max_examples=400, deadline=None)
@given(_pieces)
def test_folding_pieces_apart_gives_the_words_of_folding_them_joined(pieces):
    joined = set(fold(" ".join(pieces)).split())
    apart = set().union(*(fold(p).split() for p in pieces))
    assert joined == apart


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_TRICKY, max_size=30))
def test_folding_skips_the_acronym_pass_only_where_it_changes_nothing(text):
    quick = fold(text)
    original = names._DOT_LETTER
    try:
        names._DOT_LETTER = re.compile("")  # always "found": the pass runs on every dot
        assert fold(text) == quick
    finally:
        names._DOT_LETTER = original


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("U.S. sanctions", "us sanctions"),
        ("the N.A.T.O summit.", "the nato summit"),
        ("He left. U.N. staff stayed", "he left un staff stayed"),
        ("Kozlov said.", "kozlov said"),
        ("С.Ш.А. и Россия", "ssha i rossiya"),
    ],
)
def test_dotted_acronyms_still_join(text, folded):
    assert fold(text) == folded
