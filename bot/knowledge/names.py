"""Text keys for name matching: `fold` (spelling-neutral text) and `phonetic` (variant-neutral).

Why: users type names in Latin or Cyrillic, with diacritics, odd quotes, zero-width characters
and competing transliterations (Serdyukov/Serdiukov, Nazarbayev/Nazarbaev). The matcher never
compares raw text; it compares these keys. Both functions are pure, deterministic, never raise
for any ``str`` and use tables built once at import time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["fold", "phonetic", "phonetic_folded", "phonetic_word", "skeleton"]

# Russian (a BGN/PCGN-like scheme, but й → i so that Сергей → sergei), then Kazakh, then the
# few Ukrainian/Belarusian/Tajik/Serbian letters that show up in regional names.
_CYRILLIC: dict[str, str] = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    # Kazakh (Kyrgyz and Mongolian share ң ө ү).
    "ә": "a",
    "ғ": "g",
    "қ": "k",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
    # Ukrainian, Belarusian, Tajik, Uzbek, Serbian/Macedonian.
    "є": "ye",
    "ї": "yi",
    "ґ": "g",
    "ў": "u",
    "ҳ": "h",
    "ҷ": "j",
    "ј": "j",
    "љ": "lj",
    "њ": "nj",
    "ђ": "dj",
    "ћ": "c",
    "џ": "dz",
    "ѕ": "dz",
}

# Latin letters that NFKD does not decompose into a base letter plus marks.
_LATIN_SPECIAL: dict[str, str] = {
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "æ": "ae",
    "œ": "oe",
    "ı": "i",
    "ħ": "h",
    "ŧ": "t",
    "ŀ": "l",
    "ß": "ss",
    # Scholarly/ISO 9 and Czech-style transliteration: Gončarov, Šojgu, Žukov, Ščukin are
    # Goncharov, Shoigu, Zhukov, Shchukin (stripping the mark alone would give Goncarov).
    "č": "ch",
    "š": "sh",
    "ž": "zh",
}

# Quotes and apostrophes vanish instead of splitting a word: Ob'edinennye, D’Artagnan, «NATO».
# ʹ ʺ ʼ are how transliterations write the soft/hard signs, which fold drops too.
_DROPPED = frozenset("'\"`´‘’‚‛“”„‟«»‹›ʹʺʻʼʽˈ′″‵")

# Dotted acronyms collapse so that U.S. / U.N. / N.A.T.O. meet US / UN / NATO.
_DOTTED_ACRONYM = re.compile(r"(?<!\w)(?:[^\W\d_]\.)+[^\W\d_](?!\w)\.?")
# Every dotted acronym has a dot right before a letter; text with none (most sentences: their
# dots end them) needs no substitution, and this search is ten times quicker than the `sub`.
_DOT_LETTER = re.compile(r"\.[^\W\d_]")

_TABLE_CAP = 50_000  # bound on the lazily filled translation table (distinct code points)


def _map_char(ch: str) -> str:
    """Fold one already-casefolded character (the single source of truth for both paths)."""
    if ch in _CYRILLIC:
        return _CYRILLIC[ch]
    if ch in _DROPPED:
        return ""
    if ch in _LATIN_SPECIAL:
        return _LATIN_SPECIAL[ch]
    cat = unicodedata.category(ch)
    if cat[0] == "M":  # stray combining mark
        return ""
    if ch.isspace():  # before the Cc test: tab and newline are Cc too
        return " "
    if cat[0] == "C":  # control, format (zero-width, soft hyphen, BOM), surrogate, unassigned
        return ""
    if cat[0] in "LN":
        out = []
        for part in unicodedata.normalize("NFKD", ch):
            if unicodedata.category(part)[0] in "LN":
                # й̆-style decompositions (ӣ → и → i) and ligatures inside them (Ǣ → æ → ae)
                part = part.casefold()
                out.append(_CYRILLIC.get(part) or _LATIN_SPECIAL.get(part) or part)
        return "".join(out)
    return " "  # punctuation, dashes, symbols, emoji


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table that computes a code point's folding once and then reuses it."""

    __slots__ = ()

    def __missing__(self, codepoint: int) -> str:
        out = _map_char(chr(codepoint))
        if len(self) < _TABLE_CAP:
            self[codepoint] = out
        return out


