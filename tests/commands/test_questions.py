"""Questions in plain words (issue 16): each form answered from the claims, cited, or unknown."""

from __future__ import annotations

import pytest

from bot.commands.table import run
from bot.render.text import render_text


def ask(kb, question):
    answer = run(kb, question)
    return answer, render_text(answer, page_size=50)


def cited(answer) -> None:
    """Every line of an answer that states something carries a citation."""
    assert answer.lines
    for line in answer.lines:
        assert line.citations, line.text


def test_what_did_x_say_lists_statement_claims(seed_kb):
    answer, text = ask(seed_kb, "what did Nikolski say?")
    assert answer.status == "ok"
    assert answer.title == "What Aleksei Nikolski said"
    assert "Russia must pay for it" in text
    assert "defense correspondent for Vedomosti, according" not in text  # works_for: not a saying
    cited(answer)


def test_what_did_x_say_about_y_keeps_only_claims_about_y(seed_kb):
    answer, text = ask(seed_kb, "what did Kazykhanov say about Eurasia?")
    assert answer.title == "What Yerzhan Kazykhanov said about Eurasian continent"
    assert "authoritative international structure" in text
    assert "information security" not in text
    cited(answer)


def test_unknown_speaker_is_reported_and_the_known_topic_answered(seed_kb):
    answer, text = ask(seed_kb, "What did Merkel say about the SCO?")
    assert "I know nothing about Merkel; here is what the sources say about" in text
    assert "Shanghai Cooperation Organization" in text
    cited(answer)


def test_unknown_name_alone_is_a_clean_not_found(seed_kb):
    answer, _ = ask(seed_kb, "what did Merkel say?")
    assert answer.status == "not_found"
    assert answer.title == "I know nothing about Merkel"


def test_who_verbs_x(seed_kb):
    answer, text = ask(seed_kb, "who chairs the CSTO?")
    assert answer.status == "ok"
    assert answer.title == "Who chairs CSTO: Kazakhstan"
    assert "rotating chairmanship" in text
    cited(answer)


def test_who_signed_something_nobody_is_recorded_signing(seed_kb):
    answer, _ = ask(seed_kb, "who signed the declaration?")
    assert answer.status == "not_found"
    assert answer.title == "The sources do not say who signed the declaration"
    assert not answer.suggestions  # no single-choice "did you mean"


def test_who_signed_the_doctrine(seed_kb):
    answer, _ = ask(seed_kb, "who signed the doctrine?")
    assert answer.title.endswith(": Nursultan Nazarbayev")
    cited(answer)


def test_membership_yes_with_citation(seed_kb):
    answer, text = ask(seed_kb, "is Armenia in the CSTO?")
    assert answer.status == "ok"
    assert answer.title == "Yes: Armenia is a member of CSTO (as of April 2012)"
    assert "April 2012: Armenia is a member of the CSTO" in text
    cited(answer)


def test_membership_unknown_is_not_no(seed_kb):
    answer, text = ask(seed_kb, "Is the United States a member of the CSTO?")
    assert answer.status == "not_found"
    assert answer.title.startswith("Unknown: the sources do not say that United States")
    assert "Members of CSTO on record: Armenia, Belarus" in text


def test_membership_is_time_aware(seed_kb):
    answer, text = ask(seed_kb, "is Armenia in the CSTO in 2008?")
    assert answer.status == "not_found"
    assert answer.title.endswith("in 2008")
    assert "April 2012: Armenia is a member of the CSTO" in text  # what is on record, cited


def test_role_of_country(seed_kb):
    for question in (
        "who is Russia's foreign minister?",
        "who is the foreign minister of Russia?",
    ):
        answer, _ = ask(seed_kb, question)
        assert answer.status == "ok", question
        assert answer.title.endswith("of Russia: Sergei Lavrov"), answer.title
        cited(answer)
    answer, _ = ask(seed_kb, "who is the Russian defence minister?")
    assert answer.title == "Defence minister of Russia: Anatoliy Serdyukov"


def test_role_nobody_holds_is_unknown(seed_kb):
    answer, text = ask(seed_kb, "who is the prime minister of Kazakhstan?")
    assert answer.status == "not_found"
    assert answer.title == "The sources name no prime minister of Kazakhstan"
    assert "Roles on record for Kazakhstan" in text


