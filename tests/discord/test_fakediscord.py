"""Prove tests/fakediscord.py is faithful enough to drive a real discord.py bot end to end.

The bot here is a minimal stand-in (not the project's bot): each test exercises one path a
user would see -- prefix reply, slash reply, autocomplete, button, 429 retry, gateway
resume, file upload -- through discord.py's real HTTP and websocket code.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import CREATE_MESSAGE, EPHEMERAL, FakeDiscord, _validate_message

TOPICS = ["inflation", "interest rates", "gdp growth", "unemployment"]
SOURCE_BYTES = b"inflation: 2.4% (ONS, 2024-05)\n"


class ConfirmView(discord.ui.View):
    """A one-button view; records the press so the test can see the callback ran."""

    def __init__(self) -> None:
        super().__init__(timeout=30)
        self.pressed_by: int | None = None

    @discord.ui.button(label="Yes", custom_id="confirm-yes", style=discord.ButtonStyle.success)
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.pressed_by = interaction.user.id
        await interaction.response.edit_message(content="Confirmed", view=None)


@dataclass
class Probe:
    """The bot under test plus what its callbacks observed."""

    bot: commands.Bot
    views: list[ConfirmView] = field(default_factory=list)
    seen_content: list[str] = field(default_factory=list)


def make_probe(*, message_content: bool = True) -> Probe:
    """Build a small bot covering prefix, hybrid, autocomplete, view and file paths."""
    intents = discord.Intents.default()
    intents.message_content = message_content
    bot = commands.Bot(
        command_prefix="!",
        intents=intents,
        allowed_mentions=discord.AllowedMentions.none(),
        help_command=None,
    )
    probe = Probe(bot)

    async def sync_at_start() -> None:  # the fake, like Discord, offers only synced commands
        await bot.tree.sync()

    bot.setup_hook = sync_at_start  # type: ignore[method-assign]

    @bot.listen("on_message")
    async def remember(message: discord.Message) -> None:
        if not message.author.bot:
            probe.seen_content.append(message.content)

    @bot.command()
    async def ping(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.reply("pong")

    @bot.hybrid_command(description="Repeat text")
    async def echo(ctx: commands.Context[commands.Bot], text: str) -> None:
        await ctx.send(text)

    @bot.hybrid_command(description="Private answer")
    async def secret(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send("only you can see this", ephemeral=True)

    @bot.hybrid_command(description="Look up a fact")
    async def fact(ctx: commands.Context[commands.Bot], topic: str) -> None:
        await ctx.defer()
        await ctx.send(f"Fact about {topic}")

    @fact.autocomplete("topic")
    async def topic_autocomplete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t, value=t) for t in TOPICS if current.lower() in t]

    @bot.command()
    async def confirm(ctx: commands.Context[commands.Bot]) -> None:
        view = ConfirmView()
        probe.views.append(view)
        await ctx.send("Sure?", view=view)

    @bot.command()
    async def source(ctx: commands.Context[commands.Bot]) -> None:
        upload = discord.File(io.BytesIO(SOURCE_BYTES), filename="source.txt")
        await ctx.reply("Source attached", file=upload)

    return probe


@pytest.fixture
async def probe(fake: FakeDiscord) -> AsyncIterator[Probe]:
    probe = make_probe()
    async with fake.running(probe.bot):
        yield probe


async def test_prefix_command_replies_without_pinging(fake: FakeDiscord, probe: Probe) -> None:
    question = await fake.send_message("!ping")

    call = await fake.wait_for_reply(fake.channel_id)

    assert call.content == "pong"
    assert call.body["allowed_mentions"] == {"parse": []}
    assert int(call.body["message_reference"]["message_id"]) == int(question["id"])
    assert call.headers["Authorization"] == "Bot fake-token"
    assert fake.history()[-1]["type"] == 19  # stored as a Discord reply
    assert fake.identify_count == 1


async def test_hybrid_command_via_slash(fake: FakeDiscord, probe: Probe) -> None:
    synced = await probe.bot.tree.sync()
    assert {c.name for c in synced} >= {"echo", "secret", "fact"}
    echo_id = next(c.id for c in synced if c.name == "echo")

    interaction = await fake.send_slash("echo", {"text": "hello analysts"})
    call = await fake.wait_for_interaction_response(interaction)

    assert int(interaction["data"]["id"]) == echo_id
    assert call.callback_type == 4
    assert call.content == "hello analysts"
    assert call.message["allowed_mentions"] == {"parse": []}
    assert not call.ephemeral

    private = await fake.send_slash("secret")
    call = await fake.wait_for_interaction_response(private)
    assert call.callback_type == 4
    assert call.flags & EPHEMERAL


async def test_deferred_slash_answer_arrives_as_followup(fake: FakeDiscord, probe: Probe) -> None:
    interaction = await fake.send_slash("fact", {"topic": "inflation"})

    ack = await fake.wait_for_interaction_response(interaction)
    followup = await fake.wait_for_followup(interaction)

    assert ack.callback_type == 5
    assert followup.content == "Fact about inflation"


async def test_autocomplete_returns_choices(fake: FakeDiscord, probe: Probe) -> None:
    interaction = await fake.send_autocomplete("fact", {"topic": "RAT"})

    call = await fake.wait_for_interaction_response(interaction)

    assert call.callback_type == 8
    assert call.body["data"]["choices"] == [{"name": "interest rates", "value": "interest rates"}]


async def test_button_press_runs_view_callback(fake: FakeDiscord, probe: Probe) -> None:
    await fake.send_message("!confirm")
    reply = await fake.wait_for_reply()
    assert reply.body["components"][0]["components"][0]["custom_id"] == "confirm-yes"

    press = await fake.send_component(reply, "confirm-yes")
    call = await fake.wait_for_interaction_response(press)

    assert call.callback_type == 7
    assert call.content == "Confirmed"
    assert call.message["components"] == []
    assert probe.views[0].pressed_by == fake.user_id
    assert fake.messages[int(reply.response["id"])]["content"] == "Confirmed"


async def test_rate_limited_send_is_retried(fake: FakeDiscord, probe: Probe) -> None:
    fault = fake.rate_limit(CREATE_MESSAGE, method="POST", retry_after=0.25)

    await fake.send_message("!ping")
    call = await fake.wait_for_reply()

    limited = [c for c in fake.calls if c.fault == "429"]
    assert fault.hits == 1
    assert len(limited) == 1
    assert limited[0].status == 429
    assert limited[0].index < call.index
    assert call.received_at - limited[0].received_at >= 0.2
    assert call.content == "pong"


async def test_gateway_drop_resumes_session(fake: FakeDiscord, probe: Probe) -> None:
    await fake.disconnect(code=4000)
    await fake.send_message("!ping")  # buffered while down, replayed after RESUME

    call = await fake.wait_for_reply()
    await fake.wait_until_connected()

    assert call.content == "pong"
    assert (fake.identify_count, fake.resume_count) == (1, 1)
    assert any(entry["op"] == 6 for entry in fake.gateway_log)


async def test_reply_with_file_attachment(fake: FakeDiscord, probe: Probe) -> None:
    await fake.send_message("!source")

    call = await fake.wait_for_reply()

    assert [(f.filename, f.data) for f in call.files] == [("source.txt", SOURCE_BYTES)]
    assert call.body["attachments"][0]["filename"] == "source.txt"
    assert call.body["allowed_mentions"] == {"parse": []}
    assert call.response["attachments"][0]["size"] == len(SOURCE_BYTES)


async def test_overlong_message_is_rejected_like_discord(fake: FakeDiscord, probe: Probe) -> None:
    channel = probe.bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)

    with pytest.raises(discord.HTTPException) as raised:
        await channel.send("x" * 2001)

    assert raised.value.status == 400
    assert raised.value.code == 50035


async def test_missing_message_content_intent_blanks_content(fake: FakeDiscord) -> None:
    probe = make_probe(message_content=False)
    async with fake.running(probe.bot):
        guild = probe.bot.get_guild(fake.guild_id)
        assert guild is not None
        await fake.send_message("!ping")
        await fake.send_message(f"<@{fake.bot_id}> what is gdp?")
        # REQUEST_GUILD_MEMBERS round-trips over the same socket, so once it answers the
        # two messages before it have been dispatched too.
        members = await guild.query_members("ali")

    assert probe.seen_content == ["", f"<@{fake.bot_id}> what is gdp?"]
    assert [m.id for m in members] == [fake.user_id]
    assert not [c for c in fake.calls if c.route == CREATE_MESSAGE]  # "!ping" went unseen


# ---------------------------------------------------------------- as strict as Discord


async def test_channel_endpoint_cannot_reach_an_ephemeral_message(fake: FakeDiscord) -> None:
    probe = make_probe()
    async with fake.running(probe.bot) as bot:
        interaction = await fake.send_slash("secret")
        call = await fake.wait_for_interaction_response(interaction)
        assert call.ephemeral
        [message_id] = [int(m["id"]) for m in fake.messages.values() if m["flags"] & EPHEMERAL]
        with pytest.raises(discord.NotFound) as refused:
            await (
                bot.get_channel(fake.channel_id)
                .get_partial_message(message_id)
                .edit(content="edited")
            )
        assert refused.value.code == 10008
        edited = await bot.http.request(
            discord.http.Route(
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                webhook_id=fake.application_id,
                webhook_token=interaction["token"],
            ),
            json={"content": "edited"},
        )
        assert edited["content"] == "edited"


async def test_a_late_interaction_response_is_unknown(fake: FakeDiscord) -> None:
    fake.interaction_timeout = 0.0  # any answer is late
    probe = make_probe()
    async with fake.running(probe.bot):
        interaction = await fake.send_slash("secret")
        call = await fake.wait_for_call(
            route="/interactions/{interaction_id}/{interaction_token}/callback"
        )
        assert call.status == 404 and call.response["code"] == 10062
        assert interaction["id"] == call.params["interaction_id"]


@pytest.mark.parametrize(
    ("denied", "command", "missing"),
    [
        ("embed_links", "!embed", "embed_links"),
        ("attach_files", "!source", "attach_files"),
        ("send_messages", "!ping", "send_messages"),
    ],
)
async def test_missing_channel_permissions_are_refused(
    fake: FakeDiscord, denied: str, command: str, missing: str
) -> None:
    fake.deny(fake.channel_id, denied)
    probe = make_probe()

    @probe.bot.command()
    async def embed(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send(embed=discord.Embed(title="t"))

    async with fake.running(probe.bot) as bot:
        channel = bot.get_channel(fake.channel_id)
        assert not getattr(channel.permissions_for(channel.guild.me), denied)  # the bot knows
        await fake.send_message(command)
        call = await fake.wait_for_call(method="POST", route=CREATE_MESSAGE)
        assert call.status == 403 and call.response["code"] == 50013
        assert fake.refused == [(fake.channel_id, [missing])]


async def test_a_thread_needs_send_messages_in_threads(fake: FakeDiscord) -> None:
    thread = fake.add_thread(fake.channel_id, "questions")
    probe = make_probe()
    async with fake.running(probe.bot) as bot:
        assert bot.get_channel(thread).parent_id == fake.channel_id
        await fake.send_message("!ping", channel_id=thread)
        assert (await fake.wait_for_reply(thread)).content == "pong"
        fake.deny(fake.channel_id, "send_messages_in_threads")
        await fake.send_message("!ping", channel_id=thread)
        call = await fake.wait_for_call(method="POST", route=CREATE_MESSAGE)
        assert call.status == 403 and call.response["code"] == 50013
        assert fake.refused == [(thread, ["send_messages_in_threads"])]


def test_the_fake_refuses_components_discord_refuses():
    """custom_id 1-100, button labels up to 80, select options 1-25 of up to 100 characters,
    one select per row: what Discord answers with 50035 Invalid Form Body."""

    def row(*items: dict) -> dict:
        return {"content": "x", "components": [{"type": 1, "components": list(items)}]}

    button = {"type": 2, "style": 2, "label": "ok", "custom_id": "page:next"}
    option = {"label": "Kazakhstan (country)", "value": "what kazakhstan"}
    select = {"type": 3, "custom_id": "choice:select", "options": [option]}
    assert _validate_message(row(button), [], edit=False) is None
    assert _validate_message(row(select), [], edit=False) is None
    refused = [
        row({**button, "label": "x" * 81}),
        row({**button, "custom_id": "x" * 101}),
        row({**button, "custom_id": ""}),
        row({**select, "options": [{**option, "label": "x" * 101}]}),
        row({**select, "options": [option] * 26}),
        row({**select, "options": []}),
        row(select, button),
        row(*[button] * 6),
    ]
    for body in refused:
        status, error = _validate_message(body, [], edit=False)  # type: ignore[misc]
        assert (status, error["code"]) == (400, 50035), body
