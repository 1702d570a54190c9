"""Load knowledge/*.yaml and seeds/*.txt into a validated KnowledgeBase, or say what is wrong.

Every problem is collected (all files, all items) and located by file, line and column, so
an editor fixes everything in one pass. A load that finds any problem returns no snapshot:
the caller keeps serving the last good one.

Speed at 100k entities (see docs/performance.md): each file is parsed on a fast path (libyaml
events straight into plain data, keeping only each item's line) and validated in one pydantic
call; only a file with a problem goes through the slow path that records every value's
position (loading/yamlsource.py), so its messages name line and column. Parsed and validated files
are cached by content hash in memory (`LoadCache`: a one-file edit re-parses one file) and on
disk (`DiskCache`, plain data only: a restart reads no unchanged YAML again). The cross-file
checks run on every load.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path as FsPath

from bot.knowledge.snapshot import KnowledgeBase
from bot.loading import index_worker
from bot.loading.cache import DiskCache, LoadCache
from bot.loading.crosscheck import _CrossChecker
from bot.loading.early_index import EarlyIndex
from bot.loading.files import (
    EMPTY_FILE,
    _digest,
    _display_name,
    knowledge_files,
    read_knowledge_file,
)
from bot.loading.parse import _ITEM, ParsedFile, model_json_schema, parse_file
from bot.loading.prefetch import pre_read_files
from bot.loading.snapshot_store import SnapshotStore, snapshot_key
from bot.loading.yamlsource import Problem, SourceDoc
from bot.matching.decide import MatchSettings


@dataclass(frozen=True)
class LoadResult:
    kb: KnowledgeBase | None
    problems: tuple[Problem, ...]
    files: tuple[str, ...]
    parsed_files: int = 0  # files not in the in-memory cache: parsed, or read from disk
    cached_files: int = 0  # of those, files read from the disk cache (not parsed)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    warnings: tuple[Problem, ...] = ()  # worth fixing, but they do not stop the load
    from_snapshot: bool = False  # restored whole from the data-only snapshot
    # The name index (and the search postings) being built in another process since the files
    # were read (`index_early`: early_index.py, else index_worker.py):
    # for bot/loading/holder.py's warm to take if the checked entities are the ones it got.
    name_index: index_worker.NameIndexWorker | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.kb is not None and not self.problems


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a bulk load makes millions of objects and no cycles,
    and each automatic collection would walk all of them again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def give_back_memory() -> None:
    """Ask the C allocator to hand freed memory back to the system, after a big release.

    glibc keeps freed heap pages until asked (`malloc_trim`); elsewhere this does nothing.
    Python's own allocator gives back only arenas left wholly empty."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)


def load_knowledge(
    knowledge_dir: FsPath,
    seeds_dir: FsPath,
    *,
    cache: LoadCache | None = None,
    loaded_by: str = "startup",
    match_settings: MatchSettings | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    previous: KnowledgeBase | None = None,
    snapshots: SnapshotStore | None = None,
    index_early: bool = False,
) -> LoadResult:
    """Parse, validate and index the whole fact base. Never raises for bad content.

    `cache` keeps parsed files between loads (and on disk if it has `disk`); `previous` is
    the snapshot being replaced, whose indexes the new one reuses where nothing they depend
    on changed. `progress(stage, done, total)` is called as the work goes on. With
    `snapshots` and no `previous`, a snapshot of these very files is restored if there is one.
    `index_early` (no `previous`): a big base's name index and search postings are built by
    the first file reader once every file is read (early_index.py), or else the name index by
    a child started then (index_worker.py): `LoadResult.name_index`.
    """
    knowledge_dir, seeds_dir = FsPath(knowledge_dir), FsPath(seeds_dir)
    with gc_paused():
        if snapshots is not None and previous is None and knowledge_dir.is_dir():
            clock = time.perf_counter()
            hit = _from_snapshot(knowledge_dir, seeds_dir, snapshots, match_settings, loaded_by)
            if hit is not None:
                names = tuple(hit.file_hashes)
                timings = {"snapshot": time.perf_counter() - clock}
                return LoadResult(
                    hit, (), names, len(names), len(names), timings, from_snapshot=True
                )
        early = index_early and previous is None
        return _load(
            knowledge_dir, seeds_dir, cache, loaded_by, match_settings, progress, previous, early
        )


def _from_snapshot(
    knowledge_dir: FsPath,
    seeds_dir: FsPath,
    snapshots: SnapshotStore,
    settings: MatchSettings | None,
    loaded_by: str,
) -> KnowledgeBase | None:
    """The snapshot kept for exactly these knowledge files, code and settings, if any."""
    hashes: dict[str, str] = {}
    for path in knowledge_files(knowledge_dir):
        name = _display_name(path, knowledge_dir)
        try:
            hashes[name] = _digest(read_knowledge_file(path, knowledge_dir), name)
        except ValueError:
            return None  # the normal load reports it
    settings = settings or MatchSettings()
    key = snapshot_key(knowledge_dir, seeds_dir, hashes, settings)
    kb = snapshots.read(key, seeds_dir, settings, loaded_by)
    if kb is not None and dict(kb.file_hashes) != hashes:  # a forged file
        return None
    return kb


