"""The bench's questions, made from a generated fact base's truth, deterministic by seed.

Each lookup query knows the entity it means, so accuracy can be scored: exact names, aliases
(including Cyrillic), transliterations the fact base does not store (German, Library of
Congress, scholarly ...), one-typo misspellings, and names that are in no generated base.
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bot.bench import names as N
from bot.bench.world import MONTHS
from bot.knowledge.names import fold

LOOKUP_CLASSES = ("exact", "alias", "transliterated", "typo", "not_found")
_KEYBOARD = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}  # fmt: skip


@dataclass(frozen=True)
class TruthEntity:
    id: str
    type: str
    name: str
    aliases: tuple[str, ...]
    variants: dict[str, str]
    restricted: bool = False


def write_truth(entities, path: Path) -> None:
    """What the bench needs to know about each generated entity, one JSON array per line."""
    with Path(path).open("w", encoding="utf-8") as f:
        for e in entities:
            row = [e.id, e.type, e.name, e.aliases, e.variants, e.restricted]
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_truth(path: Path) -> list[TruthEntity]:
    out = []
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            ident, kind, name, aliases, variants, restricted = json.loads(line)
            out.append(TruthEntity(ident, kind, name, tuple(aliases), variants, restricted))
    return out


def _key(label: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", label).casefold().split())


def _typo(rng: random.Random, label: str) -> str | None:
    """One typing mistake in a word of five or more letters."""
    words = label.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isascii() and w.isalpha()]
    if not long:
        return None
    i = rng.choice(long)
    w = words[i]
    pos = rng.randrange(1, len(w))  # keep the first letter: people rarely mistype it
    kind = rng.choice(("substitute", "delete", "insert", "transpose"))
    low = w[pos].lower()
    if kind == "substitute":
        w = w[:pos] + rng.choice(_KEYBOARD.get(low, "e")) + w[pos + 1 :]
    elif kind == "delete":
        w = w[:pos] + w[pos + 1 :]
    elif kind == "insert":
        w = w[:pos] + rng.choice(_KEYBOARD.get(low, "e")) + w[pos:]
    elif pos < len(w) - 1:
        w = w[:pos] + w[pos + 1] + w[pos] + w[pos + 2 :]
    else:
        return None
    words[i] = w
    return " ".join(words)


def lookup_queries(
    truth: list[TruthEntity], count: int, seed: int
) -> dict[str, list[tuple[str, str | None, str]]]:
    """Per class: (query, the entity id it means or None, the entity's type)."""
    rng = random.Random(seed)
    visible = [e for e in truth if not e.restricted]
    owner: dict[str, str] = {}
    folded_names: dict[str, set[str]] = {}
    for e in truth:
        for label in (e.name, *e.aliases):
            owner[_key(label)] = e.id
            folded_names.setdefault(fold(label), set()).add(e.id)
    out: dict[str, list[tuple[str, str | None, str]]] = {c: [] for c in LOOKUP_CLASSES}

    def pick(pool, make, cls: str) -> None:
        tries = 0
        while len(out[cls]) < count and tries < count * 50 and pool:
            tries += 1
            e = rng.choice(pool)
            q = make(e)
            if q is not None:
                out[cls].append((q, e.id, e.type))

    pick(visible, lambda e: e.name, "exact")
    pick([e for e in visible if e.aliases], lambda e: rng.choice(e.aliases), "alias")

    def transliterated(e: TruthEntity) -> str | None:
        stored = {fold(label) for label in (e.name, *e.aliases)}
        options = [
            v
            for s, v in sorted(e.variants.items())
            if fold(v) not in stored and _key(v) not in owner and fold(v) not in folded_names
        ]
        return rng.choice(options) if options else None

    pick([e for e in visible if e.variants], transliterated, "transliterated")

    # Every name in every transliteration the generator knows: `Anna Tokaeva`, a slip in
    # Tokareva, is how one system writes Anna Tokayeva, and answering her is right.
    spelled = set(folded_names) | {fold(v) for e in truth for v in e.variants.values()}

    def typo(e: TruthEntity) -> str | None:
        labels = [label for label in (e.name, *e.aliases) if label.isascii()]
        q = _typo(rng, rng.choice(labels)) if labels else None
        if q is None or fold(q) in spelled:
            return None  # a "typo" that is somebody's real name is not a typo
        return q

    pick(visible, typo, "typo")

    surnames = sorted({e.name.split(" ")[-1] for e in visible if e.type == "person"})
    while len(out["not_found"]) < count:
        first = rng.choice(N.FOREIGN_FIRST)
        if rng.random() < 0.5 or not surnames:
            last = rng.choice(N.FOREIGN_HEADS) + rng.choice(N.FOREIGN_TAILS)
        else:  # a known surname with a first name nobody in the base has
            last = rng.choice(surnames)
        q = f"{first} {last}"
        if _key(q) not in owner:
            out["not_found"].append((q, None, "person"))
    return out


def autocomplete_queries(truth: list[TruthEntity], count: int, seed: int) -> list[str]:
    """What a user has typed so far, keystroke by keystroke, on the way to a name."""
    rng = random.Random(seed + 1)
    visible = [e for e in truth if not e.restricted]
    out: list[str] = []
    while len(out) < count:
        label = rng.choice(visible).name
        for cut in (1, 2, 3, 4, 6, 9, len(label)):
            if cut <= len(label) and len(out) < count:
                out.append(label[:cut])
    return out


def date_queries(count: int, seed: int) -> list[str]:
    rng = random.Random(seed + 2)
    out = []
    for i in range(count):
        year = rng.randint(2001, 2016)
        month = rng.randint(1, 12)
        kind = i % 4
        if kind == 0:
            out.append(f"{year}-{month:02d}-{rng.randint(1, 28):02d}")
        elif kind == 1:
            out.append(f"{MONTHS[month - 1]} {year}")
        elif kind == 2:
            out.append(f"{rng.choice(('early', 'mid', 'late'))} {year}")
        else:
            out.append(str(year))
    return out


def search_queries(truth: list[TruthEntity], count: int, seed: int) -> list[str]:
    rng = random.Random(seed + 3)
    people = [e for e in truth if e.type == "person" and not e.restricted]
    places = [e for e in truth if e.type == "place"]
    words = ("appointed", "visited", "signed", "joined", "expand", "proposed", "summit")
    out = []
    for i in range(count):
        kind = i % 4
        if kind == 0 and people:
            out.append(rng.choice(people).name.split(" ")[-1])
        elif kind == 1 and people and places:
            out.append(f"{rng.choice(people).name.split(' ')[-1]} {rng.choice(places).name}")
        elif kind == 2:
            out.append(f"{rng.choice(words)} {rng.choice(N.ROLES).split(' ')[-1].lower()}")
        else:
            out.append(rng.choice(N.FOREIGN_HEADS) + rng.choice(N.FOREIGN_TAILS))
    return out


def all_queries(truth: list[TruthEntity], count: int, seed: int) -> dict:
    return {
        "lookup": lookup_queries(truth, count, seed),
        "autocomplete": autocomplete_queries(truth, count, seed),
        "on": date_queries(max(8, count // 4), seed),
        "search": search_queries(truth, max(8, count // 4), seed),
    }
