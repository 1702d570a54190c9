"""Cite, sources, kb and help: where the facts come from, and how to ask."""

from __future__ import annotations

import difflib

from bot.commands.answer import Answer, Line, Suggestion
from bot.commands.building import Builder, name_of
from bot.commands.registry import Registry, usage_error
from bot.commands.textsafety import echo
from bot.knowledge.snapshot import Fact, KnowledgeBase


def _no_such_claim(kb: KnowledgeBase, arg: str, claim_id: str) -> Answer:
    close = difflib.get_close_matches(claim_id, list(kb.claims), n=5, cutoff=0.6)
    if not close:
        return Answer(
            status="not_found",
            kind="nothing",
            title=f"No claim has the id “{echo(arg)}”",
            note="Claim ids look like `lavrov-arrived-astana-2012-04-06`; "
            "`search <words>` finds claims by their text.",
            command=f"cite {arg}",
        )
    return Answer(
        status="not_found",
        kind="choose",
        title=f"Did you mean one of these for “{echo(arg)}”?",
        suggestions=tuple(Suggestion(c, f"cite {c}") for c in close),
        command=f"cite {arg}",
    )


def _references(b: Builder, fact: Fact) -> None:
    """Each reference of a claim: article, paragraph, quote and what the article cites."""
    for c in fact.citations:
        article = b.kb.articles[c.article]
        b.add(article.label(), "Article")
        b.add(f"Paragraph {c.paragraph}, published {article.date.display()}", "Where")
        b.add(f"“{c.quote}”", "Quote")
        if c.cites_text:
            outlet = name_of(b.kb, c.cites_outlet) if c.cites_outlet else c.cites_text
            when_ = f", {c.cites_date.display()}" if c.cites_date else ""
            b.add(
                f"{c.cites_text} ({outlet}{when_})" if c.cites_outlet else c.cites_text,
                "The article cites",
            )


def cite(kb: KnowledgeBase, arg: str) -> Answer:
    """The full reference of one claim: article, paragraph, the whole quote, the outlet cited.

    Claim ids are shown in `--json` output and in Discord's citation list."""
    claim_id = arg.strip().lower()
    fact = kb.claims.get(claim_id)
    if fact is None:
        return _no_such_claim(kb, arg, claim_id)
    b = Builder(kb)
    b.fact(fact, "Claim")
    _references(b, fact)
    return b.answer(
        f"Claim {fact.id}",
        kind="cite",
        command=f"cite {fact.id}",
        subtitle=f"rank: {fact.model.rank.value}",
    )


def sources(kb: KnowledgeBase, arg: str) -> Answer:
    """The articles in the fact base, with how many claims cite each."""
    counts = kb.claim_counts
    b = Builder(kb)
    for art in sorted(kb.articles.values(), key=lambda a: a.date.sort_key()):
        author = art.model.author or "no author named"
        b.add(
            f"{art.label()}: {art.date.display()}, {author}; {len(art.paragraphs)} paragraphs, "
            f"{counts.get(art.id, 0)} claims (id {art.id})",
            "Articles",
        )
    return b.answer("Sources", kind="sources", note=f"{len(kb.articles)} article(s).")


def kb_status(kb: KnowledgeBase, arg: str) -> Answer:
    """The fact base's status: articles, entities, claims, when and by whom it was loaded."""
    s = kb.summary()
    by_type = ", ".join(f"{n} {t}" for t, n in s["entities_by_type"].items())  # type: ignore[union-attr]
    b = Builder(kb)
    b.add(f"{s['articles']} articles, {s['entities']} entities ({by_type})", "Contents")
    b.add(
        f"{s['claims']} claims, {s['references']} references, {s['dated_claims']} dated", "Contents"
    )
    b.add(f"{kb.loaded_at:%Y-%m-%d %H:%M:%S} UTC by {kb.loaded_by}", "Loaded")
    return b.answer("Knowledge base", kind="status", extra={"summary": s})


def help_answer(registry: Registry, arg: str) -> Answer:
    """The list of commands in `registry`, or one command in detail."""
    if arg:
        spec = registry.lookup(arg.split()[0].lstrip("!/"))
        if spec is None:
            return usage_error(f"“{echo(arg, 30)}” is not a command.")
        lines = [Line(t) for t in spec.help.splitlines() if t.strip()]
        if spec.aliases:
            lines.append(Line("Also: " + ", ".join(spec.aliases)))
        return Answer(
            status="ok",
            kind="help",
            title=spec.usage,
            lines=tuple(lines),
            command=f"help {spec.name}",
        )
    return Answer(
        status="ok",
        kind="help",
        title="factbot commands",
        lines=tuple(Line(f"{spec.usage}: {spec.summary}") for spec in registry),
        note="Every answer cites its article, paragraph and quote. `help <command>` says more.",
        command="help",
    )
