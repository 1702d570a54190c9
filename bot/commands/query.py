"""The query engine: each chat command as a pure function of a snapshot and its argument."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from bot.commands.answer import Answer, CitationRef, Line, Suggestion
from bot.commands.registry import REGISTRY, command, lookup, usage_error
from bot.commands.textsafety import echo
from bot.knowledge.dates import DateError, DateValue, parse_date
from bot.knowledge.model import Entity, EntityType, Rank
from bot.knowledge.names import fold
from bot.knowledge.snapshot import Fact, KnowledgeBase

# Claims listed in one answer. Past this nobody pages on (Discord shows ten lines a page),
# and building thousands of lines (`on 2008`, `timeline`, a common word) costs a user
# hundreds of milliseconds at 100k claims; the note says how many were left out.
MAX_FACTS = 500

_ACRONYM = re.compile(r"^[A-ZА-Я]{2,6}$")
_ROLE_PREDICATES = {"position_held", "works_for", "chair_of"}
_STOPWORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in",
        "is", "it", "its", "of", "on", "or", "the", "to", "was", "were", "with",
    }
)  # fmt: skip


# ---------------------------------------------------------------- building answers


@dataclass
class _Builder:
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

    def fact(self, fact: Fact, heading: str | None = None, *, show_date: bool = True) -> None:
        if self.shown >= MAX_FACTS:
            self.omitted += 1
            return
        self.shown += 1
        when = fact.when
        text = fact.model.text
        if show_date and when:
            text = f"{when.display()}: {text}"
        if fact.model.rank == Rank.DEPRECATED:
            text += " (superseded" + (f": {fact.model.note}" if fact.model.note else "") + ")"
        self.add(text, heading, [fact], when, fact.id)

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


def label(entity: Entity) -> str:
    """An entity's name with its acronym: 'Collective Security Treaty Organization (CSTO)'."""
    acronyms = [a for a in entity.aliases if _ACRONYM.match(a) and a.isascii()]
    if acronyms and not _ACRONYM.match(entity.name):
        return f"{entity.name} ({acronyms[0]})"
    return entity.name


def _name(kb: KnowledgeBase, entity_id: str | None) -> str:
    e = kb.entities.get(entity_id or "")
    return e.name if e else (entity_id or "")


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


# ---------------------------------------------------------------- entity resolution

_TYPE_WORD = {
    EntityType.PERSON: "person",
    EntityType.ORGANISATION: "organisation",
}


@dataclass(frozen=True)
class Found:
    """The entity a name resolved to, and how it matched (for --explain)."""

    entity: Entity
    explain: str

    def explained(self, answer: Answer) -> Answer:
        return replace(answer, explain=self.explain)


def resolve(kb: KnowledgeBase, arg: str, verb: str) -> Found | Answer:
    """The entity `arg` names, or an Answer that offers choices or says nothing matched."""
    result = kb.matcher.match(arg, allowed=kb.visible)
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


# ---------------------------------------------------------------- profiles


def _profile(kb: KnowledgeBase, entity: Entity, wanted: EntityType | None, verb: str) -> Answer:
    b = _Builder(kb)
    note = None
    if wanted is not None and entity.type != wanted:
        note = (
            f"{entity.name} is {_a(entity.type.value)}, not {_a(_TYPE_WORD[wanted])}; "
            "here is what I know about it."
        )
    facts = kb.claims_by_entity.get(entity.id, ())
    shown: set[str] = set()
    if entity.aliases:
        b.add(", ".join(entity.aliases), "Also known as")
    if entity.part_of:
        b.add(", ".join(_name(kb, p) for p in entity.part_of), "Part of")

    roles = [
        f for f in facts if f.model.subject == entity.id and f.model.predicate in _ROLE_PREDICATES
    ]
    for f in roles:
        b.add(_role_text(kb, f), "Roles", [f], f.when, f.id)
        shown.add(f.id)

    member_of = [
        f for f in facts if f.model.subject == entity.id and f.model.predicate == "member_of"
    ]
    if member_of:
        b.add(", ".join(_name(kb, f.model.object) for f in member_of), "Member of", member_of)
        shown.update(f.id for f in member_of)

    members = [f for f in facts if f.model.object == entity.id and f.model.predicate == "member_of"]
    if members:
        b.add(", ".join(_name(kb, f.model.subject) for f in members), "Members", members)
        shown.update(f.id for f in members)

    rest = [f for f in facts if f.id not in shown]
    current = [f for f in rest if f.model.rank != Rank.DEPRECATED]
    for f in current:
        b.fact(f, "What the sources say")
    for f in rest:
        if f.model.rank == Rank.DEPRECATED:
            b.fact(f, "Superseded (kept on record)")
    if not b.lines:
        b.add("No claims are recorded about it yet.", "What the sources say")
    return b.about(label(entity), entity, "entity", verb, note=note)


