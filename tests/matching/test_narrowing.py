"""Narrowing a scan before reading names: the same hits, fewer names read."""

from __future__ import annotations

from itertools import chain

import pytest

from bot.knowledge.names import fold, phonetic_word
from bot.matching import tiers
from bot.matching.index import NameEntry, NameIndex
from bot.matching.matcher import Matcher
from bot.matching.narrowing import may_hold
from tests.matching.bases import crowd

_FATHERS = ("Ivanovich", "Petrovich", "Olegovich")


def _base() -> list[NameEntry]:
    """The crowd (every word shared by hundreds of names), with what the pair index holds
    only in part: a second name of an entity with the same phonetic key (indexed in pairs
    once per entity and key), and names of more than eight words (pairs of the first eight)."""
    entries = crowd()
    extra = []
    for e in entries[::7]:
        extra.append(NameEntry(e.key, e.text.upper().replace(" ", "  "), "alias"))
        extra.append(NameEntry(e.key, e.key, "id"))
    for number, father in enumerate(_FATHERS):
        words = ["Ordena", "Lenina", "Krasnoznamenny", "Imeni", "Tovarishcha", "Geroya"]
        words += ["Truda", "Zavoda", "Boris", father, "Yemelyanov"]
        extra.append(NameEntry(f"long-{number}", " ".join(words), "name"))
    return entries + extra


def _queries() -> list[str]:
    out = []
    for first in ("Aleksandr", "Boris", "Yegor", "Pavel"):
        for father in _FATHERS:
            out += [f"{first} {father} Yemelyanov", f"{first} {father} Yemel", f"{first} {father}"]
            out += [f"{father} Yemelyanov", f"{first} Yemelyan", f"{first} {father[:4]}"]
    for father in _FATHERS:  # the last word starts fewer names than Yemelyanov has
        out += [f"Yemelyanov {father[:6]}", f"{father} Yemelyanov Bor"]
    return [*out, "Boris Yemelyanov", "Truda Zavoda Boris", "Geroya Truda", "Yemelyanov Bor"]


def _hits(ix: NameIndex, query: str) -> tuple[list, list]:
    folded = fold(query)
    fwords = folded.split(" ")
    pwords = [phonetic_word(w) for w in fwords]
    phon = " ".join(pwords)
    settings = Matcher([]).settings
    prefix = tiers.prefix_hits(ix, fwords, pwords, lambda kid: True, 48, 12, 96)
    suffix = tiers.suffix_hits(ix, pwords, phon, folded, folded, lambda kid: True, settings)
    return [(h.entry, h.score, h.first) for h in prefix], [(h.entry, h.score) for h in suffix]


def test_narrowed_scans_give_the_hits_of_reading_every_name(monkeypatch) -> None:
    ix = NameIndex(_base())
    narrowed = {query: _hits(ix, query) for query in _queries()}
    monkeypatch.setattr(tiers, "may_hold", lambda ix, scan, *args, **kwargs: list(scan))
    for query, hits in narrowed.items():
        assert hits == _hits(ix, query), query
    assert any(prefix for prefix, _ in narrowed.values())
    assert any(suffix for _, suffix in narrowed.values())


@pytest.mark.parametrize("by_pairs", [True, False])
def test_a_crowded_scan_is_narrowed_to_the_names_that_may_hold_the_words(by_pairs) -> None:
    ix = NameIndex(_base())
    boris, ivanovich = ix.pid(phonetic_word("boris")), ix.pid(phonetic_word("ivanovich"))
    scan = list(ix.postings(boris, 512))
    kept = may_hold(ix, scan, [ivanovich], scanned=boris if by_pairs else None)
    holding = [e for e in scan if phonetic_word("ivanovich") in ix.phon[e].split(" ")]
    assert set(holding) <= set(kept) and len(kept) < len(scan) // 4
    assert kept == [e for e in scan if e in set(kept)]  # in the scan's order
    if by_pairs:  # more than eight words: read, not judged by the pairs of the first eight
        assert {e for e in scan if ix.keys[ix.ekey[e]].startswith("long-")} <= set(kept)


def test_long_names_are_those_the_pair_index_holds_only_in_part() -> None:
    words = [
        "Ordena",
        "Lenina",
        "Krasnoznamenny",
        "Imeni",
        "Tovarishcha",
        "Geroya",
        "Truda",
        "Zavoda",
        "Borisa",
    ]
    entries = [
        NameEntry("eight", " ".join(words[:8]), "name"),  # every word paired
        NameEntry("nine", " ".join(words), "name"),  # the ninth word is not
        NameEntry(
            "cyrillic",
            "Орден Ленина Краснознамённый Имени Товарища Героя Труда Завода Бориса",
            "name",
        ),
        NameEntry("short", "Boris", "name"),
    ]
    ix = NameIndex(entries)
    assert {ix.keys[ix.ekey[e]] for e in ix.long_names()} == {"nine", "cyrillic"}


@pytest.mark.parametrize("query", ["Yemelyanov Bor", "Yemelyanov Borisl"])
def test_the_names_of_started_words_are_narrowed_each_word_on_its_own(query) -> None:
    """The prefix tier scans the names of the words the last word starts when they are fewer
    than the rarest other word's: every one that holds the other words is kept, in the
    order of the plain scan, names of more than eight words too, and most others are not."""
    surnames = ("Orlov", "Sokolov", "Lebedev", "Kozlov", "Novikov", "Morozov", "Volkov")
    others = [
        NameEntry(f"b-{father}-{surname}", f"Borislav {father} {surname}", "name")
        for father in (*_FATHERS, "Romanovich", "Lvovich", "Ilyich")
        for surname in surnames
    ]
    ix = NameIndex(_base() + others)
    fwords = fold(query).split(" ")
    pwords = [phonetic_word(w) for w in fwords]
    need = [ix.pid(w) for w in pwords[:-1]]
    starts = ix.prefix_words(fwords[-1], pwords[-1], 48)
    scan = list(dict.fromkeys(chain.from_iterable(ix.postings(p, 512) for p in starts)))

    def holds(entry: int) -> bool:
        return set(pwords[:-1]) <= set(ix.phon[entry].split(" "))

    assert sum(map(ix.posting_count, starts)) < ix.posting_count(need[0])  # type: ignore[arg-type]
    kept = list(tiers._held_by_starts(ix, starts, need, 512))  # type: ignore[arg-type]
    assert [e for e in kept if holds(e)] == [e for e in scan if holds(e)]
    assert len(kept) == len(set(kept)) and len(kept) < len(scan) - len(others) // 2
    if query == "Yemelyanov Bor":  # Boris is the ninth word of the long names
        assert any(e in ix.long_names() and holds(e) for e in kept)
