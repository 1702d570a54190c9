"""The live knowledge snapshot and reloading it without ever losing the last good one.

This is the one piece of mutable state: a reference to the current immutable snapshot,
replaced in a single assignment. A query takes the reference once and uses that snapshot
to the end, so it never sees half a reload.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from bot.config import Settings
from bot.knowledge.snapshot import KnowledgeBase, changed_files
from bot.loading import index_worker
from bot.loading.increment import reload_edited
from bot.loading.loader import (
    DiskCache,
    LoadCache,
    LoadResult,
    gc_paused,
    give_back_memory,
    knowledge_files,
    load_knowledge,
)
from bot.loading.snapshot_store import SnapshotStore
from bot.loading.yamlsource import Problem
from bot.matching.decide import MatchSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Changelog:
    """What a reload changed, by id and name."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def lines(self) -> list[str]:
        out = []
        for word, items in (
            ("Added", self.added),
            ("Changed", self.changed),
            ("Removed", self.removed),
        ):
            if items:
                shown = ", ".join(items[:15]) + (
                    f" and {len(items) - 15} more" if len(items) > 15 else ""
                )
                out.append(f"{word} ({len(items)}): {shown}")
        return out or ["No entities or claims changed."]


def diff(old: KnowledgeBase | None, new: KnowledgeBase) -> Changelog:
    """Entities and claims added, changed or removed between two snapshots."""
    if old is None:
        return Changelog()
    added, changed, removed = [], [], []
    scope: tuple[list[str], list[str]] | None = None
    if old.compact:  # compare only what the edited files define (no scan of every record)
        files = changed_files(old, new)
        ents_old, claims_old = old.ids_from(files)
        ents_new, claims_new = new.ids_from(files)
        scope = (sorted({*ents_old, *ents_new}), sorted({*claims_old, *claims_new}))
    for n, (kind, before, after) in enumerate(
        (("entity", old.entities, new.entities), ("claim", old.claims, new.claims))
    ):
        if scope is not None:
            ids = scope[n]
            before = {i: before[i] for i in ids if i in before}
            after = {i: after[i] for i in ids if i in after}

        def name(item: object, kind: str = kind) -> str:
            label = getattr(item, "name", None) if kind == "entity" else None
            ident = item.id  # type: ignore[attr-defined]
            return f"{kind} {ident}" + (f" ({label})" if label else "")

        def same(a: object, b: object, kind: str = kind) -> bool:
            if a is b:  # unchanged claims and entities are the very same objects
                return True
            if kind == "claim":
                return a.model is b.model or a.model == b.model  # type: ignore[attr-defined]
            return a == b

        for ident, item in after.items():
            old = before.get(ident)
            if old is item:  # unchanged: the very same object (the common case)
                continue
            if old is None:
                added.append(name(item))
            elif not same(old, item):
                changed.append(name(item))
        removed += [name(item) for ident, item in before.items() if ident not in after]
    return Changelog(tuple(added), tuple(changed), tuple(removed))


# A reload that would remove more than this share of the claims or of the entities at once
# (and at least MASS_DROP_MIN of them) is refused: what an interrupted sync, a half-finished
# `git checkout` or a deleted folder looks like, and rarely what anyone meant.
MASS_DROP_SHARE = 0.5
MASS_DROP_MIN = 10
ALLOW_DROP_HINT = (
    "If this is meant, reload with the override: `reload --allow-drop` in the console, "
    "holder.reload(allow_drop=True) in code, or restart the bot (a first load has nothing "
    "to compare with)."
)


def _dropped(before: Iterable[str], after: Mapping[str, object]) -> list[str]:
    return [ident for ident in before if ident not in after]


def _by_file(origins: Iterable[str], gone_files: set[str]) -> str:
    """'claims/a.yaml (the file is gone): 60, people.yaml: 3', largest first."""
    counts = Counter(origins)
    parts = [
        f"{name}{' (the file is gone)' if name in gone_files else ''}: {n}"
        for name, n in counts.most_common(8)
    ]
    more = len(counts) - len(parts)
    return ", ".join(parts) + (f" and {more} more files" if more > 0 else "")


