"""The chat commands on the curated seed article, as a user would see their answers."""

from __future__ import annotations

from itertools import pairwise

import pytest

import bot.commands.building
from bot.commands.search import STOPWORDS, search_facts
from bot.commands.table import COMMANDS, run
from bot.knowledge.names import fold
from bot.render.text import render_text

# (command as typed, expected status, entity id the answer is about, or None)
LOOKUPS = [
    # exact names and ids
    ("who Sergei Lavrov", "ok", "sergei-lavrov"),
    ("who sergei-lavrov", "ok", "sergei-lavrov"),
    ("org CSTO", "ok", "csto"),
    ("what Ulyanovsk", "ok", "ulyanovsk"),
    # case and surname alone
    ("who LAVROV", "ok", "sergei-lavrov"),
    ("who kazykhanov", "ok", "yerzhan-kazykhanov"),
    # acronyms both ways
    ("org ksor", "ok", "ksor"),
    ("org Collective Rapid Reaction Force", "ok", "ksor"),
    ("org Kollektivnye Sil Operativnogo Reagirovaniya", "ok", "ksor"),
    ("org vko", "ok", "vko"),
    ("org Aerospace Defense Forces", "ok", "vko"),
    ("org Collective Security Treaty Organization", "ok", "csto"),
    ("org sco", "ok", "sco"),
    ("org shanghai cooperation organization", "ok", "sco"),
    ("org nato", "ok", "nato"),
    ("org north atlantic treaty organization", "ok", "nato"),
    # transliteration variants
    ("who Serdiukov", "ok", "anatoliy-serdyukov"),
    ("who Anatoly Serdyukov", "ok", "anatoliy-serdyukov"),
    ("who Nazarbaev", "ok", "nursultan-nazarbayev"),
    ("who Erzhan Kazykhanov", "ok", "yerzhan-kazykhanov"),
    ("who Kazikhanov", "ok", "yerzhan-kazykhanov"),
    ("who Kazyhanov", "ok", "yerzhan-kazykhanov"),
    ("who Sergey Lavrov", "ok", "sergei-lavrov"),
    ("who lavrof", "ok", "sergei-lavrov"),
    ("who Alexei Nikolsky", "ok", "aleksei-nikolski"),
    # Cyrillic
    ("who Лавров", "ok", "sergei-lavrov"),
    ("who Назарбаев", "ok", "nursultan-nazarbayev"),
    ("who Путин", "ok", "vladimir-putin"),
    # typos
    ("who lavorv", "ok", "sergei-lavrov"),
    ("who serdyukv", "ok", "anatoliy-serdyukov"),
    ("who nazarbayef", "ok", "nursultan-nazarbayev"),
    ("what ulyanovks", "ok", "ulyanovsk"),
    ("what kazakhstn", "ok", "kazakhstan"),
    # places and countries
    ("what astana", "ok", "astana"),
    ("what tajikistan", "ok", "tajikistan"),
    ("what interfax", "ok", "interfax"),
    # negatives: never a confident answer about the wrong entity
    ("who Medvedev", "not_found", None),
    ("who Obama", "not_found", None),
    ("org OSCE", "not_found", None),
    ("org EU", "not_found", None),
    ("what xyzzy", "not_found", None),
    ("who Lavrentiev", "not_found", None),
]


@pytest.mark.parametrize(("text", "status", "entity"), LOOKUPS, ids=[t[0] for t in LOOKUPS])
def test_lookup_table(seed_kb, text, status, entity):
    answer = run(seed_kb, text)
    assert answer.status == status, render_text(answer, explain=True)
    assert answer.entity_id == entity


@pytest.mark.parametrize(
    ("text", "never"),
    [
        ("org sc", "csto"),
        ("org SOC", "sco"),
        ("org UNO", "un"),
        ("org CTSO", "csto"),
        ("org NATA", "nato"),
    ],
)
def test_short_near_misses_never_answer_another_entity(seed_kb, text, never):
    """Short queries get no typo tolerance: only exact, folded or prefix hits."""
    answer = run(seed_kb, text)
    assert not (answer.status == "ok" and answer.entity_id == never)
    if answer.status == "ok":
        entity = seed_kb.entities[answer.entity_id]
        names = [entity.name, *entity.aliases]
        word = text.split(" ", 1)[1].lower()
        assert any(w.lower().startswith(word) for n in names for w in n.split()), names


