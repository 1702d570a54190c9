"""Whoever edits the YAML cannot reach outside the fact base, nor slip in what cannot be meant.

Each test performs an attack of issue 14 (or an accident that looks like one) and shows
what the editor sees: a located problem, and the last good knowledge kept.
"""

from __future__ import annotations

from bot.cli.main import main
from bot.config import Settings
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.holder import KnowledgeHolder
from tests.conftest import MINI_ARTICLE, MINI_CLAIMS, MINI_ENTITIES, MINI_SOURCES


def only(result, needle: str):
    found = [p for p in result.problems if needle in p.message]
    assert found, f"no problem mentions {needle!r}: {[str(p) for p in result.problems]}"
    assert result.kb is None
    return found[0]


def _sources(file: str) -> str:
    return MINI_SOURCES.replace("file: mini.txt", f"file: {file}")


# ---------------------------------------------------------------------- paths stay inside


def test_an_absolute_article_path_is_refused_where_it_is_written(mini):
    p = only(mini({"sources.yaml": _sources("/etc/passwd")}), "'/etc/passwd' is refused")
    assert (p.file, p.line, p.column) == ("knowledge/sources.yaml", 3, 11)
    assert "an absolute path is not allowed" in p.message


def test_an_article_path_going_up_is_refused(mini):
    p = only(mini({"sources.yaml": _sources("../../../../etc/passwd")}), "is refused")
    assert (p.line, p.column) == (3, 11)
    assert "'..' would lead out of the seeds folder" in p.message
    p = only(mini({"sources.yaml": _sources("sub/../../mini.txt")}), "is refused")
    assert "'..'" in p.message


