"""Reading a question: which pattern it has, and whether free text is a question at all.

The patterns are few and explicit (no model): who/what/when/where, "what did X say",
"who <verb> X", "is X a member of Y", "who is the <role> of Y", "how is X connected to Y".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.commands.registry import CommandSpec
from bot.commands.vocabulary import demonyms
from bot.matching.linking import FUNCTION_WORDS, Linking

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
ABOUT = re.compile(r"\s+(?:about|on|regarding|concerning|of)\s+", re.IGNORECASE)


def clean(text: str) -> str:
    return _TRAILING.sub("", " ".join(text.split()))


Lookup = Callable[[str], CommandSpec | None]


def is_question(text: str, lookup: Lookup) -> bool:
    """Whether free text goes to the question answerer rather than to a command."""
    q = clean(text)
    if not q:
        return False
    first = q.split()[0].casefold()
    if lookup(first) is None:
        return first in _QUESTION_WORDS or text.rstrip().endswith("?") or len(q.split()) >= 3
    patterns = (*CONNECTED, MEMBER, ROLE_OF, ROLE_POSSESSIVE, WHAT_DID, HAPPENED, WHERE)
    if any(p.match(q) for p in patterns):
        return True
    if first in ("who", "what", "where") and (text.rstrip().endswith("?") or len(q.split()) > 3):
        return True  # a sentence, not `who <name>`: the answerer still tries the command first
    adjective = ROLE_ADJECTIVE.match(q)
    if adjective and adjective.group("adj").casefold() in demonyms():
        return True
    m = WHO_VERB.match(q)
    return bool(m) and m.group("verb").casefold() not in FUNCTION_WORDS
