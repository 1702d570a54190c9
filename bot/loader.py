"""Load knowledge/*.yaml and seeds/*.txt into a validated KnowledgeBase, or say what is wrong.

Every problem is collected (all files, all items) and located by file, line and column, so
an editor fixes everything in one pass. A load that finds any problem returns no snapshot:
the caller keeps serving the last good one.
"""

from __future__ import annotations

import difflib
import hashlib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bot.articles import find_paragraph, quote_in, split_paragraphs
from bot.dates import DateError, DateValue, parse_date
from bot.knowledge import ArticleInfo, Citation, Fact, KnowledgeBase, Origin
from bot.matching import MatchSettings
from bot.model import Article, Claim, Entity, EntityType, KnowledgeFile
from bot.normalize import fold
from bot.schema_errors import validation_problems
from bot.yamlsource import Path, Problem, SourceDoc, read_yaml

_FILE = TypeAdapter(KnowledgeFile)
_ITEM: dict[str, TypeAdapter[Any]] = {
    "articles": TypeAdapter(Article),
    "entities": TypeAdapter(Entity),
    "claims": TypeAdapter(Claim),
}


@dataclass(frozen=True)
class Item:
    """A validated item and where it sits in its file."""

    model: Any
    doc: SourceDoc
    path: Path

    def problem(self, message: str, *sub: str | int) -> Problem:
        return self.doc.problem((*self.path, *sub), message)

    @property
    def origin(self) -> Origin:
        return Origin(self.doc.file, self.doc.where(self.path)[0])


@dataclass
class ParsedFile:
    """One file's parse and schema validation, cached by content hash."""

    doc: SourceDoc
    items: dict[str, list[Item]]
    problems: list[Problem]


@dataclass
class LoadCache:
    """Parsed files by content hash, so a one-file edit re-parses one file."""

    files: dict[str, ParsedFile] = field(default_factory=dict)

    def get(self, digest: str) -> ParsedFile | None:
        return self.files.get(digest)

    def keep(self, live: dict[str, ParsedFile]) -> None:
        self.files = live


@dataclass(frozen=True)
class LoadResult:
    kb: KnowledgeBase | None
    problems: tuple[Problem, ...]
    files: tuple[str, ...]
    parsed_files: int = 0

    @property
    def ok(self) -> bool:
        return self.kb is not None and not self.problems


def _parse_file(name: str, raw: bytes) -> ParsedFile:
    doc = read_yaml(name, raw)
    problems = list(doc.problems)
    items: dict[str, list[Item]] = {k: [] for k in _ITEM}
    if problems:
        return ParsedFile(doc, items, problems)
    data = doc.data
    if not isinstance(data, dict):
        problems.append(
            doc.problem(
                (),
                "a knowledge file must be a mapping with the sections "
                "articles:, entities: and/or claims:.",
            )
        )
        return ParsedFile(doc, items, problems)
    try:
        parsed = _FILE.validate_python(data)
    except ValidationError as exc:
        return _parse_items(doc, exc)
    for section in _ITEM:
        for i, model in enumerate(getattr(parsed, section)):
            items[section].append(Item(model, doc, (section, i)))
    return ParsedFile(doc, items, problems)


def _parse_items(doc: SourceDoc, file_error: ValidationError) -> ParsedFile:
    """Slow path for a file with errors: report them all, and keep the good items so the
    cross-file checks still run on them (an editor sees every problem in one pass)."""
    items: dict[str, list[Item]] = {k: [] for k in _ITEM}
    for section, adapter in _ITEM.items():
        raw_items = doc.data.get(section)
        if not isinstance(raw_items, list):
            continue
        for i, raw in enumerate(raw_items):
            try:
                items[section].append(Item(adapter.validate_python(raw), doc, (section, i)))
            except ValidationError:
                continue  # already reported, with its location, by the file-level error
    return ParsedFile(doc, items, validation_problems(doc, file_error))


def knowledge_files(knowledge_dir: FsPath) -> list[FsPath]:
    return sorted(p for p in knowledge_dir.rglob("*.y*ml") if p.is_file())


