"""Starting the Discord bot, or syncing its slash commands once.

The token comes from the environment (DISCORD_TOKEN), or from a git-ignored `.env` next to
config.yaml, read by `find_token`: a few lines of stdlib, deliberately no dotenv package
(it reads one key; no interpolation, no multi-line values)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import sys
from pathlib import Path

import aiohttp
import discord
import yarl

from bot.config import ClusterSettings, Settings, env_file
from bot.discord.client import make_bot
from bot.discord.cluster import Supervisor, child_command, ready_signal, stop_with_parent
from bot.discord.sync import plan, summary, sync_once
from bot.loading.holder import KnowledgeHolder

log = logging.getLogger("factbot")


_warned: set[Path] = set()  # say each refused .env once, though several steps look for it


def _warn_once(path: Path, message: str) -> None:
    if path not in _warned:
        _warned.add(path)
        print(message, file=sys.stderr)


def _readable_env(path: Path) -> bool:
    """Whether the .env may be trusted: anyone who can write it chooses the token, so one
    writable by every user of the machine is refused with a warning."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    if mode & stat.S_IWOTH:
        _warn_once(
            path,
            f"Warning: {path} is writable by every user of this machine, so its "
            f"DISCORD_TOKEN is not used. Fix it with: chmod 600 {path}",
        )
        return False
    return True


def find_token(env: Path | None = None) -> str | None:
    """DISCORD_TOKEN from the environment, else the `DISCORD_TOKEN=...` line of the
    git-ignored .env next to config.yaml (`export ` and quotes allowed; `env` overrides
    where it is looked for)."""
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if token:
        return token
    path = env if env is not None else env_file()
    if not _readable_env(path):
        return None
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip().removeprefix("export ").strip() == "DISCORD_TOKEN":
                return value.strip().strip("'\"") or None
    except (OSError, UnicodeDecodeError):
        pass
    return None


