"""The offline search index: names, aliases and claim texts folded at build time, plus the
folding table the page's script applies to what a reader types.

The table is derived from `bot.knowledge.names.fold` itself, character by character, so the
browser folds exactly as the bot does (Лавров → lavrov, Nazarbaýev → nazarbayev, quotes
dropped, punctuation a space) without a second copy of the rules to keep in step.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from bot.knowledge.names import fold
from bot.knowledge.snapshot import KnowledgeBase
from bot.render.site.urls import claim_path, entity_path

# Code points whose folding the script needs a table for: Latin with diacritics and
# ligatures, modifier letters and combining marks, Cyrillic, Latin Extended Additional,
# general punctuation (typographic quotes, zero-width characters), the BOM.
_RANGES = (
    (0x20, 0x250),
    (0x2B0, 0x370),
    (0x400, 0x530),
    (0x1E00, 0x1F00),
    (0x2000, 0x2070),
    (0xFEFF, 0xFF00),
)
CLAIM_TEXT_LIMIT = 200  # characters of a claim shown in a result


def _script_default(ch: str) -> str:
    """What search.js does with a character that has no table entry: a letter or digit is
    decomposed and keeps its letters and digits (é → e), anything else is a space."""
    if not ch.isalnum():
        return " "
    parts = unicodedata.normalize("NFKD", ch)
    return "".join(p for p in parts if unicodedata.category(p)[0] in "LN")


def fold_table() -> dict[str, str]:
    """Character → its folding, for every character where the script's default differs."""
    table = {}
    for lo, hi in _RANGES:
        for code in range(lo, hi):
            ch = chr(code)
            if ch != ch.lower():
                continue  # the script lowercases first
            folded = fold(f"0{ch}0")
            mapped = folded[1:-1] if folded.startswith("0") and folded.endswith("0") else " "
            if mapped != _script_default(ch):
                table[ch] = mapped
    return table


def search_index(kb: KnowledgeBase) -> dict[str, Any]:
    """Entities (name, type, page, folded keys) and claims (text, page, folded words)."""
    entities = []
    for e in sorted(kb.entities.values(), key=lambda e: fold(e.name)):
        if e.restricted:
            continue
        keys = list(dict.fromkeys(k for k in (fold(n) for n in (e.name, *e.aliases, e.id)) if k))
        entities.append([e.name, e.type.value, entity_path(e.id), keys])
    claims = []
    for fact in kb.timeline + tuple(f for f in kb.claims.values() if not f.when):
        path = claim_path(kb, fact)
        if path is None:
            continue
        text = fact.model.text
        short = text if len(text) <= CLAIM_TEXT_LIMIT else text[: CLAIM_TEXT_LIMIT - 1] + "…"
        claims.append([short, path, fold(kb.searchable_text(fact))])
    return {"fold": fold_table(), "entities": entities, "claims": claims}


def index_script(kb: KnowledgeBase) -> str:
    """The index as a script (a JSON file cannot be fetched from a page opened from disk).
    ASCII-only JSON with <, > and & escaped: no data can end the script or start markup."""
    text = json.dumps(search_index(kb), ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"window.FACTBOT_INDEX = {text};\n"
