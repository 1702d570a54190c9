"""Finding the names in a sentence."""

from __future__ import annotations

from bot.cli.draft.cues import (
    NOT_NAMES,
    PLURAL_CUES,
    Cue,
    apposition_after,
    country_of,
    cue_after,
    hardware_after,
    is_pronoun_like,
    label_after,
)
from bot.cli.draft.recognise import Mention, Names
from bot.cli.draft.vocab import (
    ACRONYM,
    CONNECTORS,
    DOC_WORDS,
    NATIVE_ACRONYM,
    ORDINAL,
    ORG_WORDS,
    QUALIFIERS,
    ROLES,
    STOP,
    TOKEN,
    is_demonym,
)
from bot.knowledge.citations import PAREN
from bot.knowledge.model import EntityType


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """Blank out spans (keeping offsets) so names are not read inside them."""
    chars = list(text)
    for a, b in spans:
        chars[a:b] = "(" + " " * (b - a - 2) + ")"
    return "".join(chars)


Run = tuple[int, int, list[str]]
"""(start, end, words) of a run of capitalised words in a sentence."""

Found = tuple[int, str]
"""(word position in its run, entity id)."""


def capitalised_runs(text: str) -> list[Run]:
    """Each run of capitalised words joined by spaces ("of" allowed inside, "on" after a
    document word: "Treaty on Strategic Partnership", an ordinal before a capital: "201st
    Military Base"); a possessive ends its run: "Kazakhstan’s Foreign Minister" is two runs."""
    runs: list[Run] = []
    words: list[str] = []
    start = last = gap = 0  # run start, end of its last word, end of the previous token
    for m in TOKEN.finditer(text):
        word, possessive = m.group(), False
        if word.endswith(("’s", "'s")):
            word, possessive = word[:-2], True
        if words and text[gap : m.start()].strip():
            runs.append((start, last, words))
            words = []
        connector = bool(words) and (
            word in CONNECTORS or (word == "on" and words[-1].lower() in DOC_WORDS)
        )
        ordinal = ORDINAL.fullmatch(word) is not None
        if word[:1].isupper() or connector or ordinal:
            if not words:
                start = m.start()
            words.append(word)
            if not (connector or ordinal):
                last = m.start() + len(word)
        elif words:
            runs.append((start, last, words))
            words = []
        gap = m.end()
        if possessive and words:
            runs.append((start, last, words))
            words = []
    if words:
        runs.append((start, last, words))
    runs = [(s, e, trim_connectors(w)) for s, e, w in runs]
    return [(s, e, w) for s, e, w in runs if any(x[:1].isupper() for x in w)]


def trim_connectors(words: list[str]) -> list[str]:
    """A run never ends with a connector or an ordinal: "Ministry of" is "Ministry"."""
    while words and (words[-1] in CONNECTORS or words[-1] == "on" or ORDINAL.fullmatch(words[-1])):
        words = words[:-1]
    return words


def is_stop(word: str) -> bool:
    """Sentence openers, connectors and contractions of them ("We’ve")."""
    return word.lower() in STOP or is_pronoun_like(word, STOP)


def trim(words: list[str]) -> list[str]:
    """Drop sentence openers and connectors at either end: "The CSTO" is "CSTO"."""
    while words and is_stop(words[0]):
        words = words[1:]
    while words and is_stop(words[-1]):
        words = words[:-1]
    return words


def _after_title(words: list[str]) -> tuple[list[str], bool]:
    """The words after the last title ("Moscow Oblast Governor Sergei Shoigu" -> "Sergei
    Shoigu", True), or the words unchanged and False when no title leads a name."""
    for k in range(len(words) - 1, -1, -1):
        rest = words[k + 1 :]
        if words[k].lower() in ROLES and rest and not any(w.lower() in ORG_WORDS for w in rest):
            return rest, True
    return words, False


def _is_title_word(word: str) -> bool:
    low = word.lower()
    return low in ROLES or low in QUALIFIERS or is_demonym(word) or bool(country_of(word))


