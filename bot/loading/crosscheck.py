"""The checks that need the whole fact base: unique ids and names, references between
items, article texts and the quotes taken from them, dates."""

from __future__ import annotations

import difflib
import hashlib
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path as FsPath
from typing import Any

from bot.knowledge.articles import _QUOTE_FOLD, find_paragraph, split_paragraphs
from bot.knowledge.date_parsing import parse_date
from bot.knowledge.dates import DateError, DateValue
from bot.knowledge.model import Article, Claim, Entity, EntityType
from bot.knowledge.names import fold
from bot.knowledge.snapshot import ArticleInfo, Citation, Fact, Origin
from bot.loading.cache import LoadCache
from bot.loading.files import article_path_problem, read_bounded
from bot.loading.parse import _ITEM, Item, ParsedFile
from bot.loading.quotediff import closest_passage
from bot.loading.rootcause import FollowOns
from bot.loading.yamlsource import Path, Problem

MAX_QUOTE_DIFFS = 200  # per load: past that, a wrong quote is only said to be wrong
_OUTLET = frozenset({EntityType.OUTLET})  # what a cited source's outlet must be


class _CrossChecker:
    """The checks that need the whole fact base: ids, names, references, quotes, dates."""

    def __init__(
        self,
        seeds_dir: FsPath,
        parsed: list[ParsedFile],
        progress: Callable[[str, int, int], None] | None = None,
        memo: LoadCache | None = None,
    ) -> None:
        self.seeds_dir = seeds_dir
        self.parsed = parsed
        self.progress = progress
        self.memo = memo
        self.old_articles = memo.articles if memo is not None else {}
        self.old_facts = memo.facts if memo is not None else {}
        self.new_articles: dict[str, tuple[Article, bytes, ArticleInfo]] = {}
        self.new_facts: dict[str, tuple[Claim, tuple[ArticleInfo | None, ...], Fact]] = {}
        self.old_labels = memo.labels if memo is not None else {}
        self.old_entity_state = memo.entity_state if memo is not None else ()
        self.old_claim_files = memo.claim_files if memo is not None else {}
        self.new_entity_state: tuple = ()
        self.new_claim_files: dict[int, tuple] = {}
        self.entity_list: list[tuple[Entity, Origin]] = []
        self.new_labels: dict[str, tuple[Entity, tuple[tuple[str, str] | None, ...]]] = {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []  # worth fixing, but the fact base loads
        # Errors about ids that a broken file defines are held back (see rootcause).
        self.follow_ons = FollowOns((pf.doc.file, pf.lost) for pf in parsed if pf.lost)
        self.articles: dict[str, ArticleInfo] = {}
        self.entities: dict[str, Item] = {}
        self.facts: list[Fact] = []
        # Many claims share a date text and an article: parse each (text, context) once,
        # and remember it for the next load (parse_date is a pure function).
        self._dates: dict[tuple[str, DateValue | None], DateValue | str] = (
            memo.dates if memo is not None else {}
        )
        # This load's dates in the context of an article, by its id: a year-less date many
        # claims share costs one lookup, not a DateValue hash.
        self._dated: dict[tuple[str, str], DateValue | str] = {}
        # Each paragraph is folded for quote matching once, not once per quote; so is each
        # cited source's text (many claims cite the same one).
        self._folded: dict[tuple[str, int], str] = {}
        self._cited: dict[str, str] = {}
        # The ids of the outlet entities: what a cited source's outlet must be one of.
        self.outlets: frozenset[str] = frozenset()
        self._diffs = 0  # quotes compared with their paragraph to show what differs

    def run(self) -> list[Problem]:
        for pf in self.parsed:
            self.problems += pf.problems
        by_section: dict[str, list[Item]] = {k: [] for k in _ITEM}
        for pf in self.parsed:
            for section, items in pf.items.items():
                by_section[section] += items
        self._articles(by_section["articles"])
        self._entities(by_section["entities"])
        self.outlets = frozenset(
            ident for ident, item in self.entities.items() if item.model.type in _OUTLET
        )
        self._claims(by_section["claims"])
        if self.memo is not None:
            self.memo.articles, self.memo.facts = self.new_articles, self.new_facts
            self.memo.labels = self.new_labels
            self.memo.entity_state = self.new_entity_state
            self.memo.claim_files = self.new_claim_files
        self.problems = self.follow_ons.apply(self.problems)
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
            date = self._parse_date(article.date, None)
            if isinstance(date, str):
                self.problems.append(item.problem(date, "date"))
                continue
            refused = article_path_problem(self.seeds_dir, article.file)
            if refused:
                self.problems.append(
                    item.problem(
                        f"the article text '{article.file}' is refused: {refused}.", "file"
                    )
                )
                continue
            try:
                raw = read_bounded(self.seeds_dir / article.file)
                # as read_text reads it: universal newlines
                text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                reason = "it does not exist" if isinstance(exc, FileNotFoundError) else str(exc)
                self.problems.append(
                    item.problem(
                        f"the article text '{article.file}' cannot be read from "
                        f"{self.seeds_dir}/: {reason}.",
                        "file",
                    )
                )
                continue
            digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
            text_hash = digest.digest()
            old = self.old_articles.get(ident)
            if (
                old is not None
                and old[1] == text_hash
                and (old[0] is article or (old[0] == article and old[2].origin == item.origin))
            ):
                info = old[2]  # the same article, text and place as last time
            else:
                paragraphs = split_paragraphs(text, article.header_lines)
                info = ArticleInfo(article, date, paragraphs, item.origin)
            self.new_articles[ident] = (article, text_hash, info)
            self.articles[ident] = info

    def _entities(self, items: list[Item]) -> None:
        self.entities = self._unique(items, "entity")
        # The very same entity files as a clean check last time: nothing to find again.
        files = tuple(pf for pf in self.parsed if pf.items["entities"])
        old = self.old_entity_state
        if (
            old
            and len(old[0]) == len(files)
            and all(a is b for a, b in zip(old[0], files, strict=True))
            and len(self.entities) == len(items)
        ):
            self.entity_list = old[1]
            self.warnings += old[2]
            self.new_entity_state = old
            for entity, _ in old[1]:  # keep the name keys for the next load
                self.new_labels[entity.id] = self.old_labels[entity.id]
            return
        before, warned = len(self.problems), len(self.warnings)
        self._check_entities()
        self.entity_list = [(item.model, item.origin) for item in self.entities.values()]
        if len(self.problems) == before and len(self.entities) == len(items):
            self.new_entity_state = (files, self.entity_list, tuple(self.warnings[warned:]))

    def _check_entities(self) -> None:
        owners: dict[str, tuple[Item, str]] = {}
        known = self.entities
        for item in known.values():
            entity: Entity = item.model
            self._check_names(item, entity, self._keys_of(entity), owners)
            for i, parent in enumerate(entity.part_of):
                if parent not in known:
                    self._check_entity_ref(item, parent, ("part_of", i))

    def _check_names(
        self,
        item: Item,
        entity: Entity,
        keys: tuple[tuple[str, str] | None, ...],
        owners: dict[str, tuple[Item, str]],
    ) -> None:
        """An entity's name and aliases: each has letters, is listed once, and belongs to
        this entity only (`owners`: folded name -> the first entity with it, and its label)."""
        mine: dict[str, int] = {}  # name as written -> which label it is
        for n, key in enumerate(keys):
            label = entity.name if n == 0 else entity.aliases[n - 1]
            if key is None:
                kind, sub = _label_place(n)
                self.problems.append(
                    item.problem(
                        f"the {kind} '{label}' has no letters or digits to look it up by.", *sub
                    )
                )
                continue
            exact, folded = key
            first = mine.get(exact)
            if first is not None:
                kind, sub = _label_place(n)
                earlier = entity.name if first == 0 else entity.aliases[first - 1]
                self._repeated_name(item, kind, label, sub, (_label_place(first)[0], earlier))
                continue
            mine[exact] = n
            other = owners.get(folded)
            if other is not None and other[0] is not item:
                kind, sub = _label_place(n)
                self.problems.append(_shared_name(item, kind, label, sub, other))
                continue
            owners.setdefault(folded, (item, label))

    def _repeated_name(
        self, item: Item, kind: str, label: str, sub: Path, first: tuple[str, str]
    ) -> None:
        """A name listed twice is an error; twice but for case, only a warning: lookups
        ignore case, so the second adds nothing but harms nothing either."""
        ident = item.model.id
        if _written(label) != _written(first[1]):
            self.warnings.append(
                item.problem(
                    f"the {kind} '{label}' differs from the {first[0]} '{first[1]}' of "
                    f"'{ident}' only in case; lookups ignore case, so it can go.",
                    *sub,
                ).warning()
            )
            return
        self.problems.append(
            item.problem(
                f"the {kind} '{label}' repeats another name of '{ident}'; list each name once.",
                *sub,
            )
        )

    def _keys_of(self, entity: Entity) -> tuple[tuple[str, str] | None, ...]:
        """The keys of the entity's name and of each alias, in that order: the name as
        written (NFKC, casefolded, spaces collapsed: an entity lists each once) and as lookups
        read it (`fold`: Cyrillic as Latin, no diacritics: it may belong to one entity only);
        None for a label with no letters. Kept for the next load."""
        old = self.old_labels.get(entity.id)
        if old is not None and (
            old[0] is entity or (old[0].name == entity.name and old[0].aliases == entity.aliases)
        ):
            keys = old[1]
        else:
            keys = (_label_keys(entity.name), *[_label_keys(a) for a in entity.aliases])
        self.new_labels[entity.id] = (entity, keys)
        return keys

    def _check_entity_ref(
        self, item: Item, ident: str | None, sub: Path, types: set[EntityType] | None = None
    ) -> None:
        if ident is None:
            return
        target = self.entities.get(ident)
        if target is None:
            hint = _closest(ident, self.entities)
            problem = item.problem(f"'{ident}' is not the id of any entity.{hint}", *sub)
            self.problems.append(self.follow_ons.note(problem, "entities", ident))
        elif types and target.model.type not in types:
            names = " or ".join(sorted(t.value for t in types))
            self.problems.append(
                item.problem(
                    f"'{ident}' is a {target.model.type.value}, but {sub[-1]} must be {names}.",
                    *sub,
                )
            )

    def _date(
        self, item: Item, text: str | None, article: ArticleInfo | None, sub: Path
    ) -> DateValue | None:
        """The date `text` means, read in the context of `article`'s date if it needs one;
        None (and a problem) if it is not a date."""
        if text is None:
            return None
        # A date that parses without context has its year written and ignores the context,
        # so most dates are parsed once per text rather than once per article.
        value = self._parse_date(text, None)
        if article is not None and isinstance(value, str):
            key = (text, article.id)
            value = self._dated.get(key)
            if value is None:
                value = self._dated[key] = self._parse_date(text, article.date)
        if isinstance(value, str):
            self.problems.append(item.problem(value, *sub))
            return None
        return value

    def _parse_date(self, text: str, context: DateValue | None) -> DateValue | str:
        """The date, or the error message; memoised."""
        key = (text, context)
        value = self._dates.get(key)
        if value is None:
            try:
                value = parse_date(text, context=context)
            except DateError as exc:
                value = str(exc)
            self._dates[key] = value
        return value

    def _paragraph(self, info: ArticleInfo, number: int) -> str:
        key = (info.id, number)
        folded = self._folded.get(key)
        if folded is None:
            folded = self._folded[key] = _fold_quote(info.paragraphs[number - 1])
        return folded

    def _claims(self, items: list[Item]) -> None:
        unique = self._unique(items, "claim")
        total, progress, done = len(unique), self.progress, 0
        # What a claim's check depends on besides its articles: which entities exist, and
        # their types. A claims file checked clean against the same entities and the very
        # same article objects is taken as it was, without looking at its claims again.
        signature = tuple((e.id, e.type) for e, _ in self.entity_list)
        same_entities = self.memo is not None and self.memo.entity_signature == signature
        if self.memo is not None:
            self.memo.entity_signature = signature
        for pf in self.parsed:
            mine = [item for item in pf.items["claims"] if unique.get(item.model.id) is item]
            if not mine:
                continue
            old = self.old_claim_files.get(id(pf))
            if (
                same_entities
                and old is not None
                and old[0] is pf
                and len(mine) == len(pf.items["claims"])
                and all(self.articles.get(a) is info for a, info in old[1].items())
            ):
                self.facts.extend(old[2])
                for fact in old[2]:
                    self.new_facts[fact.id] = self.old_facts[fact.id]
                self.new_claim_files[id(pf)] = old
            else:
                before, first = len(self.problems), len(self.facts)
                for item in mine:
                    self._claim(item)
                if len(self.problems) == before and len(self.facts) - first == len(mine):
                    cited = {
                        ref.article: self.articles[ref.article]
                        for item in mine
                        for ref in item.model.references
                    }
                    self.new_claim_files[id(pf)] = (pf, cited, self.facts[first:])
            done += len(mine)
            if progress:
                progress("check claims", done, total)

    def _claim(self, item: Item) -> None:
        claim: Claim = item.model
        before = len(self.problems)
        self._claim_entities(item, claim)
        articles = self.articles
        infos = tuple([articles.get(ref.article) for ref in claim.references])
        old = self.old_facts.get(claim.id)
        if (
            old is not None
            and len(old[1]) == len(infos)
            and all(a is b for a, b in zip(old[1], infos, strict=True))
            and (old[0] is claim or (old[0] == claim and old[2].origin == item.origin))
        ):
            # The same claim, at the same place, citing the very articles the last load
            # checked: its dates and quotes are as they were; only outlets may have gone.
            for i, ref in enumerate(claim.references):
                if ref.cites is not None:
                    self._check_outlet(item, ref.cites.outlet, ("references", i))
            self.facts.append(old[2])
            self.new_facts[claim.id] = old
            return
        citations = []
        context: ArticleInfo | None = None  # the first cited article: year-less dates' year
        for i, ref in enumerate(claim.references):
            cit = self._reference(item, ref, ("references", i), infos[i])
            if cit is not None:
                citations.append(cit)
                if context is None:
                    context = infos[i]
        date, start, end = claim.date, claim.start, claim.end
        if date is not None:
            date = self._date(item, date, context, ("date",))
        if start is not None:
            start = self._date(item, start, context, ("start",))
        if end is not None:
            end = self._date(item, end, context, ("end",))
        if start and end and end.end < start.start:
            self.problems.append(
                item.problem(
                    f"'end' ({end.display()}) is before 'start' ({start.display()}).", "end"
                )
            )
        if len(citations) == len(claim.references):
            fact = Fact(claim, date, start, end, tuple(citations), item.origin)
            self.facts.append(fact)
            if len(self.problems) == before:
                self.new_facts[claim.id] = (claim, infos, fact)

    def _claim_entities(self, item: Item, claim: Claim) -> None:
        """The entities a claim names exist (most do: they are looked up only if not)."""
        known = self.entities
        if claim.subject not in known:
            self._check_entity_ref(item, claim.subject, ("subject",))
        if claim.object is not None and claim.object not in known:
            self._check_entity_ref(item, claim.object, ("object",))
        if claim.place is not None and claim.place not in known:
            self._check_entity_ref(item, claim.place, ("place",))
        for i, m in enumerate(claim.mentions):
            if m not in known:
                self._check_entity_ref(item, m, ("mentions", i))

    def _check_outlet(self, item: Item, outlet: str | None, sub: Path) -> None:
        """A cited source's outlet is an outlet entity (`outlets`), else say what it is."""
        if outlet is not None and outlet not in self.outlets:
            self._check_entity_ref(item, outlet, (*sub, "cites", "outlet"), _OUTLET)

    def _closest_passage(self, ref: Any, paragraph: str) -> str:
        """How a quote found in no paragraph differs from the closest passage of its own."""
        copy = (
            " Copy it exactly from the article (only spacing, quote marks and dashes may differ)."
        )
        self._diffs += 1
        if self._diffs > MAX_QUOTE_DIFFS:
            return copy  # bounded work, however many quotes are wrong
        passage = closest_passage(_fold_quote(ref.quote), paragraph)
        if passage is None:
            return copy
        return (
            f" Closest in paragraph {ref.paragraph}: '{passage}' (marked [the quote → the "
            "article])." + copy
        )

    def _reference(
        self, item: Item, ref: Any, sub: Path, info: ArticleInfo | None
    ) -> Citation | None:
        """The reference resolved (`info`: the article it names, if there is one), or None
        with the problems that stop it."""
        if info is None:
            hint = _closest(ref.article, self.articles)
            problem = item.problem(
                f"'{ref.article}' is not the id of any article in the sources.{hint}",
                *sub,
                "article",
            )
            self.problems.append(self.follow_ons.note(problem, "articles", ref.article))
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
        paragraph = self._paragraph(info, ref.paragraph)
        ok = True
        # A quote found as written in the folded paragraph is there folded too (the fold
        # maps to characters it keeps, and a quote inside has single spaces): most are.
        if ref.quote not in paragraph and _fold_quote(ref.quote) not in paragraph:
            found = find_paragraph(ref.quote, info.paragraphs)
            hint = (
                f" It is in paragraph {found}." if found else self._closest_passage(ref, paragraph)
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
            cited = self._cited.get(cites.text)
            if cited is None:
                cited = self._cited[cites.text] = _fold_quote(cites.text)
            if cited not in paragraph:
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
            self._check_outlet(item, cites.outlet, sub)
            if cites.date is not None:
                cites_date = self._date(item, cites.date, info, (*sub, "cites", "date"))
        if not ok:
            return None
        if cites is None:  # positional: a keyword call costs a third more, per claim
            return Citation(info.id, ref.paragraph, ref.quote)
        return Citation(info.id, ref.paragraph, ref.quote, cites.text, cites.outlet, cites_date)


def _label_keys(label: str) -> tuple[str, str] | None:
    folded = fold(label)
    if not folded:
        return None
    if label.isascii():  # NFKC leaves ASCII as it is, and casefolds it as lower() does
        return " ".join(label.lower().split()), folded
    return " ".join(unicodedata.normalize("NFKC", label).casefold().split()), folded


def _label_place(n: int) -> tuple[str, Path]:
    """What the n-th label of an entity is, and where: its name, then its aliases."""
    return ("name", ("name",)) if n == 0 else ("alias", ("aliases", n - 1))


def _written(label: str) -> str:
    """A name as written, up to Unicode normalisation and spacing (case kept)."""
    return " ".join(unicodedata.normalize("NFKC", label).split())


def _shared_name(item: Item, kind: str, label: str, sub: Path, other: tuple[Item, str]) -> Problem:
    """Two entities answer to the same name: say which, and why if they only look alike."""
    o_item, o_label = other
    alike = ""
    if _label_keys(label) != _label_keys(o_label):
        alike = (
            f" They look alike: lookups read both as '{fold(label)}' (letters from other "
            "alphabets and accents count as the plain Latin letter)."
        )
    return item.problem(
        f"the {kind} '{label}' of '{item.model.id}' is also a name of "
        f"'{o_item.model.id}' ('{o_label}', {o_item.doc.file}:{o_item.origin.line}); "
        f"a name or alias may belong to one entity only.{alike}",
        *sub,
    )


def _fold_quote(text: str) -> str:
    """`articles.fold_for_quote`, faster: ASCII text has none of the characters it folds, and
    str.split() splits on the same Unicode whitespace as the regular expression's \\s."""
    return " ".join((text if text.isascii() else text.translate(_QUOTE_FOLD)).split())


def _closest(ident: str, known: dict[str, Any]) -> str:
    close = difflib.get_close_matches(ident, list(known), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""