def test_sco_is_never_csto(seed_kb):
    answer = run(seed_kb, "org SCO")
    assert answer.status == "ok" and answer.entity_id == "sco"


def test_wrong_type_command_answers_and_says_what_it_is(seed_kb):
    answer = run(seed_kb, "who csto")
    assert answer.status == "ok" and answer.entity_id == "csto"
    assert "is an organisation, not a person" in answer.note


def test_person_profile_has_roles_and_cited_claims(seed_kb):
    answer = run(seed_kb, "who lavrov")
    text = render_text(answer, page_size=50)
    assert answer.title == "Sergei Lavrov"
    roles = [line for line in answer.lines if line.heading == "Roles"]
    assert roles and "Foreign Minister of Russia" in roles[0].text
    assert all(line.citations for line in answer.lines if line.heading != "Also known as")
    assert "Eurasia Daily Monitor, Vol. 9, Issue 71" in text
    assert "citing Krasnaya Zvezda, April 6" in text or "citing Interfax, April 6" in text
    numbers = {n for line in answer.lines for n in line.citations}
    assert numbers == {c.number for c in answer.citations}


def test_csto_members_are_the_seven_states(seed_kb):
    answer = run(seed_kb, "org csto")
    members = next(line for line in answer.lines if line.heading == "Members")
    for state in [
        "Armenia",
        "Belarus",
        "Kazakhstan",
        "Kyrgyzstan",
        "Russia",
        "Tajikistan",
        "Uzbekistan",
    ]:
        assert state in members.text
    cite = next(c for c in answer.citations if c.number == members.citations[0])
    assert "Armenia, Belarus, Kazakhstan" in cite.quote
    assert cite.paragraph == 2


def test_did_you_mean_offers_choices(seed_kb):
    answer = run(seed_kb, "what kaz")
    assert answer.status == "not_found"
    assert answer.kind == "choose"
    assert 2 <= len(answer.suggestions) <= 5
    assert any(s.entity_id == "kazakhstan" for s in answer.suggestions)
    chosen = run(seed_kb, answer.suggestions[0].command)
    assert chosen.status == "ok" and chosen.entity_id == answer.suggestions[0].entity_id


def test_explain_says_how_it_matched(seed_kb):
    answer = run(seed_kb, "who serdiukov")
    assert answer.explain and "anatoliy-serdyukov" in answer.explain
    assert "phonetic" in answer.explain or "fuzzy" in answer.explain


# ---------------------------------------------------------------- dates


def titles(answer) -> list[str]:
    return [line.claim_id for line in answer.lines if line.claim_id]


def test_on_a_day(seed_kb):
    for text in ["on 2012-04-06", "on April 6 2012", "on 6 April 2012", "date April 6, 2012"]:
        answer = run(seed_kb, text)
        assert answer.status == "ok", text
        assert answer.title == "On 6 April 2012"
        assert "lavrov-arrived-astana-2012-04-06" in titles(answer)
        inside = [line for line in answer.lines if line.heading is None]
        assert all(line.date == "6 April 2012" for line in inside), text


def test_on_a_day_does_not_report_month_precise_claims_as_that_day(seed_kb):
    answer = run(seed_kb, "on 2012-04-06")
    month_only = [line for line in answer.lines if line.date == "April 2012"]
    assert all(line.heading and line.heading.startswith("Less precise") for line in month_only)


def test_on_a_yearless_day_uses_the_newest_article_year(seed_kb):
    answer = run(seed_kb, "on April 6")
    assert answer.title == "On 6 April 2012"
    assert "No year given" in answer.note


def test_on_a_month(seed_kb):
    answer = run(seed_kb, "on April 2012")
    assert answer.title == "In April 2012"
    ids = titles(answer)
    assert "lavrov-arrived-astana-2012-04-06" in ids
    assert "csto-summit-moscow-2012-05-15" not in ids


