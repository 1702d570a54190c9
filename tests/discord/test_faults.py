"""Discord's own hiccups, secrets and access: what a user sees when the gateway drops, REST
answers 429/5xx or slowly, the token is wrong, or someone asks where they may not.

The real discord.py client runs against tests/fakediscord.py. Related tests elsewhere:
- an interaction answered late is deferred within 3 s:
  tests/test_discord.py::test_slow_work_is_deferred_within_three_seconds
- prefix commands outside team channels are ignored and slash ones told where to ask:
  tests/test_discord.py::test_commands_outside_team_channels_are_ignored
- DMs are off by default: tests/test_discord.py::test_dms_are_off_by_default
- reload needs the admin role (prefix): tests/test_discord.py::test_reload_needs_the_admin_role
- the token is not logged on the happy path: tests/test_discord.py::test_token_is_never_logged
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
from collections.abc import AsyncIterator

import discord
import pytest

from bot.config import Settings
from bot.discord.client import FactBot
from bot.discord.runner import setup_logging
from bot.loading.holder import KnowledgeHolder
from tests.conftest import KNOWLEDGE, SEEDS, discord_settings
from tests.fakediscord import (
    CREATE_MESSAGE,
    EPHEMERAL,
    INTERACTION_CALLBACK,
    FakeDiscord,
    RecordedCall,
)

TOKEN = "MTAxNTk.FAKE-TOKEN.do-not-leak-8c1f0e"
MANAGE_GUILD = 1 << 5


def settings_for(fake: FakeDiscord, **discord: object) -> Settings:
    discord.setdefault("guilds", [fake.guild_id])  # the fake offers only synced commands
    return discord_settings(fake=fake, **discord)


def new_bot(fake: FakeDiscord, **discord: object) -> FactBot:
    holder, result = KnowledgeHolder.load(settings_for(fake, **discord))
    assert holder is not None, result.problems
    return FactBot(holder)


@pytest.fixture
async def factbot(fake: FakeDiscord) -> AsyncIterator[FactBot]:
    async with fake.running(new_bot(fake)) as bot:
        yield bot


def is_reply_to(call: RecordedCall, question: dict) -> bool:
    """A successful send that references the question: a reply the user sees under it."""
    return (
        call.route == CREATE_MESSAGE
        and call.method == "POST"
        and call.ok
        and isinstance(call.body, dict)
        and str((call.body.get("message_reference") or {}).get("message_id")) == question["id"]
    )


async def ask(fake: FakeDiscord, text: str, **kw: object) -> RecordedCall:
    """Post a question and return the one reply the user sees under it."""
    question = await fake.send_message(text, **kw)  # type: ignore[arg-type]
    await fake.wait_for_call(lambda c: is_reply_to(c, question), timeout=30)
    await asyncio.sleep(0.2)  # a duplicate would show up now
    [reply] = [c for c in fake.calls if is_reply_to(c, question)]
    return reply


# ---------------------------------------------------------------- the gateway


async def test_socket_closed_mid_session_resumes_and_loses_no_question(fake, factbot):
    assert (await ask(fake, "!who lavrov")).embeds[0]["title"] == "Sergei Lavrov"

    await fake.disconnect(code=4000)
    # asked while the bot is disconnected: Discord replays it after the RESUME
    reply = await ask(fake, "!who kazykhanov")

    assert reply.embeds[0]["title"] == "Yerzhan Kazykhanov"
    assert (fake.identify_count, fake.resume_count) == (1, 1)
    assert (await ask(fake, "!org ksor")).embeds[0]["title"].startswith("Collective Rapid")


async def test_reconnect_request_resumes_and_answers(fake, factbot):
    await fake.send_op(7)  # RECONNECT: Discord asks the client to reconnect and resume
    reply = await ask(fake, "!who lavrov")
    assert reply.embeds[0]["title"] == "Sergei Lavrov"
    assert fake.resume_count == 1


async def test_invalidated_session_identifies_again_and_answers(fake, factbot):
    await fake.send_op(9, False)  # INVALID_SESSION, not resumable: a fresh IDENTIFY
    deadline = asyncio.get_running_loop().time() + 30
    while fake.identify_count < 2:  # Discord drops what is sent to an invalidated session
        assert asyncio.get_running_loop().time() < deadline, fake.describe()
        await asyncio.sleep(0.05)
    await fake.wait_until_connected(timeout=30)
    reply = await ask(fake, "!who lavrov")
    assert reply.embeds[0]["title"] == "Sergei Lavrov"
    assert fake.identify_count == 2


# ---------------------------------------------------------------- REST faults


@pytest.mark.parametrize("is_global", [False, True], ids=["route", "global"])
async def test_rate_limited_reply_is_delivered_after_the_wait(fake, factbot, is_global):
    limit = fake.rate_limit(CREATE_MESSAGE, method="POST", retry_after=1.0, is_global=is_global)

    reply = await ask(fake, "!who lavrov")

    assert reply.embeds[0]["title"] == "Sergei Lavrov"
    [limited] = [c for c in fake.calls if c.fault == "429"]
    assert limit.hits == 1 and limited.index < reply.index
    assert reply.received_at - limited.received_at >= 0.9  # it waited as told, then sent


async def test_rate_limited_slash_answer_is_delivered(fake, factbot):
    fake.rate_limit(INTERACTION_CALLBACK, retry_after=0.5)
    interaction = await fake.send_slash("who", {"name": "lavrov"})
    call = await fake.wait_for_interaction_response(interaction, timeout=10)
    if call.callback_type == 5:  # deferred meanwhile: the answer comes as a follow-up
        call = await fake.wait_for_followup(interaction, timeout=10)
    assert call.embeds[0]["title"] == "Sergei Lavrov"
    assert next(c.status for c in fake.calls if c.route == INTERACTION_CALLBACK) == 429


@pytest.mark.parametrize("status", [500, 502])
async def test_server_error_then_success_delivers_the_answer_once(fake, factbot, status):
    """discord.py retries these itself after 1 s (then 3, 5...)."""
    fake.fail(CREATE_MESSAGE, method="POST", status=status)
    reply = await ask(fake, "!who lavrov")
    assert reply.embeds[0]["title"] == "Sergei Lavrov"
    assert [c.status for c in fake.calls if c.route == CREATE_MESSAGE] == [status, 200]


async def test_service_unavailable_on_the_reply_still_delivers_the_answer(fake, factbot):
    """discord.py gives up at once on a 503; the bot sends the answer once more, instead of
    an apology in place of the answer."""
    fake.fail(CREATE_MESSAGE, method="POST", status=503)
    reply = await ask(fake, "!timeline csto")  # with a picture, which must be re-sent whole
    assert reply.embeds[0]["title"].startswith("Timeline")
    [picture] = reply.files
    assert picture.data.startswith(b"\x89PNG") and len(picture.data) > 1000
    assert [c.status for c in fake.calls if c.route == CREATE_MESSAGE] == [503, 200]


async def test_service_unavailable_on_a_slash_answer_still_delivers_it(fake, factbot):
    """Interaction responses go through discord.py's webhook adapter, which retries any 5xx."""
    fake.fail(INTERACTION_CALLBACK, status=503)
    interaction = await fake.send_slash("who", {"name": "lavrov"})
    call = await fake.wait_for_interaction_response(interaction, timeout=10)
    assert call.embeds[0]["title"] == "Sergei Lavrov"


