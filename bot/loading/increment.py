"""A reload that checks only the edited files, against a fact base restored from a snapshot.

Why: a full reload parses nothing new but checks and builds every record again: seconds and
hundreds of megabytes at 100k records, for a one-line edit. When the fact base being served
was restored from the snapshot (its records in the mapped file), the edited files alone are
parsed and put through the very cross-file checks of a full load (bot/loading/crosscheck.py),
with every id, name and article of the other files looked up in the snapshot rather than
loaded; the new fact base is the snapshot plus the edited files' records
(bot/knowledge/overlay.py).

Only what this can decide alone takes this path: a clean edit of a few files, every article
text the very file the snapshot was made from, that removes no entity or article and renames
none (other files' claims may refer to them, and claims' search
text holds entity names). Anything else, and any problem at all, goes to the full load, which
finds and explains every problem as it always does: this path never reports one itself.
"""

from __future__ import annotations

import time
from collections import ChainMap
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path as FsPath
from typing import Any

from bot.knowledge.model import Entity, EntityType
from bot.knowledge.overlay import Changes, overlay_kb
from bot.knowledge.snapshot import ArticleInfo, Fact, KnowledgeBase, Origin
from bot.loading.cache import LoadCache
from bot.loading.crosscheck import _CrossChecker
from bot.loading.files import _digest, _display_name, knowledge_files, read_knowledge_file
from bot.loading.loader import LoadResult
from bot.loading.parse import Item, ParsedFile, parse_file
from bot.loading.snapshot_records import articles_unchanged

__all__ = ["MAX_EDITED_FILES", "reload_edited"]

# More files than this differ from the snapshot: the full load (it is as fast by then).
MAX_EDITED_FILES = 8


class _Without(Mapping[str, Any]):
    """A mapping without some of its keys (the records the edited files define anew)."""

    def __init__(self, base: Mapping[str, Any], hidden: set[str]) -> None:
        self._base, self._hidden = base, hidden

    def __getitem__(self, key: str) -> Any:
        if key in self._hidden:
            raise KeyError(key)
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        return key not in self._hidden and key in self._base

    def __iter__(self) -> Iterator[str]:
        return iter(())  # only "did you mean" hints iterate, and this path shows none

    def __len__(self) -> int:
        return 0  # as many as it iterates: lookups only


class _EditChecker(_CrossChecker):
    """The cross-file checks of the edited files, the rest of the fact base read from `base`."""

    def __init__(
        self, seeds_dir: FsPath, parsed: list[ParsedFile], base: KnowledgeBase, hidden: Changes
    ) -> None:
        super().__init__(seeds_dir, parsed)
        self.base = base
        self.others = _Without(base.entities, hidden.hidden_entities)
        self.other_claims = _Without(base.claims, hidden.hidden_claims)
        self.articles = ChainMap({}, _Without(base.articles, hidden.hidden_articles))  # type: ignore[assignment]
        self.hidden_entities = hidden.hidden_entities

    def _unique(self, items: Any, kind: str) -> dict[str, Item]:
        seen = super()._unique(items, kind)
        others = {"entity": self.others, "claim": self.other_claims}.get(kind)
        if kind == "article":
            others = self.articles.maps[1]  # type: ignore[attr-defined]
        for ident, item in seen.items():
            if others is not None and ident in others:
                self.problems.append(
                    item.problem(f"the {kind} id '{ident}' is already used.", "id")
                )
        return seen

    def _entities(self, items: list[Item]) -> None:
        super()._entities(items)
        matcher = self.base.matcher
        for item in self.entities.values():
            entity = item.model
            for label in (entity.name, *entity.aliases):
                taken = matcher.owners(label) - self.hidden_entities - {entity.id}
                if taken:
                    self.problems.append(item.problem(f"'{label}' is a name of {taken}.", "name"))

    def _check_entity_ref(
        self, item: Item, ident: str | None, sub: Any, types: set[EntityType] | None = None
    ) -> None:
        if ident is None or ident in self.entities or ident not in self.others:
            super()._check_entity_ref(item, ident, sub, types)
            return
        if types and self.others[ident].type not in types:
            self.problems.append(item.problem(f"'{ident}' has the wrong type.", *sub))


def _edited_files(
    knowledge_dir: FsPath, base: KnowledgeBase
) -> tuple[dict[str, str], dict[str, tuple[FsPath, bytes]]] | None:
    """Every file's content key, and the files whose content the snapshot does not have;
    None if a file cannot be read (the full load says why)."""
    hashes: dict[str, str] = {}
    edited: dict[str, tuple[FsPath, bytes]] = {}
    for path in knowledge_files(knowledge_dir):
        name = _display_name(path, knowledge_dir)
        try:
            raw = read_knowledge_file(path, knowledge_dir)
        except ValueError:
            return None
        hashes[name] = digest = _digest(raw, name)
        if base.file_hashes.get(name) != digest:
            edited[name] = (path, raw)
    return hashes, edited


