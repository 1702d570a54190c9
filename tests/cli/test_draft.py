"""`factbot draft` and `factbot new`: drafts an editor can finish by filling in FIXMEs.

The second article (tests/data/second_article.txt) is invented test data. Its draft is
finished here with "the documented edits" (`apply_documented_edits`), the same steps
docs/adding-facts.md gives an editor, and the result must load with no problems.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli.draft import FIXME, KINDS, draft_article, find_citations, remaining_fixmes, stub
from bot.knowledge.articles import split_paragraphs
from bot.knowledge.model import KnowledgeFile
from bot.knowledge.names import fold
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.loader import load_knowledge
from tests.conftest import KNOWLEDGE, SEEDS

SEED = SEEDS / "000_ceb678234089a169.txt"
PAMIR = Path(__file__).parent.parent / "data" / "pamir_article.txt"

SEED_CITATIONS = {
    "Krasnaya Zvezda, April 6",
    "Interfax, April 6",
    "www.kremlin.ru, February 5, 2010",
    "Vedomosti, March 30",
    "Interfax, December 30, 2008",
    "Rossiyskiya Gazeta, February 20",
    "Interfax, April 5",
    "Krasnaya Zvezda, March 30",
    "www.mod.kz, accessed April 9",
    "Author discussions with NATO officials, November 28-29, 2011",
}


def references(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [ref for claim in doc["claims"] for ref in claim["references"]]


def cited(doc: dict[str, Any]) -> set[str]:
    return {ref["cites"]["text"] for ref in references(doc) if "cites" in ref}


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def seed_draft(seed_kb: KnowledgeBase) -> str:
    return draft_article(SEED, seed_kb, only_new=False)  # every sentence, as if new


@pytest.fixture(scope="module")
def pamir_draft(seed_kb: KnowledgeBase) -> str:
    return draft_article(PAMIR, seed_kb)


# --------------------------------------------------------------------- the seed article


def test_seed_draft_finds_every_parenthetical_citation(seed_draft: str):
    doc = yaml.safe_load(seed_draft)
    assert cited(doc) == SEED_CITATIONS
    dates = {r["cites"]["text"]: r["cites"]["date"] for r in references(doc) if "cites" in r}
    assert dates["www.mod.kz, accessed April 9"] == "April 9"  # "accessed" is not the date
    assert dates["Interfax, December 30, 2008"] == "December 30, 2008"


def test_seed_draft_marks_known_names_by_id(seed_draft: str, seed_kb: KnowledgeBase):
    for ident in ("sergei-lavrov", "csto", "nato", "ksor", "vko", "anatoliy-serdyukov"):
        assert f"#   known: {ident} ←" in seed_draft
    assert '#   known: ksor ← "Collective Rapid Reaction Force", "KSOR"' in seed_draft
    doc = yaml.safe_load(seed_draft)
    outlets = {ref["cites"].get("outlet") for ref in references(doc) if "cites" in ref}
    assert outlets == {
        "krasnaya-zvezda",
        "interfax",
        "www-kremlin-ru",
        "vedomosti",
        "rossiyskiya-gazeta",
        "www-mod-kz",
        None,  # "Author discussions with NATO officials" is not an outlet
    }
    mentions = {m for claim in doc["claims"] for m in claim.get("mentions", [])}
    assert {"sergei-lavrov", "csto", "nato", "ksor", "astana"} <= mentions
    # Nothing the fact base already knows is proposed again.
    for entity in doc["entities"]:
        assert seed_kb.matcher.match(entity["name"]).decision != "answer", entity
        assert entity["id"] not in seed_kb.entities
    assert "# known: edm-2012-v9-i71 is already in the fact base" in seed_draft


def test_seed_quotes_are_verbatim_sentences_of_their_paragraphs(seed_draft: str):
    paragraphs = split_paragraphs(SEED.read_text(encoding="utf-8"), 3)
    doc = yaml.safe_load(seed_draft)
    assert len(doc["claims"]) >= 15
    for ref in references(doc):
        paragraph = paragraphs[ref["paragraph"] - 1]
        assert ref["quote"] in paragraph
        assert ref["quote"].endswith((".", ".”", ")."))
        if "cites" in ref:
            assert ref["cites"]["text"] in paragraph


def test_seed_article_date_is_inferred_from_its_latest_citation(seed_draft: str):
    article = yaml.safe_load(seed_draft)["articles"][0]
    assert article["date"] == "2012-04"
    assert "www.mod.kz, accessed April 9" in article["date_note"]
    assert article["author"] is None and article["header_lines"] == 3
    assert article["volume"] == 9 and article["issue"] == 71
    # Year-less dates are kept as written, with what they resolve to in a comment.
    assert "date: April 6  # FIXME: as written" in seed_draft
    assert "(= 6 April 2012 by the article's date); also: May 15" in seed_draft


def test_seed_draft_once_edited_loads_next_to_the_curated_one(seed_draft: str, tmp_path: Path):
    doc = yaml.safe_load(seed_draft)
    old = doc["articles"][0]["id"]
    doc["articles"][0]["id"] = "edm-2012-v9-i71-draft"  # the id is taken: choose another
    for ref in references(doc):
        ref["article"] = "edm-2012-v9-i71-draft"
    assert all(c["id"].startswith(old) for c in doc["claims"])
    result = load_edited(apply_documented_edits(doc), tmp_path, SEED)
    assert result.ok, "\n".join(map(str, result.problems))


# ------------------------------------------------------------------- the Pamir article


def test_pamir_draft_reads_header_citations_dates_and_names(pamir_draft: str):
    doc = yaml.safe_load(pamir_draft)
    article = doc["articles"][0]
    assert article["id"] == "edm-2012-v9-i901"
    assert article["file"] == "pamir_article.txt"
    assert article["author"] == "Test Author"
    assert article["date"] == "2012-09"  # September 24 (accessed), after December 12, 2011
    assert cited(doc) == {
        "Interfax, September 18",
        "Asia-Plus Weekly, September 19",
        "Interfax, December 12, 2011",
        "www.odkb-csto.org, accessed September 24",
    }
    for ident in ("anatoliy-serdyukov", "csto", "ksor", "interfax", "tajikistan"):
        assert f"#   known: {ident} ←" in pamir_draft
    new = {e["id"]: e for e in doc["entities"]}
    assert new["farrukh-sharipov"]["type"] == "person"
    assert new["farrukh-sharipov"]["aliases"] == ["Sharipov"]
    assert new["asia-plus-weekly"]["type"] == "outlet"
    assert new["www-odkb-csto-org"]["type"] == "outlet"
    assert {"khorog", "dushanbe", "kazbrig"} <= set(new)
    assert all(e["description"] == FIXME for e in new.values())
    dates = {c["id"]: c.get("date") for c in doc["claims"]}
    assert dates["edm-2012-v9-i901-p1-s2"] == "September 18"
    assert dates["edm-2012-v9-i901-p2-s1"] == "September 20"  # a date, no citation
    claim = next(c for c in doc["claims"] if c["id"] == "edm-2012-v9-i901-p3-s2")
    assert [r["cites"]["text"] for r in claim["references"]] == [
        "Asia-Plus Weekly, September 19",
        "Interfax, December 12, 2011",
    ]


TYPE_FIXES = {"Dushanbe": "place", "Pamir Shield-2012": "event"}


def apply_documented_edits(doc: dict[str, Any]) -> dict[str, Any]:
    """What docs/adding-facts.md tells the editor to do with a draft, done mechanically:

    1. article: keep the inferred date (or write one where it says FIXME);
    2. entities: confirm or fix each guessed type, write each description;
    3. claims: pick the subject among the names found, write predicate and text, and
       delete the stubs that cannot be filled (no names in the sentence).
    """
    assert doc["articles"][0]["date"] != FIXME
    for entity in doc["entities"]:
        entity["type"] = TYPE_FIXES.get(entity["name"], entity["type"])
        entity["description"] = f"{entity['name']}, as named in an invented test article."
    kept = []
    for claim in doc["claims"]:
        if not claim.get("mentions"):
            continue
        claim["subject"], *others = claim["mentions"]
        claim["mentions"] = others
        claim["predicate"] = "reported"
        quote = claim["references"][0]["quote"]
        claim["text"] = f"According to the article: {quote}"
        kept.append(claim)
    doc["claims"] = kept
    assert remaining_fixmes(yaml.safe_dump(doc, allow_unicode=True)) == []
    return doc


def load_edited(doc: dict[str, Any], tmp_path: Path, article: Path):
    """The edited draft saved as knowledge/claims/second.yaml in a copy of the fact base."""
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copy(article, tmp_path / "seeds" / doc["articles"][0]["file"])
    target = tmp_path / "knowledge" / "claims" / "second.yaml"
    target.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_knowledge(tmp_path / "knowledge", tmp_path / "seeds")


def test_pamir_draft_once_edited_loads_clean(pamir_draft: str, tmp_path: Path):
    doc = apply_documented_edits(yaml.safe_load(pamir_draft))
    result = load_edited(doc, tmp_path, PAMIR)
    assert result.ok, "\n".join(map(str, result.problems))
    kb = result.kb
    assert kb is not None
    assert kb.articles["edm-2012-v9-i901"].date.iso() == "2012-09"
    fact = kb.claims["edm-2012-v9-i901-p1-s2"]
    assert fact.date is not None and fact.date.iso() == "2012-09-18"
    assert fact.citations[0].cites_outlet == "interfax"
    assert kb.matcher.match("Sharipov").best.key == "farrukh-sharipov"  # type: ignore[union-attr]


def edit_draft_text(draft: str) -> str:
    """The same edits made in the draft's text, as an editor does, keeping its comments."""
    lines = []
    for line in draft.splitlines():
        if m := re.fullmatch(r"(\s*)subject: FIXME  # .*one of ([a-z0-9-]+).*", line):
            line = f"{m[1]}subject: {m[2]}"
        line = line.replace("description: FIXME", "description: Named in an invented article.")
        line = line.replace("predicate: FIXME", "predicate: reported")
        line = line.replace("text: FIXME", "text: The invented test article reports this.")
        lines.append(line)
    return "\n".join(lines) + "\n"


