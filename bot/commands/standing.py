"""Who holds what, and who belongs where, as of when: the time-aware answers to "is X a
member of Y?" and "who is the <role> of Y?".

A membership that ended is a "No" with its dates, never a "Yes" because an older article
said so; a role answer names the holder as of the latest source and lists the former ones
with their spells (bot.knowledge.history), every line cited.
"""

from __future__ import annotations

from bot.commands.answer import Answer
from bot.commands.building import Builder, Found, label
from bot.commands.question_reading import claims_of, not_found
from bot.commands.relations import role_title
from bot.commands.textsafety import echo
from bot.commands.vocabulary import Vocabulary, stem
from bot.knowledge.dates import DateValue
from bot.knowledge.history import Spell, is_current, relation_spells, spells_by_relation
from bot.knowledge.model import Entity, Rank
from bot.knowledge.names import fold
from bot.knowledge.snapshot import Fact, KnowledgeBase
from bot.matching.linking import FUNCTION_WORDS


def _add_spells(b: Builder, spells: list[Spell], heading: str | None = None) -> None:
    for spell in spells:
        b.add(f"{spell.span()}: {spell.first.model.text}", heading, spell.facts, None)


def membership_answer(
    kb: KnowledgeBase, x: Entity, y: Entity, claims: list[Fact], period: DateValue | None
) -> Answer:
    """Yes (as of when), No (ended when, and why), or Unknown with the members on record."""
    spells = relation_spells(kb, [f for f in claims if f.model.rank != Rank.DEPRECATED])
    b = Builder(kb)
    when = f" in {period.display()}" if period else ""
    holding = [s for s in spells if s.holds_at(period)] if period else spells
    if period is None and spells and not is_current(spells):
        _add_spells(b, spells)
        last = spells[-1]
        return b.answer(
            f"No: {x.name} is no longer a member of {label(y)} ({last.span()})",
            kind="question",
        )
    if holding:
        _add_spells(b, holding)
        as_of = holding[-1].as_of
        since = f" (as of {as_of.display()})" if as_of and not period else ""
        return b.answer(f"Yes: {x.name} is a member of {label(y)}{when}{since}", kind="question")
    ended = [s for s in spells if s.end and period and s.end.end < period.start]
    if ended:
        _add_spells(b, spells)
        return b.answer(
            f"No: {x.name}'s membership of {label(y)} had ended by {period.display()}",  # type: ignore[union-attr]
            kind="question",
        )
    return _unknown_membership(kb, b, x, y, claims, when)


def _unknown_membership(
    kb: KnowledgeBase, b: Builder, x: Entity, y: Entity, claims: list[Fact], when: str
) -> Answer:
    for f in claims:
        b.fact(f, "On record")
    members = [
        f
        for f in kb.claims_by_entity.get(y.id, ())
        if f.model.object == y.id
        and f.model.predicate == "member_of"
        and f.model.rank != Rank.DEPRECATED
    ]
    if members:
        names = ", ".join(
            dict.fromkeys(
                kb.entities[f.model.subject].name for f in members if f.model.subject in kb.entities
            )
        )
        b.add(f"Members of {y.name} on record: {names}", "What the sources do say", members)
    return not_found(
        f"Unknown: the sources do not say that {x.name} is a member of {label(y)}{when}",
        "I answer only from the claims; none says so" + (" for that time." if when else "."),
        b,
    )


def role_answer(kb: KnowledgeBase, role: str, y: Found, vocab: Vocabulary) -> Answer:
    """The holders of a role: the current ones named in the title, former ones apart."""
    text = " ".join(vocab.role_words.get(w.casefold(), w) for w in role.split())
    wanted = [w for w in text.split() if w.casefold() not in FUNCTION_WORDS]
    held = [
        f
        for f in claims_of(kb, y.entity.id)
        if f.model.object == y.entity.id and f.model.predicate in vocab.roles
    ]

    def fits(f: Fact) -> bool:
        have = {stem(w) for w in fold(f.model.value or "").split()}
        return bool(wanted) and all(
            stem(w) in have or f.model.predicate in vocab.predicates(w) for w in wanted
        )

    facts = [f for f in held if fits(f)]
    b = Builder(kb)
    if not facts:
        for f in held:
            b.fact(f, f"Roles on record for {y.entity.name}")
        return not_found(
            f"The sources name no {echo(role)} of {label(y.entity)}",
            "I answer only from the claims; none names one.",
            b,
        )
    current, former = [], []
    for spells in spells_by_relation(kb, facts).values():
        (current if is_current(spells) else former).append(spells)
    for group, heading in ((current, None), (former, "Formerly")):
        for spells in group:
            name = kb.entities[spells[0].first.model.subject].name
            spans = "; ".join(s.span() for s in spells if s.span())
            line = f"{name}, {role_title(kb, spells[0].first)}" + (f" ({spans})" if spans else "")
            b.add(line, heading, [f for s in spells for f in s.facts])
    holders = current or former
    names = ", ".join(dict.fromkeys(kb.entities[s[0].first.model.subject].name for s in holders))
    return y.explained(
        b.answer(f"{role[:1].upper()}{role[1:]} of {label(y.entity)}: {names}", kind="question")
    )
