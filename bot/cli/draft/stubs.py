"""`factbot new KIND`: one correctly shaped item to paste."""

from __future__ import annotations

from bot.cli.draft.vocab import slug
from bot.cli.draft.writer import FIXME, comment_lines, one_line, yaml_field
from bot.knowledge.model import STRUCTURAL_PREDICATES, EntityType
from bot.knowledge.snapshot import KnowledgeBase

KINDS: dict[str, EntityType | None] = {
    "person": EntityType.PERSON,
    "org": EntityType.ORGANISATION,
    "organisation": EntityType.ORGANISATION,
    "organization": EntityType.ORGANISATION,
    "country": EntityType.COUNTRY,
    "place": EntityType.PLACE,
    "event": EntityType.EVENT,
    "outlet": EntityType.OUTLET,
    "document": EntityType.DOCUMENT,
    "programme": EntityType.PROGRAMME,
    "claim": None,
}
"""What `factbot new KIND` accepts; None is a claim."""

TYPE_FILE = {
    EntityType.PERSON: "people.yaml",
    EntityType.ORGANISATION: "organisations.yaml",
    EntityType.COUNTRY: "places.yaml",
    EntityType.PLACE: "places.yaml",
    EntityType.EVENT: "events.yaml",
    EntityType.DOCUMENT: "events.yaml",
    EntityType.PROGRAMME: "events.yaml",
    EntityType.OUTLET: "sources.yaml",
}
TYPES = ", ".join(t.value for t in EntityType)
PARENT_TYPES = {  # what a new entity's part_of usually points at
    EntityType.PLACE: (EntityType.COUNTRY, EntityType.PLACE),
    EntityType.ORGANISATION: (EntityType.ORGANISATION, EntityType.COUNTRY),
    EntityType.EVENT: (EntityType.EVENT,),
}


# ----------------------------------------------------------------------------- stubs


def stub(kind: str, kb: KnowledgeBase | None, name: str | None = None) -> str:
    """A correctly shaped YAML item to paste, for `factbot new person|org|place|event|claim`,
    with the ids of related entities in comments so the editor reuses rather than duplicates.
    """
    key = kind.strip().lower()
    if key not in KINDS:
        raise ValueError(f"unknown kind '{kind}'; use one of: {', '.join(KINDS)}")
    entity_type = KINDS[key]
    if entity_type is None:
        return _claim_stub(kb, name)
    return _entity_stub(entity_type, kb, name)


def _related(kb: KnowledgeBase | None, name: str | None) -> tuple[str | None, list[str]]:
    """(id the fact base answers for `name`, comment lines on its candidates)."""
    if kb is None or not name:
        return None, []
    result = kb.matcher.match(name)
    known = result.best.key if result.decision == "answer" and result.best else None
    ids = list(dict.fromkeys(c.key for c in result.candidates))
    lines = [f"#   {i}: {kb.entities[i].name} ({kb.entities[i].type.value})" for i in ids]
    return known, lines


def _entity_stub(entity_type: EntityType, kb: KnowledgeBase | None, name: str | None) -> str:
    what = entity_type.value
    target = TYPE_FILE[entity_type]
    out = [
        f"# A new {what}. Replace every FIXME, paste the item (from '- id:') under entities: in",
        f"# knowledge/{target} and run `factbot check`.",
    ]
    known, related = _related(kb, name)
    if known is not None and kb is not None:
        out += [
            f"# FIXME: '{name}' is already in the fact base as {known}; add a claim or an alias",
            "# there instead of a second entity (no two entities may share a name).",
        ]
    if related:
        out += ["# Similar names already in the fact base (reuse one if it is the same):", *related]
    elif kb is not None:
        same = sorted(e.id for e in kb.of_type(entity_type))[:20]
        if same:
            out += comment_lines(f"Existing {what} ids, for style: {', '.join(same)}")
    parents = PARENT_TYPES.get(entity_type)
    if kb is not None and parents:
        ids = sorted(e.id for e in kb.of_type(*parents))[:20]
        out += comment_lines(f"part_of candidates: {', '.join(ids)}")
    ident = slug(name) if name else ""
    out.append("entities:")
    out += yaml_field(
        "  - ", "id", ident or FIXME, "lowercase words joined by hyphens; never change it once used"
    )
    out += yaml_field("    ", "type", what, f"one of {TYPES}")
    out += yaml_field("    ", "name", name or FIXME, "as the articles write it")
    out += yaml_field("    ", "description", FIXME, 'a short label, dated "as of" the article')
    hint = {
        EntityType.PERSON: "the surname, transliterations, the native spelling",
        EntityType.ORGANISATION: "the acronym or full name (both ways), native names",
    }.get(entity_type, "other spellings, native names, short forms")
    out.append(f"    aliases: []  # {hint}")
    if entity_type is not EntityType.PERSON:
        out.append("    part_of: []  # ids of entities it belongs to (a city's country)")
    return "\n".join(out) + "\n"


def _claim_stub(kb: KnowledgeBase | None, name: str | None) -> str:
    out = [
        "# A new claim. Replace every FIXME, paste the item (from '- id:') under claims: in",
        "# knowledge/claims/<article id>.yaml and run `factbot check`.",
    ]
    if kb is not None:
        out.append("# Articles (references.article):")
        out += [
            f"#   {a.id}: {one_line(a.model.title)} ({len(a.paragraphs)} paragraphs)"
            for a in kb.articles.values()
        ]
        used = sorted({f.model.predicate for f in kb.claims.values()})
        structural = ", ".join(STRUCTURAL_PREDICATES)
        out += comment_lines(f"Predicates with structure in answers: {structural}")
        out += comment_lines("Predicates already used: " + ", ".join(used))
    known, related = _related(kb, name)
    if related:
        out += [f"# Entities named '{one_line(name or '')}':", *related]
    out.append("claims:")
    out += yaml_field(
        "  - ", "id", FIXME, "subject-verb-object-date, e.g. lavrov-arrived-astana-2012-04-06"
    )
    out += yaml_field("    ", "subject", known or FIXME, "the entity id the claim is about")
    out += yaml_field("    ", "predicate", FIXME, "a snake_case verb, see the list above")
    out += [
        "    # object: an-entity-id  # optional: the entity the claim points at",
        "    # value: Foreign Minister  # optional: a text value, e.g. a role title",
    ]
    out += yaml_field("    ", "text", FIXME, "the statement as answers show it, attributed")
    out += yaml_field(
        "    ", "date", FIXME, "as the article writes it (April 6 takes the article's year)"
    )
    out += [
        "    mentions: []  # other entity ids the claim concerns",
        "    references:",
    ]
    out += yaml_field("      - ", "article", FIXME, "an article id from the list above")
    out += yaml_field("        ", "paragraph", FIXME, "1 = the first paragraph after the header")
    out += yaml_field("        ", "quote", FIXME, "words copied exactly from that paragraph")
    out.append(
        '        # cites: {text: "Interfax, April 6", outlet: interfax, date: April 6}'
        "  # the article's own citation, if any"
    )
    return "\n".join(out) + "\n"
