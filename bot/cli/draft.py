"""First drafts of YAML for `factbot draft` and `factbot new`: fill in blanks, not a schema.

An analyst adding an article should not have to learn the schema first. `draft_article`
reads a new article the way an editor would (header, parenthetical citations, dates, names),
looks every name up in the fact base, and prints a YAML draft in which everything the text
settles is pre-filled (paragraph numbers, verbatim quotes, citations, dates as written) and
every decision a person must take is a `FIXME`: a `FIXME` value must be replaced, a
`# FIXME` comment marks a guess to confirm. `stub` prints one correctly shaped item to paste.

Nothing here writes a file: the editor saves the draft, fills it in and runs `factbot check`,
which still validates everything (quotes against the article, ids, dates).
"""

from __future__ import annotations

import datetime
import json
import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.knowledge.articles import split_paragraphs
from bot.knowledge.dates import DateError, DateValue, parse_date
from bot.knowledge.model import STRUCTURAL_PREDICATES, EntityType
from bot.knowledge.names import fold
from bot.knowledge.snapshot import KnowledgeBase

__all__ = ["FIXME", "KINDS", "Cited", "draft_article", "find_citations", "remaining_fixmes", "stub"]

FIXME = "FIXME"
"""The placeholder for a value only a person can supply; `remaining_fixmes` finds them."""

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

_TYPE_FILE = {
    EntityType.PERSON: "people.yaml",
    EntityType.ORGANISATION: "organisations.yaml",
    EntityType.COUNTRY: "places.yaml",
    EntityType.PLACE: "places.yaml",
    EntityType.EVENT: "events.yaml",
    EntityType.DOCUMENT: "events.yaml",
    EntityType.PROGRAMME: "events.yaml",
    EntityType.OUTLET: "sources.yaml",
}
_TYPES = ", ".join(t.value for t in EntityType)
_PARENT_TYPES = {  # what a new entity's part_of usually points at
    EntityType.PLACE: (EntityType.COUNTRY, EntityType.PLACE),
    EntityType.ORGANISATION: (EntityType.ORGANISATION, EntityType.COUNTRY),
    EntityType.EVENT: (EntityType.EVENT,),
}
_WRAP = 92  # folded quotes are wrapped to keep the draft readable


def _words(text: str) -> frozenset[str]:
    """A word list written as one string, for readability."""
    return frozenset(text.split())


# ----------------------------------------------------------------------------- dates

_ANY_YEAR = parse_date("2000")  # context that lets a year-less date parse, to recognise it
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_YEAR = r"(?:1[89]|20)\d\d"
# Tried in order; a later pattern never overlaps an earlier match.
_DATE_PATTERNS = [
    re.compile(rf"\b(?:early|mid|late)[\s-]+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?(?:,?\s+{_YEAR})?\b"),
    re.compile(rf"\b\d{{1,2}}\s+{_MONTH}(?:,?\s+{_YEAR})?\b"),
    re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b"),
    re.compile(rf"(?<=\bin ){_MONTH}\b"),  # "victory in March"; a bare "May" is too ambiguous
    re.compile(rf"(?<![-\w,.]){_YEAR}\b(?![-,.]?\d)"),  # not the 2012 of "Shield-2012"
]


def _date_value(text: str, context: DateValue | None = None) -> DateValue | None:
    """The date `text` denotes (year-less ones need a context), or None if it is not one."""
    try:
        return parse_date(text, context=context)
    except DateError:
        if context is not None:
            return None
    try:
        return parse_date(text, context=_ANY_YEAR)  # year_inferred tells it was year-less
    except DateError:
        return None


def _find_dates(text: str) -> list[str]:
    """Date expressions in `text`, in order of appearance."""
    spans: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if all(m.end() <= a or m.start() >= b for a, b in spans) and _date_value(m.group()):
                spans.append(m.span())
    return [text[a:b] for a, b in sorted(spans)]


# ------------------------------------------------------------------------- citations


@dataclass(frozen=True)
class Cited:
    """One source of a parenthetical citation: "(Interfax, April 6; Vedomosti, March 30)"
    holds two. `text` is as printed (what `cites.text` must be), `date` without "accessed"."""

    text: str
    source: str
    date: str
    start: int  # where the whole parenthetical starts and ends in its paragraph
    end: int


_PAREN = re.compile(r"\(([^()]*)\)")
_ACCESSED = re.compile(r"^(?:accessed|retrieved|on)\s+", re.IGNORECASE)