async def test_slow_rest_answers_still_arrive(fake, factbot):
    fake.delay(CREATE_MESSAGE, 2.0, method="POST")
    reply = await ask(fake, "!who lavrov")
    assert reply.embeds[0]["title"] == "Sergei Lavrov" and reply.fault == "delay"

    fake.delay(INTERACTION_CALLBACK, 1.0)
    interaction = await fake.send_slash("org", {"name": "csto"})
    call = await fake.wait_for_interaction_response(interaction, timeout=10)
    assert call.embeds[0]["title"] == "CSTO" and call.fault == "delay"


async def test_a_reply_discord_refuses_costs_one_answer_not_the_bot(fake, factbot, caplog):
    """A 403 on the reply: a warning (no traceback, no apology Discord would refuse too),
    and the next question is answered."""
    fake.fail(CREATE_MESSAGE, method="POST", status=403, times=1)
    with caplog.at_level(logging.WARNING):
        await fake.send_message("!who lavrov")
        await fake.wait_for_call(lambda c: c.fault == "403", timeout=10)
        reply = await ask(fake, "!who kazykhanov")
    assert reply.embeds[0]["title"] == "Yerzhan Kazykhanov"
    assert "check the bot's permissions" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


# ---------------------------------------------------------------- secrets


async def test_token_never_leaks_through_faults_logs_or_replies(fake, caplog):
    bot = new_bot(fake)
    with caplog.at_level(logging.DEBUG):
        async with fake.running(bot, token=TOKEN):
            fake.rate_limit(CREATE_MESSAGE, method="POST", retry_after=0.3)
            await ask(fake, "!who lavrov")
            fake.fail(CREATE_MESSAGE, method="POST", status=500)
            await ask(fake, "!org csto")
            await fake.disconnect(code=4000)
            await ask(fake, "!on 2012-13-45")

            def explode(*_: object) -> None:
                raise RuntimeError("the engine broke")

            bot.get_cog("Lookups").answer = explode  # type: ignore[union-attr]
            apology = await ask(fake, "!who lavrov")
    assert "Sorry" in (apology.content or "")
    assert TOKEN not in caplog.text
    sent = [str(c.body) + str(c.response) for c in fake.calls]
    assert not [s for s in sent if TOKEN in s]
    assert any(c.headers.get("Authorization") == f"Bot {TOKEN}" for c in fake.calls)


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "terminal-colours"])
def test_run_logging_hides_the_token_even_in_a_traceback(monkeypatch, colour):
    """`factbot run` logs through the handler setup_logging installs; whatever a library
    logs, the token is hidden: in the message, its arguments, and a traceback."""
    monkeypatch.setattr(discord.utils, "stream_supports_colour", lambda stream: colour)
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    stream = io.StringIO()
    try:
        for h in before:  # alone, as in production (pytest's own handler formats first)
            root.removeHandler(h)
        setup_logging(TOKEN)
        [handler] = root.handlers
        handler.setStream(stream)  # type: ignore[attr-defined]
        log = logging.getLogger("discord.http")
        log.warning("sending with %s", TOKEN)
        try:
            raise ValueError(f"bad header: Bot {TOKEN}")
        except ValueError:
            log.exception("request failed")
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in before:
            root.addHandler(h)
        root.setLevel(level)
    text = stream.getvalue()
    assert "sending with" in text and "request failed" in text
    assert "ValueError: bad header: Bot" in text
    assert TOKEN not in text


