"""How a name reads across transliteration systems: the keys the decision rule compares.

Why apart from `decide`: the tiers read names so too (`alike_hits`, `one_edit_hits`), and the
rule asks it of every name a lookup finds, so what may be known of a reading without folding
the name (`fixed_letters`) belongs next to the reading itself.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.knowledge.names import fold, sound_classes

__all__ = ["fixed_letters", "folded_name", "translit_key"]

# Where transliteration systems disagree, one class of sound each: every hushing or guttural
# spelling (ш ж ч щ х: sh zh ch shch kh, German sch tsch, x) one letter, every sibilant
# (з с ц: z s ts c, German s tz) another, j and y (й я ю ё) as i, w as v; doubled letters
# collapse. Finer than `names.skeleton` (which drops j/y/i, so Inna meets Nina): the rule
# in `decide` answers on it, the skeleton only finds candidates.
_TRANSLIT_OF = {
    **dict.fromkeys(("shch", "tsch", "sch", "tch", "dzh", "zh", "sh", "ch", "kh", "ks", "x"), "S"),
    "ph": "f",  # Ф in Western forms (Philipp); п+х is never written "ph" (pkh, pch)
    "h": "S",
    **dict.fromkeys(("ts", "tz", "z", "c", "s"), "Z"),
    "w": "v",
    "j": "i",
    "y": "i",
}
_translit_classes = sound_classes(_TRANSLIT_OF)


@lru_cache(maxsize=8192)
def folded_name(text: str) -> str:
    """`fold` of a stored name, kept: the rules of one lookup fold the same few names again
    and again, and the next lookups meet many of them too."""
    return fold(text)


@lru_cache(maxsize=8192)
def translit_key(folded: str) -> str:
    """The folded text with the letters transliterations disagree on reduced to one class each:
    `Wera Ponomarjowa` and `Vera Ponomaryova`, `Sachar` and `Zakhar` read alike."""
    return _translit_classes(folded)


# The ASCII characters other than the letters no spelling of `_TRANSLIT_OF` and no rule of
# `names.phonetic_word` contains or writes (b g l m n r), the digits and the space.
_FIXED = "bglmnr0123456789 "
_NOT_FIXED = str.maketrans({chr(code): None for code in range(128) if chr(code) not in _FIXED})
_DOUBLED = re.compile(r"(.)\1+")


def fixed_letters(key: str) -> str:
    """What folded text, its phonetic key and its `translit_key` all keep as it is: the
    letters b g l m n r, digits, spaces and any non-ASCII letter, in order, doubled ones
    collapsed: `n blr 2014` for `nina boldyreva 2014` and `nina boldirewa 2014`.

    The same for all three because every spelling those rules replace, and every letter they
    write or drop, is outside this set, and both collapse doubled letters, which never joins
    two letters of the set that something else stood between. So two names with different
    fixed letters cannot have the same `translit_key`, and the phonetic key of a stored name,
    read without decoding or folding it, says so."""
    return _DOUBLED.sub(r"\1", key.translate(_NOT_FIXED))
