"""The words around a name that tell what it names: "the Termez air base", "Uzbek officials",
"Oboronservis, a holding company". Cues beat the shape of the name itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.model import EntityType

# A demonym or adjective stands for its country: "Uzbek officials" mention Uzbekistan.
DEMONYM_COUNTRY = {
    "uzbek": "Uzbekistan",
    "tajik": "Tajikistan",
    "kyrgyz": "Kyrgyzstan",
    "kazakh": "Kazakhstan",
    "kazakhstani": "Kazakhstan",
    "afghan": "Afghanistan",
    "turkmen": "Turkmenistan",
    "russian": "Russia",
    "american": "United States",
    "armenian": "Armenia",
    "belarusian": "Belarus",
    "german": "Germany",
    "chinese": "China",
    "georgian": "Georgia",
    "azeri": "Azerbaijan",
    "azerbaijani": "Azerbaijan",
    "ukrainian": "Ukraine",
    "british": "United Kingdom",
    "french": "France",
    "iranian": "Iran",
    "pakistani": "Pakistan",
    "indian": "India",
    "turkish": "Turkey",
    "mongolian": "Mongolia",
    "lithuanian": "Lithuania",
    "latvian": "Latvia",
    "estonian": "Estonia",
    "polish": "Poland",
    "romanian": "Romania",
    "moldovan": "Moldova",
    "bulgarian": "Bulgaria",
    "japanese": "Japan",
    "korean": "Korea",
    "syrian": "Syria",
    "israeli": "Israel",
    "italian": "Italy",
    "spanish": "Spain",
    "canadian": "Canada",
    "norwegian": "Norway",
    "swedish": "Sweden",
    "finnish": "Finland",
    "dutch": "Netherlands",
    "czech": "Czech Republic",
    "hungarian": "Hungary",
    "serbian": "Serbia",
    "greek": "Greece",
}
# Country names beyond the demonyms' (a guess of "country" for a new name, never a mention).
_MORE_COUNTRIES = """Albania, Algeria, Australia, Austria, Bahrain, Bangladesh, Belgium,
    Bosnia and Herzegovina, Brazil, Croatia, Cuba, Cyprus, Denmark, Egypt, Iraq, Jordan, Kosovo,
    Kuwait, Lebanon, Libya, Luxembourg, Montenegro, Nepal, New Zealand, North Korea,
    North Macedonia, Oman, Qatar, Saudi Arabia, Slovakia, Slovenia, South Korea, Switzerland,
    United Arab Emirates, United Kingdom, Venezuela, Vietnam, Yemen"""
COUNTRIES = frozenset(c.lower() for c in DEMONYM_COUNTRY.values()) | frozenset(
    " ".join(name.split()).lower() for name in _MORE_COUNTRIES.split(",")
)
# Capitalised words that name no entity of their own, whatever the sentence.
NOT_NAMES = frozenset({"west", "east", "north", "south", "westerners", "the west"})

_CUE_TYPES: dict[str, EntityType] = {
    "air base": EntityType.PLACE,
    "naval base": EntityType.PLACE,
    "military base": EntityType.PLACE,
    "training ground": EntityType.PLACE,
    "training range": EntityType.PLACE,
    "base": EntityType.PLACE,
    "border": EntityType.PLACE,
    "summit": EntityType.EVENT,
    "exercise": EntityType.EVENT,
    "exercises": EntityType.EVENT,
    "uprising": EntityType.EVENT,
    "withdrawal": EntityType.EVENT,
    "election": EntityType.EVENT,
    "war": EntityType.EVENT,
    "programme": EntityType.PROGRAMME,
    "program": EntityType.PROGRAMME,
    "doctrine": EntityType.DOCUMENT,
    "treaty": EntityType.DOCUMENT,
    "declaration": EntityType.DOCUMENT,
}
_CUE_AFTER = re.compile(
    r"[ \t]+(" + "|".join(sorted(map(re.escape, _CUE_TYPES), key=len, reverse=True)) + r")\b"
)
_APPOSITION_TYPES: dict[str, EntityType] = {
    **dict.fromkeys(
        [
            "company",
            "holding",
            "firm",
            "corporation",
            "bank",
            "agency",
            "network",
            "ministry",
            "organization",
            "group",
        ],
        EntityType.ORGANISATION,
    ),
    "newspaper": EntityType.OUTLET,
    **dict.fromkeys(["city", "town", "village", "region", "province"], EntityType.PLACE),
}
_APPOSITION = re.compile(
    r",\s+(?:a|an|the)\s+(?:[a-z-]+\s+){0,3}?(" + "|".join(_APPOSITION_TYPES) + r")\b"
)


@dataclass(frozen=True)
class Cue:
    """A lowercase phrase right after a name ("air base"), or an apposition, and its type."""

    phrase: str
    type: EntityType
    end: int  # where the cue ends in the sentence

    @property
    def why(self) -> str:
        return f"the words '{self.phrase}' around it"


# Hardware named by its designation ("Su-25 attack aircraft", "Mi-8 helicopters"): no entity.
_HARDWARE = re.compile(
    r"[ \t]+(?:[a-z-]+[ \t]+){0,2}?(?:aircraft|airplanes?|planes?|jets?|fighters?|bombers?|"
    r"helicopters?|tanks?|missiles?|drones?|rifles?|howitzers?|systems?|vehicles?)\b"
)
# A word and a number are a label, not a name: "Level 2 standards", "Phase 3", "Article 5".
_LABEL = re.compile(r"[ \t]+\d")
PLURAL_CUES = frozenset({"exercises"})  # "NATO exercises": exercises NATO holds, no name


def cue_after(text: str, end: int) -> Cue | None:
    """The lowercase cue that follows a name ending at `end`: "Termez| air base"."""
    m = _CUE_AFTER.match(text, end)
    return Cue(m[1], _CUE_TYPES[m[1]], m.end()) if m else None


def apposition_after(text: str, end: int) -> Cue | None:
    """An apposition after a name: "Oboronservis|, a holding company of the ministry"."""
    m = _APPOSITION.match(text, end)
    return Cue(m[1], _APPOSITION_TYPES[m[1]], m.end()) if m else None


def hardware_after(text: str, end: int) -> bool:
    """A name ending at `end` designates hardware: "Su-25| attack aircraft"."""
    return _HARDWARE.match(text, end) is not None


def label_after(text: str, end: int) -> bool:
    """A word ending at `end` is followed by a number: "Level| 2 standards"."""
    return _LABEL.match(text, end) is not None


def country_of(word: str) -> str | None:
    """The country a demonym stands for ("Uzbek" -> Uzbekistan), else None."""
    return DEMONYM_COUNTRY.get(word.lower())


def is_pronoun_like(word: str, stop: frozenset[str]) -> bool:
    """ "We’ve", "It’s", "They’re": a stop word with a contraction is no name."""
    base = re.split(r"[’']", word, maxsplit=1)[0]
    return base != word and base.lower() in stop
