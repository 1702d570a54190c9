"""Finding the names in a sentence."""

from __future__ import annotations

from bot.cli.draft.citations import PAREN
from bot.cli.draft.recognise import Mention, Names
from bot.cli.draft.vocab import (
    ACRONYM,
    CONNECTORS,
    NATIVE_ACRONYM,
    QUALIFIERS,
    ROLES,
    STOP,
    TOKEN,
    is_demonym,
)


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """Blank out spans (keeping offsets) so names are not read inside them."""
    chars = list(text)
    for a, b in spans:
        chars[a:b] = "(" + " " * (b - a - 2) + ")"
    return "".join(chars)


def capitalised_runs(text: str) -> list[tuple[int, list[str]]]:
    """(offset, words) of each run of capitalised words joined by spaces ("of" allowed
    inside); a possessive ends its run: "Kazakhstan’s Foreign Minister" is two runs."""
    runs: list[tuple[int, list[str]]] = []
    words: list[str] = []
    start = end = 0
    for m in TOKEN.finditer(text):
        word, possessive = m.group(), False
        if word.endswith(("’s", "'s")):
            word, possessive = word[:-2], True
        capital = word[:1].isupper()
        joined = bool(words) and text[end : m.start()].strip() == ""
        if words and not joined:
            runs.append((start, words))
            words = []
        if capital or (words and word in CONNECTORS):
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


def trim(words: list[str]) -> list[str]:
    """Drop sentence openers and connectors at either end: "The CSTO" is "CSTO"."""
    while words and words[0].lower() in STOP:
        words = words[1:]
    while words and words[-1].lower() in STOP:
        words = words[:-1]
    return words


class Scanner:
    """Finds the names in each sentence and resolves them through `Names`."""

    def __init__(self, names: Names) -> None:
        self.names = names

    def sentence(self, text: str, paragraph: int, skip: list[tuple[int, int]]) -> list[str]:
        """Entity ids named in a sentence, in order; `skip` are its citations."""
        mentions: list[Mention] = []
        masked = mask(text, skip)
        # "Long Name (ACR)" and "Long Name (Native Name – ACR)" first: one entity, three names.
        groups = []
        for m in PAREN.finditer(masked):
            inner = m.group(1).strip()
            native = NATIVE_ACRONYM.fullmatch(inner)
            if not (ACRONYM.fullmatch(inner) or native):
                continue
            aliases = [native["acr"], native["native"].strip()] if native else [inner]
            runs = capitalised_runs(masked[: m.start()])
            long_start, long = m.start(), []
            if runs:
                s, words = runs[-1]
                tail = masked[s : m.start()]
                if tail.rstrip().endswith(words[-1]):
                    long_start, long = s, trim(words)
            name = " ".join(long) if long else aliases.pop(0)
            groups.append((long_start, m.end()))
            ident = self.names.propose(name, aliases, paragraph)
            mentions.append(Mention(long_start, ident))
        masked = mask(masked, groups)
        for start, words in capitalised_runs(masked):
            mentions += [Mention(start + i, ident) for i, ident in self._run(words, paragraph)]
        ordered = [m.id for m in sorted(mentions, key=lambda m: m.pos)]
        return list(dict.fromkeys(ordered))

    def _run(self, words: list[str], paragraph: int) -> list[tuple[int, str]]:
        """Split a run of capitalised words into the longest known names; leftovers become
        new names unless they are only titles, adjectives or sentence openers."""
        found: list[tuple[int, str]] = []
        leftover: list[str] = []
        i = 0
        while i < len(words) and words[i].lower() in STOP:  # "On April 6": not a name
            i += 1
        while i < len(words):
            for j in range(len(words), i, -1):
                span = words[i:j]
                if span[0].lower() in STOP or span[-1].lower() in STOP:
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
        words = trim(words)
        person = False
        lead = 0
        for k, w in enumerate(words):  # "Russian Defense Minister": strip up to the role
            low = w.lower()
            if low in ROLES:
                lead, person = k + 1, True
            elif low not in QUALIFIERS and not is_demonym(w):
                break
        words = words[lead:] if person else words
        if not words:
            return []
        name = " ".join(words)
        if person and (ident := self.names.lookup(name)) is not None:
            return [(at, ident)]
        if len(words) == 1:
            word = words[0]
            if is_demonym(word) or word.lower() in STOP:
                return []
            parts = word.split("-")
            if len(parts) > 1:
                ids = [self.names.lookup(p) for p in parts]
                if all(ids):
                    return [(at, i) for i in ids if i]
        return [(at, self.names.propose(name, [], paragraph, person=person))]
