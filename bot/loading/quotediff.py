"""Show where a quote that is not verbatim went wrong: the closest passage of the paragraph,
with the words that differ marked "[the quote's words → the article's words]".

Bounded work: the quote is capped by the model (5,000 characters), only the paragraph's
first MAX_PARAGRAPH_WORDS words are searched, and the word-level diff runs on a window about
the quote's length, so one hint costs at most a few milliseconds.
"""

from __future__ import annotations

from difflib import SequenceMatcher

MAX_PARAGRAPH_WORDS = 5_000
_CONTEXT = 4  # words of unchanged text kept around a difference
_MAX_SIDE = 12  # words shown on each side of one difference


def closest_passage(quote: str, paragraph: str) -> str | None:
    """The passage of `paragraph` closest to `quote` (both already folded for quote matching:
    spacing, quote marks and dashes), differences marked; None if nothing is close (under
    half of the quote's words match)."""
    q = quote.split()
    p = paragraph.split()[:MAX_PARAGRAPH_WORDS]
    if not q or not p:
        return None
    # Anchor on the longest run of words the two share; the quote is indexed, the paragraph
    # scanned once.
    i, j, size = SequenceMatcher(None, p, q).find_longest_match(0, len(p), 0, len(q))
    if size == 0:
        return None
    slack = 3 + len(q) // 5
    start = max(0, i - j - slack)
    end = min(len(p), i + (len(q) - j) + slack)
    window = p[start:end]
    ops = SequenceMatcher(None, window, q, autojunk=False).get_opcodes()
    matched = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    if 2 * matched < len(q):
        return None
    # Paragraph words around the quote are context, not differences.
    if ops and ops[0][0] == "delete":
        start += ops[0][2]
        ops = ops[1:]
    if ops and ops[-1][0] == "delete":
        end -= ops[-1][2] - ops[-1][1]
        ops = ops[:-1]
    # A first or last word that differs takes as many article words as it replaces; the
    # rest of the window is context too.
    if ops and ops[0][0] == "replace":
        tag, i1, i2, j1, j2 = ops[0]
        extra = max(0, (i2 - i1) - (j2 - j1))
        ops[0], start = (tag, i1 + extra, i2, j1, j2), start + extra
    if ops and ops[-1][0] == "replace":
        tag, i1, i2, j1, j2 = ops[-1]
        extra = max(0, (i2 - i1) - (j2 - j1))
        ops[-1], end = (tag, i1, i2 - extra, j1, j2), end - extra
    pieces = [
        _piece(tag, window[i1:i2], q[j1:j2], n, len(ops))
        for n, (tag, i1, i2, j1, j2) in enumerate(ops)
    ]
    text = " ".join(piece for piece in pieces if piece)
    if start > 0 and not text.startswith("…"):
        text = "… " + text
    if end < len(p) and not text.endswith("…"):
        text += " …"
    return text


def _piece(tag: str, article: list[str], quote: list[str], n: int, count: int) -> str:
    if tag == "equal":
        return _unchanged(article, first=n == 0, last=n == count - 1)
    if tag == "replace":
        return f"[{_few(quote)} → {_few(article)}]"
    if tag == "delete":  # words the article has and the quote lacks
        return f"[→ {_few(article)}]"
    return f"[{_few(quote)} →]"  # words the quote has and the article lacks


def _unchanged(words: list[str], *, first: bool, last: bool) -> str:
    """A run of matching words, shortened to the words next to the differences."""
    keep = _CONTEXT
    if first and last:  # the quote matches word for word (not verbatim only in a character)
        return " ".join(words)
    if first:
        return " ".join(words) if len(words) <= keep else "… " + " ".join(words[-keep:])
    if last:
        return " ".join(words) if len(words) <= keep else " ".join(words[:keep]) + " …"
    if len(words) <= 2 * keep + 1:
        return " ".join(words)
    return " ".join(words[:keep]) + " … " + " ".join(words[-keep:])


def _few(words: list[str]) -> str:
    if len(words) <= _MAX_SIDE:
        return " ".join(words)
    half = _MAX_SIDE // 2
    return " ".join(words[:half]) + " … " + " ".join(words[-half:])
