"""The static site as a reader sees it: built from the fixture fact base, never the live one."""

from __future__ import annotations

import json
import re
import threading
import unicodedata
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.commands.table import run
from bot.config import Settings
from bot.knowledge.names import fold
from bot.knowledge.snapshot import KnowledgeBase
from bot.loading.holder import KnowledgeHolder
from bot.loading.loader import load_knowledge
from bot.render.site import build as site_build
from bot.render.site.build import MARKER, SiteError, build_site
from bot.render.site.rebuild import SiteRebuilder
from bot.render.site.search import fold_table
from bot.render.site.serve import make_server
from bot.render.site.urls import with_urls
from tests.conftest import KNOWLEDGE, SEEDS

ARTICLE = "article/edm-2012-v9-i71.html"
KAZ = "entity/yerzhan-kazykhanov.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, seed_kb: KnowledgeBase) -> Path:
    out = tmp_path_factory.mktemp("site") / "out"
    build_site(seed_kb, out, pictures=False)
    return out


class _Page(HTMLParser):
    """Links, ids and the text inside each element id'd p7 / mark, for assertions."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.marks_in: dict[str, list[str]] = {}
        self._para: str | None = None
        self._depth = 0
        self._mark: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key] or "")
        if tag == "div" and (a.get("id") or "").startswith("p"):
            self._para = a["id"]
            self.marks_in[self._para or ""] = []
        if tag == "mark" and self._para:
            self._mark = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark" and self._mark is not None and self._para:
            self.marks_in[self._para].append("".join(self._mark))
            self._mark = None
        if tag == "div":
            self._para = None

    def handle_data(self, data: str) -> None:
        if self._mark is not None:
            self._mark.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_entity_page_lists_its_claims_with_quotes_and_links(site: Path) -> None:
    html = (site / KAZ).read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert "<h1>Yerzhan Kazykhanov</h1>" in html
    assert "Foreign Minister of Kazakhstan (as of 6 April 2012)" in html  # the role, as chat
    assert "Ержан Казыханов" in html  # aliases
    assert 'id="c-kazykhanov-csto-developing-cooperation-2012-04-06"' in html
    assert "is actively developing cooperation between its members" in html  # the claim
    assert "<blockquote>Kazakhstan’s Foreign Minister Yerzhan Kazykhanov explained" in html
    assert f'href="../{ARTICLE}#p7"' in html
    assert 'href="../entity/csto.html"' in html  # a connected entity
    assert "citing" in html and "Interfax, April 6" in html


def test_article_page_highlights_each_quote_in_its_paragraph(site: Path) -> None:
    page = parse(site / ARTICLE)
    assert {f"p{n}" for n in range(1, 11)} <= page.ids
    marks = " ".join(page.marks_in["p7"])
    assert "Kazakhstan’s Foreign Minister Yerzhan Kazykhanov explained on April 6" in marks
    html = (site / ARTICLE).read_text(encoding="utf-8")
    p7 = html[html.index('id="p7"') : html.index('id="p8"')]
    assert (
        '<a href="../entity/yerzhan-kazykhanov.html#c-kazykhanov-position-foreign-minister"' in p7
    )
    assert "Sources the article cites" in html and "(Interfax, April 6)" in html


def test_every_reference_quote_is_highlighted(site: Path, seed_kb: KnowledgeBase) -> None:
    page = parse(site / ARTICLE)
    for fact in seed_kb.claims.values():
        for c in fact.citations:
            marked = re.sub(r"\s+", " ", " ".join(page.marks_in[f"p{c.paragraph}"]))
            words = c.quote.split()
            assert words[0] in marked and words[-1] in marked, (fact.id, c.quote)
    html = (site / ARTICLE).read_text(encoding="utf-8")
    assert "not found in the text" not in html


def _internal_links(site: Path) -> list[tuple[Path, str, str]]:
    out = []
    for page in site.rglob("*.html"):
        for link in parse(page).links:
            if link.startswith(("http://", "https://")):
                continue
            path, _, anchor = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            out.append((target, anchor, f"{page.relative_to(site)} -> {link}"))
    return out


def test_no_broken_internal_link(site: Path) -> None:
    links = _internal_links(site)
    assert len(links) > 500
    ids: dict[Path, set[str]] = {}
    for target, anchor, where in links:
        assert target.is_file(), where
        assert target.is_relative_to(site.resolve()), where
        if anchor and target.suffix == ".html":
            ids.setdefault(target, parse(target).ids)
            assert anchor in ids[target], where


def test_served_site_has_no_404(site: Path) -> None:
    server = make_server(site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        root = site.resolve()
        for target in sorted({t for t, _, _ in _internal_links(site)}):
            url = base + str(target.relative_to(root))
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200, url
    finally:
        server.shutdown()
        server.server_close()


def test_index_lists_articles_entities_latest_and_dates(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    assert f'href="{ARTICLE}"' in html
    assert "<h3>Person</h3>" in html and 'href="entity/sergei-lavrov.html"' in html
    assert "Latest claims" in html
    assert "<summary>2012</summary>" in html and "<h3>April 2012</h3>" in html
    assert "<summary>2008</summary>" in html and "2008, no month given" in html  # late 2008


HOSTILE = """\
entities:
  - id: ivan-petrov
    type: person
    name: "<script>alert('x')</script> Petrov"
    description: "A <b>bold</b> & \\"quoted\\" man </script>"
    aliases: [Petrov, "\\"><img src=x onerror=alert(1)>"]
  - id: astana
    type: place
    name: Astana
    description: Capital of Kazakhstan.
"""


def test_hostile_names_show_as_text(mini, tmp_path: Path) -> None:
    result = mini({"entities.yaml": HOSTILE})
    assert result.kb is not None, result.problems
    out = tmp_path / "site"
    build_site(result.kb, out, pictures=False)
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>" not in html
    html = (out / "entity/ivan-petrov.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    script = (out / "search-index.js").read_text(encoding="utf-8")
    assert "<" not in script and ">" not in script
    assert json.loads(script.split("=", 1)[1].strip().rstrip(";"))["entities"]


def _edit(copy: Path, old: str, new: str) -> KnowledgeBase:
    path = copy / "knowledge" / "claims" / "edm-2012-v9-i71.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = load_knowledge(copy / "knowledge", copy / "seeds")
    assert result.kb is not None, result.problems
    return result.kb


def test_incremental_rebuild_rewrites_only_changed_pages(kb_copy: Path, tmp_path: Path) -> None:
    kb = load_knowledge(kb_copy / "knowledge", kb_copy / "seeds").kb
    assert kb is not None
    out = tmp_path / "site"
    build_site(kb, out, pictures=False)
    lavrov, kaz = out / "entity/sergei-lavrov.html", out / KAZ
    before = {p: p.stat().st_ino for p in (lavrov, kaz)}
    kb2 = _edit(kb_copy, "Kazykhanov added: ", "Kazykhanov then added: ")
    report = build_site(kb2, out, pictures=False)
    assert KAZ in report.written
    assert "entity/sergei-lavrov.html" in report.kept
    assert "entity/sergei-lavrov.html" not in report.written
    assert lavrov.stat().st_ino == before[lavrov]  # the very same file, not written again
    assert kaz.stat().st_ino != before[kaz]
    assert "Kazykhanov then added" in kaz.read_text(encoding="utf-8")
    again = build_site(kb2, out, pictures=False)
    assert again.written == []


def test_a_failed_build_leaves_the_old_site_intact(seed_kb: KnowledgeBase, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(seed_kb, out, pictures=False)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def half(kb: KnowledgeBase, writer: object, pictures: bool) -> None:
        writer.put("index.html", b"half")  # type: ignore[attr-defined]
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        build_site(seed_kb, out, pictures=False, render=half)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # nothing left aside


def test_refuses_to_replace_a_folder_it_did_not_build(seed_kb: KnowledgeBase, tmp_path: Path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SiteError, match="did not write"):
        build_site(seed_kb, tmp_path, pictures=False)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / MARKER).exists()


def test_pictures_have_alt_text_and_are_skipped_without_matplotlib(
    seed_kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str] = []

    def picture_for(kb: KnowledgeBase, answer) -> tuple[str, bytes]:
        drawn.append(answer.kind)
        return "x.png", b"\x89PNG fake"

    monkeypatch.setattr(site_build, "picture_for", picture_for)
    monkeypatch.setattr(site_build, "pictures_available", lambda: True)
    out = tmp_path / "site"
    build_site(seed_kb, out)
    html = (out / KAZ).read_text(encoding="utf-8")
    assert 'alt="Timeline of the dated claims about Yerzhan Kazykhanov"' in html
    assert 'alt="Map of how Yerzhan Kazykhanov is connected to other entities"' in html
    assert drawn
    drawn.clear()
    build_site(seed_kb, out)
    assert drawn == []  # unchanged pictures are reused, not drawn again
    monkeypatch.setattr(site_build, "pictures_available", lambda: False)
    build_site(seed_kb, out)
    assert "<img" not in (out / KAZ).read_text(encoding="utf-8")


def _script_fold(text: str, table: dict[str, str]) -> str:
    """search.js's folding, step by step (NFKC, lowercase, table, else decompose)."""
    text = unicodedata.normalize("NFKC", text).lower()
    out = []
    for ch in text:
        if ch in table:
            out.append(table[ch])
        elif ch.isalnum():
            parts = unicodedata.normalize("NFKD", ch)
            out.append("".join(p for p in parts if unicodedata.category(p)[0] in "LN"))
        else:
            out.append(" ")
    return " ".join("".join(out).split())


@pytest.mark.parametrize(
    "name",
    ["Лавров", "Ержан Казыханов", "Nazarbáyev", "Šojgu", "D’Artagnan «NATO»", "Straße", "Œuvre"],
)
def test_the_search_script_folds_as_the_bot_does(name: str) -> None:
    assert _script_fold(name, fold_table()) == fold(name)


def test_answers_carry_site_urls(seed_kb: KnowledgeBase) -> None:
    answer = run(seed_kb, "who kazykhanov")
    plain = answer.to_json()
    assert "url" not in plain["entity"] and "url" not in plain["citations"][0]
    doc = with_urls(answer, seed_kb, "https://facts.example.org").to_json()
    assert doc["entity"]["url"] == f"https://facts.example.org/{KAZ}"
    cite = doc["citations"][0]
    assert cite["url"] == f"https://facts.example.org/{KAZ}#c-{cite['claim']}"
    assert cite["paragraph_url"] == f"https://facts.example.org/{ARTICLE}#p{cite['paragraph']}"


def test_ask_json_with_site_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge_dir: {KNOWLEDGE}\nseeds_dir: {SEEDS}\ncache_dir: {tmp_path / 'c'}\n"
        "site:\n  url: https://facts.example.org/kb/\n",
        encoding="utf-8",
    )
    assert main(["ask", "who lavrov", "--json", "--config", str(config)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["entity"]["url"] == "https://facts.example.org/kb/entity/sergei-lavrov.html"
    assert all(
        c["url"].startswith("https://facts.example.org/kb/entity/") for c in doc["citations"]
    )


def test_site_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["site", "--no-pictures"]) == 2
    assert "--out DIR" in capsys.readouterr().err
    out = tmp_path / "web"
    assert main(["site", "--out", str(out), "--no-pictures"]) == 0
    assert (out / "index.html").is_file() and (out / KAZ).is_file()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["site", "--out", str(tmp_path / "file"), "--no-pictures"]) == 2
    assert "The site was not built" in capsys.readouterr().err


def test_the_site_is_rebuilt_after_a_reload(kb_copy: Path, tmp_path: Path) -> None:
    settings = Settings(
        knowledge_dir=kb_copy / "knowledge", seeds_dir=kb_copy / "seeds", cache_dir=tmp_path / "c"
    )
    holder, _ = KnowledgeHolder.load(settings, disk_cache=False)
    assert holder is not None
    out = tmp_path / "site"
    rebuilder = SiteRebuilder(out, pictures=False)
    holder.after_reload.append(rebuilder)
    _edit(kb_copy, "Kazykhanov added: ", "Kazykhanov later added: ")
    assert holder.reload().ok
    rebuilder.wait(timeout=120)
    assert rebuilder.error is None
    assert "Kazykhanov later added" in (out / KAZ).read_text(encoding="utf-8")
