"""Each kind of bad edit is refused with file, line and a sentence an editor understands."""

from __future__ import annotations

import time

import pytest

from tests.conftest import MINI_CLAIMS, MINI_ENTITIES


def messages(result) -> list[str]:
    return [str(p) for p in result.problems]


def only(result, needle: str):
    found = [p for p in result.problems if needle in p.message]
    assert found, f"no problem mentions {needle!r}: {messages(result)}"
    return found[0]


def test_the_mini_fact_base_loads(mini):
    result = mini()
    assert result.ok, messages(result)
    fact = result.kb.claims["petrov-arrived"]
    assert fact.date.iso() == "2012-04-06"
    assert fact.date.year_inferred
    assert fact.citations[0].cites_date.iso() == "2012-04-06"


def test_unknown_key_is_an_error_with_a_suggestion(mini):
    result = mini({"entities.yaml": MINI_ENTITIES.replace("aliases:", "aliasses:")})
    assert result.kb is None
    p = only(result, "unknown key 'aliasses'")
    assert p.file == "knowledge/entities.yaml"
    assert (p.line, p.column) == (6, 5)
    assert "Did you mean 'aliases'?" in p.message
    assert "ivan-petrov" in p.message


def test_wrong_type_says_what_was_expected(mini):
    result = mini({"entities.yaml": MINI_ENTITIES.replace("aliases: [Petrov]", "aliases: Petrov")})
    p = only(result, "'aliases' should be a list")
    assert p.line == 6
    assert "found 'Petrov'" in p.message


def test_missing_required_key(mini):
    claims = MINI_CLAIMS.replace(
        "    text: Petrov arrived in Astana, according to the article.\n", ""
    )
    p = only(mini({"claims.yaml": claims}), "the required key 'text' is missing")
    assert p.line == 2 and "petrov-arrived" in p.message


def test_claim_without_reference_is_refused(mini):
    claims = MINI_CLAIMS[: MINI_CLAIMS.index("    references:")] + "    references: []\n"
    only(mini({"claims.yaml": claims}), "a fact without a source is not a fact")


def test_bad_enum_value_lists_the_choices(mini):
    result = mini({"entities.yaml": MINI_ENTITIES.replace("type: person", "type: persn")})
    p = only(result, "must be one of: person, organisation")
    assert "Did you mean 'person'?" in p.message


def test_duplicate_id_across_files_names_both_places(mini):
    extra = """\
    entities:
      - id: astana
        type: place
        name: Astana City
        description: Duplicate.
    """
    result = mini({"more/extra.yaml": extra})
    p = only(result, "the entity id 'astana' is already used")
    assert "knowledge/entities.yaml:" in p.message
    assert p.file in {"knowledge/more/extra.yaml", "knowledge/entities.yaml"}


def test_alias_claimed_by_two_entities_names_both(mini):
    extra = """\
    entities:
      - id: petr-ivanov
        type: person
        name: Petr Ivanov
        description: Someone else.
        aliases: [petrov]
    """
    result = mini({"more.yaml": extra})
    p = only(result, "is also a name of 'ivan-petrov'")
    assert p.file == "knowledge/more.yaml" and p.line == 6
    assert "knowledge/entities.yaml:2" in p.message


def test_unknown_entity_reference_suggests_the_id(mini):
    result = mini({"claims.yaml": MINI_CLAIMS.replace("object: astana", "object: astan")})
    p = only(result, "'astan' is not the id of any entity")
    assert "Did you mean 'astana'?" in p.message
    assert p.line == 5


def test_unknown_article(mini):
    result = mini({"claims.yaml": MINI_CLAIMS.replace("article: test-article", "article: nope")})
    only(result, "'nope' is not the id of any article")


def test_quote_must_be_verbatim(mini):
    bad = MINI_CLAIMS.replace("the minister Ivan Petrov arrived", "the minister Petrov arrived")
    p = only(mini({"claims.yaml": bad}), "the quote is not in paragraph 1")
    assert p.line == 11


def test_quote_in_another_paragraph_says_which(mini):
    bad = MINI_CLAIMS.replace("the minister Ivan Petrov arrived in Astana", "agreed on the plan")
    p = only(mini({"claims.yaml": bad}), "the quote is not in paragraph 1")
    assert "It is in paragraph 2." in p.message


def test_typographic_quotes_and_spacing_are_folded(mini):
    claims = (
        MINI_CLAIMS.replace(
            "quote: the minister Ivan Petrov arrived in Astana",
            "quote: 'The \"council\"   met in Astana'",
        )
        .replace("paragraph: 1", "paragraph: 2")
        .replace(
            '        cites: {text: "Interfax, April 6", outlet: interfax, date: April 6}\n', ""
        )
    )
    result = mini({"claims.yaml": claims})
    assert result.ok, messages(result)


