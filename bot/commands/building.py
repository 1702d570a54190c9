"""What every command's answer is built from: cited lines, entity names, name resolution."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from bot.commands.answer import Answer, CitationRef, Line, Suggestion
from bot.commands.textsafety import echo
from bot.knowledge.claimrows import timeline_keys
from bot.knowledge.dateindex import Listing
from bot.knowledge.dates import DateValue
from bot.knowledge.history import ClaimKey, fact_claim_key, statement_groups
from bot.knowledge.model import Entity, Rank
from bot.knowledge.snapshot import Fact, KnowledgeBase

# Claims listed in one answer. Past this nobody pages on (Discord shows ten lines a page),
# and building thousands of lines (`on 2008`, `timeline`, a common word) costs a user
# hundreds of milliseconds at 100k claims; the note says how many were left out.
MAX_FACTS = 500

_ACRONYM = re.compile(r"^[A-ZА-Я]{2,6}$")

# A claim as grouping refers to it: a Fact, or the timeline position of one a Listing of
# the date index looks up when shown.
Ref = Fact | int
# One line of grouped claims: the claims (the first listed, the others cited on its line) and
# whether the first's date is disputed.
Statement = tuple[list[Ref], bool]


@dataclass
class Builder:
    """Collects lines and numbers citations in the order they are first used."""

    kb: KnowledgeBase
    lines: list[Line] = field(default_factory=list)
    citations: list[CitationRef] = field(default_factory=list)
    _numbers: dict[tuple[str, int, str], int] = field(default_factory=dict)
    shown: int = 0  # claims listed
    omitted: int = 0  # claims left out past MAX_FACTS

    def cite(self, fact: Fact) -> tuple[int, ...]:
        numbers = []
        for c in fact.citations:
            key = (c.article, c.paragraph, c.quote)
            number = self._numbers.get(key)
            if number is None:
                number = len(self.citations) + 1
                self._numbers[key] = number
                self.citations.append(
                    CitationRef(
                        number=number,
                        claim_id=fact.id,
                        article_id=c.article,
                        article=self.kb.articles[c.article].label(),
                        paragraph=c.paragraph,
                        quote=c.quote,
                        cites=c.cites_text,
                    )
                )
            numbers.append(number)
        return tuple(dict.fromkeys(numbers))

    def add(
        self,
        text: str,
        heading: str | None = None,
        facts: Iterable[Fact] = (),
        date: DateValue | None = None,
        claim_id: str | None = None,
    ) -> None:
        nums: tuple[int, ...] = ()
        for fact in facts:
            nums += tuple(n for n in self.cite(fact) if n not in nums)
        self.lines.append(Line(text, nums, heading, date.display() if date else None, claim_id))

    def fact(
        self,
        fact: Fact,
        heading: str | None = None,
        *,
        show_date: bool = True,
        also: Iterable[Fact] = (),
        disputed: bool = False,
    ) -> None:
        """One claim's line; `also` are other claims stating the same, cited on that line."""
        if self.shown >= MAX_FACTS:
            self.omitted += 1
            return
        self.shown += 1
        self.fact_line(fact, heading, show_date, tuple(also), disputed)

    def fact_line(
        self,
        fact: Fact,
        heading: str | None,
        show_date: bool,
        also: tuple[Fact, ...],
        disputed: bool,
    ) -> None:
        """The line `fact` lists (bot/commands/lazylines.py defers it to when it is shown)."""
        when = fact.when
        text = fact.model.text
        if show_date and when:
            text = f"{when.display()}: {text}"
        if fact.model.rank == Rank.DEPRECATED:
            text += " (superseded" + (f": {fact.model.note}" if fact.model.note else "") + ")"
        if disputed:
            text += " (the sources differ on the date)"
        self.add(text, heading, [fact, *also], when, fact.id)

    def facts(self, facts: Iterable[Fact], heading: str | None = None) -> None:
        """Claims in the given order, the same statement from several articles on one line,
        and a claim whose date another source gives differently marked so
        (history.same_statements and history.disagreements, read from each claim's key)."""
        if not isinstance(facts, Sequence):
            facts = list(facts)  # a sequence (e.g. from the date index) is only sliced
        # Grouping looks at twice what can still be listed: `on 2012` over 100k claims
        # must not fold every claim's value to show 500 lines.
        room = max(0, MAX_FACTS - self.shown) * 2
        head, get, keys = _head(self.kb, facts, room)
        self.omitted += len(facts) - len(head)
        groups = statement_groups(keys)
        count = min(len(groups), max(0, MAX_FACTS - self.shown))
        self.shown += count
        self.omitted += len(groups) - count
        lines = [([head[p] for p in group], disputed) for group, disputed in groups[:count]]
        self.statements(lines, get, heading)

    def statements(
        self, lines: list[Statement], get: Callable[[Ref], Fact], heading: str | None
    ) -> None:
        """Grouped claims' lines (bot/commands/lazylines.py writes them when they are read)."""
        for refs, disputed in lines:
            first, *also = map(get, refs)
            self.fact_line(first, heading, True, tuple(also), disputed)

    def answer(self, title: str, **kw: object) -> Answer:
        if self.omitted:
            total = self.shown + self.omitted
            more = (
                f"Showing the first {self.shown:,} of {total:,} claims: "
                "ask more narrowly to see the rest."
            )
            kw["note"] = f"{kw['note']} {more}" if kw.get("note") else more
        return Answer(
            status="ok",
            title=title,
            lines=tuple(self.lines),
            citations=tuple(self.citations),
            **kw,  # type: ignore[arg-type]
        )

    def about(self, title: str, entity: Entity, kind: str, verb: str, **kw: object) -> Answer:
        """An answer about one entity: its type and description, and how to ask again."""
        return self.answer(
            title,
            kind=kind,
            subtitle=f"{entity.type.value} · {entity.description}",
            entity_id=entity.id,
            entity_type=entity.type.value,
            command=f"{verb} {entity.id}",
            **kw,
        )


