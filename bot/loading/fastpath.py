"""The fast path: libyaml's events straight into plain data.

It accepts only what the slow path (yamlsource.read_yaml) would accept without a problem,
and builds the same data: the same tag resolution and scalar conversion, no anchors, no
explicit tags, no duplicate keys, no FIXME, the same depth and size limits. Anything else
returns None and the slow path reads the file and reports it. tests/bench/test_bench.py checks
that both paths give the same data.
"""

from __future__ import annotations

import json
from array import array
from typing import Any

import yaml

from bot.loading import yamlsource
from bot.loading.fastlines import _convert, _plain_tag, _resolver, _Slow, read_lines
from bot.loading.yamlsource import Path

_EV = yaml.events
_SCALAR, _SEQ, _MAP = _EV.ScalarEvent, _EV.SequenceStartEvent, _EV.MappingStartEvent
_SEQ_END, _MAP_END = _EV.SequenceEndEvent, _EV.MappingEndEvent
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAX_NODES = getattr(yamlsource, "MAX_NODES", 1 << 62)


# (data, item positions, root and section positions); from `json_read`, the data may be its
# JSON (`json_body`) as bytes.
FastRead = tuple[Any, dict[str, array], dict[Path, tuple[int, int]]]


def _text(raw: bytes) -> str | None:
    """The file's text, or None if only the slow path may say what is wrong with it."""
    if len(raw) > yamlsource.MAX_FILE_BYTES:
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def lines_read(raw: bytes) -> FastRead | None:
    """The line path alone: plain data in, plain data out."""
    text = _text(raw)
    return None if text is None else read_lines(text)


def json_body(data: Any) -> bytes | None:
    """The JSON of the plain data the fast path built, exactly as the disk cache writes it,
    or None if JSON cannot hold it (a huge integer). Plain data our own parser built is a
    tree, so the encoder need not look for cycles; ASCII with escapes encodes faster than
    UTF-8 and reads back the same."""
    try:
        return json.dumps(data, ensure_ascii=True, check_circular=False).encode("ascii")
    except (TypeError, ValueError, RecursionError):
        return None


def json_read(raw: bytes) -> FastRead | None:
    """What a worker process runs: the line path, its data sent back as JSON bytes (cheap to
    send, validated by pydantic straight from the bytes, written to the disk cache as they
    are), or as plain data if JSON cannot hold it."""
    read = lines_read(raw)
    if read is None:
        return None
    body = json_body(read[0])
    return read if body is None else (body, read[1], read[2])


def _fast_read(raw: bytes) -> FastRead | None:
    """(data, item positions, root and section positions), or None for the slow path."""
    text = _text(raw)
    if text is None:
        return None
    lines = read_lines(text)
    if lines is not None:
        return lines
    loader = yamlsource._Loader(text)
    try:
        return _FastBuilder(loader).document()
    except (_Slow, yaml.YAMLError, RecursionError, ValueError):
        return None
    finally:
        loader.dispose()


class _FastBuilder:
    __slots__ = ("count", "firsts", "get")

    def __init__(self, loader: Any) -> None:
        self.get = loader.get_event
        self.firsts = _resolver()[1]
        self.count = 0

    def document(self) -> tuple[Any, dict[str, array], dict[Path, tuple[int, int]]]:
        get = self.get
        get()  # StreamStart
        event = get()
        if isinstance(event, _EV.StreamEndEvent):
            return {}, {}, {}
        if not isinstance(event, _EV.DocumentStartEvent):
            raise _Slow
        event = get()
        if isinstance(event, _EV.DocumentEndEvent):  # pragma: no cover - libyaml adds a null
            raise _Slow
        marks: dict[str, array] = {}
        top: dict[Path, tuple[int, int]] = {(): _mark(event)}
        if type(event) is _MAP and event.anchor is None and event.tag is None:
            data = self.root(event, marks, top)
        else:
            data = self.value(event, 0)
        if not isinstance(get(), _EV.DocumentEndEvent):  # pragma: no cover
            raise _Slow
        if not isinstance(get(), _EV.StreamEndEvent):
            raise _Slow  # a second document: the slow path explains
        return data, marks, top

    def root(
        self, event: Any, marks: dict[str, array], top: dict[Path, tuple[int, int]]
    ) -> dict[str, Any]:
        """The top mapping; the positions of its sections' items are kept."""
        self.count += 1
        out: dict[str, Any] = {}
        get = self.get
        while True:
            key = get()
            if type(key) is _MAP_END:
                return out
            name = self.key(key, out)
            event = get()
            top[(name,)] = _mark(event)
            if type(event) is _SEQ and event.anchor is None and event.tag is None:
                self.count += 1
                items: list[Any] = []
                where = marks[name] = array("I")
                while True:
                    event = get()
                    if type(event) is _SEQ_END:
                        break
                    mark = event.start_mark
                    where.append(mark.line + 1)
                    where.append(mark.column + 1)
                    items.append(self.value(event, 2))
                out[name] = items
            else:
                out[name] = self.value(event, 1)

    def key(self, event: Any, out: dict[str, Any]) -> str:
        if type(event) is not _SCALAR or event.anchor is not None or event.tag is not None:
            raise _Slow
        self.count += 1
        name = event.value
        if (event.implicit[0] and name[:1] in self.firsts) and _plain_tag(name) == _MERGE_TAG:
            raise _Slow
        if name in out:
            raise _Slow
        return name

    def value(self, event: Any, depth: int) -> Any:
        kind = type(event)
        if event.anchor is not None or depth > yamlsource.MAX_DEPTH:
            raise _Slow
        self.count += 1
        if self.count > _MAX_NODES:
            raise _Slow
        if kind is _SCALAR:
            if event.tag is not None:
                raise _Slow
            value = event.value
            if event.implicit[0] and (value[:1] in self.firsts or not value):
                return _convert(_plain_tag(value), value)
            if "FIXME" in value:
                raise _Slow
            return value
        if event.tag is not None:
            raise _Slow
        get = self.get
        if kind is _SEQ:
            items = []
            while True:
                event = get()
                if type(event) is _SEQ_END:
                    return items
                items.append(self.value(event, depth + 1))
        if kind is _MAP:
            out: dict[str, Any] = {}
            while True:
                event = get()
                if type(event) is _MAP_END:
                    return out
                name = self.key(event, out)
                out[name] = self.value(get(), depth + 1)
        raise _Slow  # an alias


def _mark(event: Any) -> tuple[int, int]:
    return (event.start_mark.line + 1, event.start_mark.column + 1)
