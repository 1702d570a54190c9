"""Watch knowledge/ and seeds/ and reload on change: debounced, off the event loop.

Uses the platform's file notifications through watchfiles, or watchfiles' own polling
where notifications are unavailable. A notification watch follows the folder it was set
on, not its path: once knowledge/ is deleted and re-created, or replaced by a rename (as
sync tools and editors do), it would never report again. So the watcher checks, at least
every `poll_interval`, that each watched path is still the folder it armed on, and
re-arms (and reloads) when it is not; while knowledge/ is missing, the last good
knowledge is kept and the log says so once. Every `check_every` seconds the files'
fingerprint is compared with the one last loaded, to catch whatever the watch missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import stat
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import awatch

from bot.loading.holder import KnowledgeHolder, ReloadOutcome

log = logging.getLogger("factbot.watch")

OnReload = Callable[[ReloadOutcome], Awaitable[None]]
Folders = dict[Path, tuple[int, int]]  # each watched folder's (device, inode)


def _relevant(path: str) -> bool:
    """Editors write swap and backup files; only knowledge and article files matter."""
    name = path.rsplit("/", 1)[-1]
    if name.startswith(".") or name.endswith("~"):
        return False
    return name.endswith((".yaml", ".yml", ".txt"))


def _folders(holder: KnowledgeHolder) -> Folders:
    """The knowledge and seeds folders that exist now, by identity (a symlink's target)."""
    out: Folders = {}
    for folder in (holder.settings.knowledge_dir, holder.settings.seeds_dir):
        try:
            st = folder.stat()
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            out[folder] = (st.st_dev, st.st_ino)
    return out


class _Watcher:
    """One watch loop's state: how it watches, what it last loaded, what it has said."""

    def __init__(
        self,
        holder: KnowledgeHolder,
        on_reload: OnReload,
        *,
        debounce: float,
        poll_interval: float,
        force_polling: bool,
        check_every: float,
    ) -> None:
        self.holder = holder
        self.on_reload = on_reload
        self.debounce = debounce
        self.poll_interval = poll_interval
        self.force_polling = force_polling
        self.check_every = check_every
        self.loaded = holder.fingerprint()  # the files as of the last load or reload
        self.checked = time.monotonic()
        self.said_missing = False
        # watchfiles drops what changes while a reload runs (between two waits for
        # changes), so the first quiet moment after a reload compares fingerprints
        self.verify = False

    async def run(self) -> None:
        """Arm a watch on the folders as they are now; re-arm whenever they change."""
        due = False  # a reload is owed: the folders changed since the last one
        while True:
            folders = _folders(self.holder)
            if self.holder.settings.knowledge_dir not in folders:
                self._say_missing()
                due = True
                await asyncio.sleep(self.poll_interval)
                continue
            if self.said_missing:
                log.warning("knowledge folder %s is back", self.holder.settings.knowledge_dir)
                self.said_missing = False
            due = await self._watch(folders, due)

    def _say_missing(self) -> None:
        if not self.said_missing:
            self.said_missing = True
            log.warning(
                "knowledge folder %s is missing; keeping the last good knowledge "
                "and reloading when it is back",
                self.holder.settings.knowledge_dir,
            )

    async def _watch(self, folders: Folders, due: bool) -> bool:
        """Reload on each burst of changes until the folders are no longer those watched;
        then True (a reload is owed). False if the watch ended for another reason.

        An owed reload (`due`) is done once the watch is armed, so that no edit made
        meanwhile can fall between the two."""
        try:
            async with contextlib.aclosing(
                awatch(
                    *folders,
                    watch_filter=lambda _change, path: _relevant(path),
                    debounce=int(self.debounce * 1000),
                    step=50,
                    rust_timeout=max(int(self.poll_interval * 1000), 1),
                    yield_on_timeout=True,
                    force_polling=self.force_polling,
                    poll_delay_ms=max(int(self.poll_interval * 1000), 1),
                    recursive=True,
                )
            ) as changes_seen:
                async for changes in changes_seen:  # armed: the first comes after a poll
                    if _folders(self.holder) != folders:
                        log.info("watched folders were replaced; watching them anew")
                        return True
                    if changes or due:
                        log.debug("files changed: %s", changes or "(the folders)")
                        due = False
                        await self.reload("file change")
                    elif self.verify:  # the first quiet moment after a reload
                        self.verify = False
                        if self._changed():  # saved while reloading: the watch was off
                            await self.reload("file change")
                    elif time.monotonic() - self.checked >= self.check_every and self._changed():
                        log.info("files changed without a notification; watching them anew")
                        return True
        except OSError as exc:
            if due or _folders(self.holder) != folders:
                return True  # a folder went away while the watch was being set up
            if self.force_polling:  # even polling failed: try again in a while
                log.warning("cannot watch %s (%s); trying again", ", ".join(map(str, folders)), exc)
                await asyncio.sleep(max(self.poll_interval, 1.0))
            else:
                log.warning(
                    "file notifications unavailable (%s); polling every %.1fs",
                    exc,
                    self.poll_interval,
                )
                self.force_polling = True
        return due

    def _changed(self) -> bool:
        """Do the files differ from those last loaded?"""
        self.checked = time.monotonic()
        return self.holder.fingerprint() != self.loaded

    async def reload(self, by: str) -> None:
        self.loaded = self.holder.fingerprint()
        self.checked = time.monotonic()
        outcome = await asyncio.to_thread(self.holder.reload, by)
        self.verify = True
        if outcome.ok:
            log.info("knowledge reloaded: %s", "; ".join(outcome.changelog.lines()))
        else:
            log.warning(
                "knowledge files have %d problem(s); keeping the last good snapshot",
                len(outcome.problems),
            )
            for p in outcome.problems:
                log.warning("  %s", p)
        try:
            await self.on_reload(outcome)
        except Exception:
            log.exception("reporting a reload failed")


async def watch(
    holder: KnowledgeHolder,
    on_reload: OnReload,
    *,
    debounce: float = 1.0,
    poll_interval: float = 1.0,
    force_polling: bool = False,
    check_every: float = 30.0,
) -> None:
    """Run until cancelled: each burst of saves becomes one reload, reported to `on_reload`.

    `poll_interval` is how often the folders' identity is checked, and the polling delay
    when notifications are unavailable (or `force_polling` is set)."""
    await _Watcher(
        holder,
        on_reload,
        debounce=debounce,
        poll_interval=poll_interval,
        force_polling=force_polling,
        check_every=check_every,
    ).run()