def _fact(ref: Ref) -> Fact:
    return ref  # type: ignore[return-value]


def _head(
    kb: KnowledgeBase, facts: Sequence[Fact], room: int
) -> tuple[list[Ref], Callable[[Ref], Fact], list[ClaimKey]]:
    """The first `room` claims, how to get each, and their keys: a Listing of the date index
    (`kb.dated_in`) gives positions of the timeline, whose keys a compact fact base reads
    from its rows, so no claim is decoded to be grouped."""
    if isinstance(facts, Listing):
        positions = facts.positions(room)
        return list(positions), facts.at_position, timeline_keys(kb, positions)
    head = list(facts[:room])
    return list(head), _fact, [fact_claim_key(f) for f in head]


def label(entity: Entity) -> str:
    """An entity's name with its acronym: 'Collective Security Treaty Organization (CSTO)'."""
    acronyms = [a for a in entity.aliases if _ACRONYM.match(a) and a.isascii()]
    if acronyms and not _ACRONYM.match(entity.name):
        return f"{entity.name} ({acronyms[0]})"
    return entity.name


def name_of(kb: KnowledgeBase, entity_id: str | None) -> str:
    """An entity's name, or the id itself if no entity has it."""
    e = kb.entities.get(entity_id or "")
    return e.name if e else (entity_id or "")


def undated_last(fact: Fact) -> tuple:
    """Sort key: dated claims in date order, then the undated ones."""
    return (0, *fact.when.sort_key()) if fact.when else (1,)


def by_date(fact: Fact) -> tuple:
    return fact.when.sort_key() if fact.when else ()


# ---------------------------------------------------------------- entity resolution


@dataclass(frozen=True)
class Found:
    """The entity a name resolved to, and how it matched (for --explain)."""

    entity: Entity
    explain: str

    def explained(self, answer: Answer) -> Answer:
        return replace(answer, explain=self.explain)


def resolve(kb: KnowledgeBase, arg: str, verb: str) -> Found | Answer:
    """The entity `arg` names, or an Answer that offers choices or says nothing matched."""
    result = kb.matcher.match(arg, allowed=kb.lookup_filter())
    if result.decision == "answer" and result.best is not None:
        return Found(kb.entities[result.best.key], result.explain())
    shown = echo(arg)
    if result.decision == "choose":
        suggestions = tuple(
            Suggestion(
                label=f"{label(kb.entities[c.key])} ({kb.entities[c.key].type.value})",
                command=f"{verb} {c.key}",
                entity_id=c.key,
                detail=f"{c.kind} '{c.matched}', {c.tier} {c.score:.0f}",
            )
            for c in result.candidates
        )
        return Answer(
            status="not_found",
            kind="choose",
            title=f"Did you mean one of these for “{shown}”?",
            note="I'm not sure which one you mean, so I won't guess. Pick one:",
            suggestions=suggestions,
            explain=result.explain(),
            command=f"{verb} {arg}",
        )
    return Answer(
        status="not_found",
        kind="nothing",
        title=f"Nothing matched “{shown}”",
        note="No person, organisation, place or other entity in the fact base has that name. "
        "Try `search <words>` to look through the claims and quotes.",
        explain=result.explain(),
        command=f"{verb} {arg}",
    )
