"""Facts that change over time: one relation, stated by several sources, as spells.

A relation is (subject, predicate, object, value): "Uzbekistan member_of CSTO", "Shoigu
position_held Russia Defense Minister". Sources state it with a start, an end, or only a
point in time ("a member as of April 2012"). Answers must say what held when, per source:
the same relation stated twice is one line with both citations, an open-ended role holds
"since 6 November 2012, as of December 2012" and never "to now", and a membership that
ended is listed apart from the current ones.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from bot.knowledge.dates import RANK, DateValue
from bot.knowledge.names import fold
from bot.knowledge.snapshot import Fact, KnowledgeBase

RelationKey = tuple[str, str, str | None, str | None]


def spans(start: DateValue | None, end: DateValue | None, period: DateValue) -> bool:
    """Whether a stretch from `start` to `end` (either may be open) shares a day with `period`."""
    after_start = start is None or start.start <= period.end
    before_end = end is None or period.start <= end.end
    return after_start and before_end


def fact_holds_at(fact: Fact, period: DateValue) -> bool:
    """Whether a claim speaks for `period`: its span covers it, or its as-of date falls in it."""
    if fact.start or fact.end:
        return spans(fact.start, fact.end, period)
    return bool(fact.date and fact.date.overlaps(period))


def relation_key(fact: Fact) -> RelationKey:
    """What a claim asserts, whatever its date and wording."""
    c = fact.model
    return (c.subject, c.predicate, c.object, fold(c.value) if c.value else None)


def source_date(kb: KnowledgeBase, fact: Fact) -> DateValue | None:
    """The latest date of the articles stating the fact: what 'as of' means without a date."""
    dates = [kb.articles[c.article].date for c in fact.citations if c.article in kb.articles]
    return max(dates, key=DateValue.sort_key, default=None)


def _later(a: DateValue | None, b: DateValue | None) -> DateValue | None:
    if a is None or b is None:
        return a or b
    return max(a, b, key=DateValue.sort_key)


@dataclass(frozen=True)
class Spell:
    """One relation over one stretch of time, with every fact that states it."""

    facts: tuple[Fact, ...]
    start: DateValue | None
    end: DateValue | None
    end_cause: str | None
    as_of: DateValue | None  # the latest date a source says it held
    seen: DateValue | None = None  # the latest point in time a source saw it holding

    @property
    def first(self) -> Fact:
        return self.facts[0]

    @property
    def ended(self) -> bool:
        return self.end is not None

    def holds_at(self, period: DateValue) -> bool:
        """Whether the spell speaks for `period`: its interval covers it, or, with neither
        start nor end, a source saw it holding then."""
        if self.start or self.end:
            return spans(self.start, self.end, period)
        return any(fact_holds_at(f, period) for f in self.facts)

    def span(self) -> str:
        """'since 6 November 2012, as of December 2012', '2006 to 19 December 2012,
        suspended', 'as of April 2012': only what the sources say, never 'now'."""
        start = self.start.display() if self.start else None
        end = self.end.display() if self.end else None
        cause = f", {self.end_cause}" if self.end_cause else ""
        if start and end:
            return f"{start} to {end}{cause}"
        if end:
            held = f"as of {self.seen.display()}; " if self._seen_before_end() else ""
            return f"{held}until {end}{cause}"
        if self.start:
            later = self.as_of and self.as_of.start > self.start.end  # else it adds nothing
            return f"since {start}" + (f", as of {self.as_of.display()}" if later else "")
        return f"as of {self.as_of.display()}" if self.as_of else ""

    def _seen_before_end(self) -> bool:
        return bool(self.seen and self.end and self.seen.end < self.end.start)


