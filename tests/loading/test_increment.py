"""A reload after a restart from the snapshot checks only the edited files: it must answer
exactly as a full load of the same files does, and leave every problem to the full load."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.commands.table import run
from bot.config import Settings
from bot.loading.holder import KnowledgeHolder
from bot.render.text import render_text
from tests.conftest import MULTI

QUESTIONS = [
    "who lavrov",
    "who S. Lavrov",
    "who Novikov",
    "search test claim",
    "on April 2012",
    "timeline lavrov",
    "who Serdiukov",
    "who shoigu",
    "who Сергей Лавров",
    "org csto",
    "who uzbekistan",
    "on 2012",
    "on December 19 2012",
    "search minister",
    "search csto nato",
    "timeline csto",
    "when uzbekistan",
    "sources",
    "is uzbekistan a member of the csto?",
    "who is the defense minister of russia?",
    "who chairs the CSTO?",
    "who signed the doctrine?",
    "what happened in Moscow?",
    "where did the CSTO foreign ministers meet?",
    "link lavrov and nato",
    "on December 2012",
    "on 2012-12-21",
]

LAVROV_ALIAS = "      - Сергей Лавров\n"
NEW_CLAIM = """
  - id: lavrov-met-nato-2012-04
    subject: sergei-lavrov
    predicate: met
    object: nato
    text: Lavrov met NATO, a test claim added by an edit.
    date: April 2012
    references:
      - article: edm-2012-v9-i71
        paragraph: 1
        quote: Moscow has again proposed formal multilateral cooperation with NATO.
"""
# `on` lists this on the line of the two claims stating it already (one statement, three sources).
RESTATED = """
  - id: russia-proposed-cooperation-with-nato-restated
    subject: russia
    predicate: proposed
    object: nato
    value: Formal multilateral cooperation with NATO
    text: Russia proposed cooperation with NATO again, a test claim added by an edit.
    date: April 2012
    references:
      - article: edm-2012-v9-i71
        paragraph: 1
        quote: Lavrov noted that the CSTO has previously called for such cooperation
"""
# A third date for Uzbekistan's suspension: `on` marks it disputed.
REDATED = """
  - id: uzbekistan-suspends-csto-membership-dec-21
    subject: uzbekistan
    predicate: suspended_membership
    object: csto
    text: A test claim dates the suspension of Uzbekistan's CSTO membership to December 21.
    date: 2012-12-21
    references:
      - article: edm-2012-v9-i230
        paragraph: 5
        quote: Some reports dated the suspension to December 20 instead
"""
NEW_PERSON = """
  - id: test-person
    type: person
    name: Testperson Novikov
    description: Someone an edit added.
    aliases: [Novikov]
