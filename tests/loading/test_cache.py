"""The disk cache: only ever faster, never different, and never a way to run code.

Entries are plain data (JSON) validated as a fresh parse is; folders are private; a folder
or entry another user could have written is not read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bench.generate import generate
from bot.commands.table import run
from bot.config import Settings
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading import cache as cache_module
from bot.loading import crosscheck
from bot.loading.holder import KnowledgeHolder
from bot.loading.loader import DiskCache, LoadCache, load_knowledge
from bot.render.text import render_text
from tests.conftest import KNOWLEDGE, ROOT, SEEDS


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A small generated fact base (written once for the module; copy it to edit it)."""
    folder = tmp_path_factory.mktemp("generated")
    generate(folder, 120, 150, seed=7)
    return folder


@pytest.fixture(scope="module")
def generated_files(tmp_path_factory) -> Path:
    """A generated base with claims in several files."""
    folder = tmp_path_factory.mktemp("generated-files")
    generate(folder, 120, 2_100, seed=7)
    assert len(list((folder / "knowledge" / "claims").glob("*.yaml"))) >= 3
    return folder


def _state(kb: KnowledgeBase) -> tuple:
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


def _indexes(kb: KnowledgeBase) -> tuple:
    return (
        [f.id for f in kb.timeline],
        {k: [f.id for f in v] for k, v in kb.claims_by_entity.items()},
        {w: set(kb.search_index[w]) for w in kb.search_index},
        kb.search_vocabulary,
        kb.claim_ids_sorted,
    )


def _entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "files").glob("*.json"))


def _copy_settings(generated: Path, tmp_path: Path) -> tuple[Path, Settings]:
    root = tmp_path / "copy"
    shutil.copytree(generated, root)
    return root, Settings(
        knowledge_dir=root / "knowledge", seeds_dir=root / "seeds", cache_dir=tmp_path / "c"
    )


# ---------------------------------------------------------------------- same, only faster


def test_disk_cache_gives_the_same_snapshot_as_a_cold_load(generated, tmp_path):
    k, s = generated / "knowledge", generated / "seeds"
    cold = load_knowledge(k, s, cache=LoadCache(disk=DiskCache(tmp_path / "cache")))
    assert cold.ok and cold.cached_files == 0
    disk = DiskCache(tmp_path / "cache")
    warm = load_knowledge(k, s, cache=LoadCache(disk=disk))
    assert warm.ok and warm.cached_files == len(warm.files) and disk.hits == len(warm.files)
    plain = load_knowledge(k, s)
    assert _state(warm.kb) == _state(cold.kb) == _state(plain.kb)


def test_shipped_knowledge_loads_the_same_with_and_without_cache(tmp_path):
    plain = load_knowledge(KNOWLEDGE, SEEDS)
    load_knowledge(KNOWLEDGE, SEEDS, cache=LoadCache(disk=DiskCache(tmp_path)))
    cached = load_knowledge(KNOWLEDGE, SEEDS, cache=LoadCache(disk=DiskCache(tmp_path)))
    assert cached.cached_files == len(cached.files)
    assert _state(cached.kb) == _state(plain.kb)


def test_a_damaged_or_stale_cache_entry_is_ignored(generated, tmp_path):
    k, s = generated / "knowledge", generated / "seeds"
    cache_dir = tmp_path / "cache"
    first = load_knowledge(k, s, cache=LoadCache(disk=DiskCache(cache_dir)))
    entries = _entries(cache_dir)
    assert len(entries) == len(first.files)  # one per file
    flipped, truncated, garbage, swapped = entries[:4]
    blob = bytearray(flipped.read_bytes())
    blob[-10] ^= 0x01  # a bit flip in the payload: the checksum catches it
    flipped.write_bytes(bytes(blob))
    truncated.write_bytes(truncated.read_bytes()[:100])
    garbage.write_bytes(b"not a cache entry at all")
    swapped.write_bytes(entries[5].read_bytes())  # another entry's content: key mismatch
    disk = DiskCache(cache_dir)
    again = load_knowledge(k, s, cache=LoadCache(disk=disk))
    assert again.ok
    assert _state(again.kb) == _state(first.kb)
    assert disk.rejected == 4 and disk.hits == len(first.files) - 4


