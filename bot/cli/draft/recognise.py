"""Names to entity ids: the fact base's entities, or new stubs proposed once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.cli.draft.cues import COUNTRIES
from bot.cli.draft.vocab import (
    ACRONYM,
    DOC_WORDS,
    DOMAIN,
    EVENT_WORDS,
    ORDINAL,
    ORG_WORDS,
    PLACE_WORDS,
    PROGRAMME_WORDS,
    slug,
)
from bot.knowledge.model import EntityType
from bot.knowledge.names import fold
from bot.knowledge.snapshot import KnowledgeBase

_WHOLE_NAME = frozenset({"exact", "folded", "phonetic"})


@dataclass
class NewEntity:
    """A name the fact base does not know: an entity stub to propose."""

    id: str
    name: str
    type: EntityType
    why: str  # why that type was guessed
    aliases: list[str] = field(default_factory=list)
    seen_as: list[str] = field(default_factory=list)
    paragraph: int = 0
    close: list[str] = field(default_factory=list)  # ids the matcher offered as choices


@dataclass
class Mention:
    """A name found in a sentence and the entity id it stands for."""

    pos: int
    id: str


class Names:
    """Resolves names to entity ids: known ones through the fact base's matcher (only an
    "answer" counts), new ones to stubs proposed once and reused for every later mention."""

    def __init__(self, kb: KnowledgeBase | None) -> None:
        self.kb = kb
        self.known: dict[str, list[str]] = {}  # id -> the names it was found as
        self.new: dict[str, NewEntity] = {}
        self._new_names: dict[str, str] = {}  # folded name or alias -> new id
        self._cache: dict[str, tuple[str | None, list[str]]] = {}

    def _match(self, name: str) -> tuple[str | None, list[str]]:
        """(id if the fact base answers for the name, ids it offers otherwise)."""
        if self.kb is None or not name.strip():
            return None, []
        if name not in self._cache:
            result = self.kb.matcher.match(name)
            ids = list(dict.fromkeys(c.key for c in result.candidates))
            best = None
            top = result.best if result.decision == "answer" else None
            if top is not None and top.tier in _WHOLE_NAME and top.part == "whole":
                best = top.key  # a fuzzy, prefix or word-suffix hit shares words, not the name
            self._cache[name] = (best, ids)
        return self._cache[name]

    def lookup(self, name: str) -> str | None:
        """The id of a known or already proposed entity with this name, else None."""
        known, _ = self._match(name)
        if known is not None:
            self.known.setdefault(known, [])
            if name not in self.known[known]:
                self.known[known].append(name)
            return known
        new_id = self._new_names.get(fold(name))
        if new_id is not None and name not in self.new[new_id].seen_as:
            self.new[new_id].seen_as.append(name)
        return new_id

    def type_of(self, ident: str) -> EntityType | None:
        """The type of a known entity or of a stub proposed here."""
        if ident in self.new:
            return self.new[ident].type
        if self.kb is not None and ident in self.kb.entities:
            return self.kb.entities[ident].type
        return None

    def propose(
        self,
        name: str,
        aliases: list[str],
        paragraph: int,
        typed: tuple[EntityType, str] | None = None,
    ) -> str:
        """A stub for a new name (with its acronym or native forms as aliases)."""
        names = [name, *aliases]
        for n in names:
            if (ident := self.lookup(n)) is not None:
                return ident
        kind, why = typed or guess_type(name, aliases)
        if kind is EntityType.PERSON and len(name.split()) > 1:
            aliases = [*aliases, name.split()[-1]]  # the surname, as articles repeat it
        base = slug(name) or "entity"
        ident, n = base, 2
        taken = set(self.kb.entities) if self.kb else set()
        while ident in taken or ident in self.new:
            ident, n = f"{base}-{n}", n + 1
        close = [i for n_ in names for i in self._match(n_)[1]]
        entity = NewEntity(
            ident, name, kind, why, [], [name], paragraph, list(dict.fromkeys(close))
        )
        self.new[ident] = entity
        self._new_names[fold(name)] = ident
        for alias in aliases:
            key = fold(alias)
            if key and key not in self._new_names and self._match(alias)[0] is None:
                entity.aliases.append(alias)
                self._new_names[key] = ident
        return ident


def guess_type(name: str, aliases: list[str]) -> tuple[EntityType, str]:
    """A first guess at the type from the name alone, with the reason (the editor confirms)."""
    words = [w.lower() for w in re.split(r"[\s-]+", name)]
    if name.lower() in COUNTRIES:
        return EntityType.COUNTRY, "a country's name"
    if DOMAIN.fullmatch(name):
        return EntityType.OUTLET, "a web site"
    if any(ORDINAL.fullmatch(w) for w in words):
        return EntityType.ORGANISATION, "a numbered unit"
    for vocab, kind in (
        (EVENT_WORDS, EntityType.EVENT),
        (DOC_WORDS, EntityType.DOCUMENT),
        (PROGRAMME_WORDS, EntityType.PROGRAMME),
        (ORG_WORDS, EntityType.ORGANISATION),
        (PLACE_WORDS, EntityType.PLACE),
    ):
        hit = next((w for w in reversed(words) if w in vocab), None)
        if hit:
            return kind, f"the word '{hit}'"
    if re.search(r"\d{4}", name):
        return EntityType.EVENT, "a name with a year"
    if ACRONYM.fullmatch(name) or aliases:
        return EntityType.ORGANISATION, "an acronym"
    if name.lower().endswith("stan"):
        return EntityType.COUNTRY, "a -stan name"
    if len(name.split()) in (2, 3) and not re.search(r"\d", name):
        return EntityType.PERSON, "two or three capitalised words"
    return EntityType.PLACE, "a single name"
