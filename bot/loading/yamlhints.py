"""YAML syntax errors as a sentence and a hint, never PyYAML's wording alone.

PyYAML says where it gave up ("mapping values are not allowed in this context"), which is
often a line after the mistake and always in parser terms. The common mistakes have a
shape that can be recognised from the text around that place: a key indented one space too
far or too little, a tab, a quote or bracket never closed, a missing colon or a missing space
after it, a colon inside a plain value. Each gets the line, what is wrong and what to write.
Work is linear in the lines above the error (the file size is capped).
"""

from __future__ import annotations

import re

import yaml

Located = tuple[int | None, int | None, str]  # 1-based line, column, message

_KEY = re.compile(r"""(?:"[^"]*"|'[^']*'|[^\s#'"\[\]{}:,-][^:#]*?|-[^\s:#][^:#]*?)[ ]*:(?:[ ]|$)""")
_ITEM = re.compile(r"-(?:[ ]+|$)")
_CLOSE = {"[": "]", "{": "}"}
_SHOWN = 70  # characters of a line quoted in a message


def explain(text: str, exc: yaml.MarkedYAMLError, show_text: bool) -> Located:
    """Where and what: the syntax error `exc` raised on `text`, in words an editor can act
    on. `show_text` quotes the offending line (not for files that may hold secrets)."""
    lines = text.split("\n")
    mark = exc.problem_mark or exc.context_mark
    start = exc.context_mark
    context = exc.context or ""
    problem = exc.problem or ""
    for hint in (
        _tab(lines, mark, start),
        _unclosed(lines, context, start, mark),
        _simple_key(lines, context, problem, start, show_text),
        _misplaced(lines, problem, mark, show_text),
        _bad_start(lines, problem, mark),
        _documents(context + problem, mark),
    ):
        if hint is not None:
            return hint
    return _generic(lines, exc, mark)


def _shown(line: str) -> str:
    line = line.rstrip()
    return f"'{line[:_SHOWN]}…'" if len(line) > _SHOWN else f"'{line}'"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _tab(lines: list[str], mark: yaml.Mark | None, start: yaml.Mark | None) -> Located | None:
    """A tab in the indentation of the error's line or of a line just above it."""
    if mark is None:
        return None
    first = max(0, min(mark.line - 1, start.line if start is not None else mark.line))
    for n in range(min(mark.line, len(lines) - 1), first - 1, -1):
        line = lines[n]
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in lead:
            return (
                n + 1,
                lead.index("\t") + 1,
                f"YAML syntax error: line {n + 1} is indented with a tab; YAML indents with "
                "spaces, never tabs: replace the tab with spaces.",
            )
    return None


def _unclosed(
    lines: list[str], context: str, start: yaml.Mark | None, mark: yaml.Mark | None
) -> Located | None:
    """A quote, list or mapping opened and never closed: say where it opened."""
    if start is None or not context.startswith(
        ("while scanning a quoted scalar", "while parsing a flow", "while scanning a flow")
    ):
        return None
    line = lines[start.line] if start.line < len(lines) else ""
    opener = line[start.column : start.column + 1]
    where = f"line {start.line + 1}, column {start.column + 1}"
    if opener in ("'", '"'):
        inside = (
            "write it twice ('') inside the value"
            if opener == "'"
            else 'write \\" inside the value, or quote the value with single quotes'
        )
        message = (
            f"YAML syntax error: the value in quotes from {where} is never closed; end it "
            f"with {opener} (to use {opener} itself, {inside})."
        )
    elif opener in _CLOSE:
        kind = "list" if opener == "[" else "mapping"
        until = f" before line {mark.line + 1}" if mark is not None else ""
        message = (
            f"YAML syntax error: the {kind} '{opener}' from {where} is not closed"
            f"{until}; end it with '{_CLOSE[opener]}' and separate its items with ', ' "
            f"(or put a value with [ ] {{ }} , or : in quotes)."
        )
    else:
        return None
    return start.line + 1, start.column + 1, message


def _simple_key(
    lines: list[str], context: str, problem: str, start: yaml.Mark | None, show_text: bool
) -> Located | None:
    """A key line without ':', or with no space after it ('type:place')."""
    if start is None or "could not find expected ':'" not in problem:
        return None
    return _no_colon(lines, start.line, start.column, show_text)


def _no_colon(lines: list[str], n: int, column: int, show_text: bool) -> Located:
    line = lines[n] if n < len(lines) else ""
    shown = f" ({_shown(line)})" if show_text else ""
    glued = re.match(r"^[ ]*(?:-[ ]+)*([^\s:#]+):(\S)", line)
    if glued:
        key = glued.group(1)
        value = line[glued.end(1) + 1 :].strip()[:30]
        example = f"'{key}: {value}'" if show_text else "'key: value'"
        return (
            n + 1,
            glued.end(1) + 2,
            f"YAML syntax error: line {n + 1}{shown} needs a space after the ':' of "
            f"'{key}'; write {example}.",
        )
    return (
        n + 1,
        column + 1,
        f"YAML syntax error: line {n + 1}{shown} has no ':' after its key; write 'key: value'.",
    )


def _previous(lines: list[str], n: int) -> int | None:
    """The nearest line above `n` with content."""
    for k in range(n - 1, -1, -1):
        if _content(lines[k]):
            return k
    return None


