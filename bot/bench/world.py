"""The synthetic world the benchmark's fact base is made of: entities, articles, names.

Split from generate.py (which writes claims and files) so each module keeps one job.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field

from bot.bench import names as N

GENERATOR_VERSION = 1
PER_FILE = 1_000
CLAIMS_PER_ARTICLE = 40
SENTENCES_PER_PARAGRAPH = 3
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_NAME_SYSTEMS = ("bgn", "popular", "loc", "german", "scholarly")


@dataclass
class GenEntity:
    id: str
    type: str
    name: str
    description: str
    aliases: list[str] = field(default_factory=list)
    # Latin spellings of a Cyrillic-origin name under each system, and the Cyrillic itself.
    variants: dict[str, str] = field(default_factory=dict)
    cyrillic: str | None = None
    part_of: list[str] = field(default_factory=list)
    restricted: bool = False


@dataclass
class GenArticle:
    id: str
    file: str
    title: str
    date: str  # as written in the knowledge file
    year: int
    month: int
    day: int | None
    author: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class GeneratedBase:
    seed: int
    entities: list[GenEntity]
    articles: list[GenArticle]
    claims: list[dict]
    outlets: list[str]

    @property
    def name_count(self) -> int:
        return sum(1 + len(e.aliases) for e in self.entities)


def _key(label: str) -> str:
    """The loader's uniqueness key for names and aliases."""
    return " ".join(unicodedata.normalize("NFKC", label).casefold().split())


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "x"


