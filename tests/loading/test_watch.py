"""The watcher reloads on edits, and keeps doing so after knowledge/ is deleted or swapped.

Real files in tmp_path, watched with watchfiles' own polling and a short poll delay. No
timed assertions: each test waits (generously) for the reload it expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.commands.table import run
from bot.config import Settings
from bot.loading import watch as watch_module
from bot.loading.holder import KnowledgeHolder, ReloadOutcome
from bot.loading.watch import watch

WAIT = 60.0  # seconds: only ever reached when something is broken

CLAIM = """
  - id: test-{word}-claim
    subject: sergei-lavrov
    predicate: said
    text: Lavrov spoke about {word}, according to a test edit.
    date: April 6
    references:
      - article: edm-2012-v9-i71
        paragraph: 1
        quote: Lavrov said that Moscow initiated a declaration
"""


def claims_file(knowledge: Path) -> Path:
    return knowledge / "claims" / "edm-2012-v9-i71.yaml"


def add_claim(knowledge: Path, word: str) -> None:
    with claims_file(knowledge).open("a", encoding="utf-8") as f:
        f.write(CLAIM.format(word=word))


def knows(holder: KnowledgeHolder, word: str) -> bool:
    return run(holder.kb, f"search {word}").status == "ok"


@pytest.fixture
def holder(kb_copy: Path) -> KnowledgeHolder:
    settings = Settings.model_validate(
        {"knowledge_dir": str(kb_copy / "knowledge"), "seeds_dir": str(kb_copy / "seeds")}
    )
    holder, result = KnowledgeHolder.load(settings, disk_cache=False)
    assert holder is not None, result.problems
    return holder


@contextlib.asynccontextmanager
async def watching(
    holder: KnowledgeHolder, check_every: float = 3600.0, force_polling: bool = True
) -> AsyncIterator[asyncio.Queue[ReloadOutcome]]:
    """The watcher running (polling every 50 ms), its reload reports in a queue."""
    reloads: asyncio.Queue[ReloadOutcome] = asyncio.Queue()

    async def on_reload(outcome: ReloadOutcome) -> None:
        await reloads.put(outcome)

    task = asyncio.create_task(
        watch(
            holder,
            on_reload,
            debounce=0.1,
            poll_interval=0.05,
            force_polling=force_polling,
            check_every=check_every,
        )
    )
    try:
        yield reloads
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def reloaded(reloads: asyncio.Queue[ReloadOutcome], ok: Callable[[], bool]) -> None:
    """Wait for a good reload after which `ok()` holds (a save caught half-way through
    may be reported first, as a failed reload that keeps the last good knowledge)."""

    async def wait() -> None:
        while not ((await reloads.get()).ok and ok()):
            pass

    await asyncio.wait_for(wait(), WAIT)


async def until(condition: Callable[[], bool]) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), WAIT)


async def armed(holder: KnowledgeHolder, reloads: asyncio.Queue[ReloadOutcome]) -> None:
    """Touch a file until the watcher reports a reload: from then on it is watching."""
    target = holder.settings.knowledge_dir / "people.yaml"

    async def touch_until_reloaded() -> None:
        n = 0
        while reloads.empty():
            n += 1
            with target.open("a", encoding="utf-8") as f:
                f.write(f"# touched {n}\n")
            await asyncio.sleep(0.2)
        while not reloads.empty():
            reloads.get_nowait()

    await asyncio.wait_for(touch_until_reloaded(), WAIT)


async def test_an_edit_is_loaded(holder):
    async with watching(holder) as reloads:
        await armed(holder, reloads)
        add_claim(holder.settings.knowledge_dir, "zebras")
        await reloaded(reloads, lambda: knows(holder, "zebras"))


# Polling looks at paths; notifications follow the folder they were set on, so a replaced
# folder must be noticed and watched anew.
BACKENDS = pytest.mark.parametrize("force_polling", [True, False], ids=["polling", "notify"])


@BACKENDS
async def test_reload_resumes_after_the_folder_is_deleted_and_recreated(
    holder, tmp_path, caplog, force_polling
):
    caplog.set_level(logging.INFO, logger="factbot.watch")
    knowledge = holder.settings.knowledge_dir
    backup = tmp_path / "backup"
    shutil.copytree(knowledge, backup)
    async with watching(holder, force_polling=force_polling) as reloads:
        await armed(holder, reloads)
        shutil.rmtree(knowledge)
        await until(lambda: "is missing" in caplog.text)
        assert run(holder.kb, "who lavrov").status == "ok"  # the last good knowledge stays

        add_claim(backup, "zebras")
        shutil.copytree(backup, knowledge)
        await reloaded(reloads, lambda: knows(holder, "zebras"))

        add_claim(knowledge, "giraffes")  # a later edit, in the re-created folder
        await reloaded(reloads, lambda: knows(holder, "giraffes"))
    assert caplog.text.count("is missing") == 1
    assert "is back" in caplog.text


@BACKENDS
async def test_reload_resumes_after_the_folder_is_replaced_by_a_rename(
    holder, tmp_path, force_polling
):
    knowledge = holder.settings.knowledge_dir
    fresh = tmp_path / "knowledge.new"
    async with watching(holder, force_polling=force_polling) as reloads:
        await armed(holder, reloads)
        shutil.copytree(knowledge, fresh)
        add_claim(fresh, "zebras")
        os.rename(knowledge, tmp_path / "knowledge.old")  # as sync tools and editors do
        os.rename(fresh, knowledge)
        await reloaded(reloads, lambda: knows(holder, "zebras"))

        add_claim(knowledge, "giraffes")
        await reloaded(reloads, lambda: knows(holder, "giraffes"))
        assert not knows(holder, "okapis")
        add_claim(tmp_path / "knowledge.old", "okapis")  # the old folder is not watched
        add_claim(knowledge, "lemurs")
        await reloaded(reloads, lambda: knows(holder, "lemurs"))
        assert not knows(holder, "okapis")


async def test_the_fingerprint_check_catches_what_the_watch_missed(holder, monkeypatch):
    monkeypatch.setattr(watch_module, "_relevant", lambda _path: False)  # a watch that misses
    async with watching(holder, check_every=0.2) as reloads:
        await armed(holder, reloads)  # the touches, too, are caught only by the check
        add_claim(holder.settings.knowledge_dir, "zebras")
        await reloaded(reloads, lambda: knows(holder, "zebras"))
