"""Which sentences are worth a claim stub: the ones that state a fact, not the analysis.

EDM articles mix reported facts with the author's judgement ("For the Kremlin, the closure
is a victory of patience."). A judgement names one entity at most, has no date, number or
citation, no person, and no verb of saying or doing; a fact has at least one of them.
"""

from __future__ import annotations

import re

from bot.cli.draft.recognise import Names
from bot.cli.draft.vocab import FACT_VERBS
from bot.knowledge.model import EntityType

_WORD = re.compile(r"[a-z]+")


def states_a_fact(sentence: str, mentions: list[str], names: Names, *, dated: bool) -> bool:
    """True when a sentence (its citations masked) naming `mentions` reports something: a
    date (`dated`) or a number, two names or more, a person, or a verb of saying or doing."""
    if dated or re.search(r"\d", sentence) or len(mentions) >= 2:
        return True
    if any(names.type_of(m) is EntityType.PERSON for m in mentions):
        return True
    return bool(mentions) and any(w in FACT_VERBS for w in _WORD.findall(sentence.lower()))
