"""The generator, the fast YAML path, the disk cache, incremental reloads and `factbot bench`.

No timing is asserted here: `factbot bench` reports the numbers (docs/performance.md).
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from bot.bench.generate import generate
from bot.cli.main import main
from bot.commands.query import parse_query_date
from bot.commands.registry import run
from bot.config import Settings
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading import cache as disk_cache_module
from bot.loading import crosscheck, loader
from bot.loading.crosscheck import _fold_quote
from bot.loading.fastpath import _fast_read
from bot.loading.holder import KnowledgeHolder
from bot.loading.loader import (
    DiskCache,
    LoadCache,
    knowledge_files,
    load_knowledge,
)
from bot.loading.yamlsource import read_yaml
from bot.render.text import render_text
from tests.conftest import KNOWLEDGE, SEEDS


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

_TRICKY = [
    "entities: []\n",
    "",
    "# only a comment\n",
    "---\nentities: []\n",
    "entities:\n  - id: a\n    name: yes\n",
    "entities:\n  - id: a\n    aliases: [on, off, null, ~, 0x1F, 1_000, 0777, 1:30, .5, -.inf]\n",
    "a: 1\na: 2\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "a: !custom 1\n",
    "<<: {a: 1}\n",
    "a:\n  <<: {b: 1}\n",
    "a: = \n",
    "a: FIXME later\n",
    "'FIXME': ok\n",
    "a: 2012-04-06\nb: 2012-04-06 10:00:00\n",
    "- 1\n- 2\n",
    "just text\n",
    "a: 1\n---\nb: 2\n",
    "a: [1, 2\n",
    "a:\tb\n",
    "a: >-\n  folded\n  text\n\n  next\nb: |\n  literal\n   kept\n",
    "a: \"esc\\u00e9 \\t x\"\nb: 'it''s'\n",
    "a: " + "[" * 60 + "]" * 60 + "\n",
    "? [complex]\n: key\n",
    "a: {b: c, d: [e, {f: g}]}\n",
    "\ufeffentities: []\n",
    "a: b # comment\nc: 'd' # more\n",
    "a: 1.5e3\nb: 12e\nc: +12\nd: 0b101\ne: 0o17\nf: True\ng: NO\n",
]


def _same_as_slow(name: str, raw: bytes) -> None:
    fast = _fast_read(raw)
    slow = read_yaml(name, raw)
    if fast is None:
        return  # declined: the slow path decides (and reports)
    data, marks, top = fast
    assert not slow.problems, (name, slow.problems)
    assert data == slow.data and type(data) is type(slow.data), name
    for section, where in marks.items():
        for i in range(len(where) // 2):
            assert (where[2 * i], where[2 * i + 1]) == slow.positions[(section, i)]
    for path, pos in top.items():
        assert slow.positions[path] == pos


@pytest.mark.parametrize("text", _TRICKY)
def test_fast_path_builds_what_the_slow_path_builds_or_declines(text):
    _same_as_slow("t.yaml", text.encode("utf-8"))


def test_fast_path_declines_what_the_slow_path_reports():
    for text in ("a: 1\na: 2\n", "a: &x 1\nb: *x\n", "a: FIXME\n", "a: !!python/int 1\n"):
        assert _fast_read(text.encode()) is None


def test_fast_path_on_real_and_generated_files(generated):
    files = knowledge_files(KNOWLEDGE) + knowledge_files(generated / "knowledge")
    accepted = 0
    for path in files:
        raw = path.read_bytes()
        _same_as_slow(path.name, raw)
        accepted += _fast_read(raw) is not None
    assert accepted == len(files)  # clean files all take the fast path


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


# ---------------------------------------------------------------------- the disk cache


def _snapshot(kb: KnowledgeBase) -> tuple:
    return (
        {k: e.model_dump() for k, e in kb.entities.items()},
        {
            k: (f.model.model_dump(), f.date, f.start, f.end, f.citations)
            for k, f in kb.claims.items()
        },
        {k: (a.model.model_dump(), a.date, a.paragraphs) for k, a in kb.articles.items()},
        dict(kb.entity_origin),
        {k: f.origin for k, f in kb.claims.items()},
        dict(kb.file_hashes),
    )


def test_disk_cache_gives_the_same_snapshot_as_a_cold_load(generated, tmp_path):
    k, s = generated / "knowledge", generated / "seeds"
    cold = load_knowledge(k, s, cache=LoadCache(disk=DiskCache(tmp_path / "cache")))
    assert cold.ok and cold.cached_files == 0
    disk = DiskCache(tmp_path / "cache")
    warm = load_knowledge(k, s, cache=LoadCache(disk=disk))
    assert warm.ok and warm.cached_files == len(warm.files) and disk.hits == len(warm.files)
    plain = load_knowledge(k, s)
    assert _snapshot(warm.kb) == _snapshot(cold.kb) == _snapshot(plain.kb)


def test_a_damaged_or_stale_cache_entry_is_ignored(generated, tmp_path):
    k, s = generated / "knowledge", generated / "seeds"
    cache_dir = tmp_path / "cache"
    first = load_knowledge(k, s, cache=LoadCache(disk=DiskCache(cache_dir)))
    entries = sorted((cache_dir / "files").glob("*.pkl"))
    assert len(entries) > len(first.files)  # one per file, plus the parsed dates
    flipped, truncated, garbage, swapped = entries[:4]
    blob = bytearray(flipped.read_bytes())
    blob[-10] ^= 0xFF  # a bit flip in the payload: the checksum catches it
    flipped.write_bytes(bytes(blob))
    truncated.write_bytes(truncated.read_bytes()[:100])
    garbage.write_bytes(b"not a cache entry at all")
    swapped.write_bytes(entries[5].read_bytes())  # another entry's content: key mismatch
    disk = DiskCache(cache_dir)
    again = load_knowledge(k, s, cache=LoadCache(disk=disk))
    assert again.ok
    assert _snapshot(again.kb) == _snapshot(first.kb)
    assert disk.rejected >= 3  # (the dates entry may be among them: it is simply re-parsed)


def test_a_cached_file_is_not_used_for_other_content(generated, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(generated, root)
    k, s = root / "knowledge", root / "seeds"
    load_knowledge(k, s, cache=LoadCache(disk=DiskCache(tmp_path / "cache")))
    path = sorted((k / "claims").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    text: ", "    text: Changed. ", 1), encoding="utf-8")
    result = load_knowledge(k, s, cache=LoadCache(disk=DiskCache(tmp_path / "cache")))
    assert result.ok and result.cached_files == len(result.files) - 1
    assert any(f.model.text.startswith("Changed.") for f in result.kb.claims.values())


def test_holder_uses_the_configured_cache_dir(generated, tmp_path):
    settings = Settings(
        knowledge_dir=generated / "knowledge",
        seeds_dir=generated / "seeds",
        cache_dir=tmp_path / "c",
    )
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None and result.cached_files == 0
    assert list((tmp_path / "c" / "files").glob("*.pkl"))
    _, again = KnowledgeHolder.load(settings)
    assert again.cached_files == len(again.files)
    _, off = KnowledgeHolder.load(settings, disk_cache=False)
    assert off.cached_files == 0


def _copy_settings(generated: Path, tmp_path: Path) -> tuple[Path, Settings]:
    root = tmp_path / "copy"
    shutil.copytree(generated, root)
    return root, Settings(
        knowledge_dir=root / "knowledge", seeds_dir=root / "seeds", cache_dir=tmp_path / "c"
    )


@pytest.fixture(scope="module")
def generated_files(tmp_path_factory) -> Path:
    """A generated base with claims in several files."""
    folder = tmp_path_factory.mktemp("generated-files")
    generate(folder, 120, 2_100, seed=7)
    assert len(list((folder / "knowledge" / "claims").glob("*.yaml"))) >= 3
    return folder


def test_a_restart_reads_the_whole_snapshot_and_reloads_from_it(
    generated_files, tmp_path, monkeypatch
):
    root, settings = _copy_settings(generated_files, tmp_path)
    cold_holder, cold = KnowledgeHolder.load(settings)
    assert cold_holder is not None and not cold.from_snapshot
    cold_holder.wait_until_kept()
    holder, again = KnowledgeHolder.load(settings)
    assert holder is not None and again.from_snapshot
    kb, cold_kb = holder.kb, cold_holder.kb
    assert _snapshot(kb) == _snapshot(cold_kb) and _indexes(kb) == _indexes(cold_kb)
    assert kb.loaded_at > cold_kb.loaded_at
    people = [e for e in kb.entities.values() if e.type.value == "person"][:20]
    for person in people:
        for text in (f"who {person.name}", f"who {person.name[:-1]}", "on 2009"):
            assert render_text(run(kb, text)) == render_text(run(cold_kb, text))
    # a reload after starting from the snapshot parses the edited file only
    path = sorted((root / "knowledge" / "claims").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    text: ", "    text: Zebrafinch report. ", 1))
    checked: list[str] = []
    check_claim = crosscheck._CrossChecker._claim

    def counting(self, item):
        checked.append(item.model.id)
        return check_claim(self, item)

    monkeypatch.setattr(crosscheck._CrossChecker, "_claim", counting)
    outcome = holder.reload("test")
    assert outcome.ok and outcome.parsed_files == 1
    # and checks the edited file's claims only, as after a start that checked everything
    mine = [f.id for f in kb.claims.values() if f.origin.file.endswith(f"/{path.name}")]
    assert 0 < len(mine) < len(kb.claims) and sorted(checked) == sorted(mine)
    assert "zebrafinch" in holder.kb.search_index
    assert _indexes(holder.kb) == _indexes(_fresh(root))
    # and the reloaded state is kept too: the next start reads it whole, edit included
    holder.wait_until_kept()
    again, result = KnowledgeHolder.load(settings)
    assert again is not None and result.from_snapshot
    assert "zebrafinch" in again.kb.search_index
    assert _snapshot(again.kb) == _snapshot(holder.kb)


def test_reloads_during_a_snapshot_write_are_kept_afterwards(generated, tmp_path, monkeypatch):
    root, settings = _copy_settings(generated, tmp_path)
    put_snapshot = loader.DiskCache.put_snapshot

    def slow(self, *args):  # a write as long as a large base's, so the reloads overlap it
        time.sleep(0.4)
        put_snapshot(self, *args)

    monkeypatch.setattr(loader.DiskCache, "put_snapshot", slow)
    holder, _ = KnowledgeHolder.load(settings)
    assert holder is not None
    path = sorted((root / "knowledge" / "claims").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    for word in ("Aardvark", "Bittern", "Caracal"):
        path.write_text(text.replace("    text: ", f"    text: {word} note. ", 1))
        assert holder.reload("test").ok
    assert holder.keeping is not None and holder.keeping.is_alive()  # still the first write
    holder.wait_until_kept()
    again, result = KnowledgeHolder.load(settings)
    assert again is not None and result.from_snapshot
    assert "caracal" in again.kb.search_index and "bittern" not in again.kb.search_index


def test_the_snapshot_is_not_used_when_an_input_changed(generated, tmp_path):
    root, settings = _copy_settings(generated, tmp_path)
    holder, _ = KnowledgeHolder.load(settings)
    assert holder is not None
    holder.wait_until_kept()
    fact = next(f for f in holder.kb.claims.values() if f.citations)
    quote = fact.citations[0].quote
    seed = root / "seeds" / holder.kb.articles[fact.citations[0].article].model.file
    text = seed.read_text(encoding="utf-8")
    # The article no longer holds a quoted sentence: the check must run and say so.
    seed.write_text(text.replace(quote, "Something else entirely."), encoding="utf-8")
    broken, result = KnowledgeHolder.load(settings)
    assert broken is None and not result.from_snapshot
    assert any("the quote is not in paragraph" in p.message for p in result.problems)
    seed.write_text(text, encoding="utf-8")
    _, result = KnowledgeHolder.load(settings)
    assert result.ok and result.from_snapshot
    # An edited knowledge file: a file-by-file load, which sees the edit.
    path = sorted((root / "knowledge" / "claims").glob("*.yaml"))[0]
    claims = path.read_text(encoding="utf-8")
    path.write_text(claims.replace("    text: ", "    text: Okapi sighting. ", 1))
    edited, result = KnowledgeHolder.load(settings)
    assert edited is not None and not result.from_snapshot and result.cached_files > 0
    assert "okapi" in edited.kb.search_index
    # Other match settings: other indexes, so not this snapshot either.
    other = settings.model_copy(
        update={"matching": settings.matching.model_copy(update={"margin": 20.0})}
    )
    _, result = KnowledgeHolder.load(other)
    assert result.ok and not result.from_snapshot


def test_a_damaged_snapshot_is_ignored(generated, tmp_path):
    _, settings = _copy_settings(generated, tmp_path)
    first, _ = KnowledgeHolder.load(settings)
    assert first is not None
    first.wait_until_kept()
    (snapshot,) = (tmp_path / "c" / "files").glob("snapshot-*.pkl")
    blob = bytearray(snapshot.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    snapshot.write_bytes(bytes(blob))
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None and result.ok and not result.from_snapshot
    assert _snapshot(holder.kb) == _snapshot(first.kb)
    holder.wait_until_kept()
    (again,) = (tmp_path / "c" / "files").glob("snapshot-*.pkl")  # written anew, one kept
    assert again.read_bytes() != bytes(blob)


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
    assert all(r["ok"] and r["files_parsed"] == 1 for r in real["reload"].values())
    assert real["warm_cached_files"] == report["params"]["knowledge_files"]
    assert {"lookup_fuzzy_p99", "lookup_exact_p99", "cold_load"} <= set(report["ratios"])
    assert {t["target"] for t in report["targets"]} >= {"fuzzy lookup p99", "peak RSS"}
    # --dir reuses the base, and the edits made by the reload measurement were undone
    manifest = (tmp_path / "b" / "manifest.json").read_text()
    assert json.loads(manifest)["entities"] == 300
    assert load_knowledge(tmp_path / "b" / "knowledge", tmp_path / "b" / "seeds").ok
    assert "Zzyzx" not in "".join(
        p.read_text() for p in (tmp_path / "b" / "knowledge").rglob("*.yaml")
    )


def test_shipped_knowledge_loads_the_same_with_and_without_cache(tmp_path):
    plain = load_knowledge(KNOWLEDGE, SEEDS)
    cache = LoadCache(disk=DiskCache(tmp_path))
    load_knowledge(KNOWLEDGE, SEEDS, cache=cache)
    cached = load_knowledge(KNOWLEDGE, SEEDS, cache=LoadCache(disk=DiskCache(tmp_path)))
    assert cached.cached_files == len(cached.files)
    assert _snapshot(cached.kb) == _snapshot(plain.kb)


def test_a_snapshot_that_cannot_be_written_costs_nothing_but_speed(
    generated, tmp_path, monkeypatch
):
    _, settings = _copy_settings(generated, tmp_path)

    def refuse(*_args, **_kwargs):
        raise TypeError("cannot pickle this")

    monkeypatch.setattr(disk_cache_module, "_write_stream", refuse)
    monkeypatch.delattr("os.fork")  # written in place, as where there is no fork
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None and result.ok
    assert not list((tmp_path / "c" / "files").glob("snapshot-*.pkl"))
    assert not list((tmp_path / "c" / "files").glob(".tmp-*"))  # no half-written file left
    again, result = KnowledgeHolder.load(settings)
    assert again is not None and result.ok and not result.from_snapshot


def test_without_fork_the_snapshot_is_written_in_place(generated, tmp_path, monkeypatch):
    root, settings = _copy_settings(generated, tmp_path)
    monkeypatch.delattr("os.fork")
    holder, _ = KnowledgeHolder.load(settings)
    assert holder is not None and holder.keeping is None
    path = sorted((root / "knowledge" / "claims").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    text: ", "    text: Dugong note. ", 1))
    assert holder.reload("test").ok  # written before it returns, under the reload lock
    again, result = KnowledgeHolder.load(settings)
    assert again is not None and result.from_snapshot and "dugong" in again.kb.search_index


def test_a_fork_that_fails_leaves_the_reload_done(generated, tmp_path, monkeypatch):
    root, settings = _copy_settings(generated, tmp_path)
    holder, _ = KnowledgeHolder.load(settings)
    assert holder is not None
    holder.wait_until_kept()

    def no_fork():
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr("os.fork", no_fork)
    path = sorted((root / "knowledge" / "claims").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    text: ", "    text: Quokka note. ", 1))
    outcome = holder.reload("test")
    assert outcome.ok and "quokka" in holder.kb.search_index
