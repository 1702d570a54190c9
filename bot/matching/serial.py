"""The name index as plain data: flat arrays and string tables, and back, checked on the way in.

Why: a restart should map the index it built last time rather than build it again (seconds at
100k entities), but the file it comes from is not trusted to be code (issue 14: no pickle).
So an index is written as named binary parts (``array`` bytes, UTF-8 string tables) plus a
small JSON-able description, and read back only after every part has the length, bounds and
order the lookups rely on: a damaged or forged part raises ValueError (the caller then
rebuilds), and can never make a lookup index out of range.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterable
from functools import partial
from itertools import pairwise
from typing import Any

from bot.knowledge.tables import TextTable
from bot.matching.decide import MatchSettings
from bot.matching.index import KINDS, NameIndex
from bot.matching.matcher import Matcher
from bot.matching.packed import DeletionIndex, PairIndex, Strings, WordIds

__all__ = ["Parts", "matcher_from_parts", "matcher_to_parts"]

FORMAT = 4  # 3: keys and names as text tables read in place; 4: a hash table of words
# part name -> raw bytes, or (a part copied from the snapshot read) what yields its chunks
Parts = dict[str, Any]
Source = Callable[[str], Iterable[bytes]]  # part name -> its bytes, in chunks
_ARRAYS = ("by_phon", "ekey", "fword_pid", "last", "last_at", "names_alpha", "palpha")
_ARRAYS += ("post", "post_at")


def _table(items: Iterable[str]) -> bytes:
    """Strings as one UTF-8 buffer, newline-separated (no indexed string holds a newline)."""
    return "\n".join(items).encode("utf-8", "surrogatepass")


def _untable(raw: bytes | memoryview, count: int) -> list[str]:
    if count == 0:
        if len(raw):
            raise ValueError("a string table that should be empty is not")
        return []
    # Interned: the keys and the id names are the ids the fact base's tables hold too.
    items = list(map(sys.intern, bytes(raw).decode("utf-8", "surrogatepass").split("\n")))
    if len(items) != count:
        raise ValueError(f"a string table has {len(items)} strings, not {count}")
    return items


def _array(code: str, raw: bytes | memoryview) -> array[Any]:
    """The part as an array of `code`: a view of the mapped file itself when it comes from
    one (no copy: processes restored from one snapshot share these pages), else a copy."""
    out = array(code)
    if len(raw) % out.itemsize:
        raise ValueError("an array's length is not a whole number of items")
    if isinstance(raw, memoryview):
        return raw.cast("B").cast(code)  # type: ignore[return-value]
    out.frombytes(raw)
    return out


def _raw(values: array[Any] | memoryview) -> memoryview:
    """An array's bytes without copying them (the snapshot writer streams them)."""
    return memoryview(values).cast("B")


def _below(values: array[Any], limit: int, what: str) -> None:
    if len(values) and (max(values) >= limit):
        raise ValueError(f"{what}: a value is out of range")


def _offsets(at: array[Any], total: int, what: str) -> None:
    """CSR offsets: start at 0, never go down, end at the data's length."""
    if not len(at) or at[0] != 0 or at[-1] != total:
        raise ValueError(f"{what}: offsets do not span the data")
    if any(a > b for a, b in pairwise(at)):
        raise ValueError(f"{what}: offsets go backwards")


def _csr(table: dict[str, Any]) -> tuple[bytes, bytes, bytes]:
    # Keys in sorted order, not the table's: the trigram table is filled from sets, whose
    # order changes with string hashing from one process to the next, and the same files
    # should make the same snapshot bytes in every process.
    keys = sorted(table)
    at, data = array("I", [0]), array("I")
    for key in keys:
        data.extend(table[key])
        at.append(len(data))
    return _table(keys), at.tobytes(), data.tobytes()  # built here: nothing to share


def _uncsr(
    parts: Parts, name: str, count: int, limit: int, make: Callable[[array[Any]], Any]
) -> dict[str, Any]:
    keys = _untable(parts[f"{name}.keys"], count)
    at, data = _array("I", parts[f"{name}.at"]), _array("I", parts[f"{name}.data"])
    if len(at) != count + 1:
        raise ValueError(f"{name}: wrong number of offsets")
    _offsets(at, len(data), name)
    _below(data, limit, name)
    return {key: make(data[at[i] : at[i + 1]]) for i, key in enumerate(keys)}


