"""Read a YAML file into plain data while remembering where every value came from.

PyYAML's constructors forget positions, silently keep the last of two duplicate keys and
expand aliases (the "billion laughs" bomb). We compose nodes with libyaml's safe parser
instead and build the data ourselves, so every error can name file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.loading.yamlhints import explain

try:  # libyaml is much faster; fall back to the pure-Python loader where it is missing.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 40
# Composed YAML costs a few hundred bytes of memory per value, so a small but dense file
# ("[x,x,x,...]") could take gigabytes; the biggest real file has about 2,000 values.
MAX_NODES = 200_000
_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


def scalar_value(tag: str, value: str) -> Any:
    """A resolved plain scalar as Python data; str and timestamp stay the text as written.

    Shared by this reader and the loader's fast path, which must build the same data."""
    if tag.endswith(":int"):
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            return value
    if tag.endswith(":float"):
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    if tag.endswith(":bool"):
        return value.lower() in {"true", "yes", "on", "y"}
    if tag.endswith(":null"):
        return None
    return value


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a knowledge file, located for the editor.

    An "error" stops the load; a "warning" is worth fixing but loads; a "note" stands for
    errors held back (it names its file in the message, so it prints without a location)."""

    file: str
    line: int | None
    column: int | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        if self.severity == "note":
            return self.message
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.severity == "warning":
            return f"{where}: warning: {self.message}"
        return f"{where}: {self.message}"

    def warning(self) -> Problem:
        """The same problem as a warning: worth fixing, but the fact base loads."""
        return Problem(self.file, self.line, self.column, self.message, "warning")

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "severity": self.severity,
        }


@dataclass
class SourceDoc:
    """Plain data from one file plus the 1-based (line, column) of every path in it."""

    file: str
    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def where(self, path: Path) -> tuple[int | None, int | None]:
        """The position of `path`, or of its nearest located ancestor."""
        for cut in range(len(path), -1, -1):
            pos = self.positions.get(tuple(path[:cut]))
            if pos is not None:
                return pos
        return (None, None)

    def problem(self, path: Path, message: str) -> Problem:
        line, col = self.where(path)
        return Problem(self.file, line, col, message)


def _pos(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, doc: SourceDoc) -> None:
        self.doc = doc
        self.seen: set[int] = set()

    def fail(self, node: yaml.Node, message: str) -> None:
        line, col = _pos(node)
        self.doc.problems.append(Problem(self.doc.file, line, col, message))

    def build(self, node: yaml.Node, path: Path, depth: int = 0) -> Any:
        self.doc.positions[path] = _pos(node)
        if id(node) in self.seen:
            return None  # an alias: _scan reported it where it is used, and it never expands
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self.fail(node, f"the data is nested more than {MAX_DEPTH} levels deep.")
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.fail(node, f"the tag {node.tag!r} is not allowed; use a plain list.")
                return None
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                self.fail(node, f"the tag {node.tag!r} is not allowed; use a plain mapping.")
                return None
            return self.mapping(node, path, depth)
        self.fail(node, "this YAML node type is not supported.")  # pragma: no cover
        return None

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            self.fail(
                node,
                f"the tag {tag!r} is not allowed in knowledge files "
                "(only plain text, numbers, true/false and null).",
            )
            return None
        value = node.value
        if not tag.endswith((":str", ":timestamp")):
            return scalar_value(tag, value)
        if "FIXME" in value:
            self.fail(
                node,
                "this value still says FIXME (left by `factbot draft` or "
                "`factbot new`): replace it, or delete the item.",
            )
        return value  # str and timestamp: dates stay as the text the editor wrote

    def mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if (
                not isinstance(key_node, yaml.ScalarNode)
                or key_node.tag == "tag:yaml.org,2002:merge"
            ):
                self.fail(key_node, "keys must be plain words (no merge keys or nested keys).")
                continue
            key = key_node.value
            if key in first_seen:
                self.fail(
                    key_node,
                    f"the key '{key}' appears twice in this mapping "
                    f"(first on line {first_seen[key]}); keep one.",
                )
                continue
            first_seen[key] = key_node.start_mark.line + 1
            self.doc.positions[(*path, key, "__key__")] = _pos(key_node)
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out


def too_big_message(size: int) -> str:
    """What to say about a knowledge file of `size` bytes, over the limit."""
    return (
        f"the file is {size // 1024 // 1024} MB; knowledge files must stay under "
        f"{MAX_FILE_BYTES // 1024 // 1024} MB: split it."
    )


def read_yaml(file: str, raw: bytes, *, show_text: bool = False) -> SourceDoc:
    """Parse one file. Never raises: problems are collected on the result. `show_text` lets
    a syntax error quote the offending line (knowledge files; not the config's secrets)."""
    doc = SourceDoc(file=file, data=None)
    if len(raw) > MAX_FILE_BYTES:
        doc.problems.append(
            Problem(
                file,
                None,
                None,
                too_big_message(len(raw)),
            )
        )
        return doc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 byte order mark is harmless; editors on Windows add it
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        doc.problems.append(
            Problem(
                file,
                line,
                col,
                "the file is not valid UTF-8 text "
                f"(byte 0x{raw[exc.start]:02x}); save it as UTF-8.",
            )
        )
        return doc
    try:
        too_big = _scan(doc, text)
        if too_big:
            return doc
        node = yaml.compose(text, Loader=_Loader)
    except yaml.reader.ReaderError as exc:
        line, col = _reader_position(text, exc)
        doc.problems.append(
            Problem(
                file,
                line,
                col,
                f"the character U+{exc.character:04X} is not allowed in YAML ({exc.reason}); "
                "delete it.",
            )
        )
        return doc
    except yaml.MarkedYAMLError as exc:
        doc.problems.append(Problem(file, *explain(text, exc, show_text)))
        return doc
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        doc.problems.append(Problem(file, None, None, f"YAML error: {exc}"))
        return doc
    except RecursionError:
        doc.problems.append(Problem(file, None, None, "the YAML is nested too deeply to read."))
        return doc
    if node is None:
        doc.data = {}
        return doc
    doc.data = _Builder(doc).build(node, ())
    return doc


def _scan(doc: SourceDoc, text: str) -> bool:
    """Stream the file's events before any tree is built. Each alias is reported where it is
    first used (so a "billion laughs" bomb is one problem per anchor, and it never expands),
    and a file with more than MAX_NODES values is refused. True if it is too big to build."""
    used: set[str] = set()
    count = 0
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent) and event.anchor not in used:
                used.add(event.anchor)
                doc.problems.append(
                    Problem(
                        doc.file,
                        *_mark(event.start_mark),
                        f"the alias '*{event.anchor}' is not allowed: YAML anchors and aliases "
                        "(&name / *name) are not allowed here; write the value out in full.",
                    )
                )
            if isinstance(event, _NODE_EVENTS):
                count += 1
                if count > MAX_NODES:
                    doc.problems.append(
                        Problem(
                            doc.file,
                            *_mark(event.start_mark),
                            f"the file holds more than {MAX_NODES:,} values; knowledge files "
                            "must stay smaller: split it.",
                        )
                    )
                    return True
    finally:
        loader.dispose()
    return False


def _mark(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _reader_position(text: str, exc: yaml.reader.ReaderError) -> tuple[int, int]:
    """1-based line and column of a character the YAML reader refused.

    libyaml reports a byte offset into the UTF-8 text, the pure-Python reader a character
    index; either way, find the refused character there."""
    data = text.encode("utf-8")
    bad = chr(exc.character).encode("utf-8", "surrogatepass")
    if data[exc.position : exc.position + len(bad)] == bad:
        before = data[: exc.position].decode("utf-8", "replace")
    else:
        before = text[: exc.position]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
