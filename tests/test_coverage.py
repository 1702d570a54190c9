"""The seed article is fully curated: every name, date and citation in it is in the fact base.

The test reads the article itself, extracts every capitalised name, every date expression
and every parenthetical citation, and proves each one is accounted for by the loaded fact
base: an entity name or alias, a role title held in a position claim, a claim or citation
date (compared as parsed dates, not strings), or a recorded `cites.text`. What the fact
base cannot hold is in the short lists below, each entry with its reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.knowledge.date_parsing import parse_date
from bot.knowledge.dates import DateValue
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.loader import load_knowledge

# The live fact base; a test points this at a copy with one more article to prove that a
# new article leaves the coverage checks green (tests/test_content_edit.py).
ROOT = Path(os.environ.get("FACTBOT_COVERAGE_ROOT") or Path(__file__).resolve().parent.parent)
ARTICLE_ID = "edm-2012-v9-i71"

# Capitalised only because they open a sentence (or a quotation). Excused only there: the
# same word capitalised mid-sentence would have to be a name in the fact base.
SENTENCE_STARTERS: dict[str, str] = {
    "On": "'On April 6, ...' (the date itself is checked as a date)",
    "There": "'There is little surprise ...'",
    "Equally": "'Equally, Moscow ...'",
    "However": "'However, as in the previous efforts ...'",
    "The": "'The explanation ...', 'The transformation ...', 'The latest effort ...'",
    "Yet": "'Yet, more recently ...', 'Yet, even on a bilateral basis ...'",
    "As": "'As Aleksei Nikolski ... noted'",
    "Nonetheless": "'Nonetheless, the drivers ...'",
    "In": "'In the long-term defense agenda ...', 'In this sense ...', 'In this context ...'",
    "Moreover": "'Moreover, Russia's evolving ...'",
    "Among": "'Among the numerous joint action ...'",
    "We": "opens Kazykhanov's quotation “We are calling ...”",
}

# Capitalised words that are not names of their own, with the entity they refer to (or
# None) and why no alias carries them.
CONTEXTUAL: dict[str, tuple[str | None, str]] = {
    "Russian": ("russia", "adjective (Russian Foreign/Defense Minister, Russian units)"),
    "Kazakhstani": ("kazakhstan", "adjective (Kazakhstani elite military units)"),
    "Central Asian": ("central-asia", "adjective (Central Asian neighbors/CSTO members)"),
    "Navy": ("kazakhstan-navy", "'its Navy' is Kazakhstan's; a bare 'Navy' alias is ambiguous"),
    "Author": (None, "the unnamed author, in a citation kept verbatim as a cites.text"),
}

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
# Longest forms first, so "late 2008" is not read as "2008" or "December 30, 2008" as
# "December 30".
DATE_RE = re.compile(
    rf"\b(?:"
    rf"(?:early|mid|late)[- ](?:19|20)\d\d"
    rf"|{_MONTH} \d{{1,2}}(?:-\d{{1,2}})?(?:, (?:19|20)\d\d)?"
    rf"|{_MONTH},? (?:19|20)\d\d"
    rf"|{_MONTH}"
    rf"|(?:19|20)\d\d"
    rf")\b"
)
# A word: letters or digits, possibly joined by internal hyphens, dots or apostrophes.
WORD_RE = re.compile(r"\w+(?:[-.’']\w+)*")
# A parenthetical citation: the parentheses hold a date (a digit); several are split by ";".
CITATION_RE = re.compile(r"\(([^()]*\d[^()]*)\)")

_FOLD = str.maketrans({"’": "'", "‘": "'", "–": "-", "—": "-", "‑": "-"})


def fold(text: str) -> str:
    """Case, typographic apostrophes/dashes, possessive 's and spacing do not matter."""
    text = re.sub(r"'s\b", "", text.translate(_FOLD).casefold())
    return " ".join(text.split())


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    sentence_initial: bool

    @property
    def capitalised(self) -> bool:
        return self.text[0].isupper()


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    result = load_knowledge(ROOT / "knowledge", ROOT / "seeds")  # the live fact base
    assert not result.problems, "\n".join(str(p) for p in result.problems)
    assert result.kb is not None
    return result.kb


