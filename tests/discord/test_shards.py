"""`factbot run --shards 2 --processes 2` against the fake Discord, as real subprocesses: each
process answers only for the guilds on its shard, nothing is answered twice, an edit of a
knowledge file reaches both, and both serve the one snapshot the first one wrote."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fakediscord import FakeDiscord, RecordedCall, shard_of

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")

TOKEN = "CLUSTER.fake-token.SECRET-2424"


@pytest.fixture
async def sharded() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(shards=2, patch=False) as server:
        yield server


def write_config(root: Path, fake: FakeDiscord, channels: list[int]) -> Path:
    config = root / "config.yaml"
    config.write_text(
        f"knowledge_dir: {root / 'knowledge'}\nseeds_dir: {root / 'seeds'}\n"
        f"cache_dir: {root / 'cache'}\nreload_debounce: 0.2\n"
        f"discord:\n  team_channels: {channels}\n"
        "  cooldown: {rate: 100, per_seconds: 1}\n"
        f"  api_base: {fake.api_base}\n  gateway_url: {fake.gateway_url}\n",
        encoding="utf-8",
    )
    return config


def socket_owner(peer: tuple[str, int] | None, server_port: int, pids: dict[int, int]) -> int:
    """Which of `pids` (pid -> process index) holds the TCP connection from `peer` to the
    fake (Linux: /proc/net/tcp gives the socket's inode, /proc/<pid>/fd who holds it)."""
    assert peer is not None
    want = (f"{peer[1]:04X}", f"{server_port:04X}")
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if (fields[1].split(":")[1], fields[2].split(":")[1]) == want:
            inode = fields[9]
    assert inode is not None, f"no connection from port {peer[1]}"
    for pid, index in pids.items():
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return index
            except OSError:
                continue
    raise AssertionError(f"no child holds the connection from port {peer[1]}")


async def wait_for_log(log: Path, pattern: str, timeout: float = 120) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(encoding="utf-8", errors="replace"))
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"{pattern!r} not in the log:\n{log.read_text()[-3000:]}")


async def ask(fake: FakeDiscord, channel: int, text: str) -> RecordedCall:
    mark = len(fake.calls)
    await fake.send_message(text, channel_id=channel)
    return await fake.wait_for_reply(channel_id=channel, since=mark, timeout=30)


async def test_two_processes_share_the_shards_and_one_snapshot(sharded, kb_copy, tmp_path):
    fake = sharded
    guilds = [fake.add_guild(f"Guild {i}", shard=(i, 2)) for i in (0, 1)]
    channels = [fake.add_channel("analysts", guild_id=g) for g in guilds]
    assert [shard_of(g, 2) for g in guilds] == [0, 1]
    config = write_config(kb_copy, fake, channels)
    log = tmp_path / "cluster.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "bot.cli.main", "run", "--config", str(config)),
            *("--shards", "2", "--processes", "2"),
            env={**os.environ, "DISCORD_TOKEN": TOKEN},
            cwd=str(ROOT),
            stdout=out,
            stderr=out,
        )
    try:
        await wait_for_log(log, r"all 2 processes are up")
        await fake.wait_until_connected(timeout=30)
        text = log.read_text(encoding="utf-8")
        pids = {
            int(m[2]): int(m[1])
            for m in re.finditer(r"process (\d) \(pid (\d+)\) owns shard ids \[\1\] of 2", text)
        }
        assert sorted(pids.values()) == [0, 1], text
        # the first process loaded the files and wrote the snapshot; the second restored it
        assert re.search(r"\[shards 0\] .*knowledge loaded from the files", text), text
        assert re.search(r"\[shards 1\] .*knowledge restored from the snapshot", text), text
        assert len(list((kb_copy / "cache" / "snapshot").glob("snapshot-*.bin"))) == 1

        asked = []
        for shard, channel in enumerate(channels):
            reply = await ask(fake, channel, "!who kazykhanov")
            assert reply.embeds[0]["title"] == "Yerzhan Kazykhanov"
            assert socket_owner(reply.peer, fake.port, pids) == shard  # the owner answered
            asked.append(reply)
        delivered = [(s, d["channel_id"]) for s, e, d in fake.deliveries if e == "MESSAGE_CREATE"]
        assert sorted(set(delivered)) == [(0, str(channels[0])), (1, str(channels[1]))]

        people = kb_copy / "knowledge" / "people.yaml"
        before = "description: Kazakhstan's Foreign Minister (as of April 2012)."
        people.write_text(
            people.read_text(encoding="utf-8").replace(before, "description: Edited once."),
            encoding="utf-8",
        )
        for channel in channels:  # each process reloads on its own watcher
            deadline = time.monotonic() + 60
            while (
                "Edited once."
                not in (await ask(fake, channel, "!who kazykhanov")).embeds[0]["description"]
            ):
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                await asyncio.sleep(0.5)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 60)
    answers = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/messages")]
    questions = [m for m in fake.messages.values() if m["author"]["id"] != str(fake.bot_id)]
    assert len(answers) == len(questions)  # no question answered twice
    assert code == 0
    output = log.read_text(encoding="utf-8")
    assert TOKEN not in output and "Traceback" not in output


async def test_a_reload_command_in_one_process_reloads_the_others(sharded, kb_copy):
    """`reload` reaches only the process owning the guild it is typed in, and may change
    nothing on disk: the others follow the generation file in the shared cache folder."""
    from bot.discord.client import FactBot
    from bot.loading.holder import KnowledgeHolder
    from tests.conftest import discord_settings

    fake = sharded
    guild = fake.add_guild("Admins", shard=(0, 2))
    channel = fake.add_channel("ops", guild_id=guild)
    admin = fake.add_role("kb-admin", guild_id=guild)
    bots = []
    for shard in (0, 1):
        settings = discord_settings(
            kb_copy, team_channels=[channel], admin_roles=[admin], shard_count=2, shard_ids=[shard]
        ).model_copy(update={"cache_dir": kb_copy / "cache"})
        holder, _ = KnowledgeHolder.load(settings)
        assert holder is not None
        bots.append(FactBot(holder))
    with fake.patch_discord():
        async with fake.running(bots[0]), fake.running(bots[1]):
            before = [bot.holder.kb for bot in bots]
            await fake.send_message("!reload", channel_id=channel, roles=[admin])
            done = await fake.wait_for_reply(channel_id=channel, timeout=30)
            assert done.embeds[0]["title"] == "Knowledge reloaded"
            assert bots[0].holder.kb is not before[0]  # the process that was asked
            deadline = time.monotonic() + 30
            while bots[1].holder.kb is before[1]:  # the other one, through the generation
                assert time.monotonic() < deadline, "the other process never reloaded"
                await asyncio.sleep(0.2)
    assert [s for s, e, _ in fake.deliveries if e == "MESSAGE_CREATE"][:1] == [0]