def _display_name(path: FsPath, root: FsPath) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def load_knowledge(
    knowledge_dir: FsPath,
    seeds_dir: FsPath,
    *,
    cache: LoadCache | None = None,
    loaded_by: str = "startup",
    match_settings: MatchSettings | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> LoadResult:
    """Parse, validate and index the whole fact base. Never raises for bad content."""
    knowledge_dir = FsPath(knowledge_dir)
    seeds_dir = FsPath(seeds_dir)
    if not knowledge_dir.is_dir():
        p = Problem(str(knowledge_dir), None, None, "the knowledge folder does not exist.")
        return LoadResult(None, (p,), ())
    paths = knowledge_files(knowledge_dir)
    parsed: list[ParsedFile] = []
    live: dict[str, ParsedFile] = {}
    hashes: dict[str, str] = {}
    fresh = 0
    for n, path in enumerate(paths, start=1):
        name = _display_name(path, knowledge_dir)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            parsed.append(
                ParsedFile(
                    SourceDoc(name, None),
                    {k: [] for k in _ITEM},
                    [Problem(name, None, None, f"cannot read the file: {exc}")],
                )
            )
            continue
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest() + ":" + name
        pf = cache.get(digest) if cache else None
        if pf is None:
            pf = _parse_file(name, raw)
            fresh += 1
        live[digest] = pf
        hashes[name] = digest
        parsed.append(pf)
        if progress:
            progress("parse", n, len(paths))
    if cache is not None:
        cache.keep(live)
    checker = _CrossChecker(seeds_dir, parsed)
    problems = checker.run()
    if not paths:
        problems.insert(
            0,
            Problem(
                str(knowledge_dir), None, None, "no knowledge files (*.yaml) found in this folder."
            ),
        )
    names = tuple(_display_name(p, knowledge_dir) for p in paths)
    if problems:
        return LoadResult(None, tuple(problems), names, fresh)
    kb = KnowledgeBase.build(
        checker.articles.values(),
        [(item.model, item.origin) for item in checker.entities.values()],
        checker.facts,
        loaded_by=loaded_by,
        file_hashes=hashes,
        match_settings=match_settings,
    )
    return LoadResult(kb, (), names, fresh)


class _CrossChecker:
    """The checks that need the whole fact base: ids, names, references, quotes, dates."""

    def __init__(self, seeds_dir: FsPath, parsed: list[ParsedFile]) -> None:
        self.seeds_dir = seeds_dir
        self.parsed = parsed
        self.problems: list[Problem] = []
        self.articles: dict[str, ArticleInfo] = {}
        self.entities: dict[str, Item] = {}
        self.facts: list[Fact] = []

    def run(self) -> list[Problem]:
        for pf in self.parsed:
            self.problems += pf.problems
        by_section: dict[str, list[Item]] = {k: [] for k in _ITEM}
        for pf in self.parsed:
            for section, items in pf.items.items():
                by_section[section] += items
        self._articles(by_section["articles"])
        self._entities(by_section["entities"])
        self._claims(by_section["claims"])
        return self.problems

    def _unique(self, items: Iterable[Item], kind: str) -> dict[str, Item]:
        seen: dict[str, Item] = {}
        for item in items:
            ident = item.model.id
            if ident in seen:
                first = seen[ident]
                self.problems.append(
                    item.problem(
                        f"the {kind} id '{ident}' is already used by the {kind} defined at "
                        f"{first.doc.file}:{first.origin.line}; ids must be unique.",
                        "id",
                    )
                )
                continue
            seen[ident] = item
        return seen

    def _articles(self, items: list[Item]) -> None:
        for ident, item in self._unique(items, "article").items():
            article: Article = item.model
            try:
                date = parse_date(article.date)
            except DateError as exc:
                self.problems.append(item.problem(str(exc), "date"))
                continue
            path = self.seeds_dir / article.file
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = "it does not exist" if isinstance(exc, FileNotFoundError) else str(exc)
                self.problems.append(
                    item.problem(
                        f"the article text '{article.file}' cannot be read from "
                        f"{self.seeds_dir}/: {reason}.",
                        "file",
                    )
                )
                continue
            paragraphs = split_paragraphs(text, article.header_lines)
            self.articles[ident] = ArticleInfo(article, date, paragraphs, item.origin)

    def _entities(self, items: list[Item]) -> None:
        self.entities = self._unique(items, "entity")
        owners: dict[str, tuple[Item, str]] = {}
        for item in self.entities.values():
            entity: Entity = item.model
            labels = [("name", entity.name, ("name",))]
            labels += [("alias", a, ("aliases", i)) for i, a in enumerate(entity.aliases)]
            mine: set[str] = set()
            for kind, label, sub in labels:
                key = " ".join(unicodedata.normalize("NFKC", label).casefold().split())
                if not fold(label):
                    self.problems.append(
                        item.problem(
                            f"the {kind} '{label}' has no letters or digits to look it up by.", *sub
                        )
                    )
                    continue
                if key in mine:
                    self.problems.append(
                        item.problem(
                            f"the {kind} '{label}' repeats another name of '{entity.id}'; "
                            "list each name once.",
                            *sub,
                        )
                    )
                    continue
                mine.add(key)
                other = owners.get(key)
                if other is not None:
                    o_item, o_label = other
                    self.problems.append(
                        item.problem(
                            f"the {kind} '{label}' of '{entity.id}' is also a name of "
                            f"'{o_item.model.id}' ('{o_label}', {o_item.doc.file}:"
                            f"{o_item.origin.line}); a name or alias may belong to one "
                            "entity only.",
                            *sub,
                        )
                    )
                    continue
                owners[key] = (item, label)
            for i, parent in enumerate(entity.part_of):
                self._check_entity_ref(item, parent, ("part_of", i))

    def _check_entity_ref(
        self, item: Item, ident: str | None, sub: Path, types: set[EntityType] | None = None
    ) -> None:
        if ident is None:
            return
        target = self.entities.get(ident)
        if target is None:
            hint = _closest(ident, self.entities)
            self.problems.append(
                item.problem(f"'{ident}' is not the id of any entity.{hint}", *sub)
            )
        elif types and target.model.type not in types:
            names = " or ".join(sorted(t.value for t in types))
            self.problems.append(
                item.problem(
                    f"'{ident}' is a {target.model.type.value}, but {sub[-1]} must be {names}.",
                    *sub,
                )
            )

    def _date(
        self, item: Item, text: str | None, context: DateValue | None, sub: Path
    ) -> DateValue | None:
        if text is None:
            return None
        try:
            return parse_date(text, context=context)
        except DateError as exc:
            self.problems.append(item.problem(str(exc), *sub))
            return None

    def _claims(self, items: list[Item]) -> None:
        for item in self._unique(items, "claim").values():
            claim: Claim = item.model
            self._check_entity_ref(item, claim.subject, ("subject",))
            self._check_entity_ref(item, claim.object, ("object",))
            self._check_entity_ref(item, claim.place, ("place",))
            for i, m in enumerate(claim.mentions):
                self._check_entity_ref(item, m, ("mentions", i))
            citations = []
            context: DateValue | None = None
            for i, ref in enumerate(claim.references):
                cit = self._reference(item, ref, ("references", i))
                if cit is not None:
                    citations.append(cit)
                    if context is None:
                        context = self.articles[ref.article].date
            dates = [
                self._date(item, getattr(claim, k), context, (k,)) for k in ("date", "start", "end")
            ]
            if dates[1] and dates[2] and dates[2].end < dates[1].start:
                self.problems.append(
                    item.problem(
                        f"'end' ({dates[2].display()}) is before 'start' ({dates[1].display()}).",
                        "end",
                    )
                )
            if len(citations) == len(claim.references):
                self.facts.append(Fact(claim, *dates, tuple(citations), item.origin))

    def _reference(self, item: Item, ref: Any, sub: Path) -> Citation | None:
        info = self.articles.get(ref.article)
        if info is None:
            hint = _closest(ref.article, self.articles)
            self.problems.append(
                item.problem(
                    f"'{ref.article}' is not the id of any article in the sources.{hint}",
                    *sub,
                    "article",
                )
            )
            return None
        count = len(info.paragraphs)
        if ref.paragraph > count:
            self.problems.append(
                item.problem(
                    f"paragraph {ref.paragraph} does not exist: article '{info.id}' has {count} "
                    "paragraphs.",
                    *sub,
                    "paragraph",
                )
            )
            return None
        paragraph = info.paragraphs[ref.paragraph - 1]
        ok = True
        if not quote_in(ref.quote, paragraph):
            found = find_paragraph(ref.quote, info.paragraphs)
            hint = (
                f" It is in paragraph {found}."
                if found
                else " Copy it exactly from the article (only spacing, quote marks and dashes "
                "may differ)."
            )
            self.problems.append(
                item.problem(
                    f"the quote is not in paragraph {ref.paragraph} of article '{info.id}'.{hint}",
                    *sub,
                    "quote",
                )
            )
            ok = False
        cites = ref.cites
        cites_date = None
        if cites is not None:
            if not quote_in(cites.text, paragraph):
                self.problems.append(
                    item.problem(
                        f"the cited source '{cites.text}' is not printed in paragraph "
                        f"{ref.paragraph} of article '{info.id}'; copy it from the parentheses.",
                        *sub,
                        "cites",
                        "text",
                    )
                )
                ok = False
            self._check_entity_ref(
                item, cites.outlet, (*sub, "cites", "outlet"), {EntityType.OUTLET}
            )
            cites_date = self._date(item, cites.date, info.date, (*sub, "cites", "date"))
        if not ok:
            return None
        return Citation(
            article=info.id,
            paragraph=ref.paragraph,
            quote=ref.quote,
            cites_text=cites.text if cites else None,
            cites_outlet=cites.outlet if cites else None,
            cites_date=cites_date,
        )


def _closest(ident: str, known: dict[str, Any]) -> str:
    close = difflib.get_close_matches(ident, list(known), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def model_json_schema() -> dict[str, Any]:
    """The JSON Schema of a knowledge file, for editors."""
    schema = _FILE.json_schema()
    schema["title"] = "factbot knowledge file"
    return schema


__all__ = ["LoadCache", "LoadResult", "load_knowledge", "model_json_schema"]