class Scanner:
    """Finds the names in each sentence and resolves them through `Names`."""

    def __init__(self, names: Names) -> None:
        self.names = names

    def sentence(self, text: str, paragraph: int, skip: list[tuple[int, int]]) -> list[str]:
        """Entity ids named in a sentence, in order; `skip` are its citations."""
        mentions: list[Mention] = []
        masked = mask(text, skip)
        groups = []
        for start, end, ident in self._acronym_groups(masked, paragraph):
            groups.append((start, end))
            mentions.append(Mention(start, ident))
        masked = mask(masked, groups)
        for start, end, words in capitalised_runs(masked):
            found = self._named(masked, end, words, paragraph)
            mentions += [Mention(start + i, ident) for i, ident in found]
        ordered = [m.id for m in sorted(mentions, key=lambda m: m.pos)]
        return list(dict.fromkeys(ordered))

    def _acronym_groups(self, masked: str, paragraph: int) -> list[tuple[int, int, str]]:
        """ "Long Name (ACR)" and "Long Name (Native Name – ACR)": one entity, three names;
        a cue after the parentheses types it ("Karshi-Khanabad (K2) air base")."""
        found = []
        for m in PAREN.finditer(masked):
            inner = m.group(1).strip()
            native = NATIVE_ACRONYM.fullmatch(inner)
            if not (ACRONYM.fullmatch(inner) or native):
                continue
            aliases = [native["acr"], native["native"].strip()] if native else [inner]
            runs = capitalised_runs(masked[: m.start()])
            long_start, long = m.start(), []
            if runs:
                s, _, words = runs[-1]
                tail = masked[s : m.start()]
                if tail.rstrip().endswith(words[-1]):
                    long_start, long = s, trim(words)
            name = " ".join(long) if long else aliases.pop(0)
            cue = cue_after(masked, m.end())
            typed = None
            if cue is not None and long:
                name, typed = f"{name} {cue.phrase}", (cue.type, cue.why)
            ident = self.names.propose(name, aliases, paragraph, typed)
            found.append((long_start, cue.end if cue and long else m.end(), ident))
        return found

    def _named(self, masked: str, end: int, words: list[str], paragraph: int) -> list[Found]:
        """The ids a run names, read with the words after it; hardware ("Su-25 attack
        aircraft") and labels ("Level 2") name nothing new."""
        if hardware_after(masked, end) or (len(words) == 1 and label_after(masked, end)):
            return self._run(words, paragraph, None, propose=False)
        cue = cue_after(masked, end)
        if cue is not None:
            return self._with_cue(words, cue, paragraph)
        return self._run(words, paragraph, apposition_after(masked, end))

    def _with_cue(self, words: list[str], cue: Cue, paragraph: int) -> list[Found]:
        """ "the CSTO summit", "the Termez air base": the run and its cue are one name, known
        (whatever words lead it) or new, and its core alone ("Termez") a name of it for later
        mentions; the run's own known names are mentioned too. A place's own name with a place
        cue ("the Kant base" after "Kant") and a known name with a plural cue ("NATO
        exercises") are mentions, not new names."""
        core, _ = _after_title(trim(words))
        own = self._run(words, paragraph, None, propose=False)
        for i in range(len(core)):
            if (ident := self.names.lookup(" ".join([*core[i:], cue.phrase]))) is not None:
                return [(0, ident), *own]
        if not core or all(country_of(w) or is_stop(w) for w in core):
            return own  # "the Afghan border": a mention of Afghanistan, no name of its own
        same = self.names.lookup(" ".join(core))
        if same is not None and (
            cue.phrase in PLURAL_CUES
            or (cue.type is EntityType.PLACE and self.names.type_of(same) is EntityType.PLACE)
        ):
            return [(0, same), *own]
        name, aliases = " ".join([*core, cue.phrase]), [] if same else [" ".join(core)]
        return [(0, self.names.propose(name, aliases, paragraph, (cue.type, cue.why))), *own]

    def _run(
        self, words: list[str], paragraph: int, cue: Cue | None, *, propose: bool = True
    ) -> list[Found]:
        """Split a run of capitalised words into the longest known names; leftovers become
        new names unless they are only titles, adjectives or sentence openers."""
        found: list[Found] = []
        leftover: list[str] = []
        i = 0
        while i < len(words) and is_stop(words[i]):  # "On April 6": not a name
            i += 1
        while i < len(words):
            for j in range(len(words), i, -1):
                span = words[i:j]
                if is_stop(span[0]) or is_stop(span[-1]):
                    continue
                ident = self.names.lookup(" ".join(span))
                if ident is not None:
                    found += self._leftover(leftover, i - len(leftover), paragraph, None, propose)
                    leftover = []
                    found.append((i, ident))
                    i = j
                    break
            else:
                leftover.append(words[i])
                i += 1
        return found + self._leftover(leftover, i - len(leftover), paragraph, cue, propose)

    def _leftover(
        self, words: list[str], at: int, paragraph: int, cue: Cue | None, propose: bool
    ) -> list[Found]:
        """Words no known name covers: demonyms mention their country, a title leads a
        person, pronoun-like and generic words are dropped, the rest is a new name."""
        words = trim(words)
        countries = self._countries(words)
        if all(_is_title_word(w) for w in words):  # "President", "Defense Minister"
            return countries
        name_words, person = _after_title(words)
        if not person:
            k = 0  # "Uzbek Foreign Ministry" keeps its demonym; "Uzbek" alone is a mention
            while k < len(name_words) and (country_of(name_words[k]) or is_demonym(name_words[k])):
                k += 1
            if k == len(name_words):
                return countries
        name = " ".join(name_words)
        if not name_words or not propose:
            return countries
        if not person and is_demonym(name_words[-1]):  # "Central Asian": an adjective
            ident = self._adjective_of(name)
            return [*countries, (at, ident)] if ident else countries
        if person and (ident := self.names.lookup(name)) is not None:
            return [*countries, (at, ident)]
        if len(name_words) == 1:
            word = name_words[0]
            if is_stop(word) or word.lower() in NOT_NAMES:
                return countries
            parts = word.split("-")
            if len(parts) > 1 and all(ids := [self.names.lookup(p) for p in parts]):
                return [(at, i) for i in ids if i]
        typed = (EntityType.PERSON, "it follows a title") if person else None
        if cue is not None and not person:
            typed = (cue.type, cue.why)
        return [*countries, (at, self.names.propose(name, [], paragraph, typed))]

    def _adjective_of(self, name: str) -> str | None:
        """The known name an adjective is formed from: "Central Asian" -> Central Asia."""
        for cut in (1, 2):  # Asian -> Asia, Kazakhstani -> Kazakhstan, Syrian -> Syria
            if (ident := self.names.lookup(name[:-cut])) is not None:
                return ident
        return None

    def _countries(self, words: list[str]) -> list[Found]:
        """Mentions of the countries the run's demonyms stand for ("Uzbek" -> uzbekistan)."""
        found: list[Found] = []
        for k, w in enumerate(words):
            for part in w.split("-"):
                country = country_of(part)
                if country and (ident := self.names.lookup(country)) is not None:
                    found.append((k, ident))
        return found
