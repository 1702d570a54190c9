# ruff: noqa: E501  (EXPECTED holds the messages whole, as a user reads them)
"""The cross-file checks say exactly what they said before they were made faster: every
kind of problem and warning, in the same order, with the same lines, columns and wording
(EXPECTED is what the checks printed before the change, for these very files)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.model import _HIDDEN, _visible
from bot.loading.crosscheck import _fold_quote
from bot.loading.parse import _FILE, _compact_all

ENTITIES = """\
entities:
  - id: ivan-petrov
    type: person
    name: Ivan Petrov
    description: A minister in the test article.
    aliases: [Petrov, PETROV, Petrov, "!!", Иван Петров]
  - id: astana
    type: place
    name: Astana
    description: Capital of Kazakhstan.
    part_of: [kazakhstan]
  - id: astana-city
    type: place
    name: Astana City
    description: The same city again.
    aliases: [Astana, "Astana\u0301", Ivan Petrov]
  - id: lookalike
    type: person
    name: "Iván Pétrov"
    description: Reads as Ivan Petrov.
  - id: council
    type: organisation
    name: The Council
    description: The council.
  - id: council
    type: organisation
    name: Second Council
    description: A repeated id.
"""

CLAIMS = """\
claims:
  - id: petrov-arrived
    subject: ivan-petrov
    predicate: arrived_in
    object: astana
    text: Petrov arrived in Astana, according to the article.
    date: April 6
    references:
      - article: test-article
        paragraph: 1
        quote: the minister  Ivan Petrov arrived in Astana
        cites: {text: "Interfax, April 6", outlet: interfax, date: April 6}
  - id: council-met
    subject: council
    predicate: met_in
    place: astana
    mentions: [ivan-petrov, nobody, astana]
    text: The council met in Astana.
    start: April 2012
    end: "2011"
    references:
      - article: test-article
        paragraph: 2
        quote: The "council" met in Astana
      - article: test-article
        paragraph: 2
        quote: agreed on the plan
        cites: {text: "Interfax, April 6", outlet: astana}
  - id: wrong-refs
    subject: ivan-petrov-x
    predicate: said
    object: astanna
    place: nowhere
    text: Nothing here checks out.
    date: Smarch 12
    references:
      - article: test-articel
        paragraph: 1
        quote: whatever
      - article: test-article
        paragraph: 9
        quote: whatever
      - article: test-article
        paragraph: 1
        quote: the minister Ivan Petrov left Astana
        cites: {text: "Reuters, April 6", outlet: reuters, date: April 31}
  - id: petrov-arrived
    subject: ivan-petrov
    predicate: arrived_in
    text: A repeated claim id.
    references:
      - article: test-article
        paragraph: 1
        quote: Ivan Petrov arrived in Astana
  - id: in-context
    subject: astana
    predicate: hosted
    text: Astana hosted it.
    date: April 6
    start: early April
    end: late 2012
    references:
      - article: test-article
        paragraph: 1
        quote: "“Ivan Petrov arrived”"
        cites: {text: "Interfax, April 6", date: "April 6, 2011"}