_TABLE = _FoldTable()


def _ascii_tables() -> tuple[bytes, bytes]:
    """Byte tables for the ASCII fast path, derived from `_map_char` so both paths agree."""
    table = bytearray(range(256))
    delete = bytearray()
    for code in range(128):
        mapped = _map_char(chr(code).lower())
        if mapped == "":
            delete.append(code)
        else:
            table[code] = ord(mapped)
    return bytes(table), bytes(delete)


_ASCII_TABLE, _ASCII_DELETE = _ascii_tables()


def _undot(match: re.Match[str]) -> str:
    return match.group(0).replace(".", "")


def fold(text: str) -> str:
    """Fold text to lowercase Latin words separated by single spaces.

    NFKC, dotted acronyms joined (U.S. → us), casefold, Cyrillic → Latin (Лавров → lavrov),
    diacritics stripped (Ö → o), quotes and apostrophes dropped, punctuation, dashes and symbols
    turned into spaces, zero-width and control characters removed, whitespace collapsed.
    """
    if not isinstance(text, str) or not text:
        return ""
    if text.isascii():
        if "." in text and _DOT_LETTER.search(text):
            text = _DOTTED_ACRONYM.sub(_undot, text)
        folded = text.encode("ascii").translate(_ASCII_TABLE, _ASCII_DELETE).decode("ascii")
    else:
        text = unicodedata.normalize("NFKC", text)
        if "." in text and _DOT_LETTER.search(text):
            text = _DOTTED_ACRONYM.sub(_undot, text)
        folded = text.casefold().translate(_TABLE)
    return " ".join(folded.split())


# --- phonetic key -------------------------------------------------------------------------
# Each rule exists for a concrete pair of spellings that must meet; order matters.
_BEFORE_KS: tuple[tuple[str, str], ...] = (
    ("dzh", "j"),  # Tadzhikistan / Tajikistan, Dzhaparov / Japarov
    ("dj", "j"),  # Tadjikistan (French) / Tajikistan
    ("zh", "j"),  # Zhanibek / Janibek (Kazakh Latin), Yerzhan / Yerjan
    ("kh", "h"),  # Kazykhanov / Kazyhanov, Khrushchev / Hrushchev
)
# ks → x only before a vowel or at the end (Aleksei / Alexei, Interfaks / Interfax), so that
# Kazakstan stays one typo away from Kazakhstan instead of becoming "kazaxtan".
_KS = re.compile(r"ks(?=[aeiouy]|$)")
_AFTER_KS: tuple[tuple[str, str], ...] = (
    ("ck", "k"),  # Jackson / Jakson
    ("ph", "f"),  # Philipp / Filipp
    ("w", "v"),  # Lawrow (German) / Lavrov
    ("q", "k"),  # Iraq / Irak, Qazaqstan / Kazakstan
)
# ts → c only before a vowel (Kuznetsov / Kuznecov, Tsoi / Coi): English plurals (stats) and
# typos (Tshkent) keep their letters, so they stay one edit from the name they misspell.
_TS = re.compile(r"ts(?=[aeiouy])")
_DOUBLED = re.compile(r"(.)\1+")  # Rossiya / Rosiya, Kollektivnye / Kolektivnye, -ii / -i
_I_BEFORE_E = re.compile(r"(?<=[aeiou])i(?=e)")  # Nazarbayev / Nazarbaev, Dostoyevsky
_VOWELS = frozenset("aeiouy")


