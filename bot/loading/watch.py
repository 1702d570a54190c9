"""Watch knowledge/ and seeds/ and reload on change: debounced, off the event loop.

Uses the platform's file notifications through watchfiles; falls back to polling the
files' sizes and mtimes where notifications are unavailable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.loading.holder import KnowledgeHolder, ReloadOutcome

log = logging.getLogger("factbot.watch")

OnReload = Callable[[ReloadOutcome], Awaitable[None]]


def _relevant(path: str) -> bool:
    """Editors write swap and backup files; only knowledge and article files matter."""
    name = path.rsplit("/", 1)[-1]
    if name.startswith(".") or name.endswith("~"):
        return False
    return name.endswith((".yaml", ".yml", ".txt"))


async def watch(
    holder: KnowledgeHolder,
    on_reload: OnReload,
    *,
    debounce: float = 1.0,
    poll_interval: float = 1.0,
    force_polling: bool = False,
) -> None:
    """Run until cancelled: each burst of saves becomes one reload, reported to `on_reload`."""
    dirs = [d for d in (holder.settings.knowledge_dir, holder.settings.seeds_dir) if d.is_dir()]

    async def reload() -> None:
        outcome = await asyncio.to_thread(holder.reload, "file change")
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
            await on_reload(outcome)
        except Exception:
            log.exception("reporting a reload failed")

    if not force_polling:
        try:
            from watchfiles import awatch

            async for changes in awatch(
                *dirs,
                debounce=int(debounce * 1000),
                step=50,
                watch_filter=lambda _change, path: _relevant(path),
                recursive=True,
            ):
                log.debug("files changed: %s", changes)
                await reload()
            return
        except (ImportError, OSError) as exc:
            log.warning(
                "file notifications unavailable (%s); polling every %.1fs", exc, poll_interval
            )
    seen = holder.fingerprint()
    while True:
        await asyncio.sleep(poll_interval)
        current = holder.fingerprint()
        if current == seen:
            continue
        while True:  # debounce: wait until the files stop changing
            await asyncio.sleep(debounce)
            settled = holder.fingerprint()
            if settled == current:
                break
            current = settled
        seen = current
        await reload()
