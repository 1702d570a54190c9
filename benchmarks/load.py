"""Load: many commands at once through the fake Discord, prefix and slash mixed, from several
users in several team channels, optionally with a knowledge reload half-way.

    .venv/bin/python -m benchmarks.load            # 500 commands, prints p50/p99 and counts
    .venv/bin/python -m benchmarks.load -n 2000 --no-reload

Response time is from injecting the question into the gateway to the fake recording the
reply (for a deferred slash command, its follow-up). Nothing here is asserted on time:
tests/test_load.py checks that every question gets exactly one, right, answer.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.discord.client import FactBot
from bot.loading.holder import KnowledgeHolder, ReloadOutcome
from tests.fakediscord import (
    CREATE_MESSAGE,
    INTERACTION_CALLBACK,
    WEBHOOK_EXECUTE,
    WEBHOOK_MESSAGE,
    FakeDiscord,
    RecordedCall,
)

ROOT = Path(__file__).resolve().parent.parent

# (as typed after the prefix, slash command, its options, the title the answer must have)
COMMANDS: list[tuple[str, str, dict[str, str], str]] = [
    ("who lavrov", "who", {"name": "lavrov"}, "Sergei Lavrov"),
    ("who kazykhanov", "who", {"name": "kazykhanov"}, "Yerzhan Kazykhanov"),
    ("org csto", "org", {"name": "csto"}, "CSTO"),
    ("what astana", "what", {"name": "astana"}, "Astana"),
    ("on 2008", "on", {"date": "2008"}, "In 2008"),
    ("search ulyanovsk", "search", {"words": "ulyanovsk"}, "Search: “ulyanovsk”"),
    (
        "cite lavrov-arrived-astana-2012-04-06",
        "cite",
        {"claim": "lavrov-arrived-astana-2012-04-06"},
        "Claim lavrov-arrived-astana-2012-04-06",
    ),
    ("sources", "sources", {}, "Sources"),
    ("help who", "help", {"command": "who"}, "who <name>"),
    ("kb", "kb", {}, "Knowledge base"),
    (
        "timeline ksor",
        "timeline",
        {"entity": "ksor"},
        "Timeline: Collective Rapid Reaction Force (KSOR)",
    ),
]

# A real edit for the reload half-way: one more claim about Lavrov.
NEW_CLAIM = """
  - id: load-test-zebra-claim
    subject: sergei-lavrov
    predicate: said
    text: Lavrov spoke about zebras, according to a load-test edit.
    date: April 6
    references:
      - article: edm-2012-v9-i71
        paragraph: 1
        quote: Lavrov said that Moscow initiated a declaration
"""


@dataclass
class Question:
    number: int
    kind: str  # "prefix" or "slash"
    text: str
    expected: str
    channel: int
    user: int
    sent_at: float = 0.0
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What the users saw: each question's answers, and what was wrong with them."""

    questions: list[Question]
    answers: dict[int, list[RecordedCall]]
    latencies: dict[int, float]
    problems: list[str]
    acks: dict[int, float] = field(default_factory=dict)  # slash: first acknowledgement
    reload: ReloadOutcome | None = None
    wall: float = 0.0

    @property
    def answered(self) -> int:
        return sum(1 for q in self.questions if len(self.answers.get(q.number, [])) == 1)

    def report(self) -> str:
        times = sorted(self.latencies.values())
        lines = [f"questions: {len(self.questions)}, answered exactly once: {self.answered}"]
        for kind in ("prefix", "slash", "all"):
            picked = sorted(
                t
                for n, t in self.latencies.items()
                if kind == "all" or self.questions[n].kind == kind
            )
            if picked:
                p50 = statistics.median(picked)
                p99 = picked[min(len(picked) - 1, round(0.99 * (len(picked) - 1)))]
                lines.append(
                    f"{kind:>6}: n={len(picked)} p50={p50 * 1000:.0f} ms "
                    f"p99={p99 * 1000:.0f} ms max={picked[-1] * 1000:.0f} ms"
                )
        if self.acks:
            acks = sorted(self.acks.values())
            lines.append(
                f"slash acknowledged (Discord allows 3 s): p50={statistics.median(acks) * 1000:.0f}"
                f" ms max={acks[-1] * 1000:.0f} ms"
            )
        if times:
            lines.append(f"wall time: {self.wall:.1f} s for {len(times)} answers")
        if self.reload is not None:
            lines.append(f"reload half-way: ok={self.reload.ok} {self.reload.changelog.lines()}")
        lines += [f"problem: {p}" for p in self.problems[:20]]
        return "\n".join(lines)


