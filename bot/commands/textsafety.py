"""Making user text safe to process and to echo back into a chat."""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]"
)
_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>")
_MASS = re.compile(r"@(everyone|here)", re.IGNORECASE)
_MARKDOWN = re.compile(r"([\\*_`~|>\[\]])")
_WS = re.compile(r"\s+")


_HIDDEN_CATEGORIES = frozenset({"Cf", "Cs"})  # format (bidi, soft hyphen, tags), surrogates


def _drop_invisible(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    if text.isascii():
        return text
    # The rest of Unicode's invisible format characters: bidi isolates (U+2066-2069), the
    # Arabic letter mark, soft hyphens, tag characters... and lone surrogates, which cannot
    # even be encoded to send.
    return "".join(c for c in text if unicodedata.category(c) not in _HIDDEN_CATEGORIES)


def clean_input(text: str) -> str:
    """Drop control and zero-width characters and fold runs of whitespace."""
    text = unicodedata.normalize("NFC", _drop_invisible(text))
    return _WS.sub(" ", text).strip()


def neutralise(text: str) -> str:
    """Text that cannot ping anyone: mentions are broken with a zero-width space."""
    text = _MENTION.sub(lambda m: f"<{m.group(1)}\u200b{m.group(2)}>", text)
    return _MASS.sub(lambda m: f"@\u200b{m.group(1)}", text)


def echo(text: str, limit: int = 80) -> str:
    """A user's words shown back to them: no pings, no markdown, no wall of text.

    Markdown characters are dropped rather than escaped, so the same text reads well in a
    terminal and in Discord (they carry no meaning in a name or a date anyway)."""
    text = _WS.sub(" ", _MARKDOWN.sub("", clean_input(text))).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return neutralise(text)
