"""Turn pydantic validation errors into sentences a content editor understands."""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.knowledge.model import (
    Article,
    Cites,
    Claim,
    Entity,
    EntityType,
    KnowledgeFile,
    Rank,
    Reference,
)
from bot.loading.yamlsource import Path, Problem, SourceDoc

_SECTION_MODEL: dict[str, type[BaseModel]] = {
    "articles": Article,
    "entities": Entity,
    "claims": Claim,
}
_SINGULAR = {"articles": "article", "entities": "entity", "claims": "claim"}
_ENUMS = {"type": [t.value for t in EntityType], "rank": [r.value for r in Rank]}


def _model_at(path: Path) -> type[BaseModel]:
    """The model whose field list applies at `path` (for 'expected one of' hints)."""
    model: type[BaseModel] = KnowledgeFile
    for part in path:
        if isinstance(part, int):
            continue
        if model is KnowledgeFile and part in _SECTION_MODEL:
            model = _SECTION_MODEL[part]
        elif model is Claim and part == "references":
            model = Reference
        elif model is Reference and part == "cites":
            model = Cites
    return model


def _owner(doc: SourceDoc, path: Path) -> str:
    """'in claim lavrov-arrived' or 'in entity #3' for the item an error belongs to."""
    if len(path) < 2 or not isinstance(path[1], int):
        return ""
    section, index = path[0], path[1]
    kind = _SINGULAR.get(str(section), str(section))
    items = doc.data.get(section) if isinstance(doc.data, dict) else None
    item = items[index] if isinstance(items, list) and index < len(items) else None
    ident = item.get("id") if isinstance(item, dict) else None
    label = f"{kind} '{ident}'" if isinstance(ident, str) else f"{kind} #{index + 1}"
    rest = [p for p in path[2:] if not isinstance(p, int)]
    if "references" in rest:
        ref_index = (
            path[path.index("references") + 1] if len(path) > path.index("references") + 1 else 0
        )
        label += f", reference #{int(ref_index) + 1}" if isinstance(ref_index, int) else ""
    return f"In {label}: "


def _found(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    text = str(value)
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def _slug(value: object) -> str:
    """A valid id made from what was written ('Sergei Lavrov!' -> 'sergei-lavrov'): ASCII
    letters, digits and single hyphens, at most 80 characters; 'an-id' if nothing is left."""
    text = unicodedata.normalize("NFKD", value if isinstance(value, str) else "")
    text = text.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80].rstrip("-")
    return slug or "an-id"


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def _sentence(doc: SourceDoc, err: dict[str, Any]) -> tuple[Path, str]:
    loc: Path = tuple(err["loc"])
    kind = err["type"]
    field = next((str(p) for p in reversed(loc) if not isinstance(p, int)), "")
    value = err.get("input")
    if kind == "extra_forbidden":
        allowed = list(_model_at(loc[:-1]).model_fields)
        return (
            (*loc, "__key__"),
            f"unknown key '{field}'; expected one of: {', '.join(allowed)}."
            + _suggest(field, allowed),
        )
    if kind == "missing":
        return loc[:-1], f"the required key '{field}' is missing."
    if kind == "enum":
        options = _ENUMS.get(field, [])
        return loc, (
            f"'{field}' is {_found(value)}, but it must be one of: {', '.join(options)}."
            + (_suggest(str(value), options) if isinstance(value, str) else "")
        )
    if kind == "string_pattern_mismatch":
        if field == "predicate":
            return loc, (
                f"'predicate' is {_found(value)}; write it as a snake_case verb such as "
                "member_of, position_held or proposed."
            )
        return loc, (
            f"'{field}' is {_found(value)}, which is not a valid id: use lowercase letters, "
            f"digits and hyphens, e.g. '{_slug(value)}'."
        )
    if kind in {
        "string_type",
        "int_type",
        "int_parsing",
        "bool_type",
        "list_type",
        "model_type",
        "dict_type",
        "model_attributes_type",
    }:
        expected = {
            "string_type": "text",
            "int_type": "a whole number",
            "int_parsing": "a whole number",
            "bool_type": "true or false",
            "list_type": "a list (lines starting with '- ')",
            "model_type": "a mapping (key: value lines)",
            "dict_type": "a mapping (key: value lines)",
            "model_attributes_type": "a mapping (key: value lines)",
        }[kind]
        return loc, f"'{field or 'the file'}' should be {expected}, but found {_found(value)}."
    if kind in {"string_too_short", "too_short"}:
        if field == "references":
            return (
                loc,
                "a claim needs at least one reference: a fact without a source is not a fact.",
            )
        return loc, f"'{field}' must not be empty."
    if kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        size = f"{len(value):,} characters; " if isinstance(value, str) else ""
        if field in {"name", "aliases"}:
            return loc, (
                f"'{field}' is too long ({size}a name or alias may have at most {limit}: "
                "put the rest in the description)."
            )
        return loc, f"'{field}' is too long ({size}at most {limit} characters)."
    if kind == "value_error":
        reason = str(err.get("ctx", {}).get("error", err["msg"]))
        return loc, f"'{field}' {reason}."
    if kind in {"greater_than_equal", "greater_than"}:
        return loc, f"'{field}' is {_found(value)}; it must be at least {err['ctx'].get('ge', 1)}."
    return loc, f"'{field}': {err['msg']} (found {_found(value)})."


def validation_problems(doc: SourceDoc, error: ValidationError) -> list[Problem]:
    """One located, readable problem per pydantic error.

    A misspelt required key gives pydantic two errors (unknown 'predicat', missing
    'predicate'); the editor needs only the first, which already suggests the fix.
    """
    errors = error.errors(include_url=False)
    typos = {
        (tuple(e["loc"][:-1]), close)
        for e in errors
        if e["type"] == "extra_forbidden"
        for close in difflib.get_close_matches(
            str(e["loc"][-1]),
            list(_model_at(tuple(e["loc"][:-1])).model_fields),
            n=1,
            cutoff=0.6,
        )
    }
    problems = []
    for err in errors:
        if err["type"] == "missing" and (tuple(err["loc"][:-1]), err["loc"][-1]) in typos:
            continue
        path, message = _sentence(doc, err)
        owner = _owner(doc, tuple(err["loc"]))
        text = owner + message if owner else message[0].upper() + message[1:]
        problems.append(doc.problem(path, text))
    return problems