"""

EXPECTED = [
    "knowledge/entities.yaml:25:9: the entity id 'council' is already used by the entity defined at knowledge/entities.yaml:21; ids must be unique.",
    "knowledge/entities.yaml:6:31: the alias 'Petrov' repeats another name of 'ivan-petrov'; list each name once.",
    "knowledge/entities.yaml:6:39: the alias '!!' has no letters or digits to look it up by.",
    "knowledge/entities.yaml:11:15: 'kazakhstan' is not the id of any entity. Did you mean 'astana'?",
    "knowledge/entities.yaml:16:15: the alias 'Astana' of 'astana-city' is also a name of 'astana' ('Astana', knowledge/entities.yaml:7); a name or alias may belong to one entity only.",
    "knowledge/entities.yaml:16:23: the alias 'Astaná' of 'astana-city' is also a name of 'astana' ('Astana', knowledge/entities.yaml:7); a name or alias may belong to one entity only. They look alike: lookups read both as 'astana' (letters from other alphabets and accents count as the plain Latin letter).",
    "knowledge/entities.yaml:16:34: the alias 'Ivan Petrov' of 'astana-city' is also a name of 'ivan-petrov' ('Ivan Petrov', knowledge/entities.yaml:2); a name or alias may belong to one entity only.",
    "knowledge/entities.yaml:19:11: the name 'Iván Pétrov' of 'lookalike' is also a name of 'ivan-petrov' ('Ivan Petrov', knowledge/entities.yaml:2); a name or alias may belong to one entity only. They look alike: lookups read both as 'ivan petrov' (letters from other alphabets and accents count as the plain Latin letter).",
    "knowledge/claims.yaml:47:9: the claim id 'petrov-arrived' is already used by the claim defined at knowledge/claims.yaml:2; ids must be unique.",
    "knowledge/claims.yaml:17:29: 'nobody' is not the id of any entity.",
    "knowledge/claims.yaml:28:23: the cited source 'Interfax, April 6' is not printed in paragraph 2 of article 'test-article'; copy it from the parentheses.",
    "knowledge/claims.yaml:28:52: 'astana' is a place, but outlet must be outlet.",
    "knowledge/claims.yaml:20:10: 'end' (2011) is before 'start' (April 2012).",
    "knowledge/claims.yaml:30:14: 'ivan-petrov-x' is not the id of any entity. Did you mean 'ivan-petrov'?",
    "knowledge/claims.yaml:32:13: 'astanna' is not the id of any entity. Did you mean 'astana'?",
    "knowledge/claims.yaml:33:12: 'nowhere' is not the id of any entity.",
    "knowledge/claims.yaml:37:18: 'test-articel' is not the id of any article in the sources. Did you mean 'test-article'?",
    "knowledge/claims.yaml:41:20: paragraph 9 does not exist: article 'test-article' has 2 paragraphs.",
    "knowledge/claims.yaml:45:16: the quote is not in paragraph 1 of article 'test-article'. Closest in paragraph 1: '… the minister Ivan Petrov [left → arrived in] Astana …' (marked [the quote → the article]). Copy it exactly from the article (only spacing, quote marks and dashes may differ).",
    "knowledge/claims.yaml:46:23: the cited source 'Reuters, April 6' is not printed in paragraph 1 of article 'test-article'; copy it from the parentheses.",
    "knowledge/claims.yaml:46:51: 'reuters' is not the id of any entity.",
    "knowledge/claims.yaml:46:66: 'April 31' is not a date: April has only 30 days.",
    "knowledge/claims.yaml:35:11: 'Smarch 12' is not a date I can read; try 2012-04-06, April 6 2012, April 2012, 2012 or late 2008.",
    "knowledge/claims.yaml:65:16: the quote is not in paragraph 1 of article 'test-article'. Copy it exactly from the article (only spacing, quote marks and dashes may differ).",
    "knowledge/claims.yaml:59:11: 'April 6' has no year; write it in full (such as 6 April 2012), or read it with the article's date as context.",
    "knowledge/claims.yaml:60:12: 'early April' is not a date I can read; try 2012-04-06, April 6 2012, April 2012, 2012 or late 2008.",
    "knowledge/entities.yaml:6:23: warning: the alias 'PETROV' differs from the alias 'Petrov' of 'ivan-petrov' only in case; lookups ignore case, so it can go.",
]


def test_every_problem_and_warning_as_before(mini):
    result = mini({"entities.yaml": ENTITIES, "claims.yaml": CLAIMS})
    assert result.kb is None
    assert [str(p) for p in (*result.problems, *result.warnings)] == EXPECTED


_QUOTE_TEXT = st.text(alphabet="ab \t\u00a0\u2019'\u201c\"\u2013-.", max_size=25)


@settings(max_examples=500, deadline=None)
@given(_QUOTE_TEXT, _QUOTE_TEXT)
def test_a_quote_found_as_written_is_found_folded(quote, text):
    """The checks skip folding a quote that is in the folded paragraph as written: that is
    right only if such a quote is there folded too."""
    paragraph = _fold_quote(text)
    if quote in paragraph:
        assert _fold_quote(quote) in paragraph


def _claims_file(n: int) -> dict:
    claim = {
        "id": "c",
        "subject": "s",
        "predicate": "said",
        "text": "t",
        "mentions": ["m"],
        "references": [{"article": "a", "paragraph": 1, "quote": "q"}],
    }
    cites = {"text": "x", "outlet": "o"}
    claims = []
    for i in range(n):
        c = dict(claim, id=f"c-{i}", subject="-".join(["s", "x"]))  # a fresh string each
        if i % 2:
            c["object"] = "o"
            c["references"] = [dict(claim["references"][0], cites=cites)]
        claims.append(c)
    return {"claims": claims}


def test_compacting_shares_fields_sets_and_interns_ids_without_changing_values():
    data = _claims_file(6)
    compacted, fresh = _FILE.validate_python(data), _FILE.validate_python(data)
    _compact_all(compacted.claims)
    assert compacted == fresh
    for a, b in zip(compacted.claims, fresh.claims, strict=True):
        assert a.model_fields_set == b.model_fields_set
        assert a.model_dump(exclude_unset=True) == b.model_dump(exclude_unset=True)
    first, second, third = compacted.claims[:3]
    assert first.__pydantic_fields_set__ is third.__pydantic_fields_set__
    assert first.__pydantic_fields_set__ is not second.__pydantic_fields_set__
    assert first.subject is second.subject  # one string, interned
    refs = [c.references[0] for c in compacted.claims]
    assert refs[0].__pydantic_fields_set__ is refs[2].__pydantic_fields_set__
    assert refs[1].cites.outlet is refs[3].cites.outlet


def test_visible_text_passes_and_every_hidden_character_is_refused_by_name():
    for text in ("Ivan Petrov", "tab\tand\nnewline", "Лавров «Ивана»", "\u00a0no-break"):
        assert _visible(text) == text
    hidden = [chr(c) for c in range(0x110000) if _HIDDEN.match(chr(c))]
    assert len(hidden) == 72
    for ch in hidden:
        try:
            _visible(f"ab{ch}c")
        except ValueError as exc:
            assert f"U+{ord(ch):04X} at character 3" in str(exc)
        else:
            raise AssertionError(f"U+{ord(ch):04X} let through")
