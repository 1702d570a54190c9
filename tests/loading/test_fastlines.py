"""The line path reads the usual knowledge-file shape exactly as libyaml's events do, and
hands everything else on: a file must load the same whichever path reads it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from bot.bench.generate import generate
from bot.loading import fastlines, fastpath, linevalues, yamlsource
from bot.loading.fastlines import read_lines
from bot.loading.files import knowledge_files
from tests.conftest import KNOWLEDGE


def _events(text: str):
    loader = yamlsource._Loader(text)
    try:
        return fastpath._FastBuilder(loader).document()
    except (fastpath._Slow, Exception):
        return None
    finally:
        loader.dispose()


def _same(text: str) -> bool:
    """True if the line path read `text`; it then built what the event path builds."""
    lines = read_lines(text)
    if lines is None:
        return False
    events = _events(text)
    assert events is not None, text
    data, marks, top = lines
    assert data == events[0], text
    assert [type(v) for v in _leaves(data)] == [type(v) for v in _leaves(events[0])], text
    assert {k: list(v) for k, v in marks.items()} == {k: list(v) for k, v in events[1].items()}
    assert top == events[2], text
    return True


def _leaves(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


_ITEM = "claims:\n  - id: a\n"
_READ = [
    "claims:\n  - id: a\n    text: hello world\n  - id: b\n",
    "claims:\n- id: a\n  n: 1\n- id: b\nentities: []\n",
    "# head\n\nentities:\n\n  # between\n  - id: x  # trailing\n    name: 'it''s'\n",
    _ITEM + "    mentions: [x, y-z, 'q', \"r, s\", 12, true, ~, 1.5, 2012-04-06]\n",
    _ITEM + '    cites: {text: "A, B", outlet: x-y, date: January 18, n: 3}\n',
    _ITEM + "    m: [a-b, c_d, 12, true, 1.5, 2012-04-06, x.y, Ünï, null, 0x1F, no]\n",
    _ITEM + "    m: [one]\n    n: [a, b] # c\n    o: [_x, a-]\n",
    _ITEM + "    v: [ ]\n    w: {}\n    x: [a,b]\n",
    _ITEM + "    text: a [b] {c}, d 'e' \"f\" g:h #i? 10:30 50%\n",
    _ITEM + "    a: yes\n    b: No\n    c: 0x1F\n    d: 1_000\n    e: -.inf\n    f: .5\n",
    _ITEM + "    a: null\n    b:\n    c: ~\n    d: 2012-04-06 10:00:00\n    e: -5\n",
    _ITEM + "    a: -x\n    b: x-\n    c: \"\"\n    d: ''\n    e: 'a # b'\n",
    _ITEM + "    references:\n      - article: x\n        quote: q\n      - y\n    z: 1\n",
    _ITEM + "    references:\n    - article: x\n      n: 2\n    other: 1\n",
    _ITEM + "    nested:\n      deeper:\n        deepest: v\n",
    _ITEM + "    list:\n      - - a\n        - b\n      - c\n",
    "entities:\n    -   id: a\n        name: b\n",
    "  entities:\n    - id: a\n",
    "a: 1\nb: text\nc: [ ]\n",
    "claims:\n  - id: Ünïcødé ✓ 😀\n",
    "claims: []  # none yet\n",
    _ITEM + "    a: >-\n      folded\n      text\n    b: >\n      clip\n      me\n\n    c: x\n",
    _ITEM + "    a: |\n      literal\n      text\n    b: |-\n      kept\n",
    _ITEM + "    a: >-\n      last\n      one\n",
    _ITEM + "    a: >\n      at the end\n\n\n",
]

# Shapes this path hands on (the event path or the slow path decides).
_DECLINED = [
    "",
    "# only a comment\n",
    "a:\tb\n",
    "a: FIXME\n",
    "'q': 1\n",
    "a: 1\na: 2\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "<<: {a: 1}\n",
    "---\na: 1\n",
    "a: 1\n...\n",
    "a: >-\n  folded\n",
    "a: |\n  literal\n",
    'a: "esc\\t"\n',
    "a: plain\n  continued\n",
    'a: "open\n  close"\n',
    "a: [1, 2\n",
    "a: [1, 2,]\n",
    "a: [1, , 2]\n",
    "a: [[1]]\n",
    "a: {b: {c: 1}}\n",
    "a: {b:1}\n",
    "a: {b: 1, b: 2}\n",
    "a: [a: b]\n",
    "a: [x #c]\n",
    "a: b: c\n",
    "a: b:\n",
    "a: - b\n",
    "a: @x\n",
    "a: `x\n",
    "a: %x\n",
    "a: ? x\n",
    "? a\n: b\n",
    "- 1\n- 2\n",
    "just text\n",
    "a:\n",
    "a:\n  - \n",
    "a:\n  -\n    b: 1\n",
    "a: b\r\nc: d\r\n",
    "a: b\u2028c\n",
    "a: \x85\n",
    "a: \ufeffb\n",
    "a: =\n",
    "a:\n  b: 1\n c: 2\n",
    "a:\n  - b\n   - c\n",
    "a: " + "[" * 60 + "]" * 60 + "\n",
    "a: 'x'y\n",
    'a: "x"#c\n',
    "a: [x]y\n",
    _ITEM + "    a: >-\n      one\n\n      two\n",
    _ITEM + "    a: >-\n      one\n        more\n      two\n",
    _ITEM + "    a: >-\n      one \n      two\n",
    _ITEM + "    a: >-\n      one\n      # two\n",
    _ITEM + "    a: >-\n      one\n\n      # two\n",
    _ITEM + "    a: >-\n      one\n        \n    b: 1\n",
    _ITEM + "    a: >+\n      one\n",
    _ITEM + "    a: >2\n      one\n",
    _ITEM + "    a: >- # c\n      one\n",
    _ITEM + "    a: >-\n\n      one\n",
    _ITEM + "    a: >-\n    b: 1\n",
    _ITEM + "    a: >-\n      one",
    "a: >-\n  one\n",
    _ITEM + "    a: |\n      literal\n  # a comment: maybe content, the event path decides\n",
    _ITEM + "    references:\n      - article: x\n    - y\n",
]


@pytest.mark.parametrize("text", _READ)
def test_line_path_reads_the_usual_shape_as_libyaml_does(text):
    assert _same(text)


@pytest.mark.parametrize("text", _DECLINED)
def test_line_path_hands_on_everything_else(text):
    assert read_lines(text) is None


def test_declined_shapes_still_load_through_the_other_paths():
    """What the line path declines is read (or refused) exactly as before."""
    for text in _DECLINED:
        fast = fastpath._fast_read(text.encode("utf-8"))
        assert fast == (None if fast is None else _events(text.lstrip("\ufeff"))), text


def test_line_path_reads_every_real_and_generated_file(tmp_path: Path):
    generate(tmp_path, 120, 300, seed=3)
    files = knowledge_files(KNOWLEDGE) + knowledge_files(tmp_path / "knowledge")
    read = sum(_same(path.read_text("utf-8")) for path in files)
    assert read == len(files) > 0


# The token reader (the fast one) and the general line reader must agree wherever the token
# reader reads; what it does not read, the general reader reads or declines.
_TOKEN_READ = [
    "claims:\n  - id: a\n    text: hello world\n  - id: b\n",
    "claims:\n- id: a\n  n: 1\n- id: b\nentities: []\n",
    "# head\n\nentities:\n\n  # between\n  - id: x  # trailing\n    name: 'it''s'\n",
    _ITEM + "    a: yes\n    b: No\n    c: 0x1F\n    d: 1_000\n    e: -.inf\n    f: .5\n",
    _ITEM + "    a: null\n    b:\n    c: ~\n    d: 2012-04-06 10:00:00\n    e: -5\n",
    _ITEM + '    cites: {text: "A, B", outlet: x-y, date: January 18, n: 3}\n',
    _ITEM + '    c: {a: "", b: yes , c: -x, d: 1.5, e: "q"}\n    d: {a: 1}\n',
    _ITEM + "    references:\n      - article: x\n        quote: q\n      - y\n    z: 1\n",
    _ITEM + "    references:\n    - article: x\n      n: 2\n    other: 1\n",
    _ITEM + "    nested:\n      deeper:\n        deepest: v\n",
    _ITEM + "    aliases:\n      - Foo Bar\n      - Ünï\n      - yes\n      - 'q'\n",
    _ITEM + "    a: >-\n      folded\n      text\n    b: >\n      clip\n      me\n\n    c: x\n",
    _ITEM + "    a: |\n      literal\n      text\n    b: |-\n      kept\n",
    _ITEM + '    date: "2012"\n    text: "a" # c\n    t: "it\'s"\n',
    "claims:  \n  - id: a   \n    text: trailing  spaces \n   \n    n: 1 \n",
    "entities:\n    -   id: a\n        name: b\n",
    "  entities:\n    - id: a\n",
    "a: 1\nb: text\nc: [ ]\n",
    "top:\n  key: value\n  other: 2\n",
]


def _general(text: str):
    try:
        return fastlines._LineReader(text.split("\n")).document()
    except fastlines._Slow:
        return None


@pytest.mark.parametrize("text", _TOKEN_READ)
def test_token_reader_reads_the_usual_shape_as_the_general_reader(text):
    tokens = fastlines._TokenReader(text).document()
    assert tokens == _general(text)
    assert _same(text)


@pytest.mark.parametrize("text", _READ + _DECLINED)
def test_token_reader_reads_nothing_differently(text):
    if "FIXME" in text or fastlines._has_odd(text):
        return
    try:
        tokens = fastlines._TokenReader(text).document()
    except (fastlines._Slow, RecursionError):
        return
    assert tokens == _general(text)


def test_odd_characters_are_found_as_the_pattern_finds_them():
    """The faster check answers exactly as _ODD does, for every character of the BMP and a
    few beyond, alone and in ASCII or Cyrillic text."""
    chars = [chr(c) for c in range(0x10000)] + ["\U00010000", "\U0001f600", "\U0010ffff"]
    for c in chars:
        for text in (c, "a: b\n" + c, "имя: " + c + "\n"):
            assert fastlines._has_odd(text) == (fastlines._ODD.search(text) is not None), hex(
                ord(c)
            )


_MUTATIONS = [
    lambda line: " " + line,
    lambda line: line + " ",
    lambda line: line + "  # note",
    lambda line: line.replace(" ", "\t", 1),
    lambda line: line.replace(": ", ":", 1),
    lambda line: line.replace(": ", ": '", 1),
    lambda line: line.replace(": ", ': "', 1),
    lambda line: line + ":",
    lambda line: line.replace(": ", ": - ", 1),
    lambda line: line.replace(": ", ": >-\n" + " " * 8, 1),
    lambda line: line.replace("- ", "", 1),
    lambda line: line.replace("- ", "- - ", 1),
    lambda line: line[:-3],
    lambda line: line + "\n" + line,
    lambda line: line + "\n",
    lambda line: line + "\n   ",
    lambda line: line + "\n# c",
    lambda line: line + "\n    continued",
    lambda line: line.replace(" ", "", 2),
    lambda line: line.upper(),
    lambda line: line.replace("a", "#", 1),
    lambda line: line.replace("e", "{", 1),
    lambda line: line.replace("i", "}", 1),
    lambda line: line.replace("o", "[", 1),
    lambda line: line.replace("n", ",", 1),
    lambda line: line.replace("r", "\u2028", 1),
    lambda line: line.replace("t", "\xa0", 1),
    lambda line: "",
]


def test_mutated_generated_files_read_the_same_or_are_handed_on(tmp_path: Path):
    """Property: a generated file with one line changed in any of many ways reads as libyaml
    reads it, or is handed on; and the token reader never reads it differently."""
    generate(tmp_path, 40, 60, seed=11)
    rng = random.Random(5)
    texts = [path.read_text("utf-8") for path in knowledge_files(tmp_path / "knowledge")]
    checked = 0
    for _ in range(700):
        lines = rng.choice(texts).split("\n")[:60]
        at = rng.randrange(len(lines))
        lines[at] = rng.choice(_MUTATIONS)(lines[at])
        text = "\n".join(lines)
        checked += _same(text)
        if "FIXME" not in text and not fastlines._has_odd(text):
            try:
                tokens = fastlines._TokenReader(text).document()
            except (fastlines._Slow, RecursionError):
                continue
            assert tokens == _general(text), text
    assert checked > 100  # most mutations keep a readable file


@pytest.mark.parametrize("spare", [0, -1])
def test_node_bound_is_where_the_event_path_has_it(tmp_path: Path, monkeypatch, spare):
    """A file of exactly MAX_NODES values reads; one more and every path hands it on."""
    generate(tmp_path, 20, 30, seed=2)
    text = knowledge_files(tmp_path / "knowledge")[0].read_text("utf-8")
    nodes = sum(isinstance(e, yamlsource._NODE_EVENTS) for e in yaml.parse(text))
    for module in (fastlines, linevalues, fastpath):
        monkeypatch.setattr(module, "_MAX_NODES", nodes + spare)
    assert (read_lines(text) is not None) == (spare == 0)
    assert (_events(text) is not None) == (spare == 0)
    if spare == 0:
        assert fastlines._TokenReader(text).document() == read_lines(text)