class RedactingFormatter(logging.Formatter):
    """Hides the token in the final text of every log line, tracebacks included.

    A filter is not enough: formatters (discord.py's colour one among them) build the
    traceback text after filters have run.
    """

    def __init__(self, inner: logging.Formatter, token: str) -> None:
        super().__init__()
        self.inner = inner
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        return self.inner.format(record).replace(self.token, "[token hidden]")


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """Use another Discord-compatible server (Spacebar, or the tests' fake)."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class LabelledFormatter(logging.Formatter):
    """Starts every line with which process wrote it ("[shards 0,2] ..."): the processes of
    `factbot run --processes K` share one terminal."""

    def __init__(self, inner: logging.Formatter, label: str) -> None:
        super().__init__()
        self.inner = inner
        self.label = label

    def format(self, record: logging.LogRecord) -> str:
        return f"[{self.label}] {self.inner.format(record)}"


def setup_logging(token: str, label: str | None = None) -> None:
    discord.utils.setup_logging(level=logging.INFO, root=True)
    for handler in logging.getLogger().handlers:
        inner = handler.formatter or logging.Formatter()
        if label:
            inner = LabelledFormatter(inner, label)
        handler.setFormatter(RedactingFormatter(inner, token))


def _token_or_explain(env: Path | None) -> str | None:
    path = env if env is not None else env_file()
    token = find_token(path)
    if not token:
        print(
            "No Discord token: set DISCORD_TOKEN in the environment (or in "
            f"{path}, next to config.yaml; git ignores it). To try the bot without "
            "Discord: factbot console",
            file=sys.stderr,
        )
    return token


# Discord cannot be reached: no network, a firewall, a wrong discord.api_base.
UNREACHABLE = (
    aiohttp.ClientConnectionError,
    ConnectionError,
    asyncio.TimeoutError,
    discord.GatewayNotFound,
)


def unreachable(settings: Settings, exc: BaseException) -> str:
    """The one line said when Discord cannot be reached (never a traceback)."""
    where = settings.discord.api_base or "discord.com"
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return (
        f"Cannot reach Discord at {where}: {reason}. Check the network connection "
        "(and discord.api_base in config.yaml if set), then start again."
    )


def _holder_or_explain(settings: Settings, *, serving: bool = False) -> KnowledgeHolder | None:
    holder, result = KnowledgeHolder.load(settings, serve_snapshot=serving)
    if holder is not None:
        how = "restored from the snapshot" if result.from_snapshot else "loaded from the files"
        log.info("knowledge %s in %.2f s", how, sum(result.timings.values()))
    if holder is None:
        for p in result.problems:
            print(str(p), file=sys.stderr)
        print(
            "The knowledge base has errors; fix them (factbot check) and start again.",
            file=sys.stderr,
        )
    return holder


def _prepare(
    settings: Settings, env: Path | None, label: str | None = None
) -> tuple[str, KnowledgeHolder] | int:
    """The token and the loaded knowledge, with discord.py pointed at the configured Discord;
    or the exit code after saying what is missing (2: no token, 1: knowledge unusable)."""
    token = _token_or_explain(env)
    if not token:
        return 2
    setup_logging(token, label)
    holder = _holder_or_explain(settings, serving=True)
    if holder is None:
        return 1
    point_at(settings.discord.api_base, settings.discord.gateway_url)
    return token, holder


def dry_run(settings: Settings, *, guild: int | None = None, as_json: bool = False) -> int:
    """`factbot sync --dry-run`: print what the sync would PUT, with no token and no network.
    `as_json` prints the JSON array of application commands put to each scope that gets any
    (the same array for every guild)."""
    holder = _holder_or_explain(settings)
    if holder is None:
        return 1
    steps = asyncio.run(plan(holder, None if guild is None else [guild]))
    if as_json:
        commands = next((s.commands for s in steps if s.commands), [])
        print(json.dumps(commands, indent=2, ensure_ascii=False))
    else:
        print(summary(steps))
        print("(dry run: nothing was sent to Discord)")
    return 0


def run_sync(
    settings: Settings,
    *,
    env: Path | None = None,
    guild: int | None = None,
    dry: bool = False,
    as_json: bool = False,
) -> int:
    """`factbot sync`: sync once over REST and exit (to `guild` only when given, else to
    `discord.guilds`, else globally). Returns a process exit code."""
    if dry:
        return dry_run(settings, guild=guild, as_json=as_json)
    ready = _prepare(settings, env)
    if isinstance(ready, int):
        return ready
    token, holder = ready
    try:
        counts = asyncio.run(sync_once(holder, token, None if guild is None else [guild]))
    except discord.LoginFailure:
        print("Discord rejected the token (DISCORD_TOKEN).", file=sys.stderr)
        return 1
    except discord.HTTPException as exc:
        print(f"Discord refused the sync: {exc.status} {exc.text}", file=sys.stderr)
        return 1
    except UNREACHABLE as exc:
        print(unreachable(settings, exc), file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(counts))
        return 0
    for scope, n in counts.items():
        where = "globally" if scope == "global" else f"to guild {scope}"
        print(f"synced {n} slash commands {where}")
    return 0


def run_cluster(
    settings: Settings, cluster: ClusterSettings, options: list[str], env: Path | None = None
) -> int:
    """`factbot run --processes K` (K > 1): start and supervise the K processes, each a
    `factbot run` with the same `options` and its slice of the shard ids (see cluster.py)."""
    token = _token_or_explain(env)
    if not token:
        return 2
    setup_logging(token, "cluster")
    command = child_command(options, cluster.shard_count)
    return Supervisor(command, cluster.plan(), token).run()


def parse_shard_ids(text: str | None, count: int) -> list[int]:
    """`--shard-ids 0,2` (how a cluster's parent tells a child its shards): ids below
    `count`, each once. ValueError, saying why, otherwise."""
    if not text:
        return []
    try:
        ids = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(
            f"--shard-ids must be numbers separated by commas (got {text!r})"
        ) from None
    if len(set(ids)) != len(ids) or not all(0 <= i < count for i in ids):
        raise ValueError(
            f"--shard-ids must be distinct shard ids from 0 to {count - 1} (got {text})"
        )
    return ids


def run_from_cli(
    settings: Settings,
    *,
    shards: int | None,
    processes: int | None,
    shard_ids: str | None,
    options: list[str],
    env: Path | None = None,
) -> int:
    """`factbot run`: one process as always, or (`--processes K`, or `cluster:` in
    config.yaml) a parent supervising K. Bad numbers are one line and exit code 2."""
    try:
        cluster = settings.cluster.overridden(shards, processes)
        ids = parse_shard_ids(shard_ids, cluster.shard_count)
    except ValueError as exc:
        print(f"factbot run: {exc}", file=sys.stderr)
        return 2
    if cluster.processes > 1:
        return run_cluster(settings, cluster, options, env)
    label = None
    if cluster.shards is not None or ids:
        d = settings.discord.model_copy(
            update={"shard_count": cluster.shard_count, "shard_ids": ids or None}
        )
        settings = settings.model_copy(update={"discord": d})
        label = f"shards {','.join(map(str, ids))}" if ids else None
    return run_bot(settings, env=env, label=label)


def run_bot(
    settings: Settings,
    *,
    sync_global: bool = False,
    env: Path | None = None,
    label: str | None = None,
) -> int:
    """Run until stopped. Returns a process exit code; never shows a traceback for a bad
    token or an unreachable Discord. `label` starts each log line (a cluster's process)."""
    stop_with_parent()
    ready = _prepare(settings, env, label)
    if isinstance(ready, int):
        return ready
    token, holder = ready
    if not settings.discord.message_content:
        log.info(
            "slash-only mode (discord.message_content: false): answering slash commands and "
            "mentions of the bot; prefix commands are off"
        )
    bot = make_bot(holder, sync_global=sync_global)
    signal_up = ready_signal(holder)
    if signal_up is not None:
        bot.add_listener(signal_up, "on_ready")

    async def main() -> None:
        async with bot:
            await bot.start(token)

    try:
        asyncio.run(main())
    except discord.LoginFailure:
        print(
            "Discord rejected the token (DISCORD_TOKEN): check it in the Developer Portal.",
            file=sys.stderr,
        )
        return 1
    except discord.PrivilegedIntentsRequired:
        print(
            "Discord refused the Message Content intent: turn it on for the bot in the "
            "Developer Portal (Bot > Privileged Gateway Intents), or run slash-only with "
            "`discord.message_content: false` in config.yaml.",
            file=sys.stderr,
        )
        return 1
    except UNREACHABLE as exc:
        print(unreachable(settings, exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0
