"""The line path: the plain block YAML that knowledge files are written in, read line by line.

libyaml's events cost most of a cold load (a Python object and two marks per event, 3 million
events at 100k claims). Nearly every knowledge file is a block mapping of block sequences of
`key: value` mappings whose values are plain or quoted one-line scalars and one-line flow
lists or mappings. This reader accepts exactly that shape and declines (returns None)
anything else: tabs, anchors, tags, block scalars other than plain `>-`-style texts,
multi-line scalars, escapes, documents markers, complex keys, duplicate keys, FIXME anywhere.
A declined file goes to the event path (fastpath.py), and from there to the slow path that
reports problems. Plain scalars are resolved with the very resolver the other paths use, so
the data and positions are the same (tests/loading/test_fastlines.py compares it with the
event path).

Two readers: the token reader has the regex engine split every line at once (indentation,
key, value) and reads the usual shape in a tight loop; at anything it does not expect it
gives up, and the general reader (every line's indentation and text, then the structure)
starts over and reads the file or declines it. Both count nodes as libyaml's events do.
"""

from __future__ import annotations

import re
from array import array
from typing import Any

from bot.loading import yamlsource
from bot.loading.linevalues import (
    _MAX_NODES,
    _ODD,
    _SPECIAL,
    _plain_value,
    _Slow,
    _Values,
)
from bot.loading.linevalues import _convert as _convert  # fastpath's: the same resolving
from bot.loading.linevalues import _plain_tag as _plain_tag
from bot.loading.linevalues import _resolver as _resolver
from bot.loading.yamlsource import Path

_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +|$)")
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +(.*))?")
_BLOCK_SCALARS = {">-": " ", ">": " ", "|": "\n", "|-": "\n"}

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


def _has_odd(text: str) -> bool:
    """True if the text holds a character _ODD finds, found faster: ASCII text holds one only
    if a byte is left once the allowed ones are deleted, and printable text holds none
    (Unicode's printable characters are a subset of the allowed ones)."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _SHOWN_ASCII))
    return not text.replace("\n", " ").isprintable() and _ODD.search(text) is not None


_SHOWN_ASCII = bytes(range(0x20, 0x7F)) + b"\n"


def read_lines(text: str) -> tuple[Any, dict[str, array], dict[Path, tuple[int, int]]] | None:
    """(data, item positions, root and section positions) as fastpath builds them, or None.

    The token reader reads the usual shape; whatever it does not expect goes to the general
    line reader, which reads it or declines."""
    if "FIXME" in text or _has_odd(text):
        return None
    try:
        return _TokenReader(text).document()
    except (_Slow, RecursionError):
        pass
    try:
        return _LineReader(text.split("\n")).document()
    except (_Slow, RecursionError):
        return None


class _LineReader(_Values):
    """The general reader: every line's indentation and text, then the block structure."""

    __slots__ = ("i", "lines", "raw", "trailing")

    def __init__(self, raw: list[str]) -> None:
        super().__init__()
        self.raw = raw
        self.lines, self.trailing = _lines(raw)
        self.i = 0

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
            out[name] = _plain_value(rest) if rest[0] in firsts else rest
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


# Every line in one match, three strings: its indentation with "- " if it is an item, the key
# if it is `key:` (then a space or nothing), and the rest: the value, a plain item, a comment
# or nothing. A regex match costs about as much per group as per line, so three groups, and
# possessive quantifiers: a line that does not match fails in one pass. Files with trailing
# spaces are read with the second pattern, which leaves them out.
_TOKEN = re.compile(r"^( *+(?:- ++)?)(?:([A-Za-z_][A-Za-z0-9_]*+):(?: ++|$))?(.*+)$", re.MULTILINE)
_SPACED_TOKEN = re.compile(
    r"^( *+(?:- ++)?)(?:([A-Za-z_][A-Za-z0-9_]*+):(?: ++|$))?([^ \n]++(?: ++[^ \n]++)*+|) *+$",
    re.MULTILINE,
)
_NOT_STR = frozenset(_SPECIAL | _resolver()[1] | {""})  # first characters of other values
_DQ_BODY = re.compile(r'"[^"\\]*"').fullmatch  # a double-quoted value without escapes
Token = tuple[str, str, str]  # indentation (and dash), key, value or the rest


