"""`factbot draft`: the whole draft of a new article."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.cli.draft.dates import date_value, find_dates
from bot.cli.draft.entities import Scanner, mask
from bot.cli.draft.facts import states_a_fact
from bot.cli.draft.header import (
    Header,
    article_date,
    make_article_id,
    read_header,
    text_year,
    volume_year,
)
from bot.cli.draft.recognise import Names
from bot.cli.draft.sentences import split_sentences
from bot.cli.draft.stubs import TYPES
from bot.cli.draft.vocab import CONNECTORS, DOMAIN, slug
from bot.cli.draft.writer import FIXME, comment_lines, flow_list, one_line, scalar, yaml_field
from bot.knowledge.articles import split_paragraphs
from bot.knowledge.citations import Cited, find_citations
from bot.knowledge.dates import DateValue
from bot.knowledge.model import EntityType
from bot.knowledge.names import fold
from bot.knowledge.snapshot import ArticleInfo, KnowledgeBase

# ---------------------------------------------------------------------------- draft


@dataclass
class ClaimStub:
    paragraph: int
    sentence: int
    quote: str
    cited: list[Cited]
    own_citation: bool
    dates: list[str]
    mentions: list[str]


@dataclass
class _Reading:
    """What one pass over the paragraphs found."""

    stubs: list[ClaimStub]
    cited: list[Cited]
    outlets: dict[Cited, str | None]
    skipped: list[ClaimStub]  # sentences naming entities but stating no fact: no stub


def draft_article(
    article_path: Path,
    kb: KnowledgeBase | None,
    *,
    article_id: str | None = None,
    only_new: bool = True,
) -> str:
    """A YAML draft for a new article: its `articles:` entry, stubs for the names the fact
    base lacks, and a claim stub for each sentence that names an entity, has a date or a
    citation. On an article the fact base already has (`only_new`), only the sentences no
    reference quotes get stubs: the draft is what is left to curate.

    Prints only; the editor saves it (e.g. as knowledge/claims/<article id>.yaml), replaces
    every FIXME and runs `factbot check`.
    """
    path = Path(article_path)
    text = path.read_text(encoding="utf-8")
    header = read_header(text)
    paragraphs = split_paragraphs(text, header.lines)
    names = Names(kb)
    reading = _read(paragraphs, names)
    date, note = article_date(reading.cited)
    context = date_value(date) if date else None
    year = date[:4] if date else volume_year(header, kb) or text_year(paragraphs)
    curated = _curated(kb, path.name, paragraphs) if only_new else None
    ident = article_id or (curated.id if curated else make_article_id(header, year))
    stubs, skipped = reading.stubs, reading.skipped
    if curated is not None and kb is not None:
        stubs = [s for s in stubs if not _quoted(s, kb, curated.id)]
        skipped = [s for s in skipped if not _quoted(s, kb, curated.id)]
        out = _curated_intro(path.name, ident, len(reading.stubs), len(stubs))
    else:
        out = _intro(path.name, ident)
        out += _article_lines(header, path.name, ident, date, note, kb)
    out += ["", *_entity_lines(names)]
    out += ["", *_claim_lines(stubs, ident, names, reading.outlets, context, date is not None)]
    out += _skipped_lines(skipped)
    return "\n".join(out) + "\n"


def _read(paragraphs: list[str], names: Names) -> _Reading:
    """Sentences, their names, dates and own citations, paragraph by paragraph."""
    scanner = Scanner(names)
    reading = _Reading([], [], {}, [])
    for p_no, para in enumerate(paragraphs, start=1):
        cited = find_citations(para)
        reading.cited += cited
        spans = sorted({(c.start, c.end) for c in cited})
        for s_no, (a, b) in enumerate(split_sentences(para), start=1):
            sentence = para[a:b]
            # A citation belongs to the sentence it closes, never to another one.
            inside = [c for c in cited if a <= c.start < b]
            local = [(s - a, e - a) for s, e in spans if a <= s < b]
            mentions = scanner.sentence(sentence, p_no, local)
            plain = mask(sentence, local)
            dates = find_dates(plain)
            stub = ClaimStub(p_no, s_no, sentence, inside, True, dates, mentions)
            if inside or states_a_fact(plain, mentions, names, dated=bool(dates)):
                reading.stubs.append(stub)
            elif mentions:
                reading.skipped.append(stub)
        for c in cited:  # outlets are names too
            reading.outlets[c] = _outlet(names, c, p_no)
    return reading


def _intro(file: str, ident: str) -> list[str]:
    return [
        f"# Draft for {file} by `factbot draft`: none of it is in the fact base yet.",
        "# To finish it (docs/adding-facts.md):",
        f"#   1. Copy the article into seeds/ as {file} (byte for byte).",
        "#   2. Replace every FIXME value; confirm or fix every guess marked # FIXME.",
        "#   3. Delete entity stubs that are not real names, and claim stubs you cannot fill,",
        "#      then remove deleted ids from subject/mentions (factbot check names any left).",
        f"#   4. Save as knowledge/claims/{ident}.yaml and run `factbot check`.",
        "",
        "articles:",
    ]


def _curated_intro(file: str, ident: str, sentences: int, open_: int) -> list[str]:
    done = sentences - open_
    rest = (
        f"Below: only the {open_} not yet quoted, and the names the fact base lacks."
        if open_
        else "Nothing is left to curate but the new names below, if any."
    )
    return [
        f"# Draft for {file} by `factbot draft`: the fact base already has this article",
        f"# as {ident}. Already curated: {done} of {sentences} sentences with names, dates",
        "# or citations are quoted by a reference.",
        *comment_lines(
            f"{rest} Fill in what is worth a claim, delete the rest, save as "
            f"knowledge/claims/{ident}-more.yaml and run `factbot check`."
        ),
    ]


def _curated(kb: KnowledgeBase | None, file: str, paragraphs: list[str]) -> ArticleInfo | None:
    """The fact base's article with this file name or this very text, if any."""
    if kb is None:
        return None
    same = [a for a in kb.articles.values() if a.model.file == file]
    same += [a for a in kb.articles.values() if list(a.paragraphs) == paragraphs]
    return same[0] if same else None


