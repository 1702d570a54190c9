"""Questions in people's own words, answered from the claims alone, every line cited.

Why: in a discussion people type "what did Nikolski say?", "who chairs the CSTO?", "is
Armenia in the CSTO?", not command syntax. No language model: question words and verbs
are read with a few patterns, entities are linked with the lookups' matcher (never a
wrong entity), and verbs map to the fact base's own predicates plus the synonym table in
`predicates.yaml`. What the sources do not say is said plainly ("unknown"), never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.commands import connections
from bot.commands.answer import Answer
from bot.commands.building import Builder, Found, label
from bot.commands.dates import on, parse_query_date
from bot.commands.phrasing import rewrite
from bot.commands.question_reading import (
    ABOUT,
    CONNECTED,
    HAPPENED,
    MEMBER,
    ROLE_ADJECTIVE,
    ROLE_OF,
    ROLE_POSSESSIVE,
    WHAT_DID,
    WHEN,
    WHERE,
    WHO_VERB,
    Lookup,
    Reading,
    claims_of,
    clean,
    find,
    focus,
    named_after,
    not_found,
    placed,
    slot,
    split_when,
    unknown,
)
from bot.commands.search import search_facts
from bot.commands.standing import membership_answer, role_answer
from bot.commands.textsafety import echo
from bot.commands.vocabulary import Vocabulary, stem, vocabulary
from bot.knowledge.dates import DateError, DateValue
from bot.knowledge.history import fact_holds_at
from bot.knowledge.model import EntityType, Rank
from bot.knowledge.names import fold
from bot.knowledge.snapshot import Fact, KnowledgeBase
from bot.matching.linking import FUNCTION_WORDS, Linking, link

# ---------------------------------------------------------------- resolving the parts


# ---------------------------------------------------------------- one function per pattern


def _statement_verb(words: list[str], vocab: Vocabulary) -> tuple[int, frozenset[str]] | None:
    """Where the verb of "what did X <verb> ..." is, and the predicates it stands for
    (every statement predicate for say/said/note ...); None if no word is a known verb."""
    for i in range(1, len(words)):
        preds = vocab.predicates(words[i])
        if preds:
            if preds & vocab.statements or words[i].casefold() in {
                "say",
                "said",
                "think",
                "thought",
            }:
                preds = vocab.statements
            return i, preds
    return None


def _statements(kb: KnowledgeBase, q: str, vocab: Vocabulary) -> tuple[Answer, Reading] | None:
    """ "what did X say (about Y)": X's statement claims (and "according to X" claims)."""
    m = WHAT_DID.match(q)
    words = m.group("rest").split() if m else []
    found = _statement_verb(words, vocab)
    if found is None:
        return None
    i, preds = found
    reading = Reading(f"what did X {words[i]} (about Y)", tuple(preds))
    about = ABOUT.split(" " + " ".join(words[i + 1 :]), maxsplit=1)
    x = find(kb, " ".join(words[:i]), vocab)
    y = find(kb, about[1], vocab) if len(about) == 2 else None
    if isinstance(y, Answer):
        return y, reading
    if isinstance(x, Answer):
        if y is None or x.kind == "choose":
            return x, reading
        return _also_about(kb, x.title, y), reading
    done = "said" if preds == vocab.statements else words[i]
    return _statement_answer(kb, x, y, preds, done, vocab), reading


def _statement_answer(
    kb: KnowledgeBase,
    x: Found,
    y: Found | None,
    preds: frozenset[str],
    done: str,
    vocab: Vocabulary,
) -> Answer:
    """What X `done` (about Y): X's claims with those predicates, each cited."""
    facts = [
        f
        for f in claims_of(kb, x.entity.id)
        if f.model.predicate in preds and f.model.subject == x.entity.id
    ]
    if preds == vocab.statements:
        facts += _according_to(kb, x)
    if y is not None:
        facts = [f for f in facts if y.entity.id in f.entity_ids()]
    topic = f" about {y.entity.name}" if y else ""
    if not facts:
        return not_found(
            f"The sources record nothing {x.entity.name} {done}{topic}",
            f"Try `who {x.entity.id}` for everything about {x.entity.name}.",
        )
    b = Builder(kb)
    for f in facts:
        b.fact(f)
    return x.explained(
        b.about(f"What {label(x.entity)} {done}{topic}", x.entity, "question", "who")
    )


