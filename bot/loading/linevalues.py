"""One-line YAML values as the line path reads them: plain, quoted, flow lists and mappings.

Shared by both line readers (fastlines.py). Plain scalars are resolved with the very resolver
the other paths use and converted as yamlsource's builder converts them, so the data is the
same; whatever is not exactly that raises _Slow, and the file goes to the event path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

import yaml

from bot.loading import yamlsource

_MAX_NODES = getattr(yamlsource, "MAX_NODES", 1 << 62)
_STR_TAG = "tag:yaml.org,2002:str"


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
    table = _tag_table()
    if table is None:  # pragma: no cover - our loader has no path or wildcard resolvers
        return _resolver()[0](yaml.ScalarNode, value, (True, False))
    for tag, pattern in table.get(value[0], ()):
        if pattern.match(value):
            return tag
    return _STR_TAG


@cache
def _tag_table() -> dict[str, list[tuple[str, re.Pattern[str]]]] | None:
    """What resolve() tries for a plain scalar, by first character, without its per-call
    overhead: it is called for every long text that starts with a letter like O or T."""
    loader = yamlsource._Loader("")
    if loader.yaml_path_resolvers or None in loader.yaml_implicit_resolvers:
        return None  # pragma: no cover
    return dict(loader.yaml_implicit_resolvers)


@lru_cache(maxsize=4096)
def _short_tag(value: str) -> str:
    return _resolver()[0](yaml.ScalarNode, value, (True, False))


def _plain_value(value: str) -> Any:
    """A plain scalar's value (it may resolve to something else than a string)."""
    if len(value) <= 16:
        return _short_value(value)
    return _convert(_plain_tag(value), value)


@lru_cache(maxsize=4096)
def _short_value(value: str) -> Any:
    return _convert(_plain_tag(value), value)  # None, bools, numbers, str: none can change


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
_SHOWN = "\x21-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff"
_ODD = re.compile(f"[^\n {_SHOWN}]")
_DQ = re.compile(r'"([^"\\]*)"')
_SQ = re.compile(r"'((?:[^']|'')*)'")
_AFTER = re.compile(r"(?: +#.*)?")  # what may follow a quoted scalar or a flow collection
_FLOW_PLAIN = re.compile(r"[^\s,\[\]{}#:\"'&*!|>%@`?-][^,\[\]{}#:]*|-[^\s,\[\]{}#:][^,\[\]{}#:]*")
_WORD_LIST = re.compile(r"\[(\w[\w.-]*(?:, \w[\w.-]*)*)\]")  # one-word plain scalars
# A flow mapping of `key: "quoted"` and `key: plain` in one match, then its pairs in one go;
# possessive quantifiers: what does not match fails in one pass (flow() then reads it).
_PLAIN_IN_FLOW = _FLOW_PLAIN.pattern.replace("]*", "]*+")
_FLOW_PAIR = r'([A-Za-z_][A-Za-z0-9_]*+): ++(?:"([^"\\]*+)"|(' + _PLAIN_IN_FLOW + "))"
_ONE_PAIR = r'[A-Za-z_][A-Za-z0-9_]*+: ++(?:"[^"\\]*+"|' + _PLAIN_IN_FLOW + ")"
_FLOW_MAP = re.compile(r"\{ *+" + _ONE_PAIR + r"(?: *+, *+" + _ONE_PAIR + r")*+ *+\}")
_FLOW_PAIRS = re.compile(_FLOW_PAIR)
# The usual flow mapping, of up to four such pairs, read in one match.
_FLOW_MAP4 = re.compile(r"\{ *+" + _FLOW_PAIR + 3 * (r"(?: *+, *+" + _FLOW_PAIR + ")?") + r" *+\}")
_FLOW_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): +")
_INDICATORS = frozenset("?:,[]{}#&*!|>'\"%@`")
_SPECIAL = _INDICATORS | {"-"}


class _Values:
    """One-line values (plain, quoted, flow), shared by both readers, counting nodes."""

    __slots__ = ("count", "firsts")

    def __init__(self) -> None:
        self.count = 0
        self.firsts = _resolver()[1]

    def node(self) -> None:
        self.count += 1
        if self.count > _MAX_NODES:
            raise _Slow

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
        if first == "{" and depth < yamlsource.MAX_DEPTH:
            pairs = self.flow_pairs(text)
            if pairs is not None:
                return pairs
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

    def flow_pairs(self, text: str) -> dict[str, Any] | None:
        """A flow mapping of `key: "quoted"` and `key: plain` read in one or two matches, as
        flow() reads it; None if it is not one (or repeats a key: flow() says)."""
        m = _FLOW_MAP4.fullmatch(text)
        if m is not None:
            found = m.groups()
            pairs = [found[j : j + 3] for j in range(0, 12, 3) if found[j] is not None]
        elif _FLOW_MAP.fullmatch(text):
            pairs = _FLOW_PAIRS.findall(text)
        else:
            return None
        firsts = self.firsts
        out = {}
        for key, quoted, plain in pairs:
            if plain:
                plain = plain.rstrip(" ")
                out[key] = _plain_value(plain) if plain[0] in firsts else plain
            else:
                out[key] = quoted
        if len(out) != len(pairs):
            return None
        self.count += 2 * len(pairs)
        self.node()
        return out

    def plain(self, value: str) -> Any:
        if value[:1] in self.firsts or not value:
            return _plain_value(value)
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