def test_cited_source_must_be_printed_in_the_paragraph(mini):
    bad = MINI_CLAIMS.replace('text: "Interfax, April 6"', 'text: "Interfax, April 7"')
    only(mini({"claims.yaml": bad}), "the cited source 'Interfax, April 7' is not printed")


def test_cited_outlet_must_be_an_outlet(mini):
    bad = MINI_CLAIMS.replace("outlet: interfax", "outlet: astana")
    only(mini({"claims.yaml": bad}), "'astana' is a place, but outlet must be outlet")


@pytest.mark.parametrize(
    ("date", "reason"),
    [("2012-13-45", "month 13"), ("sometime", "not a date"), ("February 30, 2012", "30")],
)
def test_bad_dates(mini, date, reason):
    result = mini({"claims.yaml": MINI_CLAIMS.replace("date: April 6\n", f"date: {date}\n")})
    p = only(result, reason)
    assert p.line == 7


def test_paragraph_out_of_range(mini):
    result = mini({"claims.yaml": MINI_CLAIMS.replace("paragraph: 1", "paragraph: 9")})
    only(result, "paragraph 9 does not exist: article 'test-article' has 2 paragraphs")


def test_all_errors_of_a_file_are_reported_together(mini):
    bad = (
        MINI_ENTITIES.replace("aliases:", "aliasses:")
        .replace("type: place", "type: plaice")
        .replace("description: Capital of Kazakhstan.", "descripton: x")
    )
    result = mini({"entities.yaml": bad})
    found = [p for p in result.problems if p.file == "knowledge/entities.yaml"]
    errors = [p for p in found if p.severity == "error"]
    assert len(errors) >= 3, messages(result)
    assert sorted({p.line for p in errors}) == [6, 8, 10]
    # the claim about the dropped entity is a follow-on error: one summary line, no more
    assert str(found[-1]) == (
        "… and 2 errors about ids that knowledge/entities.yaml defines; fix it first."
    )
    # a misspelt required key is one problem with a suggestion, not also "missing"
    assert not [p for p in found if "is missing" in p.message]
    assert any("Did you mean 'description'?" in p.message for p in found)


def test_unsafe_python_tag_is_refused_and_never_run(mini, tmp_path):
    marker = tmp_path / "pwned"
    evil = f"""\
    entities: !!python/object/apply:os.system ["touch {marker}"]
    """
    result = mini({"evil.yaml": evil})
    only(result, "is not allowed")
    assert not marker.exists()


def test_duplicate_keys_are_reported(mini):
    dup = MINI_ENTITIES.replace("    name: Astana\n", "    name: Astana\n    name: Nur-Sultan\n")
    p = only(mini({"entities.yaml": dup}), "the key 'name' appears twice")
    assert p.line == 10 and "first on line 9" in p.message


def test_yaml_syntax_error_is_located(mini):
    result = mini({"entities.yaml": MINI_ENTITIES.replace("aliases: [Petrov]", "aliases: [Petrov")})
    p = only(result, "YAML syntax error")
    assert p.file == "knowledge/entities.yaml" and p.line is not None


def test_tabs_are_explained(mini):
    result = mini({"entities.yaml": MINI_ENTITIES.replace("    name: Astana", "\tname: Astana")})
    p = only(result, "YAML syntax error")
    assert "tab" in p.message.lower()


def test_alias_bomb_is_refused_quickly(mini):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 12):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [*{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}]\n"
    started = time.perf_counter()
    result = mini({"bomb.yaml": bomb})
    assert time.perf_counter() - started < 30  # generous: the point is that it finishes
    only(result, "anchors and aliases")


def test_invalid_utf8_and_bom(mini):
    result = mini({"entities.yaml": b"\xef\xbb\xbf" + MINI_ENTITIES.encode()})
    assert result.ok, messages(result)
    result = mini({"entities.yaml": MINI_ENTITIES.encode().replace(b"Capital", b"Capit\xff")})
    p = only(result, "not valid UTF-8")
    assert p.line == 10


def test_a_broken_file_still_lets_other_files_be_checked(mini):
    result = mini(
        {
            "entities.yaml": MINI_ENTITIES.replace("aliases:", "aliasses:"),
            "claims.yaml": MINI_CLAIMS.replace("object: astana", "object: astan"),
        }
    )
    files = {p.file for p in result.problems}
    assert files == {"knowledge/entities.yaml", "knowledge/claims.yaml"}


def test_a_file_that_is_a_list_is_explained(mini):
    only(mini({"odd.yaml": "- a\n- b\n"}), "must be a mapping with the sections")


def test_unknown_section(mini):
    p = only(mini({"odd.yaml": "entitys: []\n"}), "nknown key 'entitys'")
    assert "Did you mean 'entities'?" in p.message


def test_a_leftover_fixme_is_refused(mini):
    """`factbot draft` marks what the editor must decide; none of it may slip through."""
    result = mini(
        {"entities.yaml": MINI_ENTITIES.replace("A minister in the test article.", "FIXME")}
    )
    p = only(result, "still says FIXME")
    assert p.line == 5