def _index_to_parts(ix: NameIndex, prefix: str, parts: Parts) -> dict[str, Any]:
    stored = getattr(ix, "stored", None)
    if stored is not None:  # restored from a snapshot: copy its parts from that file
        meta, names, source = stored
        for name in names:
            parts[prefix + name] = partial(source, name)
        return meta
    for name in _ARRAYS:
        parts[prefix + name] = _raw(getattr(ix, name))
    parts[prefix + "ekind"] = ix.ekind
    for name in ("keys", "text"):
        texts = getattr(ix, name)
        texts = texts if isinstance(texts, TextTable) else TextTable.build(texts)
        parts[prefix + name], parts[f"{prefix}{name}.at"] = texts.parts()
    for name in ("phon", "pwords", "fwords"):
        strings: Strings = getattr(ix, name)
        parts[prefix + name] = strings.buf.encode("utf-8", "surrogatepass")
        parts[f"{prefix}{name}.at"] = _raw(strings.at)
    for name, table in (("skel", ix.skel), ("tri", ix.tri)):
        keys, at, data = _csr(table)
        parts[f"{prefix}{name}.keys"], parts[f"{prefix}{name}.at"] = keys, at
        parts[f"{prefix}{name}.data"] = data
    for name in ("dele", "fdele"):
        dele: DeletionIndex = getattr(ix, name)
        parts[f"{prefix}{name}.packed"] = _raw(dele._packed)
        parts[f"{prefix}{name}.at"] = _raw(dele._at)
    parts[prefix + "pairs"] = _raw(ix.pairs._packed)
    parts[prefix + "pword_ids"] = _raw(ix.pword_ids.slots)
    return {
        "names": len(ix.text),
        "keys": len(ix.keys),
        "pwords": len(ix.pwords),
        "fwords": len(ix.fwords),
        "skel": len(ix.skel),
        "tri": len(ix.tri),
        "dele_bits": [ix.dele._word_bits, ix.dele._bucket_bits],
        "fdele_bits": [ix.fdele._word_bits, ix.fdele._bucket_bits],
        "pairs_bits": [ix.pairs._bits, ix.pairs._nwords],
    }


def _int(meta: dict[str, Any], name: str, top: int = 1 << 31) -> int:
    value = meta.get(name)
    if type(value) is not int or not 0 <= value < top:
        raise ValueError(f"{name}: not a count")
    return value


def _deletions(parts: Parts, name: str, bits: Any, nwords: int) -> DeletionIndex:
    if not (isinstance(bits, list) and len(bits) == 2 and all(type(b) is int for b in bits)):
        raise ValueError(f"{name}: bad parameters")
    word_bits, bucket_bits = bits
    if word_bits != max(1, nwords.bit_length()) or bucket_bits != min(16, max(4, word_bits - 1)):
        raise ValueError(f"{name}: parameters do not fit the vocabulary")
    dele = object.__new__(DeletionIndex)
    dele._word_bits, dele._bucket_bits = word_bits, bucket_bits
    dele._packed = _array("I", parts[f"{name}.packed"])
    dele._at = _array("I", parts[f"{name}.at"])
    if len(dele._at) != (1 << bucket_bits) + 1:
        raise ValueError(f"{name}: wrong number of buckets")
    _offsets(dele._at, len(dele._packed), name)
    dele._limit = nwords  # values are masked word numbers: `near` drops any beyond it
    return dele


def _pairs(parts: Parts, name: str, bits: Any, names: int, nwords: int) -> PairIndex:
    if not (isinstance(bits, list) and len(bits) == 2 and all(type(b) is int for b in bits)):
        raise ValueError(f"{name}: bad parameters")
    if bits != [max(1, names.bit_length()), max(1, nwords)]:
        raise ValueError(f"{name}: parameters do not fit the index")
    pairs = object.__new__(PairIndex)
    pairs._bits, pairs._nwords = bits
    pairs._key_mask = (1 << (64 - pairs._bits)) - 1
    pairs._packed = _array("Q", parts[name])
    pairs._limit = names
    return pairs


def _texts(parts: Parts, name: str, count: int) -> TextTable:
    """Names or keys read in place from the file (bot/knowledge/tables.py): no string each."""
    at = _array("I", parts[f"{name}.at"])
    if len(at) != count + 1:
        raise ValueError(f"{name}: wrong number of offsets")
    return TextTable(parts[name], at)


def _strings(parts: Parts, name: str, count: int) -> Strings:
    """A Strings buffer as stored: the text and its offsets (no list of strings made)."""
    strings = object.__new__(Strings)
    strings.buf = bytes(parts[name]).decode("utf-8", "surrogatepass")
    strings.at = _array("I", parts[f"{name}.at"])
    if len(strings.at) != count + 1:
        raise ValueError(f"{name}: wrong number of offsets")
    _offsets(strings.at, len(strings.buf), name)
    return strings


