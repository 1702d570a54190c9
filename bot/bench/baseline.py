"""The brute-force baseline the bench measures the real code against, in the same run.

What a straightforward implementation would do: parse every file with `yaml.safe_load` at
start-up (no cache: a restart or a reload parses everything again), validate with the same
models and run the same cross-file checks, and find a name by scoring the query against
every name and alias with rapidfuzz (`process.extract`, WRatio) — no name index. The other
lookups (`on`, `search`) use the same query code as the real path, so for them the ratio only
shows the cost of the snapshot they run on.

Decisions, so that accuracy compares like with like: the best-scoring key is answered if its
WRatio score is at least 90 and no other key scores the same; at least 70 offers choices.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process, utils

from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.crosscheck import _CrossChecker
from bot.loading.files import _display_name, knowledge_files
from bot.loading.parse import _FILE, _ITEM, Item, ParsedFile
from bot.loading.yamlsource import SourceDoc
from bot.matching.decide import Candidate, MatchResult

ANSWER = 90.0
CHOOSE = 70.0


class BruteMatcher:
    """`match` and `complete` by scoring every name: what the name index replaces."""

    def __init__(self, entities) -> None:
        self.keys: list[str] = []
        self.names: list[str] = []
        self.kinds: list[str] = []
        for e in entities:
            for label, kind in ((e.name, "name"), *((a, "alias") for a in e.aliases)):
                self.keys.append(e.id)
                self.names.append(label)
                self.kinds.append(kind)
        # Processed once, as `process.extract(processor=...)` would do for every query.
        self.processed = [utils.default_process(n) for n in self.names]

    def _ranked(self, query: str, limit: int, allowed: Callable[[str], bool] | None):
        q = utils.default_process(query)
        if not q:
            return []
        seen: dict[str, tuple[str, float, str]] = {}
        for _, score, index in process.extract(
            q, self.processed, scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=CHOOSE - 20
        ):
            key = self.keys[index]
            if key in seen or (allowed is not None and not allowed(key)):
                continue
            seen[key] = (self.names[index], score, self.kinds[index])
            if len(seen) >= limit:
                break
        return [(k, *v) for k, v in seen.items()]

    def match(self, query: str, *, allowed: Callable[[str], bool] | None = None) -> MatchResult:
        ranked = self._ranked(query, 5, allowed)
        cands = tuple(
            Candidate(k, name, kind, "fuzzy", round(score, 1))  # type: ignore[arg-type]
            for k, name, score, kind in ranked
            if score >= CHOOSE
        )
        if not cands:
            return MatchResult(query, "none", None, (), "no name scores 70 or more")
        best = cands[0]
        tie = len(cands) > 1 and cands[1].score >= best.score
        if best.score >= ANSWER and not tie:
            return MatchResult(query, "answer", best, cands, "WRatio >= 90")
        return MatchResult(query, "choose", best, cands, "WRatio below 90, or a tie")

    def complete(
        self, text: str, *, limit: int = 25, allowed: Callable[[str], bool] | None = None
    ) -> list[Candidate]:
        return [
            Candidate(k, name, kind, "fuzzy", round(score, 1))  # type: ignore[arg-type]
            for k, name, score, kind in self._ranked(text, limit, allowed)
        ]


class BruteKnowledgeBase(KnowledgeBase):
    """The same snapshot, with the brute-force matcher instead of the name index."""

    @cached_property
    def matcher(self):  # type: ignore[override]
        return BruteMatcher(self.entities.values())


def load_brute(
    knowledge_dir: Path,
    seeds_dir: Path,
    progress: Callable[[str, int, int], None] | None = None,
) -> BruteKnowledgeBase:
    """Parse with yaml.safe_load, validate, cross-check, build; raise if anything is wrong."""
    parsed: list[ParsedFile] = []
    paths = knowledge_files(knowledge_dir)
    for n, path in enumerate(paths, start=1):
        name = _display_name(path, knowledge_dir)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc = SourceDoc(name, None)
        model = _FILE.validate_python(data)
        items = {s: [Item(m, doc, (s, i)) for i, m in enumerate(getattr(model, s))] for s in _ITEM}
        parsed.append(ParsedFile(doc, items, []))
        if progress:
            progress("baseline parse", n, len(paths))
    checker = _CrossChecker(seeds_dir, parsed)
    problems = checker.run()
    if problems:
        raise ValueError(f"the baseline found {len(problems)} problems: {problems[0]}")
    kb = BruteKnowledgeBase.build(
        checker.articles.values(),
        [(item.model, item.origin) for item in checker.entities.values()],
        checker.facts,
    )
    return kb  # type: ignore[return-value]