def test_what_happened_in_a_place(seed_kb):
    answer, text = ask(seed_kb, "what happened in Moscow?")
    assert answer.status == "ok"
    assert answer.title == "What happened in Moscow"
    assert "CSTO summit was to be held in Moscow" in text
    cited(answer)


def test_what_happened_in_a_year_is_still_a_date(seed_kb):
    answer, _ = ask(seed_kb, "what happened in 2008?")
    assert answer.title == "In 2008"


def test_where(seed_kb):
    answer, _ = ask(seed_kb, "where did Lavrov arrive?")
    assert answer.title == "Where: Sergei Lavrov: Astana"
    cited(answer)


def test_when_with_a_verb_keeps_the_claims_with_that_verb(seed_kb):
    answer, text = ask(seed_kb, "ask when was KSOR proposed")
    assert answer.status == "ok"
    assert "late 2008" in text and "five-year planning" not in text


def test_no_pattern_answers_with_claims_of_the_entities(seed_kb):
    answer, text = ask(seed_kb, "what about Kyrgyzstan and Tajikistan payments?")
    assert answer.status == "ok"
    assert "requests for payment" in text
    cited(answer)


def test_a_question_is_never_not_a_command(seed_kb):
    answer, _ = ask(seed_kb, "how come the weather is nice?")
    assert "not a command" not in (answer.note or "")
    assert answer.status == "not_found"


def test_explain_shows_the_reading(seed_kb):
    answer = run(seed_kb, "who chairs the CSTO?")
    assert "Question read as: who chairs X" in (answer.explain or "")
    assert "Predicates: chair_of" in (answer.explain or "")


def test_help_says_plain_questions_work(seed_kb):
    text = render_text(run(seed_kb, "help"), page_size=50)
    assert "ask <question>" in text and "plain questions work" in text


@pytest.mark.parametrize(
    ("command", "title"),
    [
        ("who nursultan", "Nursultan Nazarbayev"),
        ("org shanghai cooperation", "Shanghai Cooperation Organization (SCO)"),
    ],
)
def test_one_meaning_is_answered_not_offered(seed_kb, command, title):
    answer = run(seed_kb, command)
    assert answer.status == "ok" and answer.title == title
    assert not answer.suggestions


# ---------------------------------------------------------------- held-out questions