def _misplaced(
    lines: list[str], problem: str, mark: yaml.Mark | None, show_text: bool
) -> Located | None:
    """A key or list item at the wrong indentation, a colon in a plain value, text after a
    closing quote: the errors PyYAML reports as 'mapping values are not allowed', 'did not
    find expected key' or 'expected <block end>'."""
    if mark is None or mark.line >= len(lines):
        return None
    if not problem.startswith(
        ("mapping values are not allowed", "did not find expected", "expected <block end>")
    ):
        return None
    line = lines[mark.line]
    before = line[: mark.column]
    shown = f" ({_shown(line)})" if show_text else ""
    if problem.startswith("mapping values") and re.search(r":(\s|$)", before):
        return (
            mark.line + 1,
            mark.column + 1,
            f"YAML syntax error: line {mark.line + 1}{shown} has a second ': ' in its value, "
            "which YAML reads as another key; put the whole value in quotes.",
        )
    if before.rstrip().endswith(("'", '"')) and before.strip() not in ("'", '"'):
        return (
            mark.line + 1,
            mark.column + 1,
            f"YAML syntax error: line {mark.line + 1}{shown} goes on after the closing quote; "
            "put the whole value inside the quotes.",
        )
    if before.strip() and not problem.startswith("mapping values"):
        return None
    k = _previous(lines, mark.line)
    if problem.startswith("mapping values") and k is not None:
        prev = lines[k]
        body = prev[_indent(prev) :]
        while (m := _ITEM.match(body)) is not None:
            body = body[m.end() :]
        if _indent(prev) == _indent(line) and not _KEY.match(body):
            # 'token:abc' or 'type place' ran on into this line as one plain value
            return _no_colon(lines, k, _indent(prev), show_text)
    return _indentation(lines, mark.line, shown)


def _levels(lines: list[str], n: int) -> tuple[set[int], set[int]]:
    """The columns (0-based) where keys and list items may start on line `n`: those of the
    lines it could continue, found walking up through ever less indented lines."""
    keys: set[int] = set()
    items: set[int] = set()
    limit = 10**9
    for k in range(n - 1, -1, -1):
        line = lines[k]
        if not _content(line):
            continue
        col = _indent(line)
        if col >= limit:
            continue
        limit = col
        rest = line[col:]
        while (m := _ITEM.match(rest)) is not None:
            items.add(col)
            col += m.end()
            rest = rest[m.end() :]
        if _KEY.match(rest):
            keys.add(col)
        if limit == 0:
            break
    return keys, items


def _indentation(lines: list[str], n: int, shown: str) -> Located | None:
    line = lines[n]
    ind = _indent(line)
    is_item = _ITEM.match(line[ind:]) is not None
    keys, items = _levels(lines, n)
    options = items if is_item else keys
    if not options or ind in options:
        return None
    expected = min(options, key=lambda c: (abs(c - ind), -c))
    what = "list item" if is_item else "key"
    whose = "the items of this list" if is_item else "the keys of this mapping"
    return (
        n + 1,
        ind + 1,
        f"YAML indentation error: line {n + 1}{shown}: this {what} is indented {ind} "
        f"space{'s' if ind != 1 else ''}, but {whose} start at column {expected + 1}; indent "
        f"it {expected} space{'s' if expected != 1 else ''}.",
    )


def _bad_start(lines: list[str], problem: str, mark: yaml.Mark | None) -> Located | None:
    """A plain value starting with a character YAML reserves ('@', '`', '%', '*', '&', '!')."""
    if mark is None or mark.line >= len(lines):
        return None
    if "cannot start any token" not in problem and "undefined alias" not in problem:
        return None
    char = lines[mark.line][mark.column : mark.column + 1] or "this character"
    return (
        mark.line + 1,
        mark.column + 1,
        f"YAML syntax error: a plain value cannot start with '{char}'; put the value in quotes.",
    )


def _documents(problem: str, mark: yaml.Mark | None) -> Located | None:
    """A '---' line starts a second document: a knowledge file is one."""
    if mark is None or "expected a single document" not in problem:
        return None
    return (
        mark.line + 1,
        mark.column + 1,
        f"YAML syntax error: line {mark.line + 1} starts a second document ('---'); a file "
        "holds one YAML document: delete the line, or split the file in two.",
    )


def _generic(lines: list[str], exc: yaml.MarkedYAMLError, mark: yaml.Mark | None) -> Located:
    """Anything else: PyYAML's words, with the line to look at and what usually causes it."""
    line = mark.line + 1 if mark is not None else None
    col = mark.column + 1 if mark is not None else None
    what = exc.problem or "the YAML could not be read"
    if exc.context:
        start = exc.context_mark
        since = ""
        if start is not None and mark is not None and start.line != mark.line:
            since = f" (from line {start.line + 1}, column {start.column + 1})"
        what = f"{exc.context}{since}, {what}"
    where = f"line {line} or the line above it" if line else "the file"
    return (
        line,
        col,
        f"YAML syntax error: {what}. Check the indentation, colons and quotes of {where}: "
        "keys of one mapping start at the same column, every key is followed by ': ', and "
        "quotes are closed.",
    )
