"""The line path: the plain block YAML that knowledge files are written in, read line by line.

libyaml's events cost most of a cold load (a Python object and two marks per event, 3 million
events at 100k claims). Nearly every knowledge file is a block mapping of block sequences of
`key: value` mappings whose values are plain or quoted one-line scalars and one-line flow
lists or mappings. This reader accepts exactly that shape and declines (returns None)
anything else: tabs, anchors, tags, block scalars, multi-line scalars, escapes, documents
markers, complex keys, duplicate keys, FIXME anywhere. A declined file goes to the event path
(fastpath.py), and from there to the slow path that reports problems. Plain scalars are
resolved with the very resolver the other paths use, so the data and positions are the same
(tests/loading/test_fastlines.py compares it with the event path).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

import yaml

from bot.loading import yamlsource
from bot.loading.yamlsource import Path

_MAX_NODES = getattr(yamlsource, "MAX_NODES", 1 << 62)


class _Slow(Exception):
    """This path declines the file."""


@cache
def _resolver() -> tuple[Callable[..., str], frozenset[str]]:
    loader = yamlsource._Loader("")
    firsts = loader.yaml_implicit_resolvers
    if None in firsts:  # pragma: no cover - a resolver for any first character
        return loader.resolve, frozenset()
    return loader.resolve, frozenset(k for k in firsts if k)


def _plain_tag(value: str) -> str:
    """The tag a plain scalar resolves to: a pure function of its text, and the same few
    short texts (paragraph numbers, dates, booleans) come back thousands of times."""
    if len(value) <= 16:
        return _short_tag(value)
    return _resolver()[0](yaml.ScalarNode, value, (True, False))


@lru_cache(maxsize=4096)
def _short_tag(value: str) -> str:
    return _resolver()[0](yaml.ScalarNode, value, (True, False))


def _convert(tag: str, value: str) -> Any:
    """A plain scalar's value, exactly as yamlsource's builder converts it."""
    if tag not in yamlsource._SCALAR_TAGS:
        raise _Slow
    if not tag.endswith((":str", ":timestamp")):
        return yamlsource.scalar_value(tag, value)
    if "FIXME" in value:
        raise _Slow
    return value


# Characters libyaml refuses or treats specially (line breaks other than \n, BOM, controls),
# and tabs (indentation rules differ): the other paths decide.
_ODD = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +|$)")
_DQ = re.compile(r'"([^"\\]*)"')
_SQ = re.compile(r"'((?:[^']|'')*)'")
_AFTER = re.compile(r"(?: +#.*)?")  # what may follow a quoted scalar or a flow collection
_FLOW_PLAIN = re.compile(r"[^\s,\[\]{}#:\"'&*!|>%@`?-][^,\[\]{}#:]*|-[^\s,\[\]{}#:][^,\[\]{}#:]*")
_WORD_LIST = re.compile(r"\[(\w[\w.-]*(?:, \w[\w.-]*)*)\]")  # one-word plain scalars
_FLOW_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): +")
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +(.*))?")
_BLOCK_SCALARS = {">-": " ", ">": " ", "|": "\n", "|-": "\n"}
_INDICATORS = frozenset("?:,[]{}#&*!|>'\"%@`")
_SPECIAL = _INDICATORS | {"-"}

Line = tuple[int, int, str]  # 1-based line, 0-based column, text from that column


def _lines(raw: list[str]) -> tuple[list[Line], set[int]]:
    """The lines that hold something, and the numbers of those with trailing spaces."""
    out: list[Line] = []
    trailing: set[int] = set()
    for n, line in enumerate(raw, start=1):
        body = line.lstrip(" ")
        if not body or body[0] == "#":
            continue
        col = len(line) - len(body)
        if col == 0 and body.startswith(("---", "...", "%")):
            raise _Slow
        if body[-1] == " ":
            trailing.add(n)
            body = body.rstrip(" ")
        out.append((n, col, body))
    return out, trailing


def _is_item(text: str) -> bool:
    return text[:1] == "-" and (len(text) == 1 or text[1] == " ")


def read_lines(text: str) -> tuple[Any, dict[str, array], dict[Path, tuple[int, int]]] | None:
    """(data, item positions, root and section positions) as fastpath builds them, or None."""
    if "FIXME" in text or _ODD.search(text):
        return None
    try:
        return _LineReader(text.split("\n")).document()
    except (_Slow, RecursionError):
        return None


class _LineReader:
    __slots__ = ("count", "firsts", "i", "lines", "raw", "trailing")

    def __init__(self, raw: list[str]) -> None:
        self.raw = raw
        self.lines, self.trailing = _lines(raw)
        self.i = 0
        self.count = 0
        self.firsts = _resolver()[1]

    def node(self) -> None:
        self.count += 1
        if self.count > _MAX_NODES:
            raise _Slow

    def document(self) -> tuple[Any, dict[str, array], dict[Path, tuple[int, int]]]:
        if not self.lines:
            raise _Slow  # an empty or comment-only file: rare, the event path reads it
        line, col, text = self.lines[0]
        if not _KEY.match(text):
            raise _Slow
        marks: dict[str, array] = {}
        top: dict[Path, tuple[int, int]] = {(): (line, col + 1)}
        self.node()
        out: dict[str, Any] = {}
        lines = self.lines
        while self.i < len(lines):
            line, at, text = lines[self.i]
            if at != col:
                raise _Slow
            name, rest, start = self.key(text, out)
            self.i += 1
            if rest:
                top[(name,)] = (line, col + start + 1)
                out[name] = self.inline(rest, 1)
                if rest[0] == "[":
                    if out[name]:
                        raise _Slow  # items of a flow section: the event path marks them
                    marks[name] = array("I")
                self.no_deeper(col)
                continue
            if self.i >= len(lines) or not (
                lines[self.i][1] > col or (lines[self.i][1] == col and _is_item(lines[self.i][2]))
            ):
                raise _Slow  # an empty section: its position is libyaml's to say
            top[(name,)] = (lines[self.i][0], lines[self.i][1] + 1)
            if _is_item(lines[self.i][2]):
                where = marks[name] = array("I")
                out[name] = self.sequence(lines[self.i][1], 2, where)
            else:
                out[name] = self.block(lines[self.i][1], 1)
        return out, marks, top

    def key(self, text: str, out: dict[str, Any]) -> tuple[str, str, int]:
        """(key, the value's text or "" if it is below, where that text starts)."""
        m = _KEY.match(text)
        if m is None:
            raise _Slow
        name = m.group(1)
        if name in out:
            raise _Slow
        self.node()
        rest = text[m.end() :]
        return name, ("" if rest[:1] == "#" else rest), m.end()

    def no_deeper(self, col: int) -> None:
        """After a one-line value, a deeper line would continue it: not this path's shape."""
        if self.i < len(self.lines) and self.lines[self.i][1] > col:
            raise _Slow

    def block(self, col: int, depth: int) -> Any:
        """The value that starts on the current line, at column `col`."""
        if depth > yamlsource.MAX_DEPTH:
            raise _Slow
        text = self.lines[self.i][2]
        if _is_item(text):
            return self.sequence(col, depth + 1, None)
        if _KEY.match(text):
            return self.mapping(col, depth)
        self.i += 1
        return self.inline(text, depth)

    def mapping(self, col: int, depth: int) -> dict[str, Any]:
        """A block mapping at column `col`: the hot loop, so plain one-line values are read
        here and everything else is handed to the methods below."""
        if depth + 1 > yamlsource.MAX_DEPTH:
            raise _Slow
        out: dict[str, Any] = {}
        lines, n, i, count = self.lines, len(self.lines), self.i, 1
        firsts, match = self.firsts, _KEY_LINE.fullmatch
        while i < n:
            line = lines[i]
            if line[1] != col:
                if line[1] < col:
                    break
                raise _Slow
            m = match(line[2])
            if m is None:
                raise _Slow
            name, rest = m.groups()
            if name in out:
                raise _Slow
            i += 1
            count += 1
            if rest is None or rest[0] == "#":
                self.i = i
                out[name] = self.below(col, depth)
                i = self.i
                continue
            if rest in _BLOCK_SCALARS:
                self.i = i
                out[name] = self.block_scalar(rest, col)
                i = self.i
                continue
            if i < n and lines[i][1] > col:
                raise _Slow  # a value continued on the next line
            if rest[0] in _SPECIAL:
                self.i = i
                out[name] = self.inline(rest, depth + 1)
                continue
            if " #" in rest:
                rest = rest[: rest.index(" #")].rstrip(" ")
            if ": " in rest or rest[-1] == ":":
                raise _Slow
            count += 1
            out[name] = _convert(_plain_tag(rest), rest) if rest[0] in firsts else rest
        self.i = i
        self.count += count
        if self.count > _MAX_NODES:
            raise _Slow
        return out

    def below(self, col: int, depth: int) -> Any:
        """The value of a key with nothing after it: a block below, or null."""
        lines, i = self.lines, self.i
        if i < len(lines) and lines[i][1] > col:
            return self.block(lines[i][1], depth + 1)
        if i < len(lines) and lines[i][1] == col and _is_item(lines[i][2]):
            return self.sequence(col, depth + 2, None)
        self.node()
        return self.plain("")

    def block_scalar(self, header: str, col: int) -> str:
        """A `>-`, `>`, `|` or `|-` text whose lines all start at one column, with no blank or
        comment line inside and no trailing spaces: the text its chomping gives."""
        self.node()
        lines, first = self.lines, self.i
        if first >= len(lines) or lines[first][1] <= col:
            raise _Slow
        expect, at = lines[first - 1][0] + 1, lines[first][1]
        while self.i < len(lines) and lines[self.i][1] == at:
            if lines[self.i][0] != expect or expect in self.trailing:
                raise _Slow
            expect += 1
            self.i += 1
        self.no_deeper(col)
        end = lines[self.i][0] - 1 if self.i < len(lines) else len(self.raw)
        if any(self.raw[n - 1] for n in range(expect, end + 1)):
            raise _Slow  # lines with only spaces, or comment-like lines: maybe content
        if expect > len(self.raw):
            raise _Slow  # no line break after the text
        return _BLOCK_SCALARS[header].join(line[2] for line in lines[first : self.i]) + (
            "\n" if header[-1] != "-" else ""
        )

    def sequence(self, col: int, depth: int, where: array | None) -> list[Any]:
        if depth > yamlsource.MAX_DEPTH + 1:
            raise _Slow
        self.node()
        items: list[Any] = []
        lines = self.lines
        while self.i < len(lines):
            line, at, text = lines[self.i]
            if at < col or (at == col and not _is_item(text)):
                break
            if at > col:
                raise _Slow
            rest = text[1:].lstrip(" ")
            if not rest or rest[0] == "#":
                raise _Slow  # the item is below or empty: rare
            start = at + len(text) - len(rest)
            lines[self.i] = (line, start, rest)  # the item as if it started a line
            if where is not None:
                where.append(line)
                where.append(start + 1)
            items.append(self.block(start, depth))
            self.no_deeper(col)
        return items

    def inline(self, text: str, depth: int) -> Any:
        """A one-line value: a quoted or plain scalar, or a flow list or mapping."""
        if depth > yamlsource.MAX_DEPTH:
            raise _Slow
        first = text[0]
        if first == "[" and depth < yamlsource.MAX_DEPTH:
            words = _WORD_LIST.fullmatch(text)
            if words is not None:  # [id-one, id-two]: the usual list, split in one go
                found = words.group(1).split(", ")
                self.count += len(found)
                self.node()
                return [self.plain(word) for word in found]
        if first == "[" or first == "{":
            value, end = self.flow(text, 0, depth)
            if not _AFTER.fullmatch(text, end):
                raise _Slow
            return value
        if first == '"' or first == "'":
            value, end = self.quoted(text, 0)
            if not _AFTER.fullmatch(text, end):
                raise _Slow
            return value
        if first in _INDICATORS or (first == "-" and (len(text) == 1 or text[1] == " ")):
            raise _Slow
        cut = text.find(" #")
        if cut >= 0:
            text = text[:cut].rstrip(" ")
        if ": " in text or text.endswith(":"):
            raise _Slow
        self.node()
        return self.plain(text)

    def plain(self, value: str) -> Any:
        if value[:1] in self.firsts or not value:
            return _convert(_plain_tag(value), value)
        return value

    def quoted(self, text: str, at: int) -> tuple[str, int]:
        self.node()
        if text[at] == '"':
            m = _DQ.match(text, at)
            if m is None:
                raise _Slow
            return m.group(1), m.end()
        m = _SQ.match(text, at)
        if m is None:
            raise _Slow
        return m.group(1).replace("''", "'"), m.end()

    def flow(self, text: str, at: int, depth: int) -> tuple[Any, int]:
        """A one-line flow list of scalars, or flow mapping of identifier keys to scalars."""
        self.node()
        if depth >= yamlsource.MAX_DEPTH:
            raise _Slow
        close = "]" if text[at] == "[" else "}"
        out: Any = [] if close == "]" else {}
        at += 1
        while True:
            while at < len(text) and text[at] == " ":
                at += 1
            if at >= len(text):
                raise _Slow
            if text[at] == close and not out:
                return out, at + 1
            if close == "}":
                m = _FLOW_KEY.match(text, at)
                if m is None or m.group(1) in out:
                    raise _Slow
                self.node()
                value, at = self.flow_scalar(text, m.end())
                out[m.group(1)] = value
            else:
                value, at = self.flow_scalar(text, at)
                out.append(value)
            while at < len(text) and text[at] == " ":
                at += 1
            if text[at : at + 1] == close:
                return out, at + 1
            if text[at : at + 1] != ",":
                raise _Slow
            at += 1
            while at < len(text) and text[at] == " ":
                at += 1
            if text[at : at + 1] == close:
                raise _Slow  # a trailing comma: the event path decides

    def flow_scalar(self, text: str, at: int) -> tuple[Any, int]:
        if text[at : at + 1] in ('"', "'"):
            return self.quoted(text, at)
        m = _FLOW_PLAIN.match(text, at)
        if m is None:
            raise _Slow
        self.node()
        return self.plain(m.group(0).rstrip(" ")), m.end()