def test_a_cached_file_is_not_used_for_other_content(generated, tmp_path):
    root, _ = _copy_settings(generated, tmp_path)
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
    assert _entries(tmp_path / "c")
    _, again = KnowledgeHolder.load(settings)
    assert again.cached_files == len(again.files)
    _, off = KnowledgeHolder.load(settings, disk_cache=False)
    assert off.cached_files == 0


def test_a_restart_from_the_cache_answers_alike_and_reloads_one_file(
    generated_files, tmp_path, monkeypatch
):
    root, settings = _copy_settings(generated_files, tmp_path)
    cold_holder, cold = KnowledgeHolder.load(settings)
    assert cold_holder is not None and cold.cached_files == 0
    assert cold_holder.snapshots is not None
    cold_holder.snapshots.wait()  # this test is about the per-file cache: no whole snapshot
    shutil.rmtree(settings.cache_dir / "snapshot")
    holder, again = KnowledgeHolder.load(settings)
    assert holder is not None and again.cached_files == len(again.files)
    kb, cold_kb = holder.kb, cold_holder.kb
    assert _state(kb) == _state(cold_kb) and _indexes(kb) == _indexes(cold_kb)
    people = [e for e in kb.entities.values() if e.type.value == "person"][:20]
    for person in people:
        for text in (f"who {person.name}", f"who {person.name[:-1]}", "on 2009"):
            assert render_text(run(kb, text)) == render_text(run(cold_kb, text))
    # a reload after a start from the cache parses and checks the edited file only
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
    mine = [f.id for f in kb.claims.values() if f.origin.file.endswith(f"/{path.name}")]
    assert 0 < len(mine) < len(kb.claims) and sorted(checked) == sorted(mine)
    assert "zebrafinch" in holder.kb.search_index


def test_a_cache_that_cannot_be_written_costs_nothing_but_speed(generated, tmp_path):
    _, settings = _copy_settings(generated, tmp_path)
    (tmp_path / "c").write_text("a file where the cache folder would go")
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None and result.ok and result.cached_files == 0
    again, result = KnowledgeHolder.load(settings)
    assert again is not None and result.ok and result.cached_files == 0


# ---------------------------------------------------------------------- never code