@dataclass
class _Open:
    """A spell being assembled."""

    facts: list[Fact]
    start: DateValue | None
    end: DateValue | None
    end_cause: str | None
    as_of: DateValue | None
    seen: DateValue | None = None

    def holds_at(self, when: DateValue) -> bool:
        return spans(self.start, self.end, when)

    def same_interval(self, fact: Fact) -> bool:
        return _same(self.start, fact.start) and _same(self.end, fact.end)

    def add(self, fact: Fact, as_of: DateValue | None) -> None:
        self.facts.append(fact)
        self.start = self.start or fact.start
        self.end = self.end or fact.end
        self.end_cause = self.end_cause or fact.model.end_cause
        self.as_of = _later(self.as_of, as_of)
        if fact.start is None and fact.end is None:
            self.seen = _later(self.seen, as_of)

    def close(self) -> Spell:
        return Spell(tuple(self.facts), self.start, self.end, self.end_cause, self.as_of, self.seen)


def _same(a: DateValue | None, b: DateValue | None) -> bool:
    return a is None or b is None or a.overlaps(b)


def _as_of(kb: KnowledgeBase, fact: Fact) -> DateValue | None:
    return fact.date or source_date(kb, fact)


def relation_spells(kb: KnowledgeBase, facts: Iterable[Fact]) -> list[Spell]:
    """The spells of one relation's facts, oldest first.

    Facts with a start or an end make a spell each, merged when their intervals agree; a
    fact with only a point in time joins the spell holding at that time, and the rest merge
    into one 'as of' spell.
    """
    intervals: list[_Open] = []
    points: list[Fact] = []
    for fact in facts:
        if fact.start is None and fact.end is None:
            points.append(fact)
            continue
        spell = next((s for s in intervals if s.same_interval(fact)), None)
        if spell is None:
            intervals.append(_Open([], None, None, None, None))
            spell = intervals[-1]
        spell.add(fact, source_date(kb, fact))
    loose: _Open | None = None
    for fact in points:
        when = _as_of(kb, fact)
        spell = next((s for s in intervals if when and s.holds_at(when)), None)
        if spell is None:
            loose = loose or _Open([], None, None, None, None)
            spell = loose
        spell.add(fact, when)
    spells = [s.close() for s in intervals] + ([loose.close()] if loose else [])
    return sorted(spells, key=_spell_order)


def _spell_order(spell: Spell) -> tuple:
    when = spell.start or spell.as_of or spell.end
    return (0, *when.sort_key()) if when else (1,)


def spells_by_relation(kb: KnowledgeBase, facts: Iterable[Fact]) -> dict[RelationKey, list[Spell]]:
    """Every relation among `facts` (deprecated claims left out) with its spells."""
    groups: dict[RelationKey, list[Fact]] = {}
    for fact in facts:
        if fact.model.rank != "deprecated":
            groups.setdefault(relation_key(fact), []).append(fact)
    return {key: relation_spells(kb, group) for key, group in groups.items()}


def is_current(spells: list[Spell]) -> bool:
    """Whether the relation still holds as of the latest source: its latest spell is open."""
    return bool(spells) and not spells[-1].ended


@dataclass(frozen=True)
class Disagreement:
    """Sources that give one relation different points in time."""

    key: RelationKey
    facts: tuple[Fact, ...]


def disagreements(facts: Iterable[Fact]) -> list[Disagreement]:
    """Relations stated at point times that do not overlap, by different claims: two dates
    for one event. (Memberships and roles are stated 'as of' many dates without disagreeing:
    only relations whose claims carry a date and neither start nor end are compared.)"""
    groups: dict[RelationKey, list[Fact]] = {}
    for fact in facts:
        if fact.date and not (fact.start or fact.end) and fact.model.rank != "deprecated":
            groups.setdefault(relation_key(fact), []).append(fact)
    found = []
    for key, group in groups.items():
        if key[1] in _STATES:
            continue
        dates = [f.date for f in group if f.date]
        if any(not a.overlaps(b) for i, a in enumerate(dates) for b in dates[i + 1 :]):
            found.append(Disagreement(key, tuple(sorted(group, key=_fact_order))))
    return found


# Predicates that hold over time: stated 'as of' several dates without any disagreement.
_STATES = frozenset(
    {"member_of", "position_held", "works_for", "chair_of", "part_of", "located_in"}
)