async def test_rejected_token_is_one_line_without_the_token_or_a_traceback(fake, tmp_path):
    fake.fail("/users/@me", method="GET", status=401)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge_dir: {KNOWLEDGE}\nseeds_dir: {SEEDS}\n"
        f"discord:\n  api_base: {fake.api_base}\n  gateway_url: {fake.gateway_url}\n",
        encoding="utf-8",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli.main",
        "run",
        "--config",
        str(config),
        env={**os.environ, "DISCORD_TOKEN": TOKEN},
        cwd=str(tmp_path),  # no .env of the repo's to pick up
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    output = out.decode() + err.decode()

    assert proc.returncode == 1
    errors = [line for line in output.splitlines() if "token" in line.lower()]
    assert errors[-1] == (
        "Discord rejected the token (DISCORD_TOKEN): check it in the Developer Portal."
    )
    assert TOKEN not in output
    assert "Traceback" not in output
    assert [(c.method, c.path, c.status) for c in fake.calls] == [("GET", "/users/@me", 401)]


# ---------------------------------------------------------------- access


async def test_reload_by_slash_needs_the_admin_role(fake, kb_copy):
    admin = fake.add_role("kb-admin")
    stranger = fake.add_user("mallory")
    # Discord shows /reload only to Manage Server (a server admin may widen that in its
    # settings): the bot still checks the admin role when it runs.
    manager = fake.add_role("server-manager", permissions=MANAGE_GUILD)
    fake.add_member(stranger, roles=[manager])
    holder, _ = KnowledgeHolder.load(
        settings_for(fake, admin_roles=[admin]).model_copy(
            update={"knowledge_dir": kb_copy / "knowledge", "seeds_dir": kb_copy / "seeds"}
        )
    )
    assert holder is not None
    before = holder.kb
    async with fake.running(FactBot(holder)):
        refused = await fake.send_slash("reload", user=stranger)
        call = await fake.wait_for_interaction_response(refused)
        assert call.flags & EPHEMERAL
        assert call.content == "Only the knowledge admins can reload."
        assert holder.kb is before

        fake.add_member(fake.user_id, roles=[admin, manager])
        allowed = await fake.send_slash("reload")
        ack = await fake.wait_for_interaction_response(allowed, timeout=10)
        assert ack.callback_type == 5
        done = await fake.wait_for_followup(allowed, timeout=10)
    assert done.embeds[0]["title"] == "Knowledge reloaded"
    assert holder.kb is not before


async def test_without_admin_roles_configured_nobody_reloads(fake):
    role = fake.add_role("anyone")
    async with fake.running(new_bot(fake)) as bot:
        before = bot.holder.kb
        reply = await ask(fake, "!reload", roles=[role])
    assert reply.content == "Only the knowledge admins can reload."
    assert bot.holder.kb is before


async def test_team_roles_limit_who_may_ask(fake):
    analyst = fake.add_role("analyst")
    async with fake.running(new_bot(fake, team_roles=[analyst])):
        refused = await ask(fake, "!who lavrov", roles=[])
        answered = await ask(fake, "!who lavrov", roles=[analyst])
    assert refused.content == "Only members of the analyst team can ask me."
    assert not refused.embeds
    assert answered.embeds[0]["title"] == "Sergei Lavrov"


async def test_dms_are_answered_when_the_config_allows_them(fake):
    async with fake.running(new_bot(fake, allow_dms=True)):
        reply = await ask(fake, "!who lavrov", dm=True)
    assert int(reply.params["channel_id"]) == fake.dm_channel(fake.user_id)
    assert reply.embeds[0]["title"] == "Sergei Lavrov"


async def test_other_channels_stay_silent_even_for_admins(fake):
    admin = fake.add_role("kb-admin")
    other = fake.add_channel("random")
    async with fake.running(new_bot(fake, admin_roles=[admin])):
        before = len(fake.calls)
        await fake.send_message("!reload", channel_id=other, roles=[admin])
        await ask(fake, "!kb")  # a team channel: answered, so the first was seen by now
    sent = [c for c in fake.calls[before:] if c.route == CREATE_MESSAGE]
    assert sent and all(c.params["channel_id"] == str(fake.channel_id) for c in sent)
