"""Writing YAML by hand: scalars that read back verbatim, folded quotes, comments."""

from __future__ import annotations

import json
import re
import textwrap

import yaml

FIXME = "FIXME"
"""The placeholder for a value only a person can supply; `remaining_fixmes` finds them."""

WRAP = 92  # folded quotes are wrapped to keep the draft readable


# -------------------------------------------------------------------------- writing


def _plain_ok(text: str, *, flow: bool = False) -> bool:
    """Whether `text` may be written unquoted and still read back as the same string."""
    if not text or text != text.strip() or "\n" in text or " #" in text or ": " in text:
        return False
    if text[0] in "!&*-?:,[]{}#|>@`\"'%" or text.endswith(":"):
        return False
    if flow and any(c in text for c in ",[]{}"):
        return False
    try:
        return yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        return False


def scalar(value: str | int | None, *, flow: bool = False) -> str:
    """A YAML scalar: plain when that reads back as the same string, else double-quoted."""
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return value if _plain_ok(value, flow=flow) else json.dumps(value, ensure_ascii=False)


def yaml_field(indent: str, key: str, value: str | int | None, comment: str = "") -> list[str]:
    """`key: value  # comment`, folding long text into a `>-` block that reads back verbatim."""
    tail = f"  # {one_line(comment)}" if comment else ""
    line = f"{indent}{key}: {scalar(value)}"
    if isinstance(value, str) and len(line) > WRAP and "  " not in value and value.isprintable():
        body = textwrap.wrap(
            value, WRAP - len(indent) - 2, break_long_words=False, break_on_hyphens=False
        )
        block = [" " * len(indent) + f"  {chunk}" for chunk in body]
        try:
            ok = yaml.safe_load("k: >-\n" + "\n".join(block)) == {"k": value}
        except yaml.YAMLError:
            ok = False
        if ok:
            return [f"{indent}{key}: >-{tail}", *block]
    return [line + tail]


def one_line(text: str) -> str:
    return " ".join(text.split())


def comment_lines(text: str, indent: str = "") -> list[str]:
    """A long comment wrapped onto several `#` lines."""
    return textwrap.wrap(
        one_line(text),
        WRAP,
        initial_indent=f"{indent}# ",
        subsequent_indent=f"{indent}#   ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def flow_list(ids: list[str]) -> str:
    return "[" + ", ".join(ids) + "]"


_FIXME_VALUE = re.compile(rf"^[^#]*:\s+{FIXME}\b")


def remaining_fixmes(yaml_text: str, *, values_only: bool = False) -> list[tuple[int, str]]:
    """(line number, line) of every FIXME left in a draft, so a tool can say what is open.

    `values_only` keeps the `key: FIXME` values that must be replaced, and leaves out the
    `# FIXME` comments, which mark guesses to confirm.
    """
    found = []
    for n, line in enumerate(yaml_text.splitlines(), start=1):
        if FIXME in line and (not values_only or _FIXME_VALUE.match(line)):
            found.append((n, line.strip()))
    return found
