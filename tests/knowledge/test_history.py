"""Facts over time on the two-article fixture: spells, merged sources, no 'now'."""

from __future__ import annotations

import random
from dataclasses import replace

from bot.commands.table import run
from bot.knowledge.date_parsing import parse_date
from bot.knowledge.history import (
    disagreements,
    fact_claim_key,
    is_current,
    same_statements,
    spells_by_relation,
    statement_groups,
)
from bot.knowledge.model import Rank
from bot.knowledge.snapshot import Fact, KnowledgeBase


def _spells(kb: KnowledgeBase, subject: str, predicate: str, obj: str):
    facts = kb.claims_by_entity[subject]
    relations = spells_by_relation(kb, facts)
    return [
        spells
        for key, spells in relations.items()
        if key[0] == subject and key[1] == predicate and key[2] == obj
    ]


def test_a_membership_suspended_is_two_spells_both_ended(multi_kb):
    [spells] = _spells(multi_kb, "uzbekistan", "member_of", "csto")
    assert [s.span() for s in spells] == [
        "1992 to 1999",
        "2006 to 19 December 2012, suspended",
    ]
    assert not is_current(spells)
    # the first article's "member as of April 2012" joins the spell that held then
    later = {f.id for f in spells[1].facts}
    assert "uzbekistan-member-of-csto" in later


def test_the_same_membership_from_two_articles_is_one_spell(multi_kb):
    [spells] = _spells(multi_kb, "armenia", "member_of", "csto")
    assert len(spells) == 1
    assert {c.article for f in spells[0].facts for c in f.citations} == {
        "edm-2012-v9-i71",
        "edm-2012-v9-i230",
    }
    assert spells[0].span() == "as of December 2012"
    assert is_current(spells)


def test_an_open_role_holds_since_its_start_as_of_the_source_never_now(multi_kb):
    [spells] = _spells(multi_kb, "sergei-shoigu", "position_held", "russia")
    assert [s.span() for s in spells] == ["since 6 November 2012, as of December 2012"]


def test_a_dismissal_ends_the_role_the_first_article_saw(multi_kb):
    [spells] = _spells(multi_kb, "anatoliy-serdyukov", "position_held", "russia")
    assert len(spells) == 1
    assert spells[0].span().endswith("until 6 November 2012, dismissed")
    assert spells[0].span().startswith("as of ")
    assert not is_current(spells)


def test_two_dates_for_one_event_are_a_disagreement(multi_kb):
    found = disagreements(multi_kb.claims_by_entity["uzbekistan"])
    assert [d.key[1] for d in found] == ["suspended_membership"]
    assert [f.date.display() for f in found[0].facts] == ["19 December 2012", "20 December 2012"]


def test_memberships_stated_at_two_dates_are_no_disagreement(multi_kb):
    assert disagreements(multi_kb.claims_by_entity["armenia"]) == []


def test_timeline_merges_one_statement_from_two_articles(multi_kb):
    answer = run(multi_kb, "timeline nato")
    [line] = [line for line in answer.lines if "formal multilateral cooperation" in line.text]
    cited = {c.article_id for c in answer.citations if c.number in line.citations}
    assert cited == {"edm-2012-v9-i71", "edm-2012-v9-i230"}


def test_timeline_marks_the_dates_sources_disagree_on(multi_kb):
    answer = run(multi_kb, "timeline uzbekistan")
    marked = [line.date for line in answer.lines if "the sources differ on the date" in line.text]
    assert marked == ["19 December 2012", "20 December 2012"]


def test_profiles_say_what_held_when(multi_kb):
    csto = run(multi_kb, "org csto")
    members = {line.heading: line.text for line in csto.lines if "ember" in (line.heading or "")}
    assert members["Members"] == (
        "Armenia, Belarus, Kazakhstan, Kyrgyzstan, Russia, Tajikistan (as of December 2012)"
    )
    assert members["Former members"] == (
        "Uzbekistan: 1992 to 1999; 2006 to 19 December 2012, suspended"
    )
    shoigu = run(multi_kb, "who shoigu")
    roles = [line.text for line in shoigu.lines if line.heading == "Roles"]
    assert roles == ["Defense Minister of Russia (since 6 November 2012, as of December 2012)"]
    assert not any("now" in line.text for line in shoigu.lines)
    uzbekistan = run(multi_kb, "what uzbekistan")
    headings = [line.heading for line in uzbekistan.lines]
    assert "Formerly member of" in headings and "Member of" not in headings
    assert "Sources differ" in headings


# ------------------------------------------------ grouping from statement keys (`on`, Builder)


def _reference(facts: list[Fact]) -> list[tuple[list[str], bool]]:
    """Builder's grouping as it was: same_statements, marked by disagreements."""
    disputed = {f.id for d in disagreements(facts) for f in d.facts}
    return [
        ([f.id for f in (first, *also)], first.id in disputed)
        for first, also in same_statements(facts)
    ]


def _from_keys(facts: list[Fact]) -> list[tuple[list[str], bool]]:
    keys = [fact_claim_key(f) for f in facts]
    return [([facts[n].id for n in group], d) for group, d in statement_groups(keys)]


def _variants(kb: KnowledgeBase) -> list[Fact]:
    """Claims varied where grouping looks: their date (same, overlapping, apart, a start, an
    end, none), rank, predicate (one that holds over time), value (case), place and object."""
    day = parse_date("2012-12-19")
    dates = [day, parse_date("2012-12-20"), parse_date("December 2012"), parse_date("2011")]
    out = []
    rng = random.Random(7)
    for n, fact in enumerate(list(kb.claims.values()) * 3):
        c = fact.model
        change: dict = {"id": f"{c.id}-v{n}"}
        roll = rng.random()
        if roll < 0.15:
            change["rank"] = Rank.DEPRECATED
        elif roll < 0.3:
            change["predicate"] = rng.choice(["member_of", "suspended_membership"])
        elif roll < 0.4:
            change["value"] = rng.choice(["Minister", "minister", None])
        elif roll < 0.5:
            change["place"] = rng.choice([None, "moscow"])
        elif roll < 0.6:
            change["object"] = None
        date = rng.choice([*dates, None, fact.date])
        start = rng.choice([None, None, None, day])
        end = rng.choice([None, None, None, dates[3]])
        out.append(
            replace(fact, model=c.model_copy(update=change), date=date, start=start, end=end)
        )
    return out


def test_grouping_by_statement_keys_is_builders_grouping(multi_kb, seed_kb):
    rng = random.Random(3)
    for kb in (multi_kb, seed_kb):
        variants = _variants(kb)
        lists = [list(kb.timeline), list(kb.claims.values()), variants]
        lists += [list(v) for v in kb.claims_by_entity.values()]
        for _ in range(200):
            lists.append(rng.sample(variants, rng.randint(2, 40)))
        for facts in lists:
            assert _from_keys(facts) == _reference(facts)
    # the fixture has both: one statement from two articles, and two dates for one event
    groups = _reference(list(multi_kb.timeline))
    assert any(len(ids) > 1 for ids, _ in groups) and any(d for _, d in groups)


def test_claims_disagree_only_when_their_compared_dates_do_not_overlap():
    apart = [("a", "r", 1, 1), ("b", "r", 2, 2)]
    assert statement_groups(apart) == [([0], True), ([1], True)]
    overlapping = [("a", "r", 1, 3), ("b", "r", 2, 2), ("a", "r", 1, 3)]
    assert statement_groups(overlapping) == [([0, 2], False), ([1], False)]
    not_compared = [("a", "r", 1, 1), ("b", None, 2, 2)]
    assert statement_groups(not_compared) == [([0], False), ([1], False)]