def test_on_a_year_includes_late_2008(seed_kb):
    answer = run(seed_kb, "on 2008")
    assert "kazakhstan-proposed-ksor-late-2008" in titles(answer)
    line = next(x for x in answer.lines if x.claim_id == "kazakhstan-proposed-ksor-late-2008")
    assert line.date == "late 2008"


def test_on_a_range(seed_kb):
    answer = run(seed_kb, "on 2011..2012")
    ids = titles(answer)
    assert "nazarbayev-signed-military-doctrine-2011-10-11" in ids
    assert "lavrov-arrived-astana-2012-04-06" in ids
    assert "kazakhstan-proposed-ksor-late-2008" not in ids


def test_on_a_bad_date_is_a_usage_error(seed_kb):
    answer = run(seed_kb, "on 2012-13-45")
    assert answer.status == "error" and "month 13" in answer.note


def test_on_a_quiet_day(seed_kb):
    answer = run(seed_kb, "on 1999-01-01")
    assert answer.status == "not_found"


def test_when_the_summit(seed_kb):
    """The summit is an event in the fact base: `when` answers it with its cited date."""
    answer = run(seed_kb, "when csto summit")
    assert answer.status == "ok", render_text(answer, explain=True)
    assert answer.entity_id == "csto-summit-moscow-2012"
    assert answer.title == "When: CSTO summit in Moscow (May 2012)"
    assert "15 May 2012" in render_text(answer)
    assert all(line.citations for line in answer.lines)


def test_when_ksor_programme(seed_kb):
    answer = run(seed_kb, "when ksor programme")
    assert "1 December 2012" in render_text(answer, page_size=50)


def test_timeline_is_in_date_order(seed_kb):
    answer = run(seed_kb, "timeline")
    facts = [seed_kb.claims[line.claim_id] for line in answer.lines]
    keys = [f.when.sort_key() for f in facts]
    assert keys == sorted(keys)
    assert len(facts) >= 10


def test_timeline_of_an_entity(seed_kb):
    answer = run(seed_kb, "timeline ksor")
    assert answer.entity_id == "ksor"
    assert answer.lines and all(line.date for line in answer.lines)


# ---------------------------------------------------------------- search, cite, sources, help


def test_search_ulyanovsk(seed_kb):
    answer = run(seed_kb, "search ulyanovsk")
    assert answer.status == "ok"
    assert "russia-agreed-to-host-nato-base-ulyanovsk" in titles(answer)


def test_search_drug_trafficking(seed_kb):
    answer = run(seed_kb, "search drug trafficking")
    assert answer.status == "ok"
    first = seed_kb.claims[answer.lines[0].claim_id]
    assert "drug trafficking" in " ".join(c.quote for c in first.citations)


def test_search_nothing(seed_kb):
    assert run(seed_kb, "search zebra crossing").status == "not_found"


def test_cite_shows_the_full_reference(seed_kb):
    answer = run(seed_kb, "cite lavrov-arrived-astana-2012-04-06")
    text = render_text(answer, page_size=50)
    assert "Eurasia Daily Monitor, Vol. 9, Issue 71" in text
    assert "Paragraph 1" in text
    assert "Krasnaya Zvezda, April 6" in text


def test_cite_unknown_suggests(seed_kb):
    answer = run(seed_kb, "cite lavrov-arrived-astana")
    assert answer.status == "not_found"
    assert any("lavrov-arrived-astana-2012-04-06" in s.command for s in answer.suggestions)


def test_sources_lists_the_article(seed_kb):
    answer = run(seed_kb, "sources")
    text = render_text(answer)
    assert "CSTO Proposes Cooperation with NATO on Afghanistan" in text
    assert "April 2012" in text and "10 paragraphs" in text