def _quoted(stub: ClaimStub, kb: KnowledgeBase, article: str) -> bool:
    """Whether a reference of the article quotes (part of) the stub's sentence."""
    sentence = fold(stub.quote)
    for claim in kb.claims.values():
        for ref in claim.model.references:
            if ref.article == article and ref.paragraph == stub.paragraph:
                quote = fold(ref.quote)
                if quote in sentence or sentence in quote:
                    return True
    return False


def _article_lines(
    header: Header,
    file: str,
    ident: str,
    date: str | None,
    note: str,
    kb: KnowledgeBase | None,
) -> list[str]:
    comment = "id: lowercase words and digits joined by hyphens; never change it once used"
    if kb is not None and ident in kb.articles:
        same = kb.articles[ident].model.file == file
        comment = (
            f"known: {ident} is already in the fact base"
            if same
            else f"FIXME: the fact base already has an article {ident}; choose another id"
        )
    i = "    "
    lines = yaml_field("  - ", "id", ident, comment)
    lines += yaml_field(i, "file", file, "the article's file name in seeds/")
    lines += yaml_field(i, "title", header.title or FIXME)
    lines += yaml_field(
        i,
        "publication",
        header.publication or FIXME,
        "" if header.publication else "FIXME: no 'Publication:' line",
    )
    lines += yaml_field(i, "volume", header.volume)
    lines += yaml_field(i, "issue", header.issue)
    lines += yaml_field(
        i, "author", header.author, "" if header.author else "the By: line is empty"
    )
    if date:
        lines += yaml_field(i, "date", date, "FIXME: inferred from the citations (see date_note)")
        lines += yaml_field(i, "date_note", note)
    else:
        lines += yaml_field(
            i, "date", FIXME, f"the text has no date and {note}; write what you know (e.g. 2012-04)"
        )
    lines += yaml_field(
        i,
        "header_lines",
        header.lines,
        "title, Publication: and By: lines"
        if header.lines == 3
        else "FIXME: how many lines at the top are header",
    )
    return lines


def _outlet(names: Names, cited: Cited, paragraph: int) -> str | None:
    """The cited source's entity id if it is an outlet (known or proposed), else None."""
    known = names.lookup(cited.source)
    if known in names.new:  # named in the text before it was cited
        names.new[known].type, names.new[known].why = EntityType.OUTLET, "cited as a source"
        return known
    if known is not None:
        kb = names.kb
        return known if kb and kb.entities[known].type is EntityType.OUTLET else None
    words = cited.source.split()
    outlet_like = DOMAIN.fullmatch(cited.source) or (
        len(words) <= 4 and all(w[:1].isupper() or w in CONNECTORS for w in words)
    )
    if not outlet_like:
        return None
    return names.propose(cited.source, [], paragraph, (EntityType.OUTLET, "cited as a source"))


def _entity_lines(names: Names) -> list[str]:
    """What was matched (as comments), then one stub per new name, in order of appearance."""
    lines = []
    if names.known:
        lines.append("# Names already in the fact base (nothing to add):")
        for ident, seen in names.known.items():
            found = ", ".join(f'"{s}"' for s in seen)
            lines.append(f"#   known: {ident} ← {one_line(found)}")
    if not names.new:
        return [*lines, "entities: []"]
    lines += [
        "# New names: one stub each. Delete those that are not entities of their own.",
        f"# type is one of: {TYPES}.",
        "entities:",
    ]
    kb = names.kb
    for e in names.new.values():
        seen = ", ".join(f'"{s}"' for s in e.seen_as)
        lines.append(f"  # new: {one_line(seen)} (paragraph {e.paragraph})")
        if e.close and kb is not None:
            close = ", ".join(f"{c} ({kb.entities[c].name})" for c in e.close[:3])
            lines += comment_lines(
                f"FIXME: close to {close}; if it is one of them, delete this stub, use that "
                "id instead and add the name to its aliases",
                "  ",
            )
        lines += yaml_field("  - ", "id", e.id, "" if slug(e.name) else "FIXME: write an id")
        lines += yaml_field("    ", "type", e.type.value, f"FIXME: a guess ({e.why})")
        lines += yaml_field("    ", "name", e.name)
        lines += yaml_field(
            "    ", "description", FIXME, 'a short label, dated "as of" the article'
        )
        if e.aliases:
            aliases = "[" + ", ".join(scalar(a, flow=True) for a in e.aliases) + "]"
            lines.append(f"    aliases: {aliases}  # FIXME: check; add other spellings")
    return lines