"""
NEW_CLAIM_ABOUT_NEW_PERSON = NEW_CLAIM.replace("lavrov-met", "novikov-met").replace(
    "subject: sergei-lavrov", "subject: test-person"
)


@pytest.fixture
def base(tmp_path) -> tuple[Path, Settings]:
    root = tmp_path / "base"
    shutil.copytree(MULTI, root)
    settings = Settings(
        knowledge_dir=root / "knowledge", seeds_dir=root / "seeds", cache_dir=tmp_path / "cache"
    )
    return root, settings


def _restarted(settings: Settings) -> KnowledgeHolder:
    first, result = KnowledgeHolder.load(settings)
    assert first is not None and result.ok and first.snapshots is not None
    first.snapshots.wait()
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None and result.from_snapshot
    return holder


def _answers(holder: KnowledgeHolder) -> list[str]:
    return [render_text(run(holder.kb, q)) for q in QUESTIONS]


def _full_load(settings: Settings) -> KnowledgeHolder:
    holder, result = KnowledgeHolder.load(settings, disk_cache=False)
    assert holder is not None, result.problems
    return holder


def _edit(root: Path, name: str, change: Callable[[str], str]) -> None:
    path = root / "knowledge" / name
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


RESTRICTED_LAVROV = "  - id: sergei-lavrov\n    restricted: true\n"

EDITS: dict[str, list[tuple[str, Callable[[str], str]]]] = {
    "claim reworded": [
        (
            "claims/edm-2012-v9-i230.yaml",
            lambda t: t.replace("returned to the CSTO in 2006", "came back to the CSTO in 2006"),
        )
    ],
    "alias added": [
        ("people.yaml", lambda t: t.replace(LAVROV_ALIAS, LAVROV_ALIAS + "      - S. Lavrov\n"))
    ],
    "claim added": [("claims/edm-2012-v9-i71.yaml", lambda t: t + NEW_CLAIM)],
    "claim removed": [
        (
            "claims/edm-2012-v9-i230.yaml",
            lambda t: (
                t[: t.index("  - id: uzbekistan-suspends-csto-membership\n")]
                + t[t.index("  - id: uzbekistan-suspends-csto-membership-dec-20") :]
            ),
        )
    ],
    "person and claim added in two files": [
        ("people.yaml", lambda t: t + NEW_PERSON),
        ("claims/edm-2012-v9-i71.yaml", lambda t: t + NEW_CLAIM_ABOUT_NEW_PERSON),
    ],
    "a person restricted": [
        ("people.yaml", lambda t: t.replace("  - id: sergei-lavrov\n", RESTRICTED_LAVROV))
    ],
    "a new claims file": [("claims/new.yaml", lambda _: "claims:\n" + NEW_CLAIM)],
    "a statement restated": [("claims/edm-2012-v9-i230.yaml", lambda t: t + RESTATED)],
    "an event given another date": [("claims/edm-2012-v9-i71.yaml", lambda t: t + REDATED)],
    "a statement restated and its first claim given a new id": [
        ("claims/edm-2012-v9-i230.yaml", lambda t: t + RESTATED),
        ("claims/edm-2012-v9-i71.yaml", lambda t: t.replace("nato-2012-04\n", "nato-gone\n")),
    ],
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edit_after_a_restart_answers_as_a_full_load(base, edit):
    root, settings = base
    holder = _restarted(settings)
    for name, change in EDITS[edit]:
        path = root / "knowledge" / name
        if not path.exists():
            path.write_text("", encoding="utf-8")
        _edit(root, name, change)
    outcome = holder.reload("test")
    assert outcome.ok, outcome.problems
    assert holder.kb.base is not None  # only the edited files were checked
    full = _full_load(settings)
    assert _answers(holder) == _answers(full)
    assert holder.kb.summary() == full.kb.summary()  # what `kb` and `check` count
    files = set(full.kb.file_hashes)  # which file defines what: the next reload relies on it
    assert [sorted(ids) for ids in holder.kb.ids_from(files)] == [
        sorted(ids) for ids in full.kb.ids_from(files)
    ]
    assert outcome.changelog  # the edit is reported


def test_an_entity_restricted_by_an_edit_is_hidden_from_lookups_and_autocomplete(base):
    root, settings = base
    holder = _restarted(settings)
    assert holder.kb.visible("sergei-lavrov")
    _edit(root, "people.yaml", lambda t: t.replace("  - id: sergei-lavrov\n", RESTRICTED_LAVROV))
    assert holder.reload("test").ok and holder.kb.base is not None
    kb = holder.kb
    assert not kb.visible("sergei-lavrov") and kb.visible("vladimir-putin")
    assert kb.matcher.match("Lavrov", allowed=kb.visible).decision != "answer"
    assert all(c.key != "sergei-lavrov" for c in kb.matcher.complete("Lav", allowed=kb.visible))
    assert "Sergei Lavrov" not in render_text(run(kb, "who lavrov"))
    again = _restarted(settings)  # the snapshot written after the edit keeps it hidden
    assert not again.kb.visible("sergei-lavrov")


def test_on_groups_edited_claims_with_the_restored_ones(base):
    """`on` groups claims from keys the snapshot keeps per claim: an edit's claims join the
    line of a statement the snapshot's claims make, and the dates they dispute."""
    root, settings = base
    holder = _restarted(settings)
    for name, change in EDITS["a statement restated"] + EDITS["an event given another date"]:
        _edit(root, name, change)
    assert holder.reload("test").ok and holder.kb.base is not None
    december = run(holder.kb, "on December 2012")
    disputed = [line for line in december.lines if "the sources differ on the date" in line.text]
    assert len(disputed) == 3  # December 19, 20 and 21
    april = run(holder.kb, "on April 2012")
    [line] = [line for line in april.lines if "formal multilateral cooperation" in line.text]
    cited = {c.claim_id for c in april.citations if c.number in line.citations}
    assert "russia-proposed-cooperation-with-nato-restated" in cited and len(line.citations) == 3


