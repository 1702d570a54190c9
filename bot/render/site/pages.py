"""What each page of the static site shows, as plain data for the templates.

Built from the snapshot and the query engine's own answers (roles are worded as the chat
answers word them), never from raw YAML. Every link is a path from `urls`, relative to the
site's root; the templates put the page's way back to the root in front of it.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field

from bot.commands.building import label
from bot.commands.entities import neighbourhood, what
from bot.knowledge.articles import fold_for_quote
from bot.knowledge.citations import find_citations
from bot.knowledge.dates import Precision
from bot.knowledge.model import EntityType, Rank
from bot.knowledge.snapshot import ArticleInfo, Citation, Fact, KnowledgeBase
from bot.render.site.highlight import Run, locate, runs
from bot.render.site.urls import (
    article_path,
    claim_anchor,
    claim_path,
    entity_path,
    paragraph_path,
)

LATEST = 12  # claims on the index page's "latest" list


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None = None  # None: shown as text (a restricted or unknown entity)


@dataclass(frozen=True)
class CitationView:
    article: Link
    paragraph: Link
    quote: str
    cites: str | None
    outlet: Link | None


@dataclass(frozen=True)
class ClaimView:
    id: str
    anchor: str
    href: str | None  # the claim's own place (on its subject's page)
    date: str | None
    text: str
    superseded: str | None  # the note, or "" when deprecated without one
    citations: tuple[CitationView, ...]
    concerns: tuple[Link, ...]


@dataclass
class EntityPage:
    id: str
    title: str
    name: str
    type: str
    description: str
    aliases: tuple[str, ...]
    part_of: tuple[Link, ...]
    roles: tuple[Link, ...]  # the role as the chat answer words it, linked to its claim
    member_of: tuple[tuple[Link, str | None, str | None], ...]  # entity, date, claim href
    members: tuple[tuple[Link, str | None, str | None], ...]
    connected: tuple[tuple[str, Link], ...]
    claims: tuple[ClaimView, ...]
    superseded: tuple[ClaimView, ...]
    pictures: list[tuple[str, str]] = field(default_factory=list)  # (site path, alt text)


@dataclass(frozen=True)
class QuoteView:
    number: int
    text: str
    found: bool
    claims: tuple[Link, ...]


@dataclass(frozen=True)
class ParagraphView:
    number: int
    anchor: str
    runs: tuple[Run, ...]
    quotes: tuple[QuoteView, ...]


@dataclass(frozen=True)
class ArticlePage:
    id: str
    title: str
    label: str
    publication: str
    author: str | None
    date: str
    date_note: str | None
    url: str | None  # the original, only when it is an http(s) URL
    paragraphs: tuple[ParagraphView, ...]
    cited_sources: tuple[tuple[Link, str, Link | None], ...]  # paragraph, text, outlet


@dataclass(frozen=True)
class DateGroup:
    title: str
    claims: tuple[ClaimView, ...]


@dataclass(frozen=True)
class YearView:
    year: int
    groups: tuple[DateGroup, ...]


@dataclass(frozen=True)
class IndexPage:
    articles: tuple[tuple[Link, str], ...]
    by_type: tuple[tuple[str, tuple[Link, ...]], ...]
    latest: tuple[ClaimView, ...]
    years: tuple[YearView, ...]
    counts: dict[str, object]


# ---------------------------------------------------------------- shared pieces


def entity_link(kb: KnowledgeBase, entity_id: str | None) -> Link:
    entity = kb.entities.get(entity_id or "")
    if entity is None:
        return Link(entity_id or "")
    return Link(entity.name, entity_path(entity.id) if not entity.restricted else None)


def _citation(kb: KnowledgeBase, c: Citation) -> CitationView:
    article = kb.articles[c.article]
    return CitationView(
        article=Link(article.label(), article_path(article.id)),
        paragraph=Link(f"paragraph {c.paragraph}", paragraph_path(article.id, c.paragraph)),
        quote=c.quote,
        cites=c.cites_text,
        outlet=entity_link(kb, c.cites_outlet) if c.cites_outlet else None,
    )


def claim_view(kb: KnowledgeBase, fact: Fact) -> ClaimView:
    c = fact.model
    superseded = None
    if c.rank == Rank.DEPRECATED:
        superseded = c.note or ""
    return ClaimView(
        id=fact.id,
        anchor=claim_anchor(fact.id),
        href=claim_path(kb, fact),
        date=fact.when.display() if fact.when else None,
        text=c.text,
        superseded=superseded,
        citations=tuple(_citation(kb, cit) for cit in fact.citations),
        concerns=tuple(entity_link(kb, i) for i in fact.entity_ids()),
    )


# ---------------------------------------------------------------- entity pages


def _roles(kb: KnowledgeBase, entity_id: str) -> tuple[Link, ...]:
    """The "Roles" lines of the chat answer about the entity, each linked to its claim."""
    answer = what(kb, entity_id)
    if answer.entity_id != entity_id:
        return ()
    out = []
    for line in answer.lines:
        if line.heading != "Roles":
            continue
        fact = kb.claims.get(line.claim_id or "")
        out.append(Link(line.text, claim_path(kb, fact) if fact else None))
    return tuple(out)


def _membership(
    kb: KnowledgeBase, facts: list[Fact], other: str
) -> tuple[tuple[Link, str | None, str | None], ...]:
    return tuple(
        (
            entity_link(kb, getattr(f.model, other)),
            f.when.display() if f.when else None,
            claim_path(kb, f),
        )
        for f in facts
    )


def _connected(kb: KnowledgeBase, entity_id: str) -> tuple[tuple[str, Link], ...]:
    seen: dict[tuple[str, str], None] = {}
    for edge in neighbourhood(kb, entity_id):
        other = edge.target if edge.source == entity_id else edge.source
        relation = edge.relation if edge.source == entity_id else f"{edge.relation} (of it)"
        seen.setdefault((relation, other), None)
    return tuple((rel, entity_link(kb, other)) for rel, other in seen)


def entity_page(kb: KnowledgeBase, entity_id: str) -> EntityPage:
    e = kb.entities[entity_id]
    facts = list(kb.claims_by_entity.get(entity_id, ()))
    member_of = [f for f in facts if f.model.subject == e.id and f.model.predicate == "member_of"]
    members = [f for f in facts if f.model.object == e.id and f.model.predicate == "member_of"]
    views = [claim_view(kb, f) for f in facts]
    return EntityPage(
        id=e.id,
        title=label(e),
        name=e.name,
        type=e.type.value,
        description=e.description,
        aliases=tuple(e.aliases),
        part_of=tuple(entity_link(kb, p) for p in e.part_of),
        roles=_roles(kb, e.id),
        member_of=_membership(kb, member_of, "object"),
        members=_membership(kb, members, "subject"),
        connected=_connected(kb, e.id),
        claims=tuple(v for v in views if v.superseded is None),
        superseded=tuple(v for v in views if v.superseded is not None),
    )


# ---------------------------------------------------------------- article pages


Quotes = dict[str, dict[int, dict[str, tuple[str, list[Fact]]]]]


@dataclass(frozen=True)
class ArticleRefs:
    """Every reference, grouped once for all article pages: article → paragraph → folded
    quote → (the quote as written, the claims citing it); and article → folded parenthetical
    citation → the outlet a reference names for it."""

    quotes: Quotes
    outlets: dict[str, dict[str, str]]


def article_refs(kb: KnowledgeBase) -> ArticleRefs:
    quotes: Quotes = defaultdict(lambda: defaultdict(dict))
    outlets: dict[str, dict[str, str]] = defaultdict(dict)
    for fact in kb.claims.values():
        for c in fact.citations:
            _, facts = quotes[c.article][c.paragraph].setdefault(
                fold_for_quote(c.quote), (c.quote, [])
            )
            if fact not in facts:
                facts.append(fact)
            if c.cites_text and c.cites_outlet:
                outlets[c.article].setdefault(fold_for_quote(c.cites_text), c.cites_outlet)
    return ArticleRefs(quotes, outlets)


def _claim_link(kb: KnowledgeBase, fact: Fact) -> Link:
    return Link(fact.model.text, claim_path(kb, fact))


def _paragraphs(
    kb: KnowledgeBase, art: ArticleInfo, refs: ArticleRefs
) -> tuple[ParagraphView, ...]:
    quotes = refs.quotes.get(art.id, {})
    out = []
    number = 0
    for n, text in enumerate(art.paragraphs, start=1):
        here = sorted(quotes.get(n, {}).values(), key=lambda q: locate(q[0], text) or (0, 0))
        spans = [locate(q, text) for q, _ in here]
        views = []
        for (quote, facts), span in zip(here, spans, strict=True):
            number += 1
            links = tuple(_claim_link(kb, f) for f in sorted(facts, key=lambda f: f.id))
            views.append(QuoteView(number, quote, span is not None, links))
        cut = runs(text, spans)
        numbered = tuple(Run(r.text, r.quotes, tuple(views[k].number for k in r.ends)) for r in cut)
        out.append(ParagraphView(n, f"p{n}", numbered, tuple(views)))
    return tuple(out)


def _cited_sources(
    kb: KnowledgeBase, art: ArticleInfo, refs: ArticleRefs
) -> tuple[tuple[Link, str, Link | None], ...]:
    """The article's own parenthetical citations, with the outlet where a reference names it."""
    outlets = refs.outlets.get(art.id, {})
    out = []
    for n, text in enumerate(art.paragraphs, start=1):
        for cited in find_citations(text):
            outlet = outlets.get(fold_for_quote(cited.text))
            out.append(
                (
                    Link(f"paragraph {n}", paragraph_path(art.id, n)),
                    cited.text,
                    entity_link(kb, outlet) if outlet else None,
                )
            )
    return tuple(out)


