"""A fact base made of a compact snapshot and the records of a few edited files on top.

Why: after a restart from the snapshot, the records live in the mapped file
(bot/knowledge/records.py). A reload after a one-file edit should not decode or rebuild the
other hundred thousand: the new fact base keeps the restored one as its `base`, hides the
records the edited files defined there, adds the records they define now, and updates each
index for just those records (bot/knowledge/claimrows.py). Every later reload is again
relative to the same base, so layers never pile up.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.knowledge.claimrows import ClaimRows, Redone, adopt_rows
from bot.knowledge.model import Entity
from bot.knowledge.names import fold
from bot.knowledge.records import RecordView
from bot.knowledge.snapshot import (
    ArticleInfo,
    Fact,
    KnowledgeBase,
    Origin,
    _label,
    _name_entries,
)

__all__ = ["Changes", "overlay_kb"]


@dataclass(frozen=True)
class Changes:
    """What the edited files define now, and what they defined in the base."""

    files: frozenset[str]  # the files whose content differs from the base's, by display name
    entities: list[tuple[Entity, Origin]]
    facts: list[Fact]
    articles: list[ArticleInfo]
    hidden_entities: set[str]  # ids the base has from these files
    hidden_claims: set[str]
    hidden_articles: set[str]
    file_hashes: Mapping[str, str]


class _FileIds(Mapping[tuple[str, str], list[str]]):
    """The base's ids by file, with the edited files' ids as they are now: the base's ones
    still there, then the new and changed ones."""

    def __init__(self, base: KnowledgeBase, ch: Changes) -> None:
        stored = base.__dict__["ids_by_file"]
        hidden = {"e": ch.hidden_entities, "c": ch.hidden_claims, "a": ch.hidden_articles}
        mine: dict[tuple[str, str], list[str]] = {}
        for kind, file in stored:
            if file in ch.files:
                kept = [i for i in stored[(kind, file)] if i not in hidden[kind]]
                mine[(kind, file)] = kept
        for kind, pairs in (
            ("e", ((e.id, o.file) for e, o in ch.entities)),
            ("c", ((f.id, f.origin.file) for f in ch.facts)),
            ("a", ((a.id, a.origin.file) for a in ch.articles)),
        ):
            for ident, file in pairs:
                mine.setdefault((kind, file), []).append(ident)
        self._stored, self._mine, self._files = stored, mine, ch.files

    def __getitem__(self, key: tuple[str, str]) -> list[str]:
        if key[1] in self._files:
            return self._mine[key]
        return self._stored[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        yield from (k for k in self._stored if k[1] not in self._files)
        yield from self._mine

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _summary(base: KnowledgeBase, kb: KnowledgeBase, ch: Changes) -> dict[str, object]:
    """The base's counts, corrected for the hidden and the new records."""
    old = base.summary()
    by_type: Counter[str] = Counter(old["entities_by_type"])  # type: ignore[arg-type]
    by_type.subtract(base.entities[i].type.value for i in ch.hidden_entities)
    by_type.update(e.type.value for e, _ in ch.entities)
    gone = [base.claims[i] for i in ch.hidden_claims]
    refs = old["references"] - sum(len(f.citations) for f in gone)  # type: ignore[operator]
    dated = old["dated_claims"] - sum(1 for f in gone if f.when)  # type: ignore[operator]
    return {
        "articles": len(kb.articles),
        "entities": len(kb.entities),
        "entities_by_type": {k: v for k, v in sorted(by_type.items()) if v > 0},
        "claims": len(kb.claims),
        "references": refs + sum(len(f.citations) for f in ch.facts),
        "dated_claims": dated + sum(1 for f in ch.facts if f.when),
    }


def _regrouped(
    base: Mapping[str, tuple[str, ...]],
    hidden: set[str],
    old: list[tuple[str, str]],
    new: list[tuple[str, str]],
) -> Redone:
    """key -> ids, with the hidden ids gone from their old keys and the new under theirs."""
    added: dict[str, list[str]] = defaultdict(list)
    for key, ident in new:
        added[key].append(ident)
    redone = {
        key: tuple(i for i in base.get(key, ()) if i not in hidden) + tuple(added.get(key, ()))
        for key in {k for k, _ in old} | set(added)
    }
    return Redone(base, redone)


