"""Who, org, what and map: an entity's profile, and how it is connected to others."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.answer import Answer
from bot.commands.building import Builder, Found, label, name_of, resolve
from bot.commands.relations import add_memberships, add_roles, add_statements
from bot.knowledge.model import Entity, EntityType, Rank
from bot.knowledge.snapshot import Fact, KnowledgeBase

_TYPE_WORD = {
    EntityType.PERSON: "person",
    EntityType.ORGANISATION: "organisation",
}


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _profile(kb: KnowledgeBase, entity: Entity, wanted: EntityType | None, verb: str) -> Answer:
    b = Builder(kb)
    note = None
    if wanted is not None and entity.type != wanted:
        note = (
            f"{entity.name} is {_a(entity.type.value)}, not {_a(_TYPE_WORD[wanted])}; "
            "here is what I know about it."
        )
    facts = kb.claims_by_entity.get(entity.id, ())
    if entity.aliases:
        b.add(", ".join(entity.aliases), "Also known as")
    if entity.part_of:
        b.add(", ".join(name_of(kb, p) for p in entity.part_of), "Part of")
    shown = add_roles(b, entity, facts) | add_memberships(b, entity, facts)
    add_statements(b, facts, shown)
    if not b.lines:
        b.add("No claims are recorded about it yet.", "What the sources say")
    return b.about(label(entity), entity, "entity", verb, note=note)


def _entity_command(kb: KnowledgeBase, arg: str, verb: str, wanted: EntityType | None) -> Answer:
    found = resolve(kb, arg, verb)
    if isinstance(found, Answer):
        return found
    return found.explained(_profile(kb, found.entity, wanted, verb))


def who(kb: KnowledgeBase, arg: str) -> Answer:
    """A person's profile: roles with dates, organisations and what the sources say, cited.

    Forgives typos, transliteration variants (Serdiukov) and Cyrillic (Лавров).
    Example: `who lavrov`"""
    return _entity_command(kb, arg, "who", EntityType.PERSON)


def org(kb: KnowledgeBase, arg: str) -> Answer:
    """An organisation's profile: full name and acronyms, members, what it did and when.

    Acronyms work both ways: `org ksor` or `org collective rapid reaction force`."""
    return _entity_command(kb, arg, "org", EntityType.ORGANISATION)


def what(kb: KnowledgeBase, arg: str) -> Answer:
    """Anything in the fact base: places, events, countries, outlets, documents.

    Example: `what ulyanovsk`"""
    return _entity_command(kb, arg, "what", None)


# ---------------------------------------------------------------- map


@dataclass(frozen=True)
class Edge:
    """A relation between two entities, from a claim (cited) or an entity's part_of."""

    source: str
    target: str
    relation: str
    claim: Fact | None = None


def _claim_edges(entity_id: str, fact: Fact) -> list[Edge]:
    """The edges one claim about the entity gives: to its object, or to its place."""
    c = fact.model
    relation = c.predicate.replace("_", " ")
    if c.predicate == "position_held" and c.value:
        relation = c.value
    pairs: list[tuple[str, str]] = []
    if c.object:
        pairs.append((c.subject, c.object))
    elif c.subject != entity_id:
        pairs.append((c.subject, entity_id))
    if c.place and c.place not in (c.subject, c.object):
        pairs.append((c.subject, c.place))
    return [
        Edge(src, dst, relation if c.object else "concerns", fact)
        for src, dst in pairs
        if entity_id in (src, dst) and src != dst
    ]


def neighbourhood(kb: KnowledgeBase, entity_id: str) -> list[Edge]:
    """The entity's direct relations: claims linking it to another entity, and part_of."""
    edges: list[Edge] = []
    entity = kb.entities[entity_id]
    edges += [Edge(entity_id, p, "part of") for p in entity.part_of if p in kb.entities]
    edges += [Edge(i, entity_id, "part of") for i in kb.parts.get(entity_id, ())]
    for fact in kb.claims_by_entity.get(entity_id, ()):
        if fact.model.rank != Rank.DEPRECATED:
            edges += _claim_edges(entity_id, fact)
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for e in edges:
        key = (e.source, e.target, e.relation)
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return unique


def map_(kb: KnowledgeBase, arg: str) -> Answer:
    """How an entity is connected: its organisations, members, roles, events and places.

    Example: `map csto` (in Discord and with `factbot ask --image` it comes as a picture)"""
    found = resolve(kb, arg, "map")
    if isinstance(found, Answer):
        return found
    return found.explained(_map_answer(kb, found))


def _map_answer(kb: KnowledgeBase, found: Found) -> Answer:
    b = Builder(kb)
    entity = found.entity
    for edge in neighbourhood(kb, entity.id):
        text = f"{name_of(kb, edge.source)} → {edge.relation} → {name_of(kb, edge.target)}"
        b.add(
            text,
            None,
            [edge.claim] if edge.claim else (),
            claim_id=edge.claim.id if edge.claim else None,
        )
    if not b.lines:
        b.add(f"No relations are recorded for {entity.name} yet.")
    return b.about(f"Map: {label(entity)}", entity, "map", "map")
