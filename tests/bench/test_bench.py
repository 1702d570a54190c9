"""The generator, the fast YAML path, the disk cache, incremental reloads and `factbot bench`.

No timing is asserted here: `factbot bench` reports the numbers (docs/performance.md).
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from bot.bench.generate import generate
from bot.cli.main import main
from bot.commands.dates import parse_query_date
from bot.config import Settings
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.crosscheck import _fold_quote
from bot.loading.fastpath import _fast_read
from bot.loading.holder import KnowledgeHolder
from bot.loading.loader import (
    knowledge_files,
    load_knowledge,
)
from bot.loading.yamlsource import read_yaml
from tests.conftest import KNOWLEDGE


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A small generated fact base (written once for the module; copy it to edit it)."""
    folder = tmp_path_factory.mktemp("generated")
    generate(folder, 120, 150, seed=7)
    return folder


def _fresh(folder: Path) -> KnowledgeBase:
    result = load_knowledge(folder / "knowledge", folder / "seeds")
    assert result.ok, [str(p) for p in result.problems[:5]]
    assert result.kb is not None
    return result.kb.warm()


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return h.hexdigest()


# ---------------------------------------------------------------------- the generator


def test_generated_base_passes_check(generated):
    kb = _fresh(generated)
    manifest = json.loads((generated / "manifest.json").read_text())
    assert len(kb.entities) == manifest["entities"] == 120
    assert len(kb.claims) == manifest["claims"] == 150
    assert len(knowledge_files(generated / "knowledge")) == manifest["knowledge_files"]
    people = [e for e in kb.entities.values() if e.type.value == "person"]
    assert people and any(
        any("а" <= ch <= "я" for ch in a.lower()) for e in people for a in e.aliases
    )
    precisions = {f.when.precision.value for f in kb.claims.values() if f.when}
    assert {"day", "month", "part", "year"} <= precisions
    assert any(f.when.year_inferred for f in kb.claims.values() if f.when)


def test_generator_is_deterministic_by_seed(tmp_path, generated):
    generate(tmp_path / "again", 120, 150, seed=7)
    generate(tmp_path / "other", 120, 150, seed=8)
    assert _tree_digest(tmp_path / "again") == _tree_digest(generated)
    assert _tree_digest(tmp_path / "other") != _tree_digest(generated)


def test_generated_names_are_crowded_with_transliterations(generated):
    from bot.bench.queries import read_truth

    truth = read_truth(generated / "truth.jsonl")
    person = next(e for e in truth if e.type == "person" and e.variants)
    assert {"bgn", "popular", "loc", "german", "scholarly"} <= set(person.variants)
    # A variant that the base does not store still names the person.
    kb = _fresh(generated)
    stored = {person.name, *person.aliases}
    for variant in person.variants.values():
        if variant not in stored:
            result = kb.matcher.match(variant)
            assert result.best is not None


# ---------------------------------------------------------------------- the fast path

# Tricky files the fast path reads itself, building exactly what the slow path builds.
_READ = [
    "entities: []\n",
    "",
    "# only a comment\n",
    "---\nentities: []\n",
    "entities:\n  - id: a\n    name: yes\n",
    "entities:\n  - id: a\n    aliases: [on, off, null, ~, 0x1F, 1_000, 0777, 1:30, .5, -.inf]\n",
    "'FIXME': ok\n",
    "a: 2012-04-06\nb: 2012-04-06 10:00:00\n",
    "- 1\n- 2\n",
    "just text\n",
    "a:\tb\n",
    "a: >-\n  folded\n  text\n\n  next\nb: |\n  literal\n   kept\n",
    "a: \"esc\\u00e9 \\t x\"\nb: 'it''s'\n",
    "a: {b: c, d: [e, {f: g}]}\n",
    "\ufeffentities: []\n",
    "a: b # comment\nc: 'd' # more\n",
    "a: 1.5e3\nb: 12e\nc: +12\nd: 0b101\ne: 0o17\nf: True\ng: NO\n",
]

# What the fast path must hand to the slow one (which decides, and reports with positions):
# duplicate keys, anchors, tags, merge keys, odd scalars, FIXME values, several documents,
# unclosed flow, deep nesting, complex keys.
_DECLINED = [
    "a: 1\na: 2\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "a: !custom 1\n",
    "<<: {a: 1}\n",
    "a:\n  <<: {b: 1}\n",
    "a: = \n",
    "a: FIXME later\n",
    "a: 1\n---\nb: 2\n",
    "a: [1, 2\n",
    "a: " + "[" * 60 + "]" * 60 + "\n",
    "? [complex]\n: key\n",
]


