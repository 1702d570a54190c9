"""`on` and `search` answers read the same whether their lines are written at once or as read:
the same lines, citations, counts, pages, and "less precise dates" section."""

from __future__ import annotations

import pytest

import bot.commands.building
import bot.commands.dates
from bot.commands.building import Builder, undated_last
from bot.commands.search import STOPWORDS, search_facts
from bot.commands.table import run
from bot.knowledge.names import fold
from bot.render.text import render_text

ON = ["2012", "April 2012", "2012-04-06", "late 2011", "2011..2012", "2008", "2015", "1990"]
SEARCH = ["csto", "drug trafficking", "summit", "russia kazakhstan", "nato", "zzzz", "of the"]


class _EagerBuilder(Builder):
    """The Builder every other command uses: every line written at once."""

    @property
    def planned(self) -> int:
        return len(self.lines)


def _eager_on(kb, text: str, monkeypatch):
    """`on` as it answered before the date index: eager lines over a filter of the timeline."""
    with monkeypatch.context() as m:
        m.setattr(bot.commands.dates, "LazyBuilder", _EagerBuilder)
        m.setattr(type(kb), "dated_in", lambda s, p: [f for f in s.timeline if p.contains(f.when)])
        m.setattr(
            type(kb),
            "dated_around",
            lambda s, p: [
                f
                for f in s.timeline
                if f.when.contains(p) and (f.when.start, f.when.end) != (p.start, p.end)
            ],
        )
        return run(kb, text)


def _pages(answer, size: int) -> list[str]:
    return [render_text(answer, page=n, page_size=size) for n in range(1, answer.pages(size) + 1)]


@pytest.mark.parametrize("max_facts", [500, 7])
@pytest.mark.parametrize("name", ["seed_kb", "multi_kb"])
def test_on_answers_as_the_eager_filter_did(name, max_facts, request, monkeypatch):
    kb = request.getfixturevalue(name)
    monkeypatch.setattr(bot.commands.building, "MAX_FACTS", max_facts)
    seen_around = 0
    days = [f.when.iso() for f in kb.timeline if f.when.precision.value == "day"]
    for period in ON + days[:: max(1, len(days) // 6)]:
        want = _eager_on(kb, f"on {period}", monkeypatch)
        # Read backwards (the last page first), then whole: the same as written at once.
        lazy = run(kb, f"on {period}")
        assert len(lazy.lines) == len(want.lines) and lazy.pages(3) == want.pages(3)
        assert _pages(lazy, 3)[::-1] == _pages(want, 3)[::-1]
        assert lazy.note == want.note and lazy.title == want.title
        assert run(kb, f"on {period}").to_json() == want.to_json()
        assert lazy == want
        seen_around += any(line.heading for line in want.lines)
    assert seen_around  # some period lists less precise dates


def test_the_first_page_is_written_without_the_rest(seed_kb):
    answer = run(seed_kb, "on 2012")
    assert len(answer.lines) > 8
    first = render_text(answer, page=1, page_size=4)
    assert len(answer.lines._builder.lines) < len(answer.lines)  # only what page 1 needs
    assert first.count("  • ") == 4 and "Page 1 of" in first


def _old_order(kb, text: str) -> list[str]:
    """Search as it ranked before the index walk: score every claim, sort them all (ties in
    date order by id, as the snapshot orders claims)."""
    words = [w for w in fold(text).split() if w not in STOPWORDS and len(w) > 1]
    if not words:
        return []
    scores = {}
    for fact in kb.claims.values():
        have = set(fold(kb.searchable_text(fact)).split())
        vocab = sorted(have)
        n = sum(
            1
            for w in dict.fromkeys(words)
            if w in have or (len(w) >= 4 and any(v.startswith(w) for v in vocab))
        )
        if n:
            scores[fact.id] = n
    full = len(set(words))
    best = max(scores.values(), default=0)
    need = max(1, full if full <= 2 else best)
    phrase = " ".join(words)

    def missing(cid: str) -> bool:
        if scores[cid] < full or full == 1:
            return scores[cid] < full
        return phrase not in fold(kb.searchable_text(kb.claims[cid]))

    listed = [cid for cid, score in scores.items() if score >= need]
    return sorted(listed, key=lambda c: (-scores[c], missing(c), undated_last(kb.claims[c]), c))


@pytest.mark.parametrize("name", ["seed_kb", "multi_kb"])
def test_search_finds_and_orders_as_scoring_every_claim_does(name, request):
    kb = request.getfixturevalue(name)
    words = sorted({w for f in kb.claims.values() for w in fold(f.model.text).split()})
    queries = (
        SEARCH + words[::7] + [f"{a} {b}" for a, b in zip(words[::11], words[5::13], strict=False)]
    )
    queries += [
        f"{a} {b} {c}" for a, b, c in zip(words[::17], words[3::19], words[8::23], strict=False)
    ]
    for q in queries:
        assert [f.id for f in search_facts(kb, q)] == _old_order(kb, q), q


@pytest.mark.parametrize("max_facts", [500, 4])
def test_search_answers_count_and_page_as_listed(seed_kb, max_facts, monkeypatch):
    monkeypatch.setattr(bot.commands.building, "MAX_FACTS", max_facts)
    for q in SEARCH:
        hits = search_facts(seed_kb, q)
        answer = run(seed_kb, f"search {q}")
        if not hits:
            assert answer.status == "not_found"
            continue
        want = _EagerBuilder(seed_kb)
        for f in hits:
            want.fact(f)
        eager = want.answer(
            f"Search: “{q}”",
            kind="search",
            command=f"search {q}",
            note=f"{len(hits):,} claim{'s' if len(hits) != 1 else ''} found.",
        )
        assert _pages(answer, 2)[::-1] == _pages(eager, 2)[::-1]
        assert answer.to_json() == eager.to_json()
