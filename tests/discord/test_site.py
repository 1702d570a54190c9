"""The web view from Discord (issue 17): with `site.url` set, embed titles link to the
entity's page and citations to the claim and the paragraph, only ever on that site; with
`site.out` set, the running bot keeps the built site in step with each reload. And when
matplotlib is missing, an answer that has a picture says why it comes without one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import Settings, SiteSettings
from bot.discord.client import FactBot
from bot.discord.embeds import site_link
from bot.loading.holder import KnowledgeHolder
from bot.render.pictures import picture
from bot.render.site import build
from tests.conftest import discord_settings
from tests.fakediscord import FakeDiscord

BASE = "https://facts.example.org/kb/"
LINK = re.compile(r"(?<!\\)\]\(([^)]*)\)")  # every masked link (an escaped \] is none)


def with_site(settings: Settings, **site: object) -> Settings:
    return settings.model_copy(update={"site": SiteSettings.model_validate(site)})


async def ask(fake: FakeDiscord, settings: Settings, *questions: str) -> list:
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None, result.problems
    replies = []
    async with fake.running(FactBot(holder)):
        for question in questions:
            await fake.send_message(question)
            replies.append(await fake.wait_for_reply(timeout=20))
    return replies


async def test_titles_and_citations_link_to_the_site(fake):
    [reply] = await ask(fake, with_site(discord_settings(fake=fake), url=BASE), "!who lavrov")
    embed = reply.embeds[0]
    assert embed["url"] == BASE + "entity/sergei-lavrov.html"
    values = "\n".join(f["value"] for f in embed["fields"])
    assert re.search(r"\[claim 1\]\(" + re.escape(BASE) + r"entity/[a-z0-9-]+\.html#c-", values)
    assert re.search(
        r"\[¶\d+ in the article\]\(" + re.escape(BASE) + r"article/[a-z0-9-]+\.html#p\d+\)",
        values,
    )


async def test_links_go_only_to_the_configured_site(fake):
    settings = with_site(discord_settings(fake=fake), url=BASE)
    replies = await ask(
        fake,
        settings,
        "!who lavrov",
        "!on [free nitro](https://evil.example/login)",
        "!timeline csto",
        "!search [x](https://evil.example)",
    )
    targets = [
        target
        for reply in replies
        for embed in reply.embeds
        for text in [embed.get("description", ""), *(f["value"] for f in embed.get("fields", []))]
        for target in LINK.findall(text)
    ]
    assert targets
    assert [t for t in targets if not t.startswith(BASE)] == []


async def test_without_a_site_url_answers_carry_no_links(fake):
    [reply] = await ask(fake, discord_settings(fake=fake), "!who lavrov")
    embed = reply.embeds[0]
    assert "url" not in embed
    assert not any(LINK.search(f["value"]) for f in embed["fields"])


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("https://evil.example/entity/x.html", BASE),
        (BASE + "entity/x.html", "javascript:alert(1)//"),
        (BASE + "entity/x).html", BASE),
        (BASE + "entity/x.html", None),
        (None, BASE),
    ],
)
def test_a_link_outside_the_site_is_never_made(url, base):
    assert site_link(url, base) is None


def test_a_page_of_the_site_is_linked():
    assert site_link(BASE + "entity/x.html#c-y", BASE.rstrip("/")) == BASE + "entity/x.html#c-y"


# ---------------------------------------------------------------- the site in step


async def test_the_running_bot_rebuilds_the_site_after_a_reload(fake, kb_copy, monkeypatch):
    monkeypatch.setattr(build, "pictures_available", lambda: False)  # text pages only: fast
    admin = fake.add_role("kb-admin")
    out = kb_copy / "site"
    settings = with_site(discord_settings(kb_copy, fake=fake, admin_roles=[admin]), out=str(out))
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None, result.problems
    page = out / "entity" / "sergei-lavrov.html"
    bot = FactBot(holder)
    async with fake.running(bot):
        assert bot.site is not None
        bot.site.wait(60)
        assert "Russia&#39;s Foreign Minister" in page.read_text("utf-8")  # built at start

        people = kb_copy / "knowledge" / "people.yaml"
        text = people.read_text("utf-8")
        people.write_text(text.replace("Russia's Foreign Minister", "Chief Diplomat"), "utf-8")
        await fake.send_message("!reload", roles=[admin])
        reply = await fake.wait_for_reply(timeout=20)
        assert reply.embeds[0]["title"] == "Knowledge reloaded"
        bot.site.wait(60)
    assert bot.site.error is None
    assert "Chief Diplomat" in page.read_text("utf-8")
    assert holder.after_reload.count(bot.site) == 1


async def test_without_site_out_nothing_is_built(fake, kb_copy):
    holder, _ = KnowledgeHolder.load(discord_settings(kb_copy, fake=fake))
    assert holder is not None
    bot = FactBot(holder)
    async with fake.running(bot):
        await fake.send_message("!kb")
        await fake.wait_for_reply(timeout=20)
    assert bot.site is None and holder.after_reload == []
    assert not any(Path(kb_copy).glob("**/index.html"))


# ---------------------------------------------------------------- pictures missing


async def test_without_matplotlib_a_picture_answer_says_why_it_has_none(fake, monkeypatch):
    monkeypatch.setattr(picture, "pictures_available", lambda: False)
    timeline, who = await ask(fake, discord_settings(fake=fake), "!timeline csto", "!who lavrov")
    assert timeline.files == []
    assert "image" not in timeline.embeds[0]
    assert (
        "No picture: the pictures extra (matplotlib) is not installed"
        in (timeline.embeds[0]["footer"]["text"])
    )
    assert "No picture" not in who.embeds[0].get("footer", {}).get("text", "")


async def test_with_matplotlib_the_picture_comes_and_no_note(fake):
    pytest.importorskip("matplotlib")
    [timeline] = await ask(fake, discord_settings(fake=fake), "!timeline csto")
    assert len(timeline.files) == 1
    assert "No picture" not in timeline.embeds[0].get("footer", {}).get("text", "")
