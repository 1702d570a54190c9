"""A quote that is not verbatim shows the closest passage with the differing words marked."""

from __future__ import annotations

from bot.loading.quotediff import MAX_PARAGRAPH_WORDS, closest_passage
from tests.conftest import MINI_CLAIMS

QUOTE = "quote: the minister Ivan Petrov arrived in Astana"


def _quote_problem(mini, quote: str):
    result = mini({"claims.yaml": MINI_CLAIMS.replace(QUOTE, f"quote: {quote}")})
    found = [p for p in result.problems if "the quote is not in paragraph 1" in p.message]
    assert found, [str(p) for p in result.problems]
    return found[0]


def test_one_changed_word_is_marked(mini):
    p = _quote_problem(mini, "the minister Ivan Petrov came in Astana")
    assert (p.line, p.column) == (11, 16)
    assert (
        "Closest in paragraph 1: '… the minister Ivan Petrov [came → arrived] in Astana …' "
        "(marked [the quote → the article])." in p.message
    )


def test_missing_and_extra_words_are_marked(mini):
    p = _quote_problem(mini, "the minister Petrov arrived in in Astana")
    assert "'… the minister [→ Ivan] Petrov arrived in [in →] Astana …'" in p.message


def test_a_quote_like_nothing_in_the_paragraph_is_only_said_to_be_wrong(mini):
    p = _quote_problem(mini, "a sentence from some other article entirely")
    assert "Closest" not in p.message
    assert "Copy it exactly from the article" in p.message


def test_long_runs_of_matching_words_are_shortened():
    paragraph = " ".join(f"w{i}" for i in range(100))
    quote = " ".join(f"w{i}" for i in range(10, 60)).replace("w30", "x30")
    assert closest_passage(quote, paragraph) == "… w26 w27 w28 w29 [x30 → w30] w31 w32 w33 w34 …"


def test_a_huge_paragraph_is_searched_only_so_far():
    paragraph = "filler " * (2 * MAX_PARAGRAPH_WORDS) + "the words to find here"
    assert closest_passage("the words to find there", paragraph) is None
    start = "the words to find here " + "filler " * (2 * MAX_PARAGRAPH_WORDS)
    assert closest_passage("the words to find there", start) == "the words to find [there → here] …"
