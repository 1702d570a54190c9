"""One measured phase of `factbot bench`, in a process of its own (so its peak RSS is its own).

    python -m bot.bench.worker PHASE FOLDER QUERIES.json OPTIONS.json

PHASE is `cold` (the real start-up with an empty cache), `serve` (the real start-up from the
cache, then every query, then reloads after one-file edits) or `baseline` (the brute-force
start-up and queries). Prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bot.bench.extra import extra_process
from bot.bench.memory import peak_rss_mb, rss_mb
from bot.bench.probe import speed_probe_us
from bot.bench.progress import printer, say
from bot.commands.table import run as run_command
from bot.config import Settings


def percentiles(samples_ns: list[int]) -> dict[str, float]:
    """Nearest-rank p50/p99/max in microseconds."""
    if not samples_ns:
        return {"n": 0}
    s = sorted(samples_ns)

    def rank(p: float) -> float:
        return round(s[max(0, -(-len(s) * p // 100) - 1)] / 1000, 1)

    return {"n": len(s), "p50_us": rank(50), "p99_us": rank(99), "max_us": round(s[-1] / 1000, 1)}


def timed(
    items: Iterable[Any],
    fn: Callable[[Any], Any],
    budget: float,
    keep: Callable[[Any], Any] = lambda result: None,
) -> tuple[list[int], list[Any], bool]:
    """Call fn on each item; per-call nanoseconds, `keep(result)` of each, and whether the
    budget ran out. (Results are not kept whole: thousands of big answers left alive would
    make every later garbage collection slower, and the measurement with it.)"""
    items = list(items)
    stop = time.perf_counter() + budget
    for item in items[:5]:  # warm-up, not measured (first-call imports and caches)
        fn(item)
        if time.perf_counter() > stop - budget / 2:
            break  # slow calls need no warming up
    samples: list[int] = []
    results: list[Any] = []
    clock = time.perf_counter_ns
    for item in items:
        t0 = clock()
        out = fn(item)
        samples.append(clock() - t0)
        results.append(keep(out))
        del out
        if time.perf_counter() > stop:
            return samples, results, True
    return samples, results, False


def _settings(folder: Path) -> Settings:
    return Settings(
        knowledge_dir=folder / "knowledge",
        seeds_dir=folder / "seeds",
        cache_dir=folder / ".factbot-cache",
    )


def _queries_phase(kb, queries: dict, limit: int | None, budget: float) -> dict:
    """Every kind of query against one snapshot: latencies, and the decisions for accuracy."""
    out: dict[str, Any] = {"lookup": {}, "lookup_e2e": {}, "decisions": {}}
    visible = kb.lookup_filter()  # what the commands pass
    for cls, items in queries["lookup"].items():
        items = items[:limit] if limit else items
        say(f"  lookups: {cls} ({len(items)})")
        samples, results, cut = timed(
            [q for q, _, _ in items],
            lambda q: kb.matcher.match(q, allowed=visible),
            budget,
            keep=lambda r: (r.decision, r.best.key if r.best else None),
        )
        out["lookup"][cls] = {**percentiles(samples), "budget_hit": cut}
        out["decisions"][cls] = [
            [target, decision, best]
            for (_, target, _), (decision, best) in zip(items, results, strict=False)
        ]
        e2e = [f"{'who' if kind == 'person' else 'what'} {q}" for q, _, kind in items]
        samples, _, cut = timed(e2e, lambda text: run_command(kb, text), budget)
        out["lookup_e2e"][cls] = {**percentiles(samples), "budget_hit": cut}
    items = queries["autocomplete"][:limit] if limit else queries["autocomplete"]
    say(f"  autocomplete ({len(items)})")
    samples, _, cut = timed(
        items, lambda q: kb.matcher.complete(q, limit=25, allowed=visible), budget
    )
    out["autocomplete"] = {**percentiles(samples), "budget_hit": cut}
    for kind in ("on", "search"):
        items = queries[kind][:limit] if limit else queries[kind]
        say(f"  {kind} ({len(items)})")
        samples, lines, cut = timed(
            [f"{kind} {q}" for q in items],
            lambda text: run_command(kb, text),
            budget,
            keep=lambda answer: len(answer.lines),
        )
        lines.sort()
        out[kind] = {
            **percentiles(samples),
            "budget_hit": cut,
            "median_lines": lines[len(lines) // 2] if lines else 0,
        }
    return out


def _timed_load(settings: Settings) -> tuple[Any, Any, float]:
    """`KnowledgeHolder.load` as the bot starts, timed; the generated base must load."""
    from bot.loading.holder import KnowledgeHolder

    clock = time.perf_counter()
    holder, result = KnowledgeHolder.load(settings, progress=printer("  "), serve_snapshot=True)
    seconds = time.perf_counter() - clock
    if holder is None:
        raise SystemExit(f"the generated base does not load: {result.problems[:3]}")
    return holder, result, seconds


def _settle(holder: Any) -> None:
    """Wait for the background snapshot writer, so it does not share a measurement's CPU."""
    if holder.snapshots is not None:
        holder.snapshots.wait()


def _stages(result: Any) -> dict[str, float]:
    return {k: round(v, 3) for k, v in result.timings.items()}


def phase_cold(folder: Path, queries: dict, options: dict) -> dict:
    settings = _settings(folder)
    shutil.rmtree(settings.cache_dir, ignore_errors=True)
    say("real: cold start (no cache): parse, validate, check, index")
    holder, result, seconds = _timed_load(settings)
    out = {
        "cold_load_s": round(seconds, 3),
        "cold_stages_s": _stages(result),
        "cold_parsed_files": result.parsed_files,
    }
    del result  # as in the bot: only the holder keeps the knowledge it loaded
    _settle(holder)  # the snapshot for the next phases, written in the background
    out["peak_rss_cold_mb"] = peak_rss_mb()
    out["after_cold"] = _after_cold(holder, folder, settings)
    return out