class _Plant:
    """A pickle that would create `marker` when loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_planted_pickle_entry_is_never_run_and_is_ignored(generated, tmp_path):
    k, s = generated / "knowledge", generated / "seeds"
    cache_dir = tmp_path / "cache"
    first = load_knowledge(k, s, cache=LoadCache(disk=DiskCache(cache_dir)))
    marker = tmp_path / "ran"
    evil = pickle.dumps(_Plant(marker))
    checksum = hashlib.blake2b(evil, digest_size=16).hexdigest().encode()
    for entry in _entries(cache_dir):
        key = entry.stem.encode()
        # forged as well as an attacker can: the right magic, key and checksum, in the new
        # name and in the old pickled format's name
        entry.write_bytes(cache_module._MAGIC + key + checksum + evil)
        old = b"factbot-cache/1\n" + key + checksum + evil
        entry.with_suffix(".pkl").write_bytes(old)
    disk = DiskCache(cache_dir)
    again = load_knowledge(k, s, cache=LoadCache(disk=disk))
    assert not marker.exists()
    assert again.ok and again.cached_files == 0 and disk.rejected == len(first.files)
    assert _state(again.kb) == _state(first.kb)
    assert not list((cache_dir / "files").glob("*.pkl"))  # old-format entries are removed
    assert not marker.exists()


def test_an_entry_with_forged_data_is_validated_like_a_fresh_parse(generated, tmp_path):
    k, s = generated / "knowledge", generated / "seeds"
    cache_dir = tmp_path / "cache"
    load_knowledge(k, s, cache=LoadCache(disk=DiskCache(cache_dir)))
    entry = _entries(cache_dir)[0]
    payload = b'{"marks": {}, "top": []}\n{"entities": [{"id": 7}]}'
    checksum = hashlib.blake2b(payload, digest_size=16).hexdigest().encode()
    entry.write_bytes(cache_module._MAGIC + entry.stem.encode() + checksum + payload)
    disk = DiskCache(cache_dir)
    result = load_knowledge(k, s, cache=LoadCache(disk=disk))
    assert result.ok and disk.rejected == 1


def test_cache_folders_are_private_whatever_the_umask(generated, tmp_path):
    k, s = generated / "knowledge", generated / "seeds"
    cache_dir = tmp_path / "deep" / "cache"
    old = os.umask(0)
    try:
        load_knowledge(k, s, cache=LoadCache(disk=DiskCache(cache_dir)))
    finally:
        os.umask(old)
    for folder in (tmp_path / "deep", cache_dir, cache_dir / "files"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for entry in _entries(cache_dir):
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_a_world_writable_cache_folder_is_not_read(generated, tmp_path, caplog):
    k, s = generated / "knowledge", generated / "seeds"
    cache_dir = tmp_path / "cache"
    load_knowledge(k, s, cache=LoadCache(disk=DiskCache(cache_dir)))
    entries = {p: p.read_bytes() for p in _entries(cache_dir)}
    os.chmod(cache_dir / "files", 0o777)
    disk = DiskCache(cache_dir)
    with caplog.at_level(logging.WARNING):
        result = load_knowledge(k, s, cache=LoadCache(disk=disk))
    assert result.ok and result.cached_files == 0 and disk.hits == 0
    assert "is not used: others may write it (mode 777)" in caplog.text
    assert {p: p.read_bytes() for p in _entries(cache_dir)} == entries  # nor written
    os.chmod(cache_dir / "files", 0o700)
    result = load_knowledge(k, s, cache=LoadCache(disk=DiskCache(cache_dir)))
    assert result.cached_files == len(result.files)  # the same folder, private again: read


def test_an_entry_others_may_write_or_another_user_owns_is_not_read(
    generated, tmp_path, monkeypatch, caplog
):
    k, s = generated / "knowledge", generated / "seeds"
    cache_dir = tmp_path / "cache"
    first = load_knowledge(k, s, cache=LoadCache(disk=DiskCache(cache_dir)))
    os.chmod(_entries(cache_dir)[0], 0o620)
    disk = DiskCache(cache_dir)
    result = load_knowledge(k, s, cache=LoadCache(disk=disk))
    assert result.ok and disk.rejected == 1 and disk.hits == len(first.files) - 1
    monkeypatch.setattr(cache_module, "_uid", lambda: os.geteuid() + 1)
    disk = DiskCache(cache_dir)
    with caplog.at_level(logging.WARNING):
        result = load_knowledge(k, s, cache=LoadCache(disk=disk))
    assert result.ok and disk.hits == 0
    assert f"belongs to user {os.geteuid()}, not to this user" in caplog.text


# ---------------------------------------------------------------------- follows the code

_PROBE = """
import json, sys
from pathlib import Path
from bot.loading.cache import code_version
from bot.loading.loader import DiskCache, LoadCache, load_knowledge
k, s, c = map(Path, sys.argv[1:4])
result = load_knowledge(k, s, cache=LoadCache(disk=DiskCache(c)))
print(json.dumps([code_version(), result.ok, result.cached_files, len(result.files)]))
"""


@pytest.mark.parametrize("module", ["matching/matcher.py", "knowledge/names.py"])
def test_a_change_to_a_core_module_refuses_the_cache(generated, tmp_path, module):
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "bot", tree / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    args = [str(generated / "knowledge"), str(generated / "seeds"), str(tmp_path / "c")]

    def probe() -> list:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, *args],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout)

    version, ok, cached, files = probe()
    assert ok and cached == 0
    assert probe() == [version, True, files, files]  # the same code: read from the cache
    with (tree / "bot" / module).open("a") as f:
        f.write("\n# a change\n")
    changed, ok, cached, _ = probe()
    assert changed != version and ok and cached == 0  # refused: parsed afresh