def settings_for(root: Path, channels: list[int]) -> Settings:
    return Settings.model_validate(
        {
            "knowledge_dir": str(root / "knowledge"),
            "seeds_dir": str(root / "seeds"),
            "reload_debounce": 60.0,  # the reload half-way is ours, not the file watcher's
            "discord": {
                "team_channels": channels,
                "cooldown": {"rate": 10_000, "per_seconds": 1},
            },
        }
    )


def plan(count: int, channels: list[int], users: list[int], seed: int = 20120406) -> list[Question]:
    """A fixed, mixed list of questions: every command, both doors, all users and channels."""
    rng = random.Random(seed)
    questions = []
    for n in range(count):
        text, _, _, expected = COMMANDS[n % len(COMMANDS)]
        kind = "slash" if rng.random() < 0.5 else "prefix"
        questions.append(Question(n, kind, text, expected, rng.choice(channels), rng.choice(users)))
    return questions


def _final_reply(fake: FakeDiscord, q: Question) -> list[RecordedCall]:
    """The replies the asker sees: one, normally; none if lost; two if answered twice."""
    if q.kind == "prefix":
        wanted = q.payload["id"]
        return [
            c
            for c in fake.calls
            if c.route == CREATE_MESSAGE
            and c.method == "POST"
            and c.ok
            and isinstance(c.body, dict)
            and str((c.body.get("message_reference") or {}).get("message_id")) == wanted
        ]
    iid, token = q.payload["id"], q.payload["token"]
    callbacks = [
        c
        for c in fake.calls
        if c.route == INTERACTION_CALLBACK and c.ok and c.params.get("interaction_id") == iid
    ]
    answers = [c for c in callbacks if c.callback_type == 4]
    if any(c.callback_type == 5 for c in callbacks):  # deferred: the follow-up is the answer
        answers += [
            c
            for c in fake.calls
            if c.route in (WEBHOOK_EXECUTE, WEBHOOK_MESSAGE)
            and c.method in ("POST", "PATCH")
            and c.ok
            and c.params.get("webhook_token") == token
        ]
    return answers