def _after_cold(holder: Any, folder: Path, settings: Settings) -> dict:
    """The bot that started cold, once its snapshot is written (and swapped in): what it
    serves from, its memory now, and its one-file reloads. The snapshot the later phases
    restore is put back as the cold start wrote it."""
    snapshot, kept = settings.cache_dir / "snapshot", settings.cache_dir / "snapshot-cold"
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(snapshot, kept)
    try:
        say("real: the cold-started bot, serving its written snapshot")
        return {
            "serves_snapshot": holder.kb.compact,
            "rss_mb": rss_mb(),
            "reload": _reloads(holder, folder),
        }
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)
        kept.rename(snapshot)


def phase_files(folder: Path, queries: dict, options: dict) -> dict:
    """A restart from the per-file cache alone (the whole snapshot put aside, then restored)."""
    settings = _settings(folder)
    say("real: warm start from the per-file cache")
    snapshot, aside = settings.cache_dir / "snapshot", settings.cache_dir / "snapshot-aside"
    shutil.rmtree(aside, ignore_errors=True)
    if snapshot.exists():
        snapshot.rename(aside)
    holder, result, seconds = _timed_load(settings)
    _settle(holder)
    if aside.exists():
        shutil.rmtree(snapshot, ignore_errors=True)
        aside.rename(snapshot)
    return {
        "files_load_s": round(seconds, 3),
        "files_stages_s": _stages(result),
    }


def phase_serve(folder: Path, queries: dict, options: dict) -> dict:
    settings = _settings(folder)
    say("real: warm start (from the disk cache)")
    holder, result, seconds = _timed_load(settings)
    out: dict[str, Any] = {
        "warm_load_s": round(seconds, 3),
        "warm_stages_s": _stages(result),
        "warm_cached_files": result.cached_files,
        "warm_from_snapshot": result.from_snapshot,
        "peak_rss_after_load_mb": peak_rss_mb(),
    }
    say("real: one more process restoring the same snapshot (factbot run --processes)")
    out["extra_process"] = extra_process(folder)  # while this one holds the snapshot
    say("real: queries")
    probe = speed_probe_us()
    out.update(_queries_phase(holder.kb, queries, None, options["budget"]))
    out["speed_probe_us"] = [probe, speed_probe_us()]  # before and after the queries
    say("real: reloads after one-file edits")
    out["reload"] = _reloads(holder, folder)
    out["peak_rss_serve_mb"] = peak_rss_mb()
    return out


def _reloads(holder, folder: Path) -> dict:
    """Reload after editing one claims file, then one entity file (an alias added)."""
    knowledge = folder / "knowledge"
    claims = sorted((knowledge / "claims").glob("*.yaml"))[-1]
    people = sorted((knowledge / "entities").glob("person-*.yaml"))[-1]
    out: dict[str, Any] = {}
    edits = (("claim_text_edit", claims, _edit_claim_text), ("alias_added", people, _add_alias))
    for name, path, edit in edits:
        original = path.read_bytes()
        try:
            path.write_text(edit(original.decode("utf-8")), encoding="utf-8")
            clock = time.perf_counter()
            outcome = holder.reload("bench")
            seconds = time.perf_counter() - clock
            _settle(holder)  # the snapshot it keeps, not measured
            out[name] = {
                "seconds": round(seconds, 3),
                "ok": outcome.ok,
                "files_parsed": outcome.parsed_files,
                "changes": outcome.changelog.lines(),
            }
        finally:
            path.write_bytes(original)
            holder.reload("bench restore")  # not measured: back to the base as generated
            _settle(holder)
    return out


def _edit_claim_text(text: str) -> str:
    """Change the wording of the file's first claim."""
    at = text.index("    text: ")
    end = text.index("\n", at)
    return text[:end] + " Edited." + text[end:]


def _add_alias(text: str) -> str:
    """Give the file's first entity one more alias (a name no one else has)."""
    at = text.index("  - id: ")
    end = text.find("\n\n", at)
    end = len(text) if end < 0 else end
    block = text[at:end]
    if "    aliases:\n" in block:
        block = block.replace("    aliases:\n", "    aliases:\n      - Zzyzx Benchalias\n", 1)
    else:
        block += "\n    aliases:\n      - Zzyzx Benchalias"
    return text[:at] + block + text[end:]


def phase_baseline(folder: Path, queries: dict, options: dict) -> dict:
    from bot.bench.baseline import load_brute

    settings = _settings(folder)
    say("baseline: start-up with yaml.safe_load, no cache, no name index")
    clock = time.perf_counter()
    kb = load_brute(settings.knowledge_dir, settings.seeds_dir, progress=printer("  "))
    kb.warm()
    seconds = time.perf_counter() - clock
    out: dict[str, Any] = {
        "cold_load_s": round(seconds, 3),
        "peak_rss_after_load_mb": peak_rss_mb(),
    }
    say("baseline: queries")
    out.update(_queries_phase(kb, queries, options["baseline_queries"], options["budget"]))
    out["peak_rss_serve_mb"] = peak_rss_mb()
    return out


PHASES = {
    "cold": phase_cold,
    "files": phase_files,
    "serve": phase_serve,
    "baseline": phase_baseline,
}


def main(argv: list[str]) -> int:
    phase, folder, queries_path, options = argv
    queries = json.loads(Path(queries_path).read_text(encoding="utf-8"))
    result = PHASES[phase](Path(folder), queries, json.loads(options))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover - run by `factbot bench`
    sys.exit(main(sys.argv[1:]))
