"""Where each page and anchor of the static site lives, and the answer URLs built from them.

Every path is made from ids alone, and an id that is not made of safe characters (lowercase
letters, digits, hyphens: what the schema allows) is replaced by a hash of it, so nothing an
editor writes can put a path outside the site, a query string or markup into a link.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

from bot.commands.answer import Answer, CitationRef
from bot.knowledge.snapshot import Fact, KnowledgeBase

_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def safe_id(ident: str) -> str:
    """The id itself when it is made of safe characters, else a stable hash of it."""
    if _SAFE_ID.match(ident):
        return ident
    return "x-" + hashlib.sha256(ident.encode("utf-8", "replace")).hexdigest()[:20]


def entity_path(entity_id: str) -> str:
    return f"entity/{safe_id(entity_id)}.html"


def article_path(article_id: str) -> str:
    return f"article/{safe_id(article_id)}.html"


def claim_anchor(claim_id: str) -> str:
    return f"c-{safe_id(claim_id)}"


def paragraph_anchor(number: int) -> str:
    return f"p{int(number)}"


def paragraph_path(article_id: str, number: int) -> str:
    return f"{article_path(article_id)}#{paragraph_anchor(number)}"


def claim_home(kb: KnowledgeBase, fact: Fact) -> str | None:
    """The one page a claim belongs to: its subject's, else the first visible entity it
    concerns (restricted entities have no page); None if it concerns no visible entity."""
    for ident in fact.entity_ids():
        if kb.visible(ident):
            return ident
    return None


def claim_path(kb: KnowledgeBase, fact: Fact) -> str | None:
    home = claim_home(kb, fact)
    return f"{entity_path(home)}#{claim_anchor(fact.id)}" if home else None


def normalise_base(url: str) -> str:
    """A base URL that relative page paths can be appended to."""
    return url if url.endswith("/") else url + "/"


def with_urls(answer: Answer, kb: KnowledgeBase, base_url: str | None) -> Answer:
    """The answer with links to the site's pages: the entity's page, and for each citation
    the claim's anchor and the cited paragraph. Without a base URL it is returned as is."""
    if not base_url:
        return answer
    base = normalise_base(base_url)
    entity_url = None
    if answer.entity_id and kb.visible(answer.entity_id):
        entity_url = base + entity_path(answer.entity_id)
    return replace(
        answer,
        url=entity_url,
        citations=tuple(_cite_urls(c, kb, base) for c in answer.citations),
    )


def _cite_urls(cite: CitationRef, kb: KnowledgeBase, base: str) -> CitationRef:
    fact = kb.claims.get(cite.claim_id)
    path = claim_path(kb, fact) if fact is not None else None
    paragraph = None
    if cite.article_id in kb.articles:
        paragraph = base + paragraph_path(cite.article_id, cite.paragraph)
    return replace(cite, url=base + path if path else None, paragraph_url=paragraph)
