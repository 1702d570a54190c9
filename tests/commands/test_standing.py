"""Membership and role questions over time, on the two-article fixture."""

from __future__ import annotations

from bot.commands.table import run


def test_a_suspended_member_is_no_longer_a_member(multi_kb):
    answer = run(multi_kb, "is uzbekistan in the csto?")
    assert answer.title == (
        "No: Uzbekistan is no longer a member of CSTO (2006 to 19 December 2012, suspended)"
    )
    assert all(line.citations for line in answer.lines)


def test_a_membership_at_a_time_it_held_is_yes(multi_kb):
    answer = run(multi_kb, "is uzbekistan a member of the csto in april 2012?")
    assert answer.title == "Yes: Uzbekistan is a member of CSTO in April 2012"


def test_a_membership_between_its_spells_is_no(multi_kb):
    answer = run(multi_kb, "is uzbekistan in the csto in 2000?")
    assert answer.title == "No: Uzbekistan's membership of CSTO had ended by 2000"


def test_a_current_member_is_yes_as_of_the_latest_source_with_both_citations(multi_kb):
    answer = run(multi_kb, "is armenia in the csto?")
    assert answer.title == "Yes: Armenia is a member of CSTO (as of December 2012)"
    [line] = answer.lines
    articles = {c.article_id for c in answer.citations if c.number in line.citations}
    assert articles == {"edm-2012-v9-i71", "edm-2012-v9-i230"}


def test_the_role_holder_is_the_current_one_and_the_former_is_apart(multi_kb):
    answer = run(multi_kb, "who is russia's defense minister?")
    assert answer.title == "Defense minister of Russia: Sergei Shoigu"
    lines = [(line.heading, line.text) for line in answer.lines]
    assert lines == [
        (
            None,
            "Sergei Shoigu, Defense Minister of Russia "
            "(since 6 November 2012, as of December 2012)",
        ),
        (
            "Formerly",
            "Anatoliy Serdyukov, Defense Minister of Russia "
            "(as of 30 March 2012; until 6 November 2012, dismissed)",
        ),
    ]
