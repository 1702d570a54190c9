"""The search postings as data-only parts, for bot/loading/index_worker.py's child to send.

Word → claim ids (bot/knowledge/snapshot.py `search_postings`) travels as three parts: the
words, one a line (folded words hold no whitespace); each word's end in the rows; and the
rows, each a claim's place in the claims the child was given. No pickle; this process reads
them back with every length and place checked, into the very lists a build here makes.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

_WORDS, _ENDS, _ROWS = "search.words", "search.ends", "search.rows"


def postings_to_parts(
    postings: Mapping[str, list[str]], claim_ids: Sequence[str]
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """(description, parts) of postings over these claims (every id in them is one)."""
    place = {ident: n for n, ident in enumerate(claim_ids)}
    ends, rows = array("I"), array("I")
    for ids in postings.values():
        rows.extend(map(place.__getitem__, ids))
        ends.append(len(rows))
    meta = {"words": len(postings), "claims": len(claim_ids)}
    words = "\n".join(postings).encode("utf-8")
    return meta, {_WORDS: words, _ENDS: ends.tobytes(), _ROWS: rows.tobytes()}


def postings_from_parts(
    meta: Mapping[str, Any], parts: Mapping[str, bytes], claim_ids: Sequence[str]
) -> dict[str, list[str]]:
    """The postings `postings_to_parts` described, over these claims; ValueError if the
    parts are not such postings over as many claims."""
    count = meta.get("words")
    if type(count) is not int or meta.get("claims") != len(claim_ids):
        raise ValueError("the search postings are of other claims")
    words = parts[_WORDS].decode("utf-8").split("\n") if count else []
    ends, rows = array("I"), array("I")
    ends.frombytes(parts[_ENDS])
    rows.frombytes(parts[_ROWS])
    if len(words) != count or len(ends) != count or len(set(words)) != count:
        raise ValueError("the search words are not as described")
    if (ends and ends[-1] != len(rows)) or any(a > b for a, b in pairwise(ends)):
        raise ValueError("the search rows are not as described")
    if rows and max(rows) >= len(claim_ids):
        raise ValueError("a search row names no claim")
    get, start, out = claim_ids.__getitem__, 0, {}
    for word, end in zip(words, ends, strict=True):
        out[word] = list(map(get, rows[start:end]))
        start = end
    return out