def _according_to(kb: KnowledgeBase, x: Found) -> list[Fact]:
    """Claims about others that the article attributes to X ("according to Kazykhanov")."""
    names = {w for n in (x.entity.name, *x.entity.aliases) for w in fold(n).split() if len(w) > 3}
    out = []
    for f in claims_of(kb, x.entity.id):
        text = fold(f.model.text)
        if f.model.subject != x.entity.id and any(f"according to {w}" in text for w in names):
            out.append(f)
    return out


def _also_about(kb: KnowledgeBase, unknown_title: str, y: Found) -> Answer:
    """'I know nothing about Merkel; here is what the sources say about the SCO.'"""
    b = Builder(kb)
    for f in claims_of(kb, y.entity.id):
        b.fact(f)
    name = unknown_title.removeprefix("I know nothing about ")
    note = f"I know nothing about {name}; here is what the sources say about {label(y.entity)}."
    if not b.lines:
        return not_found(
            unknown_title, note.split(";")[0] + f", and nothing about {y.entity.name}."
        )
    return b.about(label(y.entity), y.entity, "question", "what", note=note)


def _passive(predicate: str) -> bool:
    """`supported_by`, `published_by`: the claim's subject is what was acted on."""
    return predicate.endswith("_by")


def _acted_on(f: Fact) -> str | None:
    """What "who <verb>ed X" asks about: the object, or the subject of a `_by` claim."""
    return f.model.subject if _passive(f.model.predicate) else f.model.object


def _agent(kb: KnowledgeBase, f: Fact) -> str:
    """Who did it: the subject, or the value (else the object) of a `_by` claim."""
    c = f.model
    if _passive(c.predicate) and c.value:
        return c.value  # "all CSTO members" says more than the object "CSTO"
    who = c.object if _passive(c.predicate) else c.subject
    return kb.entities[who].name if who in kb.entities else ""


def _who_verb(kb: KnowledgeBase, q: str, vocab: Vocabulary) -> tuple[Answer, Reading] | None:
    """ "who chairs the CSTO (in April 2012)", "who signed the doctrine": who did it."""
    m = WHO_VERB.match(q)
    if not m or m.group("verb").casefold() in FUNCTION_WORDS:
        return None
    verb = m.group("verb")
    preds = vocab.predicates(verb)
    if not preds:
        return None
    reading = Reading(f"who {verb} X", tuple(preds))
    text, period = split_when(kb, m.group("x"))
    got = _acted_on_facts(kb, text, preds, verb, vocab)
    if isinstance(got, Answer):
        return got, reading
    x, facts = got
    if period is not None:
        facts = [f for f in facts if fact_holds_at(f, period)]
    when = f" in {period.display()}" if period else ""
    if not facts:
        name = x.entity.name if x else echo(slot(text))
        return not_found(
            f"The sources do not say who {verb} {name}{when}",
            "No claim in the fact base says so."
            + (f" Try `what {x.entity.id}` for what is known." if x else ""),
        ), reading
    agents = ", ".join(dict.fromkeys(a for f in facts if (a := _agent(kb, f))))
    b = Builder(kb)
    for f in facts:
        b.fact(f)
    if x is None:
        return b.answer(f"Who {verb} {echo(slot(text))}{when}: {agents}", kind="question"), reading
    title = f"Who {verb} {label(x.entity)}{when}: {agents}"
    return x.explained(b.about(title, x.entity, "question", "what")), reading


