"""The JSON route (a file's data validated from its JSON bytes, bot/loading/parse.py) gives
exactly the models the plain-data route gives, or declines and leaves the file to that route:
the same fact base, the same problems at the same places, the same disk-cache entries."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from bot.bench.generate import generate
from bot.knowledge.model import Article, Claim, Entity
from bot.loading import fastpath, parse, prefetch
from bot.loading.cache import DiskCache, LoadCache
from bot.loading.files import knowledge_files
from bot.loading.loader import load_knowledge
from bot.loading.parse import _FILE, parse_file
from tests.conftest import KNOWLEDGE, SEEDS
from tests.loading.test_fastlines import _MUTATIONS


def _shape(value: Any) -> Any:
    """A model tree as (type, value) all the way down, so equal means equal types too."""
    if isinstance(value, BaseModel):
        return (type(value), {k: _shape(v) for k, v in value.__dict__.items()})
    if isinstance(value, list):
        return (list, [_shape(v) for v in value])
    return (type(value), value)


def _python(data: Any) -> Any:
    try:
        return _shape(_FILE.validate_python(data))
    except ValidationError:
        return None


def _json(data: Any) -> Any:
    """The JSON route's models, or None where it declines."""
    body = fastpath.json_body(data)
    if body is None:
        return None
    try:
        return _shape(_FILE.validate_json(body))
    except ValidationError:
        return None


def _agrees(data: Any) -> bool:
    """Where the JSON route validates, the plain route validates to the same models, and it
    declines only what the plain route refuses too or JSON cannot hold; True if it
    validated (False: it declined, and the plain route decides)."""
    got = _json(data)
    if got is None:
        assert _python(data) is None or fastpath.json_body(data) is None, data
        return False
    assert _python(data) == got, data
    return True


# Every kind of value the fast path builds, and the strings the schema treats specially.
_VALUES: list[Any] = [
    *("", " ", "x", " padded ", "a-b", "A-b", "2012-04-06", "yes", "no", "1", "1.0", "-3"),
    *("person", "PERSON", "deprecated", "null", "\x1b[31m", "\u202e", "ünï", "x" * 300),
    *(0, 1, 2, -1, 3, 10**20, 10**400, 0.0, -0.0, 1.0, 1.5, 2.0, 1e16, 1e300, 1e-300),
    *(float("nan"), float("inf"), float("-inf"), True, False, None),
    *([], ["x"], ["a-b", "c"], [1], [None], [{"text": "t"}], {}, {"text": "t"}),
    {"article": "a", "paragraph": 1, "quote": "q"},
    {"article": "a", "paragraph": "2", "quote": "q", "cites": {"text": "t", "date": "May"}},
]
_ARTICLE = {"id": "a", "file": "f.txt", "title": "T", "publication": "P", "date": "2012"}
_ENTITY = {"id": "e", "type": "person", "name": "N", "description": "D"}
_CLAIM = {
    "id": "c",
    "subject": "e",
    "predicate": "said",
    "text": "t",
    "references": [{"article": "a", "paragraph": 1, "quote": "q"}],
}


@pytest.mark.parametrize(
    ("section", "base", "model"),
    [("articles", _ARTICLE, Article), ("entities", _ENTITY, Entity), ("claims", _CLAIM, Claim)],
)
def test_every_field_and_kind_of_value_validates_the_same(section, base, model):
    assert _agrees({section: [base]})
    fields = [*model.model_fields, "unknown"]
    taken = 0
    for name in fields:
        for value in _VALUES:
            taken += _agrees({section: [{**base, name: value}]})
            ref = dict(base.get("references", [{}])[0])
            for sub in ("paragraph", "quote", "cites", "article", "extra"):
                if section == "claims":
                    item = {**base, "references": [{**ref, sub: value}]}
                    taken += _agrees({section: [item]})
    assert taken > 3 * len(fields)  # the route takes the usual values, not only declines
    for value in _VALUES:  # whole sections and the file itself of every kind
        _agrees({section: value})
        _agrees(value)


def test_numbers_read_back_exactly():
    """Floats and big integers where an int is wanted: the same int, or the same refusal."""
    rng = random.Random(7)
    taken = 0
    for _ in range(2000):
        whole = rng.getrandbits(rng.randrange(1, 200))
        value = rng.choice([rng.random() * 10 ** rng.randrange(-30, 30), float(whole), whole])
        taken += _agrees({"articles": [{**_ARTICLE, "volume": value}]})
    assert taken > 500


def _texts(tmp_path: Path) -> list[str]:
    generate(tmp_path, 60, 120, seed=4)
    files = knowledge_files(KNOWLEDGE) + knowledge_files(tmp_path / "knowledge")
    return [path.read_text("utf-8") for path in files]