def test_pamir_draft_edited_in_place_loads_clean(pamir_draft: str, tmp_path: Path):
    text = edit_draft_text(pamir_draft)
    assert remaining_fixmes(text, values_only=True) == []
    assert "# FIXME: a guess" in text  # the guesses to confirm stay marked in comments
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copy(PAMIR, tmp_path / "seeds" / PAMIR.name)
    (tmp_path / "knowledge" / "claims" / "second.yaml").write_text(text, encoding="utf-8")
    result = load_knowledge(tmp_path / "knowledge", tmp_path / "seeds")
    assert result.ok, "\n".join(map(str, result.problems))


def test_draft_never_writes_into_the_fact_base(seed_kb: KnowledgeBase):
    before = tree_digest(KNOWLEDGE), tree_digest(SEEDS)
    draft_article(PAMIR, seed_kb)
    assert (tree_digest(KNOWLEDGE), tree_digest(SEEDS)) == before


def test_draft_without_a_fact_base_proposes_every_name(tmp_path: Path):
    doc = yaml.safe_load(draft_article(PAMIR, None, article_id="second-test"))
    assert doc["articles"][0]["id"] == "second-test"
    assert {ref["article"] for ref in references(doc)} == {"second-test"}
    new = {e["name"]: e for e in doc["entities"]}
    assert new["Collective Security Treaty Organization"]["aliases"] == ["CSTO"]
    assert new["Collective Rapid Reaction Force"]["aliases"] == ["KSOR"]
    assert new["Anatoliy Serdyukov"]["type"] == "person"
    assert new["Interfax"]["type"] == "outlet"


