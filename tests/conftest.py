"""Shared fixtures: the shipped fact base, and small fact bases written for a test."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hyp_settings

from bot.config import Settings
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.loader import LoadResult, load_knowledge

try:  # the Discord door is an optional extra (factbot[discord]); the core tests run without it
    from tests.fakediscord import FakeDiscord
except ImportError:  # pragma: no cover - only without the extra
    FakeDiscord = None  # type: ignore[assignment,misc]

ROOT = Path(__file__).resolve().parent.parent
# Exact answers are tested on this frozen fact base, never on the live knowledge/: a new
# article in knowledge/ must keep the suite green (the live base is checked by
# `factbot check` and tests/test_coverage.py).
FIXTURE = ROOT / "tests" / "fixtures" / "edm"
KNOWLEDGE = FIXTURE / "knowledge"
SEEDS = FIXTURE / "seeds"
FIXTURE_CONFIG = FIXTURE / "config.yaml"
# Two articles whose facts change over time (a membership suspended, a minister replaced).
MULTI = ROOT / "tests" / "fixtures" / "multi"
LIVE_KNOWLEDGE = ROOT / "knowledge"
LIVE_SEEDS = ROOT / "seeds"

hyp_settings.register_profile("ci", max_examples=400, deadline=None, derandomize=True)
hyp_settings.register_profile("dev", max_examples=100, deadline=None)
hyp_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _fixture_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `factbot` run in a test (in process or a subprocess) reads the fixture config."""
    monkeypatch.setenv("FACTBOT_CONFIG", str(FIXTURE_CONFIG))


@pytest.fixture(scope="session")
def seed_kb() -> KnowledgeBase:
    """The shipped knowledge, loaded once; tests must not mutate it (it is immutable)."""
    result = load_knowledge(KNOWLEDGE, SEEDS)
    assert result.ok, "\n".join(map(str, result.problems))
    assert result.kb is not None
    return result.kb.warm()


@pytest.fixture(scope="session")
def multi_kb() -> KnowledgeBase:
    """The two-article fixture: facts that change over time."""
    result = load_knowledge(MULTI / "knowledge", MULTI / "seeds")
    assert result.ok, "\n".join(map(str, result.problems))
    assert result.kb is not None
    return result.kb.warm()


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge and seeds; returns the copy's root."""
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


MINI_ARTICLE = """Test Title
Publication: Test Monitor Volume: 1 Issue: 2
By: A. Writer
On April 6, the minister Ivan Petrov arrived in Astana (Interfax, April 6).
The “council” met in Astana and agreed on the plan.
"""

MINI_SOURCES = """\
articles:
  - id: test-article
    file: mini.txt
    title: Test Title
    publication: Test Monitor
    volume: 1
    issue: 2
    author: A. Writer
    date: 2012-04
entities:
  - id: interfax
    type: outlet
    name: Interfax
    description: Russian news agency.
"""

MINI_ENTITIES = """\
entities:
  - id: ivan-petrov
    type: person
    name: Ivan Petrov
    description: A minister in the test article.
    aliases: [Petrov]
  - id: astana
    type: place
    name: Astana
    description: Capital of Kazakhstan.
"""

MINI_CLAIMS = """\
claims:
  - id: petrov-arrived
    subject: ivan-petrov
    predicate: arrived_in
    object: astana
    text: Petrov arrived in Astana, according to the article.
    date: April 6
    references:
      - article: test-article
        paragraph: 1
        quote: the minister Ivan Petrov arrived in Astana
        cites: {text: "Interfax, April 6", outlet: interfax, date: April 6}
"""


@pytest.fixture
def mini(tmp_path: Path) -> Callable[..., LoadResult]:
    """Write a tiny fact base, replacing or adding files (text or bytes), and load it."""

    def make(files: dict[str, str | bytes] | None = None) -> LoadResult:
        base: dict[str, str | bytes] = {
            "sources.yaml": MINI_SOURCES,
            "entities.yaml": MINI_ENTITIES,
            "claims.yaml": MINI_CLAIMS,
        }
        base.update(files or {})
        kdir, sdir = tmp_path / "knowledge", tmp_path / "seeds"
        sdir.mkdir(exist_ok=True)
        (sdir / "mini.txt").write_text(MINI_ARTICLE, encoding="utf-8")
        for name, content in base.items():
            path = kdir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content), encoding="utf-8")
        return load_knowledge(kdir, sdir)

    return make


# ---------------------------------------------------------------- Discord (shared by tests/discord)


def discord_settings(
    root: Path | None = None,
    *,
    fake: Any = None,
    reload_debounce: float | None = None,
    **discord: Any,
) -> Settings:
    """Settings for a bot under test: the fixture base (or a copy at `root`), a generous
    cooldown, and the fake server's channel as the team channel when `fake` is given."""
    knowledge, seeds = (root / "knowledge", root / "seeds") if root else (KNOWLEDGE, SEEDS)
    section: dict[str, Any] = {"cooldown": {"rate": 100, "per_seconds": 1}}
    if fake is not None:
        section["team_channels"] = [fake.channel_id]
    section.update(discord)
    data: dict[str, Any] = {
        "knowledge_dir": str(knowledge),
        "seeds_dir": str(seeds),
        "discord": section,
    }
    if reload_debounce is not None:
        data["reload_debounce"] = reload_debounce
    return Settings.model_validate(data)


@pytest.fixture
async def fake() -> AsyncIterator[Any]:
    """A fresh fake Discord server on 127.0.0.1, with discord.py pointed at it."""
    if FakeDiscord is None:
        pytest.skip("the Discord extra is not installed: pip install -e '.[discord]'")
    async with FakeDiscord() as server:
        yield server
