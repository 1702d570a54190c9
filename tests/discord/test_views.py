"""Views on ephemeral messages, through the real discord.py client and the strict fake.

The commands here use bot/discord/views.py the way the lookups cog does: an ephemeral
"did you mean" menu, a pick that replaces it with a pager, the pager expiring. Discord
refuses channel-endpoint edits of ephemeral messages (10008), so each edit must go
through the interaction.
"""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord.ext import commands

from bot.commands.answer import Suggestion
from bot.discord import views
from bot.discord.views import ChoiceView, PagerView, show_in_place
from tests.fakediscord import EPHEMERAL, WEBHOOK_MESSAGE, FakeDiscord

CHOICES = (
    Suggestion(label="Kazakhstan", command="what kazakhstan", detail="country"),
    Suggestion(label="Kazan", command="what kazan", detail="place"),
)


def make_bot(*, timeout: float, work: float = 0.0) -> commands.Bot:
    """A bot whose /pick offers CHOICES ephemerally; a pick shows a two-page pager."""
    bot = commands.Bot(
        command_prefix="!",
        intents=discord.Intents.default(),
        allowed_mentions=discord.AllowedMentions.none(),
    )

    async def run(interaction: discord.Interaction, command: str) -> None:
        await asyncio.sleep(work)  # the lookup's own work
        pages = [discord.Embed(title=f"{command} {n}") for n in (1, 2)]
        await show_in_place(
            interaction, embed=pages[0], view=PagerView(interaction.user.id, pages, timeout)
        )

    async def sync_at_start() -> None:  # the fake, like Discord, offers only synced commands
        await bot.tree.sync()

    bot.setup_hook = sync_at_start  # type: ignore[method-assign]

    @bot.hybrid_command(description="Offer choices")
    async def pick(ctx: commands.Context) -> None:
        view = ChoiceView(ctx.author.id, CHOICES, run, timeout)
        view.message = await ctx.send(
            embed=discord.Embed(title="Did you mean…"), view=view, ephemeral=True
        )

    return bot


async def menu(fake: FakeDiscord) -> dict:
    interaction = await fake.send_slash("pick")
    call = await fake.wait_for_interaction_response(interaction)
    assert call.flags & EPHEMERAL
    [message] = [m for m in fake.messages.values() if m["flags"] & EPHEMERAL]
    return message


def components(message: dict) -> list[dict]:
    return [c for row in message["components"] for c in row["components"]]


async def test_a_pick_on_an_ephemeral_menu_pages_and_expires_through_the_interaction(
    fake: FakeDiscord,
) -> None:
    async with fake.running(make_bot(timeout=0.5)):
        message = await menu(fake)
        press = await fake.send_component(
            message, "choice:select", component_type=3, values=["what kazakhstan"]
        )
        await fake.wait_for_interaction_response(press)
        assert message["embeds"][0]["title"] == "what kazakhstan 1"

        nxt = await fake.send_component(message, "page:next")
        await fake.wait_for_interaction_response(nxt)
        assert message["embeds"][0]["title"] == "what kazakhstan 2"

        expired = await fake.wait_for_call(method="PATCH", route=WEBHOOK_MESSAGE, timeout=5)
        assert expired.ok
        assert all(c["disabled"] for c in components(message))  # what the user now sees
        assert fake.refused == []  # no channel-endpoint edit of the ephemeral message


async def test_an_expired_menu_is_disabled_through_the_interaction(fake: FakeDiscord) -> None:
    async with fake.running(make_bot(timeout=0.3)):
        message = await menu(fake)
        await fake.wait_for_call(method="PATCH", route=WEBHOOK_MESSAGE, ok=True, timeout=5)
        assert all(c["disabled"] for c in components(message))
        assert fake.refused == []


async def test_a_slow_pick_is_deferred_before_the_deadline(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.interaction_timeout = 0.6  # Discord's 3 s, scaled down with the work below
    monkeypatch.setattr(views, "DEFER_AFTER", 0.1)
    async with fake.running(make_bot(timeout=30, work=1.0)):
        message = await menu(fake)
        press = await fake.send_component(
            message, "choice:select", component_type=3, values=["what kazan"]
        )
        ack = await fake.wait_for_interaction_response(press)
        assert ack.callback_type == 6  # deferred update: the menu stays until the answer
        shown = await fake.wait_for_followup(press)
        assert shown.method == "PATCH" and shown.ok
        assert message["embeds"][0]["title"] == "what kazan 1"


async def test_only_the_asker_may_pick(fake: FakeDiscord) -> None:
    async with fake.running(make_bot(timeout=30)):
        message = await menu(fake)
        stranger = fake.add_user("mallory")
        press = await fake.send_component(
            message, "choice:select", component_type=3, values=["what kazan"], user=stranger
        )
        call = await fake.wait_for_interaction_response(press)
        assert call.callback_type == 4 and call.flags & EPHEMERAL
        assert "Only the person who asked" in call.content
        assert message["embeds"][0]["title"] == "Did you mean…"
