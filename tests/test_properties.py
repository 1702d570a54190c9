"""Whatever anyone types, factbot answers: no exception, no ping, nothing Discord would refuse.

Property tests (hypothesis) over the parser and query engine (`run`), the renderers, the
date parser, the matcher and the text-safety helpers. The inputs mix the command words with
hostile text: any Unicode, control, bidi and zero-width characters, mention and markdown
syntax, names from the fact base and walls of text.

The command fuzz runs 25 times the profile's examples: 10,000 under CI's profile "ci".
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.answer import Answer, CitationRef, Line, Suggestion
from bot.commands.table import COMMANDS, run
from bot.commands.textsafety import clean_input, echo, neutralise
from bot.discord.embeds import (
    CONTENT_MAX,
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    FOOTER_MAX,
    TITLE_MAX,
    paginate,
    render_pages,
)
from bot.knowledge.date_parsing import parse_date
from bot.knowledge.dates import DateError, DateValue
from bot.knowledge.snapshot import KnowledgeBase
from bot.render.text import render_text
from tests.conftest import KNOWLEDGE

COMMAND_FUZZ_EXAMPLES = settings().max_examples * 25  # 10,000 under the "ci" profile

# What Discord turns into a ping (or a role / channel mention); a zero-width space after
# the "@" or "<@" makes it plain text.
LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?[0-9]+>", re.IGNORECASE)

# ---------------------------------------------------------------- strategies


def _fact_base_words() -> list[str]:
    """Names, aliases and ids from the shipped YAML, so fuzzed commands also hit real answers."""
    words: set[str] = set()
    for path in sorted(KNOWLEDGE.rglob("*.yaml")):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        for entity in data.get("entities") or []:
            words.update([entity["id"], entity["name"], *(entity.get("aliases") or [])])
        for claim in data.get("claims") or []:
            words.add(claim["id"])
    return sorted(words)


KNOWN = [
    *_fact_base_words(),
    "2012", "April 6", "6 April 2012", "2012-04-06", "late 2008", "2011..2012", "2000s",
    "April 2012 to May 2012", "the", "of", "and", "NATO withdrawal", "drug trafficking",
]  # fmt: skip
assert len(KNOWN) > 50, "the fact base words were not found"

DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=20)
MENTIONS = st.one_of(
    DIGITS.map("<@{}>".format),
    DIGITS.map("<@!{}>".format),
    DIGITS.map("<@&{}>".format),
    DIGITS.map("<#{}>".format),
    DIGITS.map("<@\u200b{}>".format),  # a broken mention that cleaning would re-join
)
POOL = [
    *KNOWN,
    # mentions
    "@everyone", "@here", "@EVERYONE", "@@here", "@every\u200bone", "<@123456789012345678>",
    "<@!42>", "<@&7>", "<#99>", "<@\u200b5>", "<@", ">", "@",
    # markdown
    "**", "*", "__", "_", "`", "```", "~~", "||", "> ", ">>> ", "# ", "-# ", "\\", "[", "]",
    "[click](https://example.com)", "<https://example.com>", ":smile:", "<:e:123>",
    # invisible, control, bidi, combining, odd scripts
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2066", "\u2069", "\u00ad",
    "\u061c", "\u180e", "\U000e0041", "\x00", "\x07", "\x1b[31m", "\r", "\r\n", "\x85",
    "\u2028", "\u2029", "\t", "\n", "\u3164", "\ufe0f", "\u0301", "\u0301\u0301\u0301",
    "\U0001f600", "\U0001f468\u200d\U0001f469", "\u0627\u0644", "\u05d0", "\u4e2d\u6587",
    "\uff20everyone", "\u2002", "\u3000", "\ufffd", "\U0010ffff", "\u0130", "\u00df", "\ufb01",
    " ", "  ", ",", ".", "..", "-", "\u2013", "/", ":", "'", '"', "?", "!", "(", ")",
]  # fmt: skip
ODD_CHARS = st.characters(categories=["Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn"])
FRAGMENT = st.one_of(st.sampled_from(POOL), MENTIONS, ODD_CHARS, st.text(max_size=8))
LONG = st.builds(lambda piece, n: piece * n, st.sampled_from(POOL), st.integers(20, 400))
PIECES = st.lists(st.sampled_from(POOL), max_size=6)
HOSTILE = st.one_of(
    st.sampled_from(KNOWN),  # a real name: real answers get fuzzed too
    st.tuples(st.sampled_from(KNOWN), st.sampled_from(POOL), st.booleans()).map(
        lambda t: f"{t[1]} {t[0]}" if t[2] else f"{t[0]}{t[1]}"
    ),
    PIECES.map(" ".join),
    PIECES.map("".join),
    st.lists(FRAGMENT, max_size=4).map(" ".join),
    LONG,
)
_TYPOS = ["WHO", "Search", "ON", "wh0", "serch", "tim eline", "@"]
COMMAND_WORDS = sorted(COMMANDS.words()) * 3 + _TYPOS


@st.composite
def commands(draw: st.DrawFn) -> str:
    """A chat line: maybe a prefix, a command word (or a near miss), hostile argument text."""
    prefix = draw(st.sampled_from(["", "", "!", "!", "! ", "!!", "/", "\u200b!"]))
    word = draw(st.sampled_from(COMMAND_WORDS))
    separator = draw(st.sampled_from([*" " * 4, "  ", "\t", "\n", "\u200b ", "\u00a0", ""]))
    return prefix + word + separator + draw(HOSTILE)


class Quiet:
    """The seed fact base behind a short repr: hypothesis prints its test's arguments."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def __repr__(self) -> str:
        return "<seed_kb>"


