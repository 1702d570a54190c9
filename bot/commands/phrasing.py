"""Questions as people type them in a discussion, turned into the commands that answer them.

"who is Kazykhanov?", "when was KSOR proposed?", "what happened on April 6?" and "which
countries are in the CSTO?" should just work: each maps onto one command. Anything that
does not look like one of these questions is left exactly as typed.
"""

from __future__ import annotations

import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        # what happened on/in <date>  → on <date>
        (r"^what\s+(?:happened|occurred|took place)\s+(?:on|in|during)\s+(?P<x>.+)$", "on {x}"),
        (r"^what\s+(?:happened|occurred)\s*$", "timeline"),
        # which countries/states/members are in <org>, members of <org>  → org <org>
        (
            r"^(?:which|what)\s+(?:countries|states|members|nations)\s+(?:are|were)\s+"
            r"(?:in|members of|part of)\s+(?:the\s+)?(?P<x>.+)$",
            "org {x}",
        ),
        (
            r"^(?:who|what)\s+(?:are|were)\s+(?:the\s+)?members\s+of\s+(?:the\s+)?(?P<x>.+)$",
            "org {x}",
        ),
        (r"^members\s+of\s+(?:the\s+)?(?P<x>.+)$", "org {x}"),
        # when was/did/is <thing> ...  → when <thing ...>
        (r"^when\s+(?:was|were|did|is|are|will|does|do)\s+(?:the\s+)?(?P<x>.+)$", "when {x}"),
        # who is/was <name>  → who <name>; what is/was <thing>  → what <thing>
        (r"^who\s+(?:is|was|are|were)\s+(?P<x>.+)$", "who {x}"),
        (r"^what\s+(?:is|was|are|were)\s+(?:the\s+)?(?P<x>.+)$", "what {x}"),
        (r"^(?:tell me about|show me|about)\s+(?:the\s+)?(?P<x>.+)$", "what {x}"),
        (r"^(?:timeline|history)\s+of\s+(?:the\s+)?(?P<x>.+)$", "timeline {x}"),
    )
)
_TRAILING = re.compile(r"[\s?!.]+$")
_WHEN_VERBS = re.compile(
    r"\s+(?:proposed|founded|created|formed|signed|held|approved|announced|published|"
    r"start|started|begin|began|happen|happened|take place|took place)$",
    re.IGNORECASE,
)


def rewrite(text: str) -> str:
    """The command for a natural question, or the text unchanged."""
    question = _TRAILING.sub("", text.strip())
    for pattern, replacement in _RULES:
        m = pattern.match(question)
        if m:
            command = (
                replacement.format(x=m.group("x").strip()) if "{x}" in replacement else replacement
            )
            if command.startswith("when "):
                # "when was KSOR proposed": the verb is not part of the name
                stripped = _WHEN_VERBS.sub("", command)
                return stripped if stripped != "when" else command
            return command
    return text