@lru_cache(maxsize=4096)
def phonetic_word(word: str) -> str:
    """Phonetic key of one folded word; see `phonetic` for the rules."""
    if len(word) >= 5:
        if word.endswith("off"):  # Smirnoff / Smirnov
            word = word[:-3] + "ov"
        elif word.endswith("of"):  # Lavrof / Lavrov
            word = word[:-2] + "ov"
        elif word.endswith("eff"):  # Prokofieff / Prokofiev
            word = word[:-3] + "ev"
    if len(word) >= 3 and word[-1] == "j" and word[-2] in _VOWELS:
        word = word[:-1] + "i"  # Sergej, Nikolaj, Anatolij (German/Polish) / Sergei, Nikolai
    if word.startswith("ye"):
        word = word[1:]  # Yerzhan / Erzhan, Yevgeny / Evgeny, Yeltsin / Eltsin
    for old, new in _BEFORE_KS:
        if old in word:
            word = word.replace(old, new)
    if "ks" in word:
        word = _KS.sub("x", word)
    for old, new in _AFTER_KS:
        if old in word:
            word = word.replace(old, new)
    if "ts" in word:
        word = _TS.sub("c", word)
    if "y" in word:
        word = word.replace("y", "i")  # Kazykhanov / Kazikhanov, Sergey / Sergei, Serdyukov
    # Endings -iy / -ii / -y / -i meet through y → i and then doubled-letter collapse:
    # Anatoliy / Anatolii / Anatoly → anatoli; Nikolskiy / Nikolsky → nikolski.
    word = _DOUBLED.sub(r"\1", word)
    if "ie" in word:
        word = _DOUBLED.sub(r"\1", _I_BEFORE_E.sub("", word))  # Andreyev / Andreev → andrev
    return word


def phonetic_folded(folded: str) -> str:
    """Phonetic key of text that is already the output of `fold` (skips folding twice)."""
    return " ".join([phonetic_word(word) for word in folded.split(" ") if word])


def phonetic(text: str) -> str:
    """Fold, then apply transliteration rules per word so common variant spellings meet.

    Rules (each with the pair it exists for): ye- at word start → e (Yerzhan/Erzhan);
    dzh, dj, zh → j (Tadzhikistan/Tajikistan); kh → h (Kazykhanov/Kazyhanov); ks → x before a
    vowel or at the end (Aleksei/Alexei, Interfaks/Interfax); ck → k; ph → f; w → v
    (Lawrow/Lavrov); q → k (Iraq/Irak); ts → c before a vowel (Kuznetsov/Kuznecov); y → i
    (Kazykhanov/Kazikhanov, Sergey/Sergei); final -of/-off → -ov (Lavrof), -eff → -ev; final
    vowel+j → i (Sergej); doubled letters collapse, which also unifies -iy/-ii/-y endings
    (Anatoliy/Anatoly/Anatolii); i between a vowel and e drops (Nazarbayev/Nazarbaev).
    Different names stay apart: Kazakhstan ≠ Kyrgyzstan, Russia ≠ Prussia, Armenia ≠ Albania.
    """
    return phonetic_folded(fold(text))


# --- transliteration skeleton -------------------------------------------------------------
# Where the systems disagree, the skeleton keeps only the class of the sound: every hushing or
# guttural spelling (ш ж ч щ х: sh zh ch shch kh, German sch tsch ch, scholarly x, h) is one
# letter, every sibilant (з с ц: z s ts c, German s ss z tz) another, and the letters that
# write й/я/ю/е (j y i) vanish, so Jemeljanow / Yemelyanov / Emelianov, Gontscharow /
# Goncharov, Nischne- / Nizhne-, Suxanov / Sukhanov meet. It is far too coarse to decide
# anything (Sorin and Zorin meet too): the matcher only draws candidates from it and scores
# them as usual.
_SKELETON_PART = re.compile(r"shch|tsch|sch|tch|dzh|zh|sh|ch|kh|ks|x|h|ts|tz|z|c|s|w|j|y|i")
_SKELETON_OF = {
    **dict.fromkeys(("shch", "tsch", "sch", "tch", "dzh", "zh", "sh", "ch", "kh", "ks", "x"), "S"),
    "h": "S",
    **dict.fromkeys(("ts", "tz", "z", "c", "s"), "Z"),
    "w": "v",
    **dict.fromkeys(("j", "y", "i"), ""),
}
_SKELETON_MIN = 3  # shorter skeletons (Ilya → "la") would gather unrelated words


def skeleton(word: str) -> str:
    """Transliteration-neutral key of one folded word, or "" when too short to mean anything."""
    key = _DOUBLED.sub(r"\1", _SKELETON_PART.sub(lambda m: _SKELETON_OF[m.group(0)], word))
    return key if len(key) >= _SKELETON_MIN else ""