def _claim_lines(
    stubs: list[ClaimStub],
    article: str,
    names: Names,
    outlets: dict[Cited, str | None],
    context: DateValue | None,
    article_dated: bool,
) -> list[str]:
    """One claim stub per sentence, with its reference filled in and the open choices marked."""
    if not stubs:
        return ["claims: []"]
    lines = [
        "# One stub per sentence that states a fact: it names an entity and has a date, a",
        "# number, a citation, a person, a second name or a verb of saying or doing. Fill",
        "# subject, predicate and text; delete a stub that states nothing worth a claim.",
        "claims:",
    ]
    for s in stubs:
        known = [m for m in s.mentions if m not in names.new]
        new = [m for m in s.mentions if m in names.new]
        what = f"# paragraph {s.paragraph}, sentence {s.sentence}."
        if known:
            what += f" known: {', '.join(known)}."
        if new:
            what += f" new: {', '.join(new)}."
        lines.append("  " + what)
        lines += yaml_field(
            "  - ", "id", f"{article}-p{s.paragraph}-s{s.sentence}", "rename if you like"
        )
        subject_hint = (
            f"who or what the claim is about, e.g. one of {', '.join(s.mentions)}"
            if s.mentions
            else "no names found in the sentence: an entity id, or delete this claim"
        )
        lines += yaml_field("    ", "subject", FIXME, subject_hint)
        lines += yaml_field(
            "    ",
            "predicate",
            FIXME,
            "a snake_case verb: said, proposed, member_of ... (factbot new claim lists them)",
        )
        lines += yaml_field("    ", "text", FIXME, "the statement as answers show it, attributed")
        if s.dates:
            lines += yaml_field(
                "    ", "date", s.dates[0], _date_comment(s.dates, context, article_dated)
            )
        if s.mentions:
            keep = "FIXME: keep only those the claim concerns"
            lines.append(f"    mentions: {flow_list(s.mentions)}  # {keep}")
        lines.append("    references:")
        refs = s.cited or [None]
        if len(s.cited) > 1:
            lines.append("      # several sources cited: keep the references that support it")
        for c in refs:
            lines += yaml_field("      - ", "article", article)
            lines += yaml_field("        ", "paragraph", s.paragraph)
            lines += yaml_field("        ", "quote", s.quote, "the sentence, verbatim")
            if c is not None:
                lines += _cites_line(c, outlets[c], names, s.own_citation)
    return lines


def _skipped_lines(skipped: list[ClaimStub]) -> list[str]:
    """The sentences that name entities but got no stub, so the editor can still pick one."""
    if not skipped:
        return []
    where = ", ".join(f"paragraph {s.paragraph} sentence {s.sentence}" for s in skipped)
    return comment_lines(
        "No stub for these sentences: they name entities but read as analysis (no date,"
        " number, citation, person, second name or verb of saying or doing); copy a stub"
        f" above if one states a fact after all: {where}."
    )


def _date_comment(dates: list[str], context: DateValue | None, article_dated: bool) -> str:
    first = date_value(dates[0])
    comment = "FIXME: as written; the first date in the sentence"
    if first is not None and first.year_inferred:
        if context is not None and (value := date_value(dates[0], context)) is not None:
            comment += f" (= {value.display()} by the article's date)"
        elif not article_dated:
            comment += " (its year comes from the article's date: FIXME above)"
    if len(dates) > 1:
        comment += "; also: " + ", ".join(dates[1:])
    return comment


def _cites_line(c: Cited, outlet: str | None, names: Names, own: bool) -> list[str]:
    """`cites:` as one flow mapping, as in the curated files, and what was matched."""
    parts = [f"text: {json.dumps(c.text, ensure_ascii=False)}"]
    if outlet is not None:
        parts.append(f"outlet: {outlet}")
        note = f"{'known' if outlet not in names.new else 'new'}: {outlet}"
    else:
        note = "not an outlet" if names.lookup(c.source) is None else "known, but not an outlet"
    parts.append(f"date: {scalar(c.date, flow=True)}")
    if not own:
        note += "; FIXME: the citation closing this passage, check it supports the sentence"
    return [f"        cites: {{{', '.join(parts)}}}  # {note}"]