def _parse(
    edited: dict[str, tuple[FsPath, bytes]], hashes: dict[str, str], cache: LoadCache | None
) -> list[ParsedFile] | None:
    parsed = []
    for name, (path, raw) in edited.items():
        digest = hashes[name]
        pf = cache.get(digest) if cache is not None else None
        if pf is None and cache is not None and cache.disk is not None:
            pf = cache.disk.get(digest, name, path)
        if pf is None:
            pf, data = parse_file(name, raw, path, digest)
            if cache is not None and cache.disk is not None and not pf.problems:
                cache.disk.put(digest, pf, data)
        if pf.problems or pf.lost:
            return None
        parsed.append(pf)
    return parsed


def _keeps_ids_and_names(base: KnowledgeBase, parsed: list[ParsedFile], ch: Changes) -> bool:
    """Every entity and article the edited files defined is still defined there; entities
    keep their name and type, articles stay exactly as they were."""
    entities = {i.model.id: i.model for pf in parsed for i in pf.items["entities"]}
    for ident in ch.hidden_entities:
        new, old = entities.get(ident), base.entities[ident]
        if new is None or (new.name, new.type) != (old.name, old.type):
            return False
    articles = {i.model.id: i.model for pf in parsed for i in pf.items["articles"]}
    return all(articles.get(i) == base.articles[i].model for i in ch.hidden_articles)


def _minimal(base: KnowledgeBase, ch: Changes) -> Changes:
    """Only the records that differ: an entity or claim of an edited file that is exactly as
    the snapshot has it (same content, same line) stays the snapshot's, so a one-claim edit
    in a file of a thousand claims touches the indexes for one claim."""
    same_e = {e.id for e, o in ch.entities if _same_entity(base, e, o)}
    same_c = {f.id for f in ch.facts if _same_fact(base, f)}
    return replace(
        ch,
        entities=[(e, o) for e, o in ch.entities if e.id not in same_e],
        facts=[f for f in ch.facts if f.id not in same_c],
        hidden_entities=ch.hidden_entities - same_e,
        hidden_claims=ch.hidden_claims - same_c,
    )


def _same_entity(base: KnowledgeBase, entity: Entity, origin: Origin) -> bool:
    old = base.entities.get(entity.id)
    return old is not None and old == entity and base.entity_origin[entity.id] == origin


def _same_fact(base: KnowledgeBase, fact: Fact) -> bool:
    old = base.claims.get(fact.id)
    return (
        old is not None
        and old.model == fact.model
        and old.origin == fact.origin
        and (old.date, old.start, old.end, old.citations)
        == (fact.date, fact.start, fact.end, fact.citations)
    )


def reload_edited(
    knowledge_dir: FsPath,
    seeds_dir: FsPath,
    current: KnowledgeBase,
    *,
    cache: LoadCache | None = None,
    loaded_by: str = "file change",
) -> LoadResult | None:
    """The fact base after the edits, checked as a full load would, if `current` was restored
    from a snapshot and the edits allow it (see the module's docstring); else None."""
    clock = time.perf_counter()
    base = current.base or current
    if base.base is not None or "claim_rows" not in base.__dict__:
        return None
    found = _edited_files(FsPath(knowledge_dir), base)
    if found is None:
        return None
    hashes, edited = found
    files = frozenset(edited) | (set(base.file_hashes) - set(hashes))
    if len(files) > MAX_EDITED_FILES:
        return None
    stats = base.__dict__.get("article_stats")
    if not articles_unchanged(stats, FsPath(seeds_dir)):
        return None  # an article text changed: its quotes are checked again by the full load
    parsed = _parse(edited, hashes, cache)
    if parsed is None:
        return None
    ents, claims = base.ids_from(set(files))
    hidden = Changes(
        files, [], [], [], set(ents), set(claims), set(base.article_ids_from(set(files))), hashes
    )
    if not _keeps_ids_and_names(base, parsed, hidden):
        return None
    checker = _EditChecker(FsPath(seeds_dir), parsed, base, hidden)
    if checker.run():
        return None
    mine: dict[str, ArticleInfo] = checker.articles.maps[0]  # type: ignore[attr-defined]
    changes = _minimal(
        base,
        Changes(
            files,
            checker.entity_list,
            checker.facts,
            list(mine.values()),
            hidden.hidden_entities,
            hidden.hidden_claims,
            hidden.hidden_articles,
            hashes,
        ),
    )
    kb = overlay_kb(base, changes, loaded_by)
    names = tuple(hashes)
    timings = {"edited files": time.perf_counter() - clock}
    return LoadResult(kb, (), names, len(parsed), 0, timings, tuple(checker.warnings))