def _role_text(kb: KnowledgeBase, fact: Fact) -> str:
    c = fact.model
    obj = _name(kb, c.object) if c.object else ""
    if c.predicate == "chair_of":
        base = f"Chair of {obj}" + (f" ({c.value})" if c.value else "")
    elif c.predicate == "works_for":
        base = ", ".join(p for p in (c.value, obj) if p)
    else:
        base = f"{c.value} of {obj}" if c.value and obj else (c.value or obj)
    if fact.start or fact.end:
        start = fact.start.display() if fact.start else "?"
        span = f"{start} to {fact.end.display() if fact.end else 'now'}"
        return f"{base} ({span})"
    if fact.date:
        return f"{base} (as of {fact.date.display()})"
    return base


def _entity_command(kb: KnowledgeBase, arg: str, verb: str, wanted: EntityType | None) -> Answer:
    found = resolve(kb, arg, verb)
    if isinstance(found, Answer):
        return found
    return found.explained(_profile(kb, found.entity, wanted, verb))


@command("who", "who <name>", aliases=("whois", "person"))
def who(kb: KnowledgeBase, arg: str) -> Answer:
    """A person's profile: roles with dates, organisations and what the sources say, cited.

    Forgives typos, transliteration variants (Serdiukov) and Cyrillic (Лавров).
    Example: `who lavrov`"""
    return _entity_command(kb, arg, "who", EntityType.PERSON)


@command("org", "org <name or acronym>", aliases=("organisation", "organization"))
def org(kb: KnowledgeBase, arg: str) -> Answer:
    """An organisation's profile: full name and acronyms, members, what it did and when.

    Acronyms work both ways: `org ksor` or `org collective rapid reaction force`."""
    return _entity_command(kb, arg, "org", EntityType.ORGANISATION)


@command("what", "what <name>", aliases=("about", "where"))
def what(kb: KnowledgeBase, arg: str) -> Answer:
    """Anything in the fact base: places, events, countries, outlets, documents.

    Example: `what ulyanovsk`"""
    return _entity_command(kb, arg, "what", None)


# ---------------------------------------------------------------- dates


@command("when", "when <thing>", arg_name="thing")
def when(kb: KnowledgeBase, arg: str) -> Answer:
    """The dates connected to an entity or event, in order, each cited.

    Example: `when csto summit`, `when ksor program`, `when nato withdrawal`"""
    found = resolve(kb, arg, "when")
    if isinstance(found, Answer):
        if found.kind == "nothing":
            hits = [f for f in search_facts(kb, arg) if f.when]
            if hits:
                b = _Builder(kb)
                for f in sorted(hits, key=_by_date):
                    b.fact(f)
                return b.answer(
                    f"Dates for “{echo(arg)}”",
                    kind="dates",
                    note="No entity has that name; these dated claims mention those words.",
                )
        return found
    b = _Builder(kb)
    entity = found.entity
    dated = [f for f in kb.claims_by_entity.get(entity.id, ()) if f.when]
    for f in dated:
        b.fact(f)
    if not dated:
        b.add(f"No dates are recorded for {entity.name} yet.")
    return found.explained(b.about(f"When: {label(entity)}", entity, "dates", "when"))


def _undated_last(fact: Fact) -> tuple:
    return (0, *fact.when.sort_key()) if fact.when else (1,)


def _by_date(fact: Fact) -> tuple:
    return fact.when.sort_key() if fact.when else ()