def _counts(base: KnowledgeBase, ch: Changes) -> Mapping[str, int]:
    counts = Counter(base.claim_counts)
    for fact in (base.claims[i] for i in ch.hidden_claims):
        counts.subtract({c.article for c in fact.citations})
    for fact in ch.facts:
        counts.update({c.article for c in fact.citations})
    return MappingProxyType({k: v for k, v in counts.items() if v > 0})


def _id_indexes(base: KnowledgeBase, kb: KnowledgeBase, ch: Changes) -> None:
    """The indexes of ids by predicate and by parent, and the counts by article."""
    gone = [base.claims[i] for i in ch.hidden_claims]
    kb.adopt_index(
        "claims_with_predicate",
        _regrouped(
            base.claims_with_predicate,
            ch.hidden_claims,
            [(f.model.predicate, f.id) for f in gone],
            [(f.model.predicate, f.id) for f in ch.facts],
        ),
    )
    olds = [base.entities[i] for i in ch.hidden_entities]
    kb.adopt_index(
        "parts",
        _regrouped(
            base.parts,
            ch.hidden_entities,
            [(p, e.id) for e in olds for p in e.part_of],
            [(p, e.id) for e, _ in ch.entities for p in e.part_of],
        ),
    )
    kb.adopt_index("claim_counts", _counts(base, ch))


def overlay_kb(base: KnowledgeBase, ch: Changes, loaded_by: str) -> KnowledgeBase:
    """`base` (a fact base restored from a snapshot) with the edited files' records."""
    entities, origins, articles, claims = (
        base.entities,
        base.entity_origin,
        base.articles,
        base.claims,
    )
    if not all(isinstance(v, RecordView) for v in (entities, origins, articles, claims)):
        raise TypeError("an overlay needs a fact base restored from a snapshot")
    eids = [e.id for e, _ in ch.entities]
    new_entities = entities.extended(ch.hidden_entities, [e for e, _ in ch.entities], eids)  # type: ignore[attr-defined]
    kb = KnowledgeBase(
        articles=articles.extended(ch.hidden_articles, ch.articles, [a.id for a in ch.articles]),  # type: ignore[attr-defined]
        entities=new_entities,
        entity_origin=origins.extended(  # type: ignore[attr-defined]
            ch.hidden_entities, [o for _, o in ch.entities], eids, table=new_entities.table
        ),
        claims=claims.extended(ch.hidden_claims, ch.facts, [f.id for f in ch.facts]),  # type: ignore[attr-defined]
        loaded_at=dt.datetime.now(dt.UTC),
        loaded_by=loaded_by,
        file_hashes=MappingProxyType(dict(ch.file_hashes)),
        match_settings=base.match_settings,
        base=base,
    )

    def words(fact: Fact, old: bool) -> set[str]:
        return set(fold((base if old else kb).searchable_text(fact)).split())

    rows: ClaimRows = base.__dict__["claim_rows"]
    adopt_rows(kb, rows.updated(kb.claims, ch.hidden_claims, ch.facts, words))  # type: ignore[arg-type]
    relabelled = {i for i in {*ch.hidden_entities, *eids} if _label(base, i) != _label(kb, i)}
    now = [kb.entities[i] for i in relabelled if i in kb.entities]
    matcher = base.matcher.updated(relabelled, _name_entries(now)) if relabelled else base.matcher
    kb.adopt_index("matcher", matcher)
    kb.adopt_index("ids_by_file", _FileIds(base, ch))
    kb.adopt_index("predicates", base.predicates | {f.model.predicate for f in ch.facts})
    restricted = {e.id for e, _ in ch.entities if e.restricted}
    kb.adopt_index("restricted_ids", (base.restricted_ids - ch.hidden_entities) | restricted)
    kb.adopt_index("_summary", _summary(base, kb, ch))
    dates = [d for d in (base.newest_article_date, *(a.date for a in ch.articles)) if d]
    kb.adopt_index("newest_article_date", max(dates, key=lambda d: d.end, default=None))
    _id_indexes(base, kb, ch)
    return kb