class _Names:
    """Hands out names and ids, refusing any that another entity already uses."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.ids: set[str] = set()

    def free(self, label: str) -> bool:
        return _key(label) not in self.keys

    def take(self, label: str) -> None:
        self.keys.add(_key(label))

    def new_id(self, label: str) -> str:
        base = _slug(label)
        ident, n = base, 2
        while ident in self.ids:
            ident, n = f"{base}-{n}", n + 1
        self.ids.add(ident)
        return ident


def split_counts(total: int) -> dict[str, int]:
    """Entities per type: mostly people, then organisations and places."""
    if total < 20:
        raise ValueError("generate at least 20 entities")
    counts = {
        "outlet": max(3, min(len(N.OUTLETS), total // 50) + total // 200),
        "place": max(3, total * 13 // 100),
        "organisation": max(3, total * 15 // 100),
        "event": max(1, total * 5 // 100),
        "document": max(1, total * 4 // 100),
    }
    counts["person"] = total - sum(counts.values())
    return counts


class WorldBuilder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.names = _Names()
        self.entities: list[GenEntity] = []
        self.by_type: dict[str, list[GenEntity]] = {}

    def add(self, entity: GenEntity) -> GenEntity:
        self.entities.append(entity)
        self.by_type.setdefault(entity.type, []).append(entity)
        return entity

    def labels_free(self, *labels: str) -> bool:
        return all(self.names.free(label) for label in labels)

    def entity(
        self,
        kind: str,
        name: str,
        description: str,
        aliases: list[str],
        **extra: object,
    ) -> GenEntity:
        """Register an entity; aliases that repeat a name already taken are dropped."""
        self.names.take(name)
        kept: list[str] = []
        mine = {_key(name)}
        for alias in aliases:
            key = _key(alias)
            if key in mine or not self.names.free(alias):
                continue
            mine.add(key)
            self.names.take(alias)
            kept.append(alias)
        ident = self.names.new_id(name)
        return self.add(GenEntity(ident, kind, name, description, kept, **extra))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ people

    def person(self) -> GenEntity | None:
        rng = self.rng
        female = rng.random() < 0.4
        first_cyr, first_pop = rng.choice(N.FEMALE if female else N.MALE)
        surname = rng.choice(N.SURNAMES)
        if female:
            surname = N.feminine(surname)
        for attempt in range(40):
            if attempt == 0:
                parts = [first_cyr, surname]
            else:
                patronymic = rng.choice(N.PATRONYMICS)
                if female:
                    patronymic = N.feminine_patronymic(patronymic)
                if attempt > 20:  # a crowded name: another first name too
                    first_cyr, first_pop = rng.choice(N.FEMALE if female else N.MALE)
                parts = [first_cyr, patronymic, surname]
            cyrillic = " ".join(parts)
            variants = {s: N.transliterate(cyrillic, s) for s in _NAME_SYSTEMS}
            rest = " ".join(parts[1:])
            variants["popular"] = f"{first_pop} {N.transliterate(rest, 'popular')}"
            if not self.labels_free(cyrillic, variants["bgn"], variants["popular"]):
                continue
            name = variants["popular"] if rng.random() < 0.3 else variants["bgn"]
            aliases = [variants["bgn"], variants["popular"]]
            if rng.random() < 0.8:
                aliases.append(cyrillic)
            if rng.random() < 0.15:
                aliases.append(variants[rng.choice(("loc", "german"))])
            place = rng.choice(self.by_type["place"]).name if self.by_type.get("place") else ""
            role = rng.choice(N.ROLES)
            description = f"{role} from {place} (generated)." if place else f"{role} (generated)."
            return self.entity(
                "person",
                name,
                description,
                [a for a in aliases if a != name],
                variants=variants,
                cyrillic=cyrillic,
                restricted=rng.random() < 0.002,
            )
        return None

    # ------------------------------------------------------------------ places

    def place(self, serial: int) -> GenEntity:
        rng = self.rng
        for attempt in range(60):
            prefix = rng.choice(N.PLACE_PREFIXES)
            root = rng.choice(N.PLACE_ROOTS)
            suffix = rng.choice(N.PLACE_SUFFIXES)
            cyrillic = (prefix + root + suffix) if prefix else (root + suffix)
            cyrillic = cyrillic[:1].upper() + cyrillic[1:]
            if attempt >= 20:  # a common name: a second word tells the towns apart
                cyrillic += "-" + rng.choice(N.PLACE_QUALIFIERS)
            if self.labels_free(cyrillic, N.transliterate(cyrillic, "bgn")):
                break
        else:  # every combination used: closed towns carry numbers (Zheleznogorsk-26)
            cyrillic = f"{cyrillic}-{serial}"
        variants = {s: N.transliterate(cyrillic, s) for s in _NAME_SYSTEMS}
        aliases = [cyrillic] if rng.random() < 0.85 else []
        if rng.random() < 0.2:
            aliases.append(variants["german"])
        return self.entity(
            "place",
            variants["bgn"],
            "A town (generated).",
            aliases,
            variants=variants,
            cyrillic=cyrillic,
        )

    # ------------------------------------------------------------------ organisations

    def organisation(self) -> GenEntity:
        rng = self.rng
        places = self.by_type["place"]
        if rng.random() < 0.15:
            cyrillic = rng.choice(N.COMPANY_HEADS) + rng.choice(N.COMPANY_TAILS)
            latin = N.transliterate(cyrillic, "bgn")
            if self.labels_free(cyrillic, latin):
                return self.entity(
                    "organisation",
                    latin,
                    "A company (generated).",
                    [cyrillic, N.transliterate(cyrillic, "german")],
                    variants={s: N.transliterate(cyrillic, s) for s in _NAME_SYSTEMS},
                    cyrillic=cyrillic,
                )
        for _ in range(50):
            words = [
                rng.choice(places).name,
                rng.choice(N.ORG_ADJECTIVES),
                rng.choice(N.ORG_ADJECTIVES),
                rng.choice(N.ORG_NOUNS),
            ]
            if words[1] == words[2] or rng.random() < 0.5:
                del words[2]
            name = " ".join(words)
            if self.names.free(name):
                break
        else:
            name = f"{name} No. {len(self.entities)}"
        acronym = "".join(w[0] for w in re.split(r"[\s-]+", name) if w[:1].isalpha()).upper()
        aliases = [acronym] if len(acronym) >= 3 and self.names.free(acronym) else []
        parent = self.by_type.get("organisation")
        part_of = [rng.choice(parent).id] if parent and rng.random() < 0.2 else []
        return self.entity(
            "organisation", name, "An organisation (generated).", aliases, part_of=part_of
        )

    # ------------------------------------------------------------------ the rest

    def outlet(self, index: int) -> GenEntity:
        if index < len(N.OUTLETS):
            latin, cyrillic = N.OUTLETS[index]
            return self.entity("outlet", latin, "A news outlet.", [cyrillic])
        place = self.rng.choice(self.by_type["place"])
        for kind, cyr in (("Vestnik", "Вестник"), ("Pravda", "Правда"), ("Vedomosti", "Ведомости")):
            name = f"{place.name} {kind}"
            if self.names.free(name):
                aliases = [f"{place.cyrillic} {cyr}"] if place.cyrillic else []
                return self.entity("outlet", name, "A regional newspaper (generated).", aliases)
        return self.entity("outlet", f"{place.name} Herald {index}", "A newspaper.", [])

    def event(self) -> GenEntity:
        rng = self.rng
        for _ in range(30):
            year = rng.randint(2000, 2015)
            kind = rng.choice(("Summit", "Economic Forum", "Congress", "Conference", "Talks"))
            host = rng.choice(self.by_type["place"]).name
            name = f"{host} {kind} {year}"
            if self.names.free(name):
                break
        else:
            name = f"{name} ({len(self.entities)})"
        return self.entity("event", name, "A meeting (generated).", [])

    def document(self) -> GenEntity:
        rng = self.rng
        for _ in range(30):
            year = rng.randint(2000, 2015)
            place = rng.choice(self.by_type["place"]).name
            name = rng.choice(
                (f"{place} Declaration of {year}", f"Treaty of {place} {year}",
                 f"{place} Agreement {year}", f"{place} Memorandum {year}")
            )  # fmt: skip
            if self.names.free(name):
                break
        else:
            name = f"{name} ({len(self.entities)})"
        return self.entity("document", name, "A document (generated).", [])