def newest_article_date(kb: KnowledgeBase) -> DateValue | None:
    dates = [a.date for a in kb.articles.values()]
    return max(dates, key=lambda d: d.end) if dates else None


def parse_query_date(kb: KnowledgeBase, arg: str) -> tuple[DateValue, str | None]:
    """A date or period from a query; a year-less date takes the newest article's year."""
    context = newest_article_date(kb)
    value = parse_date(arg, context=context)
    note = None
    if value.year_inferred:
        note = f"No year given: read as {value.display()} (the year of the newest article)."
    return value, note


_PERIOD_WORD = {"day": "On", "month": "In", "part": "In", "year": "In", "decade": "In"}


@command("on", "on <date or period>", aliases=("date", "in"), arg_name="date")
def on(kb: KnowledgeBase, arg: str) -> Answer:
    """What happened on a day, in a month or year, or in a range. Precision is respected.

    Examples: `on 2012-04-06`, `on April 6 2012`, `on April 2012`, `on 2008`, `on 2011..2012`"""
    try:
        period, note = parse_query_date(kb, arg)
    except DateError as exc:
        return usage_error(str(exc), REGISTRY["on"].usage, title="That date doesn't work")
    b = _Builder(kb)
    inside = kb.dated_in(period)  # the date index: no scan of the whole timeline
    around = kb.dated_around(period)
    for f in inside:
        b.fact(f)
    for f in around:
        b.fact(f, f"Less precise dates that include {period.display()}")
    word = "From" if period.is_range else _PERIOD_WORD.get(period.precision.value, "On")
    title = f"{word} {period.display()}"
    if not b.lines:
        return Answer(
            status="not_found",
            kind="dates",
            title=title,
            note=(note + " " if note else "") + "Nothing in the fact base is dated then.",
            command=f"on {arg}",
        )
    return b.answer(
        title, kind="dates", note=note, command=f"on {arg}", extra={"period": period.to_json()}
    )


@command("timeline", "timeline [<entity>]", needs_arg=False, arg_name="entity")
def timeline(kb: KnowledgeBase, arg: str) -> Answer:
    """Claims in date order, for one entity or for everything.

    Example: `timeline csto` or just `timeline`"""
    if arg:
        found = resolve(kb, arg, "timeline")
        if isinstance(found, Answer):
            return found
        facts = [
            f
            for f in kb.claims_by_entity.get(found.entity.id, ())
            if f.when and f.model.rank != Rank.DEPRECATED
        ]
        title, ent = f"Timeline: {label(found.entity)}", found.entity
    else:
        facts, title, ent = list(kb.timeline), "Timeline", None
    b = _Builder(kb)
    for f in facts:
        b.fact(f)
    if not facts:
        b.add("No dated claims yet.")
    return b.answer(
        title,
        kind="timeline",
        entity_id=ent.id if ent else None,
        entity_type=ent.type.value if ent else None,
        command=f"timeline {ent.id}" if ent else "timeline",
    )


@dataclass(frozen=True)
class Edge:
    """A relation between two entities, from a claim (cited) or an entity's part_of."""

    source: str
    target: str
    relation: str
    claim: Fact | None = None


def neighbourhood(kb: KnowledgeBase, entity_id: str) -> list[Edge]:
    """The entity's direct relations: claims linking it to another entity, and part_of."""
    edges: list[Edge] = []
    entity = kb.entities[entity_id]
    edges += [Edge(entity_id, p, "part of") for p in entity.part_of if p in kb.entities]
    edges += [
        Edge(e.id, entity_id, "part of") for e in kb.entities.values() if entity_id in e.part_of
    ]
    for fact in kb.claims_by_entity.get(entity_id, ()):
        c = fact.model
        if fact.model.rank == Rank.DEPRECATED:
            continue
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
        for src, dst in pairs:
            if entity_id in (src, dst) and src != dst:
                edges.append(Edge(src, dst, relation if c.object else "concerns", fact))
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for e in edges:
        key = (e.source, e.target, e.relation)
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return unique