def mass_drop(old: KnowledgeBase, new: KnowledgeBase, knowledge_dir: str) -> Problem | None:
    """Why swapping `new` in for `old` looks like lost files rather than an edit, or None.

    Only removals count (ids in the old snapshot missing from the new), so renaming or
    adding never trips it; a small fact base (fewer than MASS_DROP_MIN removals) never does."""
    gone_files = set(old.file_hashes) - set(new.file_hashes)
    # Only a file whose text changed or went away can take ids with it: look at their ids
    # alone (at 100k claims, asking the new fact base for every id took seconds).
    changed = {f for f, h in old.file_hashes.items() if new.file_hashes.get(f) != h}
    ents, claims = (
        old.ids_from(changed) if old.file_hashes else (list(old.entities), list(old.claims))
    )
    lines = []
    for kind, before, mine, after, origin in (
        ("claims", old.claims, claims, new.claims, lambda i: old.claims[i].origin.file),
        ("entities", old.entities, ents, new.entities, lambda i: old.entity_origin[i].file),
    ):
        gone = _dropped(mine, after)
        if len(gone) < MASS_DROP_MIN or len(gone) <= MASS_DROP_SHARE * len(before):
            continue
        shown = ", ".join(gone[:10]) + (f" and {len(gone) - 10} more" if len(gone) > 10 else "")
        lines.append(
            f"it would remove {len(gone)} of the {len(before)} {kind} at once "
            f"({_by_file(map(origin, gone), gone_files)}): {shown}."
        )
    if not lines:
        return None
    files = sorted(gone_files)
    missing = (
        f" Files no longer there: {', '.join(files[:10])}"
        + (f" and {len(files) - 10} more" if len(files) > 10 else "")
        + "."
        if files
        else ""
    )
    return Problem(
        knowledge_dir,
        None,
        None,
        "This reload was refused, the last good knowledge is still answering: "
        + " ".join(lines)
        + missing
        + " An interrupted sync or a deleted folder? Restore the files. "
        + ALLOW_DROP_HINT,
    )


@dataclass(frozen=True)
class ReloadOutcome:
    ok: bool
    problems: tuple[Problem, ...]
    changelog: Changelog
    kb: KnowledgeBase
    parsed_files: int = 0


def warm(
    kb: KnowledgeBase,
    progress: Callable[[str, int, int], None] | None = None,
    name_index: index_worker.NameIndexWorker | None = None,
) -> KnowledgeBase:
    """Build the snapshot's indexes now (with the collector paused: millions of new objects,
    no cycles), then move what survived out of the collector's way: the snapshot lives long
    and is never cyclic garbage, so later collections need not walk it again and again."""
    if progress:
        progress("index", 0, 1)
    with gc_paused():
        index_worker.warm(kb, worker=name_index)  # the name index on another core if big
        # Frozen before the collector runs again: its first pass would walk every object
        # the load made (0.6 s at 100k claims) only to find them all alive.
        gc.freeze()
    if progress:
        progress("index", 1, 1)
    return kb


def match_settings(settings: Settings) -> MatchSettings:
    overrides = {k: v for k, v in settings.matching.model_dump().items() if v is not None}
    return MatchSettings(**overrides)