def _acted_on_facts(
    kb: KnowledgeBase, text: str, preds: Iterable[str], verb: str, vocab: Vocabulary
) -> tuple[Found | None, list[Fact]] | Answer:
    """The claims with these predicates "who <verb>ed <text>" asks for: about the entity
    `text` names (read from that entity's claims), else about an entity it names with the
    other words in the claim's value ("cooperation with NATO")."""
    preds = set(preds)

    def candidates() -> list[Fact]:
        """Every claim with one of the predicates, in date order (the fallbacks read all)."""
        ids = kb.claim_order.sort(i for p in preds for i in kb.claims_with_predicate.get(p, ()))
        return [f for f in map(kb.claims.__getitem__, ids) if f.model.rank != Rank.DEPRECATED]

    x = find(kb, text, vocab)
    if isinstance(x, Answer):
        x = _object_among(kb, text, candidates(), x, verb)
    if isinstance(x, Found):
        about = kb.claims_by_entity.get(x.entity.id, ())
        mine = [
            f
            for f in about
            if f.model.predicate in preds
            and f.model.rank != Rank.DEPRECATED
            and _acted_on(f) == x.entity.id
        ]
        return x, [kb.claims[i] for i in kb.claim_order.sort(f.id for f in mine)]
    by_value = _by_value(kb, text, candidates(), vocab)
    return (None, by_value) if by_value else x


def _by_value(kb: KnowledgeBase, text: str, facts: list[Fact], vocab: Vocabulary) -> list[Fact]:
    """Claims acting on an entity `text` names whose value holds every other word of it."""
    linking = link(kb.matcher, slot(text), allowed=kb.lookup_filter(), function_words=vocab.words())
    covered = {i for mention in linking.mentions for i in range(mention.start, mention.end)}
    words = {
        stem(w)
        for i, w in enumerate(linking.words)
        if i not in covered and w.casefold() not in FUNCTION_WORDS and len(w) > 2
    }
    ids = set(linking.entity_ids)
    if not ids or not words:
        return []
    return [
        f
        for f in facts
        if _acted_on(f) in ids and words <= {stem(w) for w in fold(f.model.value or "").split()}
    ]


def _object_among(
    kb: KnowledgeBase, text: str, facts: list[Fact], failed: Answer, verb: str
) -> Found | Answer:
    """The one entity these claims act on whose name holds every word of `text`."""
    words = [w for w in fold(slot(text)).split() if w not in FUNCTION_WORDS]
    objects = {_acted_on(f) for f in facts} & set(kb.entities)
    fits = []
    for oid in objects:
        entity = kb.entities[oid]
        names = " ".join(fold(n) for n in (entity.name, *entity.aliases)).split()
        if words and all(any(n.startswith(w) for n in names) for w in words):
            fits.append(entity)
    if len(fits) == 1:
        return Found(fits[0], f"“{slot(text)}” read as {fits[0].id}: the only such claim object")
    if failed.kind == "choose" and any(s.entity_id in objects for s in failed.suggestions):
        return failed
    close = [s.label for s in failed.suggestions]
    return not_found(
        f"The sources do not say who {verb} the {echo(slot(text))}",
        (f"Nearest names: {'; '.join(close)}. " if close else "")
        + f"No claim in the fact base says who {verb} it.",
    )


def _membership(kb: KnowledgeBase, q: str, vocab: Vocabulary) -> tuple[Answer, Reading] | None:
    """ "is X in / a member of Y (in <date>)": yes with citations, or unknown."""
    m = MEMBER.match(q)
    if not m:
        return None
    reading = Reading("is X a member of Y", tuple(vocab.membership))
    x, y = find(kb, m.group("x"), vocab), find(kb, m.group("y"), vocab)
    for part in (x, y):
        if isinstance(part, Answer):
            return part, reading
    assert isinstance(x, Found) and isinstance(y, Found)
    period: DateValue | None = None
    if m.group("when"):
        try:
            period, _ = parse_query_date(kb, m.group("when"))
        except DateError:
            period = None
    claims = [
        f
        for f in kb.claims_by_entity.get(x.entity.id, ())
        if f.model.subject == x.entity.id
        and f.model.object == y.entity.id
        and f.model.predicate in vocab.membership
    ]
    return x.explained(membership_answer(kb, x.entity, y.entity, claims, period)), reading


def _role(kb: KnowledgeBase, q: str, vocab: Vocabulary) -> tuple[Answer, Reading] | None:
    """ "who is the <role> of <country>" / "who is Russia's <role>": position claims."""
    for pattern in (ROLE_POSSESSIVE, ROLE_OF, ROLE_ADJECTIVE):
        m = pattern.match(q)
        if not m:
            continue
        y_text = m.groupdict().get("y") or vocab.demonyms.get(
            m.groupdict().get("adj", "").casefold()
        )
        if not y_text:
            continue
        role = slot(m.group("role"))
        whole = kb.matcher.match(slot(q.split(None, 2)[2]), allowed=kb.lookup_filter())
        if whole.decision == "answer":
            return None  # "who is the Council of Foreign Ministers of the CSTO": a name
        y = find(kb, y_text, vocab)
        if isinstance(y, Answer):
            continue
        return role_answer(kb, role, y, vocab), Reading(
            "who is the <role> of Y", tuple(vocab.roles)
        )
    return None