@command("map", "map <entity>", aliases=("graph", "links"))
def map_(kb: KnowledgeBase, arg: str) -> Answer:
    """How an entity is connected: its organisations, members, roles, events and places.

    Example: `map csto` (in Discord and with `factbot ask --image` it comes as a picture)"""
    found = resolve(kb, arg, "map")
    if isinstance(found, Answer):
        return found
    b = _Builder(kb)
    entity = found.entity
    for edge in neighbourhood(kb, entity.id):
        text = f"{_name(kb, edge.source)} → {edge.relation} → {_name(kb, edge.target)}"
        b.add(
            text,
            None,
            [edge.claim] if edge.claim else (),
            claim_id=edge.claim.id if edge.claim else None,
        )
    if not b.lines:
        b.add(f"No relations are recorded for {entity.name} yet.")
    return found.explained(b.about(f"Map: {label(entity)}", entity, "map", "map"))


# ---------------------------------------------------------------- search


def _matching_words(kb: KnowledgeBase, word: str) -> set[str]:
    """The indexed words a query word stands for: itself, or words it begins (4+ letters)."""
    index = kb.search_index
    out = {word} if word in index else set()
    if len(word) >= 4:
        vocab = kb.search_vocabulary
        i = bisect.bisect_left(vocab, word)
        while i < len(vocab) and vocab[i].startswith(word):
            out.add(vocab[i])
            i += 1
    return out


def search_facts(kb: KnowledgeBase, text: str) -> list[Fact]:
    words = [w for w in fold(text).split() if w not in _STOPWORDS and len(w) > 1]
    if not words:
        return []
    scores: dict[str, int] = {}
    for word in dict.fromkeys(words):
        hits: set[str] = set()
        for w in _matching_words(kb, word):
            hits |= kb.search_index[w]
        for claim_id in hits:
            scores[claim_id] = scores.get(claim_id, 0) + 1
    phrase = " ".join(words)
    ascii_phrase = phrase.isascii()
    full = len(set(words))

    def missing_phrase(cid: str) -> bool:
        # Only a claim with every word can hold the phrase (and one word is its own phrase):
        # the text is folded for those alone, not for thousands of hits of a common word.
        if scores[cid] < full:
            return True
        if full == 1:
            return False
        text = kb.searchable_text(kb.claims[cid])
        if ascii_phrase and phrase in text.casefold():
            return False  # folding keeps a run of ASCII letters and spaces as it is
        return phrase not in fold(text)

    best = max(scores.values(), default=0)
    need = max(1, full if full <= 2 else best)
    ranked = sorted(
        (cid for cid, score in scores.items() if score >= need),  # only these are listed
        key=lambda cid: (-scores[cid], missing_phrase(cid), _undated_last(kb.claims[cid])),
    )
    return [kb.claims[c] for c in ranked]


@command("search", "search <words>", aliases=("find",), arg_name="words")
def search(kb: KnowledgeBase, arg: str) -> Answer:
    """Full-text search over the claims and their quotes, best matches first.

    Example: `search ulyanovsk`, `search drug trafficking`"""
    hits = search_facts(kb, arg)
    if not hits:
        return Answer(
            status="not_found",
            kind="search",
            title=f"No claim mentions “{echo(arg)}”",
            note="Try fewer or other words, or `who`/`org`/`what` for a name.",
            command=f"search {arg}",
        )
    b = _Builder(kb)
    for f in hits:
        b.fact(f)
    return b.answer(
        f"Search: “{echo(arg)}”",
        kind="search",
        command=f"search {arg}",
        note=f"{len(hits):,} claim{'s' if len(hits) != 1 else ''} found.",
    )


# ---------------------------------------------------------------- citations & sources


