"""`factbot run --processes K`: K processes, each owning a slice of Discord's shards.

Why processes: one Python process answers on one core. Discord's own sharding splits the
guilds (guild G's events go to shard (G >> 22) % N), so each process runs discord.py with
`shard_ids` (process i owns shards i, i + K, ...) and answers only for its guilds, never twice.

The parent here does no Discord work and loads no knowledge. It starts the children one after
the other, each once the previous one is connected (so Discord sees one IDENTIFY at a time,
and the first child has written the knowledge snapshot that the others then restore instead
of loading the files again). Each child says it is up by writing a line on a pipe
(FACTBOT_READY_FD). Afterwards the parent forwards SIGINT/SIGTERM, restarts a child that
crashes (with backoff, at most MAX_RESTARTS times each), and stops all when one cannot be
kept running. A child that fails before it is up fails the whole start (its exit code).
Children watch a second pipe (FACTBOT_PARENT_FD) and stop when the parent is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.loading.holder import KnowledgeHolder

log = logging.getLogger("factbot.cluster")

READY_FD = "FACTBOT_READY_FD"
PARENT_FD = "FACTBOT_PARENT_FD"
MAX_RESTARTS = 3
BACKOFF = (1.0, 4.0, 15.0)  # seconds before the first, second, third restart
START_TIMEOUT = 600.0  # a child that is not up by then failed to start
STOP_TIMEOUT = 20.0


# ------------------------------------------------------------------------------- child side


def ready_signal(holder: KnowledgeHolder) -> Callable[[], Coroutine[Any, Any, None]] | None:
    """In a child: an `on_ready` listener telling the parent this process is up, once its
    snapshot is on disk for the next child. None when not started by a parent."""
    fd = _inherited_fd(READY_FD)
    if fd is None:
        return None
    said = False

    async def on_ready() -> None:
        nonlocal said
        if said:
            return  # on_ready comes again after a reconnect
        said = True
        if holder.snapshots is not None:
            await asyncio.to_thread(holder.snapshots.wait, 120)
        with contextlib.suppress(OSError):
            os.write(fd, b"ready\n")
            os.close(fd)

    return on_ready


def stop_with_parent() -> None:
    """In a child: when the parent is gone (its end of the pipe closes), stop as on Ctrl-C."""
    fd = _inherited_fd(PARENT_FD)
    if fd is None:
        return

    def wait() -> None:
        with contextlib.suppress(OSError):
            while os.read(fd, 64):
                pass
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=wait, name="factbot-parent-watch", daemon=True).start()


def _inherited_fd(name: str) -> int | None:
    value = os.environ.pop(name, "")
    if not value.isdigit():
        return None
    fd = int(value)
    try:
        os.fstat(fd)
    except OSError:
        return None
    return fd


# ------------------------------------------------------------------------------ parent side


@dataclass
class Child:
    """One child process and what the parent knows of it."""

    index: int
    shard_ids: list[int]
    proc: subprocess.Popen[bytes] | None = None
    ready_fd: int | None = None  # the parent's read end while the child is not up yet
    up: bool = False
    restarts: int = 0
    restart_at: float | None = None
    history: list[int] = field(default_factory=list)  # exit codes so far


class Supervisor:
    """Starts, watches and stops the children; see the module's docstring."""

    def __init__(
        self, command: Callable[[list[int]], list[str]], plan: Sequence[list[int]], token: str
    ) -> None:
        self.command = command  # argv of the child owning these shard ids
        self.token = token  # handed on in the environment, never on the command line
        self.children = [Child(i, ids) for i, ids in enumerate(plan)]
        self.shard_count = sum(len(ids) for ids in plan)
        self.stopping: int | None = None  # the signal being forwarded, once asked to stop
        self._parent_r, self._parent_w = os.pipe()  # children's "parent alive" pipe

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.stopping = signum

    def spawn(self, child: Child) -> None:
        ready_r, ready_w = os.pipe()
        env = {
            **os.environ,
            "DISCORD_TOKEN": self.token,
            READY_FD: str(ready_w),
            PARENT_FD: str(self._parent_r),
        }
        child.proc = subprocess.Popen(
            self.command(child.shard_ids),
            env=env,
            pass_fds=(ready_w, self._parent_r),
            start_new_session=True,  # Ctrl-C reaches the parent, which forwards it once
        )
        os.close(ready_w)
        child.ready_fd, child.up, child.restart_at = ready_r, False, None
        log.info(
            "process %d (pid %d) owns shard ids %s of %d",
            child.index,
            child.proc.pid,
            child.shard_ids,
            self.shard_count,
        )

    def run(self) -> int:
        """Start every child in turn, then supervise until asked to stop or one cannot be
        kept running. The exit code for the parent."""
        old = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in self.children:
                self.spawn(child)
                code = self._wait_up(child)
                if code is not None:
                    return code
            log.info("all %d processes are up", len(self.children))
            return self._supervise()
        finally:
            self._stop_all()
            for s, handler in old.items():
                signal.signal(s, handler)
            os.close(self._parent_w)
            os.close(self._parent_r)

    def _wait_up(self, child: Child) -> int | None:
        """None once the child is up; else the exit code for the parent (it failed to
        start, or the parent was asked to stop)."""
        deadline = time.monotonic() + START_TIMEOUT
        while self.stopping is None:
            if self._poll_ready(child, 0.2):
                return None
            assert child.proc is not None
            code = child.proc.poll()
            if code is not None:
                self._poll_ready(child, 0)  # it may have said "up" just before exiting
                log.error(
                    "process %d (shards %s) failed to start (exit code %d); stopping",
                    child.index,
                    child.shard_ids,
                    code,
                )
                return code or 1
            if time.monotonic() > deadline:
                log.error(
                    "process %d was not up after %.0f s; stopping", child.index, START_TIMEOUT
                )
                return 1
        return 0

    def _poll_ready(self, child: Child, timeout: float) -> bool:
        if child.up:
            return True
        if child.ready_fd is None:
            return False
        with contextlib.suppress(InterruptedError):
            readable, _, _ = select.select([child.ready_fd], [], [], timeout)
            if readable:
                said = os.read(child.ready_fd, 64)
                os.close(child.ready_fd)
                child.ready_fd = None
                child.up = said.startswith(b"ready")
        return child.up

    def _supervise(self) -> int:
        while self.stopping is None:
            time.sleep(0.2)
            now = time.monotonic()
            for child in self.children:
                self._poll_ready(child, 0)
                assert child.proc is not None
                if child.restart_at is not None:
                    if now >= child.restart_at:
                        child.restarts += 1
                        self.spawn(child)
                    continue
                code = child.proc.poll()
                if code is None:
                    continue
                child.history.append(code)
                if child.restarts >= MAX_RESTARTS:
                    log.error(
                        "process %d (shards %s) exited with code %d after %d restarts; "
                        "stopping all",
                        child.index,
                        child.shard_ids,
                        code,
                        child.restarts,
                    )
                    return 1
                delay = BACKOFF[min(child.restarts, len(BACKOFF) - 1)]
                log.warning(
                    "process %d (shards %s) exited with code %d; restarting it in %.0f s",
                    child.index,
                    child.shard_ids,
                    code,
                    delay,
                )
                self._close_ready(child)
                child.restart_at = now + delay
        return 0

    def _close_ready(self, child: Child) -> None:
        if child.ready_fd is not None:
            with contextlib.suppress(OSError):
                os.close(child.ready_fd)
            child.ready_fd = None

    def _stop_all(self) -> None:
        """Forward the stop (SIGINT: each child closes its gateway sessions cleanly), wait,
        then kill what is left."""
        running = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
        for child in running:
            with contextlib.suppress(ProcessLookupError):
                child.proc.send_signal(signal.SIGINT)  # type: ignore[union-attr]
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in running:
            try:
                child.proc.wait(max(deadline - time.monotonic(), 0.1))  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                log.warning("process %d did not stop in time; killing it", child.index)
                child.proc.kill()  # type: ignore[union-attr]
                child.proc.wait()  # type: ignore[union-attr]
        for child in self.children:
            self._close_ready(child)


def child_command(base: Sequence[str], shard_count: int) -> Callable[[list[int]], list[str]]:
    """The argv of the child owning some shard ids: `factbot run` with the same options,
    one process, and its shard ids."""

    def command(shard_ids: list[int]) -> list[str]:
        ids = ",".join(map(str, shard_ids))
        return [
            sys.executable,
            "-m",
            "bot.cli.main",
            "run",
            *base,
            "--shards",
            str(shard_count),
            "--processes",
            "1",
            "--shard-ids",
            ids,
        ]

    return command
