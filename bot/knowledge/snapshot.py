"""The loaded fact base: an immutable, indexed snapshot the query engine reads from.

A snapshot is built once per load and never changed; a reload builds a new one and the
bot swaps the reference, so a query always sees one consistent snapshot.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from bot.knowledge.dateindex import ClaimOrder, DateIndex, Listing
from bot.knowledge.daterows import DateRows
from bot.knowledge.dates import RANK, DateValue
from bot.knowledge.model import Article, Claim, Entity, EntityType, Rank
from bot.knowledge.names import fold
from bot.knowledge.postings import Postings, post
from bot.matching.decide import MatchSettings
from bot.matching.index import Hidden, NameEntry
from bot.matching.matcher import Matcher


@dataclass(frozen=True, slots=True, weakref_slot=True)
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


@dataclass(frozen=True, eq=False, slots=True, weakref_slot=True)
class Fact:
    """A claim with its dates parsed and references resolved.

    Facts compare by identity: a snapshot holds one Fact per claim, and value equality would
    compare whole pydantic models, which made `fact in some_list` cost a microsecond per
    element (compare `.model` to tell whether a claim changed between snapshots).
    """

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
        outlets = [cit.cites_outlet for cit in self.citations]
        # dict keys: first occurrences in order; filter(None): no absent object, place or outlet
        return tuple(
            dict.fromkeys(filter(None, (c.subject, c.object, c.place, *c.mentions, *outlets)))
        )


# Names indexed beside the name index after reloads before it is built again in one piece.
_LAYER_LIMIT = 3_000


def _name_entries(entities: Iterable[Entity]) -> list[NameEntry]:
    """What the name index finds each entity by: its id, its name and its aliases."""
    entries = []
    for e in entities:
        entries.append(NameEntry(e.id, e.id, "id"))
        entries.append(NameEntry(e.id, e.name, "name"))
        entries.extend(NameEntry(e.id, a, "alias") for a in e.aliases)
    return entries


# What bot/loading/snapshot_store.py may restore instead of building (KnowledgeBase.adopt_index).
RESTORED_INDEXES = frozenset(
    {
        "_by_date",
        "_summary",
        "article_stats",
        "claim_counts",
        "claim_ids_sorted",
        "claim_order",
        "claim_rows",
        "claims_by_entity",
        "claims_with_predicate",
        "date_index",
        "ids_by_file",
        "matcher",
        "newest_article_date",
        "parts",
        "predicates",
        "restricted_ids",
        "search_index",
        "search_vocabulary",
        "timeline",
    }
)


def _grouped(pairs: Iterable[tuple[str, str]]) -> Mapping[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for key, ident in pairs:
        out[key].append(ident)
    return MappingProxyType({k: tuple(v) for k, v in out.items()})


def changed_files(old: KnowledgeBase, new: KnowledgeBase) -> set[str]:
    """Knowledge files added, removed or edited between two snapshots."""
    names = set(old.file_hashes) | set(new.file_hashes)
    return {n for n in names if old.file_hashes.get(n) != new.file_hashes.get(n)}


def _label(kb: KnowledgeBase, ident: str) -> tuple[str, tuple[str, ...]] | None:
    e = kb.entities.get(ident)
    return None if e is None else (e.name, tuple(e.aliases))


_UNDATED = dt.date.max.toordinal() + 1  # after every day: undated claims sort last


def _date_order(fact: Fact) -> tuple:
    """A key that orders facts exactly as `_date_key` does, but whose first item is an int
    for every fact (day ordinals, not dates), which the sort compares first on its own:
    the 100k-claim sort takes ~12 % less CPU."""
    when = fact.date or fact.start or fact.end
    if when is None:
        return (_UNDATED, 0, 0, False, fact.id)
    return (
        when.start.toordinal(),
        when.end.toordinal(),
        RANK[when.precision],
        when.is_range,
        fact.id,
    )


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
    # An overlay's snapshot underneath (bot/knowledge/overlay.py); None for any other.
    base: KnowledgeBase | None = field(default=None, repr=False, compare=False)

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
        previous: KnowledgeBase | None = None,
    ) -> KnowledgeBase:
        """A new snapshot. `previous` (the one it replaces) lends it the indexes whose inputs
        did not change, so an edit to a claims file does not rebuild the name index."""
        ents = list(entities)
        kb = cls(
            articles=MappingProxyType({a.id: a for a in articles}),
            entities=MappingProxyType({e.id: e for e, _ in ents}),
            entity_origin=MappingProxyType({e.id: o for e, o in ents}),
            claims=MappingProxyType({f.id: f for f in facts}),
            loaded_at=dt.datetime.now(dt.UTC),
            loaded_by=loaded_by,
            file_hashes=MappingProxyType(dict(file_hashes or {})),
            match_settings=match_settings or MatchSettings(),
        )
        if previous is not None:
            kb._reuse(previous)
        return kb

    def adopt_index(self, name: str, value: object) -> None:
        """Set an index read back from a data-only snapshot (bot/loading/snapshot_store.py),
        as its cached_property would store it, so it is not built again. Only before the
        snapshot is published."""
        if name not in RESTORED_INDEXES:
            raise ValueError(f"{name} is not an index a snapshot restores")
        self.__dict__[name] = value

    @property
    def compact(self) -> bool:
        """Whether the records are decoded on demand from a snapshot file (bot/knowledge/
        records.py) rather than held as objects: scans of every record are then slow."""
        return not isinstance(self.claims, MappingProxyType)

    def article_ids_from(self, files: set[str]) -> list[str]:
        """The ids of the articles defined in these knowledge files."""
        by_file = self.__dict__.get("ids_by_file")
        if by_file is not None:
            return [i for f in files for i in by_file.get(("a", f), ())]
        return [i for i, a in self.articles.items() if a.origin.file in files]

    def ids_from(self, files: set[str]) -> tuple[list[str], list[str]]:
        """The ids of the entities and of the claims defined in these knowledge files."""
        by_file = self.__dict__.get("ids_by_file")
        if by_file is not None:  # a compact snapshot's stored index
            ents = [i for f in files for i in by_file.get(("e", f), ())]
            return ents, [i for f in files for i in by_file.get(("c", f), ())]
        ents = [i for i, o in self.entity_origin.items() if o.file in files]
        return ents, [i for i, f in self.claims.items() if f.origin.file in files]

    def _reuse(self, old: KnowledgeBase) -> None:
        """Take over or update the old snapshot's indexes where their inputs allow.

        The name index is taken as it is if every name, alias and id is as it was; if a few
        entities were added, removed or renamed or had their aliases changed, it is updated in
        layers (`Matcher.updated`) until the layer grows past `_LAYER_LIMIT` names, when it is
        built again in one piece (on first use). The claim indexes are
        updated for the claims that changed (a claim unchanged since the last load is the very
        same Fact object, see bot/loading/loader.py) if they are few, the search index only if no
        entity was renamed (its text holds their names); otherwise they are built afresh.
        """
        if old.compact:
            # Its records are not objects to compare by identity: entities defined in files
            # whose content is unchanged are unchanged, the rest are compared by label.
            files = changed_files(old, self)
            ids = {*old.ids_from(files)[0], *self.ids_from(files)[0]}
            relabelled = {i for i in ids if _label(old, i) != _label(self, i)}
            self._reuse_matcher(old, relabelled)
            return  # the claim indexes are built again (a restart's indexes are arrays)
        relabelled = {
            ident
            for ident, e in self.entities.items()
            if (o := old.entities.get(ident)) is None
            or (o is not e and (o.name, o.aliases) != (e.name, e.aliases))
        }
        relabelled.update(ident for ident in old.entities if ident not in self.entities)
        self._reuse_matcher(old, relabelled)
        # The search text holds the names of a claim's entities (not their aliases).
        # Only a relabelled entity (added, removed, renamed, aliases changed) can differ.
        same_names = all(
            (o := old.entities.get(ident)) is not None
            and (e := self.entities.get(ident)) is not None
            and o.name == e.name
            for ident in relabelled
        )
        changed = [f for cid, f in self.claims.items() if old.claims.get(cid) is not f]
        gone = [cid for cid in old.claims if cid not in self.claims]
        if len(changed) + len(gone) > max(500, len(self.claims) // 50):
            return
        removed = set(gone) | {f.id for f in changed if f.id in old.claims}
        self._reuse_claim_indexes(old, changed, removed)
        if same_names:
            self._reuse_search(old, changed, removed)
        ids = old.__dict__.get("claim_ids_sorted")
        if ids is not None and not gone and len(self.claims) == len(old.claims):
            self.__dict__["claim_ids_sorted"] = ids

    def _reuse_matcher(self, old: KnowledgeBase, relabelled: set[str]) -> None:
        """The old name index as it is, or with a layer for the few relabelled entities."""
        matcher = old.__dict__.get("matcher")
        if matcher is None or old.match_settings != self.match_settings:
            return
        if not relabelled:
            self.__dict__["matcher"] = matcher  # what cached_property would store
        elif matcher.layered + 3 * len(relabelled) <= _LAYER_LIMIT:
            # A few names changed: mask theirs, index the new ones beside (no rebuild).
            now = [e for ident, e in self.entities.items() if ident in relabelled]
            self.__dict__["matcher"] = matcher.updated(relabelled, _name_entries(now))

    def _reuse_claim_indexes(
        self, old: KnowledgeBase, changed: list[Fact], removed: set[str]
    ) -> None:
        """The date order and the claims by entity, updated for the changed claims."""
        by_date = old.__dict__.get("_by_date")
        if by_date is not None:
            kept = [f for f in by_date if f.id not in removed]
            for fact in sorted(changed, key=_date_key):  # keys are unique: ids end them
                kept.insert(bisect_right(kept, _date_key(fact), key=_date_key), fact)
            self.__dict__["_by_date"] = tuple(kept)
        by_entity = old.__dict__.get("claims_by_entity")
        if by_entity is None:
            return
        index = dict(by_entity)
        fresh: dict[str, list[Fact]] = defaultdict(list)
        for fact in changed:
            for eid in fact.entity_ids():
                fresh[eid].append(fact)
        affected = set(fresh)
        for cid in removed:
            affected.update(old.claims[cid].entity_ids())
        for eid in affected:
            facts = [f for f in index.get(eid, ()) if f.id not in removed] + fresh[eid]
            if facts:
                index[eid] = tuple(sorted(facts, key=_date_key))
            else:
                index.pop(eid, None)
        self.__dict__["claims_by_entity"] = MappingProxyType(index)

    def _reuse_search(self, old: KnowledgeBase, changed: list[Fact], removed: set[str]) -> None:
        """The search postings with the changed claims' words updated (few layers only)."""
        postings = old.__dict__.get("search_index")
        if not isinstance(postings, Postings) or postings.layered >= max(
            5_000, len(self.claims) // 20
        ):
            return
        touched: set[str] = set()
        for cid in removed:
            touched.update(fold(old.searchable_text(old.claims[cid])).split())
        added: dict[str, list[str]] = defaultdict(list)
        for fact in changed:
            for word in set(fold(self.searchable_text(fact)).split()):
                added[word].append(fact.id)
        new = postings.updated(removed, dict(added), touched)
        self.__dict__["search_index"] = new
        vocabulary = old.__dict__.get("search_vocabulary")
        if (
            vocabulary is not None
            and len(new) == len(postings)
            and all(w in postings for w in added)
        ):
            self.__dict__["search_vocabulary"] = vocabulary

    # Indexes: computed once per snapshot, on first use.

    @cached_property
    def _date_rows(self) -> DateRows:
        """The claims read by row for the date-ordered indexes below (bot/knowledge/daterows)."""
        return DateRows.of(self.claims, _date_order, _UNDATED)

    def _by_rows(self) -> bool:
        """Whether the indexes read the claims by row: unless a reload kept the old date
        order (`_reuse_claim_indexes`), which they then read as it is."""
        return "_date_rows" in self.__dict__ or "_by_date" not in self.__dict__

    @cached_property
    def _by_date(self) -> tuple[Fact, ...]:
        """Every claim in date order (undated last), sorted once for the indexes below."""
        return self._date_rows.by_date()

    @cached_property
    def claims_by_entity(self) -> Mapping[str, tuple[Fact, ...]]:
        """Claims concerning each entity, in date order (undated last)."""
        if self._by_rows():
            return MappingProxyType(self._date_rows.by_entity())
        index: dict[str, list[Fact]] = defaultdict(list)
        for fact in self._by_date:
            for eid in fact.entity_ids():
                index[eid].append(fact)
        return MappingProxyType({k: tuple(v) for k, v in index.items()})

    @cached_property
    def timeline(self) -> tuple[Fact, ...]:
        """All dated, non-deprecated claims in date order."""
        if self._by_rows():
            return self._date_rows.timeline()
        deprecated = Rank.DEPRECATED
        return tuple(f for f in self._by_date if f.when and f.model.rank != deprecated)

    @cached_property
    def date_index(self) -> DateIndex:
        """The timeline by span of days: counts and pages of a period (bot/knowledge/dateindex)."""
        if self._by_rows():
            return DateIndex.build(self._date_rows.spans())
        return DateIndex.build(
            (f.id, f.when.start.toordinal(), f.when.end.toordinal())  # type: ignore[union-attr]
            for f in self.timeline
        )

    @cached_property
    def claim_order(self) -> ClaimOrder:
        """Every claim's place in date order (undated last): search sorts its hits by it."""
        if self._by_rows():
            return ClaimOrder.build(self._date_rows.ids_by_date())
        return ClaimOrder.build(f.id for f in self._by_date)

    @cached_property
    def newest_article_date(self) -> DateValue | None:
        """The latest article date: the year a year-less `on April 6` means."""
        return max((a.date for a in self.articles.values()), key=lambda d: d.end, default=None)

    def dated_in(self, period: DateValue) -> Sequence[Fact]:
        """Timeline facts whose date lies within `period`, in timeline order, counted by the
        date index and looked up as read: `[f for f in kb.timeline if period.contains(f.when)]`."""
        index = self.date_index
        runs = index.inside(period.start.toordinal(), period.end.toordinal())
        return Listing(self.claims, index.ids, runs)

    def dated_around(self, period: DateValue) -> Sequence[Fact]:
        """Timeline facts with a less precise date that includes `period` (not the same
        span), in timeline order: what `on` lists under "less precise dates"."""
        index = self.date_index
        runs = index.around(period.start.toordinal(), period.end.toordinal())
        return Listing(self.claims, index.ids, runs)

    @cached_property
    def matcher(self) -> Matcher:
        return Matcher(_name_entries(self.entities.values()), self.match_settings)

    @cached_property
    def search_index(self) -> Mapping[str, frozenset[str]]:
        """Folded word → ids of claims whose text or quotes contain it: the words of
        `searchable_text`, read piecewise. Folding pieces joined by spaces gives the words of
        the pieces folded apart, so each entity's name is folded once, not for every claim
        that names it (285k names, 78k distinct, at 100k claims)."""
        entities = self.entities
        names: dict[str, tuple[str, ...]] = {}
        postings: dict[str, list[str]] = {}
        for fact in self.claims.values():
            words = set(fold(_own_text(fact)).split())
            for eid in fact.entity_ids():
                known = names.get(eid)
                if known is None:
                    known = names[eid] = _name_words(entities, eid)
                words.update(known)
            post(postings, words, fact.id)
        return Postings(postings)

    @cached_property
    def search_vocabulary(self) -> tuple[str, ...]:
        """The indexed words in order, for prefix search by bisection."""
        return tuple(sorted(self.search_index))

    @cached_property
    def claims_with_predicate(self) -> Mapping[str, tuple[str, ...]]:
        """Claim ids by predicate: `who signed X` reads these, not every claim."""
        return _grouped((f.model.predicate, f.id) for f in self.claims.values())

    @cached_property
    def parts(self) -> Mapping[str, tuple[str, ...]]:
        """The entities that are part of each entity (part_of read backwards)."""
        return _grouped((p, e.id) for e in self.entities.values() for p in e.part_of)

    @cached_property
    def claim_counts(self) -> Mapping[str, int]:
        """How many claims cite each article."""
        counts: dict[str, int] = defaultdict(int)
        for fact in self.claims.values():
            for article in {c.article for c in fact.citations}:
                counts[article] += 1
        return MappingProxyType(dict(counts))

    @cached_property
    def predicates(self) -> frozenset[str]:
        """Every predicate the claims use: the verbs plain questions are read against."""
        return frozenset(f.model.predicate for f in self.claims.values())

    @cached_property
    def claim_ids_sorted(self) -> tuple[str, ...]:
        """Claim ids in order, for prefix autocomplete by bisection."""
        return tuple(sorted(self.claims))

    def warm(self, skip: frozenset[str] = frozenset()) -> KnowledgeBase:
        """Build every index now (off the event loop), not on the first query; but those in
        `skip` (bot/loading/index_worker.py builds the name index in another process)."""
        for name in (
            "_by_date",
            "claims_by_entity",
            "timeline",
            "date_index",
            "claim_order",
            "matcher",
            "search_index",
            "search_vocabulary",
            "claim_ids_sorted",
            "claims_with_predicate",
            "parts",
            "claim_counts",
        ):
            if name not in skip:
                getattr(self, name)
        self.__dict__.pop("_date_rows", None)  # what they were built from: ~15 MB at 100k
        return self

    def searchable_text(self, fact: Fact) -> str:
        names = [self.entities[i].name for i in fact.entity_ids() if i in self.entities]
        return " ".join([_own_text(fact), *names])

    def visible(self, entity_id: str) -> bool:
        """Whether lookups may show this entity (asked for every candidate a lookup weighs, so
        it decodes nothing)."""
        return entity_id in self.entities and entity_id not in self.restricted_ids

    def lookup_filter(self) -> Hidden:
        """The `allowed` of this fact base's own lookups and completions: every entity but the
        restricted ones. Its matcher holds exactly its entities, so that is `visible`, and
        the matcher answers it by key number rather than asking about each name it weighs."""
        return Hidden(self.restricted_ids)

    @cached_property
    def restricted_ids(self) -> frozenset[str]:
        """The entities only their own commands may show (`restricted: true`)."""
        return frozenset(e.id for e in self.entities.values() if e.restricted)

    def of_type(self, *types: EntityType) -> list[Entity]:
        return [e for e in self.entities.values() if e.type in types]

    def summary(self) -> dict[str, object]:
        """Counts for `check`, `kb` and `sources`."""
        return dict(self._summary)

    @cached_property
    def _summary(self) -> dict[str, object]:
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


def _own_text(fact: Fact) -> str:
    """A claim's text and its quotes: what search reads of it besides its entities' names."""
    return " ".join([fact.model.text, *(c.quote for c in fact.citations)])


def _name_words(entities: Mapping[str, Entity], eid: str) -> tuple[str, ...]:
    """The folded words of an entity's name, as `searchable_text` adds them (none for an
    id that names no entity)."""
    entity = entities.get(eid)
    return () if entity is None else tuple(fold(entity.name).split())
