"""When, on and timeline: the fact base by date, precision respected."""

from __future__ import annotations

from bot.commands.answer import Answer
from bot.commands.building import Builder, by_date, label, resolve
from bot.commands.lazylines import LazyBuilder
from bot.commands.registry import usage_error
from bot.commands.search import search_facts
from bot.commands.textsafety import echo
from bot.knowledge.date_parsing import parse_date
from bot.knowledge.dates import DateError, DateValue
from bot.knowledge.model import Rank
from bot.knowledge.snapshot import KnowledgeBase

_PERIOD_WORD = {"day": "On", "month": "In", "part": "In", "year": "In", "decade": "In"}


def newest_article_date(kb: KnowledgeBase) -> DateValue | None:
    return kb.newest_article_date


def parse_query_date(kb: KnowledgeBase, arg: str) -> tuple[DateValue, str | None]:
    """A date or period from a query; a year-less date takes the newest article's year."""
    context = newest_article_date(kb)
    value = parse_date(arg, context=context)
    note = None
    if value.year_inferred:
        note = f"No year given: read as {value.display()} (the year of the newest article)."
    return value, note


def _dated_mentions(kb: KnowledgeBase, arg: str) -> Answer | None:
    """For a `when` that names no entity: the dated claims that mention the words."""
    hits = [f for f in search_facts(kb, arg) if f.when]
    if not hits:
        return None
    b = Builder(kb)
    b.facts(sorted(hits, key=by_date))
    return b.answer(
        f"Dates for “{echo(arg)}”",
        kind="dates",
        note="No entity has that name; these dated claims mention those words.",
    )


def when(kb: KnowledgeBase, arg: str) -> Answer:
    """The dates connected to an entity or event, in order, each cited.

    Example: `when csto summit`, `when ksor program`, `when nato withdrawal`"""
    found = resolve(kb, arg, "when")
    if isinstance(found, Answer):
        if found.kind == "nothing":
            return _dated_mentions(kb, arg) or found
        return found
    b = Builder(kb)
    entity = found.entity
    dated = [f for f in kb.claims_by_entity.get(entity.id, ()) if f.when]
    b.facts(dated)
    if not dated:
        b.add(f"No dates are recorded for {entity.name} yet.")
    return found.explained(b.about(f"When: {label(entity)}", entity, "dates", "when"))


def on(kb: KnowledgeBase, arg: str) -> Answer:
    """What happened on a day, in a month or year, or in a range. Precision is respected.

    Examples: `on 2012-04-06`, `on April 6 2012`, `on April 2012`, `on 2008`, `on 2011..2012`"""
    try:
        period, note = parse_query_date(kb, arg)
    except DateError as exc:
        return usage_error(str(exc), title="That date doesn't work")
    # Counted by the date index; only the claims a reader reaches are looked up and written.
    inside, around = kb.dated_in(period), kb.dated_around(period)
    b = LazyBuilder(kb)
    b.facts(inside)
    b.facts(around, f"Less precise dates that include {period.display()}")
    word = "From" if period.is_range else _PERIOD_WORD.get(period.precision.value, "On")
    title = f"{word} {period.display()}"
    if not b.planned:
        return Answer(
            status="not_found",
            kind="dates",
            title=title,
            note=(note + " " if note else "") + "Nothing in the fact base is dated then.",
            command=f"on {arg}",
        )
    return b.answer(
        title, kind="dates", note=note, command=f"on {arg}", extra={"period": period.to_json()}
    )


def timeline(kb: KnowledgeBase, arg: str) -> Answer:
    """Claims in date order, for one entity or for everything.

    Example: `timeline csto` or just `timeline`"""
    if arg:
        found = resolve(kb, arg, "timeline")
        if isinstance(found, Answer):
            return found
        facts = [
            f
            for f in kb.claims_by_entity.get(found.entity.id, ())
            if f.when and f.model.rank != Rank.DEPRECATED
        ]
        title, ent = f"Timeline: {label(found.entity)}", found.entity
    else:
        facts, title, ent = kb.timeline, "Timeline", None  # read as far as shown
    b = Builder(kb)
    b.facts(facts)
    if not facts:
        b.add("No dated claims yet.")
    return b.answer(
        title,
        kind="timeline",
        entity_id=ent.id if ent else None,
        entity_type=ent.type.value if ent else None,
        command=f"timeline {ent.id}" if ent else "timeline",
    )
