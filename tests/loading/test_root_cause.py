"""One mistake, one error: follow-on errors about the ids a broken file defines are held back
and summed up in one line; a name repeated but for case is only a warning."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli.main import main
from bot.loading.cache import LoadCache
from bot.loading.loader import load_knowledge
from tests.conftest import MINI_CLAIMS, MINI_ENTITIES

SUMMARY = re.compile(
    r"… and (\d+) errors about ids that knowledge/people\.yaml defines; fix it first\."
)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _load(root: Path):
    return load_knowledge(root / "knowledge", root / "seeds")


def test_a_duplicated_key_is_one_located_error_and_one_summary_line(kb_copy):
    _edit(
        kb_copy / "knowledge" / "people.yaml",
        "    name: Sergei Lavrov\n",
        "    name: Sergei Lavrov\n    name: Sergey Lavrov\n",
    )
    result = _load(kb_copy)
    assert result.kb is None
    assert len(result.problems) == 2, [str(p) for p in result.problems]
    root, summary = result.problems
    assert str(root) == (
        "knowledge/people.yaml:10:5: the key 'name' appears twice in this mapping "
        "(first on line 9); keep one."
    )
    match = SUMMARY.fullmatch(str(summary))
    assert match, str(summary)
    assert int(match.group(1)) > 10  # every claim about Lavrov, Putin, ... in other files
    assert summary.severity == "note"


def test_a_syntax_error_is_one_located_error_and_one_summary_line(kb_copy):
    _edit(
        kb_copy / "knowledge" / "people.yaml",
        "    description: Russia's Foreign Minister",
        "   description: Russia's Foreign Minister",
    )
    result = _load(kb_copy)
    assert [p.file for p in result.problems] == ["knowledge/people.yaml"] * 2
    assert result.problems[0].line == 10
    assert SUMMARY.fullmatch(str(result.problems[1]))


def test_check_prints_the_root_error_and_the_summary_not_the_cascade(kb_copy, capsys):
    _edit(
        kb_copy / "knowledge" / "people.yaml",
        "    name: Sergei Lavrov\n",
        "    name: Sergei Lavrov\n    name: Sergey Lavrov\n",
    )
    assert main(["check", "--knowledge", str(kb_copy / "knowledge")]) == 1
    err = capsys.readouterr().err
    assert "is not the id of any entity" not in err
    lines = [line for line in err.splitlines() if line]
    assert lines[0].startswith("knowledge/people.yaml:10:5: the key 'name' appears twice")
    assert SUMMARY.fullmatch(lines[1])
    assert lines[2] == "1 problem in 1 file; nothing was loaded."


def test_a_bad_item_holds_back_the_errors_about_its_id_but_not_other_errors(mini):
    claims = MINI_CLAIMS + MINI_CLAIMS.replace("claims:\n", "").replace(
        "id: petrov-arrived\n    subject: ivan-petrov", "id: other\n    subject: ivan-petrof"
    )
    result = mini(
        {
            "entities.yaml": MINI_ENTITIES.replace("type: person", "type: persn"),
            "claims.yaml": claims,
        }
    )
    shown = [str(p) for p in result.problems]
    assert len(shown) == 3, shown
    assert "'type' is 'persn'" in shown[0]
    assert shown[1] == (
        "… and 1 error about ids that knowledge/entities.yaml defines; fix it first."
    )
    # a typo is not a follow-on error: it is still reported, with its suggestion
    assert shown[2].startswith("knowledge/claims.yaml:")
    assert "'ivan-petrof' is not the id of any entity." in shown[2]


def test_an_alias_repeating_a_name_but_for_case_is_a_warning(mini):
    result = mini(
        {"entities.yaml": MINI_ENTITIES.replace("aliases: [Petrov]", "aliases: [Petrov, petrov]")}
    )
    assert result.ok, [str(p) for p in result.problems]
    assert [str(w) for w in result.warnings] == [
        "knowledge/entities.yaml:6:23: warning: the alias 'petrov' differs from the alias "
        "'Petrov' of 'ivan-petrov' only in case; lookups ignore case, so it can go."
    ]


def test_an_alias_repeating_a_name_exactly_is_still_an_error(mini):
    result = mini(
        {"entities.yaml": MINI_ENTITIES.replace("aliases: [Petrov]", "aliases: [Petrov, Petrov]")}
    )
    assert result.kb is None
    assert "repeats another name of 'ivan-petrov'" in result.problems[0].message
    assert result.warnings == ()


def test_warnings_survive_a_reload_that_reuses_the_entity_check(mini, tmp_path):
    mini({"entities.yaml": MINI_ENTITIES.replace("aliases: [Petrov]", "aliases: [Petrov, PETROV]")})
    cache = LoadCache()
    first = load_knowledge(tmp_path / "knowledge", tmp_path / "seeds", cache=cache)
    again = load_knowledge(tmp_path / "knowledge", tmp_path / "seeds", cache=cache)
    assert first.ok and again.ok
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]
    assert len(again.warnings) == 1


def test_check_prints_warnings_and_passes(kb_copy, capsys):
    _edit(
        kb_copy / "knowledge" / "people.yaml",
        "      - Lavrov\n",
        "      - Lavrov\n      - LAVROV\n",
    )
    assert main(["check", "--knowledge", str(kb_copy / "knowledge")]) == 0
    captured = capsys.readouterr()
    assert (
        "knowledge/people.yaml:13:9: warning: the alias 'LAVROV' differs from the alias 'Lavrov'"
        in captured.err
    )
    assert captured.out.startswith("OK:")
    assert "warnings:   1" in captured.out


def test_an_id_that_is_a_list_is_reported_not_a_crash(mini):
    entities = MINI_ENTITIES.replace("id: ivan-petrov", "id: [ivan, petrov]", 1)
    assert entities != MINI_ENTITIES
    result = mini({"entities.yaml": entities, "claims.yaml": MINI_CLAIMS})
    shown = [str(p) for p in result.problems]
    assert shown and shown[0].startswith("knowledge/entities.yaml:"), shown