def find_citations(paragraph: str) -> list[Cited]:
    """Every "(Source, Date)" in a paragraph; ";" separates several sources in one pair of
    parentheses. A part counts when what follows one of its commas reads as a date."""
    found = []
    for m in _PAREN.finditer(paragraph):
        for part in m.group(1).split(";"):
            part = part.strip()
            for comma in (i for i, ch in enumerate(part) if ch == ","):
                source, when = part[:comma].strip(), part[comma + 1 :].strip()
                if source and any(c.isdigit() for c in when) and _date_value(when):
                    date = _ACCESSED.sub("", when)
                    found.append(Cited(part, source, date, m.start(), m.end()))
                    break
    return found


# ------------------------------------------------------------------------- sentences


_ABBREVIATIONS = _words(
    "mr mrs ms dr gen col lt maj capt sgt st jr sr no vol vs etc e.g i.e u.s u.n u.k"
)
_SENTENCE_END = re.compile(r"[.!?][”\"’')\]]*(?=\s+[“\"‘(\[A-Z0-9])")


def _sentences(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: a full stop, ! or ? before a capital, not after an
    abbreviation or an initial, and not inside parentheses."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(paragraph):
        before = paragraph[start : m.start()]
        word = before.rsplit(None, 1)[-1] if before.split() else ""
        if word.lower().rstrip(".") in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word):
            continue
        if paragraph.count("(", 0, m.start()) > paragraph.count(")", 0, m.start()):
            continue
        spans.append((start, m.end()))
        start = m.end()
        while start < len(paragraph) and paragraph[start].isspace():
            start += 1
    if paragraph[start:].strip():
        spans.append((start, len(paragraph.rstrip())))
    return spans


# ----------------------------------------------------------------------------- names