def _column(lead: str) -> int:
    """Where a line's text starts: its dash if it is an item."""
    dash = lead.find("-")
    return len(lead) if dash < 0 else dash


def _tokens(text: str) -> list[Token]:
    if " \n" in text or text.endswith(" "):
        return _SPACED_TOKEN.findall(text)
    return _TOKEN.findall(text)


class _TokenReader(_Values):
    """The usual shape, every line tokenised at once by the regex engine: sections of items
    whose keys hold one-line values, block scalars, or blocks of the same below. Anything
    else raises _Slow and the general reader starts over. Token i is line i + 1."""

    __slots__ = ("n", "raw", "text", "toks")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.toks = _tokens(text)
        self.n = len(self.toks)
        self.raw: list[str] = []
        if self.n != text.count("\n") + 1:  # pragma: no cover - every line matches, once
            raise _Slow

    def skip(self, i: int) -> int:
        """The first line from i that is not blank or a comment (or the end)."""
        toks, n = self.toks, self.n
        while i < n:
            lead, key, rest = toks[i]
            if key or (rest and rest[0] != "#") or "-" in lead:
                return i
            i += 1
        return i

    def lines(self) -> list[str]:
        if not self.raw:
            self.raw = self.text.split("\n")
        return self.raw

    def document(self) -> tuple[Any, dict[str, array], dict[Path, tuple[int, int]]]:
        toks, n = self.toks, self.n
        i = self.skip(0)
        if i >= n:
            raise _Slow
        col = len(toks[i][0])
        indent = " " * col
        marks: dict[str, array] = {}
        top: dict[Path, tuple[int, int]] = {(): (i + 1, col + 1)}
        out: dict[str, Any] = {}
        self.count = 1
        while i < n:
            lead, key, value = toks[i]
            if lead != indent or not key or key in out:
                raise _Slow
            self.count += 1
            i += 1
            if value and value[0] != "#":
                top[(key,)] = (i, _KEY.match(self.lines()[i - 1], col).end() + 1)
                out[key] = self.inline(value, 1)
                if value[0] == "[":
                    if out[key]:
                        raise _Slow
                    marks[key] = array("I")
                i = self.skip(i)
            else:
                out[key], i = self.section(key, i, col, marks, top)
        if self.count > _MAX_NODES:
            raise _Slow
        return out, marks, top

    def section(
        self, key: str, i: int, col: int, marks: dict[str, array], top: dict[Path, tuple[int, int]]
    ) -> tuple[Any, int]:
        """A top key's value below it: a sequence (its items' positions kept) or a mapping."""
        i = self.skip(i)
        if i >= self.n:
            raise _Slow
        lead, name, _ = self.toks[i]
        at = _column(lead)
        top[(key,)] = (i + 1, at + 1)
        if at >= col and at < len(lead):
            marks[key] = where = array("I")
            return self.sequence(i, at, 2, where)
        if at > col and name:
            return self.mapping(i, at, 1)
        raise _Slow

    def sequence(self, i: int, col: int, depth: int, where: array | None) -> tuple[list, int]:
        """A block sequence whose first item is on line i, its dashes at column `col`."""
        if depth > yamlsource.MAX_DEPTH:
            raise _Slow
        self.count += 1
        toks, n, dash = self.toks, self.n, " " * col + "-"
        items: list[Any] = []
        while i < n:
            lead, key, rest = toks[i]
            if not lead.startswith(dash):
                if _column(lead) > col:
                    raise _Slow
                break
            if where is not None:
                where.append(i + 1)
                where.append(len(lead) + 1)
            if key:
                value, i = self.mapping(i, len(lead), depth)
            elif rest[:1] not in _NOT_STR and ":" not in rest and "#" not in rest:
                self.count += 1  # a plain string: what inline() gives, in place
                value = rest
                i = self.skip(i + 1)
            elif rest and rest[0] not in "#-":
                value = self.inline(rest, depth)
                i = self.skip(i + 1)
            else:
                raise _Slow  # an empty, nested or commented item: the general reader's
            items.append(value)
        return items, i

    def mapping(self, i: int, col: int, depth: int) -> tuple[dict[str, Any], int]:
        """A block mapping whose first key is on line i at column `col` (maybe after a dash):
        the hot loop, so one-line strings and simply quoted values are read here."""
        if depth + 1 > yamlsource.MAX_DEPTH:
            raise _Slow
        toks, n, firsts, indent = self.toks, self.n, self.firsts, " " * col
        not_str = _NOT_STR
        out: dict[str, Any] = {}
        counted = 0  # values whose nodes were counted where they were read
        other = i  # the first line, and the lines that hold no key of this mapping
        _, key, value = toks[i]
        while True:
            i += 1
            first = value[:1]
            if first not in not_str:
                out[key] = _cut(value) if ":" in value or "#" in value else value
            elif first == '"' and _DQ_BODY(value):
                out[key] = value[1:-1]
            elif first and first not in _SPECIAL:
                if ":" in value or "#" in value:
                    value = _cut(value)
                out[key] = _plain_value(value) if first in firsts else value
            else:
                counted += 1
                j = i
                if not first or first == "#":
                    out[key], i = self.below(i, col, depth)
                elif value in _BLOCK_SCALARS:
                    out[key], i = self.block_scalar(value, i, col)
                else:
                    out[key] = self.inline(value, depth + 1)
                other += i - j
            if i < n:
                lead, key, value = toks[i]
                if lead == indent and key:
                    continue
                j = i
                i = self.skip(i)
                other += i - j
                if i < n:
                    lead, key, value = toks[i]
                    if lead == indent and key:
                        continue
                    if _column(lead) >= col:
                        raise _Slow
            break
        if len(out) != i - other:
            raise _Slow  # a key twice
        self.count += 1 + 2 * len(out) - counted
        if self.count > _MAX_NODES:
            raise _Slow
        return out, i

    def below(self, i: int, col: int, depth: int) -> tuple[Any, int]:
        """The value of a key with nothing after it: a block below, or null."""
        i = self.skip(i)
        if i < self.n:
            lead, key, _ = self.toks[i]
            at = _column(lead)
            item = at < len(lead)
            if at > col:
                if depth + 1 > yamlsource.MAX_DEPTH:
                    raise _Slow
                if item:
                    return self.sequence(i, at, depth + 2, None)
                if key:
                    return self.mapping(i, at, depth + 1)
                raise _Slow
            if at == col and item:
                return self.sequence(i, at, depth + 2, None)
        self.node()
        return self.plain(""), i

    def block_scalar(self, header: str, i: int, col: int) -> tuple[str, int]:
        """A `>-`, `>`, `|` or `|-` text from line i, under the general reader's rules: its
        lines at one column, none blank, a comment or with trailing spaces, then only empty
        lines before the next line, which is not deeper than the key."""
        self.node()
        raw = self.lines()
        n, first, parts = len(raw), i, []
        at = len(raw[i]) - len(raw[i].lstrip(" ")) if i < n else 0
        while i < n:
            body = raw[i].lstrip(" ")
            if len(raw[i]) - len(body) != at or not body or body[0] == "#":
                break
            if body[-1] == " ":
                raise _Slow
            parts.append(body)
            i += 1
        if i == first or at <= col or i >= n:
            raise _Slow
        while i < n and not raw[i]:
            i += 1
        if i < n:
            body = raw[i].lstrip(" ")
            if not body or body[0] == "#" or len(raw[i]) - len(body) > col:
                raise _Slow
        return _BLOCK_SCALARS[header].join(parts) + ("\n" if header[-1] != "-" else ""), i


def _cut(value: str) -> str:
    """A plain value without its comment; one that holds `: ` or ends with `:` is not plain."""
    if " #" in value:
        value = value[: value.index(" #")].rstrip(" ")
    if ": " in value or value[-1] == ":":
        raise _Slow
    return value