# ------------------------------------------------------------------ dates without a year


def write_article(tmp_path: Path, *paragraphs: str) -> Path:
    path = tmp_path / "article.txt"
    header = "A Title\nPublication: Test Monitor Volume: 1 Issue: 2\nBy:\n"
    path.write_text(header + "\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "paragraph",
    [
        "The minister spoke on April 6 (Interfax, April 6).",  # no year anywhere
        "The minister spoke in 2011 (Interfax, May 3, 2011).",  # no year-less citation
        "The minister spoke.",  # no citation at all
    ],
)
def test_article_date_is_fixme_when_the_year_cannot_be_inferred(tmp_path: Path, paragraph: str):
    text = draft_article(write_article(tmp_path, paragraph), None)
    article = yaml.safe_load(text)["articles"][0]
    assert article["date"] == FIXME
    assert "date_note" not in article
    open_values = remaining_fixmes(text, values_only=True)
    assert any(line.startswith("date: FIXME") for _, line in open_values)


def test_a_december_citation_in_a_spring_article(tmp_path: Path):
    path = write_article(
        tmp_path,
        "It began in late 2010 (Interfax, December 30, 2010). It grew (Vedomosti, March 2).",
    )
    doc = yaml.safe_load(draft_article(path, None))
    assert doc["articles"][0]["date"] == "2011-03"


