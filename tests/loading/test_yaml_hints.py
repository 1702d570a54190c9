"""YAML syntax errors get a sentence and a hint at the line to fix, never PyYAML's wording
alone."""

from __future__ import annotations

import pytest

from tests.conftest import MINI_ENTITIES

RAW_WORDING = ("mapping values are not allowed", "while parsing", "while scanning", "did not find")


def _problem(mini, text: str):
    result = mini({"entities.yaml": text})
    assert result.kb is None
    found = [p for p in result.problems if p.severity == "error"]
    assert len(found) == 1, [str(p) for p in result.problems]
    assert found[0].file == "knowledge/entities.yaml"
    message = found[0].message
    assert not any(raw in message for raw in RAW_WORDING), message
    return found[0]


def test_a_key_indented_too_little_shows_the_line_and_the_expected_column(mini):
    p = _problem(mini, MINI_ENTITIES.replace("    description: Capital", "   description: Capital"))
    assert (p.line, p.column) == (10, 4)
    assert p.message == (
        "YAML indentation error: line 10 ('   description: Capital of Kazakhstan.'): this key "
        "is indented 3 spaces, but the keys of this mapping start at column 5; indent it 4 "
        "spaces."
    )


def test_a_key_indented_too_far_shows_the_line_and_the_expected_column(mini):
    p = _problem(mini, MINI_ENTITIES.replace("    name: Astana", "      name: Astana"))
    assert (p.line, p.column) == (9, 7)
    assert "this key is indented 6 spaces, but the keys of this mapping start at column 5" in (
        p.message
    )
    assert "('      name: Astana')" in p.message


def test_a_list_item_out_of_line(mini):
    text = MINI_ENTITIES.replace("aliases: [Petrov]", "aliases:\n      - Petrov\n     - Petrov-2")
    p = _problem(mini, text)
    assert (p.line, p.column) == (8, 6)
    assert "this list item is indented 5 spaces, but the items of this list start at column 7" in (
        p.message
    )


@pytest.mark.parametrize("where", ["\tname: Astana", "  \tname: Astana"])
def test_a_tab_in_the_indentation(mini, where):
    p = _problem(mini, MINI_ENTITIES.replace("    name: Astana", where))
    assert p.line == 9
    assert p.message == (
        "YAML syntax error: line 9 is indented with a tab; YAML indents with spaces, never "
        "tabs: replace the tab with spaces."
    )


@pytest.mark.parametrize("quote", ['"', "'"])
def test_an_unclosed_quote_says_where_it_opened(mini, quote):
    p = _problem(mini, MINI_ENTITIES.replace("name: Ivan Petrov", f"name: {quote}Ivan Petrov"))
    assert (p.line, p.column) == (4, 11)
    assert p.message.startswith(
        "YAML syntax error: the value in quotes from line 4, column 11 is never closed; "
        f"end it with {quote}"
    )


def test_an_unclosed_bracket_says_where_it_opened(mini):
    p = _problem(mini, MINI_ENTITIES.replace("aliases: [Petrov]", "aliases: [Petrov"))
    assert (p.line, p.column) == (6, 14)
    assert p.message.startswith(
        "YAML syntax error: the list '[' from line 6, column 14 is not closed before line 7; "
        "end it with ']'"
    )


def test_a_missing_colon(mini):
    p = _problem(mini, MINI_ENTITIES.replace("type: place", "type place"))
    assert p.line == 8
    assert p.message == (
        "YAML syntax error: line 8 ('    type place') has no ':' after its key; write 'key: value'."
    )


def test_a_missing_space_after_the_colon(mini):
    p = _problem(mini, MINI_ENTITIES.replace("type: place", "type:place"))
    assert (p.line, p.column) == (8, 10)
    assert p.message == (
        "YAML syntax error: line 8 ('    type:place') needs a space after the ':' of 'type'; "
        "write 'type: place'."
    )


def test_a_colon_inside_a_plain_value(mini):
    p = _problem(mini, MINI_ENTITIES.replace("Capital of Kazakhstan.", "Capital: Astana."))
    assert p.line == 10
    assert "has a second ': ' in its value" in p.message
    assert "put the whole value in quotes" in p.message


def test_text_after_a_closing_quote(mini):
    p = _problem(mini, MINI_ENTITIES.replace("name: Astana", 'name: "Astana" city'))
    assert p.line == 9
    assert "goes on after the closing quote" in p.message


def test_a_syntax_error_in_the_config_quotes_no_text(tmp_path):
    from bot.loading.yamlsource import read_yaml

    secret = "Mz" + "q" * 40
    doc = read_yaml("config.yaml", f"token:{secret}\nprefix: x\n".encode())
    assert doc.problems and secret[-8:] not in str(doc.problems[0])
    assert "needs a space after the ':' of 'token'; write 'key: value'" in str(doc.problems[0])
