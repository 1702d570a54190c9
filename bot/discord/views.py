"""Buttons and menus: paging an answer and picking among "did you mean" choices."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import discord

from bot.commands.answer import Suggestion

Runner = Callable[[discord.Interaction, str], Awaitable[None]]


class OwnedView(discord.ui.View):
    """A view only the person who asked may use; it disables itself when it expires."""

    def __init__(self, owner_id: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
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
        if self.message is not None:
            with contextlib.suppress(discord.HTTPException):  # the message may be gone
                await self.message.edit(view=self)


class PagerView(OwnedView):
    """Previous / next buttons over pre-rendered embed pages."""

    def __init__(self, owner_id: int, pages: list[discord.Embed], timeout: float) -> None:
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
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

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
        command = self.select.values[0]
        self.stop()
        await self.run(interaction, command)
