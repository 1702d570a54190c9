"""Buttons and menus: paging an answer and picking among "did you mean" choices.

A view on an ephemeral message can only be edited through the interaction that made or
last touched it (its webhook token, valid 15 minutes): Discord answers the channel
endpoint with Unknown Message for ephemeral messages. So every view remembers that
interaction and edits, expires and replaces itself through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

import discord

from bot.commands.answer import Suggestion

log = logging.getLogger("factbot.views")

Runner = Callable[[discord.Interaction, str], Awaitable[None]]
DEFER_AFTER = 1.5  # seconds; Discord needs an acknowledgement within 3


class OwnedView(discord.ui.View):
    """A view only the person who asked may use; it disables itself when it expires."""

    def __init__(self, owner_id: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | None = None
        self.interaction: discord.Interaction | None = None

    def bind(self, interaction: discord.Interaction) -> None:
        """Edit (and expire) through this interaction: the only way to an ephemeral message."""
        self.interaction = interaction

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            self.bind(interaction)  # the latest press reaches the message for 15 minutes
            return True
        await interaction.response.send_message(
            "Only the person who asked can use these buttons; ask the question yourself to get "
            "your own copy.",
            ephemeral=True,
        )
        return False

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        try:
            if self.interaction is not None:
                await self.interaction.edit_original_response(view=self)
            elif self.message is not None:
                await self.message.edit(view=self)
        except discord.HTTPException as exc:  # the message may be gone, or the token expired
            log.warning("could not disable an expired view: %s %s", exc.status, exc.text)


class PagerView(OwnedView):
    """Previous / next buttons over pre-rendered pages: embeds, or plain text where the bot
    may not embed links."""

    def __init__(
        self, owner_id: int, pages: Sequence[discord.Embed] | Sequence[str], timeout: float
    ) -> None:
        super().__init__(owner_id, timeout)
        self.pages = pages
        self.index = 0
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1
        self.counter.label = f"{self.index + 1}/{len(self.pages)}"

    async def _show(self, interaction: discord.Interaction) -> None:
        self._sync()
        page = self.pages[self.index]
        if isinstance(page, str):
            await interaction.response.edit_message(content=page, view=self)
        else:
            await interaction.response.edit_message(embed=page, view=self)

    @discord.ui.button(label="◀", style=discord.ButtonStyle.secondary, custom_id="page:prev")
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.index = max(self.index - 1, 0)
        await self._show(interaction)

    @discord.ui.button(
        label="1/1", style=discord.ButtonStyle.secondary, disabled=True, custom_id="page:counter"
    )
    async def counter(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await interaction.response.defer()  # pragma: no cover - the button is disabled

    @discord.ui.button(label="▶", style=discord.ButtonStyle.secondary, custom_id="page:next")
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.index = min(self.index + 1, len(self.pages) - 1)
        await self._show(interaction)


class ChoiceView(OwnedView):
    """A select menu of "did you mean" choices; picking one runs that lookup."""

    def __init__(
        self, owner_id: int, suggestions: tuple[Suggestion, ...], run: Runner, timeout: float
    ) -> None:
        super().__init__(owner_id, timeout)
        self.run = run
        options = [
            discord.SelectOption(
                label=s.label[:100],
                value=s.command[:100],
                description=(s.detail or "")[:100] or None,
            )
            for s in suggestions[:25]
        ]
        select: discord.ui.Select = discord.ui.Select(
            placeholder="Did you mean…", options=options, custom_id="choice:select"
        )
        select.callback = self._chosen  # type: ignore[method-assign]
        self.select = select
        self.add_item(select)

    async def _chosen(self, interaction: discord.Interaction) -> None:
        """Run the pick; if it is not done in DEFER_AFTER s, acknowledge it first (a deferred
        update), so a slow answer never meets Discord's 3-second deadline. `run` shows its
        answer with `show_in_place`, which works either way."""
        command = self.select.values[0]
        self.stop()
        work = asyncio.ensure_future(self.run(interaction, command))
        done, _ = await asyncio.wait({work}, timeout=DEFER_AFTER)
        if not done and not interaction.response.is_done():
            with contextlib.suppress(discord.InteractionResponded, discord.HTTPException):
                await interaction.response.defer()  # lost the race to `run`: it answered
        await work


async def show_in_place(
    interaction: discord.Interaction,
    *,
    embed: discord.Embed | None = None,
    content: str | None = None,
    view: discord.ui.View | None = None,
    files: Sequence[discord.File] = (),
) -> None:
    """Replace the message a pressed component is on, through the interaction (so ephemeral
    messages work), whether or not the press was deferred; the new view then edits and
    expires through the same interaction."""
    if isinstance(view, OwnedView):
        view.bind(interaction)
    if interaction.response.is_done():
        await interaction.edit_original_response(
            content=content, embed=embed, view=view, attachments=list(files)
        )
    else:
        await interaction.response.edit_message(
            content=content, embed=embed, view=view, attachments=list(files)
        )