# Capitalised words that start sentences or are dates, never names on their own.
_STOP = _words(
    """a about according after against all also although among an and another as at before
    both but by despite during each earlier either equally even every finally first following
    for from further furthermore given he her here his however i if in indeed instead it its
    last later like many meanwhile more moreover most much neither nevertheless next no
    nonetheless nor not now of on once one only or other our over overall recently second
    several she similarly since so some still such than that the their then there therefore
    these they this those though thus to today under unless unlike until we what whatever when
    where whereas whether which while who whoever whose with within without yet you
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday"""
)
_CONNECTORS = frozenset({"of", "for", "the"})  # inside names: Ministry of Defence
# Leading words stripped before a person's name: "Russian Defense Minister Anatoliy Serdyukov".
_ROLES = _words(
    """minister president premier secretary chief commander general colonel lieutenant major
    admiral marshal ambassador chairman director spokesman spokeswoman governor mayor senator
    mr mrs ms dr gen col colonel-general lieutenant-general major-general"""
)
_QUALIFIERS = _words(
    "foreign defense defence deputy prime vice interior finance first acting former"
)
_DEMONYMS = _words("tajik uzbek kyrgyz kazakh afghan turkmen azeri russian western eastern soviet")
_ORG_WORDS = _words(
    """organization organisation force forces ministry council committee agency service army
    navy party union bank command group fund institute center centre foundation staff
    brigade division regiment fleet guard guards alliance commission assembly parliament
    government office"""
)
_EVENT_WORDS = _words(
    "exercise exercises summit meeting conference election war operation drills games"
)
_DOC_WORDS = _words("doctrine treaty declaration agreement charter law concept")
_PROGRAMME_WORDS = frozenset({"programme", "program"})
_PLACE_WORDS = _words("range mountains valley province region oblast city border district base")
_TOKEN = re.compile(r"\w+(?:[-.’'&]\w+)*")
_CAPS = "A-ZА-ЯЁ"  # Latin and Cyrillic capitals
_ACRONYM = re.compile(rf"[{_CAPS}][{_CAPS}0-9&]{{1,9}}")
_NATIVE_ACRONYM = re.compile(rf"(?P<native>[^–—-]+?)\s*[–—-]\s*(?P<acr>{_ACRONYM.pattern})")
_DOMAIN = re.compile(r"(?:www\.)?[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


def _is_demonym(word: str) -> bool:
    """Adjectives such as "Tajik-Afghan" or "Kazakhstani" name no entity of their own."""
    parts = word.lower().split("-")
    return all(p in _DEMONYMS or p.endswith(("ian", "ani", "ese", "ish", "ean")) for p in parts)


def _slug(text: str) -> str:
    """An id from a name, in the fact base's style: "Farrukh Sharipov" -> farrukh-sharipov."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")


@dataclass
class _NewEntity:
    """A name the fact base does not know: an entity stub to propose."""

    id: str
    name: str
    type: EntityType
    why: str  # why that type was guessed
    aliases: list[str] = field(default_factory=list)
    seen_as: list[str] = field(default_factory=list)
    paragraph: int = 0
    close: list[str] = field(default_factory=list)  # ids the matcher offered as choices


@dataclass
class _Mention:
    """A name found in a sentence and the entity id it stands for."""

    pos: int
    id: str


class _Names:
    """Resolves names to entity ids: known ones through the fact base's matcher (only an
    "answer" counts), new ones to stubs proposed once and reused for every later mention."""

    def __init__(self, kb: KnowledgeBase | None) -> None:
        self.kb = kb
        self.known: dict[str, list[str]] = {}  # id -> the names it was found as
        self.new: dict[str, _NewEntity] = {}
        self._new_names: dict[str, str] = {}  # folded name or alias -> new id
        self._cache: dict[str, tuple[str | None, list[str]]] = {}

    def _match(self, name: str) -> tuple[str | None, list[str]]:
        """(id if the fact base answers for the name, ids it offers otherwise)."""
        if self.kb is None or not name.strip():
            return None, []
        if name not in self._cache:
            result = self.kb.matcher.match(name)
            ids = list(dict.fromkeys(c.key for c in result.candidates))
            best = result.best.key if result.decision == "answer" and result.best else None
            self._cache[name] = (best, ids)
        return self._cache[name]

    def lookup(self, name: str) -> str | None:
        """The id of a known or already proposed entity with this name, else None."""
        known, _ = self._match(name)
        if known is not None:
            self.known.setdefault(known, [])
            if name not in self.known[known]:
                self.known[known].append(name)
            return known
        new_id = self._new_names.get(fold(name))
        if new_id is not None and name not in self.new[new_id].seen_as:
            self.new[new_id].seen_as.append(name)
        return new_id

    def propose(
        self,
        name: str,
        aliases: list[str],
        paragraph: int,
        *,
        person: bool = False,
        outlet: bool = False,
    ) -> str:
        """A stub for a new name (with its acronym or native forms as aliases)."""
        names = [name, *aliases]
        for n in names:
            if (ident := self.lookup(n)) is not None:
                return ident
        if outlet:
            kind, why = EntityType.OUTLET, "cited as a source"
        else:
            kind, why = _guess_type(name, aliases, person=person)
        if kind is EntityType.PERSON and len(name.split()) > 1:
            aliases = [*aliases, name.split()[-1]]  # the surname, as articles repeat it
        base = _slug(name) or "entity"
        ident, n = base, 2
        taken = set(self.kb.entities) if self.kb else set()
        while ident in taken or ident in self.new:
            ident, n = f"{base}-{n}", n + 1
        close = [i for n_ in names for i in self._match(n_)[1]]
        entity = _NewEntity(
            ident, name, kind, why, [], [name], paragraph, list(dict.fromkeys(close))
        )
        self.new[ident] = entity
        self._new_names[fold(name)] = ident
        for alias in aliases:
            key = fold(alias)
            if key and key not in self._new_names and self._match(alias)[0] is None:
                entity.aliases.append(alias)
                self._new_names[key] = ident
        return ident


def _guess_type(name: str, aliases: list[str], *, person: bool) -> tuple[EntityType, str]:
    """A first guess at the type, with the reason (the editor confirms it)."""
    words = [w.lower() for w in re.split(r"[\s-]+", name)]
    if person:
        return EntityType.PERSON, "it follows a title"
    if _DOMAIN.fullmatch(name):
        return EntityType.OUTLET, "a web site"
    for vocab, kind in (
        (_EVENT_WORDS, EntityType.EVENT),
        (_DOC_WORDS, EntityType.DOCUMENT),
        (_PROGRAMME_WORDS, EntityType.PROGRAMME),
        (_ORG_WORDS, EntityType.ORGANISATION),
        (_PLACE_WORDS, EntityType.PLACE),
    ):
        hit = next((w for w in reversed(words) if w in vocab), None)
        if hit:
            return kind, f"the word '{hit}'"
    if re.search(r"\d{4}", name):
        return EntityType.EVENT, "a name with a year"
    if _ACRONYM.fullmatch(name) or aliases:
        return EntityType.ORGANISATION, "an acronym"
    if name.lower().endswith("stan"):
        return EntityType.COUNTRY, "a -stan name"
    if len(words) in (2, 3):
        return EntityType.PERSON, "two or three capitalised words"
    return EntityType.PLACE, "a single name"


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """Blank out spans (keeping offsets) so names are not read inside them."""
    chars = list(text)
    for a, b in spans:
        chars[a:b] = "(" + " " * (b - a - 2) + ")"
    return "".join(chars)


def _capitalised_runs(text: str) -> list[tuple[int, list[str]]]:
    """(offset, words) of each run of capitalised words joined by spaces ("of" allowed
    inside); a possessive ends its run: "Kazakhstan’s Foreign Minister" is two runs."""
    runs: list[tuple[int, list[str]]] = []
    words: list[str] = []
    start = end = 0
    for m in _TOKEN.finditer(text):
        word, possessive = m.group(), False
        if word.endswith(("’s", "'s")):
            word, possessive = word[:-2], True
        capital = word[:1].isupper()
        joined = bool(words) and text[end : m.start()].strip() == ""
        if words and not joined:
            runs.append((start, words))
            words = []
        if capital or (words and word in _CONNECTORS):
            if not words:
                start = m.start()
            words.append(word)
        elif words:
            runs.append((start, words))
            words = []
        end = m.end()
        if possessive and words:
            runs.append((start, words))
            words = []
    if words:
        runs.append((start, words))
    return runs


def _trim(words: list[str]) -> list[str]:
    """Drop sentence openers and connectors at either end: "The CSTO" is "CSTO"."""
    while words and words[0].lower() in _STOP:
        words = words[1:]
    while words and words[-1].lower() in _STOP:
        words = words[:-1]
    return words


class _Scanner:
    """Finds the names in each sentence and resolves them through `_Names`."""

    def __init__(self, names: _Names) -> None:
        self.names = names

    def sentence(self, text: str, paragraph: int, skip: list[tuple[int, int]]) -> list[str]:
        """Entity ids named in a sentence, in order; `skip` are its citations."""
        mentions: list[_Mention] = []
        masked = _mask(text, skip)
        # "Long Name (ACR)" and "Long Name (Native Name – ACR)" first: one entity, three names.
        groups = []
        for m in _PAREN.finditer(masked):
            inner = m.group(1).strip()
            native = _NATIVE_ACRONYM.fullmatch(inner)
            if not (_ACRONYM.fullmatch(inner) or native):
                continue
            aliases = [native["acr"], native["native"].strip()] if native else [inner]
            runs = _capitalised_runs(masked[: m.start()])
            long_start, long = m.start(), []
            if runs:
                s, words = runs[-1]
                tail = masked[s : m.start()]
                if tail.rstrip().endswith(words[-1]):
                    long_start, long = s, _trim(words)
            name = " ".join(long) if long else aliases.pop(0)
            groups.append((long_start, m.end()))
            ident = self.names.propose(name, aliases, paragraph)
            mentions.append(_Mention(long_start, ident))
        masked = _mask(masked, groups)
        for start, words in _capitalised_runs(masked):
            mentions += [_Mention(start + i, ident) for i, ident in self._run(words, paragraph)]
        ordered = [m.id for m in sorted(mentions, key=lambda m: m.pos)]
        return list(dict.fromkeys(ordered))

    def _run(self, words: list[str], paragraph: int) -> list[tuple[int, str]]:
        """Split a run of capitalised words into the longest known names; leftovers become
        new names unless they are only titles, adjectives or sentence openers."""
        found: list[tuple[int, str]] = []
        leftover: list[str] = []
        i = 0
        while i < len(words) and words[i].lower() in _STOP:  # "On April 6": not a name
            i += 1
        while i < len(words):
            for j in range(len(words), i, -1):
                span = words[i:j]
                if span[0].lower() in _STOP or span[-1].lower() in _STOP:
                    continue
                ident = self.names.lookup(" ".join(span))
                if ident is not None:
                    found += self._leftover(leftover, i - len(leftover), paragraph)
                    leftover = []
                    found.append((i, ident))
                    i = j
                    break
            else:
                leftover.append(words[i])
                i += 1
        return found + self._leftover(leftover, i - len(leftover), paragraph)

    def _leftover(self, words: list[str], at: int, paragraph: int) -> list[tuple[int, str]]:
        words = _trim(words)
        person = False
        lead = 0
        for k, w in enumerate(words):  # "Russian Defense Minister": strip up to the role
            low = w.lower()
            if low in _ROLES:
                lead, person = k + 1, True
            elif low not in _QUALIFIERS and not _is_demonym(w):
                break
        words = words[lead:] if person else words
        if not words:
            return []
        name = " ".join(words)
        if person and (ident := self.names.lookup(name)) is not None:
            return [(at, ident)]
        if len(words) == 1:
            word = words[0]
            if _is_demonym(word) or word.lower() in _STOP:
                return []
            parts = word.split("-")
            if len(parts) > 1:
                ids = [self.names.lookup(p) for p in parts]
                if all(ids):
                    return [(at, i) for i in ids if i]
        return [(at, self.names.propose(name, [], paragraph, person=person))]


# --------------------------------------------------------------------------- header


@dataclass(frozen=True)
class _Header:
    title: str
    publication: str | None
    volume: int | None
    issue: int | None
    author: str | None
    lines: int


_PUBLICATION = re.compile(
    r"Publication:\s*(?P<pub>.*?)\s*(?:Volume:\s*(?P<vol>\d+))?\s*(?:Issue:\s*(?P<iss>\d+))?\s*"
)


def _header(text: str) -> _Header:
    """Title line, "Publication: X Volume: N Issue: M" and "By:", as in seeds/."""
    lines = text.splitlines()
    title = lines[0].strip() if lines else ""
    publication = volume = issue = author = None
    count = 1
    for n, line in enumerate(lines[1:4], start=2):
        if m := _PUBLICATION.fullmatch(line.strip()):
            publication = m["pub"] or None
            volume = int(m["vol"]) if m["vol"] else None
            issue = int(m["iss"]) if m["iss"] else None
            count = n
        elif line.strip().startswith("By:"):
            author = line.strip()[3:].strip() or None
            count = n
            break
    return _Header(title, publication, volume, issue, author, count)


def _article_date(cited: list[Cited]) -> tuple[str | None, str]:
    """The article's date when the text has none: at least its latest dated citation.

    Year-less citations are in the article's year, so the latest of them, placed in the first
    year at or after the latest citation that has a year, gives the month. Without both kinds
    the year cannot be inferred, and the draft says so instead of guessing.
    """
    dated = [(c, v) for c in cited if (v := _date_value(c.date)) is not None]
    explicit = [(c, v) for c, v in dated if not v.year_inferred]
    yearless = [(c, v) for c, v in dated if v.year_inferred]
    if not explicit or not yearless:
        what = "has a year" if not explicit else "lacks one"
        return None, f"no citation {what}, so the year cannot be inferred from the citations"
    anchor, floor = max(explicit, key=lambda cv: cv[1].end)
    last, value = max(yearless, key=lambda cv: (cv[1].end.month, cv[1].end.day))
    for year in (floor.end.year, floor.end.year + 1):
        try:
            when = datetime.date(year, value.end.month, value.end.day)
        except ValueError:  # 29 February
            continue
        if when >= floor.end:
            note = (
                "Inferred by factbot draft: the text has no date; its latest citation is "
                f'"{last.text}" and the latest with a year is "{anchor.text}", so the '
                f"article is from {when:%B} {year} or later."
            )
            return f"{year}-{when.month:02d}", note
    return None, "the citations' dates do not fit one year"


# -------------------------------------------------------------------------- writing


def _plain_ok(text: str, *, flow: bool = False) -> bool:
    """Whether `text` may be written unquoted and still read back as the same string."""
    if not text or text != text.strip() or "\n" in text or " #" in text or ": " in text:
        return False
    if text[0] in "!&*-?:,[]{}#|>@`\"'%" or text.endswith(":"):
        return False
    if flow and any(c in text for c in ",[]{}"):
        return False
    try:
        return yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        return False


def _scalar(value: str | int | None, *, flow: bool = False) -> str:
    """A YAML scalar: plain when that reads back as the same string, else double-quoted."""
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return value if _plain_ok(value, flow=flow) else json.dumps(value, ensure_ascii=False)


def _field(indent: str, key: str, value: str | int | None, comment: str = "") -> list[str]:
    """`key: value  # comment`, folding long text into a `>-` block that reads back verbatim."""
    tail = f"  # {_one_line(comment)}" if comment else ""
    line = f"{indent}{key}: {_scalar(value)}"
    if isinstance(value, str) and len(line) > _WRAP and "  " not in value and value.isprintable():
        body = textwrap.wrap(
            value, _WRAP - len(indent) - 2, break_long_words=False, break_on_hyphens=False
        )
        block = [" " * len(indent) + f"  {chunk}" for chunk in body]
        try:
            ok = yaml.safe_load("k: >-\n" + "\n".join(block)) == {"k": value}
        except yaml.YAMLError:
            ok = False
        if ok:
            return [f"{indent}{key}: >-{tail}", *block]
    return [line + tail]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _comment(text: str, indent: str = "") -> list[str]:
    """A long comment wrapped onto several `#` lines."""
    return textwrap.wrap(
        _one_line(text),
        _WRAP,
        initial_indent=f"{indent}# ",
        subsequent_indent=f"{indent}#   ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _flow_list(ids: list[str]) -> str:
    return "[" + ", ".join(ids) + "]"


_FIXME_VALUE = re.compile(rf"^[^#]*:\s+{FIXME}\b")


def remaining_fixmes(yaml_text: str, *, values_only: bool = False) -> list[tuple[int, str]]:
    """(line number, line) of every FIXME left in a draft, so a tool can say what is open.

    `values_only` keeps the `key: FIXME` values that must be replaced, and leaves out the
    `# FIXME` comments, which mark guesses to confirm.
    """
    found = []
    for n, line in enumerate(yaml_text.splitlines(), start=1):
        if FIXME in line and (not values_only or _FIXME_VALUE.match(line)):
            found.append((n, line.strip()))
    return found


# ---------------------------------------------------------------------------- draft


@dataclass
class _ClaimStub:
    paragraph: int
    sentence: int
    quote: str
    cited: list[Cited]
    own_citation: bool
    dates: list[str]
    mentions: list[str]


def draft_article(
    article_path: Path, kb: KnowledgeBase | None, *, article_id: str | None = None
) -> str:
    """A YAML draft for a new article: its `articles:` entry, stubs for the names the fact
    base lacks, and a claim stub for each sentence with a date or a citation.

    Prints only; the editor saves it (e.g. as knowledge/claims/<article id>.yaml), replaces
    every FIXME and runs `factbot check`.
    """
    path = Path(article_path)
    text = path.read_text(encoding="utf-8")
    header = _header(text)
    paragraphs = split_paragraphs(text, header.lines)
    names = _Names(kb)
    scanner = _Scanner(names)

    all_cited: list[Cited] = []
    outlets: dict[Cited, str | None] = {}
    stubs: list[_ClaimStub] = []
    for p_no, para in enumerate(paragraphs, start=1):
        cited = find_citations(para)
        all_cited += cited
        spans = sorted({(c.start, c.end) for c in cited})
        for s_no, (a, b) in enumerate(_sentences(para), start=1):
            sentence = para[a:b]
            inside = [c for c in cited if a <= c.start < b]
            local = [(s - a, e - a) for s, e in spans if a <= s < b]
            mentions = scanner.sentence(sentence, p_no, local)
            dates = _find_dates(_mask(sentence, local))
            # A citation closing a passage supports the sentences before it in the paragraph.
            later = [c for c in cited if c.start >= b]
            support = inside or [c for c in later if later and c.start == later[0].start]
            if dates or inside:
                stubs.append(
                    _ClaimStub(p_no, s_no, sentence, support, bool(inside), dates, mentions)
                )
        for c in cited:  # outlets are names too
            outlets[c] = _outlet(names, c, p_no)

    date, note = _article_date(all_cited)
    context = _date_value(date) if date else None
    year = date[:4] if date else None
    ident = article_id or _article_id(header, year)

    out = [
        f"# Draft for {path.name} by `factbot draft`: none of it is in the fact base yet.",
        "# To finish it (docs/adding-facts.md):",
        f"#   1. Copy the article into seeds/ as {path.name} (byte for byte).",
        "#   2. Replace every FIXME value; confirm or fix every guess marked # FIXME.",
        "#   3. Delete entity stubs that are not real names, and claim stubs you cannot fill,",
        "#      then remove deleted ids from subject/mentions (factbot check names any left).",
        f"#   4. Save as knowledge/claims/{ident}.yaml and run `factbot check`.",
        "",
        "articles:",
    ]
    out += _article_lines(header, path.name, ident, date, note, kb)
    out += ["", *_entity_lines(names)]
    out += ["", *_claim_lines(stubs, ident, names, outlets, context, date is not None)]
    return "\n".join(out) + "\n"


def _article_id(header: _Header, year: str | None) -> str:
    """The curated style: publication initials, year, volume, issue (edm-2012-v9-i71)."""
    initials = "".join(w[0] for w in (header.publication or "").split() if w[:1].isalnum())
    parts = [initials.lower() or "article", year]
    if header.volume is not None:
        parts.append(f"v{header.volume}")
    if header.issue is not None:
        parts.append(f"i{header.issue}")
    if header.volume is None and header.issue is None:
        parts.append(_slug(header.title)[:40])
    return _slug("-".join(p for p in parts if p)) or "article"


def _article_lines(
    header: _Header,
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
    lines = _field("  - ", "id", ident, comment)
    lines += _field(i, "file", file, "the article's file name in seeds/")
    lines += _field(i, "title", header.title or FIXME)
    lines += _field(
        i,
        "publication",
        header.publication or FIXME,
        "" if header.publication else "FIXME: no 'Publication:' line",
    )
    lines += _field(i, "volume", header.volume)
    lines += _field(i, "issue", header.issue)
    lines += _field(i, "author", header.author, "" if header.author else "the By: line is empty")
    if date:
        lines += _field(i, "date", date, "FIXME: inferred from the citations (see date_note)")
        lines += _field(i, "date_note", note)
    else:
        lines += _field(
            i, "date", FIXME, f"the text has no date and {note}; write what you know (e.g. 2012-04)"
        )
    lines += _field(
        i,
        "header_lines",
        header.lines,
        "title, Publication: and By: lines"
        if header.lines == 3
        else "FIXME: how many lines at the top are header",
    )
    return lines


def _outlet(names: _Names, cited: Cited, paragraph: int) -> str | None:
    """The cited source's entity id if it is an outlet (known or proposed), else None."""
    known = names.lookup(cited.source)
    if known in names.new:  # named in the text before it was cited
        names.new[known].type, names.new[known].why = EntityType.OUTLET, "cited as a source"
        return known
    if known is not None:
        kb = names.kb
        return known if kb and kb.entities[known].type is EntityType.OUTLET else None
    words = cited.source.split()
    outlet_like = _DOMAIN.fullmatch(cited.source) or (
        len(words) <= 4 and all(w[:1].isupper() or w in _CONNECTORS for w in words)
    )
    if not outlet_like:
        return None
    return names.propose(cited.source, [], paragraph, outlet=True)