def _load(
    knowledge_dir: FsPath,
    seeds_dir: FsPath,
    cache: LoadCache | None,
    loaded_by: str,
    match_settings: MatchSettings | None,
    progress: Callable[[str, int, int], None] | None,
    previous: KnowledgeBase | None,
    index_early: bool = False,
) -> LoadResult:
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    if not knowledge_dir.is_dir():
        p = Problem(str(knowledge_dir), None, None, "the knowledge folder does not exist.")
        return LoadResult(None, (p,), ())
    paths = knowledge_files(knowledge_dir)
    disk = cache.disk if cache is not None else None
    parsed, live, hashes, fresh, from_disk, early = _read_files(
        knowledge_dir, paths, cache, progress, index_early
    )
    if cache is not None:
        cache.keep(live)
    if disk is not None and fresh:
        disk.prune(live)
    timings["read"] = time.perf_counter() - clock
    clock = time.perf_counter()
    worker: index_worker.NameIndexWorker | None = None
    if index_early and not any(pf.problems for pf in parsed):
        # Built by the first reader from what it read (early_index.py), or else from the
        # entities as read, while this process checks them: warm adopts only what was
        # built from the very fact base it checked.
        worker = early.worker if early is not None else None
        if worker is None:
            worker = index_worker.start([i.model for pf in parsed for i in pf.items["entities"]])
    elif early is not None:
        early.stop()
    checker = _CrossChecker(seeds_dir, parsed, progress, cache)
    problems = checker.run()
    timings["check"] = time.perf_counter() - clock
    if not paths:
        problems.insert(
            0,
            Problem(
                str(knowledge_dir), None, None, "no knowledge files (*.yaml) found in this folder."
            ),
        )
    names = tuple(_display_name(p, knowledge_dir) for p in paths)
    warnings = tuple(checker.warnings)
    if problems:
        if worker is not None:
            worker.stop()
        return LoadResult(None, tuple(problems), names, fresh, from_disk, timings, warnings)
    clock = time.perf_counter()
    kb = KnowledgeBase.build(
        checker.articles.values(),
        checker.entity_list,
        checker.facts,
        loaded_by=loaded_by,
        file_hashes=hashes,
        match_settings=match_settings,
        previous=previous,
    )
    timings["build"] = time.perf_counter() - clock
    return LoadResult(kb, (), names, fresh, from_disk, timings, warnings, name_index=worker)


def _read_files(
    knowledge_dir: FsPath,
    paths: list[FsPath],
    cache: LoadCache | None,
    progress: Callable[[str, int, int], None] | None,
    index_early: bool = False,
) -> tuple[list[ParsedFile], dict[str, ParsedFile], dict[str, str], int, int, EarlyIndex | None]:
    """Each file parsed, or taken from the memory or disk cache: (parsed files, parses by
    digest, digest by file name, files not in memory, of those files read from disk, and
    with `index_early` when every file is parsed, the first reader's indexes)."""
    slots: list[ParsedFile | None] = []
    todo: list[tuple[int, str, bytes, str, FsPath]] = []  # to parse: slot, name, raw, digest
    live: dict[str, ParsedFile] = {}
    hashes: dict[str, str] = {}
    fresh = from_disk = 0
    disk = cache.disk if cache is not None else None
    unreadable: set[int] = set()
    for path in paths:
        name = _display_name(path, knowledge_dir)
        try:
            raw = read_knowledge_file(path, knowledge_dir)
        except ValueError as exc:
            where = 1 if str(exc) == EMPTY_FILE else None
            problem = Problem(name, where, where, str(exc))
            unreadable.add(len(slots))
            slots.append(ParsedFile(SourceDoc(name, None), {k: [] for k in _ITEM}, [problem]))
            continue
        digest = _digest(raw, name)
        pf = cache.get(digest) if cache else None
        if pf is None:
            fresh += 1
            if disk is not None:
                pf = disk.get(digest, name, path)
                from_disk += pf is not None
            if pf is None:
                todo.append((len(slots), name, raw, digest, path))
        if pf is not None:
            live[digest] = pf
        hashes[name] = digest
        slots.append(pf)
    parsed: list[ParsedFile] = []
    waiting = iter(todo)
    early = EarlyIndex() if index_early and todo and len(todo) == len(slots) else None
    raws = [raw for _, _, raw, _, _ in todo]
    with contextlib.closing(pre_read_files(raws, early)) as pre_read:
        for n, pf in enumerate(slots):
            if pf is None:
                _, name, raw, digest, path = next(waiting)
                pf, body = parse_file(name, raw, path, digest, next(pre_read))
                if disk is not None:
                    disk.put(digest, pf, body)
                live[digest] = pf
            parsed.append(pf)
            if progress and n not in unreadable:
                progress("read", n + 1, len(paths))
    return parsed, live, hashes, fresh, from_disk, early


__all__ = [
    "DiskCache",
    "LoadCache",
    "LoadResult",
    "gc_paused",
    "give_back_memory",
    "knowledge_files",
    "load_knowledge",
    "model_json_schema",
]