@pytest.fixture(scope="module")
def paragraphs(kb: KnowledgeBase) -> tuple[str, ...]:
    return kb.articles[ARTICLE_ID].paragraphs


def _dates(paragraph: str) -> Iterator[re.Match[str]]:
    return DATE_RE.finditer(paragraph)


def _tokens(paragraph: str) -> list[Token]:
    """Words outside date expressions, each marked if it opens a sentence or quotation."""
    blanked = DATE_RE.sub(lambda m: " " * len(m.group()), paragraph)
    tokens = []
    for m in WORD_RE.finditer(blanked):
        before = blanked[: m.start()].rstrip(" ")
        initial = not before or before[-1] in ".!?“(" or before[-2:] in {".”", "!”", "?”"}
        tokens.append(Token(m.group().rstrip("."), m.start(), initial))
    return tokens


def _labels(kb: KnowledgeBase) -> dict[tuple[str, ...], str]:
    """Every entity name and alias, and every role title in a position claim, as folded
    word tuples, mapped to where it comes from."""
    labels: dict[tuple[str, ...], str] = {}
    for entity in kb.entities.values():
        for label in (entity.name, *entity.aliases):
            words = tuple(fold(w) for w in WORD_RE.findall(label))
            labels[words] = f"entity {entity.id}"
    for fact in kb.claims.values():
        if fact.model.predicate == "position_held" and fact.model.value:
            words = tuple(fold(w) for w in WORD_RE.findall(fact.model.value))
            labels.setdefault(words, f"position claim {fact.id}")
    return labels


def _uncovered_names(kb: KnowledgeBase, paragraph: str, used: set[str]) -> list[str]:
    """Capitalised words of `paragraph` that no label, contextual entry or sentence-start
    excuse accounts for. Longest label wins, and a label may run on through lowercase words
    ("Tajik-Afghan border"); a hyphenated pair such as CSTO-NATO is checked part by part."""
    labels = _labels(kb)
    labels.update({tuple(fold(w) for w in k.split()): f"contextual {k}" for k in CONTEXTUAL})
    longest = max(len(k) for k in labels)
    tokens = _tokens(paragraph)
    folded = [fold(t.text) for t in tokens]
    missing = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.capitalised:
            i += 1
            continue
        for n in range(min(longest, len(tokens) - i), 0, -1):
            source = labels.get(tuple(folded[i : i + n]))
            if source:
                if source.startswith("contextual "):
                    used.add(source.removeprefix("contextual "))
                i += n
                break
        else:
            parts = [p for p in token.text.split("-") if p]
            if len(parts) > 1 and all((fold(p),) in labels for p in parts):
                pass
            elif token.sentence_initial and token.text in SENTENCE_STARTERS:
                used.add(token.text)
            else:
                missing.append(token.text)
            i += 1
    return missing


def _known_dates(kb: KnowledgeBase) -> set[tuple]:
    """The (first day, last day) of every claim date and every cited-source date."""
    values: list[DateValue | None] = []
    for fact in kb.claims.values():
        values += [fact.date, fact.start, fact.end]
        values += [c.cites_date for c in fact.citations]
    return {(v.start, v.end) for v in values if v is not None}


def test_header_matches_the_article_entry(kb: KnowledgeBase) -> None:
    info = kb.articles[ARTICLE_ID]
    lines = (ROOT / "seeds" / info.model.file).read_text(encoding="utf-8").splitlines()
    title, publication, by = lines[:3]
    assert info.model.header_lines == 3
    assert title == info.model.title
    m = re.fullmatch(r"Publication: (.+) Volume: (\d+) Issue: (\d+)", publication)
    assert m, publication
    assert (m[1], int(m[2]), int(m[3])) == (
        info.model.publication,
        info.model.volume,
        info.model.issue,
    )
    outlets = {e.name for e in kb.entities.values() if e.type == "outlet"}
    assert info.model.publication in outlets
    assert by.strip() == "By:" and info.model.author is None
    assert len(info.paragraphs) == 10


