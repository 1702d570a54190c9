"""A synthetic fact base of any size, deterministic by seed, that passes `factbot check`.

`build(entities, claims, seed)` makes the model in memory; `write(base, folder)` writes it as
ordinary knowledge files (about 1,000 items per file) plus the article texts, so every quote
verifies verbatim. The bench rebuilds the same model from the manifest to know the truth
behind its queries (which entity a misspelt or re-transliterated name means).

What makes it realistic enough to measure the matcher: names are crowded. Most entities are
people with Russian names, stored under two or three of several transliteration systems plus
Cyrillic; thousands share a first name and surname and differ only by patronymic, and
feminine forms (Kozlov/Kozlova) and near surnames abound. Claims have dates of every precision
the loader reads (2009-03-14, March 14 with the year from the article, March 2009, late 2008,
2009), and references into generated articles.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from bot.bench import names as N
from bot.bench.world import (
    CLAIMS_PER_ARTICLE,
    GENERATOR_VERSION,
    MONTHS,
    PER_FILE,
    SENTENCES_PER_PARAGRAPH,
    GenArticle,
    GenEntity,
    GeneratedBase,
    WorldBuilder,
    split_counts,
)

# ---------------------------------------------------------------------- claims


def _date_phrase(rng: random.Random, article: GenArticle) -> tuple[str | None, str, str]:
    """(date as written in the claim, the article's phrase for it, a display form)."""
    year = rng.randint(max(2000, article.year - 3), article.year)
    month = rng.randint(1, 12 if year < article.year else article.month)
    day = rng.randint(1, 28)
    roll = rng.random()
    mname = MONTHS[month - 1]
    if roll < 0.25:
        return (
            f"{year}-{month:02d}-{day:02d}",
            f"On {mname} {day}, {year},",
            f"{day} {mname} {year}",
        )
    same_month_ok = article.day is None or month < article.month or day <= article.day
    if roll < 0.35 and year == article.year and month <= article.month and same_month_ok:
        return f"{mname} {day}", f"On {mname} {day},", f"{day} {mname} {year}"
    if roll < 0.45:
        return f"{mname} {day}, {year}", f"On {mname} {day}, {year},", f"{day} {mname} {year}"
    if roll < 0.65:
        return f"{mname} {year}", f"In {mname} {year},", f"{mname} {year}"
    if roll < 0.75:
        part = rng.choice(("early", "mid", "late"))
        return f"{part} {year}", f"In {part} {year},", f"{part} {year}"
    if roll < 0.9:
        return str(year), f"In {year},", str(year)
    return None, "", ""


def _claims(
    b: WorldBuilder, count: int, progress: Callable[[str, int, int], None] | None
) -> tuple[list[GenArticle], list[dict]]:
    rng = b.rng
    people = [e for e in b.by_type["person"] if not e.restricted]
    orgs, places = b.by_type["organisation"], b.by_type["place"]
    events, docs, outlets = b.by_type["event"], b.by_type["document"], b.by_type["outlet"]
    authors = [p.name for p in people[:200]] or ["A. Writer"]

    def someone() -> GenEntity:  # a few people are in many claims, most in a few
        return people[int(len(people) * rng.random() ** 2.5)]

    articles: list[GenArticle] = []
    claims: list[dict] = []
    n_articles = max(1, -(-count // CLAIMS_PER_ARTICLE))
    for a in range(n_articles):
        year = rng.randint(2003, 2016)
        month = rng.randint(1, 12)
        day = rng.randint(1, 28) if rng.random() < 0.5 else None
        date = f"{year}-{month:02d}-{day:02d}" if day else f"{year}-{month:02d}"
        host = rng.choice(places)
        article = GenArticle(
            id=f"gen-article-{a + 1:05d}",
            file=f"gen-{a + 1:05d}.txt",
            title=f"Regional Review: {host.name} and Its Institutions, Part {a + 1}",
            date=date,
            year=year,
            month=month,
            day=day,
            author=rng.choice(authors),
        )
        articles.append(article)
        todo = min(CLAIMS_PER_ARTICLE, count - len(claims))
        sentences: list[tuple[str, dict]] = []
        for _ in range(todo):
            sentence, claim = _claim(rng, len(claims) + 1, someone, orgs, places, events, docs)
            date_text, phrase, shown = _date_phrase(rng, article)
            if phrase:
                if sentence.startswith("The "):
                    sentence = "the " + sentence[4:]
                sentence = f"{phrase} {sentence}"
                claim["date"] = date_text
                claim["text"] = claim["text"].replace(" (DATE)", f" ({shown})")
            else:
                claim["text"] = claim["text"].replace(" (DATE)", "")
            if rng.random() < 0.02:
                claim["rank"] = "deprecated"
                claim["note"] = "Superseded by a later report (generated)."
            claims.append(claim)
            sentences.append((sentence, claim))
        for p in range(0, len(sentences), SENTENCES_PER_PARAGRAPH):
            chunk = sentences[p : p + SENTENCES_PER_PARAGRAPH]
            number = len(article.paragraphs) + 1
            cites = None
            text = ". ".join(s for s, _ in chunk) + "."
            if rng.random() < 0.5:
                outlet = rng.choice(outlets)
                cmonth = article.month
                cday = rng.randint(1, article.day or 28)
                cdate = f"{MONTHS[cmonth - 1]} {cday}"
                cites = {"text": f"{outlet.name}, {cdate}", "outlet": outlet.id, "date": cdate}
                text = text[:-1] + f" ({cites['text']})."
            article.paragraphs.append(text)
            for sentence, claim in chunk:
                ref: dict = {"article": article.id, "paragraph": number, "quote": sentence}
                if cites:
                    ref["cites"] = cites
                claim["references"] = [ref]
        if progress and (a + 1 == n_articles or (a + 1) % 100 == 0):
            progress("generate claims", len(claims), count)
    return articles, claims


def _claim(rng, serial, someone, orgs, places, events, docs) -> tuple[str, dict]:
    """One claim: the article's sentence (its quote) and the claim record."""
    roll = rng.random()
    person = someone()
    if roll < 0.22:
        org, role = rng.choice(orgs), rng.choice(N.ROLES)
        s = f"{person.name} was appointed {role} of the {org.name}"
        c = {"subject": person.id, "predicate": "position_held", "object": org.id, "value": role}
        t = f"{person.name} was appointed {role} of the {org.name} (DATE), the article says."
    elif roll < 0.37:
        org = rng.choice(orgs)
        s = f"{person.name} joined the {org.name}"
        c = {"subject": person.id, "predicate": "member_of", "object": org.id}
        t = f"{person.name} joined the {org.name} (DATE), according to the article."
    elif roll < 0.55:
        other, place = someone(), rng.choice(places)
        if other.id == person.id:
            other = rng.choice(orgs)
        s = f"{person.name} met {other.name} in {place.name}"
        c = {"subject": person.id, "predicate": "met", "object": other.id, "place": place.id}
        t = f"{person.name} met {other.name} in {place.name} (DATE), the article reports."
    elif roll < 0.68:
        place = rng.choice(places)
        s = f"{person.name} visited {place.name} to inspect local industry"
        c = {"subject": person.id, "predicate": "visited", "object": place.id}
        t = f"{person.name} visited {place.name} (DATE), according to the article."
    elif roll < 0.8:
        org, place = rng.choice(orgs), rng.choice(places)
        s = f"{person.name} said that the {org.name} would expand its work in {place.name}"
        c = {"subject": person.id, "predicate": "said", "mentions": [org.id, place.id]}
        t = (
            f"According to {person.name} (DATE), the {org.name} would expand its work in "
            f"{place.name}."
        )
    elif roll < 0.88:
        doc = rng.choice(docs)
        s = f"{person.name} signed the {doc.name}"
        c = {"subject": person.id, "predicate": "signed", "object": doc.id}
        t = f"{person.name} signed the {doc.name} (DATE), the article says."
    elif roll < 0.95:
        org, doc = rng.choice(orgs), rng.choice(docs)
        s = f"The {org.name} proposed the {doc.name}"
        c = {"subject": org.id, "predicate": "proposed", "object": doc.id}
        t = f"The {org.name} proposed the {doc.name} (DATE), according to the article."
    else:
        event, place = rng.choice(events), rng.choice(places)
        s = f"The {event.name} was held in {place.name}"
        c = {"subject": event.id, "predicate": "held_in", "object": place.id, "place": place.id}
        t = f"The {event.name} was held in {place.name} (DATE), the article reports."
    claim = {"id": f"{c['predicate'].replace('_', '-')}-{serial:07d}", **c, "text": t}
    return s, claim


# ---------------------------------------------------------------------- build and write


def build(
    entities: int,
    claims: int,
    seed: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
) -> GeneratedBase:
    """The whole fact base in memory; the same arguments always give the same base."""
    b = WorldBuilder(seed)
    counts = split_counts(entities)
    for i in range(counts["place"]):
        b.place(i + 1)
    for i in range(counts["outlet"]):
        b.outlet(i)
    for _ in range(counts["organisation"]):
        b.organisation()
    for _ in range(counts["event"]):
        b.event()
    for _ in range(counts["document"]):
        b.document()
    made = failed = 0
    while made < counts["person"]:
        if b.person() is None:
            failed += 1
            if failed > 10_000:
                raise ValueError("ran out of distinct person names")
            continue
        made += 1
        if progress and (made % 10_000 == 0 or made == counts["person"]):
            progress("generate people", made, counts["person"])
    articles, claim_list = _claims(b, claims, progress) if claims else ([], [])
    if not articles:  # a fact base needs no claims, but keep one article to cite from later
        articles = [
            GenArticle(
                "gen-article-00001",
                "gen-00001.txt",
                "Empty Review",
                "2010-05",
                2010,
                5,
                None,
                "A. Writer",
                ["Nothing happened."],
            )
        ]
    outlets = [e.id for e in b.by_type["outlet"]]
    return GeneratedBase(seed, b.entities, articles, claim_list, outlets)


_PLAIN = re.compile(r"^[A-Za-zЀ-ӿ][\w .,'()’-]*$")
_RESERVED = {"yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"}


def _y(value: object) -> str:
    """A YAML scalar: plain where that is unambiguous (as editors write), else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and not text.endswith((" ", ":")):
        return text
    return json.dumps(text, ensure_ascii=False)


def _entity_yaml(e: GenEntity) -> str:
    lines = [f"  - id: {e.id}", f"    type: {e.type}", f"    name: {_y(e.name)}"]
    lines.append(f"    description: {_y(e.description)}")
    if e.aliases:
        lines.append("    aliases:")
        lines += [f"      - {_y(a)}" for a in e.aliases]
    if e.part_of:
        lines.append(f"    part_of: [{', '.join(e.part_of)}]")
    if e.restricted:
        lines.append("    restricted: true")
    return "\n".join(lines)


def _claim_yaml(c: dict) -> str:
    lines = [f"  - id: {c['id']}"]
    for key in ("subject", "predicate", "object", "value", "text", "date", "place"):
        if key in c:
            lines.append(f"    {key}: {_y(c[key]) if key != 'date' else json.dumps(c[key])}")
    if c.get("mentions"):
        lines.append(f"    mentions: [{', '.join(c['mentions'])}]")
    if "rank" in c:
        lines.append(f"    rank: {c['rank']}")
        lines.append(f"    note: {_y(c['note'])}")
    lines.append("    references:")
    for ref in c["references"]:
        lines.append(f"      - article: {ref['article']}")
        lines.append(f"        paragraph: {ref['paragraph']}")
        lines.append(f"        quote: {_y(ref['quote'])}")
        cites = ref.get("cites")
        if cites:
            lines.append(
                f"        cites: {{text: {json.dumps(cites['text'], ensure_ascii=False)}, "
                f"outlet: {cites['outlet']}, date: {cites['date']}}}"
            )
    return "\n".join(lines)


def _article_yaml(a: GenArticle) -> str:
    return "\n".join(
        [
            f"  - id: {a.id}",
            f"    file: {a.file}",
            f"    title: {_y(a.title)}",
            "    publication: Generated Regional Monitor",
            f"    volume: {a.year - 2000}",
            f"    issue: {int(a.id.rsplit('-', 1)[1])}",
            f"    author: {_y(a.author)}",
            f'    date: "{a.date}"',
            "    header_lines: 3",
        ]
    )


def _chunks(items: list, size: int = PER_FILE):
    for start in range(0, len(items), size):
        yield start // size + 1, items[start : start + size]


def write(
    base: GeneratedBase,
    folder: Path,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """Write knowledge/ and seeds/ (replacing earlier ones) and manifest.json; return it."""
    folder = Path(folder)
    kdir, sdir = folder / "knowledge", folder / "seeds"
    for d in (kdir, sdir, folder / ".factbot-cache"):
        if d.exists():
            shutil.rmtree(d)
    (kdir / "entities").mkdir(parents=True)
    (kdir / "claims").mkdir()
    (kdir / "sources").mkdir()
    sdir.mkdir(parents=True)
    header = "# Generated by `factbot generate` (bot/bench/generate.py); do not edit by hand.\n"
    files = 0
    by_type: dict[str, list[GenEntity]] = {}
    for e in base.entities:
        by_type.setdefault(e.type, []).append(e)
    for kind, items in by_type.items():
        for n, chunk in _chunks(items):
            text = "\n\n".join(_entity_yaml(e) for e in chunk)
            path = kdir / "entities" / f"{kind}-{n:04d}.yaml"
            path.write_text(f"{header}\nentities:\n{text}\n", encoding="utf-8")
            files += 1
    for n, chunk in _chunks(base.articles):
        text = "\n\n".join(_article_yaml(a) for a in chunk)
        path = kdir / "sources" / f"articles-{n:04d}.yaml"
        path.write_text(f"{header}\narticles:\n{text}\n", encoding="utf-8")
        files += 1
    total = len(base.articles)
    for i, a in enumerate(base.articles, start=1):
        head = f"{a.title}\nPublication: Generated Regional Monitor Issue: {i}\nBy: {a.author}\n"
        (sdir / a.file).write_text(head + "\n".join(a.paragraphs) + "\n", encoding="utf-8")
        if progress and (i == total or i % 500 == 0):
            progress("write articles", i, total)
    chunks = list(_chunks(base.claims))
    for n, chunk in chunks:
        text = "\n\n".join(_claim_yaml(c) for c in chunk)
        path = kdir / "claims" / f"claims-{n:04d}.yaml"
        path.write_text(f"{header}\nclaims:\n{text}\n", encoding="utf-8")
        files += 1
        if progress:
            progress("write claims", n, len(chunks))
    manifest = {
        "generator": GENERATOR_VERSION,
        "seed": base.seed,
        "entities": len(base.entities),
        "claims": len(base.claims),
        "articles": len(base.articles),
        "names": base.name_count,
        "knowledge_files": files,
    }
    from bot.bench.queries import write_truth

    write_truth(base.entities, folder / "truth.jsonl")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_manifest(folder: Path) -> dict | None:
    try:
        data = json.loads((Path(folder) / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("generator") == GENERATOR_VERSION else None


def generate(
    folder: Path,
    entities: int,
    claims: int,
    seed: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[GeneratedBase, dict]:
    """Build and write a fact base into `folder` (knowledge/, seeds/, manifest.json)."""
    base = build(entities, claims, seed, progress)
    return base, write(base, folder, progress)


__all__ = ["GeneratedBase", "build", "generate", "read_manifest", "write"]
