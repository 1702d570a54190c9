"""The loaded fact base: an immutable, indexed snapshot the query engine reads from.

A snapshot is built once per load and never changed; a reload builds a new one and the
bot swaps the reference, so a query always sees one consistent snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from bot.dates import DateValue
from bot.matching import Matcher, MatchSettings, NameEntry
from bot.model import Article, Claim, Entity, EntityType, Rank
from bot.normalize import fold


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an item is defined, for error messages and changelogs."""

    file: str
    line: int | None


@dataclass(frozen=True)
class ArticleInfo:
    model: Article
    date: DateValue
    paragraphs: tuple[str, ...]
    origin: Origin

    @property
    def id(self) -> str:
        return self.model.id

    def label(self) -> str:
        """'Eurasia Daily Monitor, Vol. 9, Issue 71: “Title”' for citations."""
        a = self.model
        parts = [a.publication]
        if a.volume is not None:
            parts.append(f"Vol. {a.volume}")
        if a.issue is not None:
            parts.append(f"Issue {a.issue}")
        return f"{', '.join(parts)}: \u201c{a.title}\u201d"


@dataclass(frozen=True, slots=True)
class Citation:
    """A resolved reference: article, paragraph, quote and the source the article cites."""

    article: str
    paragraph: int
    quote: str
    cites_text: str | None = None
    cites_outlet: str | None = None
    cites_date: DateValue | None = None


@dataclass(frozen=True)
class Fact:
    """A claim with its dates parsed and references resolved."""

    model: Claim
    date: DateValue | None
    start: DateValue | None
    end: DateValue | None
    citations: tuple[Citation, ...]
    origin: Origin

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def when(self) -> DateValue | None:
        """The claim's time: its point in time, else its start, else its end."""
        return self.date or self.start or self.end

    def entity_ids(self) -> tuple[str, ...]:
        """Every entity the claim concerns, subject first, without repeats."""
        c = self.model
        ids = [c.subject, c.object, c.place, *c.mentions]
        ids += [cit.cites_outlet for cit in self.citations]
        seen: dict[str, None] = {}
        for i in ids:
            if i:
                seen.setdefault(i, None)
        return tuple(seen)


def _date_key(fact: Fact) -> tuple:
    when = fact.when
    return (0, *when.sort_key(), fact.id) if when else (1, fact.id)


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the bot knows, with the indexes lookups need."""

    articles: Mapping[str, ArticleInfo]
    entities: Mapping[str, Entity]
    entity_origin: Mapping[str, Origin]
    claims: Mapping[str, Fact]
    loaded_at: dt.datetime
    loaded_by: str = "startup"
    file_hashes: Mapping[str, str] = field(default_factory=dict)
    match_settings: MatchSettings = field(default_factory=MatchSettings)

    @classmethod
    def build(
        cls,
        articles: Iterable[ArticleInfo],
        entities: Iterable[tuple[Entity, Origin]],
        facts: Iterable[Fact],
        *,
        loaded_by: str = "startup",
        file_hashes: Mapping[str, str] | None = None,
        match_settings: MatchSettings | None = None,
    ) -> KnowledgeBase:
        ents = list(entities)
        return cls(
            articles=MappingProxyType({a.id: a for a in articles}),
            entities=MappingProxyType({e.id: e for e, _ in ents}),
            entity_origin=MappingProxyType({e.id: o for e, o in ents}),
            claims=MappingProxyType({f.id: f for f in facts}),
            loaded_at=dt.datetime.now(dt.UTC),
            loaded_by=loaded_by,
            file_hashes=MappingProxyType(dict(file_hashes or {})),
            match_settings=match_settings or MatchSettings(),
        )

    # Indexes: computed once per snapshot, on first use.

    @cached_property
    def claims_by_entity(self) -> Mapping[str, tuple[Fact, ...]]:
        """Claims concerning each entity, in date order (undated last)."""
        index: dict[str, list[Fact]] = defaultdict(list)
        for fact in self.claims.values():
            for eid in fact.entity_ids():
                index[eid].append(fact)
        return MappingProxyType({k: tuple(sorted(v, key=_date_key)) for k, v in index.items()})

    @cached_property
    def timeline(self) -> tuple[Fact, ...]:
        """All dated, non-deprecated claims in date order."""
        dated = [f for f in self.claims.values() if f.when and f.model.rank != Rank.DEPRECATED]
        return tuple(sorted(dated, key=_date_key))

    @cached_property
    def matcher(self) -> Matcher:
        entries = []
        for e in self.entities.values():
            entries.append(NameEntry(e.id, e.id, "id"))
            entries.append(NameEntry(e.id, e.name, "name"))
            entries.extend(NameEntry(e.id, a, "alias") for a in e.aliases)
        return Matcher(entries, self.match_settings)

    @cached_property
    def search_index(self) -> Mapping[str, frozenset[str]]:
        """Folded word → ids of claims whose text or quotes contain it."""
        index: dict[str, set[str]] = defaultdict(set)
        for fact in self.claims.values():
            for word in fold(self.searchable_text(fact)).split():
                index[word].add(fact.id)
        return MappingProxyType({k: frozenset(v) for k, v in index.items()})

    @cached_property
    def search_vocabulary(self) -> tuple[str, ...]:
        """The indexed words in order, for prefix search by bisection."""
        return tuple(sorted(self.search_index))

    @cached_property
    def claim_ids_sorted(self) -> tuple[str, ...]:
        """Claim ids in order, for prefix autocomplete by bisection."""
        return tuple(sorted(self.claims))

    def warm(self) -> KnowledgeBase:
        """Build every index now (off the event loop), not on the first query."""
        for name in (
            "claims_by_entity",
            "timeline",
            "matcher",
            "search_index",
            "search_vocabulary",
            "claim_ids_sorted",
        ):
            getattr(self, name)
        return self

    def searchable_text(self, fact: Fact) -> str:
        parts = [fact.model.text, *(c.quote for c in fact.citations)]
        parts += [self.entities[i].name for i in fact.entity_ids() if i in self.entities]
        return " ".join(parts)

    def visible(self, entity_id: str) -> bool:
        entity = self.entities.get(entity_id)
        return entity is not None and not entity.restricted

    def of_type(self, *types: EntityType) -> list[Entity]:
        return [e for e in self.entities.values() if e.type in types]

    def summary(self) -> dict[str, object]:
        """Counts for `check`, `kb` and `sources`."""
        by_type: dict[str, int] = defaultdict(int)
        for e in self.entities.values():
            by_type[e.type.value] += 1
        refs = sum(len(f.citations) for f in self.claims.values())
        dates = sum(1 for f in self.claims.values() if f.when)
        return {
            "articles": len(self.articles),
            "entities": len(self.entities),
            "entities_by_type": dict(sorted(by_type.items())),
            "claims": len(self.claims),
            "references": refs,
            "dated_claims": dates,
        }