@command("cite", "cite <claim id>", aliases=("source",), arg_name="claim id")
def cite(kb: KnowledgeBase, arg: str) -> Answer:
    """The full reference of one claim: article, paragraph, the whole quote, the outlet cited.

    Claim ids are shown in `--json` output and in Discord's citation list."""
    import difflib

    claim_id = arg.strip().lower()
    fact = kb.claims.get(claim_id)
    if fact is None:
        close = difflib.get_close_matches(claim_id, list(kb.claims), n=5, cutoff=0.6)
        if not close:
            return Answer(
                status="not_found",
                kind="nothing",
                title=f"No claim has the id “{echo(arg)}”",
                note="Claim ids look like `lavrov-arrived-astana-2012-04-06`; "
                "`search <words>` finds claims by their text.",
                command=f"cite {arg}",
            )
        return Answer(
            status="not_found",
            kind="choose",
            title=f"Did you mean one of these for “{echo(arg)}”?",
            suggestions=tuple(Suggestion(c, f"cite {c}") for c in close),
            command=f"cite {arg}",
        )
    b = _Builder(kb)
    b.fact(fact, "Claim")
    for c in fact.citations:
        article = kb.articles[c.article]
        b.add(article.label(), "Article")
        b.add(f"Paragraph {c.paragraph}, published {article.date.display()}", "Where")
        b.add(f"“{c.quote}”", "Quote")
        if c.cites_text:
            outlet = _name(kb, c.cites_outlet) if c.cites_outlet else c.cites_text
            when_ = f", {c.cites_date.display()}" if c.cites_date else ""
            b.add(
                f"{c.cites_text} ({outlet}{when_})" if c.cites_outlet else c.cites_text,
                "The article cites",
            )
    return b.answer(
        f"Claim {fact.id}",
        kind="cite",
        command=f"cite {fact.id}",
        subtitle=f"rank: {fact.model.rank.value}",
    )


@command("sources", "sources", aliases=("articles",), needs_arg=False)
def sources(kb: KnowledgeBase, arg: str) -> Answer:
    """The articles in the fact base, with how many claims cite each."""
    counts: dict[str, int] = {}
    for fact in kb.claims.values():
        for a in {c.article for c in fact.citations}:
            counts[a] = counts.get(a, 0) + 1
    b = _Builder(kb)
    for art in sorted(kb.articles.values(), key=lambda a: a.date.sort_key()):
        author = art.model.author or "no author named"
        b.add(
            f"{art.label()}: {art.date.display()}, {author}; {len(art.paragraphs)} paragraphs, "
            f"{counts.get(art.id, 0)} claims (id {art.id})",
            "Articles",
        )
    return b.answer("Sources", kind="sources", note=f"{len(kb.articles)} article(s).")


@command("kb", "kb", aliases=("status",), needs_arg=False)
def kb_status(kb: KnowledgeBase, arg: str) -> Answer:
    """The fact base's status: articles, entities, claims, when and by whom it was loaded."""
    s = kb.summary()
    by_type = ", ".join(f"{n} {t}" for t, n in s["entities_by_type"].items())  # type: ignore[union-attr]
    b = _Builder(kb)
    b.add(f"{s['articles']} articles, {s['entities']} entities ({by_type})", "Contents")
    b.add(
        f"{s['claims']} claims, {s['references']} references, {s['dated_claims']} dated", "Contents"
    )
    b.add(f"{kb.loaded_at:%Y-%m-%d %H:%M:%S} UTC by {kb.loaded_by}", "Loaded")
    return b.answer("Knowledge base", kind="status", extra={"summary": s})


@command("help", "help [command]", aliases=("commands", "?"), needs_arg=False, arg_name="command")
def help_(kb: KnowledgeBase, arg: str) -> Answer:
    """How to ask: the commands, or one command in detail."""
    if arg:
        spec = lookup(arg.split()[0].lstrip("!/"))
        if spec is None:
            return usage_error(f"“{echo(arg, 30)}” is not a command.", REGISTRY["help"].usage)
        lines = [Line(t) for t in spec.help.splitlines() if t.strip()]
        if spec.aliases:
            lines.append(Line("Also: " + ", ".join(spec.aliases)))
        return Answer(
            status="ok",
            kind="help",
            title=spec.usage,
            lines=tuple(lines),
            command=f"help {spec.name}",
        )
    lines = tuple(Line(f"{spec.usage}: {spec.summary}") for spec in REGISTRY.values())
    return Answer(
        status="ok",
        kind="help",
        title="factbot commands",
        lines=lines,
        note="Every answer cites its article, paragraph and quote. `help <command>` says more.",
        command="help",
    )