def _when(kb: KnowledgeBase, q: str, vocab: Vocabulary) -> tuple[Answer, Reading] | None:
    """ "when did/was X <verb>": X's dated claims, those with that verb if there are any."""
    m = WHEN.match(q)
    if not m:
        return None
    linking, preds = focus(kb, m.group("rest"), vocab)
    if not linking.mentions:
        return None
    reading = Reading("when did X ...", tuple(preds), linking)
    entity = kb.entities[linking.mentions[0].entity_id]
    dated = [f for f in claims_of(kb, entity.id) if f.when]
    chosen = [f for f in dated if f.model.predicate in preds] or dated
    b = Builder(kb)
    for f in chosen:
        b.fact(f)
    if not chosen:
        return not_found(
            f"The sources give no date for {entity.name}", "No dated claim about it."
        ), reading
    return b.about(f"When: {label(entity)}", entity, "dates", "when"), reading


def _where(kb: KnowledgeBase, q: str, vocab: Vocabulary) -> tuple[Answer, Reading] | None:
    """ "where is/did X ...": the places X's claims put it in."""
    m = WHERE.match(q)
    if not m:
        return None
    linking, preds = focus(kb, m.group("rest"), vocab)
    reading = Reading("where ...", tuple(preds), linking)
    if not linking.mentions:
        name = linking.unknown[0].text if linking.unknown else slot(m.group("rest"))
        return unknown(name), reading
    entity = kb.entities[linking.mentions[0].entity_id]
    where = placed(kb, entity.id, vocab)
    chosen = [f for f in where if f.model.predicate in preds]
    if not chosen and preds:  # "where did the CSTO foreign ministers meet": their meeting
        chosen = [
            f
            for other in named_after(kb, entity.id)
            for f in placed(kb, other, vocab)
            if f.model.predicate in preds
        ]
    chosen = chosen or where
    if not chosen:
        return not_found(
            f"The sources do not say where {entity.name} is or was",
            f"Try `what {entity.id}` for what is known.",
        ), reading
    b = Builder(kb)
    for f in chosen:
        b.fact(f)
    places = ", ".join(
        dict.fromkeys(
            kb.entities[f.model.place or f.model.object].name
            for f in chosen
            if (f.model.place or f.model.object) in kb.entities
        )
    )
    return b.about(f"Where: {label(entity)}: {places}", entity, "question", "what"), reading


def _happened(kb: KnowledgeBase, q: str, vocab: Vocabulary) -> tuple[Answer, Reading] | None:
    """ "what happened in <place>" (a date goes to `on`)."""
    m = HAPPENED.match(q)
    if not m:
        return None
    try:
        parse_query_date(kb, m.group("x"))
        return on(kb, m.group("x")), Reading("what happened on <date>")
    except DateError:
        pass
    reading = Reading("what happened in <place>", tuple(vocab.places))
    place = find(kb, m.group("x"), vocab)
    if isinstance(place, Answer):
        return place, reading
    pid = place.entity.id
    inside = {pid} | {
        i for i in kb.parts.get(pid, ()) if kb.entities[i].type in (EntityType.PLACE,)
    }
    facts = []
    for eid in inside:
        for f in claims_of(kb, eid):
            c = f.model
            if c.place == eid or (c.object == eid and c.predicate in vocab.places):
                facts.append(f)
    facts = sorted(dict.fromkeys(facts), key=lambda f: f.when.sort_key() if f.when else ())
    if not facts:
        return not_found(
            f"Nothing is recorded as happening in {place.entity.name}",
            f"No claim has {place.entity.name} as its place. Try `what {pid}`.",
        ), reading
    b = Builder(kb)
    for f in facts:
        b.fact(f)
    return place.explained(
        b.about(f"What happened in {label(place.entity)}", place.entity, "question", "what")
    ), reading


