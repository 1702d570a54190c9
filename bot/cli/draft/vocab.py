"""Word lists and small name helpers the draft reads an article with."""

from __future__ import annotations

import re
import unicodedata


def word_set(text: str) -> frozenset[str]:
    """A word list written as one string, for readability."""
    return frozenset(text.split())


# ----------------------------------------------------------------------------- names

# Capitalised words that start sentences or are dates, never names on their own.
STOP = word_set(
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
CONNECTORS = frozenset({"of", "for", "the"})  # inside names: Ministry of Defence
# Leading words stripped before a person's name: "Russian Defense Minister Anatoliy Serdyukov".
ROLES = word_set(
    """minister president premier secretary chief commander general colonel lieutenant major
    admiral marshal ambassador chairman director spokesman spokeswoman governor mayor senator
    mr mrs ms dr gen col colonel-general lieutenant-general major-general"""
)
QUALIFIERS = word_set(
    "foreign defense defence deputy prime vice interior finance first acting former"
)
DEMONYMS = word_set("tajik uzbek kyrgyz kazakh afghan turkmen azeri russian western eastern soviet")
ORG_WORDS = word_set(
    """organization organisation force forces ministry council committee agency service army
    navy party union bank command group fund institute center centre foundation staff network
    brigade division regiment fleet guard guards alliance commission assembly parliament
    government office"""
)
EVENT_WORDS = word_set(
    "exercise exercises summit meeting conference election war operation drills games uprising"
)
DOC_WORDS = word_set("doctrine treaty declaration agreement charter law concept plan")
PROGRAMME_WORDS = frozenset({"programme", "program"})
PLACE_WORDS = word_set("range mountains valley province region oblast city border district base")
ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)")  # "201st Military Base": part of a unit's name
# Verbs of saying and doing: a sentence with one of them reports a fact, even with one name
# and no date ("American officials have welcomed the new course").
FACT_VERBS = word_set(
    """said says say told tells tell announced announces announce stated states declared
    declares confirmed confirms denied denies warned warns welcomed welcomes promised promises
    pledged agreed agrees signed signs approved approves ratified adopted rejected rejects
    proposed proposes called calls urged urges condemned accused appointed dismissed elected
    met meets visited visits hosted hosts held holds hold opened closed launched began begins
    ended sent deployed deploys withdrew expelled evicted joined suspended bought sold
    delivered received ordered voted decided established created spoke noted claimed reported
    insisted admitted acknowledged threatened asked requested offered keeps kept guards"""
)
TOKEN = re.compile(r"\w+(?:[-.’'&]\w+)*")
CAPS = "A-ZА-ЯЁ"  # Latin and Cyrillic capitals
ACRONYM = re.compile(rf"[{CAPS}][{CAPS}0-9&]{{1,9}}")
NATIVE_ACRONYM = re.compile(rf"(?P<native>[^–—-]+?)\s*[–—-]\s*(?P<acr>{ACRONYM.pattern})")
DOMAIN = re.compile(r"(?:www\.)?[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


def is_demonym(word: str) -> bool:
    """Adjectives such as "Tajik-Afghan" or "Kazakhstani" name no entity of their own."""
    parts = word.lower().split("-")
    return all(p in DEMONYMS or p.endswith(("ian", "ani", "ese", "ish", "ean")) for p in parts)


def slug(text: str) -> str:
    """An id from a name, in the fact base's style: "Farrukh Sharipov" -> farrukh-sharipov."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
