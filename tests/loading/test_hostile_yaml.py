"""Hostile YAML: every trick a knowledge file can play is refused with a located error, in
bounded time and memory, and the live bot keeps answering from its last good snapshot.

tests/loading/test_loader.py already covers `!!python/object/apply`, a 12-level alias bomb (time),
tab indentation inside a mapping, duplicate keys, a BOM and an invalid byte; this file adds
the rest and the "live snapshot stays" angle for all of them.
"""

from __future__ import annotations

import asyncio
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot.loading.parse
from bot.commands.table import run
from bot.config import Settings
from bot.discord.client import FactBot
from bot.loading.holder import KnowledgeHolder
from bot.loading.loader import LoadResult
from bot.loading.yamlsource import MAX_NODES, Problem
from tests.conftest import MINI_ENTITIES
from tests.fakediscord import FakeDiscord

MB = 1024 * 1024
MEMORY_BOUND = 500 * MB  # generous: the point is that it is bounded
TIME_BOUND = 60.0  # seconds; generous: the point is that it finishes


def _bomb(levels: int, fanout: int) -> str:
    """ "Billion laughs": each anchor refers `fanout` times to the one before."""
    text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * fanout)
        text += f"a{i}: &a{i} [{refs}]\n"
    return text + f"entities: *a{levels - 1}\n"


def _nested_block(depth: int) -> str:
    return "entities:\n" + "".join("  " * i + "- a:\n" for i in range(1, depth))


@dataclass(frozen=True)
class Case:
    """A hostile file, the words its error must contain, and where it must point."""

    content: str | bytes
    needle: str
    line: int | None  # None: the whole file (it is too big to read at all); ANY: some line
    column: int | None = None


ANY = -1  # located, at a line that depends on libyaml's own nesting limit


CASES: dict[str, Case] = {
    # unsafe and unknown tags: refused before anything is constructed
    "python-object-new": Case(
        'entities: !!python/object/new:os.system ["touch {marker}"]\n', "is not allowed", 1, 11
    ),
    "python-name": Case("entities: !!python/name:os.system\n", "is not allowed", 1, 11),
    "python-module": Case("entities: !!python/module:os\n", "is not allowed", 1, 11),
    "tag-directive": Case(
        "%TAG !p! tag:yaml.org,2002:python/\n---\nentities: !p!object/apply:os.system [x]\n",
        "python/object/apply:os.system' is not allowed",
        3,
        11,
    ),
    "verbatim-tag": Case(
        "entities: !<tag:yaml.org,2002:python/object:os.system> {}\n", "is not allowed", 1, 11
    ),
    "local-tag": Case("entities: !include /etc/passwd\n", "the tag '!include' is not allowed", 1),
    "binary": Case("entities: !!binary aGVsbG8=\n", "is not allowed", 1),
    "set": Case("entities: !!set {a, b}\n", "is not allowed", 1),
    "merge-key": Case(
        "base: &b {id: x}\nentities:\n  - <<: *b\n    name: y\n", "no merge keys", 3, 5
    ),
    # size and shape bombs
    "alias-bomb-10^30": Case(_bomb(30, 10), "the alias '*a0' is not allowed", 2, 10),
    "flow-nesting-10000": Case("entities: " + "[" * 10_000 + "]" * 10_000 + "\n", "nest", ANY),
    "unclosed-nesting-10000": Case("entities: " + "[" * 10_000 + "\n", "nest", ANY),
    "mapping-nesting-10000": Case("entities: " + "{a: " * 10_000 + "}" * 10_000, "nest", ANY),
    "block-nesting-3000": Case(_nested_block(3000), "nest", ANY),
    "nesting-60": Case("entities: " + "[" * 60 + "]" * 60 + "\n", "nested more than 40", 1, 51),
    "50-mb": Case(b"entities:\n" + b"  - id: x\n" * (5 * MB + 1), "the file is 50 MB", None),
    "dense-values": Case(
        "entities: [" + "x," * (MAX_NODES + 10) + "x]\n", "more than 200,000 values", 1
    ),
    # characters YAML refuses
    "nul-byte": Case(b"entities:\n  - name: Ast\x00ana\n", "U+0000 is not allowed", 2, 14),
    "terminal-escape": Case(b"entities:\n  - name: \x1b[31mred\n", "U+001B is not allowed", 2, 11),
    "delete-char-after-utf8": Case(
        "entities:\n  - name: Астана\x7f\n".encode(), "U+007F is not allowed", 2, 17
    ),
    "utf-16": Case("entities: []\n".encode("utf-16"), "not valid UTF-8", 1, 1),
    "truncated-utf-8": Case(b"entities:\n  - name: Caf\xc3\n", "not valid UTF-8", 2, 14),
    "utf-8-surrogate": Case(b"entities:\n  - name: \xed\xa0\x80\n", "not valid UTF-8", 2, 11),
    # editing mistakes that YAML itself would silently accept or explain badly
    "duplicate-section": Case(
        "entities: []\nclaims: []\nentities: []\n", "the key 'entities' appears twice", 3, 1
    ),
    "duplicate-key-after-bom": Case(
        b"\xef\xbb\xbf"
        + MINI_ENTITIES.replace("    name: Astana\n", "    name: Astana\n" * 2)
        .replace("  - id: astana", "  - id: astana-2")
        .encode(),
        "the key 'name' appears twice",
        10,
        5,
    ),
    "tab-indented-list": Case("entities:\n\t- id: x\n", "never tabs", 2, 1),
    "tab-in-mapping": Case("entities:\n  - id: x\n\t  name: y\n", "never tabs", 3),
    "two-documents": Case("entities: []\n---\nclaims: []\n", "one YAML document", 2, 1),
    "unclosed-quote": Case(
        'entities:\n  - name: "Astana\n    id: x\n',
        "the value in quotes from line 2, column 11 is never closed",
        2,
        11,
    ),
}