# (question, expected status, text the answer's title must hold, or None).
# Written before running them; half A was used to tune, half B was not looked at while tuning.
HELD_OUT_A = [
    ("who is Kazykhanov?", "ok", "Yerzhan Kazykhanov"),
    ("what did Serdyukov say?", "ok", "What Anatoliy Serdyukov said"),
    ("what did Lavrov note?", "ok", "Sergei Lavrov"),
    ("who proposed KSOR?", "ok", "Kazakhstan"),
    ("who initiated the declaration?", "ok", "Russia"),
    ("who won the election?", "ok", "Vladimir Putin"),
    ("is Belarus a member of the CSTO?", "ok", "Yes: Belarus"),
    ("is Uzbekistan part of the CSTO?", "ok", "Yes: Uzbekistan"),
    ("is Afghanistan in the CSTO?", "not_found", "Unknown"),
    ("is Russia in NATO?", "not_found", "Unknown"),
    ("who is the president of Kazakhstan?", "ok", "Nursultan Nazarbayev"),
    ("who is Kazakhstan's foreign minister?", "ok", "Yerzhan Kazykhanov"),
    ("who is the Kazakh foreign minister?", "ok", "Yerzhan Kazykhanov"),
    ("who is Russia's prime minister?", "ok", "Vladimir Putin"),
    ("who is the president of Armenia?", "not_found", "no president of Armenia"),
    ("what happened in Astana?", "ok", "What happened in Astana"),
    ("what happened in Tashkent?", "not_found", "Tashkent"),
    ("how is Lavrov connected to the CSTO?", "ok", "How Sergei Lavrov is connected"),
    ("how is Putin connected to KSOR?", "ok", "How Vladimir Putin is connected"),
    ("what connects Nazarbayev and the CSTO?", "ok", "How Nursultan Nazarbayev"),
    ("where is the NATO transit base?", "ok", "Ulyanovsk"),
    ("what did Merkel say?", "not_found", "I know nothing about Merkel"),
    ("who chairs NATO?", "not_found", "The sources do not say who chairs NATO"),
    ("what did Obama say about NATO?", "ok", "NATO"),
    ("who is Medvedev?", "not_found", None),
    ("is Kazakhstan in the SCO?", "not_found", "Unknown"),
    ("what is the SCO?", "ok", "Shanghai Cooperation Organization"),
    ("who signed Kazakhstan's military doctrine?", "ok", "Nursultan Nazarbayev"),
    ("what did Kazykhanov explain?", "ok", "Yerzhan Kazykhanov"),
    ("when was the CSTO summit?", "ok", "CSTO summit"),
]
HELD_OUT_B = [
    ("what did Nazarbayev sign?", "ok", "Nursultan Nazarbayev"),
    ("who supported the declaration?", "ok", None),
    ("who recognises the CSTO?", "ok", "UN"),
    ("who cooperates with the SCO?", "ok", "CSTO"),
    ("who opposes NATO?", "ok", "Russia"),
    ("is Tajikistan a member of the CSTO?", "ok", "Yes: Tajikistan"),
    ("is Kyrgyzstan in the CSTO as of April 2012?", "ok", "Yes: Kyrgyzstan"),
    ("is the UN a member of the CSTO?", "not_found", "Unknown"),
    ("who is the defense minister of Russia?", "ok", "Anatoliy Serdyukov"),
    ("who is Russia's president?", "not_found", "no president of Russia"),
    ("who is the foreign minister of Uzbekistan?", "not_found", "Uzbekistan"),
    ("what happened in Ulyanovsk?", "ok", None),
    ("what happened in Brussels?", "not_found", "Brussels"),
    ("how is Kazakhstan connected to NATO?", "ok", "How Kazakhstan is connected"),
    ("how is Serdyukov related to the CSTO?", "ok", "How Anatoliy Serdyukov"),
    ("what is the link between Putin and Lavrov?", "ok", "How Vladimir Putin"),
    ("where did the CSTO foreign ministers meet?", "ok", "Astana"),
    ("where was the CSTO summit?", "ok", "Moscow"),
    ("what did Nikolski say about Central Asia?", "ok", "Aleksei Nikolski"),
    ("what did Nikolski say about NATO?", "not_found", "nothing Aleksei Nikolski said"),
    ("what did Putin say?", "not_found", "nothing Vladimir Putin said"),
    ("who is Angela Merkel?", "not_found", None),
    ("is Germany in NATO?", "not_found", "Germany"),
    ("who signed the treaty?", "not_found", None),
    ("who chairs the CSTO in April 2012?", "ok", "Kazakhstan"),
    ("what did Kazakhstan propose?", "ok", "Kazakhstan"),
    ("who proposed cooperation with NATO?", "ok", None),
    ("what did the CSTO propose?", "ok", "CSTO"),
    ("when did Putin win the election?", "ok", "Vladimir Putin"),
    ("who is the Russian foreign minister?", "ok", "Sergei Lavrov"),
]

# Written before the second round of tuning (on the five failures of half B), and not
# looked at while tuning: the honest rate of the fixes.
HELD_OUT_C = [
    ("who arrived in Astana?", "ok", "Sergei Lavrov"),
    ("when did Lavrov arrive in Astana?", "ok", "Sergei Lavrov"),
    ("who is the chairman of the CSTO?", "ok", "Kazakhstan"),
    ("who supported the CSTO declaration?", "ok", None),
    ("who opposes the expansion of NATO?", "ok", "Russia"),
    ("where was the CSTO foreign ministers meeting held?", "ok", "Astana"),
    ("when was the Kazakh military doctrine signed?", "ok", None),
    ("is Armenia a member of NATO?", "not_found", "Unknown"),
    ("what did Serdyukov say about KSOR?", "ok", "Anatoliy Serdyukov"),
    ("who signed the military doctrine in 2011?", "ok", "Nursultan Nazarbayev"),
    ("how is Uzbekistan connected to NATO?", "ok", "How Uzbekistan"),
    ("who proposed the KSOR?", "ok", "Kazakhstan"),
]


def _passes(kb, question, status, needle) -> bool:
    answer = run(kb, question)
    if answer.status != status:
        return False
    if needle is not None and needle not in answer.title + (answer.note or ""):
        return False
    names = {"Also known as", "Part of"}  # a profile's names are the entity's, not claims
    claims = [line for line in answer.lines if line.heading not in names]
    return answer.status != "ok" or all(line.citations for line in claims)


