"""The Matcher door: layered updates, hidden entities, odd input and any text at all."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching import fuzzy
from bot.matching.decide import Candidate, MatchResult
from bot.matching.index import Hidden, NameEntry
from bot.matching.matcher import Matcher
from tests.matching.bases import edit, fact_entries, namesakes, varied_names


def test_an_updated_index_decides_as_one_built_afresh() -> None:
    entries = [*fact_entries(), *varied_names()]
    index = Matcher(entries)
    for step in (1, 5):
        changed, entries = edit(entries, step)
        index = index.updated(changed, [e for e in entries if e.key in changed])
        fresh = Matcher(entries)
        assert len(index) == len(fresh) and index.layered
        assert sorted(index.entries(), key=repr) == sorted(entries, key=repr)
        hidden = {sorted(changed)[0], entries[7].key}

        def visible(key: str, hidden: set[str] = hidden) -> bool:
            return key not in hidden

        texts = [
            e.text for e in entries if e.key in changed or zlib.crc32(e.text.encode()) % 9 == 0
        ]
        # Each index spends its own search budget (how many names a lookup scores), so the
        # runners-up far down may differ; the decision and the name decided on may not.
        queries = [*texts, *(t[:-1] for t in texts), *(t[:5] for t in texts)]
        for query in [*queries, "Vsevolod", "Yaroslav Kozlovski 1", "", "Junior", "Kozlovsky"]:
            for gate in (None, visible):
                mine, theirs = index.match(query, allowed=gate), fresh.match(query, allowed=gate)
                assert (mine.decision, mine.best) == (theirs.decision, theirs.best), (
                    f"{mine.explain()}\n{theirs.explain()}"
                )
                assert (
                    index.complete(query, allowed=gate)[:1]
                    == fresh.complete(query, allowed=gate)[:1]
                )


def test_hidden_keys_decide_as_the_same_filter_asked_per_key() -> None:
    """`Hidden` is answered from key numbers worked out once; it must hide exactly what the
    same filter asked key by key hides, in the base, in the layer of changes and across the
    keys the layer replaced (a hidden key that was edited lives in both)."""
    entries = [*fact_entries(), *varied_names()]
    layered = Matcher(entries)
    changed, entries = edit(entries, 5)
    layered = layered.updated(changed, [e for e in entries if e.key in changed])
    hidden = frozenset({sorted(changed)[0], entries[7].key, "sergei-lavrov", "no-such-key"})
    texts = [e.text for e in entries if e.key in hidden or zlib.crc32(e.text.encode()) % 7 == 0]
    for index in (layered, Matcher(entries)):
        for keys in (hidden, frozenset(), frozenset({"sergei-lavrov"}), hidden):
            fast, slow = Hidden(keys), (lambda key, keys=keys: key not in keys)
            for query in [*texts, *(t[:-1] for t in texts), *(t[:5] for t in texts), "Lavrov"]:
                mine, theirs = index.match(query, allowed=fast), index.match(query, allowed=slow)
                assert mine == theirs, f"{mine.explain()}\n{theirs.explain()}"
                assert index.complete(query, allowed=fast) == index.complete(query, allowed=slow)
    lavrov = layered.match("Sergei Lavrov", allowed=Hidden(frozenset({"sergei-lavrov"})))
    assert all(c.key != "sergei-lavrov" for c in lavrov.candidates)


def test_allowed_filters_entities(matcher: Matcher) -> None:
    no_government = matcher.match("Moscow", allowed=lambda key: key != "russian-government")
    assert no_government.decision == "answer" and no_government.best is not None
    assert no_government.best.key == "moscow"
    hidden = matcher.match("Lavrov", allowed=lambda key: key != "sergei-lavrov")
    assert hidden.decision == "none"
    only_orgs = {"csto", "nato", "sco", "ksor", "vko", "un"}
    orgs = matcher.match("Organization", allowed=only_orgs.__contains__)
    assert {c.key for c in orgs.candidates} <= only_orgs
    asked: list[str] = []

    def spy(key: str) -> bool:
        asked.append(key)
        return True

    matcher.match("Lavrov", allowed=spy)
    assert len(asked) == len(set(asked))  # asked at most once per key and lookup


def test_odd_inputs_never_raise(matcher: Matcher) -> None:
    for query in ["x" * 5000, "lavrov " * 700, "\x00\x01\x02", "🚀🚀", "\ud800", "l" * 201, "a b"]:
        result = matcher.match(query)
        assert result.decision in {"answer", "choose", "none"}
        result.explain()
    assert matcher.match(None).decision == "none"  # type: ignore[arg-type]


def test_empty_index() -> None:
    empty = Matcher([])
    assert empty.match("lavrov").decision == "none"
    assert empty.complete("") == []
    assert empty.complete("lav") == []


def _check_result(result: MatchResult, limit: int) -> None:
    assert result.decision in {"answer", "choose", "none"}
    assert len(result.candidates) <= limit
    keys = [c.key for c in result.candidates]
    assert len(keys) == len(set(keys))
    assert (result.decision == "none") == (result.best is None)
    if result.best is not None:
        assert result.best == result.candidates[0]
    assert all(isinstance(c, Candidate) and 0.0 <= c.score <= 100.0 for c in result.candidates)


_MATCHER = Matcher(fact_entries())
_NAMES = [entry.text for entry in fact_entries()]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_valid_result(text: str) -> None:
    _check_result(_MATCHER.match(text), _MATCHER.settings.max_choices)
    completions = _MATCHER.complete(text)
    assert len(completions) <= 25 and len({c.key for c in completions}) == len(completions)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_NAMES), st.text(max_size=3), st.integers(min_value=0, max_value=40))
def test_mangled_names_give_a_valid_result(name: str, noise: str, cut: int) -> None:
    query = name[:cut] + noise + name[cut:]
    _check_result(_MATCHER.match(query), _MATCHER.settings.max_choices)


def test_an_entity_removed_on_reload_is_no_longer_found() -> None:
    # A reload that only deletes an entity adds no names, so no second layer: the deleted
    # names must be hidden all the same (they were answered before, for an entity gone).
    index = Matcher(fact_entries())
    updated = index.updated({"sergei-lavrov"}, [])
    assert updated.layered == 0 and len(updated) == len(index) - 5
    assert updated.match("Sergei Lavrov").decision == "none"
    assert "sergei-lavrov" not in {c.key for c in updated.match("lavrov").candidates}
    assert "sergei-lavrov" not in {c.key for c in updated.complete("lav")}
    assert "sergei-lavrov" not in {c.key for c in updated.complete("", limit=100)}
    assert updated.match("Vladimir Putin").decision == "answer"


def _named(*rows: tuple[str, str, str]) -> Matcher:
    return Matcher([NameEntry(key, text, kind) for key, text, kind in rows])


def test_owners_are_the_keys_with_a_name_that_folds_alike() -> None:
    """What the reload over a snapshot asks before it lets an edited file add a name."""
    m = _named(
        ("lavrov", "Sergei Lavrov", "name"),
        ("lavrov", "Сергей Лавров", "alias"),
        ("lavrova", "Sergei Lavrova", "name"),
        ("sergei-lavrov-x", "sergei-lavrov-x", "id"),
    )
    assert m.owners("SERGEI LAVROV") == {"lavrov"}
    assert m.owners("Sérgei Lavrov") == {"lavrov"}  # accents fold away
    assert m.owners("sergei-lavrov-x") == set()  # ids are not names
    assert m.owners("Sergei Lavrovich") == set()
    updated = m.updated({"lavrov"}, [NameEntry("lavrov", "Sergey Lavrov", "name")])
    assert updated.owners("Sergei Lavrov") == set()  # the old name is masked
    assert updated.owners("Sergey Lavrov") == {"lavrov"}


def test_containing_finds_the_names_holding_the_words_in_a_row() -> None:
    """named_after: "CSTO foreign ministers' meeting" is named after the CSTO's ministers."""
    m = _named(
        ("ministers", "CSTO foreign ministers", "name"),
        ("meeting", "CSTO foreign ministers meeting in Astana", "name"),
        ("nato-ministers", "NATO foreign ministers", "name"),
        ("jumbled", "foreign CSTO ministers", "name"),
    )
    assert m.containing("CSTO foreign ministers") == {"ministers", "meeting"}
    assert m.containing("foreign ministers") == {"ministers", "meeting", "nato-ministers"}
    assert m.containing("ministers of CSTO") == set()
    assert m.containing("") == set()
    updated = m.updated({"meeting"}, [])
    assert updated.containing("CSTO foreign ministers") == {"ministers"}


def test_a_search_cut_short_asks_where_a_complete_one_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Many people share the first name; the misspelt surname is near no word once its
    trigram search is cut. The same base, searched in full, may answer; cut, it asks."""
    entries = [e for e in namesakes() if e.key != "vyacheslav-aksyonov"]
    complete = Matcher(entries).match("Vyacheslav Akstonov")
    assert complete.decision == "answer", complete.explain()
    assert complete.best is not None and complete.best.key == "vyacheslav-antonov"
    monkeypatch.setattr(fuzzy, "_BAND_SCAN", 0)
    monkeypatch.setattr(fuzzy, "_TRIGRAM_BUDGET", 40)
    cut = Matcher(entries).match("Vyacheslav Akstonov")
    assert cut.decision == "choose", cut.explain()
    assert [c.key for c in cut.candidates] == ["vyacheslav-antonov"]
    assert "cut short" in cut.explain() and "within reach" not in cut.explain()
    # a typo within one edit is found by the deletion neighbourhoods, whatever the budget
    plain = Matcher(entries).match("Vyacheslav Antonv")
    assert plain.decision == "answer" and plain.best is not None
    assert plain.best.key == "vyacheslav-antonov"