def _same_as_slow(name: str, raw: bytes) -> None:
    """The fast path accepted `raw` and built exactly what the slow path builds."""
    fast = _fast_read(raw)
    slow = read_yaml(name, raw)
    assert fast is not None, f"{name}: the fast path declined a file it should read"
    data, marks, top = fast
    assert not slow.problems, (name, slow.problems)
    assert data == slow.data and type(data) is type(slow.data), name
    for section, where in marks.items():
        for i in range(len(where) // 2):
            assert (where[2 * i], where[2 * i + 1]) == slow.positions[(section, i)]
    for path, pos in top.items():
        assert slow.positions[path] == pos


@pytest.mark.parametrize("text", _READ)
def test_fast_path_builds_what_the_slow_path_builds(text):
    _same_as_slow("t.yaml", text.encode("utf-8"))


@pytest.mark.parametrize("text", _DECLINED)
def test_fast_path_declines_what_only_the_slow_path_may_decide(text):
    assert _fast_read(text.encode("utf-8")) is None


def test_fast_path_declines_what_the_slow_path_reports():
    for text in ("a: 1\na: 2\n", "a: &x 1\nb: *x\n", "a: FIXME\n", "a: !!python/int 1\n"):
        assert _fast_read(text.encode()) is None


def test_fast_path_on_real_and_generated_files(generated):
    files = knowledge_files(KNOWLEDGE) + knowledge_files(generated / "knowledge")
    accepted = 0
    for path in files:  # clean files all take the fast path, and build what the slow one does
        _same_as_slow(path.name, path.read_bytes())
        accepted += 1
    assert accepted == len(files) > 0


def test_fold_quote_is_fold_for_quote():
    from bot.knowledge.articles import fold_for_quote

    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    samples = [
        "a" + "".join(w + "b" for w in spaces),
        "  “Quoted” — text\u00a0with\u2028odd  spacing ",
        "plain ascii  text\t\n",
        "",
    ]
    for s in samples:
        assert _fold_quote(s) == fold_for_quote(s)


def test_problems_in_a_fast_path_file_still_have_line_and_column(mini):
    from tests.conftest import MINI_CLAIMS

    bad = MINI_CLAIMS.replace("object: astana", "object: astan")
    result = mini({"claims.yaml": bad})
    problem = next(p for p in result.problems if "astan" in p.message)
    assert (problem.line, problem.column) == (5, 13)


# ---------------------------------------------------------------------- incremental reload


def _indexes(kb: KnowledgeBase) -> tuple:
    return (
        [f.id for f in kb.timeline],
        {k: [f.id for f in v] for k, v in kb.claims_by_entity.items()},
        {w: set(kb.search_index[w]) for w in kb.search_index},
        len(kb.search_index),
        kb.search_vocabulary,
        kb.claim_ids_sorted,
    )


def test_reload_updates_the_indexes_exactly_as_a_fresh_load(generated, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(generated, root)
    settings = Settings(
        knowledge_dir=root / "knowledge", seeds_dir=root / "seeds", cache_dir=tmp_path / "c"
    )
    holder, _ = KnowledgeHolder.load(settings)
    assert holder is not None
    first = holder.kb
    path = sorted((root / "knowledge" / "claims").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    # change one claim's words, delete another, add a new one
    blocks[1] = blocks[1].replace("    text: ", "    text: Zebrafinch report. ", 1)
    removed = blocks.pop(2)
    added = blocks[3].replace("  - id: ", "  - id: zz-new-", 1)
    added = added.replace("    text: ", "    text: Okapi sighting. ", 1)
    path.write_text("\n\n".join([*blocks, added]) + "\n", encoding="utf-8")
    outcome = holder.reload("test")
    assert outcome.ok and outcome.parsed_files == 1
    kb = holder.kb
    assert kb.matcher is first.matcher  # no name changed: the name index is reused
    assert _indexes(kb) == _indexes(_fresh(root))
    gone = removed.split("id: ", 1)[1].split("\n", 1)[0]
    assert gone not in kb.claims and gone in first.claims
    assert "zebrafinch" in kb.search_index and "zebrafinch" not in first.search_index
    # and again on top of the layered index: undo the edit
    path.write_text(text, encoding="utf-8")
    assert holder.reload("test").ok
    assert "zebrafinch" not in holder.kb.search_index
    assert _indexes(holder.kb) == _indexes(_fresh(root))
    # a new alias rebuilds the name index, and answers with it
    people = sorted((root / "knowledge" / "entities").glob("person-*.yaml"))[0]
    ptext = people.read_text(encoding="utf-8")
    people.write_text(ptext.replace("    aliases:\n", "    aliases:\n      - Qwertyuiop Zed\n", 1))
    assert holder.reload("test").ok
    assert holder.kb.matcher is not first.matcher
    assert holder.kb.matcher.layered  # updated beside the old index, not rebuilt
    assert holder.kb.matcher.match("Qwertyuiop Zed").decision == "answer"
    rebuilt = _fresh(root).matcher
    for entity in list(holder.kb.entities.values())[:60]:
        for query in (entity.name, entity.name[:-1], *entity.aliases):
            mine, theirs = holder.kb.matcher.match(query), rebuilt.match(query)
            assert (mine.decision, mine.best) == (theirs.decision, theirs.best)
    assert _indexes(holder.kb) == _indexes(_fresh(root))
    # a renamed entity changes the search text of its claims
    subject = next(iter(holder.kb.claims.values())).model.subject
    old_name = holder.kb.entities[subject].name
    for f in (root / "knowledge" / "entities").glob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        if f"  - id: {subject}\n" in text:
            f.write_text(text.replace(f"    name: {old_name}\n", "    name: Xylophonist Q\n", 1))
    assert holder.reload("test").ok
    assert "xylophonist" in holder.kb.search_index
    assert _indexes(holder.kb) == _indexes(_fresh(root))


def test_date_index_lists_what_the_timeline_scan_lists(generated, seed_kb):
    for kb in (_fresh(generated), seed_kb):
        for text in ("2012-04-06", "April 2012", "late 2008", "2009", "2005..2010", "April 6"):
            period, _ = parse_query_date(kb, text)
            inside = [f for f in kb.timeline if period.contains(f.when)]
            around = [
                f
                for f in kb.timeline
                if f not in inside and f.when.contains(period) and f.when != period
            ]
            assert [f.id for f in kb.dated_in(period)] == [f.id for f in inside]
            assert [f.id for f in kb.dated_around(period)] == [f.id for f in around]


# ---------------------------------------------------------------------- factbot bench


def test_bench_runs_and_reports_every_key(tmp_path):
    out = io.StringIO()
    argv = ["bench", "--entities", "300", "--claims", "300", "--queries", "50", "--json"]
    with redirect_stdout(out):
        assert main([*argv, "--dir", str(tmp_path / "b")]) == 0
    report = json.loads(out.getvalue())
    assert set(report) >= {"machine", "params", "real", "baseline", "ratios", "targets"}
    assert {"cpu", "cores", "python", "pydantic", "rapidfuzz", "pyyaml"} <= set(report["machine"])
    for side in ("real", "baseline"):
        r = report[side]
        assert {"cold_load_s", "lookup", "lookup_e2e", "autocomplete", "on", "search"} <= set(r)
        assert set(r["lookup"]) == {"exact", "alias", "transliterated", "typo", "not_found"}
        for row in (*r["lookup"].values(), r["autocomplete"], r["on"], r["search"]):
            assert row["n"] > 0 and {"p50_us", "p99_us"} <= set(row)
        assert {"top1", "wrong_confident"} <= set(r["accuracy"]["typo_and_transliterated"])
    real = report["real"]
    assert {"warm_load_s", "reload", "peak_rss_cold_mb", "peak_rss_serve_mb"} <= set(real)
    assert set(real["reload"]) == {"claim_text_edit", "alias_added"}
    assert all(r["ok"] for r in real["reload"].values())
    # the first reload after a restart from the snapshot reads every file from the per-file
    # cache once (the parsed files are not in the snapshot); later ones read the edited file
    assert real["reload"]["alias_added"]["files_parsed"] == 1
    assert real["warm_cached_files"] == report["params"]["knowledge_files"]
    # the bot that started cold serves its written snapshot, and reloads one file in place
    after = real["after_cold"]
    assert after["serves_snapshot"] is True and after["rss_mb"] > 0
    assert set(after["reload"]) == {"claim_text_edit", "alias_added"}
    assert all(r["ok"] and r["files_parsed"] == 1 for r in after["reload"].values())
    assert {"lookup_fuzzy_p99", "lookup_exact_p99", "cold_load"} <= set(report["ratios"])
    assert {t["target"] for t in report["targets"]} >= {
        "fuzzy lookup p99",
        "peak RSS serving",
        "on <date> p99",
        "not-found names answered",
    }
    # the machine's speed before and after the queries, for comparing runs on a shared host
    before, after = real["speed_probe_us"]
    assert before > 0 and after > 0
    extra = real["extra_process"]  # a second process restoring the same snapshot
    assert extra["from_snapshot"] and extra["peak_rss_mb"] > 0
    if extra["private_mb"] is not None:  # Linux: its pages split into private and shared
        assert 0 < extra["private_mb"] <= extra["peak_rss_mb"] and extra["shared_mb"] > 0
    # --dir reuses the base, and the edits made by the reload measurement were undone
    manifest = (tmp_path / "b" / "manifest.json").read_text()
    assert json.loads(manifest)["entities"] == 300
    assert load_knowledge(tmp_path / "b" / "knowledge", tmp_path / "b" / "seeds").ok
    assert "Zzyzx" not in "".join(
        p.read_text() for p in (tmp_path / "b" / "knowledge").rglob("*.yaml")
    )