def _index_from_parts(
    parts: Parts, prefix: str, meta: dict[str, Any], source: Source | None = None
) -> NameIndex:
    """A NameIndex from its parts, every offset and index checked against what it points at."""
    names, nkeys = _int(meta, "names"), _int(meta, "keys")
    npwords, nfwords = _int(meta, "pwords"), _int(meta, "fwords")
    ix = object.__new__(NameIndex)
    for name in _ARRAYS:
        setattr(ix, name, _array("I", parts[prefix + name]))
    ix.ekind = bytes(parts[prefix + "ekind"])
    ix.keys = _texts(parts, prefix + "keys", nkeys)
    ix.text = _texts(parts, prefix + "text", names)
    ix.phon = _strings(parts, prefix + "phon", names)
    ix.pwords = _strings(parts, prefix + "pwords", npwords)
    ix.fwords = _strings(parts, prefix + "fwords", nfwords)
    if any(len(getattr(ix, n)) != names for n in ("ekey", "ekind", "by_phon")):
        raise ValueError("the per-name arrays differ in length")
    if len(ix.palpha) != npwords or len(ix.fword_pid) != nfwords:
        raise ValueError("the vocabulary arrays differ in length")
    if len(ix.ekind) and max(ix.ekind) >= len(KINDS):
        raise ValueError("a name has an unknown kind")
    _below(ix.ekey, nkeys, "ekey")
    for name in ("by_phon", "names_alpha", "post", "last"):
        _below(getattr(ix, name), names, name)
    for name in ("palpha", "fword_pid"):
        _below(getattr(ix, name), npwords, name)
    for data, at in (("post", "post_at"), ("last", "last_at")):
        if len(getattr(ix, at)) != npwords + 1:
            raise ValueError(f"{at}: wrong number of offsets")
        _offsets(getattr(ix, at), len(getattr(ix, data)), at)
    ix.skel = _uncsr(parts, prefix + "skel", _int(meta, "skel"), npwords, tuple)
    ix.tri = _uncsr(parts, prefix + "tri", _int(meta, "tri"), npwords, lambda a: a)
    ix.dele = _deletions(parts, prefix + "dele", meta.get("dele_bits"), npwords)
    ix.fdele = _deletions(parts, prefix + "fdele", meta.get("fdele_bits"), nfwords)
    ix.pairs = _pairs(parts, prefix + "pairs", meta.get("pairs_bits"), names, npwords)
    # Not scanned here (2M slots at a million names): a lookup checks that the number it
    # reads is a word's and that this word is the one asked, so a bad slot only misses.
    ix.pword_ids = WordIds(ix.pwords, _array("I", parts[prefix + "pword_ids"]))
    ix._sorted_views()
    if source is not None:
        names = [name[len(prefix) :] for name in parts if name.startswith(prefix)]
        ix.stored = (meta, names, lambda name: source(prefix + name))
    return ix


def matcher_to_parts(matcher: Matcher) -> tuple[dict[str, Any], Parts]:
    """The matcher's indexes as (description, binary parts): data only, for a snapshot."""
    parts: Parts = {}
    meta: dict[str, Any] = {"format": FORMAT, "base": _index_to_parts(matcher._base, "b.", parts)}
    if matcher._delta is not None:
        meta["delta"] = _index_to_parts(matcher._delta, "d.", parts)
    parts["masked"] = array("I", sorted(matcher._masked)).tobytes()
    meta["size"] = len(matcher)
    return meta, parts


def matcher_from_parts(
    meta: Any, parts: Parts, settings: MatchSettings, source: Source | None = None
) -> Matcher:
    """The matcher `matcher_to_parts` described; ValueError (or KeyError) if anything is off.
    `source(part)` reads a part's bytes again from the file (for the next snapshot)."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError("not a name index of this format")
    base = _index_from_parts(parts, "b.", meta["base"], source)
    delta = _index_from_parts(parts, "d.", meta["delta"], source) if "delta" in meta else None
    masked = _array("I", parts["masked"])
    _below(masked, len(base.keys), "masked")
    matcher = object.__new__(Matcher)
    matcher._settings, matcher._base, matcher._delta = settings, base, delta
    matcher._masked = frozenset(masked)
    matcher._size = _int(meta, "size")
    matcher._hidden = None
    return matcher