def test_edits_pile_up_on_the_same_snapshot(base):
    root, settings = base
    holder = _restarted(settings)
    restored = holder.kb
    for name, change in EDITS["alias added"] + EDITS["claim added"]:
        _edit(root, name, change)
        outcome = holder.reload("test")
        assert outcome.ok and len(outcome.changelog.lines()) == 1  # this edit's change only
    assert holder.kb.base is restored  # not a layer on a layer
    assert "S. Lavrov" in holder.kb.entities["sergei-lavrov"].aliases
    assert "lavrov-met-nato-2012-04" in holder.kb.claims
    assert _answers(holder) == _answers(_full_load(settings))


def test_the_snapshot_kept_after_an_edit_restores_it(base):
    root, settings = base
    holder = _restarted(settings)
    for name, change in EDITS["person and claim added in two files"]:
        _edit(root, name, change)
    assert holder.reload("test").ok and holder.snapshots is not None
    holder.snapshots.wait()
    again, result = KnowledgeHolder.load(settings)
    assert again is not None and result.from_snapshot
    assert "test-person" in again.kb.entities
    assert _answers(again) == _answers(_full_load(settings))


FULL_LOAD_EDITS: dict[str, tuple[str, Callable[[str], str]]] = {
    "entity renamed": (
        "people.yaml",
        lambda t: t.replace("name: Sergei Lavrov", "name: Sergey V. Lavrov"),
    ),
    "entity removed": (
        "people.yaml",
        lambda t: t.replace("  - id: sergei-lavrov\n", "  - id: sergei-lavrov-gone\n"),
    ),
}


@pytest.mark.parametrize("edit", sorted(FULL_LOAD_EDITS))
def test_what_other_files_may_depend_on_goes_to_the_full_load(base, edit):
    root, settings = base
    holder = _restarted(settings)
    name, change = FULL_LOAD_EDITS[edit]
    _edit(root, name, change)
    outcome = holder.reload("test")
    full, result = KnowledgeHolder.load(settings, disk_cache=False)
    assert outcome.ok == result.ok
    if outcome.ok:
        assert holder.kb.base is None
        assert full is not None and _answers(holder) == _answers(full)
    else:  # the full load's own messages, and the last good knowledge still answers
        assert [p.message for p in outcome.problems] == [p.message for p in result.problems]
        assert "who lavrov" and "Sergei Lavrov" in render_text(run(holder.kb, "who lavrov"))


BROKEN_EDITS: dict[str, tuple[str, Callable[[str], str], str]] = {
    "unknown subject": (
        "claims/edm-2012-v9-i71.yaml",
        lambda t: t + NEW_CLAIM.replace("subject: sergei-lavrov", "subject: sergei-lavrof"),
        "'sergei-lavrof' is not the id of any entity",
    ),
    "a name another file's entity has": (
        "people.yaml",
        lambda t: t + NEW_PERSON.replace("aliases: [Novikov]", "aliases: [Serdyukov]"),
        "a name or alias may belong to one entity only",
    ),
    "a claim id another file uses": (
        "claims/edm-2012-v9-i71.yaml",
        lambda t: (
            t + NEW_CLAIM.replace("lavrov-met-nato-2012-04", "uzbekistan-suspends-csto-membership")
        ),
        "is already used by the claim defined at",
    ),
    "a quote not in the article": (
        "claims/edm-2012-v9-i71.yaml",
        lambda t: t + NEW_CLAIM.replace("has again proposed", "has proposed"),
        "the quote is not in paragraph 1",
    ),
}


@pytest.mark.parametrize("edit", sorted(BROKEN_EDITS))
def test_a_broken_edit_is_explained_by_the_full_load_and_nothing_is_lost(base, edit):
    root, settings = base
    holder = _restarted(settings)
    before = _answers(holder)
    name, change, expected = BROKEN_EDITS[edit]
    _edit(root, name, change)
    outcome = holder.reload("test")
    assert not outcome.ok
    text = " ".join(p.message for p in outcome.problems)
    assert expected in text
    assert all(p.file.endswith(name) for p in outcome.problems)
    assert _answers(holder) == before