def _fact_order(fact: Fact) -> tuple:
    return (0, *fact.when.sort_key()) if fact.when else (1,)


def same_statements(facts: Iterable[Fact]) -> list[tuple[Fact, list[Fact]]]:
    """Claims grouped when they state one relation at one time and place (two articles, one
    fact): each group as (the first claim, the others), in the order first seen."""
    groups: dict[tuple, list[Fact]] = {}
    for f in facts:
        when = f.when.sort_key() if f.when else None
        groups.setdefault((relation_key(f), when, f.model.place), []).append(f)
    return [(group[0], group[1:]) for group in groups.values()]


# What grouping reads of a claim: which statement it makes (claims making one are one line:
# one relation at one time and place), the relation whose dates `disagreements` compares
# (None if its date is not compared) and its first and last day. Statements and relations are
# anything hashable: a compact fact base's rows keep them as integers (bot/knowledge/claimrows.py).
ClaimKey = tuple[Hashable, Hashable | None, int, int]

_UNDATED = (-1, -1, 0, 0)


def fact_when(fact: Fact) -> tuple[int, int, int, int]:
    """A claim's date key as integers: start and end ordinals, precision rank, is-range (the
    same order and equality as `DateValue.sort_key`)."""
    w = fact.when
    if w is None:
        return _UNDATED
    return (w.start.toordinal(), w.end.toordinal(), RANK[w.precision], int(w.is_range))


def statement_key(fact: Fact) -> bytes:
    """What `same_statements` and `disagreements` read of a claim besides its date, as bytes
    a compact fact base keeps per claim row: b"1" if `disagreements` compares its date (else
    b"0"), then its relation as JSON, a newline (JSON holds none raw) and its place as JSON."""
    c = fact.model
    compared = bool(fact.date and not (fact.start or fact.end) and c.rank != "deprecated")
    compared = compared and c.predicate not in _STATES
    relation = [c.subject, c.predicate, c.object, fold(c.value) if c.value else None]
    text = json.dumps(relation, ensure_ascii=False, separators=(",", ":"))
    place = json.dumps(c.place, ensure_ascii=False)
    return (b"1" if compared else b"0") + f"{text}\n{place}".encode("utf-8", "surrogatepass")


def split_key(
    key: bytes, when: tuple[int, ...]
) -> tuple[tuple[bytes, tuple[int, ...]], bytes | None]:
    """A statement key and date as (the statement, the relation compared or None)."""
    relation = key[1 : key.index(b"\n")] if key[:1] == b"1" else None
    return (key[1:], tuple(when)), relation


def fact_claim_key(fact: Fact) -> ClaimKey:
    """The claim's key for `statement_groups`, from the claim itself."""
    when = fact_when(fact)
    statement, relation = split_key(statement_key(fact), when)
    return statement, relation, when[0], when[1]


def statement_groups(keys: Sequence[ClaimKey]) -> list[tuple[list[int], bool]]:
    """`same_statements` and `disagreements` at once, over claims given by their keys: the
    positions of each group of claims making one statement, in the order first seen, and
    whether the group's first claim is in a disagreement.

    Claims whose dates are compared disagree when two of their date spans do not overlap:
    for spans on a line, exactly when the latest first day is after the earliest last day.
    """
    groups: dict[Hashable, list[int]] = {}
    spans: dict[Hashable, list[int]] = {}  # relation -> [latest first day, earliest last day]
    for n, (statement, relation, first, last) in enumerate(keys):
        group = groups.get(statement)
        if group is None:
            groups[statement] = [n]
        else:
            group.append(n)
        if relation is not None:
            span = spans.get(relation)
            if span is None:
                spans[relation] = [first, last]
            else:
                if first > span[0]:
                    span[0] = first
                if last < span[1]:
                    span[1] = last
    out = []
    for group in groups.values():
        relation = keys[group[0]][1]
        disputed = False
        if relation is not None:
            span = spans[relation]
            disputed = span[0] > span[1]
        out.append((group, disputed))
    return out
