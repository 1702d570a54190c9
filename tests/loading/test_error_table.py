"""The loading messages quoted in the guide's error table are the ones the loader gives."""

from __future__ import annotations

from bot.loading.loader import load_knowledge
from tests.conftest import MINI_CLAIMS, MINI_ENTITIES, ROOT

GUIDE = (ROOT / "docs" / "adding-facts.md").read_text(encoding="utf-8")

ENTITY_EDITS = {
    "this key is indented 3 spaces, but the keys of this mapping start at column 5": (
        "    description: Capital",
        "   description: Capital",
    ),
    "line 9 is indented with a tab": ("    name: Astana", "\tname: Astana"),
    "the value in quotes from line 4, column 11 is never closed": (
        "name: Ivan Petrov",
        'name: "Ivan Petrov',
    ),
    "needs a space after the ':' of 'type'": ("type: place", "type:place"),
    "has no ':' after its key": ("type: place", "type place"),
    "has a second ': ' in its value": ("Capital of Kazakhstan.", "Capital: Astana."),
    "warning: the alias 'petrov' differs from the alias 'Petrov' of 'ivan-petrov' only in case": (
        "aliases: [Petrov]",
        "aliases: [Petrov, petrov]",
    ),
}


def _said(result) -> list[str]:
    return [str(p) for p in (*result.problems, *result.warnings)]


def test_the_table_quotes_the_entity_file_messages(mini):
    for needle, (old, new) in ENTITY_EDITS.items():
        assert f"`{needle}`" in GUIDE, needle
        said = _said(mini({"entities.yaml": MINI_ENTITIES.replace(old, new)}))
        assert any(needle in s for s in said), (needle, said)


def test_the_table_quotes_the_closest_passage(mini):
    needle = (
        "the quote is not in paragraph 1 ... Closest in paragraph 1: "
        "'… the minister Ivan Petrov [came → arrived] in Astana …'"
    )
    assert f"`{needle}`" in GUIDE
    claims = MINI_CLAIMS.replace("Ivan Petrov arrived in Astana", "Ivan Petrov came in Astana")
    said = _said(mini({"claims.yaml": claims}))
    start, end = needle.split(" ... ")
    assert any(start in s and end in s for s in said), said


def test_the_table_quotes_the_follow_on_summary(kb_copy):
    needle = "… and 19 errors about ids that knowledge/people.yaml defines; fix it first."
    assert f"`{needle}`" in GUIDE
    people = kb_copy / "knowledge" / "people.yaml"
    text = people.read_text(encoding="utf-8")
    people.write_text(
        text.replace("    name: Sergei Lavrov\n", "    name: Sergei Lavrov\n" * 2, 1),
        encoding="utf-8",
    )
    said = _said(load_knowledge(kb_copy / "knowledge", kb_copy / "seeds"))
    assert needle in said, said
