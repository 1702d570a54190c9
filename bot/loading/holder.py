"""The live knowledge snapshot and reloading it without ever losing the last good one.

This is the one piece of mutable state: a reference to the current immutable snapshot,
replaced in a single assignment. A query takes the reference once and uses that snapshot
to the end, so it never sees half a reload.
"""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import Settings
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.loader import (
    DiskCache,
    LoadCache,
    LoadResult,
    gc_paused,
    knowledge_files,
    load_knowledge,
    snapshot_key,
)
from bot.loading.yamlsource import Problem
from bot.matching.decide import MatchSettings


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
    for kind, before, after in (
        ("entity", old.entities, new.entities),
        ("claim", old.claims, new.claims),
    ):

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


@dataclass(frozen=True)
class ReloadOutcome:
    ok: bool
    problems: tuple[Problem, ...]
    changelog: Changelog
    kb: KnowledgeBase
    parsed_files: int = 0


def warm(
    kb: KnowledgeBase, progress: Callable[[str, int, int], None] | None = None
) -> KnowledgeBase:
    """Build the snapshot's indexes now (with the collector paused: millions of new objects,
    no cycles), then move what survived out of the collector's way: the snapshot lives long
    and is never cyclic garbage, so later collections need not walk it again and again."""
    if progress:
        progress("index", 0, 1)
    with gc_paused():
        kb.warm()
    gc.freeze()
    if progress:
        progress("index", 1, 1)
    return kb


_KEEP_TIMEOUT_S = 900  # a snapshot writer still running by then is stuck: it is ended


def keep_snapshot(
    disk: DiskCache,
    key: str,
    kb: KnowledgeBase,
    cache: LoadCache,
    then: Callable[[], None] | None = None,
) -> threading.Thread | None:
    """Write the snapshot for the next start without making this one wait for it.

    Pickling a large base takes seconds of CPU and holds the interpreter; a forked child
    does it from a copy of the memory instead, while this process goes on serving. Where
    there is no fork, it is written here and now. Returns the thread that waits for the
    child (join it to know the snapshot is on disk), or None if it was written here; `then`
    is called from that thread once the child is done (not when written here: nothing can
    have happened meanwhile, and the caller may hold the lock `then` takes).
    """
    if not hasattr(os, "fork"):
        disk.put_snapshot(key, kb, cache)
        return None
    try:
        pid = os.fork()
    except OSError:  # no memory or processes to spare: no snapshot this time, only slower
        return None
    if pid == 0:  # the child: write, then leave at once (no atexit, no buffers flushed)
        code = 1
        try:
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(_KEEP_TIMEOUT_S)
            disk.put_snapshot(key, kb, cache)
            code = 0
        finally:
            os._exit(code)

    def wait() -> None:
        os.waitpid(pid, 0)
        if then is not None:
            then()

    waiter = threading.Thread(target=wait, name="snapshot-keeper", daemon=True)
    waiter.start()
    return waiter


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
    keeping: threading.Thread | None = field(default=None, repr=False)  # `keep_snapshot`
    _keep_again: bool = field(default=False, repr=False)  # a reload came while keeping
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(
        cls,
        settings: Settings,
        *,
        progress: Callable[[str, int, int], None] | None = None,
        disk_cache: bool = True,
    ) -> tuple[KnowledgeHolder | None, LoadResult]:
        """First load: without a good snapshot there is nothing to serve.

        Parsed files are kept in memory for reloads and in `settings.cache_dir` for the next
        start (`disk_cache=False` leaves the disk alone)."""
        cache = LoadCache(disk=DiskCache(settings.cache_dir) if disk_cache else None)
        result = load_knowledge(
            settings.knowledge_dir,
            settings.seeds_dir,
            cache=cache,
            match_settings=match_settings(settings),
            progress=progress,
        )
        if result.kb is None:
            return None, result
        clock = time.perf_counter()
        kb = warm(result.kb, progress)
        result.timings["index"] = time.perf_counter() - clock
        holder = cls(settings, kb, cache=cache)
        if result.snapshot_key is not None:  # not read from one: the next start reads it whole
            with holder._lock:
                holder._keep()
        return holder, result

    def wait_until_kept(self, timeout: float | None = None) -> None:
        """Wait until the current snapshot is on disk (tests, benchmarks)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while (keeping := self.keeping) is not None and keeping.is_alive():
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            keeping.join(left)
            if deadline is not None and time.monotonic() >= deadline:
                return

    def reload(self, by: str = "file change") -> ReloadOutcome:
        """Load a complete new snapshot; swap it in only if it is clean."""
        with self._lock:  # one reload at a time; queries never wait on this
            result = load_knowledge(
                self.settings.knowledge_dir,
                self.settings.seeds_dir,
                cache=self.cache,
                loaded_by=by,
                match_settings=match_settings(self.settings),
                previous=self.kb,
            )
            if result.kb is None:
                self.problems = result.problems
                return ReloadOutcome(
                    False, result.problems, Changelog(), self.kb, result.parsed_files
                )
            new = warm(result.kb)
            log = diff(self.kb, new)
            self.problems = ()
            self.kb = new  # the atomic swap
            self._keep()
            return ReloadOutcome(True, (), log, new, result.parsed_files)

    def _keep(self) -> None:
        """Keep the current snapshot on disk for the next start (with `_lock` held, so the
        snapshot and the reload memos are written as one consistent state). One writer at a
        time: a reload during a write asks for one more write, of the state then current."""
        disk = self.cache.disk
        if disk is None:
            return
        if self.keeping is not None and self.keeping.is_alive():
            self._keep_again = True
            return
        self._keep_again = False
        key = snapshot_key(
            self.settings.knowledge_dir,
            self.settings.seeds_dir,
            dict(self.kb.file_hashes),
            match_settings(self.settings),
        )
        self.keeping = keep_snapshot(disk, key, self.kb, self.cache, then=self._kept)

    def _kept(self) -> None:
        with self._lock:
            if self._keep_again:
                self.keeping = None
                self._keep()

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