def _connected(kb: KnowledgeBase, q: str, vocab: Vocabulary) -> tuple[Answer, Reading] | None:
    for pattern in CONNECTED:
        m = pattern.match(q)
        if m:
            reading = Reading("how is X connected to Y")
            x, y = find(kb, m.group("x"), vocab), find(kb, m.group("y"), vocab)
            for part in (x, y):
                if isinstance(part, Answer):
                    return part, reading
            assert isinstance(x, Found) and isinstance(y, Found)
            return connections.connect(kb, x, y), reading
    return None


_PATTERNS = (_connected, _membership, _role, _statements, _who_verb, _happened, _when, _where)


# ---------------------------------------------------------------- the fallbacks


def _involving(kb: KnowledgeBase, q: str, linking: Linking) -> Answer:
    """Claims that involve every entity named, ranked by how many question words they hold."""
    ids = linking.entity_ids
    sets = [set(kb.claims_by_entity.get(i, ())) for i in ids]
    common = set.intersection(*sets) if sets else set()
    words = {w for w in fold(q).split() if w not in FUNCTION_WORDS and len(w) > 2}

    def score(f: Fact) -> tuple[int, str]:
        return (-sum(w in fold(kb.searchable_text(f)) for w in words), f.id)

    b = Builder(kb)
    for f in sorted((f for f in common if f.model.rank != Rank.DEPRECATED), key=score):
        b.fact(f)
    names = " and ".join(kb.entities[i].name for i in ids)
    note = _unknown_note(linking)
    if not b.lines:
        return not_found(f"No claim involves {names} together", note or "Ask about one at a time.")
    return b.answer(f"What the sources say about {names}", kind="question", note=note)


def _unknown_note(linking: Linking) -> str | None:
    if not linking.unknown:
        return None
    names = ", ".join(u.text for u in linking.unknown)
    return f"I know nothing about {echo(names)}."


def _fallback(
    kb: KnowledgeBase, q: str, vocab: Vocabulary, lookup: Lookup
) -> tuple[Answer, Reading]:
    """No pattern: the command the question rewrites to, else claims about its entities,
    else a full-text search; never "not a command"."""
    linking = link(kb.matcher, q, allowed=kb.lookup_filter(), function_words=vocab.words())
    words = rewrite(q).split(None, 1)
    spec = lookup(words[0]) if words else None
    if spec is not None and len(words) == 2 and spec.name not in ("ask", "link"):
        answer = spec.handler(kb, words[1])
        if answer.status == "ok" or answer.kind == "choose" or not linking.mentions:
            return answer, Reading(f"command `{spec.name}`", (), linking)
    if linking.mentions:
        answer = _involving(kb, q, linking)
        if linking.unknown and answer.status == "ok":
            first = kb.entities[linking.entity_ids[0]]
            nameless = echo(", ".join(u.text for u in linking.unknown))
            note = f"I know nothing about {nameless}; here is what the sources say about "
            note += f"{label(first)}."
            answer = replace(answer, note=note)
        return answer, Reading("claims involving the entities named", (), linking)
    if linking.unknown:
        return unknown(linking.unknown[0].text), Reading("unknown name", (), linking)
    hits = search_facts(kb, q)
    if not hits:
        return not_found(
            "I found nothing in the sources about that",
            "No entity is named and no claim holds those words. `help` lists what I can answer.",
        ), Reading("full-text search", (), linking)
    b = Builder(kb)
    for f in hits:
        b.fact(f)
    return b.answer(
        "What the sources say", kind="search", note="No entity named: claims holding those words."
    ), Reading("full-text search", (), linking)


# ---------------------------------------------------------------- the door


def answer_question(kb: KnowledgeBase, text: str, lookup: Lookup) -> Answer:
    """Answer a question in plain words; the answer's `explain` shows how it was read."""
    q = clean(text)
    vocab = vocabulary(kb)
    for pattern in _PATTERNS:
        got = pattern(kb, q, vocab)
        if got is not None:
            break
    else:
        got = _fallback(kb, q, vocab, lookup)
    answer, reading = got
    return replace(
        answer, explain=reading.explain(answer.explain), command=answer.command or f"ask {q}"
    )