def _entity_lines(names: _Names) -> list[str]:
    """What was matched (as comments), then one stub per new name, in order of appearance."""
    lines = []
    if names.known:
        lines.append("# Names already in the fact base (nothing to add):")
        for ident, seen in names.known.items():
            found = ", ".join(f'"{s}"' for s in seen)
            lines.append(f"#   known: {ident} ← {_one_line(found)}")
    if not names.new:
        return [*lines, "entities: []"]
    lines += [
        "# New names: one stub each. Delete those that are not entities of their own.",
        f"# type is one of: {_TYPES}.",
        "entities:",
    ]
    kb = names.kb
    for e in names.new.values():
        seen = ", ".join(f'"{s}"' for s in e.seen_as)
        lines.append(f"  # new: {_one_line(seen)} (paragraph {e.paragraph})")
        if e.close and kb is not None:
            close = ", ".join(f"{c} ({kb.entities[c].name})" for c in e.close[:3])
            lines += _comment(
                f"FIXME: close to {close}; if it is one of them, delete this stub, use that "
                "id instead and add the name to its aliases",
                "  ",
            )
        lines += _field("  - ", "id", e.id, "" if _slug(e.name) else "FIXME: write an id")
        lines += _field("    ", "type", e.type.value, f"FIXME: a guess ({e.why})")
        lines += _field("    ", "name", e.name)
        lines += _field("    ", "description", FIXME, 'a short label, dated "as of" the article')
        if e.aliases:
            aliases = "[" + ", ".join(_scalar(a, flow=True) for a in e.aliases) + "]"
            lines.append(f"    aliases: {aliases}  # FIXME: check; add other spellings")
    return lines


