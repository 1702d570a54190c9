"""The shape of a knowledge file: articles, entities and claims (after Wikidata's data model).

These pydantic models are the single source of truth for the YAML schema: the loader
validates with them and `factbot schema` exports their JSON Schema for editors.
Unknown keys are errors, so a typo such as `aliasses:` is never silently ignored.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# Characters that can only hide or disguise text on a terminal or in a chat: C0 controls
# other than tab and newline (ESC starts ANSI and OSC sequences), DEL, C1 controls, and
# the bidirectional overrides and isolates. YAML lets them in through "\e" and "\u" escapes.
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
NAME_MAX = 200  # names and aliases: index building works on every one of them
TEXT_MAX = 5_000  # claim texts, quotes, descriptions and notes


def _visible(text: str) -> str:
    """Refuse text with a control, escape or bidi character: it could rewrite the console."""
    if text.isprintable():  # none of them, nor tab or newline: most text, at C speed
        return text
    found = _HIDDEN.search(text)
    if found:
        raise ValueError(
            f"contains the invisible control character U+{ord(found.group()):04X} at "
            f"character {found.start() + 1}; delete it (terminal escapes and direction "
            "overrides are not allowed in the fact base)"
        )
    return text


Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80),
    Field(
        description="Stable identifier: lowercase letters, digits and hyphens, e.g. sergei-lavrov."
    ),
]
Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=TEXT_MAX, strip_whitespace=True),
    AfterValidator(_visible),
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=NAME_MAX, strip_whitespace=True),
    AfterValidator(_visible),
]
Note = Annotated[str, StringConstraints(max_length=TEXT_MAX), AfterValidator(_visible)]
DateText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=120),
    Field(
        description=(
            "A date as written: 2012-04-06, April 6 2012, April 2012, 2012, late 2008, "
            "November 28-29, 2011, or without a year (April 6), which is resolved from the "
            "article's own date."
        )
    ),
]


class EntityType(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    COUNTRY = "country"
    PLACE = "place"
    EVENT = "event"
    OUTLET = "outlet"
    DOCUMENT = "document"
    PROGRAMME = "programme"


class Rank(StrEnum):
    """Wikidata's ranks: a deprecated claim stays on record but is not asserted."""

    PREFERRED = "preferred"
    NORMAL = "normal"
    DEPRECATED = "deprecated"


# Predicates the query engine gives structure to; any other snake_case verb is allowed too.
STRUCTURAL_PREDICATES: dict[str, str] = {
    "position_held": "position",
    "member_of": "member of",
    "chair_of": "chairs",
    "part_of": "part of",
    "located_in": "located in",
    "works_for": "works for",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Article(_Strict):
    """A source article kept verbatim in seeds/; citations point at its paragraphs."""

    id: Id
    file: Text = Field(description="The article's text file, relative to the seeds folder.")
    title: Text
    publication: Text = Field(description="The publication, e.g. Eurasia Daily Monitor.")
    volume: int | None = None
    issue: int | None = None
    author: Note | None = Field(None, description="Null when the article names no author.")
    date: DateText = Field(description="Publication date with the precision the text supports.")
    date_note: Note | None = Field(None, description="Why the date is what it is, if inferred.")
    url: str | None = None
    header_lines: int = Field(
        3,
        ge=0,
        description=(
            "How many lines at the top are header (title, Publication:, By:). Paragraph 1 is "
            "the first non-empty line after them; each following non-empty line is the next."
        ),
    )


class Entity(_Strict):
    """An item: a person, organisation, country, place, event, outlet ..."""

    id: Id
    type: EntityType
    name: Name = Field(description="The name shown in answers, as the articles write it.")
    description: Annotated[
        str, StringConstraints(min_length=1, max_length=300), AfterValidator(_visible)
    ]
    aliases: list[Name] = Field(
        default_factory=list,
        description=(
            "Other names: acronyms (both ways), native-language names, short forms and "
            "transliteration variants. No two entities may share a name or alias."
        ),
    )
    part_of: list[Id] = Field(
        default_factory=list, description="Ids of entities this one belongs to (a city's country)."
    )
    restricted: bool = Field(
        False, description="Hidden from lookups and autocomplete (kept for the record)."
    )


class Cites(_Strict):
    """The source the article itself cites for a statement, e.g. (Interfax, April 6)."""

    text: Text = Field(description="The parenthetical citation exactly as the article prints it.")
    outlet: Id | None = Field(None, description="The cited outlet's entity id, if it is one.")
    date: DateText | None = None


class Reference(_Strict):
    """Where a claim is stated: article, paragraph and a verbatim quote."""

    article: Id
    paragraph: int = Field(ge=1)
    quote: Text = Field(description="Verbatim text of that paragraph supporting the claim.")
    cites: Cites | None = None


class Claim(_Strict):
    """A statement about an entity, with qualifiers and at least one reference."""

    id: Id
    subject: Id
    predicate: Annotated[
        str,
        StringConstraints(pattern=r"^[a-z][a-z_]*$", max_length=60),
        Field(description="A snake_case verb, e.g. member_of, position_held, proposed, said."),
    ]
    object: Id | None = Field(None, description="The entity the claim points at, if any.")
    value: Note | None = Field(None, description="A text value, e.g. the role title.")
    text: Text = Field(
        description="The statement as answers show it, attributed as the article is."
    )
    date: DateText | None = Field(None, description="Point in time (or as-of date).")
    start: DateText | None = None
    end: DateText | None = None
    end_cause: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = Field(
        None, description="Why it ended, shown beside the end date: suspended, dismissed, left."
    )
    place: Id | None = None
    mentions: list[Id] = Field(
        default_factory=list, description="Other entities the claim concerns."
    )
    rank: Rank = Rank.NORMAL
    note: Note | None = Field(None, description="Why a claim is deprecated, or an editor's note.")
    references: list[Reference] = Field(min_length=1)


class KnowledgeFile(_Strict):
    """One YAML file; any file may hold any of the three sections."""

    articles: list[Article] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
