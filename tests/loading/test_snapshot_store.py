"""The data-only snapshot: a restart from it answers as a cold load does, and a damaged, forged
or stale snapshot is never used (it costs only the time of a normal load)."""

from __future__ import annotations

import json
import os
import shutil
import zlib
from pathlib import Path

import pytest

from bot.commands.table import run
from bot.config import Settings
from bot.loading import snapshot_store
from bot.loading.holder import KnowledgeHolder
from bot.loading.snapshot_store import SnapshotStore, snapshot_key
from bot.matching.decide import MatchSettings
from bot.render.text import render_text
from tests.conftest import FIXTURE

QUESTIONS = [
    "who lavrov",
    "who Serdiukov",
    "who Лавров",
    "org csto",
    "who nazarbay",
    "on 2012",
    "search gas",
]


@pytest.fixture
def base(tmp_path) -> tuple[Path, Settings]:
    """A copy of the fixture fact base with its own cache folder."""
    root = tmp_path / "base"
    shutil.copytree(FIXTURE, root)
    settings = Settings(
        knowledge_dir=root / "knowledge", seeds_dir=root / "seeds", cache_dir=tmp_path / "cache"
    )
    return root, settings


def _start(settings: Settings) -> tuple[KnowledgeHolder, bool]:
    holder, result = KnowledgeHolder.load(settings)
    assert holder is not None and result.ok
    assert holder.snapshots is not None
    holder.snapshots.wait()
    return holder, result.from_snapshot


def _answers(holder: KnowledgeHolder) -> list[str]:
    return [render_text(run(holder.kb, q)) for q in QUESTIONS]


def _snapshot_file(settings: Settings) -> Path:
    (found,) = (settings.cache_dir / "snapshot").glob("snapshot-*.bin")
    return found


def test_a_restart_from_the_snapshot_answers_as_a_cold_load(base):
    _, settings = base
    cold, from_snapshot = _start(settings)
    assert not from_snapshot
    warm, from_snapshot = _start(settings)
    assert from_snapshot
    assert _answers(warm) == _answers(cold)
    assert dict(warm.kb.entities) == dict(cold.kb.entities)
    assert {k: f.model for k, f in warm.kb.claims.items()} == {
        k: f.model for k, f in cold.kb.claims.items()
    }
    for name in ("lavrov", "serdiukov", "csto", "Путин", "nazarbay", "shanghai"):
        assert warm.kb.matcher.match(name) == cold.kb.matcher.match(name)
    assert warm.kb.matcher.complete("ser") == cold.kb.matcher.complete("ser")
    search, cold_search = warm.kb.search_index, cold.kb.search_index
    assert {w: search[w] for w in search} == {w: cold_search[w] for w in cold_search}
    assert [f.id for f in warm.kb.timeline] == [f.id for f in cold.kb.timeline]
    for index in ("parts", "claims_with_predicate", "claim_counts", "claims_by_entity"):
        restored, built = getattr(warm.kb, index), getattr(cold.kb, index)
        assert _plain(restored) == _plain(built), index
    assert warm.kb.summary() == cold.kb.summary()
    assert warm.kb.predicates == cold.kb.predicates


def _plain(index) -> dict:
    """An index as plain data: facts by id, sequences as lists."""

    def value(v):
        return v if isinstance(v, int) else [getattr(x, "id", x) for x in v]

    return {k: value(index[k]) for k in index}


def test_the_snapshot_folder_and_file_are_private(base):
    _, settings = base
    os.umask(0)
    try:
        _start(settings)
    finally:
        os.umask(0o022)
    assert (settings.cache_dir / "snapshot").stat().st_mode & 0o777 == 0o700
    assert _snapshot_file(settings).stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("damage", ["truncate", "garble", "flip_body", "forge_index"])