_SCALARS = [
    *("1", "1.0", "2.5", "-0.0", "1e16", "1e400", ".inf", "-.inf", ".nan", "yes", "No", "~"),
    *("null", "0x1F", "0o17", "1_000", "''", '" x "', '"\\e"', '"\\u202e"', '"\\ud800"'),
    *("[]", "{}", "[1, 2]", "{a: 1}", "2012-04-06", "2012-04-06 10:00:00", "person"),
    *("Person", "deprecated", "-1", "0", "99999999999999999999999", "é", "x" * 90),
]


def _mutants(texts: list[str], count: int) -> list[str]:
    """Files with one line changed: by the line path's mutations, or a value replaced by a
    scalar of another kind."""
    rng = random.Random(9)
    out = []
    for _ in range(count):
        lines = rng.choice(texts).split("\n")[:80]
        at = rng.randrange(len(lines))
        if rng.random() < 0.5 and ": " in lines[at]:
            lines[at] = lines[at].split(": ", 1)[0] + ": " + rng.choice(_SCALARS)
        else:
            lines[at] = rng.choice(_MUTATIONS)(lines[at])
        out.append("\n".join(lines))
    return out


def _outcome(pf: parse.ParsedFile) -> tuple:
    items = {k: [(_shape(i.model), i.path, i.origin) for i in v] for k, v in pf.items.items()}
    problems = [(p.file, p.line, p.column, p.message) for p in pf.problems]
    return items, problems, pf.lost


def test_fixture_generated_and_mutated_files_parse_the_same(tmp_path, monkeypatch):
    """Property: whatever the file, parse_file gives the same items and problems
    with the JSON route as with the plain route alone (the route switched off)."""
    texts = _texts(tmp_path)
    taken = declined = 0
    for n, text in enumerate(texts + _mutants(texts, 900)):
        raw = text.encode("utf-8")
        fast = fastpath._fast_read(raw)
        if fast is not None:
            if _agrees(fast[0]):
                taken += 1
            else:
                declined += 1
        name = f"f{n}.yaml"
        with_json = parse_file(name, raw, None, "d", fastpath.json_read(raw))
        with monkeypatch.context() as m:
            m.setattr(parse, "_valid_json", lambda body: None)
            plain = parse_file(name, raw, None, "d")
        assert _outcome(with_json[0]) == _outcome(plain[0]), text
        # the disk cache is given the data's JSON only where the route validated it
        expected = fastpath.json_body(fast[0]) if fast and _json(fast[0]) else None
        assert with_json[1] == expected and plain[1] is None
    assert taken > len(texts) and declined > 50


def _entries(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "files").glob("*.json"))}


def _load(kdir: Path, cache: Path) -> Any:
    return load_knowledge(kdir, SEEDS, cache=LoadCache(disk=DiskCache(cache)))


@pytest.mark.parametrize("workers", [0, 1])
def test_a_declined_file_loads_and_reports_as_before(tmp_path, monkeypatch, workers):
    """With the route switched off (every file declined), a load gives the same problems and
    warnings, and keeps nothing on disk; with it, a restart reads every file from the disk
    cache to the same fact base."""
    monkeypatch.setattr(prefetch, "MIN_BYTES", 0 if workers else 1 << 62)
    monkeypatch.setattr(prefetch, "_workers", lambda: workers)
    kdir = tmp_path / "knowledge"
    kdir.mkdir()
    for path in knowledge_files(KNOWLEDGE):
        (kdir / f"{path.parent.name}-{path.name}").write_bytes(path.read_bytes())
    bad = "entities:\n  - id: x\n    type: person\n    name: V\n    description: D\n"
    bad += "    restricted: .inf\n"  # JSON writes it Infinity; both routes refuse it
    (kdir / "bad.yaml").write_text(bad, encoding="utf-8")
    routed = _load(kdir, tmp_path / "a")
    monkeypatch.setattr(parse, "_valid_json", lambda body: None)
    declined = _load(kdir, tmp_path / "b")
    assert not routed.ok and routed.problems == declined.problems
    assert any(p.file.endswith("bad.yaml") and p.line == 6 for p in routed.problems)
    assert routed.warnings == declined.warnings
    assert _entries(tmp_path / "a") != {} == _entries(tmp_path / "b")
    (kdir / "bad.yaml").unlink()
    monkeypatch.undo()
    monkeypatch.setattr(prefetch, "MIN_BYTES", 0 if workers else 1 << 62)
    monkeypatch.setattr(prefetch, "_workers", lambda: workers)
    first, again = _load(kdir, tmp_path / "a"), _load(kdir, tmp_path / "a")
    assert first.ok and again.ok and again.cached_files == len(first.files)
    assert again.kb.entities == first.kb.entities
    monkeypatch.setattr(parse, "_valid_json", lambda body: None)
    plain = _load(kdir, tmp_path / "b")
    assert plain.ok and plain.kb.entities == again.kb.entities