def test_a_seed_linked_outside_is_refused_even_when_its_quotes_would_verify(mini, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(MINI_ARTICLE, encoding="utf-8")  # quotes would match
    mini()  # writes seeds/
    (tmp_path / "seeds" / "linked.txt").symlink_to(outside / "secret.txt")
    (tmp_path / "seeds" / "dangling.txt").symlink_to(outside / "no-such-file.txt")
    linked = only(mini({"sources.yaml": _sources("linked.txt")}), "is refused")
    assert "a link that leads outside the seeds folder" in linked.message
    assert (linked.line, linked.column) == (3, 11)
    # no oracle: the same answer whether the outside file exists or not
    dangling = only(mini({"sources.yaml": _sources("dangling.txt")}), "is refused")
    assert dangling.message == linked.message.replace("linked.txt", "dangling.txt")


def test_a_seed_linked_inside_the_seeds_folder_is_fine(mini, tmp_path):
    mini()
    (tmp_path / "seeds" / "again.txt").symlink_to(tmp_path / "seeds" / "mini.txt")
    result = mini({"sources.yaml": _sources("again.txt")})
    assert result.ok, [str(p) for p in result.problems]


def test_a_knowledge_file_linked_outside_is_refused_and_not_read(mini, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("entities: [{id: x, type: person, name: Outsider, description: d}]\n")
    mini()
    (tmp_path / "knowledge" / "more.yaml").symlink_to(outside)
    result = mini()
    p = only(result, "a link that leads outside the knowledge folder")
    assert p.file == "knowledge/more.yaml"
    assert "Outsider" not in str(result.problems)


# ---------------------------------------------------------------------- empty files


def test_an_empty_file_is_refused_with_a_located_problem(mini):
    for content in (b"", b"\n  \n", b"# all commented out\n\n   # nothing left\n", b"\xef\xbb\xbf"):
        p = only(mini({"claims.yaml": content}), "the file is empty")
        assert (p.file, p.line, p.column) == ("knowledge/claims.yaml", 1, 1)
        assert "a save onto a full disk or an interrupted sync?" in p.message


def test_a_reload_onto_an_emptied_file_keeps_the_last_good_knowledge(kb_copy):
    settings = Settings(
        knowledge_dir=kb_copy / "knowledge",
        seeds_dir=kb_copy / "seeds",
        cache_dir=kb_copy / "cache",
    )
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None, result.problems
    claims = len(holder.kb.claims)
    path = sorted((kb_copy / "knowledge" / "claims").glob("*.yaml"))[0]
    path.write_bytes(b"")
    outcome = holder.reload("test")
    assert not outcome.ok
    assert [p.message for p in outcome.problems] == [
        "the file is empty: a save onto a full disk or an interrupted sync? Restore it from "
        "version control or a backup, or delete the file if it should go."
    ]
    assert len(holder.kb.claims) == claims and outcome.kb is holder.kb


# ---------------------------------------------------------------------- look-alike names

TWO_ORGS = """\
entities:
  - id: csto
    type: organisation
    name: CSTO
    description: A treaty organisation.
  - id: csto-twin
    type: organisation
    name: {name}
    description: A look-alike.
"""


def test_a_look_alike_name_is_refused_naming_both_entities(mini):
    result = mini({"orgs.yaml": TWO_ORGS.format(name="CSТO")})  # Cyrillic Т
    p = only(result, "is also a name of 'csto'")
    assert (p.file, p.line) == ("knowledge/orgs.yaml", 8)
    assert p.message.startswith("the name 'CSТO' of 'csto-twin' is also a name of 'csto' ('CSTO'")
    assert "They look alike: lookups read both as 'csto'" in p.message


def test_a_look_alike_alias_is_refused(mini):
    entities = MINI_ENTITIES.replace("aliases: [Petrov]", "aliases: [Petrov, Lavrov]")
    entities += (
        "  - id: sergei-lavrov\n    type: person\n    name: Sergei Lavrov\n"
        "    description: Minister.\n    aliases: [Lаvrov]\n"  # Cyrillic а
    )
    p = only(mini({"entities.yaml": entities}), "is also a name of 'ivan-petrov'")
    assert "the alias 'Lаvrov' of 'sergei-lavrov'" in p.message and "('Lavrov'" in p.message
    assert p.line == 15


def test_accents_are_look_alikes_too_but_one_entity_may_list_both(mini):
    p = only(mini({"orgs.yaml": TWO_ORGS.format(name="CSTÓ")}), "They look alike")
    assert "'csto'" in p.message
    entities = MINI_ENTITIES.replace("aliases: [Petrov]", "aliases: [Petrov, Pétrov]")
    result = mini({"entities.yaml": entities, "orgs.yaml": TWO_ORGS.format(name="Other")})
    assert result.ok, [str(p) for p in result.problems]


# ---------------------------------------------------------------------- bounded names


def test_a_200000_character_alias_is_refused_at_its_place(mini):
    long = "Ab" * 100_000
    entities = MINI_ENTITIES.replace("aliases: [Petrov]", f"aliases: [Petrov, {long}]")
    p = only(mini({"entities.yaml": entities}), "is too long")
    assert (p.file, p.line) == ("knowledge/entities.yaml", 6)
    assert "'aliases' is too long (200,000 characters; a name or alias may have at most 200" in (
        p.message
    )
    assert long not in p.message


def test_a_long_name_is_refused_and_one_of_200_characters_loads(mini):
    name = "Ivan " + "P" * 195
    assert mini({"entities.yaml": MINI_ENTITIES.replace("name: Ivan Petrov", f"name: {name}")}).ok
    p = only(
        mini({"entities.yaml": MINI_ENTITIES.replace("name: Ivan Petrov", f"name: {name}x")}),
        "'name' is too long (201 characters; a name or alias may have at most 200",
    )
    assert p.line == 4


def test_check_builds_the_indexes_the_bot_builds(kb_copy, monkeypatch, capsys):
    warmed: list[KnowledgeBase] = []
    real = KnowledgeBase.warm

    def spy(self):
        warmed.append(self)
        return real(self)

    monkeypatch.setattr(KnowledgeBase, "warm", spy)
    config = kb_copy / "config.yaml"
    config.write_text(f"knowledge_dir: {kb_copy / 'knowledge'}\nseeds_dir: {kb_copy / 'seeds'}\n")
    assert main(["check", "--config", str(config)]) == 0
    assert len(warmed) == 1
    capsys.readouterr()


# ---------------------------------------------------------------------- no hidden characters


def test_terminal_escapes_and_bidi_overrides_are_refused_where_written(mini):
    cases = {
        "name": ("name: Ivan Petrov", 'name: "Ivan \\e[31mPetrov"', 4, "U+001B"),
        "alias": ("aliases: [Petrov]", 'aliases: ["\\e]0;owned\\aPetrov"]', 6, "U+001B"),
        "description": (
            "description: A minister in the test article.",
            'description: "A minister \\u202Eevil"',
            5,
            "U+202E",
        ),
        "C1": ("name: Ivan Petrov", 'name: "Ivan \\x9bPetrov"', 4, "U+009B"),
    }
    for what, (old, new, line, char) in cases.items():
        p = only(mini({"entities.yaml": MINI_ENTITIES.replace(old, new)}), char)
        assert (p.file, p.line) == ("knowledge/entities.yaml", line), what
        assert f"contains the invisible control character {char}" in p.message
        assert "\x1b" not in p.message and "\u202e" not in p.message


def test_a_claim_text_with_an_escape_is_refused_and_tabs_and_newlines_are_fine(mini):
    bad = MINI_CLAIMS.replace(
        "text: Petrov arrived in Astana, according to the article.",
        'text: "Petrov \\e[2J arrived"',
    )
    p = only(mini({"claims.yaml": bad}), "U+001B")
    assert p.line == 6 and p.message.startswith("In claim 'petrov-arrived': 'text' contains")
    fine = MINI_CLAIMS.replace(
        "text: Petrov arrived in Astana, according to the article.",
        'text: "Petrov\\tarrived\\nin Astana."',
    )
    assert mini({"claims.yaml": fine}).ok