def _claim_lines(
    stubs: list[_ClaimStub],
    article: str,
    names: _Names,
    outlets: dict[Cited, str | None],
    context: DateValue | None,
    article_dated: bool,
) -> list[str]:
    """One claim stub per sentence, with its reference filled in and the open choices marked."""
    if not stubs:
        return ["claims: []"]
    lines = [
        "# One stub per sentence with a date or a citation. Fill subject, predicate and text;",
        "# delete a stub that states nothing worth a claim.",
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
        lines += _field(
            "  - ", "id", f"{article}-p{s.paragraph}-s{s.sentence}", "rename if you like"
        )
        subject_hint = (
            f"who or what the claim is about, e.g. one of {', '.join(s.mentions)}"
            if s.mentions
            else "no names found in the sentence: an entity id, or delete this claim"
        )
        lines += _field("    ", "subject", FIXME, subject_hint)
        lines += _field(
            "    ",
            "predicate",
            FIXME,
            "a snake_case verb: said, proposed, member_of ... (factbot new claim lists them)",
        )
        lines += _field("    ", "text", FIXME, "the statement as answers show it, attributed")
        if s.dates:
            lines += _field(
                "    ", "date", s.dates[0], _date_comment(s.dates, context, article_dated)
            )
        if s.mentions:
            keep = "FIXME: keep only those the claim concerns"
            lines.append(f"    mentions: {_flow_list(s.mentions)}  # {keep}")
        lines.append("    references:")
        refs = s.cited or [None]
        if len(s.cited) > 1:
            lines.append("      # several sources cited: keep the references that support it")
        for c in refs:
            lines += _field("      - ", "article", article)
            lines += _field("        ", "paragraph", s.paragraph)
            lines += _field("        ", "quote", s.quote, "the sentence, verbatim")
            if c is not None:
                lines += _cites_line(c, outlets[c], names, s.own_citation)
    return lines


def _date_comment(dates: list[str], context: DateValue | None, article_dated: bool) -> str:
    first = _date_value(dates[0])
    comment = "FIXME: as written; the first date in the sentence"
    if first is not None and first.year_inferred:
        if context is not None and (value := _date_value(dates[0], context)) is not None:
            comment += f" (= {value.display()} by the article's date)"
        elif not article_dated:
            comment += " (its year comes from the article's date: FIXME above)"
    if len(dates) > 1:
        comment += "; also: " + ", ".join(dates[1:])
    return comment


def _cites_line(c: Cited, outlet: str | None, names: _Names, own: bool) -> list[str]:
    """`cites:` as one flow mapping, as in the curated files, and what was matched."""
    parts = [f"text: {json.dumps(c.text, ensure_ascii=False)}"]
    if outlet is not None:
        parts.append(f"outlet: {outlet}")
        note = f"{'known' if outlet not in names.new else 'new'}: {outlet}"
    else:
        note = "not an outlet" if names.lookup(c.source) is None else "known, but not an outlet"
    parts.append(f"date: {_scalar(c.date, flow=True)}")
    if not own:
        note += "; FIXME: the citation closing this passage, check it supports the sentence"
    return [f"        cites: {{{', '.join(parts)}}}  # {note}"]


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
    target = _TYPE_FILE[entity_type]
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
            out += _comment(f"Existing {what} ids, for style: {', '.join(same)}")
    parents = _PARENT_TYPES.get(entity_type)
    if kb is not None and parents:
        ids = sorted(e.id for e in kb.of_type(*parents))[:20]
        out += _comment(f"part_of candidates: {', '.join(ids)}")
    ident = _slug(name) if name else ""
    out.append("entities:")
    out += _field(
        "  - ", "id", ident or FIXME, "lowercase words joined by hyphens; never change it once used"
    )
    out += _field("    ", "type", what, f"one of {_TYPES}")
    out += _field("    ", "name", name or FIXME, "as the articles write it")
    out += _field("    ", "description", FIXME, 'a short label, dated "as of" the article')
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
            f"#   {a.id}: {_one_line(a.model.title)} ({len(a.paragraphs)} paragraphs)"
            for a in kb.articles.values()
        ]
        used = sorted({f.model.predicate for f in kb.claims.values()})
        structural = ", ".join(STRUCTURAL_PREDICATES)
        out += _comment(f"Predicates with structure in answers: {structural}")
        out += _comment("Predicates already used: " + ", ".join(used))
    known, related = _related(kb, name)
    if related:
        out += [f"# Entities named '{_one_line(name or '')}':", *related]
    out.append("claims:")
    out += _field(
        "  - ", "id", FIXME, "subject-verb-object-date, e.g. lavrov-arrived-astana-2012-04-06"
    )
    out += _field("    ", "subject", known or FIXME, "the entity id the claim is about")
    out += _field("    ", "predicate", FIXME, "a snake_case verb, see the list above")
    out += [
        "    # object: an-entity-id  # optional: the entity the claim points at",
        "    # value: Foreign Minister  # optional: a text value, e.g. a role title",
    ]
    out += _field("    ", "text", FIXME, "the statement as answers show it, attributed")
    out += _field(
        "    ", "date", FIXME, "as the article writes it (April 6 takes the article's year)"
    )
    out += [
        "    mentions: []  # other entity ids the claim concerns",
        "    references:",
    ]
    out += _field("      - ", "article", FIXME, "an article id from the list above")
    out += _field("        ", "paragraph", FIXME, "1 = the first paragraph after the header")
    out += _field("        ", "quote", FIXME, "words copied exactly from that paragraph")
    out.append(
        '        # cites: {text: "Interfax, April 6", outlet: interfax, date: April 6}'
        "  # the article's own citation, if any"
    )
    return "\n".join(out) + "\n"