# ----------------------------------------------------------------------------- pieces


def test_find_citations():
    text = (
        "A (Interfax, December 30, 2008; Rossiyskiya Gazeta, February 20). B (CSTO). "
        "C (Armenia, Belarus, Tajikistan and Uzbekistan). D (www.mod.kz, accessed April 9)."
    )
    found = find_citations(text)
    assert [(c.source, c.date) for c in found] == [
        ("Interfax", "December 30, 2008"),
        ("Rossiyskiya Gazeta", "February 20"),
        ("www.mod.kz", "April 9"),
    ]
    assert [c.text for c in found][2] == "www.mod.kz, accessed April 9"


# ----------------------------------------------------------------------------- stubs


def fill_fixmes(node: Any, key: str = "") -> Any:
    """Replace every FIXME the way an editor would, with a value of the right kind."""
    if isinstance(node, dict):
        return {k: fill_fixmes(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [fill_fixmes(v, key) for v in node]
    if node != FIXME:
        return node
    return {
        "id": "new-item",
        "subject": "sergei-lavrov",
        "predicate": "arrived_in",
        "article": "edm-2012-v9-i71",
        "paragraph": 1,
        "date": "April 6",
        "quote": "Russian Foreign Minister Sergei Lavrov arrived in Astana",
    }.get(key, "Filled in by the editor.")


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("name", [None, "Lavrov", "Emomali Rahmon"])
def test_stub_is_a_valid_item_once_filled(seed_kb: KnowledgeBase, kind: str, name: str | None):
    text = stub(kind, seed_kb, name)
    data = yaml.safe_load(text)
    assert remaining_fixmes(text)
    section = "claims" if kind == "claim" else "entities"
    assert list(data) == [section] and len(data[section]) == 1
    KnowledgeFile.model_validate(fill_fixmes(data))


def test_entity_stub_names_the_related_entities(seed_kb: KnowledgeBase):
    text = stub("person", seed_kb, "Lavrov")
    assert "already in the fact base as sergei-lavrov" in text
    assert "#   sergei-lavrov: Sergei Lavrov (person)" in text
    fresh = yaml.safe_load(stub("person", seed_kb, "Emomali Rahmon"))["entities"][0]
    assert fresh["id"] == "emomali-rahmon" and fresh["name"] == "Emomali Rahmon"
    assert "Existing place ids" in stub("place", seed_kb)


def test_claim_stub_lists_predicates_and_articles(seed_kb: KnowledgeBase):
    text = stub("claim", seed_kb, "Lavrov")
    assert "#   edm-2012-v9-i71: CSTO Proposes Cooperation with NATO on Afghanistan" in text
    assert "position_held" in text and "arrived_in" in text
    assert yaml.safe_load(text)["claims"][0]["subject"] == "sergei-lavrov"
    assert yaml.safe_load(stub("claim", None))["claims"][0]["subject"] == FIXME


def test_unknown_stub_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind 'persn'"):
        stub("persn", None)


# ------------------------------------------- the December 2012 article, against its gold

DATA = Path(__file__).parent.parent / "data"
SECOND = DATA / "second_article.txt"
GUIDE = Path(__file__).parent.parent.parent / "docs" / "adding-facts.md"
GOLD_ARTICLES = [SECOND, DATA / "manas_article.txt", DATA / "steppe_eagle_article.txt"]
GOLD = yaml.safe_load((SECOND.parent / "second_article.gold.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def second_draft(seed_kb: KnowledgeBase) -> str:
    return draft_article(SECOND, seed_kb)


def entities_by_name(draft: str) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in yaml.safe_load(draft)["entities"]}


def claim(draft: str, paragraph: int, sentence: int) -> dict[str, Any]:
    """The claim stub of a sentence ("paragraph 3, sentence 1"), as the editor finds it."""
    suffix = f"-p{paragraph}-s{sentence}"
    return next(c for c in yaml.safe_load(draft)["claims"] if c["id"].endswith(suffix))


def score(draft: str, gold: dict[str, Any]) -> dict[str, Any]:
    """kept / retyped / wrong / missed entity stubs, known names found, and claim stubs on
    the gold's sentences, as issue 13 counts them."""
    left = list(gold["entities"])
    kept, retyped, wrong = [], [], []
    for e in yaml.safe_load(draft)["entities"]:
        names = [fold(n) for n in [e["name"], *e.get("aliases", [])]]
        hit = next((g for g in left if any(fold(g["name"]) in n for n in names)), None)
        if hit is None:
            wrong.append(e["name"])
            continue
        left.remove(hit)
        (kept if hit["type"] == e["type"] else retyped).append(e["name"])
    known = set(re.findall(r"^#   known: (\S+) ←", draft, re.M))
    ids = [c["id"] for c in yaml.safe_load(draft)["claims"]]
    stubs = {re.sub(r".*-p(\d+)-s(\d+)$", r"\1.\2", i) for i in ids}
    return {
        "kept": kept,
        "retyped": retyped,
        "wrong": wrong,
        "missed": [g["name"] for g in left],
        "known": known,
        "claims": stubs,
    }


@dataclass
class Tally:
    """The counts behind precision and recall; they add up over articles."""

    stubs: int = 0  # entity stubs proposed
    kept: int = 0  # ... that are a gold entity with the gold type
    gold: int = 0  # gold entities
    claim_stubs: int = 0
    claim_hits: int = 0  # claim stubs on a gold sentence
    gold_claims: int = 0
    known_found: int = 0  # fact-base ids reported as known
    known_right: int = 0  # ... that the gold lists
    gold_known: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def row(self, label: str) -> str:
        r = lambda n, d: f"{n / d:.2f}" if d else "  - "  # noqa: E731
        return (
            f"{label:<22}{self.stubs:>6}{r(self.kept, self.stubs):>7}{r(self.kept, self.gold):>7}"
            f"{self.claim_stubs:>7}{r(self.claim_hits, self.claim_stubs):>7}"
            f"{r(self.claim_hits, self.gold_claims):>7}"
            f"{r(self.known_right, self.known_found):>7}{r(self.known_right, self.gold_known):>7}"
        )


HEADER = f"{'article':<22}{'ents':>6}{'prec':>7}{'rec':>7}{'claims':>7}{'prec':>7}{'rec':>7}"
HEADER += f"{'known':>7}{'rec':>7}"


def tally(draft: str, gold: dict[str, Any]) -> tuple[Tally, dict[str, Any]]:
    s = score(draft, gold)
    gold_claims, gold_known = set(gold["claims"]), set(gold["known"])
    t = Tally(
        stubs=len(s["kept"]) + len(s["retyped"]) + len(s["wrong"]),
        kept=len(s["kept"]),
        gold=len(gold["entities"]),
        claim_stubs=len(s["claims"]),
        claim_hits=len(s["claims"] & gold_claims),
        gold_claims=len(gold_claims),
        known_found=len(s["known"]),
        known_right=len(s["known"] & gold_known),
        gold_known=len(gold_known),
    )
    details = {
        "retyped": s["retyped"],
        "wrong": s["wrong"],
        "missed": s["missed"],
        "claims missed": sorted(gold_claims - s["claims"]),
        "claims extra": sorted(s["claims"] - gold_claims),
        "known missed": sorted(gold_known - s["known"]),
        "known extra": sorted(s["known"] - gold_known),
    }
    return t, details


def test_draft_precision_and_recall_on_the_gold_articles(seed_kb: KnowledgeBase):
    """Issue 13's measure: entity precision and recall >= 0.8 and claim-stub recall >= 0.8
    over all gold articles. `pytest -s` or `-rA` shows the table (also in the CI log)."""
    total, lines, misses = Tally(), [HEADER], {}
    for article in GOLD_ARTICLES:
        gold = yaml.safe_load(article.with_suffix(".gold.yaml").read_text(encoding="utf-8"))
        t, details = tally(draft_article(article, seed_kb), gold)
        lines.append(t.row(article.stem))
        misses[article.stem] = details
        total += t
    lines.append(total.row("total"))
    print("\n" + "\n".join(lines))
    for stem, details in misses.items():
        print(f"{stem}: " + "; ".join(f"{k}: {v}" for k, v in details.items() if v))
    assert total.kept / total.stubs >= 0.8, misses
    assert total.kept / total.gold >= 0.8, misses
    assert total.claim_hits / total.gold_claims >= 0.8, misses
    # The guide quotes these figures: they must be today's.
    figures = (
        f"{total.kept / total.stubs:.2f} and {total.kept / total.gold:.2f} for entity stubs, "
        f"{total.claim_hits / total.claim_stubs:.2f} and "
        f"{total.claim_hits / total.gold_claims:.2f} for claim stubs"
    )
    assert figures in " ".join(GUIDE.read_text(encoding="utf-8").split())


def test_second_draft_knows_exactly_the_gold_names(second_draft: str):
    assert score(second_draft, GOLD)["known"] == set(GOLD["known"])  # nothing falsely matched


def test_pronouns_generic_words_and_demonyms_get_no_stub(second_draft: str):
    names = entities_by_name(second_draft)
    for word in ("We’ve", "We", "West", "American", "Uzbek", "President", "Defense Minister"):
        assert not any(
            word == n or n.startswith(f"{word} ") for n in names if n != "Uzbek Foreign Ministry"
        ), word
    # "American officials have welcomed the new course." mentions the United States.
    assert claim(second_draft, 3, 1)["mentions"] == ["united-states"]
    assert "uzbekistan" in claim(second_draft, 5, 1)["mentions"]  # "an Uzbek delegation"


def test_the_words_around_a_name_give_its_type(second_draft: str):
    names = entities_by_name(second_draft)
    assert names["Baghramyan training ground"]["type"] == "place"  # not Marshal Baghramyan
    assert names["Karshi-Khanabad air base"]["type"] == "place"  # not an organisation
    assert names["Karshi-Khanabad air base"]["aliases"] == ["K2"]
    assert names["Termez air base"]["type"] == "place"
    assert names["Andijan uprising"]["type"] == "event"
    assert names["Oboronservis"]["type"] == "organisation"  # ", a holding company"
    assert names["Uzbek Foreign Ministry"]["type"] == "organisation"
    assert names["Treaty on Strategic Partnership"]["type"] == "document"
    assert names["Germany"]["type"] == "country"
    assert names["Sergei Shoigu"]["type"] == "person"  # "Moscow Oblast Governor Sergei Shoigu"
    assert names["Sergei Shoigu"]["aliases"] == ["Shoigu"]
    assert "# FIXME: a guess (the words 'air base' around it)" in second_draft


def test_known_events_and_programmes_are_recognised_by_whole_names_only(second_draft: str):
    assert '#   known: csto-summit-moscow-2012 ← "CSTO summit"' in second_draft
    assert '#   known: ksor-programme ← "KSOR programme"' in second_draft
    assert '#   known: nato-withdrawal-afghanistan-2014 ← "NATO withdrawal"' in second_draft
    # "Foreign Ministry" shares a word with the CSTO Council of Foreign Ministers, no more.
    assert "csto-council-of-foreign-ministers" not in second_draft
    assert claim(second_draft, 2, 3)["mentions"][:3] == ["uzbekistan", "ksor-programme", "ksor"]


def test_every_sentence_naming_an_entity_gets_a_stub_and_keeps_its_own_citation(
    second_draft: str,
):
    # No date, no citation, but a fact: "Germany still keeps a small contingent ..."
    germany = claim(second_draft, 3, 3)
    # "on the Afghan border" mentions Afghanistan, not the Tajik-Afghan border.
    assert germany["mentions"] == ["germany", "termez-air-base", "afghanistan"]
    assert "cites" not in germany["references"][0]
    # The citation closing sentence 2 belongs to sentence 2, not to sentence 1 before it.
    assert [r.get("cites") for r in claim(second_draft, 1, 1)["references"]] == [None]
    cites = [r["cites"]["text"] for r in claim(second_draft, 1, 2)["references"]]
    assert cites == ["Interfax, December 19", "Vedomosti, December 20"]
    assert "the citation closing this passage" not in second_draft


def test_second_article_id_and_date_follow_the_curated_style(second_draft: str):
    article = yaml.safe_load(second_draft)["articles"][0]
    assert article["id"] == "edm-2012-v9-i232"  # publication, year, volume, issue
    assert article["date"] == "2012-12"  # "December 20" in the month of "December 2012"
    assert "Save as knowledge/claims/edm-2012-v9-i232.yaml" in second_draft


def test_an_undated_issue_takes_its_year_from_the_volume(tmp_path: Path, seed_kb: KnowledgeBase):
    path = tmp_path / "undated.txt"
    path.write_text(
        "A Title\nPublication: Eurasia Daily Monitor Volume: 9 Issue: 999\nBy:\n"
        "The minister spoke on April 6 (Interfax, April 6).\n",
        encoding="utf-8",
    )
    doc = yaml.safe_load(draft_article(path, seed_kb))
    assert doc["articles"][0]["id"] == "edm-2012-v9-i999"  # volume 9 of EDM is 2012
    assert doc["articles"][0]["date"] == FIXME  # the date itself is still the editor's


def test_second_draft_once_edited_loads_clean(second_draft: str, tmp_path: Path):
    doc = apply_documented_edits(yaml.safe_load(second_draft))
    result = load_edited(doc, tmp_path, SECOND)
    assert result.ok, "\n".join(map(str, result.problems))
    assert result.kb is not None
    assert result.kb.matcher.match("Shoigu").best.key == "sergei-shoigu"  # type: ignore[union-attr]


# ------------------------------------------------------------ an article already curated


def test_a_curated_article_shows_only_what_is_not_yet_curated(seed_kb: KnowledgeBase):
    text = draft_article(SEED, seed_kb)
    assert "none of it is in the fact base yet" not in text
    assert "the fact base already has this article\n# as edm-2012-v9-i71." in text
    assert "Already curated: 31 of 31 sentences" in text
    doc = yaml.safe_load(text)
    assert "articles" not in doc and doc["claims"] == []


def test_a_sentence_no_reference_quotes_is_shown_as_open(tmp_path: Path):
    """Drop the claims quoting paragraph 1 from a copy: their sentences come back as stubs."""
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    claims_file = tmp_path / "knowledge" / "claims" / "edm-2012-v9-i71.yaml"
    data = yaml.safe_load(claims_file.read_text(encoding="utf-8"))
    data["claims"] = [
        c for c in data["claims"] if all(r["paragraph"] != 1 for r in c["references"])
    ]
    claims_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = load_knowledge(tmp_path / "knowledge", SEEDS)
    assert result.ok and result.kb is not None, "\n".join(map(str, result.problems))
    text = draft_article(SEED, result.kb)
    doc = yaml.safe_load(text)
    assert doc["claims"] and {c["references"][0]["paragraph"] for c in doc["claims"]} == {1}
    open_ = len(doc["claims"])
    assert f"Below: only the {open_} not yet quoted" in text
    assert all(r["article"] == "edm-2012-v9-i71" for c in doc["claims"] for r in c["references"])


# ------------------------------------------------- what the gold articles taught the draft


def test_analysis_sentences_get_no_stub_but_are_listed(tmp_path: Path, seed_kb: KnowledgeBase):
    path = write_article(
        tmp_path,
        "For the Kremlin, the closure is a victory of patience. American officials have "
        "welcomed the new course. Germany keeps a small contingent at the Termez air base. "
        "Armenia sent 1,500 troops. Armenia is a puzzle (Interfax, May 3, 2011).",
    )
    text = draft_article(path, seed_kb)
    stubs = [c["id"].rsplit("-", 1)[-1] for c in yaml.safe_load(text)["claims"]]
    # a verb of saying, two names, a number, a citation; not the judgement on the Kremlin
    assert stubs == ["s2", "s3", "s4", "s5"]
    comments = re.sub(r"\n#\s+", " ", text)  # the comment as one line, however it wraps
    assert "if one states a fact after all: paragraph 1 sentence 1." in comments


def test_hardware_labels_units_and_later_mentions(tmp_path: Path, seed_kb: KnowledgeBase):
    path = write_article(
        tmp_path,
        "The Russian 201st Military Base received Su-25 attack aircraft and Mi-8 helicopters. "
        "KAZBRIG met NATO’s Level 2 standards during the Steppe Eagle exercise near Romania.",
        "Kazakhstan has hosted Steppe Eagle since 2003, and it joins NATO exercises.",
    )
    doc = yaml.safe_load(draft_article(path, seed_kb))
    new = {e["name"]: e for e in doc["entities"]}
    assert set(new) == {
        "Russian 201st Military Base",
        "KAZBRIG",
        "Steppe Eagle exercise",
        "Romania",
    }
    assert new["Russian 201st Military Base"]["type"] == "organisation"  # a numbered unit
    assert new["Romania"]["type"] == "country"
    assert new["Steppe Eagle exercise"]["aliases"] == ["Steppe Eagle"]
    later = doc["claims"][-1]
    assert later["mentions"] == ["kazakhstan", "steppe-eagle-exercise", "nato"]
