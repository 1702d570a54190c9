"""Starting the Discord bot: the token from the environment only, never from the repo."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import discord
import yarl

from bot.config import Settings

log = logging.getLogger("factbot")


def find_token(env_file: Path = Path(".env")) -> str | None:
    """DISCORD_TOKEN from the environment, else from a git-ignored .env file."""
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if token:
        return token
    try:
        for line in env_file.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip().removeprefix("export ").strip() == "DISCORD_TOKEN":
                return value.strip().strip("'\"") or None
    except OSError:
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


def run_bot(settings: Settings, *, sync_global: bool = False) -> int:
    """Run until stopped. Returns a process exit code; never shows a traceback for a bad token."""
    token = find_token()
    if not token:
        print(
            "No Discord token: set DISCORD_TOKEN in the environment (or in a .env file next to "
            "config.yaml, which git ignores). To try the bot without Discord: factbot console",
            file=sys.stderr,
        )
        return 2
    from bot.discord.client import make_bot
    from bot.loading.holder import KnowledgeHolder

    setup_logging(token)
    holder, result = KnowledgeHolder.load(settings)
    if holder is None:
        for p in result.problems:
            print(str(p), file=sys.stderr)
        print(
            "The knowledge base has errors; fix them (factbot check) and start again.",
            file=sys.stderr,
        )
        return 1
    point_at(settings.discord.api_base, settings.discord.gateway_url)
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
            "Developer Portal (Bot > Privileged Gateway Intents).",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 0
    return 0