def test_help_comes_from_docstrings(seed_kb):
    answer = run(seed_kb, "help")
    text = render_text(answer, page_size=50)
    for spec in COMMANDS:
        assert spec.usage in text
    one = run(seed_kb, "help who")
    assert COMMANDS["who"].help.splitlines()[0] in render_text(one)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "Type a command"),
        ("who", "needs a name"),
        ("who    ", "needs a name"),
        ("frobnicate lavrov", "is not a command"),
        ("woh lavrov", "Did you mean `who`?"),
        ("who " + "a" * 5000, "the limit is 300"),
        ("on 2012-13-45", "month 13"),
    ],
)
def test_bad_input_gets_a_clear_error(seed_kb, text, needle):
    answer = run(seed_kb, text)
    assert answer.status == "error"
    assert needle in (answer.note or "") + (answer.title or "")
    assert answer.exit_code == 2


@pytest.mark.parametrize(
    "text",
    [
        "who @everyone",
        "who <@123456789012345678>",
        "who **bold**`x`",
        "who \u200blav\u200brov",
        "who lav\x00rov",
    ],
)
def test_echoed_text_cannot_ping_or_break_formatting(seed_kb, text):
    answer = run(seed_kb, text)
    shown = render_text(answer)
    assert "@everyone" not in shown
    assert "<@123456789012345678>" not in shown
    assert "**" not in shown and "`x`" not in shown
    assert "\x00" not in shown


def test_zero_width_and_control_characters_are_ignored(seed_kb):
    assert run(seed_kb, "who lav\u200brov").entity_id == "sergei-lavrov"
    assert run(seed_kb, "who lav\x00rov").entity_id == "sergei-lavrov"


def test_search_ranks_dated_and_undated_claims_together(seed_kb):
    """Regression: ranking once compared a date with an int when undated claims tied."""
    answer = run(seed_kb, "search ksor")
    facts = [seed_kb.claims[line.claim_id] for line in answer.lines]
    assert answer.status == "ok"
    assert any(f.when is None for f in facts) and any(f.when for f in facts)


def test_when_naming_no_entity_lists_the_dated_claims_that_mention_the_words(seed_kb):
    """No entity is called "xyzzy ksor proposed": `when` falls back to dated claims."""
    answer = run(seed_kb, "when xyzzy ksor proposed")
    assert answer.status == "ok" and answer.kind == "dates"
    assert answer.title == "Dates for “xyzzy ksor proposed”"
    assert "No entity has that name" in answer.note
    assert "kazakhstan-proposed-ksor-late-2008" in titles(answer)
    dates = [seed_kb.claims[i].when.sort_key() for i in titles(answer)]
    assert dates == sorted(dates)


def test_when_naming_nothing_at_all_says_so(seed_kb):
    answer = run(seed_kb, "when xyzzy plugh")
    assert answer.status == "not_found" and answer.kind == "nothing"
    assert "Nothing matched" in answer.title


def test_long_answers_list_the_first_claims_and_say_how_many_more(seed_kb, monkeypatch):
    def listed(answer):
        return [line.claim_id for line in answer.lines if line.claim_id]

    full = {text: listed(run(seed_kb, text)) for text in ("timeline", "on 2012", "search csto")}
    monkeypatch.setattr(bot.commands.building, "MAX_FACTS", 5)
    for text, ids in full.items():
        assert len(ids) > 5, text
        answer = run(seed_kb, text)
        assert listed(answer) == ids[:5]
        assert f"Showing the first 5 of {len(ids)} claims: ask more narrowly" in render_text(answer)


def test_search_lists_claims_holding_the_phrase_first(seed_kb):
    """Claims whose folded text holds the words as a phrase come before the others, whether
    the phrase stands in the raw text or only after folding (hyphens, quotes, case)."""

    def holds(fact, phrase: str) -> bool:
        return phrase in fold(seed_kb.searchable_text(fact))

    checked = 0
    for fact in list(seed_kb.claims.values())[::3]:
        words = [w for w in fold(fact.model.text).split() if len(w) > 3 and w not in STOPWORDS]
        for a, b in pairwise(words):
            phrase = f"{a} {b}"
            found = search_facts(seed_kb, phrase)
            flags = [holds(f, phrase) for f in found]
            assert flags == sorted(flags, reverse=True), phrase
            checked += 1
    assert checked > 50