def test_a_damaged_or_forged_snapshot_is_ignored(base, damage):
    _, settings = base
    cold, _ = _start(settings)
    path = _snapshot_file(settings)
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 2]
    elif damage == "garble":
        raw[len(raw) // 3 : len(raw) // 3 + 64] = os.urandom(64)
    elif damage == "flip_body":
        raw[-10] ^= 0xFF
    else:  # a consistent file (checksum recomputed) whose index points out of range
        raw = bytearray(_forge_index(bytes(raw)))
    path.write_bytes(bytes(raw))
    again, from_snapshot = _start(settings)
    assert not from_snapshot
    assert _answers(again) == _answers(cold)


def _forge(raw: bytes, part: str, value: bytes | None = None) -> bytes:
    """Overwrite a part (with 0xff bytes, or `value` at its start) and fix up the CRC, as a
    forger who knows the format would."""
    magic = snapshot_store._MAGIC
    size = int.from_bytes(raw[-8:], "little")
    header = json.loads(raw[-8 - size : -8])
    body = bytearray(raw[len(magic) : -8 - size])
    for name, offset, length in header["parts"]:
        if name == part and length:
            new = value if value is not None else b"\xff" * length
            body[offset : offset + len(new)] = new
    header["crc"] = zlib.crc32(bytes(body))
    head = json.dumps(header).encode()
    return magic + bytes(body) + head + len(head).to_bytes(8, "little")


def _forge_index(raw: bytes) -> bytes:
    """A consistent file whose name index array points out of range."""
    return _forge(raw, "index/b.post")


def test_a_forged_record_costs_one_answer_never_a_traceback(base):
    _, settings = base
    _start(settings)
    path = _snapshot_file(settings)
    path.write_bytes(_forge(path.read_bytes(), "entities.blob", b"[{]"))
    holder, from_snapshot = _start(settings)
    assert from_snapshot  # nothing tells it apart until the record is read
    first = next(iter(holder.kb.entities))
    text = render_text(run(holder.kb, f"who {first}"))
    assert "could not be read" in text and "reload" in text
    assert "Traceback" not in text


def test_a_planted_file_with_the_right_name_runs_nothing(base, tmp_path):
    _, settings = base
    _start(settings)
    path = _snapshot_file(settings)
    marker = tmp_path / "ran"
    path.write_bytes(b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR.")
    _, from_snapshot = _start(settings)
    assert not from_snapshot and not marker.exists()


def test_an_edited_article_text_is_not_restored(base):
    root, settings = base
    _start(settings)
    article = sorted((root / "seeds").glob("*.txt"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\n\nA new last paragraph.\n")
    holder, from_snapshot = _start(settings)
    assert not from_snapshot and holder.kb is not None


def test_the_key_changes_with_code_input_and_settings(base, monkeypatch):
    _, settings = base
    k, s = settings.knowledge_dir, settings.seeds_dir
    hashes = {"a.yaml": "1:a.yaml"}
    key = snapshot_key(k, s, hashes, MatchSettings())
    assert key == snapshot_key(k, s, dict(hashes), MatchSettings())
    assert key != snapshot_key(k, s, {"a.yaml": "2:a.yaml"}, MatchSettings())
    assert key != snapshot_key(k, s, {**hashes, "b.yaml": "3:b.yaml"}, MatchSettings())
    assert key != snapshot_key(k, s, hashes, MatchSettings(margin=9.0))
    monkeypatch.setattr(snapshot_store, "code_version", lambda: "other code")
    assert key != snapshot_key(k, s, hashes, MatchSettings())


def test_an_edited_knowledge_file_is_loaded_not_restored(base):
    root, settings = base
    _start(settings)
    path = sorted((root / "knowledge").rglob("*.yaml"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    holder, from_snapshot = _start(settings)
    assert not from_snapshot
    again, from_snapshot = _start(settings)  # the new snapshot, written after that load
    assert from_snapshot and _answers(again) == _answers(holder)


def test_a_reload_keeps_a_new_snapshot_and_one_writer_at_a_time(base):
    root, settings = base
    holder, _ = _start(settings)
    path = sorted((root / "knowledge").rglob("*.yaml"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    assert holder.reload("test").ok
    assert holder.snapshots is not None
    holder.snapshots.wait()
    assert len(list((settings.cache_dir / "snapshot").iterdir())) == 1
    again, from_snapshot = _start(settings)
    assert from_snapshot and _answers(again) == _answers(holder)


def test_a_snapshot_folder_others_may_write_is_not_read(base, caplog):
    _, settings = base
    _start(settings)
    os.chmod(settings.cache_dir / "snapshot", 0o777)
    store = SnapshotStore(settings.cache_dir)
    hashes = {"x": "y"}
    key = snapshot_key(settings.knowledge_dir, settings.seeds_dir, hashes, MatchSettings())
    assert store.read(key, settings.seeds_dir, MatchSettings()) is None
    assert "others may write it" in (store.rejected or "")


def test_the_first_reload_after_a_restart_from_the_snapshot_reports_only_what_changed(base):
    root, settings = base
    _start(settings)
    holder, from_snapshot = _start(settings)
    assert from_snapshot and holder.kb.compact
    path = next(
        p for p in sorted((root / "knowledge").rglob("*.yaml")) if "claims:" in p.read_text()
    )
    text = path.read_text(encoding="utf-8")
    (name,) = [n for n in holder.kb.file_hashes if path.as_posix().endswith(n)]
    ids = holder.kb.ids_from({name})[1]
    claim = next(c for c in map(holder.kb.claims.get, ids) if c and c.model.text in text)
    path.write_text(text.replace(claim.model.text, claim.model.text + " Indeed."), encoding="utf-8")
    outcome = holder.reload("test")
    assert outcome.ok and outcome.changelog.lines() == [f"Changed (1): claim {claim.id}"]
    assert holder.kb.claims[claim.id].model.text.endswith(" Indeed.")
    holder.snapshots.wait()
    again, from_snapshot = _start(settings)
    assert from_snapshot and again.kb.claims[claim.id].model.text.endswith(" Indeed.")
    path.write_text(path.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    outcome = again.reload("test")
    assert outcome.ok and outcome.changelog.lines() == ["No entities or claims changed."]