@dataclass
class KnowledgeHolder:
    """The current snapshot, the problems of the files on disk, and how to reload."""

    settings: Settings
    kb: KnowledgeBase
    problems: tuple[Problem, ...] = ()
    cache: LoadCache = field(default_factory=LoadCache)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # The data-only snapshot of the last good load, kept for the next start (None: no disk).
    snapshots: SnapshotStore | None = field(default=None, repr=False)
    # Called with each new snapshot after a successful reload (e.g. the site rebuilder);
    # they must return quickly (start their own thread for long work) and never raise.
    after_reload: list[Callable[[KnowledgeBase], None]] = field(default_factory=list, repr=False)
    # A long-running door (the Discord bot, the console): after a load from the
    # files, serve the snapshot once it is written (`_serve_written`).
    serve_snapshot: bool = False

    @classmethod
    def load(
        cls,
        settings: Settings,
        *,
        progress: Callable[[str, int, int], None] | None = None,
        disk_cache: bool = True,
        serve_snapshot: bool = False,
    ) -> tuple[KnowledgeHolder | None, LoadResult]:
        """First load: without a good snapshot there is nothing to serve.

        Parsed files are kept in memory for reloads and in `settings.cache_dir` for the next
        start (`disk_cache=False` leaves the disk alone). `serve_snapshot`: the caller serves
        for long, so knowledge loaded from the files is swapped for its snapshot once that
        is written (see `_serve_written`)."""
        cache = LoadCache(disk=DiskCache(settings.cache_dir) if disk_cache else None)
        snapshots = SnapshotStore(settings.cache_dir) if disk_cache else None
        with gc_paused():  # until `warm` freezes what the load made (no collection between)
            result = load_knowledge(
                settings.knowledge_dir,
                settings.seeds_dir,
                cache=cache,
                match_settings=match_settings(settings),
                progress=progress,
                snapshots=snapshots,
                index_early=True,
            )
            if result.kb is None:
                return None, result
            clock = time.perf_counter()
            kb = warm(result.kb, progress, result.name_index)
            result.timings["index"] = time.perf_counter() - clock
        holder = cls(settings, kb, cache=cache, snapshots=snapshots, serve_snapshot=serve_snapshot)
        if not result.from_snapshot:
            holder._keep(kb)
        return holder, result

    def reload(self, by: str = "file change", *, allow_drop: bool = False) -> ReloadOutcome:
        """Load a complete new snapshot; swap it in only if it is clean, and (unless
        `allow_drop`) only if it keeps at least half of the claims and of the entities."""
        # One reload at a time (queries never wait on this lock); the collector paused until
        # `warm` freezes the new snapshot, as on the first load.
        with self._lock, gc_paused():
            result = None
            if self.kb.compact and match_settings(self.settings) == self.kb.match_settings:
                result = reload_edited(
                    self.settings.knowledge_dir,
                    self.settings.seeds_dir,
                    self.kb,
                    cache=self.cache,
                    loaded_by=by,
                )
            if result is None:
                result = load_knowledge(
                    self.settings.knowledge_dir,
                    self.settings.seeds_dir,
                    cache=self.cache,
                    loaded_by=by,
                    match_settings=match_settings(self.settings),
                    previous=self.kb,
                )
            problems = result.problems
            if result.kb is not None and not allow_drop:
                drop = mass_drop(self.kb, result.kb, str(self.settings.knowledge_dir))
                problems = (drop,) if drop is not None else problems
            if result.kb is None or problems:
                self.problems = problems
                return ReloadOutcome(False, problems, Changelog(), self.kb, result.parsed_files)
            new = warm(result.kb)
            log = diff(self.kb, new)
            self.problems = ()
            self.kb = new  # the atomic swap
            self._keep(new)
            for hook in self.after_reload:
                hook(new)
            return ReloadOutcome(True, (), log, new, result.parsed_files)

    def _keep(self, kb: KnowledgeBase) -> None:
        """Have the snapshot of `kb` written for the next start (and served, if wanted)."""
        if self.snapshots is None:
            return
        then = self._serve_written if self.serve_snapshot and not kb.compact else None
        self.snapshots.keep_kb(self.settings.knowledge_dir, self.settings.seeds_dir, kb, then)

    def _serve_written(self, key: str, written: weakref.ref[KnowledgeBase]) -> None:
        """Swap in the snapshot just written, if the fact base it was written from (`written`)
        is still the one answering.

        The same knowledge, read from the mapped file: the process lets go of every record
        object (at 100k claims 600 → about 440 MB), lookups run on the stored indexes (twice
        as fast), and a one-file edit reloads in place (0.4 s) instead of checking the whole
        fact base again (2.3 s). The parsed files kept for reloads go too, as on a restart."""
        with self._lock:  # not in the middle of a reload
            kb = written()
            if kb is None or self.kb is not kb or self.snapshots is None:
                return  # replaced meanwhile: the new one's snapshot comes next
            found = self.snapshots.read_unmapped(
                key, self.settings.seeds_dir, kb.match_settings, kb.loaded_by, kb.loaded_at
            )
            if found is None or dict(found[0].file_hashes) != dict(kb.file_hashes):
                return  # keep serving what was loaded
            restored, map_in = found
            self.kb = warm(restored)  # the atomic swap
            self.cache = LoadCache(disk=self.cache.disk)
            del kb, found  # our last references: the records go once no query holds them
        give_back_memory()
        map_in()  # only now: the old records and the new index pages are never both resident
        log.debug("now serving the snapshot written of the knowledge loaded from the files")

    def fingerprint(self) -> tuple:
        """Cheap change detection: names, sizes and mtimes of every knowledge and seed file."""
        files = knowledge_files(self.settings.knowledge_dir)
        seeds = self.settings.seeds_dir
        files += sorted(seeds.glob("*.txt")) if seeds.is_dir() else []
        out = []
        for f in files:
            try:
                st = f.stat()
            except OSError:
                continue
            out.append((str(f), st.st_size, st.st_mtime_ns))
        return tuple(out)