@pytest.mark.parametrize(
    ("name", "table"), [("A", HELD_OUT_A), ("B", HELD_OUT_B), ("C", HELD_OUT_C)]
)
def test_held_out_questions(seed_kb, name, table, capsys):
    failed = [q for q, status, needle in table if not _passes(seed_kb, q, status, needle)]
    rate = 1 - len(failed) / len(table)
    with capsys.disabled():
        print(f"\nheld-out half {name}: {rate:.0%} of {len(table)} passed; failed: {failed}")
    assert rate >= 0.8, failed


NEVER_WRONG = [
    ("who is the foreign minister of Russia?", "Sergei Lavrov", ("Kazykhanov",)),
    ("who chairs the CSTO?", "Kazakhstan", ("Russia:",)),
    ("is SCO in the CSTO?", None, ("Yes",)),
]


@pytest.mark.parametrize(("question", "right", "wrong"), NEVER_WRONG)
def test_no_question_is_answered_with_a_wrong_entity(seed_kb, question, right, wrong):
    answer = run(seed_kb, question)
    if right:
        assert right in answer.title
    for w in wrong:
        assert w not in answer.title


# ---------------------------------------------------------------- the second round (issue 16)


def test_who_verbed_x_reads_a_by_predicate_the_right_way_round(seed_kb):
    answer, _ = ask(seed_kb, "who supported the declaration?")
    assert answer.status == "ok"
    assert answer.title.startswith("Who supported CSTO foreign ministers' declaration")
    assert answer.title.endswith(": all CSTO members")  # the supporters, not the declaration
    cited(answer)


def test_who_verbed_x_at_a_time(seed_kb):
    answer, _ = ask(seed_kb, "who chairs the CSTO in April 2012?")
    assert answer.title == "Who chairs CSTO in April 2012: Kazakhstan"
    cited(answer)
    before, _ = ask(seed_kb, "who chairs the CSTO in 2008?")
    assert before.status == "not_found"
    assert before.title == "The sources do not say who chairs CSTO in 2008"


def test_who_verbed_something_a_claims_value_names(seed_kb):
    answer, text = ask(seed_kb, "who proposed cooperation with NATO?")
    assert answer.title == "Who proposed cooperation with NATO: Russia"
    assert "evacuation" not in text  # the CSTO's other proposal to NATO is not cooperation
    cited(answer)


def test_where_did_a_group_meet_finds_its_meeting(seed_kb):
    answer, _ = ask(seed_kb, "where did the CSTO foreign ministers meet?")
    assert answer.title == "Where: CSTO Council of Foreign Ministers: Astana"
    claims = [line.claim_id for line in answer.lines if line.claim_id]
    assert claims == ["csto-cfm-meeting-held-astana-2012-04-06"]
    cited(answer)


@pytest.mark.parametrize(
    ("question", "title", "claim"),
    [
        ("when did Putin win the election?", "When: Vladimir Putin", "putin-won-presidential"),
        ("when was KSOR proposed?", "When: Collective Rapid Reaction Force (KSOR)", "kazakhstan"),
        ("when did Lavrov arrive in Astana?", "When: Sergei Lavrov", "lavrov-arrived-astana"),
    ],
)
def test_when_questions_keep_the_claims_with_their_verb(seed_kb, question, title, claim):
    answer, _ = ask(seed_kb, question)
    assert answer.title == title
    claims = [line.claim_id for line in answer.lines if line.claim_id]
    assert len(claims) == 1 and claims[0].startswith(claim)
    assert "Question read as: when did X" in (answer.explain or "")
    cited(answer)


def test_plain_when_commands_are_unchanged(seed_kb):
    answer, _ = ask(seed_kb, "when ksor")
    assert answer.title == "When: Collective Rapid Reaction Force (KSOR)"
    assert len([line for line in answer.lines if line.claim_id]) == 5  # every dated claim
    assert "Question read as" not in (answer.explain or "")


def test_a_country_adjective_names_the_countrys_thing_only_when_nothing_else_is_found(seed_kb):
    # "Kazakh military doctrine" is read as Kazakhstan's military doctrine ...
    doctrine = run(seed_kb, "when was the Kazakh military doctrine signed?")
    assert doctrine.status == "ok" and "Kazakhstan's 2011 military doctrine" in doctrine.title
    assert "11 October 2011" in render_text(doctrine)
    # ... while a name found as written is kept: read as "Russia's Aerospace Defense
    # Forces", the question would be about Russia
    forces = run(seed_kb, "when were the Russian Aerospace Defense Forces created?")
    assert "Aerospace Defense Forces" in forces.title and "Russia" not in forces.title
