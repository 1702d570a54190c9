"""A fake Discord (REST API v10 + gateway) for end-to-end tests of the real discord.py client.

Why: what a user sees -- replies, embeds, allowed mentions, interaction responses -- is
produced by discord.py's own HTTP and gateway code. Mocking ``Messageable.send`` skips the
layer where mistakes show up, so the real client talks to this server on 127.0.0.1 and
every REST call is recorded for assertions.

Typical use (pytest-asyncio, ``asyncio_mode=auto``)::

    async with FakeDiscord() as fake:          # free port; patches discord.py's two URLs
        bot = commands.Bot("!", intents=intents,
                           allowed_mentions=discord.AllowedMentions.none())
        async with fake.running(bot):          # bot.start(), waits for READY, closes on exit
            question = await fake.send_message("!ping")
            call = await fake.wait_for_reply()
            assert call.content == "pong"
            assert call.body["allowed_mentions"] == {"parse": []}

A bot in a subprocess is pointed at ``fake.api_base`` / ``fake.gateway_url`` through its
own configuration instead. Either way set ``guild_ready_timeout=0`` on the client
(``fast_ready(client)`` or the ``guild_ready_timeout`` Client kwarg), otherwise every
start waits 2 s for more GUILD_CREATEs.

Deliberately realistic, so tests catch real bugs:

- MESSAGE_CREATE reaches the bot only if it identified with GUILD_MESSAGES (guild) or
  DIRECT_MESSAGES (DM); without MESSAGE_CONTENT the content, embeds and attachments
  arrive blank unless the message is a DM or mentions the bot.
- Channel permissions are computed as Discord does (guild roles, then the channel's
  overwrites for @everyone, roles and the member; a thread takes its parent's): a bot
  message needs View Channel and Send Messages (Send Messages in Threads in a thread),
  embeds need Embed Links, files Attach Files, replies Read Message History, otherwise
  403/50013 Missing Permissions. ``deny(channel_id, "embed_links")`` takes one away.
- Ephemeral messages exist only for the interaction: the channel endpoints
  (GET/PATCH/DELETE ``/channels/{id}/messages/{id}``) answer 404/10008 Unknown Message
  for them, as Discord does; edit them through the interaction webhook.
- Synced application commands are validated as Discord does (names, descriptions, option
  order and count, ``max_length`` 1..6000, choices, the 4,000-character total, contexts)
  and refused with 400/50035 and Discord's nested error body. A synced command is only
  sent where Discord's client offers it (``contexts``, ``default_member_permissions``,
  ``max_length``); otherwise ``send_slash`` raises ``NotOffered``.
- Message bodies are validated (empty message -> 400/50006; content over 2000 chars,
  embed limits, more than 25 autocomplete choices -> 400/50035).
- An interaction must be answered within ``interaction_timeout`` s (3 s, as on Discord)
  and only once (400/40060), otherwise the callback gets 404/10062.
- The bot's own messages are echoed back as MESSAGE_CREATE/UPDATE/DELETE events.
- Errors inside the fake answer 400 (never 5xx, which discord.py retries for ~25 s) and are
  listed in ``fake.errors``.

Test-facing API (all waits time out, default 5 s, with a state dump in the message):

- lifecycle: ``start()``/``stop()``/``async with``, ``patch_discord()``, ``running(client)``,
  ``wait_until_connected()``, ``fast_ready(client)``; ``api_base``, ``gateway_url``.
- world: ``guild_id``, ``channel_id``, ``user_id``, ``bot_id``, ``application_id``;
  ``add_user``, ``add_guild``, ``add_role``, ``add_member``, ``add_channel``, ``add_thread``,
  ``dm_channel``, ``deny(channel_id, *permissions)``, ``channel_permissions``;
  state seen by users: ``messages``, ``history(channel_id)``, ``global_commands``,
  ``guild_commands``.
- inject: ``send_message``, ``send_slash``, ``send_autocomplete``, ``send_component``,
  ``send_modal_submit``, ``dispatch(event, data)``, ``send_op(op, data)``.
- observe: ``calls`` (RecordedCall list), ``wait_for_call``, ``wait_for_reply``,
  ``wait_for_interaction_response``, ``wait_for_followup``; ``gateway_log``,
  ``identify_count``, ``resume_count``, ``intents``, ``dropped_events``, ``errors``.
- faults: ``rate_limit(route)``, ``fail(route, status=500)``, ``delay(route, seconds)``,
  ``disconnect(code=4000)``. Routes are templates such as ``CREATE_MESSAGE``.

Sharding, as Discord does it: ``FakeDiscord(shards=N)`` makes GET /gateway/bot recommend N
shards; each IDENTIFY's ``"shard": [id, count]`` opens one session (its own socket, session
id and sequence), and events for guild G go only to the session of shard (G >> 22) % count
(READY and GUILD_CREATE list only that shard's guilds; DMs go to shard 0). A shard id outside
0..count-1 (or a count below 1) is closed with 4010 "Invalid shard". ``deliveries`` records
(shard id, event, payload) of every dispatch sent; ``guild_on_shard(shard, count)`` adds a
guild that falls on a given shard. One shard (the default) behaves as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import logging
import math
import mimetypes
import re
import secrets
import socket
import time
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import discord
import yarl
from aiohttp import BodyPartReader, WSMsgType, web
from discord.gateway import DiscordWebSocket
from discord.http import Route

__all__ = [
    "CREATE_MESSAGE",
    "EPHEMERAL",
    "INTERACTION_CALLBACK",
    "WEBHOOK_EXECUTE",
    "WEBHOOK_MESSAGE",
    "FakeDiscord",
    "Fault",
    "NotOffered",
    "RecordedCall",
    "RecordedFile",
    "command_problems",
    "fast_ready",
    "validate_commands",
]

log = logging.getLogger(__name__)

Json = dict[str, Any]
Handler = Callable[["RecordedCall"], Any]
ClientT = TypeVar("ClientT", bound=discord.Client)

API_VERSION = 10
DEFAULT_TIMEOUT = 5.0
DISCORD_EPOCH_MS = 1_420_070_400_000

EPHEMERAL = 1 << 6  # message flag
LOADING = 1 << 7  # message flag of a deferred ("thinking") response
_COMPONENTS_V2 = 1 << 15

_INTENT_GUILD_MESSAGES = 1 << 9
_INTENT_DIRECT_MESSAGES = 1 << 12
_INTENT_MESSAGE_CONTENT = 1 << 15

# Route templates, as recorded in RecordedCall.route (usable in fault injection).
CREATE_MESSAGE = "/channels/{channel_id}/messages"
INTERACTION_CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
WEBHOOK_EXECUTE = "/webhooks/{webhook_id}/{webhook_token}"
WEBHOOK_MESSAGE = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"

_BASIC_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
    use_application_commands=True,
    create_public_threads=True,
    change_nickname=True,
    connect=True,
    speak=True,
).value
_BOT_PERMISSIONS = _BASIC_PERMISSIONS | discord.Permissions(manage_messages=True).value
THREAD_TYPES = frozenset({10, 11, 12})  # announcement, public and private threads
_P = discord.Permissions


# --------------------------------------------------------------------------- records


@dataclass
class _Shard:
    """One gateway session of one shard: its socket, session, sequence and replay buffer."""

    shard_id: int
    count: int
    ws: web.WebSocketResponse | None = None
    session_id: str | None = None
    seq: int = 0
    sent: list[Json] = field(default_factory=list)
    pending: list[tuple[str, Json]] = field(default_factory=list)


def shard_of(guild_id: int | str | None, count: int) -> int:
    """Discord's rule: guild G's events go to shard (G >> 22) % count; DMs to shard 0."""
    return 0 if guild_id is None else (int(guild_id) >> 22) % max(count, 1)


@dataclass
class RecordedFile:
    """One uploaded file of a multipart request."""

    field: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass(repr=False)
class RecordedCall:
    """One REST request the bot made and what the fake answered.

    ``body`` is the JSON body (``payload_json`` for multipart); ``status`` stays 0 while the
    request is in flight; ``fault`` names an injected fault ("429", "500", "delay");
    ``peer`` is the client's (host, port), which tells apart bots in several processes.
    """

    index: int
    method: str
    path: str
    route: str
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None
    files: list[RecordedFile] = field(default_factory=list)
    status: int = 0
    response: Any = None
    fault: str | None = None
    received_at: float = 0.0
    peer: tuple[str, int] | None = None

    def __repr__(self) -> str:
        fault = f" fault={self.fault}" if self.fault else ""
        return f"<RecordedCall #{self.index} {self.method} {self.path} -> {self.status}{fault}>"

    @property
    def done(self) -> bool:
        """Whether the fake has answered."""
        return self.status != 0

    @property
    def ok(self) -> bool:
        """Whether the answer was a 2xx."""
        return 200 <= self.status < 300

    @property
    def message(self) -> Json:
        """The message-shaped payload: ``body["data"]`` for interaction callbacks, else body."""
        if not isinstance(self.body, dict):
            return {}
        if self.route == INTERACTION_CALLBACK:
            return self.body.get("data") or {}
        return self.body

    @property
    def callback_type(self) -> int | None:
        """Interaction callback type (4 reply, 5 defer, 6 deferred update, 7 update, 8, 9)."""
        if self.route == INTERACTION_CALLBACK and isinstance(self.body, dict):
            return self.body.get("type")
        return None

    @property
    def content(self) -> str | None:
        """The message content sent (None if absent)."""
        return self.message.get("content")

    @property
    def embeds(self) -> list[Json]:
        """The embeds sent."""
        return self.message.get("embeds") or []

    @property
    def flags(self) -> int:
        """Message flags sent (64 = ephemeral)."""
        return int(self.message.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Whether the message was sent ephemeral."""
        return bool(self.flags & EPHEMERAL)


class NotOffered(Exception):
    """Discord's client would not let the user send this: the synced command is not offered
    in this context (``contexts``), to this member (``default_member_permissions``), or an
    option's text is longer than its ``max_length``; or it was never synced. Raised by
    ``send_slash`` and friends."""


@dataclass
class Fault:
    """A scripted misbehaviour for the next ``times`` REST calls matching route/method."""

    route: str | None
    method: str | None
    times: int = 1
    status: int | None = None
    retry_after: float = 0.0
    delay: float = 0.0
    is_global: bool = False
    hits: int = 0

    def matches(self, call: RecordedCall) -> bool:
        """Whether this fault applies to ``call`` (and still has uses left)."""
        if self.hits >= self.times:
            return False
        if self.method is not None and self.method.upper() != call.method:
            return False
        return self.route is None or self.route in (call.route, call.path)


