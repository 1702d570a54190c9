"""Entity linking in free text, and the one-meaning rule of the matcher (issue 16)."""

from __future__ import annotations

import pytest

from bot.matching.index import NameEntry
from bot.matching.linking import link, words_of
from bot.matching.matcher import Matcher


def linked(kb, text):
    return link(kb.matcher, text, allowed=kb.visible)


def test_every_entity_of_a_question_is_linked(seed_kb):
    result = linked(seed_kb, "how is Putin connected to KSOR?")
    assert result.entity_ids == ("vladimir-putin", "ksor")
    assert result.unknown == ()


def test_possessive_and_longest_span(seed_kb):
    result = linked(seed_kb, "who is Russia's foreign minister?")
    assert result.entity_ids == ("russia",)
    result = linked(seed_kb, "did the Kazakhstan Navy talk to NATO")
    assert result.entity_ids == ("kazakhstan-navy", "nato")  # not Kazakhstan alone


def test_exact_span_beats_a_longer_typo_span(seed_kb):
    result = linked(seed_kb, "when was the Shanghai Cooperation Organization mentioned")
    assert [m.text for m in result.mentions] == ["Shanghai Cooperation Organization"]


def test_unknown_capitalised_name_is_reported(seed_kb):
    result = linked(seed_kb, "What did Angela Merkel say about the SCO?")
    assert result.entity_ids == ("sco",)
    assert [u.text for u in result.unknown] == ["Angela Merkel"]


def test_ambiguous_name_is_unknown_with_choices_not_linked(seed_kb):
    result = linked(seed_kb, "what did the Russian side propose")
    assert result.entity_ids == ()
    assert result.unknown[0].text == "Russian" and "russia" in result.unknown[0].choices


def test_words_and_bounds():
    assert words_of("Russia's role, U.S. and the CSTO?") == [
        "Russia",
        "role",
        "U.S",
        "and",
        "the",
        "CSTO",
    ]
    assert len(words_of("word " * 500)) == 40


# ---------------------------------------------------------------- one meaning, answered


def _matcher(*names: tuple[str, str]) -> Matcher:
    return Matcher([NameEntry(k, n, "name") for k, n in names])


@pytest.mark.parametrize(
    ("query", "decision"),
    [
        ("nursultan", "answer"),  # a unique first name
        ("shanghai cooperation", "answer"),  # the first words of an organisation
        ("Anatoly", "choose"),  # a variant of the word, not the word
        ("Nazarba", "choose"),  # not a whole word
        ("Cooperation", "choose"),  # a whole word, but not the first words
    ],
)
def test_first_whole_words_of_one_name(query, decision):
    m = _matcher(
        ("nn", "Nursultan Nazarbayev"),
        ("sco", "Shanghai Cooperation Organization"),
        ("as", "Anatoliy Serdyukov"),
    )
    assert m.match(query).decision == decision, m.match(query).explain()


def test_another_name_holding_the_word_keeps_the_choice():
    m = _matcher(("sl", "Sergei Lavrov"), ("si", "Sergei Ivanov"))
    assert m.match("sergei").decision == "choose"
    near = _matcher(("sl", "Sergei Lavrov"), ("sv", "Sergey Ivanov"))
    assert near.match("sergei").decision == "choose"  # a near variant elsewhere: ask
