"""Pictures for answers, the one module callers use: `picture_for` and the `Pictures` service.

"How did this unfold?" and "how are these connected?" are easier to see than to read, and
analysts paste the pictures into notes. Everything here is a pure function of a snapshot
and an Answer (no Discord), so the bot, the console and `factbot ask --image` share it.

Matplotlib is an optional extra (`pip install 'factbot[pictures]'`): without it this
module still imports, answers come as text, and asking for a picture raises
`PicturesUnavailable`, whose message says what to install.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from bot.commands.answer import Answer
from bot.knowledge.snapshot import KnowledgeBase
from bot.render.pictures.common import MAP_KINDS, PATH_KINDS, TIMELINE_KINDS, HasLines, slug

try:  # the drawing modules need matplotlib, an optional extra
    from bot.render.pictures.map import graph_data
    from bot.render.pictures.map_draw import render_graph
    from bot.render.pictures.paths import path_graph, render_paths
    from bot.render.pictures.timeline import timeline_data
    from bot.render.pictures.timeline_draw import render_timeline
except ModuleNotFoundError as exc:
    if (exc.name or "").partition(".")[0] != "matplotlib":
        raise
    MISSING: str | None = (
        "pictures need matplotlib, an optional extra: pip install 'factbot[pictures]'"
    )
else:
    MISSING = None

log = logging.getLogger("factbot.pictures")


def pictures_available() -> bool:
    """Whether matplotlib (the `pictures` extra) is installed."""
    return MISSING is None


class PicturesUnavailable(RuntimeError):
    """A picture was asked for, but matplotlib (the `pictures` extra) is not installed."""


def picture_for(
    kb: KnowledgeBase, answer: Answer, page: HasLines | None = None
) -> tuple[str, bytes] | None:
    """The picture that goes with an answer, as (filename, PNG), or None if it has none.

    Timelines (`timeline`, `when`, `on`) draw the lines of `page` (or of the whole answer);
    maps draw the entity's whole neighbourhood, numbered like the answer's citations;
    connections (`link`) draw the answer's best paths, one arrow per cited claim.
    Raises PicturesUnavailable for an answer that has a picture when matplotlib is missing.
    """
    if answer.status != "ok":
        return None
    if answer.kind in TIMELINE_KINDS:
        _require_matplotlib()
        data = timeline_data(kb, answer, page)
        if not data.marks:
            return None
        name = slug(answer.entity_id or answer.command or answer.title)
        filename = f"{answer.kind}.png" if name == answer.kind else f"{answer.kind}-{name}.png"
        return filename, render_timeline(data)
    if answer.kind in MAP_KINDS and answer.entity_id in kb.entities:
        _require_matplotlib()
        graph = graph_data(kb, answer.entity_id, answer)
        if not graph.edges:
            return None
        return f"map-{slug(answer.entity_id)}.png", render_graph(graph)
    if answer.kind in PATH_KINDS:
        _require_matplotlib()
        paths = path_graph(kb, answer)
        if paths is None:
            return None
        return f"link-{slug(paths.start)}-{slug(paths.goal)}.png", render_paths(paths)
    return None


def _require_matplotlib() -> None:
    if MISSING is not None:
        raise PicturesUnavailable(MISSING)


def cache_key(kb: KnowledgeBase, query: str, page: Hashable = 1) -> tuple[Hashable, ...]:
    """A key that changes whenever the snapshot does: (snapshot, load time, query, page)."""
    return (id(kb), kb.loaded_at, query, page)


T = TypeVar("T")


class PictureCache:
    """A small thread-safe LRU of rendered pictures; a key is rendered at most once at a time.

    Rendering takes a few hundred milliseconds and people page back and forth, so repeated
    requests for the same snapshot, query and page should not redraw.
    """

    def __init__(self, maxsize: int = 64) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _lookup(self, key: Hashable) -> tuple[bool, object]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return True, self._items[key]
            return False, None

    def get_or_render(self, key: Hashable, fn: Callable[[], T]) -> T:
        """The cached value for `key`, or `fn()` stored under it (concurrent callers wait)."""
        found, value = self._lookup(key)
        if found:
            return value  # type: ignore[return-value]
        with self._lock:
            key_lock = self._pending.setdefault(key, threading.Lock())
        with key_lock:
            found, value = self._lookup(key)
            if found:
                return value  # type: ignore[return-value]
            try:
                result = fn()
            finally:
                with self._lock:
                    self._pending.pop(key, None)
            with self._lock:
                self.misses += 1
                self._items[key] = result
                self._items.move_to_end(key)
                while len(self._items) > self.maxsize:
                    self._items.popitem(last=False)
            return result

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Pictures:
    """The bot's picture service: `picture_for` behind a `PictureCache`.

    Keyed by snapshot (identity and load time), command and the page's claims, so a
    reload never serves a stale picture and paging back and forth never redraws.
    Call it from a worker thread (asyncio.to_thread): rendering takes a few hundred ms.
    """

    def __init__(self, maxsize: int = 64) -> None:
        self.cache = PictureCache(maxsize)
        self._said_missing = False

    def for_answer(
        self, kb: KnowledgeBase, answer: Answer, page: HasLines | None = None
    ) -> tuple[str, bytes] | None:
        """The (filename, PNG) for an answer, or None when it has no picture.

        Without matplotlib the answer goes out without its picture, and the log says once
        what to install."""
        if answer.status != "ok" or answer.kind not in TIMELINE_KINDS | MAP_KINDS | PATH_KINDS:
            return None
        shown = tuple(line.claim_id for line in page.lines) if page is not None else None
        key = cache_key(kb, f"{answer.kind}:{answer.command or answer.title}", shown)
        try:
            return self.cache.get_or_render(key, lambda: picture_for(kb, answer, page))
        except PicturesUnavailable as exc:
            if not self._said_missing:
                self._said_missing = True
                log.warning("answering without pictures: %s", exc)
            return None
