"""The parts of a profile that change over time: roles, memberships, members.

Built from spells (bot.knowledge.history): one line per relation and stretch of time,
citing every source that states it, current and former apart, and "since ..., as of ..."
for what is still open, never "to now". Also the claims stated twice (one line, both
citations) and the sources that disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.commands.building import Builder, name_of
from bot.knowledge.history import (
    Spell,
    disagreements,
    is_current,
    same_statements,
    spells_by_relation,
)
from bot.knowledge.model import Entity, Rank
from bot.knowledge.snapshot import Fact, KnowledgeBase

ROLE_PREDICATES = frozenset({"position_held", "works_for", "chair_of"})


def role_title(kb: KnowledgeBase, fact: Fact) -> str:
    """'Defense Minister of Russia', 'Chair of CSTO (rotating)'."""
    c = fact.model
    obj = name_of(kb, c.object) if c.object else ""
    if c.predicate == "chair_of":
        return f"Chair of {obj}" + (f" ({c.value})" if c.value else "")
    if c.predicate == "works_for":
        return ", ".join(p for p in (c.value, obj) if p)
    return f"{c.value} of {obj}" if c.value and obj else (c.value or obj)


def _spell_facts(spells: Iterable[Spell]) -> list[Fact]:
    return [f for s in spells for f in s.facts]


def _spans(spells: list[Spell]) -> str:
    return "; ".join(s.span() for s in spells if s.span())


def add_roles(b: Builder, entity: Entity, facts: Iterable[Fact]) -> set[str]:
    """One line per role and stretch of time, oldest first."""
    own = [
        f for f in facts if f.model.subject == entity.id and f.model.predicate in ROLE_PREDICATES
    ]
    shown: set[str] = set()
    for spells in spells_by_relation(b.kb, own).values():
        for spell in spells:
            span = spell.span()
            text = role_title(b.kb, spell.first) + (f" ({span})" if span else "")
            when = spell.start or spell.as_of or spell.end
            b.add(text, "Roles", spell.facts, when, spell.first.id)
        shown.update(f.id for f in _spell_facts(spells))
    return shown


def _memberships(b: Builder, facts: list[Fact], other: int, current: str, former: str) -> set[str]:
    """Current memberships grouped by 'as of', then the former ones with their spells."""
    relations = spells_by_relation(b.kb, facts)
    by_as_of: dict[str, list[tuple[str, list[Spell]]]] = {}
    ended: list[tuple[str, list[Spell]]] = []
    for key, spells in relations.items():
        name = name_of(b.kb, key[other])
        if is_current(spells):
            as_of = spells[-1].as_of
            by_as_of.setdefault(as_of.display() if as_of else "", []).append((name, spells))
        else:
            ended.append((name, spells))
    for as_of, group in sorted(by_as_of.items(), key=lambda kv: _latest(kv[1]), reverse=True):
        names = ", ".join(sorted(name for name, _ in group))
        text = f"{names} (as of {as_of})" if as_of else names
        b.add(text, current, _spell_facts(s for _, spells in group for s in spells))
    for name, spells in sorted(ended):
        b.add(f"{name}: {_spans(spells)}", former, _spell_facts(spells))
    return {f.id for spells in relations.values() for f in _spell_facts(spells)}


def _latest(group: list[tuple[str, list[Spell]]]) -> tuple:
    dates = [s[-1].as_of for _, s in group if s[-1].as_of]
    return max((d.sort_key() for d in dates), default=())


def add_memberships(b: Builder, entity: Entity, facts: Iterable[Fact]) -> set[str]:
    """What the entity is a member of, and who its members are, as of the latest sources."""
    facts = [f for f in facts if f.model.predicate == "member_of"]
    own = [f for f in facts if f.model.subject == entity.id]
    members = [f for f in facts if f.model.object == entity.id]
    shown = _memberships(b, own, 2, "Member of", "Formerly member of")
    return shown | _memberships(b, members, 0, "Members", "Former members")


def add_statements(b: Builder, facts: Iterable[Fact], shown: set[str]) -> None:
    """The other claims: the same statement from several sources on one line, sources that
    disagree apart, superseded claims last."""
    rest = [f for f in facts if f.id not in shown]
    differ = disagreements(rest)
    in_dispute = {f.id for d in differ for f in d.facts}
    current = [f for f in rest if f.model.rank != Rank.DEPRECATED and f.id not in in_dispute]
    for first, also in same_statements(current):
        b.fact(first, "What the sources say", also=also)
    for d in differ:
        for f in d.facts:
            b.fact(f, "Sources differ")
    for f in rest:
        if f.model.rank == Rank.DEPRECATED:
            b.fact(f, "Superseded (kept on record)")