@pytest.fixture(scope="session")
def kb(seed_kb: KnowledgeBase) -> Quiet:
    return Quiet(seed_kb)


# ---------------------------------------------------------------- what a reply must be


def assert_fits_discord(embed: dict) -> None:
    """Discord's embed limits, as its API enforces them."""
    title = embed.get("title") or ""
    description = embed.get("description") or ""
    fields = embed.get("fields") or []
    footer = (embed.get("footer") or {}).get("text") or ""
    author = (embed.get("author") or {}).get("name") or ""
    assert len(title) <= TITLE_MAX, len(title)
    assert len(description) <= DESCRIPTION_MAX, len(description)
    assert len(fields) <= FIELDS_MAX, len(fields)
    for f in fields:
        assert 0 < len(f["name"]) <= FIELD_NAME_MAX, f["name"]
        assert 0 < len(f["value"]) <= FIELD_VALUE_MAX, f["value"]
    assert len(footer) <= FOOTER_MAX
    assert len(embed.get("content") or "") <= CONTENT_MAX
    total = len(title) + len(description) + len(footer) + len(author)
    total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    assert total <= EMBED_TOTAL_MAX, total


def assert_no_live_mention(text: str) -> None:
    found = LIVE_MENTION.search(text)
    assert found is None, f"live mention {found.group()!r} in {text[:300]!r}"


def assert_safe_reply(answer: Answer) -> None:
    """Every page fits Discord and pings nobody; the text and JSON renderings work too."""
    pages = render_pages(answer)
    assert pages
    for embed in pages:
        data = embed.to_dict()
        assert_fits_discord(data)
        assert_no_live_mention(json.dumps(data, ensure_ascii=False))
    render_text(answer)
    render_text(answer, page=2, explain=True)
    json.dumps(answer.to_json(), ensure_ascii=False)


# ---------------------------------------------------------------- the commands


@settings(
    max_examples=COMMAND_FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=commands())
def test_any_command_gets_a_safe_answer_that_fits_discord(kb, text):
    answer = run(kb.kb, text)
    assert isinstance(answer, Answer)
    assert answer.kind != "internal", f"answering {text!r} hit a bug (see the log)"
    assert_safe_reply(answer)


@given(text=HOSTILE)
def test_discord_style_commands_without_prefix(kb, text):
    """The Discord cogs call run() with prefix="" and the command word already in place."""
    for word in ("who", "on", "search", "cite", "when", "help"):
        answer = run(kb.kb, f"{word} {text}", prefix="")
        assert answer.kind != "internal", f"answering {word} {text!r} hit a bug"
        assert_safe_reply(answer)


def test_a_wall_of_text_is_refused_without_work(seed_kb):
    answer = run(seed_kb, "who " + "@everyone \u200b<@123> " * 100_000)
    assert answer.status == "error" and answer.title == "That question is too long"
    assert_safe_reply(answer)


# ---------------------------------------------------------------- the renderers


