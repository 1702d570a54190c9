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

from bot.config import Settings, env_file
from bot.discord.client import make_bot
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


def setup_logging(token: str) -> None:
    discord.utils.setup_logging(level=logging.INFO, root=True)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(handler.formatter or logging.Formatter(), token))


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


def _holder_or_explain(settings: Settings) -> KnowledgeHolder | None:
    holder, result = KnowledgeHolder.load(settings)
    if holder is None:
        for p in result.problems:
            print(str(p), file=sys.stderr)
        print(
            "The knowledge base has errors; fix them (factbot check) and start again.",
            file=sys.stderr,
        )
    return holder


def _prepare(settings: Settings, env: Path | None) -> tuple[str, KnowledgeHolder] | int:
    """The token and the loaded knowledge, with discord.py pointed at the configured Discord;
    or the exit code after saying what is missing (2: no token, 1: knowledge unusable)."""
    token = _token_or_explain(env)
    if not token:
        return 2
    setup_logging(token)
    holder = _holder_or_explain(settings)
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


def run_bot(settings: Settings, *, sync_global: bool = False, env: Path | None = None) -> int:
    """Run until stopped. Returns a process exit code; never shows a traceback for a bad
    token or an unreachable Discord."""
    ready = _prepare(settings, env)
    if isinstance(ready, int):
        return ready
    token, holder = ready
    if not settings.discord.message_content:
        log.info(
            "slash-only mode (discord.message_content: false): answering slash commands and "
            "mentions of the bot; prefix commands are off"
        )
    bot = make_bot(holder, sync_global=sync_global)

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
