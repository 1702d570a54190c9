"""`link` and "how is X connected to Y": shortest chains of cited claims (issue 16)."""

from __future__ import annotations

import itertools

from bot.commands.connections import find_paths
from bot.commands.table import run
from bot.render.text import render_text


def test_paths_are_shortest_and_each_hop_is_a_claim(seed_kb):
    paths = find_paths(seed_kb, "vladimir-putin", "ksor")
    assert paths
    assert {len(p) for p in paths} == {2}  # no direct claim links them; two claims do
    for path in paths:
        assert path[0].source == "vladimir-putin" and path[-1].target == "ksor"
        for a, b in itertools.pairwise(path):
            assert a.target == b.source
        for hop in path:
            assert {hop.source, hop.target} <= set(hop.fact.entity_ids())


def test_direct_claim_is_one_hop(seed_kb):
    paths = find_paths(seed_kb, "kazakhstan", "ksor")
    assert len(paths[0]) == 1
    assert paths[0][0].fact.id == "kazakhstan-proposed-ksor-late-2008"  # subject-object first


def test_link_answer_cites_every_hop(seed_kb):
    answer = run(seed_kb, "link putin and ksor")
    assert answer.status == "ok"
    assert answer.title == (
        "How Vladimir Putin is connected to Collective Rapid Reaction Force (KSOR)"
    )
    text = render_text(answer, page_size=50)
    assert "Vladimir Putin → Russia (Prime Minister) → Collective Rapid Reaction Force" in text
    for line in answer.lines:
        assert line.citations, line.text
    paths = answer.extra["paths"]
    assert paths and all(hop["claim"] in seed_kb.claims for p in paths for hop in p)


def test_how_is_x_connected_to_y_is_the_same_answer(seed_kb):
    a = run(seed_kb, "how is Putin connected to KSOR?")
    b = run(seed_kb, "link putin ksor")
    assert a.lines == b.lines and a.status == "ok"


def test_unknown_side_and_no_path(seed_kb):
    answer = run(seed_kb, "how is Merkel connected to the CSTO?")
    assert answer.status == "not_found" and answer.title == "I know nothing about Merkel"
    bad = run(seed_kb, "link csto")
    assert bad.status == "error" and "two entities" in (bad.note or "")
    same = run(seed_kb, "link csto and csto")
    assert same.status == "error"


def test_no_path_within_three_claims(mini):
    result = mini(
        {
            "more.yaml": """\
            entities:
              - id: lonely
                type: place
                name: Lonely Island
                description: Nothing links here.
            """
        }
    )
    assert result.kb is not None
    answer = run(result.kb, "link petrov and lonely island")
    assert answer.status == "not_found"
    assert "No chain of up to 3 claims links Ivan Petrov and Lonely Island" in (answer.note or "")