async def run_load(
    fake: FakeDiscord,
    questions: list[Question],
    *,
    halfway: Callable[[], ReloadOutcome] | None = None,
    timeout: float = 180.0,
) -> Outcome:
    """Inject every question without waiting for answers, run `halfway` in a thread after
    half of them, then wait until each has an answer (or `timeout`) and check them all."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    reload_task: asyncio.Future[ReloadOutcome] | None = None
    for q in questions:
        if halfway is not None and q.number == len(questions) // 2:
            reload_task = asyncio.ensure_future(asyncio.to_thread(halfway))
        q.sent_at = loop.time()
        if q.kind == "prefix":
            q.payload = await fake.send_message(f"!{q.text}", channel_id=q.channel, author=q.user)
        else:
            _, name, options, _ = next(c for c in COMMANDS if c[0] == q.text)
            q.payload = await fake.send_slash(name, options, channel_id=q.channel, user=q.user)
    deadline = started + timeout
    answers: dict[int, list[RecordedCall]] = {}
    while True:
        answers = {q.number: _final_reply(fake, q) for q in questions}
        if all(answers.values()) or loop.time() > deadline:
            break
        await asyncio.sleep(0.25)
    await asyncio.sleep(0.5)  # late duplicates would show up now
    answers = {q.number: _final_reply(fake, q) for q in questions}
    outcome = Outcome(questions, answers, {}, [], wall=loop.time() - started)
    if reload_task is not None:
        outcome.reload = await reload_task
    for q in questions:
        got = answers[q.number]
        if len(got) != 1:
            outcome.problems.append(f"#{q.number} {q.kind} {q.text!r}: {len(got)} answers")
            continue
        if q.kind == "prefix" and got[0].params["channel_id"] != str(q.channel):
            outcome.problems.append(f"#{q.number}: answered in another channel")
        embeds = got[0].embeds
        title = embeds[0].get("title") if embeds else None
        if title != q.expected:
            outcome.problems.append(
                f"#{q.number} {q.kind} {q.text!r}: title {title!r}, content {got[0].content!r}"
            )
        outcome.latencies[q.number] = got[0].received_at - q.sent_at
        if q.kind == "slash":
            first = min(
                (c for c in fake.calls if c.params.get("interaction_id") == q.payload["id"]),
                key=lambda c: c.index,
            )
            outcome.acks[q.number] = first.received_at - q.sent_at
    asked = {q.payload["id"] for q in questions if q.kind == "prefix"}
    stray = [
        c
        for c in fake.calls
        if c.route == CREATE_MESSAGE
        and c.ok
        and str(((c.body or {}).get("message_reference") or {}).get("message_id")) not in asked
    ]
    outcome.problems += [f"a message nobody asked for: {c.content or c.embeds}" for c in stray]
    outcome.problems += [f"fake error: {e}" for e in fake.errors]
    failed = [c for c in fake.calls if c.done and not c.ok and c.fault is None]
    outcome.problems += [f"refused by Discord: {c!r} {c.response}" for c in failed]
    return outcome


def populate(fake: FakeDiscord, channels: int, users: int) -> tuple[list[int], list[int]]:
    """Team channels and analysts in the fake guild (before the bot connects)."""
    channel_ids = [fake.channel_id, *(fake.add_channel(f"team-{i}") for i in range(1, channels))]
    user_ids = [fake.user_id, *(fake.add_user(f"analyst{i}") for i in range(1, users))]
    for uid in user_ids:
        fake.add_member(uid)
    return channel_ids, user_ids


def edit_and_reload(holder: KnowledgeHolder) -> Callable[[], ReloadOutcome]:
    """A real edit of a claims file, then a reload, as an editor saving mid-traffic would."""

    def go() -> ReloadOutcome:
        path = Path(holder.settings.knowledge_dir) / "claims" / "edm-2012-v9-i71.yaml"
        with path.open("a", encoding="utf-8") as f:
            f.write(NEW_CLAIM)
        return holder.reload(f"load test ({threading.current_thread().name})")

    return go


async def benchmark(
    root: Path, count: int, *, reload: bool, channels: int = 10, users: int = 8
) -> Outcome:
    """Discord's 3 s for acknowledging an interaction is enforced, as on Discord."""
    async with FakeDiscord() as fake:
        channel_ids, user_ids = populate(fake, channels, users)
        holder, result = KnowledgeHolder.load(settings_for(root, channel_ids))
        if holder is None:
            raise SystemExit("\n".join(map(str, result.problems)))
        async with fake.running(FactBot(holder, sync_global=True), timeout=30):
            questions = plan(count, channel_ids, user_ids)
            return await run_load(
                fake, questions, halfway=edit_and_reload(holder) if reload else None
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=500, help="commands to send")
    parser.add_argument("--no-reload", action="store_true", help="no reload half-way")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(ROOT / "knowledge", root / "knowledge")
        shutil.copytree(ROOT / "seeds", root / "seeds")
        began = time.perf_counter()
        outcome = asyncio.run(benchmark(root, args.count, reload=not args.no_reload))
    print(outcome.report())
    print(f"total including start-up: {time.perf_counter() - began:.1f} s")
    return 0 if not outcome.problems else 1


if __name__ == "__main__":
    sys.exit(main())
