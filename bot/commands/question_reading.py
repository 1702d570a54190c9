"""Reading a question: which pattern it has, whether free text is a question at all, and
the parts it names (entities, a date, the claims that place an entity).

The patterns are few and explicit (no model): who/what/when/where, "what did X say",
"who <verb> X", "is X a member of Y", "who is the <role> of Y", "how is X connected to Y".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.commands.answer import Answer
from bot.commands.building import Builder, Found, resolve
from bot.commands.dates import parse_query_date
from bot.commands.registry import CommandSpec
from bot.commands.textsafety import echo
from bot.commands.vocabulary import Vocabulary, demonyms
from bot.knowledge.dates import DateError, DateValue
from bot.knowledge.model import Rank
from bot.knowledge.snapshot import Fact, KnowledgeBase
from bot.matching.linking import FUNCTION_WORDS, Linking, link

# ---------------------------------------------------------------- reading a question


@dataclass(frozen=True)
class Reading:
    """How a question was read, for --explain."""

    pattern: str
    predicates: tuple[str, ...] = ()
    linking: Linking | None = None

    def explain(self, extra: str | None = None) -> str:
        lines = [f"Question read as: {self.pattern}"]
        if self.predicates:
            lines.append("Predicates: " + ", ".join(sorted(self.predicates)))
        if self.linking is not None:
            lines.append("Entities: " + self.linking.explain())
        if extra:
            lines.append(extra)
        return "\n".join(lines)


_TRAILING = re.compile(r"[\s?!.]+$")
ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_QUESTION_WORDS = frozenset(
    {
        "how", "is", "are", "was", "were", "did", "does", "do", "which", "why", "can", "could",
        "should", "has", "have", "where", "who", "what", "when", "whom", "whose", "tell", "show",
    }
)  # fmt: skip
_AUX = r"(?:is|are|was|were|did|does|do|has|have|had|will)"

CONNECTED = (
    re.compile(
        r"^how\s+(?:is|are|was|were)\s+(?P<x>.+?)\s+(?:connected|linked|related|tied)\s+"
        r"(?:to|with)\s+(?P<y>.+)$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:what|which)\s+(?:connects|links)\s+(?P<x>.+?)\s+(?:and|to|with)\s+(?P<y>.+)$", re.I
    ),
    re.compile(
        r"^(?:what\s+is\s+the\s+)?(?:connection|link|relation|relationship)s?\s+between\s+"
        r"(?P<x>.+?)\s+and\s+(?P<y>.+)$",
        re.IGNORECASE,
    ),
)
MEMBER = re.compile(
    r"^(?:is|are|was|were)\s+(?P<x>.+?)\s+(?:still\s+)?(?:an?\s+)?(?:member\s+of|members\s+of|"
    r"part\s+of|in|inside|within)\s+(?P<y>.+?)(?:\s+(?:in|on|as\s+of|during)\s+(?P<when>.+))?$",
    re.IGNORECASE,
)
ROLE_OF = re.compile(r"^who\s+(?:is|was)\s+(?:the\s+)?(?P<role>.+?)\s+of\s+(?P<y>.+)$", re.I)
ROLE_POSSESSIVE = re.compile(r"^who\s+(?:is|was)\s+(?P<y>.+?)['’]s?\s+(?P<role>.+)$", re.I)
ROLE_ADJECTIVE = re.compile(r"^who\s+(?:is|was)\s+(?:the\s+)?(?P<adj>\w+)\s+(?P<role>.+)$", re.I)
WHAT_DID = re.compile(rf"^what\s+{_AUX}\s+(?P<rest>.+)$", re.IGNORECASE)
WHO_VERB = re.compile(
    r"^(?:who|which\s+\w+|what\s+(?:country|countries|organi[sz]ation|state|person))\s+"
    r"(?:has\s+|have\s+|had\s+|did\s+)?(?P<verb>[a-z]+)\s+(?P<x>.+)$",
    re.IGNORECASE,
)
WHEN = re.compile(rf"^when\s+{_AUX}\s+(?P<rest>.+)$", re.IGNORECASE)
WHERE = re.compile(rf"^where\s+{_AUX}\s+(?P<rest>.+)$", re.IGNORECASE)
HAPPENED = re.compile(
    r"^what\s+(?:happened|happens|occurred|took\s+place|went\s+on)\s+(?:in|at)\s+(?P<x>.+)$",
    re.IGNORECASE,
)
_AT_TIME = re.compile(r"^(?P<x>.+)\s+(?:in|on|as\s+of|during|since)\s+(?P<when>.+)$", re.I)
ABOUT = re.compile(r"\s+(?:about|on|regarding|concerning|of)\s+", re.IGNORECASE)


def clean(text: str) -> str:
    return _TRAILING.sub("", " ".join(text.split()))


def split_when(kb: KnowledgeBase, text: str) -> tuple[str, DateValue | None]:
    """ "the CSTO in April 2012" → ("the CSTO", April 2012); text without a date unchanged."""
    m = _AT_TIME.match(text)
    if m:
        try:
            return m.group("x"), parse_query_date(kb, m.group("when"))[0]
        except DateError:
            pass
    return text, None


# ---------------------------------------------------------------- the parts of a question


def slot(text: str) -> str:
    """A part of a question without its article and quotes ("the CSTO" → "CSTO")."""
    return ARTICLE.sub("", clean(text)).strip("'’ ")


def find(kb: KnowledgeBase, text: str, vocab: Vocabulary) -> Found | Answer:
    """The one entity a part of a question names; a did-you-mean or not-found otherwise."""
    part = slot(text)
    found = resolve(kb, part, "what")
    if isinstance(found, Found) or found.kind == "choose":
        return found
    inside = link(kb.matcher, part, allowed=kb.lookup_filter(), function_words=vocab.words())
    if len(inside.entity_ids) == 1:
        entity = kb.entities[inside.entity_ids[0]]
        return Found(entity, inside.explain())
    return unknown(part)


def unknown(name: str) -> Answer:
    return Answer(
        status="not_found",
        kind="nothing",
        title=f"I know nothing about {echo(name)}",
        note="No person, organisation, place or other entity in the fact base has that name, "
        "so I won't guess. `search <words>` looks through the claims and quotes.",
    )


def claims_of(kb: KnowledgeBase, entity_id: str) -> list[Fact]:
    """The claims about an entity that still stand (deprecated ones left out)."""
    return [f for f in kb.claims_by_entity.get(entity_id, ()) if f.model.rank != Rank.DEPRECATED]


def not_found(title: str, note: str, b: Builder | None = None) -> Answer:
    """A plain "the sources do not say", with what they do say (`b`) if anything."""
    lines = tuple(b.lines) if b else ()
    cites = tuple(b.citations) if b else ()
    return Answer(
        status="not_found", kind="question", title=title, note=note, lines=lines, citations=cites
    )


def focus(kb: KnowledgeBase, rest: str, vocab: Vocabulary) -> tuple[Linking, frozenset[str]]:
    """The entities and the predicates (from the other words) of a when/where question."""
    linking = link(kb.matcher, rest, allowed=kb.lookup_filter(), function_words=vocab.words())
    respelt = _demonyms_as_countries(rest, vocab)
    if not linking.mentions and respelt != rest:
        # "the Kazakh military doctrine" names Kazakhstan's military doctrine; read so only
        # when nothing was found as written ("Russian Federation" is a name of its own)
        again = link(kb.matcher, respelt, allowed=kb.lookup_filter(), function_words=vocab.words())
        linking = again if again.mentions else linking
    covered = {i for mention in linking.mentions for i in range(mention.start, mention.end)}
    preds: set[str] = set()
    for i, word in enumerate(linking.words):
        if i not in covered:
            preds |= vocab.predicates(word)
    return linking, frozenset(preds)


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _demonyms_as_countries(text: str, vocab: Vocabulary) -> str:
    """The text with each country adjective that qualifies a following word written as the
    country's possessive ("Kazakh military doctrine" → "Kazakhstan's military doctrine"):
    one word for one, so the words keep their places."""
    out, at = [], 0
    for here in list(_WORD.finditer(text))[:-1]:  # the last word qualifies nothing
        country = vocab.demonyms.get(here.group(0).casefold())
        if country:
            out += [text[at : here.start()], f"{country}'s"]
            at = here.end()
    return "".join([*out, text[at:]])


def named_after(kb: KnowledgeBase, entity_id: str) -> list[str]:
    """Other entities with this one's name or an alias in theirs ("CSTO foreign ministers'
    meeting in Astana" for the CSTO foreign ministers)."""
    entity = kb.entities[entity_id]
    found: set[str] = set()
    for name in (entity.name, *entity.aliases):
        found |= kb.matcher.containing(name)
    found.discard(entity_id)
    return sorted(i for i in found if kb.visible(i))