def test_every_capitalised_name_is_in_the_fact_base(
    kb: KnowledgeBase, paragraphs: tuple[str, ...]
) -> None:
    used: set[str] = set()
    missing = {
        n: names
        for n, paragraph in enumerate(paragraphs, start=1)
        if (names := _uncovered_names(kb, paragraph, used))
    }
    assert not missing, f"names in no entity name/alias/position claim, by paragraph: {missing}"
    unused = (set(SENTENCE_STARTERS) | set(CONTEXTUAL)) - used
    assert not unused, f"ignore-list entries the article no longer needs: {sorted(unused)}"


def test_contextual_entries_point_at_entities(kb: KnowledgeBase) -> None:
    for word, (entity_id, reason) in CONTEXTUAL.items():
        assert reason
        assert entity_id is None or entity_id in kb.entities, word
        aliases = {fold(a) for e in kb.entities.values() for a in (e.name, *e.aliases)}
        assert fold(word) not in aliases, f"{word!r} is now an alias: drop it from CONTEXTUAL"
    assert all(SENTENCE_STARTERS.values())
    assert len(SENTENCE_STARTERS) + len(CONTEXTUAL) < 25


def test_every_date_is_a_claim_or_citation_date(
    kb: KnowledgeBase, paragraphs: tuple[str, ...]
) -> None:
    context = kb.articles[ARTICLE_ID].date
    known = _known_dates(kb)
    missing = []
    found = 0
    for n, paragraph in enumerate(paragraphs, start=1):
        for m in _dates(paragraph):
            found += 1
            value = parse_date(m.group(), context=context)
            if (value.start, value.end) not in known:
                missing.append(f"paragraph {n}: {m.group()!r} ({value.display()})")
    assert found >= 20, "the date extraction found too little: check DATE_RE"
    assert not missing, "dates in no claim or citation: " + "; ".join(missing)


def test_every_citation_is_recorded(kb: KnowledgeBase, paragraphs: tuple[str, ...]) -> None:
    recorded: dict[int, dict[str, str | None]] = {}
    for fact in kb.claims.values():
        for c in fact.citations:
            if c.article == ARTICLE_ID and c.cites_text:
                recorded.setdefault(c.paragraph, {})[fold(c.cites_text)] = c.cites_outlet
    outlet_names = {
        fold(label): e.id
        for e in kb.entities.values()
        if e.type == "outlet"
        for label in (e.name, *e.aliases)
    }
    missing = []
    for n, paragraph in enumerate(paragraphs, start=1):
        for m in CITATION_RE.finditer(paragraph):
            for part in m.group(1).split(";"):
                text = part.strip()
                if fold(text) not in recorded.get(n, {}):
                    missing.append(f"paragraph {n}: {text!r} is no reference's cites.text")
                    continue
                source = fold(text.split(",")[0])
                if source in outlet_names:
                    outlet = recorded[n][fold(text)]
                    assert outlet == outlet_names[source], f"paragraph {n}: {text!r} -> {outlet}"
    assert not missing, "\n".join(missing)


def test_every_entity_is_used(kb: KnowledgeBase) -> None:
    """No orphan: each entity is concerned by a claim, or is an article's publication."""
    used = {eid for fact in kb.claims.values() for eid in fact.entity_ids()}
    publications = {a.model.publication for a in kb.articles.values()}
    orphans = [
        e.id for e in kb.entities.values() if e.id not in used and e.name not in publications
    ]
    assert not orphans, f"entities no claim concerns: {orphans}"


def test_every_member_state_has_a_membership_claim(
    kb: KnowledgeBase, paragraphs: tuple[str, ...]
) -> None:
    m = re.search(r"all its members \(([^)]*)\)", paragraphs[1])
    assert m
    states = re.split(r", | and ", m.group(1))
    members = {
        f.model.subject
        for f in kb.claims.values()
        if f.model.predicate == "member_of" and f.model.object == "csto"
    }
    names = {e.name: e.id for e in kb.entities.values()}
    # the seed's member states are all recorded; later articles may add (or end) others
    assert {names[s] for s in states} <= members