def _web_url(url: str | None) -> str | None:
    """Only an http(s) URL becomes a link: never javascript:, data: or a relative path."""
    if url and url.lower().startswith(("https://", "http://")) and " " not in url:
        return url
    return None


def article_page(kb: KnowledgeBase, article_id: str, refs: ArticleRefs) -> ArticlePage:
    art = kb.articles[article_id]
    a = art.model
    return ArticlePage(
        id=a.id,
        title=a.title,
        label=art.label(),
        publication=a.publication,
        author=a.author,
        date=art.date.display(),
        date_note=a.date_note,
        url=_web_url(a.url),
        paragraphs=_paragraphs(kb, art, refs),
        cited_sources=_cited_sources(kb, art, refs),
    )


# ---------------------------------------------------------------- index


def _date_groups(year: int, facts: list[Fact], kb: KnowledgeBase) -> tuple[DateGroup, ...]:
    months: dict[int, list[Fact]] = defaultdict(list)
    other: list[Fact] = []
    for f in facts:
        w = f.when
        assert w is not None
        one_month = (w.start.year, w.start.month) == (w.end.year, w.end.month)
        if w.precision in (Precision.DAY, Precision.MONTH) and one_month:
            months[w.start.month].append(f)
        else:
            other.append(f)
    groups = [
        DateGroup(f"{calendar.month_name[m]} {year}", tuple(claim_view(kb, f) for f in fs))
        for m, fs in sorted(months.items())
    ]
    if other:
        views = tuple(claim_view(kb, f) for f in other)
        groups.append(DateGroup(f"{year}, no month given", views))
    return tuple(groups)


def index_page(kb: KnowledgeBase) -> IndexPage:
    articles = tuple(
        (Link(a.label(), article_path(a.id)), a.date.display())
        for a in sorted(kb.articles.values(), key=lambda a: a.date.sort_key())
    )
    by_type = []
    for t in EntityType:
        ents = sorted((e for e in kb.of_type(t) if not e.restricted), key=lambda e: e.name)
        if ents:
            by_type.append((t.value, tuple(Link(e.name, entity_path(e.id)) for e in ents)))
    visible = [f for f in kb.timeline if claim_path(kb, f)]
    years: dict[int, list[Fact]] = defaultdict(list)
    for f in visible:
        years[f.when.start.year].append(f)  # type: ignore[union-attr]
    return IndexPage(
        articles=articles,
        by_type=tuple(by_type),
        latest=tuple(claim_view(kb, f) for f in reversed(visible[-LATEST:])),
        years=tuple(YearView(y, _date_groups(y, fs, kb)) for y, fs in sorted(years.items())),
        counts=kb.summary(),
    )
