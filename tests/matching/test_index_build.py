"""The name index's build fast paths give exactly what the plain loops they replaced give:
the 1-deletion index (variants hashed from bytes, buckets found by bisection) and the pair
index (pairs by `combinations`, word ids by `map`)."""

from __future__ import annotations

from array import array

import pytest

from bot.matching.index import NameEntry, _name_words, _read, _vocabulary
from bot.matching.keys import MAX_PAIR_WORDS, MAX_VARIANT_WORD, deletions, stable_hash
from bot.matching.packed import DeletionIndex, PairIndex
from tests.matching.bases import fact_entries

# Same-key aliases, ids that fold as the name and ids that do not, Cyrillic, dotted
# acronyms, a NUL, words repeated in a name, names past MAX_PAIR_WORDS words, a word past
# MAX_VARIANT_WORD letters, names that fold to nothing, one-letter words.
_TRICKY: list[tuple[str, str, tuple[str, ...]]] = [
    ("sergei-lavrov", "Sergei Lavrov", ("Lavrov", "Сергей Лавров", "Sergey  Lavrov")),
    ("u-s", "U.S.", ("US", "U.S.A.", "Ｕ．Ｓ．")),
    ("ivan-ivanov", "Ivan Ivanovich Ivanov Ivan", ("ivan ivan ivan", "Иван Иванович")),
    ("long", " ".join(f"w{n}" for n in range(MAX_PAIR_WORDS + 4)), ("a b c d e f g h i j",)),
    ("huge", "Z" * (MAX_VARIANT_WORD + 7) + " tail", ("x" * MAX_VARIANT_WORD,)),
    ("empty", "---", ("’’", "\u200b", "ok\x00nul")),
    ("ksor", "KSOR", ("Kollektivnye Sil", "Коллективные силы", "K")),
    ("dup", "Same Name", ("Same Name", "same name", "SAME-NAME")),
    ("dup2", "Same Name", ("Sаme Nаme",)),  # Cyrillic а
]


def _tricky_entries() -> list[NameEntry]:
    out = list(fact_entries())
    for key, name, aliases in _TRICKY:
        out += [NameEntry(key, key, "id"), NameEntry(key, name, "name")]
        out += [NameEntry(key, alias, "alias") for alias in aliases]
    out += [
        NameEntry(f"k{n}", f"Name{n % 97} Word{n % 13} Ёж{n % 7}", "name") for n in range(9_000)
    ]
    return out


def _deletion_plain(words: list[str]) -> tuple[array[int], array[int]]:
    """DeletionIndex's (`_packed`, `_at`) as first built: a Python step per value."""
    word_bits = max(1, len(words).bit_length())
    bucket_bits = min(16, max(4, word_bits - 1))
    keep = (1 << (32 - word_bits)) - 1
    items = set()
    for n, word in enumerate(words):
        for variant in deletions(word):
            hashed = stable_hash(variant)
            bucket = hashed & ((1 << bucket_bits) - 1)
            items.add((bucket << 32) | (((hashed >> bucket_bits) & keep) << word_bits) | n)
    packed, at = array("I"), array("I", bytes(4 * ((1 << bucket_bits) + 1)))
    for item in sorted(items):
        packed.append(item & 0xFFFFFFFF)
        at[(item >> 32) + 1] += 1
    for bucket in range(1 << bucket_bits):
        at[bucket + 1] += at[bucket]
    return packed, at


@pytest.mark.parametrize("size", [0, 1, 7, 300, 5_000])
def test_the_deletion_index_is_as_first_built(size):
    tricky = ["aa", "a", "", "лавров", "ab\x00c", "é", "z" * (MAX_VARIANT_WORD + 1), "x" * 128]
    words = (tricky + [f"w{n}x{n * 7919 % 1000}" for n in range(size)])[: max(size, 1)]
    built = DeletionIndex(words)
    assert (built._packed, built._at) == _deletion_plain(words)


def test_the_pair_index_is_as_first_built():
    draft = _read(_tricky_entries())
    new_id, pwords = _vocabulary(draft.tmp_words)
    names = list(_name_words(draft.phons, draft.ekey, draft.pairs, draft.pairs_at, new_id))
    plain, current, seen = [], -1, set()
    for entry, phon in enumerate(draft.phons):  # once per entity and phonetic key
        if draft.ekey[entry] != current:
            current, seen = draft.ekey[entry], set()
        if phon not in seen:
            seen.add(phon)
            slots = draft.pairs[draft.pairs_at[entry] : draft.pairs_at[entry + 1]]
            plain.append((entry, [new_id[word] for word in slots]))
    assert names == plain
    built = PairIndex(len(pwords), len(draft.phons), names)
    bits, nwords = built._bits, built._nwords
    values = []
    for entry, pids in names:
        ordered = sorted(pids[:MAX_PAIR_WORDS]) if len(pids) > 1 else []
        for i, low in enumerate(ordered):
            for high in ordered[i + 1 :]:
                values.append((((low * nwords + high) & built._key_mask) << bits) | entry)
    assert built._packed == array("Q", sorted(values))
    assert any(len(pids) > MAX_PAIR_WORDS for _, pids in names)