def measured(action: Callable[[], LoadResult]) -> tuple[LoadResult, float, int]:
    """Run `action`; return its result, its wall time and its peak traced memory."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = action()
        return result, time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def content_of(case: Case, tmp_path: Path) -> str | bytes:
    if isinstance(case.content, str):
        return case.content.replace("{marker}", str(tmp_path / "pwned"))
    return case.content


def the_problem(problems: tuple[Problem, ...], case: Case) -> Problem:
    found = [p for p in problems if p.file == "knowledge/hostile.yaml" and case.needle in p.message]
    assert found, f"no problem in knowledge/hostile.yaml mentions {case.needle!r}: {problems}"
    return found[0]


@pytest.mark.parametrize("name", CASES)
def test_hostile_file_gets_a_located_error_in_bounded_time_and_memory(mini, tmp_path, name):
    case = CASES[name]
    content = content_of(case, tmp_path)
    result, seconds, peak = measured(lambda: mini({"hostile.yaml": content}))

    assert result.kb is None
    p = the_problem(result.problems, case)
    if case.line == ANY:
        assert p.line is not None, str(p)
    else:
        assert (p.line, p.column if case.column else None) == (case.line, case.column), str(p)
    message = str(p)
    assert "\n" not in message and len(message) < 400, message  # one readable line
    assert "<unicode string>" not in message and "Traceback" not in message
    assert seconds < TIME_BOUND
    assert peak < MEMORY_BOUND, f"{peak / MB:.0f} MB"
    assert not (tmp_path / "pwned").exists()  # no tag was ever constructed


def test_the_limits_leave_room_for_real_files(mini):
    """The bounds refuse bombs, not big honest files: 5,000 entities load fine."""
    entities = "entities:\n" + "".join(
        f"  - id: place-{i}\n    type: place\n    name: Place {i}\n    description: d\n"
        for i in range(5000)
    )
    result = mini({"places.yaml": entities})
    assert result.ok, result.problems[:3]
    assert len(result.kb.entities) > 5000


# ---------------------------------------------------------------- the live snapshot stays


def holder_for(root: Path) -> KnowledgeHolder:
    settings = Settings.model_validate(
        {"knowledge_dir": str(root / "knowledge"), "seeds_dir": str(root / "seeds")}
    )
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None, result.problems
    return holder


@pytest.mark.parametrize("name", CASES)
def test_live_knowledge_survives_a_reload_that_hits_a_hostile_file(kb_copy, name):
    holder = holder_for(kb_copy)
    good = holder.kb
    hostile = kb_copy / "knowledge" / "hostile.yaml"
    content = content_of(CASES[name], kb_copy)
    if isinstance(content, bytes):
        hostile.write_bytes(content)
    else:
        hostile.write_text(content, encoding="utf-8")

    outcome = holder.reload("an editor")
    assert not outcome.ok
    assert holder.kb is good and outcome.kb is good
    the_problem(outcome.problems, CASES[name])
    assert holder.problems == outcome.problems
    answer = run(holder.kb, "who lavrov")
    assert answer.status == "ok" and answer.title == "Sergei Lavrov"

    hostile.unlink()  # the editor takes it out again
    assert holder.reload("an editor").ok
    assert holder.problems == ()


def test_questions_never_wait_for_a_hostile_reload(kb_copy, monkeypatch):
    """While a reload chews on a bomb, every question is answered from the old snapshot."""
    holder = holder_for(kb_copy)
    good = holder.kb
    (kb_copy / "knowledge" / "hostile.yaml").write_text(_bomb(30, 10), encoding="utf-8")
    reading, release = threading.Event(), threading.Event()
    real = bot.loading.parse.read_yaml

    def slow_read(file: str, raw: bytes, **options):
        if file.endswith("hostile.yaml"):
            reading.set()
            assert release.wait(30)
        return real(file, raw, **options)

    monkeypatch.setattr(bot.loading.parse, "read_yaml", slow_read)
    outcomes = []
    reloader = threading.Thread(target=lambda: outcomes.append(holder.reload("an editor")))
    reloader.start()
    try:
        assert reading.wait(30)
        # the reload is stuck inside the hostile file right now
        for text, title in [("who lavrov", "Sergei Lavrov"), ("org ksor", None), ("on 2008", None)]:
            answer = run(holder.kb, text)
            assert answer.status == "ok", text
            assert title is None or answer.title == title
        assert holder.kb is good
    finally:
        release.set()
        reloader.join(30)
    assert not outcomes[0].ok and holder.kb is good
    assert "anchors and aliases" in str(outcomes[0].problems[0])


# ---------------------------------------------------------------- through Discord


async def test_hostile_edit_is_reported_located_and_inert_while_the_bot_answers(kb_copy):
    """The ops report names file and line, pings nobody though the YAML says @everyone,
    and questions keep their answers."""
    async with FakeDiscord() as fake:
        ops = fake.add_channel("ops")
        settings = Settings.model_validate(
            {
                "knowledge_dir": str(kb_copy / "knowledge"),
                "seeds_dir": str(kb_copy / "seeds"),
                "reload_debounce": 0.2,
                "discord": {
                    "team_channels": [fake.channel_id],
                    "ops_channel": ops,
                    "cooldown": {"rate": 50, "per_seconds": 1},
                },
            }
        )
        holder, _ = KnowledgeHolder.load(settings)
        assert holder is not None
        async with fake.running(FactBot(holder)):
            await asyncio.sleep(0.3)  # let the watcher start
            knowledge = kb_copy / "knowledge"
            (knowledge / "broken.yaml").write_bytes(b"entities:\n  - name: Ast\x00ana\n")
            (knowledge / "hostile.yaml").write_text(
                "'@everyone <@&123456789012345678>': ping\nentities: []\n", encoding="utf-8"
            )
            report = await fake.wait_for_reply(ops, timeout=15)
            if "hostile.yaml" not in report.embeds[0]["description"]:
                # the watcher caught the first file alone; the second save comes next
                report = await fake.wait_for_reply(ops, since=report.index + 1, timeout=15)
            await fake.send_message("!who lavrov")
            answer = await fake.wait_for_reply(fake.channel_id)

    embed = report.embeds[0]
    assert "not loaded" in embed["title"]
    assert "knowledge/broken.yaml:2:14" in embed["description"]
    assert "U+0000 is not allowed" in embed["description"]
    assert "knowledge/hostile.yaml:1:1" in embed["description"]
    assert "'@\u200beveryone <@&\u200b123456789012345678>'" in embed["description"]
    text = str(report.body)
    assert "@everyone" not in text and "<@&123456789012345678>" not in text
    assert report.body["allowed_mentions"]["parse"] == []
    assert answer.embeds[0]["title"] == "Sergei Lavrov"