def _texts(limit: int) -> st.SearchStrategy[str]:
    """Cheap to draw, so hundreds of big answers stay fast: pool pieces repeated and cut."""
    pieces = st.tuples(st.sampled_from(POOL), st.sampled_from(POOL), st.integers(1, limit // 4))
    return st.one_of(
        pieces.map(lambda t: ((t[0] + " " + t[1]) * t[2])[:limit]),
        st.text(max_size=8),
    )


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    """Any answer the engine could build from any YAML: long texts, many sources per line."""
    count = draw(st.integers(0, 30))
    citations = tuple(
        CitationRef(
            number=n,
            claim_id=draw(_texts(120)),
            article_id="a",
            article=draw(_texts(400)),
            paragraph=draw(st.integers(0, 10**6)),
            quote=draw(_texts(3000)),
            cites=draw(st.none() | _texts(400)),
        )
        for n in range(1, count + 1)
    )
    numbers = st.integers(1, count + 2)  # a few numbers with no citation behind them
    lines = tuple(
        Line(
            text=draw(_texts(3000)),
            citations=tuple(range(draw(numbers), draw(numbers) + 1) if draw(st.booleans()) else ()),
            heading=draw(st.none() | st.sampled_from(["Roles", "Members"]) | _texts(400)),
        )
        for _ in range(draw(st.integers(0, 12)))
    )
    suggestions = tuple(
        Suggestion(draw(_texts(300)), draw(_texts(300))) for _ in range(draw(st.integers(0, 8)))
    )
    optional = st.none() | _texts(5000)
    return Answer(
        status=draw(st.sampled_from(["ok", "not_found", "error"])),
        title=draw(_texts(1000)),
        subtitle=draw(optional),
        note=draw(optional),
        entity_id=draw(st.none() | _texts(3000)),
        entity_type=draw(st.none() | st.sampled_from(["person", "country"]) | _texts(100)),
        lines=lines,
        citations=citations,
        suggestions=suggestions,
        usage=draw(st.none() | _texts(500)),
    )


@settings(
    max_examples=max(settings().max_examples // 4, 10),  # big answers: 100 under "ci"
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(answer=answers())
def test_any_answer_renders_within_limits_and_keeps_every_line_and_source(answer):
    """Any answer, from any YAML: every page fits Discord and pings nobody, and the pages
    together show every line in order and every source the lines cite."""
    assert_safe_reply(answer)
    pages = paginate(answer)
    assert [line for p in pages for line in p.lines] == list(answer.lines)
    existing = {c.number for c in answer.citations}
    cited = {n for line in answer.lines for n in line.citations if n in existing}
    shown = {c.number for p in pages for c in p.citations}
    assert shown == cited
    for page in pages:
        assert len(page.citations) < FIELDS_MAX  # one field stays free for `kb`


def test_a_line_citing_dozens_of_sources_spills_onto_more_pages():
    """An organisation with many member claims: one "Members" line, 60 sources."""
    citations = tuple(
        CitationRef(n, f"claim-{n}", "a", "Eurasia Daily Monitor, Vol. 9", 2, "q " * 200)
        for n in range(1, 61)
    )
    answer = Answer(
        status="ok",
        title="Big Organisation",
        lines=(Line("A, B, C", tuple(range(1, 61)), "Members"),),
        citations=citations,
    )
    pages = render_pages(answer)
    assert len(pages) >= 3
    assert sum(len(p.fields) for p in pages) == 60
    for embed in pages:
        assert_fits_discord(embed.to_dict())
    assert pages[0].footer.text.startswith("Page 1/")


# ---------------------------------------------------------------- dates, matching, text


@given(text=HOSTILE)
def test_dates_give_a_value_or_a_one_line_date_error(text):
    for context in (None, parse_date("April 2012")):
        try:
            value = parse_date(text, context=context)
        except DateError as exc:
            assert str(exc).isprintable(), repr(str(exc))  # one line, control chars shown
        else:
            assert isinstance(value, DateValue) and value.start <= value.end
            value.display(), value.iso(), value.to_json()


@given(text=HOSTILE)
def test_matcher_gives_a_decision_and_a_printable_explanation(kb, text):
    seed_kb = kb.kb
    result = seed_kb.matcher.match(text, allowed=seed_kb.visible)
    assert result.decision in {"answer", "choose", "none"}
    assert result.decision != "answer" or result.best is not None
    assert all(c.key in seed_kb.entities for c in result.candidates)
    assert all(line.isprintable() for line in result.explain().splitlines())
    completions = seed_kb.matcher.complete(text, limit=25, allowed=seed_kb.visible)
    assert len(completions) <= 25


_HIDDEN = {"Cc", "Cf", "Cs"}


@given(text=HOSTILE, limit=st.integers(2, 300))
def test_echo_is_short_visible_and_inert(text, limit):
    shown = echo(text, limit)
    assert_no_live_mention(shown)
    breaks = shown.count("\u200b")  # only the zero-width spaces that break a mention
    assert len(shown) - breaks <= limit
    assert not any(unicodedata.category(c) in _HIDDEN for c in shown.replace("\u200b", ""))
    assert not set(shown) & set("*_`~|>[]\\")


@given(text=HOSTILE)
def test_neutralise_breaks_every_mention_and_is_idempotent(text):
    once = neutralise(text)
    assert_no_live_mention(once)
    assert neutralise(once) == once
    assert_no_live_mention(neutralise(clean_input(text)))


@given(text=HOSTILE)
def test_clean_input_is_idempotent_and_leaves_nothing_hidden(text):
    cleaned = clean_input(text)
    assert clean_input(cleaned) == cleaned
    assert not any(unicodedata.category(c) in _HIDDEN for c in cleaned)
    assert cleaned == cleaned.strip() and "  " not in cleaned