# --------------------------------------------------------------------------- helpers


def fast_ready(client: discord.Client, *, guild_ready_timeout: float = 0.0) -> None:
    """Stop discord.py waiting 2 s for further GUILD_CREATEs after READY on every start."""
    client._connection.guild_ready_timeout = guild_ready_timeout


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _error(status: int, code: int, message: str, errors: Json | None = None) -> tuple[int, Json]:
    body: Json = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return status, body


def _form_errors(problems: Mapping[str, tuple[str, str]]) -> Json:
    """Nest ``{"embeds.0.title": (code, msg)}`` the way Discord's 50035 errors look."""
    out: Json = {}
    for dotted, (code, msg) in problems.items():
        node = out
        for part in dotted.split(".") if dotted else ():  # "" is the object itself
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": code, "message": msg})
    return out


def _too_long(problems: dict[str, tuple[str, str]], key: str, value: Any, limit: int) -> int:
    text = "" if value is None else str(value)
    if len(text) > limit:
        problems[key] = ("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    return len(text)


def _validate_message(
    body: Json, files: Sequence[RecordedFile], *, edit: bool
) -> tuple[int, Json] | None:
    """Reject what Discord rejects, so over-long answers fail in tests, not in production."""
    problems: dict[str, tuple[str, str]] = {}
    content = body.get("content")
    _too_long(problems, "content", content, 2000)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems["embeds"] = ("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        p = f"embeds.{i}"
        total += _too_long(problems, f"{p}.title", embed.get("title"), 256)
        total += _too_long(problems, f"{p}.description", embed.get("description"), 4096)
        total += _too_long(
            problems, f"{p}.footer.text", (embed.get("footer") or {}).get("text"), 2048
        )
        total += _too_long(
            problems, f"{p}.author.name", (embed.get("author") or {}).get("name"), 256
        )
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems[f"{p}.fields"] = ("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, fld in enumerate(fields):
            total += _too_long(problems, f"{p}.fields.{j}.name", fld.get("name"), 256)
            total += _too_long(problems, f"{p}.fields.{j}.value", fld.get("value"), 1024)
    if total > 6000:
        problems["embeds"] = ("MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    components = body.get("components") or []
    if not int(body.get("flags") or 0) & _COMPONENTS_V2 and len(components) > 5:
        problems["components"] = ("BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    for i, row in enumerate(components):
        _validate_row(problems, f"components.{i}", row)
    if problems:
        return _error(400, 50035, "Invalid Form Body", _form_errors(problems))
    has_payload = content or embeds or files or components or body.get("sticker_ids")
    if not edit and not has_payload and not body.get("poll"):
        return _error(400, 50006, "Cannot send an empty message")
    return None


def _validate_row(problems: dict[str, tuple[str, str]], path: str, row: Json) -> None:
    """An action row as Discord checks it: at most 5 buttons or 1 select; custom_id 1-100,
    button labels up to 80, select options 1-25 with labels and values up to 100."""
    if row.get("type") != 1:
        return  # components v2 layouts are not used by factbot
    items = row.get("components") or []
    selects = [c for c in items if c.get("type") in (3, 5, 6, 7, 8)]
    if len(items) > 5 or (selects and len(items) > 1):
        problems[f"{path}.components"] = ("BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    for j, item in enumerate(items):
        where = f"{path}.components.{j}"
        custom_id = item.get("custom_id")
        if item.get("style") != 5 and not (
            isinstance(custom_id, str) and 1 <= len(custom_id) <= 100
        ):
            problems[f"{where}.custom_id"] = (
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        _too_long(problems, f"{where}.label", item.get("label"), 80)
        _too_long(problems, f"{where}.placeholder", item.get("placeholder"), 150)
        options = item.get("options") or []
        if item.get("type") == 3 and not 1 <= len(options) <= 25:
            problems[f"{where}.options"] = (
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 25 in length.",
            )
        for k, option in enumerate(options):
            _too_long(problems, f"{where}.options.{k}.label", option.get("label"), 100)
            _too_long(problems, f"{where}.options.{k}.value", option.get("value"), 100)
            _too_long(problems, f"{where}.options.{k}.description", option.get("description"), 100)


def _validate_choices(data: Json) -> tuple[int, Json] | None:
    problems: dict[str, tuple[str, str]] = {}
    choices = data.get("choices") or []
    if len(choices) > 25:
        problems["data.choices"] = ("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, choice in enumerate(choices):
        _too_long(problems, f"data.choices.{i}.name", choice.get("name"), 100)
        if isinstance(choice.get("value"), str):
            _too_long(problems, f"data.choices.{i}.value", choice.get("value"), 100)
    if problems:
        return _error(400, 50035, "Invalid Form Body", _form_errors(problems))
    return None


# Application commands, validated as Discord does when they are synced
# (https://discord.com/developers/docs/interactions/application-commands#registering-a-command).
COMMAND_NAME_MAX = 32
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHOICES_MAX = 25
COMMAND_TOTAL_MAX = 4000  # names, descriptions and choice values of a command, all together
COMMAND_STRING_MAX = 6000  # the largest min_length / max_length of a string option
GLOBAL_CHAT_COMMANDS_MAX = 100
_CONTEXTS = frozenset({0, 1, 2})  # guild, bot DM, private channel
_INSTALLS = frozenset({0, 1})  # guild install, user install
_SUBCOMMAND_TYPES = frozenset({1, 2})


def _valid_command_name(name: Any, *, chat_input: bool) -> bool:
    """^[-_\\p{L}\\p{N}]{1,32}$ (Python's re has no \\p{...}), lowercase where a letter has
    a lowercase form, for slash commands and their options."""
    if not isinstance(name, str) or not 1 <= len(name) <= COMMAND_NAME_MAX:
        return False
    if chat_input and name != name.lower():
        return False
    if not chat_input:
        return name.strip() == name and name != ""
    return all(c in "-_" or unicodedata.category(c)[0] in "LN" for c in name)


def _bad_length(
    problems: dict[str, tuple[str, str]], key: str, value: Any, lo: int, hi: int
) -> int:
    text = value if isinstance(value, str) else ""
    if not lo <= len(text) <= hi:
        problems[key] = ("BASE_TYPE_BAD_LENGTH", f"Must be between {lo} and {hi} in length.")
    return len(text)


def _check_choices(problems: dict[str, tuple[str, str]], at: str, option: Json) -> int:
    choices = option.get("choices") or []
    if len(choices) > COMMAND_CHOICES_MAX:
        problems[f"{at}.choices"] = ("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    if choices and option.get("autocomplete"):
        problems[f"{at}.autocomplete"] = (
            "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE",
            "Autocomplete cannot be enabled on options that have choices.",
        )
    size = 0
    for i, choice in enumerate(choices):
        size += _bad_length(problems, f"{at}.choices.{i}.name", choice.get("name"), 1, 100)
        value = choice.get("value")
        if isinstance(value, str):
            size += _bad_length(problems, f"{at}.choices.{i}.value", value, 1, 100)
        else:
            size += len(str(value))
    return size


def _check_lengths(problems: dict[str, tuple[str, str]], at: str, option: Json) -> None:
    for key, lo in (("min_length", 0), ("max_length", 1)):
        value = option.get(key)
        if value is None:
            continue
        if option.get("type") != 3 or not isinstance(value, int) or isinstance(value, bool):
            problems[f"{at}.{key}"] = ("NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
        elif value < lo:
            problems[f"{at}.{key}"] = (
                "NUMBER_TYPE_MIN",
                f"int value should be greater than or equal to {lo}.",
            )
        elif value > COMMAND_STRING_MAX:
            problems[f"{at}.{key}"] = (
                "NUMBER_TYPE_MAX",
                f"int value should be less than or equal to {COMMAND_STRING_MAX}.",
            )


def _check_options(problems: dict[str, tuple[str, str]], at: str, options: Any) -> int:
    """Options (recursively, for subcommands); returns their share of the total size."""
    if not isinstance(options, list):
        return 0
    if len(options) > COMMAND_OPTIONS_MAX:
        problems[at] = ("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    size = 0
    seen: set[str] = set()
    optional_seen = False
    for i, option in enumerate(options):
        here = f"{at}.{i}"
        name = option.get("name")
        if not _valid_command_name(name, chat_input=True):
            problems[f"{here}.name"] = (
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid",
            )
        elif name in seen:
            problems[f"{here}.name"] = (
                "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        seen.add(str(name))
        size += len(str(name or ""))
        size += _bad_length(problems, f"{here}.description", option.get("description"), 1, 100)
        if option.get("type") in _SUBCOMMAND_TYPES:
            size += _check_options(problems, f"{here}.options", option.get("options") or [])
            continue
        if option.get("required") and optional_seen:
            problems[f"{here}.required"] = (
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            )
        optional_seen = optional_seen or not option.get("required")
        _check_lengths(problems, here, option)
        size += _check_choices(problems, here, option)
    return size


def _check_enum_list(
    problems: dict[str, tuple[str, str]], key: str, value: Any, allowed: frozenset[int]
) -> None:
    if value is None:
        return
    if not isinstance(value, list) or not value:
        problems[key] = ("BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
        return
    for i, item in enumerate(value):
        if item not in allowed or isinstance(item, bool):
            problems[f"{key}.{i}"] = (
                "ENUM_TYPE_COERCE",
                f'Value "{item}" is not a valid enum value.',
            )


def command_problems(cmd: Json) -> dict[str, tuple[str, str]]:
    """What Discord refuses in one application command: {"field.path": (code, message)}."""
    problems: dict[str, tuple[str, str]] = {}
    ctype = cmd.get("type", 1)
    chat_input = ctype == 1
    if not _valid_command_name(cmd.get("name"), chat_input=chat_input):
        problems["name"] = ("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    size = len(str(cmd.get("name") or ""))
    if chat_input:
        size += _bad_length(problems, "description", cmd.get("description"), 1, 100)
        size += _check_options(problems, "options", cmd.get("options") or [])
    elif cmd.get("description") or cmd.get("options"):
        problems["description"] = (
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
            "Context menu commands cannot have description or options",
        )
    if size > COMMAND_TOTAL_MAX:
        problems[""] = (
            "APPLICATION_COMMAND_TOO_LARGE",
            f"Command exceeds maximum size ({COMMAND_TOTAL_MAX})",
        )
    permissions = cmd.get("default_member_permissions")
    if permissions is not None and not str(permissions).isdigit():
        problems["default_member_permissions"] = (
            "NUMBER_TYPE_COERCE",
            f'Value "{permissions}" is not snowflake.',
        )
    _check_enum_list(problems, "contexts", cmd.get("contexts"), _CONTEXTS)
    _check_enum_list(problems, "integration_types", cmd.get("integration_types"), _INSTALLS)
    return problems


def _join(prefix: str, key: str) -> str:
    return ".".join(p for p in (prefix, key) if p)


def validate_commands(commands: Any, *, bulk: bool) -> tuple[int, Json] | None:
    """A 400 with Discord's error body for a command list (bulk) or one command it refuses."""
    if bulk and not isinstance(commands, list):
        problem = ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return _error(400, 50035, "Invalid Form Body", _form_errors({"": problem}))
    items = commands if bulk else [commands]
    problems: dict[str, tuple[str, str]] = {}
    names: set[tuple[int, str]] = set()
    for i, cmd in enumerate(items):
        at = str(i) if bulk else ""
        if not isinstance(cmd, dict):
            problems[at] = ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        for key, problem in command_problems(cmd).items():
            problems[_join(at, key)] = problem
        name = (cmd.get("type", 1), str(cmd.get("name")))
        if name in names:
            problems[_join(at, "name")] = (
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            )
        names.add(name)
    chat = sum(1 for c in items if isinstance(c, dict) and c.get("type", 1) == 1)
    if chat > GLOBAL_CHAT_COMMANDS_MAX:
        problems[""] = (
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {GLOBAL_CHAT_COMMANDS_MAX} or fewer in length.",
        )
    if problems:
        return _error(400, 50035, "Invalid Form Body", _form_errors(problems))
    return None


def _compile(template: str) -> re.Pattern[str]:
    """``/channels/{channel_id}`` -> regex; ``{rest:.+}`` takes a custom pattern."""

    def repl(m: re.Match[str]) -> str:
        name, _, pattern = m.group(1).partition(":")
        return f"(?P<{name}>{pattern or '[^/]+'})"

    return re.compile("^" + re.sub(r"\{([^}]+)\}", repl, template) + "$")


class _Snowflakes:
    """Real-looking snowflakes (19 digits, time-ordered) so mention converters accept them."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._last = 0

    def __call__(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = max((ms << 22) | (next(self._counter) & 0x3FFFFF), self._last + 1)
        self._last = value
        return value

    def at_least(self, value: int) -> None:
        """Never hand out `value` or anything before it (an id made by hand)."""
        self._last = max(self._last, value)


# --------------------------------------------------------------------------- the fake


class FakeDiscord:
    """An aiohttp server speaking enough of Discord's REST v10 + gateway for discord.py.

    A default guild (``guild_id``), text channel (``channel_id``) and human user
    (``user_id``, the guild owner) exist from the start; the bot user is ``bot_user``
    and ``application_id`` equals its id, as on Discord. Model more with ``add_*``
    before the bot connects (they are sent in GUILD_CREATE).
    """

    def __init__(
        self,
        *,
        bot_name: str = "FactBot",
        interaction_timeout: float | None = 3.0,
        heartbeat_interval: float = 41.25,
        bot_permissions: int = _BOT_PERMISSIONS,
        patch: bool = True,
        only_synced: bool = True,
        shards: int = 1,
    ) -> None:
        self.new_id = _Snowflakes()
        # Discord's client offers only synced commands: an interaction for one never synced
        # (globally or to the channel's guild) cannot be sent (False: the fake makes one up).
        self.only_synced = only_synced
        self.interaction_timeout = interaction_timeout
        self.heartbeat_interval = heartbeat_interval
        self._patch = patch
        self.shard_count = shards  # what GET /gateway/bot recommends

        self.calls: list[RecordedCall] = []
        self.gateway_log: list[Json] = []
        self.identify_count = 0
        self.resume_count = 0
        self.intents: int | None = None
        self.dropped_events: list[str] = []
        self.errors: list[str] = []
        self.refused: list[tuple[int, list[str]]] = []  # (channel, missing permissions) 403s
        self.deliveries: list[tuple[int, str, Json]] = []  # (shard id, event, payload) sent

        self.users: dict[int, Json] = {}
        self.guilds: dict[int, Json] = {}
        self.channels: dict[int, Json] = {}
        self.messages: dict[int, Json] = {}
        self.global_commands: list[Json] = []
        self.guild_commands: dict[int, list[Json]] = {}
        self._interactions: dict[int, Json] = {}
        self._faults: list[Fault] = []

        self._routes: list[tuple[str, str, re.Pattern[str], Handler]] = []
        self._register_routes()

        self._runner: web.AppRunner | None = None
        self._port = 0
        self._exit = contextlib.ExitStack()
        self._sockets: set[web.WebSocketResponse] = set()
        self._shards: dict[int, _Shard] = {}  # by shard id
        self._gw_lock = asyncio.Lock()
        self._connected = asyncio.Event()
        self._changed = asyncio.Event()
        self._mark = 0

        self.bot_id = self.new_id()
        self.application_id = self.bot_id
        self.bot_user: Json = self._user_payload(self.bot_id, bot_name, bot=True)
        self.bot_user.update(verified=True, mfa_enabled=False, email=None, locale="en-US")
        self.users[self.bot_id] = self.bot_user
        self.user_id = self.add_user("alice")
        self.guild_id = self.add_guild("Analysts", owner_id=self.user_id)
        self.bot_role_id = self.add_role(bot_name, permissions=bot_permissions, managed=True)
        self.add_member(self.bot_id, roles=[self.bot_role_id])
        self.channel_id = self.add_channel("general")

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        """The bound TCP port (0 before start)."""
        return self._port

    @property
    def api_base(self) -> str:
        """REST base URL, what ``discord.http.Route.BASE`` must be."""
        return f"http://127.0.0.1:{self._port}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """Gateway websocket URL (no query string)."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    async def start(self) -> FakeDiscord:
        """Bind a free port on 127.0.0.1, serve, and (unless patch=False) patch discord.py."""
        if self._runner is not None:
            return self
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v{version}/{tail:.*}", self._rest)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handle_signals=False)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
        self._runner = runner
        if self._patch:
            self._exit.enter_context(self.patch_discord())
        return self

    async def stop(self) -> None:
        """Close websockets, stop the server and undo the patch. Idempotent."""
        self._exit.close()
        runner, self._runner = self._runner, None
        if runner is None:
            return
        for shard in self._shards.values():
            shard.ws = None
        self._connected.clear()
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(code=1001, message=b"fake stopping"), 2.0)
        await runner.cleanup()

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point ``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` here; restore on exit."""
        if not self._port:
            raise RuntimeError("start() the fake before patching discord.py")
        old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = self.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway

    @contextlib.asynccontextmanager
    async def running(
        self, client: ClientT, token: str = "fake-token", *, timeout: float = DEFAULT_TIMEOUT
    ) -> AsyncIterator[ClientT]:
        """Run ``client.start(token)`` until READY; on exit close it and re-raise its crash."""
        fast_ready(client)
        task = asyncio.create_task(client.start(token), name="fakediscord-client")
        body_failed = True
        try:
            deadline = asyncio.get_running_loop().time() + timeout
            while not client.is_ready():
                if task.done():
                    task.result()
                    raise RuntimeError("client.start() returned before READY")
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(f"client not ready after {timeout}s\n{self.describe()}")
                await asyncio.sleep(0.005)
            yield client
            body_failed = False
        finally:
            error: BaseException | None = None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), timeout)
            try:
                await asyncio.wait_for(task, timeout)
            except Exception as exc:
                error = exc
            if error is not None and not body_failed:
                raise error

    async def wait_until_connected(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until a gateway session is live (after READY or RESUMED was sent) for every
        shard of the count the client identified with."""
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no live gateway session after {timeout}s\n{self.describe()}"
            ) from None

    # ------------------------------------------------------------------ world model

    @staticmethod
    def _user_payload(uid: int, name: str, *, bot: bool = False) -> Json:
        return {
            "id": str(uid),
            "username": name,
            "discriminator": "0",
            "global_name": None if bot else name.title(),
            "avatar": None,
            "bot": bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }

    def add_user(self, name: str = "user", *, bot: bool = False) -> int:
        """Create a user (not yet a guild member) and return its id."""
        uid = self.new_id()
        self.users[uid] = self._user_payload(uid, name, bot=bot)
        return uid

    def add_guild(
        self,
        name: str = "Guild",
        *,
        owner_id: int | None = None,
        shard: tuple[int, int] | None = None,
    ) -> int:
        """Create a guild with an @everyone role, the owner and the bot as members;
        ``shard=(id, count)`` picks an id whose events go to that shard."""
        gid = self.new_id()
        if shard is not None:
            sid, count = shard
            gid += ((sid - shard_of(gid, count)) % count) << 22  # a few ms later
            self.new_id.at_least(gid)
        owner = owner_id or self.user_id
        everyone = {"id": str(gid), "name": "@everyone", "permissions": str(_BASIC_PERMISSIONS)}
        self.guilds[gid] = {"id": gid, "name": name, "owner_id": owner, "roles": {}, "members": {}}
        self._store_role(gid, everyone)
        self.add_member(owner, guild_id=gid)
        self.add_member(self.bot_id, guild_id=gid)
        return gid

    def _store_role(self, gid: int, role: Json) -> None:
        base = {
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": len(self.guilds[gid]["roles"]),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        self.guilds[gid]["roles"][int(role["id"])] = base | role

    def add_role(
        self,
        name: str,
        *,
        guild_id: int | None = None,
        permissions: int = 0,
        managed: bool = False,
    ) -> int:
        """Create a role in a guild (default guild) and return its id."""
        rid = self.new_id()
        gid = guild_id or self.guild_id
        role = {"id": str(rid), "name": name, "permissions": str(permissions), "managed": managed}
        self._store_role(gid, role)
        return rid

    def add_member(
        self,
        user_id: int,
        *,
        guild_id: int | None = None,
        roles: Sequence[int] = (),
        nick: str | None = None,
    ) -> Json:
        """Make a user a guild member (or update its roles/nick); returns the member payload."""
        gid = guild_id or self.guild_id
        member = {
            "user": self.users[user_id],
            "roles": [str(r) for r in roles],
            "nick": nick,
            "avatar": None,
            "banner": None,
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        self.guilds[gid]["members"][user_id] = member
        return member

    def add_channel(
        self, name: str = "general", *, guild_id: int | None = None, type: int = 0
    ) -> int:
        """Create a guild channel (0 text, 2 voice, 4 category, 5 news) and return its id."""
        cid = self.new_id()
        gid = guild_id or self.guild_id
        position = sum(1 for c in self.channels.values() if c.get("guild_id") == str(gid))
        self.channels[cid] = {
            "id": str(cid),
            "type": type,
            "guild_id": str(gid),
            "name": name,
            "position": position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if type == 2:
            self.channels[cid].update(bitrate=64000, user_limit=0, rtc_region=None)
        return cid

    def add_thread(self, parent_id: int, name: str = "thread", *, type: int = 11) -> int:
        """Create a thread under a text channel (sent in GUILD_CREATE's ``threads``)."""
        parent = self.channels[parent_id]
        cid = self.add_channel(name, guild_id=int(parent["guild_id"]), type=type)
        self.channels[cid].update(
            parent_id=str(parent_id),
            owner_id=str(self.user_id),
            message_count=0,
            member_count=1,
            thread_metadata={
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": _now_iso(),
                "locked": False,
                "invitable": True,
            },
        )
        return cid

    def deny(self, channel_id: int, *permissions: str, user_id: int | None = None) -> None:
        """Deny permissions (``discord.Permissions`` names) to the bot (or a user) in a channel,
        as a member overwrite. Set before the bot connects, so it knows, or after, so it
        finds out from the 403."""
        target = str(user_id or self.bot_id)
        bits = _P(**dict.fromkeys(permissions, True)).value
        overwrites = self.channels[channel_id]["permission_overwrites"]
        for ow in overwrites:
            if ow["id"] == target and ow["type"] == 1:
                ow["deny"] = str(int(ow["deny"]) | bits)
                return
        overwrites.append({"id": target, "type": 1, "allow": "0", "deny": str(bits)})

    def channel_permissions(self, user_id: int, channel_id: int) -> int:
        """A member's permissions in a channel: guild roles, then the channel's overwrites."""
        channel = self.channels[channel_id]
        if channel["type"] in THREAD_TYPES:
            channel = self.channels[int(channel["parent_id"])]
        gid = int(channel["guild_id"])
        value = self.permissions(user_id, gid)
        if value == _P.all().value:
            return value
        member = self.guilds[gid]["members"].get(user_id) or {"roles": []}
        overwrites = {(ow["type"], ow["id"]): ow for ow in channel["permission_overwrites"]}

        def apply(value: int, found: list[Json]) -> int:
            deny = allow = 0
            for ow in found:
                deny |= int(ow["deny"])
                allow |= int(ow["allow"])
            return (value & ~deny) | allow

        value = apply(value, [ow for ow in [overwrites.get((0, str(gid)))] if ow])
        roles = [overwrites.get((0, str(r))) for r in member["roles"]]
        value = apply(value, [ow for ow in roles if ow])
        return apply(value, [ow for ow in [overwrites.get((1, str(user_id)))] if ow])

    def _missing_permissions(
        self, channel_id: int, body: Json, files: Sequence[RecordedFile], *, edit: bool = False
    ) -> tuple[int, Json] | None:
        """403/50013 when the bot lacks a permission this message needs, as on Discord."""
        channel = self.channels[channel_id]
        if "guild_id" not in channel:
            return None
        thread = channel["type"] in THREAD_TYPES
        need = _P(view_channel=True)
        if not edit:
            need.send_messages_in_threads, need.send_messages = thread, not thread
        if body.get("embeds"):
            need.embed_links = True
        if files:
            need.attach_files = True
        if (body.get("message_reference") or {}).get("message_id"):
            need.read_message_history = True
        missing = need.value & ~self.channel_permissions(self.bot_id, channel_id)
        if missing:
            names = [name for name, on in _P(missing) if on]
            self.refused.append((channel_id, names))
            return _error(403, 50013, "Missing Permissions")
        return None

    def dm_channel(self, user_id: int) -> int:
        """Return (creating if needed) the DM channel between the bot and a user."""
        for cid, ch in self.channels.items():
            if ch["type"] == 1 and ch["recipients"][0]["id"] == str(user_id):
                return cid
        cid = self.new_id()
        recipients = [self.users[user_id]]
        self.channels[cid] = {"id": str(cid), "type": 1, "recipients": recipients, "flags": 0}
        self.channels[cid]["last_message_id"] = None
        return cid

    def guild_payload(self, guild_id: int) -> Json:
        """The full GUILD_CREATE payload of a guild."""
        g = self.guilds[guild_id]
        gid = str(guild_id)
        channels = [c for c in self.channels.values() if c.get("guild_id") == gid]
        threads = [c for c in channels if c["type"] in THREAD_TYPES]
        channels = [c for c in channels if c["type"] not in THREAD_TYPES]
        return {
            "id": gid,
            "name": g["name"],
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(g["owner_id"]),
            "features": [],
            "roles": list(g["roles"].values()),
            "channels": channels,
            "threads": threads,
            "members": list(g["members"].values()),
            "member_count": len(g["members"]),
            "presences": [],
            "voice_states": [],
            "emojis": [],
            "stickers": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "joined_at": _now_iso(),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "incidents_data": None,
        }

    def permissions(self, user_id: int, guild_id: int | None = None) -> int:
        """A member's guild-level permissions (owner/administrator -> all)."""
        gid = guild_id or self.guild_id
        g = self.guilds[gid]
        if user_id == g["owner_id"]:
            return discord.Permissions.all().value
        member = g["members"].get(user_id) or {"roles": []}
        value = int(g["roles"][gid]["permissions"])
        for rid in member["roles"]:
            role = g["roles"].get(int(rid))
            if role is not None:
                value |= int(role["permissions"])
        if value & discord.Permissions(administrator=True).value:
            return discord.Permissions.all().value
        return value

    def history(self, channel_id: int | None = None) -> list[Json]:
        """Messages currently in a channel (oldest first), as a user would scroll them."""
        cid = str(channel_id or self.channel_id)
        return sorted(
            (m for m in self.messages.values() if m["channel_id"] == cid),
            key=lambda m: int(m["id"]),
        )

    # ------------------------------------------------------------------ injecting events

    async def dispatch(self, event: str, data: Json) -> None:
        """Send a raw gateway DISPATCH (buffered until a session is live)."""
        async with self._gw_lock:
            self._mark = len(self.calls)
            await self._route(event, data)

    async def send_op(self, op: int, data: Any = None, *, shard: int = 0) -> None:
        """Send a raw non-dispatch op, e.g. 7 (RECONNECT) or 9 (INVALID_SESSION, data=False)."""
        async with self._gw_lock:
            ws = self._ws(shard)
            if ws is not None:
                await self._send_json(ws, {"op": op, "d": data})

    async def disconnect(self, code: int = 4000, *, shard: int = 0) -> None:
        """Close a shard's gateway socket mid-session; with a resumable code discord.py
        RESUMEs."""
        async with self._gw_lock:
            ws = self._ws(shard)
            if ws is not None:
                self._shards[shard].ws = None
            self._update_connected()
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(code=code, message=b"fake disconnect"), 2.0)

    async def send_message(
        self,
        content: str,
        *,
        channel_id: int | None = None,
        author: int | None = None,
        roles: Sequence[int] | None = None,
        dm: bool = False,
        reply_to: int | Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Json:
        """A user posts ``content`` (MESSAGE_CREATE); returns the message payload.

        ``roles`` sets the author's member roles, ``dm=True`` posts in the author's DM,
        ``reply_to`` makes it a reply, ``extra`` is merged into the payload.
        """
        uid = author or self.user_id
        cid = self.dm_channel(uid) if dm else (channel_id or self.channel_id)
        channel = self.channels[cid]
        gid = int(channel["guild_id"]) if "guild_id" in channel else None
        msg = self._base_message(cid, self.users[uid], content)
        if gid is not None:
            member = self.guilds[gid]["members"].get(uid) or self.add_member(uid, guild_id=gid)
            if roles is not None:
                member["roles"] = [str(r) for r in roles]
            msg["guild_id"] = str(gid)
            msg["member"] = {k: v for k, v in member.items() if k != "user"}
        for m in re.finditer(r"<@!?(\d+)>", content):
            mentioned = self.users.get(int(m.group(1)))
            if mentioned is not None:
                entry = dict(mentioned)
                if gid is not None and int(m.group(1)) in self.guilds[gid]["members"]:
                    member = self.guilds[gid]["members"][int(m.group(1))]
                    entry["member"] = {k: v for k, v in member.items() if k != "user"}
                msg["mentions"].append(entry)
        msg["mention_roles"] = re.findall(r"<@&(\d+)>", content)
        msg["mention_everyone"] = "@everyone" in content or "@here" in content
        if reply_to is not None:
            self._attach_reference(msg, {"message_id": self._message_id(reply_to)})
        if extra:
            msg.update(extra)
        self.messages[int(msg["id"])] = msg
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    async def send_slash(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        channel_id: int | None = None,
        user: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
    ) -> Json:
        """A user runs ``/name`` (INTERACTION_CREATE type 2); returns the interaction payload.

        ``options`` is ``{name: value}`` (types from the synced command, else inferred) or
        raw option dicts. User/role/channel values are ids and get ``resolved`` data.
        """
        return await self._command_interaction(2, name, options, None, channel_id, user, dm, locale)

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        focused: str | None = None,
        channel_id: int | None = None,
        user: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
    ) -> Json:
        """A user types into an option (INTERACTION_CREATE type 4).

        ``focused`` names the option being typed (default: the last one, unless a raw
        option dict already carries ``focused=True``).
        """
        return await self._command_interaction(
            4, name, options, focused, channel_id, user, dm, locale
        )

    async def send_component(
        self,
        message: Mapping[str, Any] | RecordedCall | int,
        custom_id: str,
        *,
        component_type: int = 2,
        values: Sequence[Any] | None = None,
        user: int | None = None,
        locale: str = "en-US",
    ) -> Json:
        """A user presses a button (type 2) or picks select ``values`` on a bot message.

        ``message`` is the message payload, its id, or the RecordedCall that created it.
        """
        msg = self.messages[self._message_id(message)]
        data: Json = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = [str(v) for v in values]
        cid = int(msg["channel_id"])
        return await self._new_interaction(3, data, cid, user or self.user_id, locale, message=msg)

    async def send_modal_submit(
        self,
        custom_id: str,
        values: Mapping[str, str],
        *,
        channel_id: int | None = None,
        user: int | None = None,
        locale: str = "en-US",
    ) -> Json:
        """A user submits a modal: ``values`` maps text-input custom_ids to their text."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": cid, "value": value}]}
            for cid, value in values.items()
        ]
        data = {"custom_id": custom_id, "components": rows}
        uid = user or self.user_id
        return await self._new_interaction(5, data, channel_id or self.channel_id, uid, locale)

    # ------------------------------------------------------------------ waiting

    async def wait_for_call(
        self,
        predicate: Callable[[RecordedCall], bool] | None = None,
        *,
        method: str | None = None,
        route: str | None = None,
        ok: bool | None = None,
        since: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> RecordedCall:
        """First answered call matching all filters, waiting up to ``timeout`` seconds.

        ``route`` matches the template or the concrete path; ``ok=True`` skips non-2xx
        answers; ``since`` is an index into ``calls`` (default: calls made after the last
        injected event, so a stale reply never satisfies the wait).
        """
        start = self._mark if since is None else since
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            changed = self._changed
            for call in self.calls[start:]:
                if not call.done:
                    continue
                if method is not None and call.method != method.upper():
                    continue
                if route is not None and route not in (call.route, call.path):
                    continue
                if ok is not None and call.ok != ok:
                    continue
                if predicate is None or predicate(call):
                    return call
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                wanted = " ".join(
                    f"{k}={v}" for k, v in (("method", method), ("route", route)) if v
                )
                raise TimeoutError(f"no call {wanted} after {timeout}s\n{self.describe()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def wait_for_reply(
        self,
        channel_id: int | None = None,
        *,
        since: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> RecordedCall:
        """The bot's next successful ``POST /channels/{id}/messages`` (any channel if None)."""
        cid = None if channel_id is None else str(channel_id)
        return await self.wait_for_call(
            lambda c: cid is None or c.params.get("channel_id") == cid,
            method="POST",
            route=CREATE_MESSAGE,
            ok=True,
            since=since,
            timeout=timeout,
        )

    async def wait_for_interaction_response(
        self, interaction: Mapping[str, Any] | int | str, *, timeout: float = DEFAULT_TIMEOUT
    ) -> RecordedCall:
        """The successful ``POST /interactions/{id}/{token}/callback`` of one interaction."""
        iid = str(interaction["id"] if isinstance(interaction, Mapping) else interaction)
        return await self.wait_for_call(
            lambda c: c.params.get("interaction_id") == iid,
            route=INTERACTION_CALLBACK,
            ok=True,
            since=0,
            timeout=timeout,
        )

    async def wait_for_followup(
        self, interaction: Mapping[str, Any], *, timeout: float = DEFAULT_TIMEOUT
    ) -> RecordedCall:
        """The next successful followup send or @original edit of an interaction (after defer)."""
        token = interaction["token"]
        return await self.wait_for_call(
            lambda c: c.params.get("webhook_token") == token and c.method in ("POST", "PATCH"),
            ok=True,
            timeout=timeout,
        )

    def describe(self) -> str:
        """A short state dump for timeout messages: connection, last calls, dropped events."""
        live = sorted(i for i, s in self._shards.items() if s.ws is not None)
        pending = sum(len(s.pending) for s in self._shards.values())
        lines = [
            f"gateway: live shards={live} identifies={self.identify_count} "
            f"resumes={self.resume_count} intents={self.intents} pending={pending}",
        ]
        lines += [f"  {c!r} route={c.route}" for c in self.calls[-8:]]
        lines += [f"  dropped: {d}" for d in self.dropped_events[-5:]]
        lines += [f"  fake error: {e}" for e in self.errors[-5:]]
        return "\n".join(lines)

    # ------------------------------------------------------------------ fault injection

    def rate_limit(
        self,
        route: str | None,
        *,
        method: str | None = None,
        retry_after: float = 0.2,
        times: int = 1,
        is_global: bool = False,
    ) -> Fault:
        """Answer the next ``times`` matching calls with 429 + ``retry_after`` (as Discord does)."""
        return self._add_fault(Fault(route, method, times, 429, retry_after, is_global=is_global))

    def fail(
        self, route: str | None, *, method: str | None = None, status: int = 500, times: int = 1
    ) -> Fault:
        """Answer the next ``times`` matching calls with ``status`` (5xx: discord.py retries)."""
        return self._add_fault(Fault(route, method, times, status))

    def delay(
        self, route: str | None, seconds: float, *, method: str | None = None, times: int = 1
    ) -> Fault:
        """Answer the next ``times`` matching calls normally but only after ``seconds``."""
        return self._add_fault(Fault(route, method, times, delay=seconds))

    def _add_fault(self, fault: Fault) -> Fault:
        self._faults.append(fault)
        return fault

    # ------------------------------------------------------------------ gateway internals

    async def _send_json(self, ws: web.WebSocketResponse, payload: Json) -> bool:
        try:
            await ws.send_str(json.dumps(payload))
        except (ConnectionError, RuntimeError):
            self._forget(ws)
            return False
        return True

    def _visible(self, event: str, data: Json) -> Json | None:
        """Apply intents the way Discord does; None means the bot would not get the event."""
        if not event.startswith("MESSAGE_") or self.intents is None:
            return data
        in_guild = "guild_id" in data
        needed = _INTENT_GUILD_MESSAGES if in_guild else _INTENT_DIRECT_MESSAGES
        if not self.intents & needed:
            return None
        if (
            event in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
            and not self.intents & _INTENT_MESSAGE_CONTENT
        ):
            author = (data.get("author") or {}).get("id")
            mentioned = any(m.get("id") == str(self.bot_id) for m in data.get("mentions") or [])
            if in_guild and author != str(self.bot_id) and not mentioned:
                data = data | {"content": "", "embeds": [], "attachments": [], "components": []}
        return data

    async def _send_dispatch(self, shard: _Shard, event: str, data: Json) -> None:
        """Send one DISPATCH on a shard's session with its next sequence number; caller
        holds ``_gw_lock``."""
        visible = self._visible(event, data)
        if visible is None:
            self.dropped_events.append(f"{event} (bot lacks the intent, intents={self.intents})")
            return
        shard.seq += 1
        payload = {"op": 0, "t": event, "s": shard.seq, "d": visible}
        shard.sent.append(payload)
        self.deliveries.append((shard.shard_id, event, visible))
        if shard.ws is not None:
            await self._send_json(shard.ws, payload)

    async def _flush_pending(self, shard: _Shard) -> None:
        pending, shard.pending = shard.pending, []
        for event, data in pending:
            await self._send_dispatch(shard, event, data)

    def _count(self) -> int:
        """The shard count events are routed by: the clients', else the recommended one."""
        counts = [s.count for s in self._shards.values() if s.session_id is not None]
        return counts[-1] if counts else self.shard_count

    def _shard(self, shard_id: int) -> _Shard:
        return self._shards.setdefault(shard_id, _Shard(shard_id, self._count()))

    def _ws(self, shard_id: int) -> web.WebSocketResponse | None:
        shard = self._shards.get(shard_id)
        return shard.ws if shard is not None else None

    async def _route(self, event: str, data: Json) -> None:
        """Send an event on the session of the shard its guild falls on (buffered until that
        shard is live); caller holds ``_gw_lock``."""
        shard = self._shard(shard_of(data.get("guild_id"), self._count()))
        if shard.ws is None:
            shard.pending.append((event, data))
        else:
            await self._send_dispatch(shard, event, data)

    def _forget(self, ws: web.WebSocketResponse) -> None:
        """The socket is gone: its shard is no longer live."""
        for shard in self._shards.values():
            if shard.ws is ws:
                shard.ws = None
        self._update_connected()

    def _update_connected(self) -> None:
        """Connected once every shard of the clients' count has a live session."""
        count = self._count()
        live = all(self._ws(i) is not None for i in range(count))
        if live:
            self._connected.set()
        else:
            self._connected.clear()

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, timeout=2.0)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            interval = int(self.heartbeat_interval * 1000)
            await self._send_json(ws, {"op": 10, "d": {"heartbeat_interval": interval}})
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    await self._on_gateway_message(ws, json.loads(msg.data))
                except Exception as exc:
                    log.exception("fakediscord gateway error")
                    self.errors.append(f"gateway: {exc!r}")
        finally:
            self._sockets.discard(ws)
            self._forget(ws)
        return ws

    async def _on_gateway_message(self, ws: web.WebSocketResponse, msg: Json) -> None:
        self.gateway_log.append(msg)
        op, data = msg.get("op"), msg.get("d")
        if op == 1:
            await self._send_json(ws, {"op": 11})
        elif op == 2:
            await self._identify(ws, data or {})
        elif op == 6:
            await self._resume(ws, data or {})
        elif op == 8:
            async with self._gw_lock:
                for shard in self._shards.values():
                    if shard.ws is ws:
                        chunk = self._members_chunk(data or {})
                        await self._send_dispatch(shard, "GUILD_MEMBERS_CHUNK", chunk)

    @staticmethod
    def _valid_shard(value: Any) -> tuple[int, int] | None:
        """IDENTIFY's ``[shard id, shard count]`` if Discord would accept it."""
        if not (isinstance(value, list) and len(value) == 2):
            return None
        sid, count = value
        if type(sid) is not int or type(count) is not int or count < 1 or not 0 <= sid < count:
            return None
        return sid, count

    async def _identify(self, ws: web.WebSocketResponse, data: Json) -> None:
        async with self._gw_lock:
            self.identify_count += 1
            valid = self._valid_shard(data.get("shard") or [0, 1])
            if valid is None:
                self.errors.append(f"gateway: invalid shard {data.get('shard')!r}")
                await ws.close(code=4010, message=b"Invalid shard")
                return
            sid, count = valid
            self.intents = data.get("intents")
            shard = self._shard(sid)
            shard.count, shard.ws, shard.seq, shard.sent = count, ws, 0, []
            shard.session_id = secrets.token_hex(16)
            mine = [gid for gid in self.guilds if shard_of(gid, count) == sid]
            ready = {
                "v": API_VERSION,
                "user": self.bot_user,
                "guilds": [{"id": str(gid), "unavailable": True} for gid in mine],
                "session_id": shard.session_id,
                "resume_gateway_url": self.gateway_url,
                "session_type": "normal",
                "shard": [sid, count],
                "application": {
                    "id": str(self.application_id),
                    "flags": (1 << 13) | (1 << 15) | (1 << 19),
                },
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
                "_trace": ["fakediscord"],
            }
            await self._send_dispatch(shard, "READY", ready)
            for gid in mine:
                await self._send_dispatch(shard, "GUILD_CREATE", self.guild_payload(gid))
            await self._flush_pending(shard)
            self._update_connected()

    async def _resume(self, ws: web.WebSocketResponse, data: Json) -> None:
        async with self._gw_lock:
            wanted = data.get("session_id")
            found = [s for s in self._shards.values() if wanted and s.session_id == wanted]
            if not found:
                await self._send_json(ws, {"op": 9, "d": False})
                return
            shard = found[0]
            self.resume_count += 1
            shard.ws = ws
            seq = data.get("seq") or 0
            for payload in [p for p in shard.sent if p["s"] > seq]:
                await self._send_json(ws, payload)
            await self._send_dispatch(shard, "RESUMED", {"_trace": ["fakediscord"]})
            await self._flush_pending(shard)
            self._update_connected()

    def _members_chunk(self, data: Json) -> Json:
        gid = int(data.get("guild_id") or self.guild_id)
        members = list(self.guilds.get(gid, {"members": {}})["members"].values())
        user_ids = data.get("user_ids")
        not_found: list[str] = []
        if user_ids is not None:
            wanted = {str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m["user"]["id"] in wanted]
            not_found = sorted(wanted - {m["user"]["id"] for m in members})
        else:
            query = str(data.get("query") or "").lower()
            members = [
                m
                for m in members
                if m["user"]["username"].lower().startswith(query)
                or (m.get("nick") or "").lower().startswith(query)
            ]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: Json = {
            "guild_id": str(gid),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": not_found,
        }
        if data.get("presences"):
            chunk["presences"] = []
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        return chunk

    # ------------------------------------------------------------------ interactions internals

    def _find_command(self, name: str, guild_id: int | None) -> Json | None:
        if guild_id is not None:
            for cmd in self.guild_commands.get(guild_id, []):
                if cmd["name"] == name:
                    return cmd
        for cmd in self.global_commands:
            if cmd["name"] == name:
                return cmd
        return None

    def _options(
        self,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        definition: Json | None,
        focused: str | None,
        autocomplete: bool,
    ) -> list[Json]:
        if options is None:
            items: list[Json] = []
        elif isinstance(options, Mapping):
            items = [{"name": k, "value": v} for k, v in options.items()]
        else:
            items = [dict(o) for o in options]
        defs = {o["name"]: o for o in (definition or {}).get("options") or []}
        if autocomplete and items and focused is None and not any(o.get("focused") for o in items):
            focused = items[-1]["name"]
        for item in items:
            if "type" not in item:
                known = defs.get(item["name"], {}).get("type")
                item["type"] = known or self._infer_option_type(item.get("value"))
            if item["type"] in (6, 7, 8, 9, 11) and item.get("value") is not None:
                item["value"] = str(item["value"])
            if focused is not None and item["name"] == focused:
                item["focused"] = True
                item["value"] = "" if item.get("value") is None else str(item["value"])
        return items

    def _check_offered(
        self, definition: Json, options: list[Json], guild_id: int | None, user_id: int
    ) -> None:
        """What Discord's client enforces before an interaction is ever sent."""
        name = definition["name"]
        contexts = definition.get("contexts")
        context = 0 if guild_id is not None else 1
        if contexts is not None and context not in contexts:
            where = "in servers" if context == 0 else "in DMs"
            raise NotOffered(f"/{name} is not offered {where} (contexts {contexts})")
        if guild_id is None and contexts is None and definition.get("dm_permission") is False:
            raise NotOffered(f"/{name} is not offered in DMs (dm_permission false)")
        needed = definition.get("default_member_permissions")
        if guild_id is not None and needed is not None:
            have = self.permissions(user_id, guild_id)
            if int(needed) & have != int(needed):
                raise NotOffered(f"/{name} is hidden from this member (needs {needed})")
        limits = {o["name"]: o.get("max_length") for o in definition.get("options") or []}
        for option in options:
            limit = limits.get(option["name"])
            value = option.get("value")
            if limit is not None and isinstance(value, str) and len(value) > limit:
                raise NotOffered(f"/{name} {option['name']}: over {limit} characters")

    def _infer_option_type(self, value: Any) -> int:
        """Option type from the value; ids the fake knows become user/channel/role options."""
        if isinstance(value, bool):
            return 5
        if isinstance(value, float):
            return 10
        if not isinstance(value, int):
            return 3
        if value in self.users:
            return 6
        if value in self.channels:
            return 7
        if any(value in g["roles"] for g in self.guilds.values()):
            return 8
        return 4

    def _resolved(self, options: list[Json], guild_id: int | None) -> Json:
        resolved: Json = {}
        for opt in options:
            if opt.get("focused") or opt.get("value") is None:
                continue
            oid = int(opt["value"]) if str(opt["value"]).isdigit() else None
            if oid is None:
                continue
            if opt["type"] in (6, 9) and oid in self.users:
                resolved.setdefault("users", {})[str(oid)] = self.users[oid]
                member = self.guilds[guild_id]["members"].get(oid) if guild_id else None
                if member is not None:
                    entry = {k: v for k, v in member.items() if k != "user"}
                    entry["permissions"] = str(self.permissions(oid, guild_id))
                    resolved.setdefault("members", {})[str(oid)] = entry
            if opt["type"] in (8, 9) and guild_id and oid in self.guilds[guild_id]["roles"]:
                resolved.setdefault("roles", {})[str(oid)] = self.guilds[guild_id]["roles"][oid]
            if opt["type"] == 7 and oid in self.channels:
                channel = dict(self.channels[oid])
                channel["permissions"] = str(
                    self.permissions(self.user_id, guild_id) if guild_id else 0
                )
                resolved.setdefault("channels", {})[str(oid)] = channel
        return resolved

    async def _command_interaction(
        self,
        itype: int,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        focused: str | None,
        channel_id: int | None,
        user: int | None,
        dm: bool,
        locale: str,
    ) -> Json:
        uid = user or self.user_id
        cid = self.dm_channel(uid) if dm else (channel_id or self.channel_id)
        channel = self.channels[cid]
        gid = int(channel["guild_id"]) if "guild_id" in channel else None
        definition = self._find_command(name, gid)
        if definition is None and self.only_synced:
            where = "globally" if gid is None else f"globally or to guild {gid}"
            raise NotOffered(f"/{name} was never synced {where}: Discord does not offer it")
        opts = self._options(options, definition, focused, autocomplete=itype == 4)
        if definition is not None:
            self._check_offered(definition, opts, gid, uid)
        data: Json = {
            "id": definition["id"] if definition else str(self.new_id()),
            "name": name,
            "type": 1,
        }
        if opts:
            data["options"] = opts
        if definition is not None and definition.get("guild_id"):
            data["guild_id"] = definition["guild_id"]
        resolved = self._resolved(opts, gid)
        if resolved:
            data["resolved"] = resolved
        return await self._new_interaction(itype, data, cid, uid, locale)

    async def _new_interaction(
        self,
        itype: int,
        data: Json,
        channel_id: int,
        user_id: int,
        locale: str,
        *,
        message: Json | None = None,
    ) -> Json:
        iid = self.new_id()
        channel = dict(self.channels[channel_id])
        gid = int(channel["guild_id"]) if "guild_id" in channel else None
        user = self.users[user_id]
        payload: Json = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": f"itok-{iid}-{secrets.token_urlsafe(16)}",
            "version": 1,
            "channel_id": str(channel_id),
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 25 * 1024 * 1024,
        }
        if gid is not None:
            member = self.guilds[gid]["members"].get(user_id) or self.add_member(
                user_id, guild_id=gid
            )
            perms = self.permissions(user_id, gid)
            channel["permissions"] = str(perms)
            payload.update(
                guild_id=str(gid),
                guild={"id": str(gid), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=member | {"permissions": str(perms)},
                app_permissions=str(self.channel_permissions(self.bot_id, channel_id)),
                authorizing_integration_owners={"0": str(gid)},
                context=0,
            )
        else:
            channel["permissions"] = str(_BASIC_PERMISSIONS)
            payload.update(
                user=user,
                app_permissions=str(_BOT_PERMISSIONS),
                authorizing_integration_owners={"0": str(user_id)},
                context=1,
            )
        payload["channel"] = channel
        if message is not None:
            payload["message"] = message
        self._interactions[iid] = {
            "payload": payload,
            "created": asyncio.get_running_loop().time(),
            "responded": False,
            "original": None,
        }
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    # ------------------------------------------------------------------ messages internals

    def _message_id(self, ref: Mapping[str, Any] | RecordedCall | int | str) -> int:
        if isinstance(ref, RecordedCall):
            ref = ref.response
        if isinstance(ref, Mapping):
            return int(ref["id"])
        return int(ref)

    def _base_message(self, channel_id: int, author: Json, content: str) -> Json:
        return {
            "id": str(self.new_id()),
            "channel_id": str(channel_id),
            "type": 0,
            "author": author,
            "content": content,
            "embeds": [],
            "components": [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "flags": 0,
        }

    def _attach_reference(self, msg: Json, ref: Mapping[str, Any]) -> bool:
        """Make ``msg`` a reply; False if the target is unknown (Discord: 400 by default)."""
        target = self.messages.get(int(ref["message_id"]))
        msg["type"] = 19
        msg["message_reference"] = {
            "type": 0,
            "message_id": str(ref["message_id"]),
            "channel_id": str(ref.get("channel_id") or msg["channel_id"]),
        }
        if ref.get("guild_id") or self.channels.get(int(msg["channel_id"]), {}).get("guild_id"):
            guild_id = ref.get("guild_id") or self.channels[int(msg["channel_id"])]["guild_id"]
            msg["message_reference"]["guild_id"] = str(guild_id)
        if target is None:
            msg["referenced_message"] = None
            return False
        msg["referenced_message"] = {k: v for k, v in target.items() if k != "referenced_message"}
        return True

    def _attachments(
        self, channel_id: int, body: Json, files: Sequence[RecordedFile]
    ) -> list[Json]:
        meta = {str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)}
        out = []
        for f in files:
            index = f.field.removeprefix("files[").removesuffix("]")
            aid = self.new_id()
            url = f"https://cdn.discordapp.com/attachments/{channel_id}/{aid}/{f.filename}"
            guessed = mimetypes.guess_type(f.filename)[0] or "application/octet-stream"
            out.append(
                {
                    "id": str(aid),
                    "filename": f.filename,
                    "description": meta.get(index, {}).get("description"),
                    "content_type": guessed,
                    "size": len(f.data),
                    "url": url,
                    "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
                    "ephemeral": False,
                }
            )
        return out

    def _bot_message(
        self,
        channel_id: int,
        body: Json,
        files: Sequence[RecordedFile],
        *,
        interaction: Json | None = None,
    ) -> tuple[int, Json] | Json:
        """Build and store a message the bot sends; an error tuple if Discord would refuse it."""
        msg = self._base_message(channel_id, self.bot_user, str(body.get("content") or ""))
        msg["embeds"] = body.get("embeds") or []
        msg["components"] = body.get("components") or []
        msg["attachments"] = self._attachments(channel_id, body, files)
        msg["tts"] = bool(body.get("tts"))
        msg["flags"] = int(body.get("flags") or 0)
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        ref = body.get("message_reference")
        if ref and ref.get("message_id") and interaction is None:
            found = self._attach_reference(msg, ref)
            if not found and ref.get("fail_if_not_exists", True):
                problems = {
                    "message_reference": ("MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                }
                return _error(400, 50035, "Invalid Form Body", _form_errors(problems))
        if interaction is not None:
            p = interaction["payload"]
            user = p.get("user") or p["member"]["user"]
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
            msg["type"] = 20 if p["type"] in (2, 4) else 0
            msg["interaction_metadata"] = {
                "id": p["id"],
                "type": p["type"],
                "user": user,
                "authorizing_integration_owners": p["authorizing_integration_owners"],
            }
        self.messages[int(msg["id"])] = msg
        return msg

    def _edit(self, msg: Json, body: Json, files: Sequence[RecordedFile]) -> None:
        for key, empty in (("content", ""), ("embeds", []), ("components", [])):
            if key in body:
                msg[key] = body[key] if body[key] is not None else empty
        if "attachments" in body or files:
            keep = {str(a.get("id")) for a in body.get("attachments") or [] if isinstance(a, dict)}
            kept = [a for a in msg["attachments"] if a["id"] in keep]
            msg["attachments"] = kept + self._attachments(int(msg["channel_id"]), body, files)
        msg["flags"] = int(msg.get("flags") or 0) & ~LOADING
        msg["edited_timestamp"] = _now_iso()

    async def _echo(self, event: str, msg: Json) -> None:
        """Discord also tells the bot about its own messages (not ephemeral ones)."""
        if int(msg.get("flags") or 0) & EPHEMERAL:
            return
        data = dict(msg)
        channel = self.channels.get(int(msg["channel_id"]), {})
        if "guild_id" in channel:
            data["guild_id"] = channel["guild_id"]
            member = self.guilds[int(channel["guild_id"])]["members"].get(self.bot_id)
            if member is not None and event == "MESSAGE_CREATE":
                data["member"] = {k: v for k, v in member.items() if k != "user"}
        if event == "MESSAGE_DELETE":
            data = {k: data[k] for k in ("id", "channel_id", "guild_id") if k in data}
        async with self._gw_lock:
            await self._route(event, data)

    def _interaction_by_token(self, token: str) -> Json | None:
        for inter in self._interactions.values():
            if inter["payload"]["token"] == token:
                return inter
        return None

    # ------------------------------------------------------------------ REST plumbing

    def _register_routes(self) -> None:
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/users/@me", self._get_me),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/applications/{application_id}/commands", self._get_commands),
            ("PUT", "/applications/{application_id}/commands", self._put_commands),
            ("POST", "/applications/{application_id}/commands", self._post_command),
            (
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._get_commands,
            ),
            (
                "PUT",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._put_commands,
            ),
            (
                "POST",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._post_command,
            ),
            ("GET", "/applications/{application_id}/emojis", self._get_app_emojis),
            ("GET", "/applications/{application_id}/{rest:.+}", self._empty_list),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("GET", "/channels/{channel_id}/messages", self._get_messages),
            ("POST", CREATE_MESSAGE, self._create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message),
            ("POST", "/channels/{channel_id}/typing", self._no_content),
            (
                "PUT",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                self._add_reaction,
            ),
            (
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}",
                self._remove_reaction,
            ),
            (
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}/reactions/{rest:.*}",
                self._remove_reaction,
            ),
            (
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}/reactions",
                self._remove_reaction,
            ),
            (
                "GET",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}",
                self._empty_list,
            ),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self._get_guild_roles),
            ("GET", "/guilds/{guild_id}/members", self._get_guild_members),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_guild_member),
            ("POST", INTERACTION_CALLBACK, self._interaction_callback),
            ("POST", WEBHOOK_EXECUTE, self._webhook_execute),
            ("GET", WEBHOOK_MESSAGE, self._webhook_get),
            ("PATCH", WEBHOOK_MESSAGE, self._webhook_edit),
            ("DELETE", WEBHOOK_MESSAGE, self._webhook_delete),
        ]
        self._routes = [(m, t, _compile(t), h) for m, t, h in table]

    def _match(self, method: str, path: str) -> tuple[str, dict[str, str], Handler | None]:
        for m, template, pattern, handler in self._routes:
            if m == method and (found := pattern.match(path)):
                return template, found.groupdict(), handler
        return path, {}, None

    async def _read_body(self, request: web.Request, call: RecordedCall) -> None:
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue
                name = part.name or ""
                if part.filename is None and name == "payload_json":
                    call.body = json.loads(await part.text())
                elif part.filename is not None:
                    data = bytes(await part.read(decode=False))
                    ctype = part.headers.get("Content-Type")
                    call.files.append(RecordedFile(name, part.filename, ctype, data))
            return
        raw = await request.read()
        if not raw:
            return
        try:
            call.body = json.loads(raw)
        except ValueError:
            call.body = raw.decode("utf-8", "replace")

    def _take_fault(self, call: RecordedCall) -> Fault | None:
        for fault in self._faults:
            if fault.matches(call):
                fault.hits += 1
                return fault
        return None

    @staticmethod
    def _ratelimit_headers(route: str, *, remaining: int, reset_after: float) -> dict[str, str]:
        bucket = hashlib.sha1(route.encode()).hexdigest()[:16]
        return {
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        }

    def _rate_limited(self, route: str, fault: Fault) -> tuple[int, Json, dict[str, str]]:
        """A 429 discord.py will honour: it needs JSON ``retry_after`` *and* a ``Via`` header
        (without ``Via`` it assumes a Cloudflare ban and raises instead of retrying)."""
        body = {
            "message": "You are being rate limited.",
            "retry_after": fault.retry_after,
            "global": fault.is_global,
        }
        headers = self._ratelimit_headers(route, remaining=0, reset_after=fault.retry_after)
        headers |= {"Retry-After": str(math.ceil(fault.retry_after)), "Via": "1.1 google"}
        headers["X-RateLimit-Scope"] = "global" if fault.is_global else "user"
        if fault.is_global:
            headers["X-RateLimit-Global"] = "true"
        return 429, body, headers

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method
        route, params, handler = self._match(method, path)
        call = RecordedCall(
            index=len(self.calls),
            method=method,
            path=path,
            route=route,
            params=params,
            query=dict(request.query),
            headers=dict(request.headers),
            received_at=asyncio.get_running_loop().time(),
            peer=request.transport.get_extra_info("peername") if request.transport else None,
        )
        self.calls.append(call)
        headers: dict[str, str] = {}
        try:
            await self._read_body(request, call)
            fault = self._take_fault(call)
            if fault is not None and fault.delay:
                call.fault = "delay"
                await asyncio.sleep(fault.delay)
            if fault is not None and fault.status == 429:
                call.fault = "429"
                status, data, headers = self._rate_limited(route, fault)
            elif fault is not None and fault.status is not None:
                call.fault = str(fault.status)
                status, data = fault.status, {"message": f"{fault.status}: injected", "code": 0}
            elif handler is None:
                status, data = 404, {"message": "404: Not Found", "code": 0}
            else:
                status, data = await handler(call)
                headers = self._ratelimit_headers(route, remaining=4, reset_after=1.0)
        except Exception as exc:
            log.exception("fakediscord REST handler error")
            self.errors.append(f"{method} {path}: {exc!r}")
            status, data = 400, {"message": f"fakediscord internal error: {exc!r}", "code": 0}
        call.status, call.response = status, data
        self._notify()
        if data is None or status == 204:
            return web.Response(status=204, headers=headers)
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(data).encode(), headers=headers)

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # ------------------------------------------------------------------ REST handlers

    async def _no_content(self, call: RecordedCall) -> tuple[int, Any]:
        return 204, None

    async def _empty_list(self, call: RecordedCall) -> tuple[int, Any]:
        return 200, []

    async def _get_gateway(self, call: RecordedCall) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, call: RecordedCall) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {
            "url": self.gateway_url,
            "shards": self.shard_count,
            "session_start_limit": limit,
        }

    async def _get_me(self, call: RecordedCall) -> tuple[int, Any]:
        return 200, self.bot_user

    async def _get_user(self, call: RecordedCall) -> tuple[int, Any]:
        user = self.users.get(int(call.params["user_id"]))
        return (200, user) if user else _error(404, 10013, "Unknown User")

    async def _create_dm(self, call: RecordedCall) -> tuple[int, Any]:
        uid = int((call.body or {}).get("recipient_id") or 0)
        if uid not in self.users:
            return _error(404, 10013, "Unknown User")
        return 200, self.channels[self.dm_channel(uid)]

    async def _get_application(self, call: RecordedCall) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "description": "fakediscord application",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.users[self.user_id],
            "team": None,
            "verify_key": "0" * 64,
            "flags": (1 << 13) | (1 << 15) | (1 << 19),
            "bot": self.bot_user,
            "summary": "",
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.guilds),
        }

    async def _get_app_emojis(self, call: RecordedCall) -> tuple[int, Any]:
        return 200, {"items": []}

    def _command_list(self, call: RecordedCall) -> list[Json]:
        if "guild_id" in call.params:
            return self.guild_commands.setdefault(int(call.params["guild_id"]), [])
        return self.global_commands

    def _store_command(self, call: RecordedCall, cmd: Json, existing: list[Json]) -> Json:
        old = next((c for c in existing if c["name"] == cmd["name"]), None)
        stored = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
        } | cmd
        stored.update(
            id=old["id"] if old else str(self.new_id()),
            application_id=str(self.application_id),
            version=str(self.new_id()),
        )
        if "guild_id" in call.params:
            stored["guild_id"] = call.params["guild_id"]
        return stored

    async def _get_commands(self, call: RecordedCall) -> tuple[int, Any]:
        return 200, self._command_list(call)

    async def _put_commands(self, call: RecordedCall) -> tuple[int, Any]:
        refused = validate_commands(call.body, bulk=True)
        if refused is not None:
            return refused
        existing = self._command_list(call)
        stored = [self._store_command(call, cmd, existing) for cmd in call.body or []]
        existing[:] = stored
        return 200, stored

    async def _post_command(self, call: RecordedCall) -> tuple[int, Any]:
        refused = validate_commands(call.body, bulk=False)
        if refused is not None:
            return refused
        existing = self._command_list(call)
        stored = self._store_command(call, call.body or {}, existing)
        existing[:] = [c for c in existing if c["name"] != stored["name"]] + [stored]
        return 200, stored

    async def _get_channel(self, call: RecordedCall) -> tuple[int, Any]:
        channel = self.channels.get(int(call.params["channel_id"]))
        return (200, channel) if channel else _error(404, 10003, "Unknown Channel")

    async def _get_messages(self, call: RecordedCall) -> tuple[int, Any]:
        cid = int(call.params["channel_id"])
        if cid not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        limit = int(call.query.get("limit", 50))
        return 200, list(reversed(self.history(cid)))[:limit]

    def _lookup_message(self, call: RecordedCall) -> tuple[int, Any] | Json:
        if int(call.params["channel_id"]) not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        msg = self.messages.get(int(call.params["message_id"]))
        if msg is None or msg["channel_id"] != call.params["channel_id"]:
            return _error(404, 10008, "Unknown Message")
        if int(msg.get("flags") or 0) & EPHEMERAL:
            # Only the interaction's webhook can reach an ephemeral message.
            self.refused.append((int(msg["channel_id"]), ["ephemeral message"]))
            return _error(404, 10008, "Unknown Message")
        return msg

    async def _get_message(self, call: RecordedCall) -> tuple[int, Any]:
        msg = self._lookup_message(call)
        return msg if isinstance(msg, tuple) else (200, msg)

    async def _create_message(self, call: RecordedCall) -> tuple[int, Any]:
        cid = int(call.params["channel_id"])
        if cid not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        body = call.body if isinstance(call.body, dict) else {}
        error = _validate_message(body, call.files, edit=False)
        if error:
            return error
        error = self._missing_permissions(cid, body, call.files)
        if error:
            return error
        msg = self._bot_message(cid, body, call.files)
        if isinstance(msg, tuple):
            return msg
        await self._echo("MESSAGE_CREATE", msg)
        return 200, msg

    async def _edit_message(self, call: RecordedCall) -> tuple[int, Any]:
        msg = self._lookup_message(call)
        if isinstance(msg, tuple):
            return msg
        if msg["author"]["id"] != str(self.bot_id):
            return _error(403, 50005, "Cannot edit a message authored by another user")
        body = call.body if isinstance(call.body, dict) else {}
        error = _validate_message(body, call.files, edit=True)
        if error:
            return error
        error = self._missing_permissions(int(msg["channel_id"]), body, call.files, edit=True)
        if error:
            return error
        self._edit(msg, body, call.files)
        await self._echo("MESSAGE_UPDATE", msg)
        return 200, msg

    async def _delete_message(self, call: RecordedCall) -> tuple[int, Any]:
        msg = self._lookup_message(call)
        if isinstance(msg, tuple):
            return msg
        del self.messages[int(msg["id"])]
        await self._echo("MESSAGE_DELETE", msg)
        return 204, None

    async def _add_reaction(self, call: RecordedCall) -> tuple[int, Any]:
        msg = self._lookup_message(call)
        if isinstance(msg, tuple):
            return msg
        emoji = call.params["emoji"]
        reactions = msg.setdefault("reactions", [])
        for r in reactions:
            if r["emoji"]["name"] == emoji:
                r["count"] += 0 if r["me"] else 1
                r["me"] = True
                return 204, None
        name, _, eid = emoji.partition(":")
        reactions.append(
            {
                "emoji": {"id": eid or None, "name": name},
                "count": 1,
                "count_details": {"burst": 0, "normal": 1},
                "me": True,
                "me_burst": False,
                "burst_colors": [],
            }
        )
        return 204, None

    async def _remove_reaction(self, call: RecordedCall) -> tuple[int, Any]:
        msg = self._lookup_message(call)
        return msg if isinstance(msg, tuple) else (204, None)

    def _guild(self, call: RecordedCall) -> Json | None:
        return self.guilds.get(int(call.params["guild_id"]))

    async def _get_guild(self, call: RecordedCall) -> tuple[int, Any]:
        if self._guild(call) is None:
            return _error(404, 10004, "Unknown Guild")
        return 200, self.guild_payload(int(call.params["guild_id"]))

    async def _get_guild_channels(self, call: RecordedCall) -> tuple[int, Any]:
        gid = call.params["guild_id"]
        return 200, [c for c in self.channels.values() if c.get("guild_id") == gid]

    async def _get_guild_roles(self, call: RecordedCall) -> tuple[int, Any]:
        guild = self._guild(call)
        return (
            (200, list(guild["roles"].values())) if guild else _error(404, 10004, "Unknown Guild")
        )

    async def _get_guild_members(self, call: RecordedCall) -> tuple[int, Any]:
        guild = self._guild(call)
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        return 200, list(guild["members"].values())[: int(call.query.get("limit", 1))]

    async def _get_guild_member(self, call: RecordedCall) -> tuple[int, Any]:
        guild = self._guild(call)
        member = guild and guild["members"].get(int(call.params["user_id"]))
        return (200, member) if member else _error(404, 10007, "Unknown Member")

    async def _interaction_callback(self, call: RecordedCall) -> tuple[int, Any]:
        inter = self._interactions.get(int(call.params["interaction_id"]))
        if inter is None or inter["payload"]["token"] != call.params["interaction_token"]:
            return _error(404, 10062, "Unknown interaction")
        too_late = self.interaction_timeout is not None and (
            call.received_at - inter["created"] > self.interaction_timeout
        )
        if too_late:
            return _error(404, 10062, "Unknown interaction")
        if inter["responded"]:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = call.body if isinstance(call.body, dict) else {}
        rtype = int(body.get("type") or 0)
        data = body.get("data") or {}
        payload = inter["payload"]
        channel_id = int(payload["channel_id"])
        message: Json | None = None
        if rtype == 4:
            error = _validate_message(data, call.files, edit=False)
            if error:
                return error
            built = self._bot_message(channel_id, data, call.files, interaction=inter)
            if isinstance(built, tuple):
                return built
            message = built
            await self._echo("MESSAGE_CREATE", message)
        elif rtype == 5:
            placeholder = {"flags": (int(data.get("flags") or 0) & EPHEMERAL) | LOADING}
            built = self._bot_message(channel_id, placeholder, [], interaction=inter)
            message = built if isinstance(built, dict) else None
        elif rtype in (6, 7):
            if payload["type"] not in (3, 5) or "message" not in payload:
                return _error(400, 40004, "Interaction callback type requires a message")
            message = self.messages.get(int(payload["message"]["id"]))
            if message is None:
                return _error(404, 10008, "Unknown Message")
            if rtype == 7:
                error = _validate_message(data, call.files, edit=True)
                if error:
                    return error
                self._edit(message, data, call.files)
                await self._echo("MESSAGE_UPDATE", message)
        elif rtype == 8:
            if payload["type"] != 4:
                return _error(400, 40004, "Autocomplete result outside an autocomplete interaction")
            error = _validate_choices(data)
            if error:
                return error
        elif rtype != 9:
            return _error(400, 50035, f"Invalid interaction callback type {rtype}")
        inter["responded"] = True
        inter["original"] = message
        if call.query.get("with_response", "").lower() not in ("1", "true"):
            return 204, None
        flags = int((message or {}).get("flags") or data.get("flags") or 0)
        response: Json = {
            "interaction": {
                "id": payload["id"],
                "type": payload["type"],
                "response_message_loading": rtype == 5,
                "response_message_ephemeral": bool(flags & EPHEMERAL),
            },
            "resource": {"type": rtype},
        }
        if message is not None:
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"]["message"] = message
        return 200, response

    def _webhook_interaction(self, call: RecordedCall) -> Json | None:
        if call.params["webhook_id"] != str(self.application_id):
            return None
        return self._interaction_by_token(call.params["webhook_token"])

    async def _webhook_execute(self, call: RecordedCall) -> tuple[int, Any]:
        inter = self._webhook_interaction(call)
        if inter is None:
            return _error(404, 10015, "Unknown Webhook")
        if not inter["responded"]:
            return _error(404, 10015, "Unknown Webhook")
        body = call.body if isinstance(call.body, dict) else {}
        error = _validate_message(body, call.files, edit=False)
        if error:
            return error
        channel_id = int(inter["payload"]["channel_id"])
        original = inter["original"]
        if original is not None and int(original.get("flags") or 0) & LOADING:
            # The first followup after a "thinking" defer replaces the placeholder.
            self._edit(original, body, call.files)
            original["flags"] = int(body.get("flags") or 0) | (int(original["flags"]) & EPHEMERAL)
            message = original
        else:
            built = self._bot_message(channel_id, body, call.files, interaction=inter)
            if isinstance(built, tuple):
                return built
            message = built
        await self._echo("MESSAGE_CREATE", message)
        if call.query.get("wait", "").lower() not in ("1", "true"):
            return 204, None
        return 200, message

    def _webhook_message(self, call: RecordedCall) -> tuple[int, Any] | Json:
        inter = self._webhook_interaction(call)
        if inter is None:
            return _error(404, 10015, "Unknown Webhook")
        if call.params["message_id"] == "@original":
            original = inter["original"]
            return original if original is not None else _error(404, 10008, "Unknown Message")
        msg = self.messages.get(int(call.params["message_id"]))
        return msg if msg is not None else _error(404, 10008, "Unknown Message")

    async def _webhook_get(self, call: RecordedCall) -> tuple[int, Any]:
        msg = self._webhook_message(call)
        return msg if isinstance(msg, tuple) else (200, msg)

    async def _webhook_edit(self, call: RecordedCall) -> tuple[int, Any]:
        msg = self._webhook_message(call)
        if isinstance(msg, tuple):
            return msg
        body = call.body if isinstance(call.body, dict) else {}
        error = _validate_message(body, call.files, edit=True)
        if error:
            return error
        self._edit(msg, body, call.files)
        await self._echo("MESSAGE_UPDATE", msg)
        return 200, msg

    async def _webhook_delete(self, call: RecordedCall) -> tuple[int, Any]:
        msg = self._webhook_message(call)
        if isinstance(msg, tuple):
            return msg
        self.messages.pop(int(msg["id"]), None)
        await self._echo("MESSAGE_DELETE", msg)
        return 204, None