def placed(kb: KnowledgeBase, entity_id: str, vocab: Vocabulary) -> list[Fact]:
    """The claims that put an entity in a place (their place, or a place predicate)."""
    out = []
    for f in claims_of(kb, entity_id):
        c = f.model
        to_place = (
            c.subject == entity_id and c.predicate in vocab.places and c.object in kb.entities
        )
        if (c.place and c.place != entity_id and entity_id in (c.subject, c.object)) or to_place:
            out.append(f)
    return out


Lookup = Callable[[str], CommandSpec | None]


def is_question(text: str, lookup: Lookup) -> bool:
    """Whether free text goes to the question answerer rather than to a command."""
    q = clean(text)
    if not q:
        return False
    first = q.split()[0].casefold()
    if lookup(first) is None:
        return first in _QUESTION_WORDS or text.rstrip().endswith("?") or len(q.split()) >= 3
    patterns = (*CONNECTED, MEMBER, ROLE_OF, ROLE_POSSESSIVE, WHAT_DID, HAPPENED, WHERE, WHEN)
    if any(p.match(q) for p in patterns):
        return True
    if first in ("who", "what", "where") and (text.rstrip().endswith("?") or len(q.split()) > 3):
        return True  # a sentence, not `who <name>`: the answerer still tries the command first
    adjective = ROLE_ADJECTIVE.match(q)
    if adjective and adjective.group("adj").casefold() in demonyms():
        return True
    m = WHO_VERB.match(q)
    return bool(m) and m.group("verb").casefold() not in FUNCTION_WORDS
