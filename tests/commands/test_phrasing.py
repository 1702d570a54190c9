"""Questions as people type them map onto the commands that answer them."""

from __future__ import annotations

import pytest

from bot.commands.phrasing import rewrite
from bot.commands.table import run
from bot.render.text import render_text


@pytest.mark.parametrize(
    ("question", "command"),
    [
        ("who is Kazykhanov?", "who Kazykhanov"),
        ("Who was Lavrov", "who Lavrov"),
        ("when was KSOR proposed?", "when KSOR"),
        ("when did the CSTO summit take place?", "when CSTO summit"),
        ("what happened on April 6?", "on April 6"),
        ("what happened in 2008", "on 2008"),
        ("which countries are in the CSTO?", "org CSTO"),
        ("who are the members of the CSTO", "org CSTO"),
        ("what is the SCO?", "what SCO"),
        ("tell me about Ulyanovsk", "what Ulyanovsk"),
        ("timeline of the CSTO", "timeline CSTO"),
        # commands as typed stay exactly as they are
        ("who lavrov", "who lavrov"),
        ("when ksor programme", "when ksor programme"),
        ("on 2012-04-06", "on 2012-04-06"),
    ],
)
def test_rewrite(question, command):
    assert rewrite(question) == command


@pytest.mark.parametrize(
    ("question", "entity", "needle"),
    [
        ("who is Kazykhanov?", "yerzhan-kazykhanov", "Foreign Minister of Kazakhstan"),
        ("when was KSOR proposed?", "ksor", "late 2008"),
        ("which countries are in the CSTO?", "csto", "Armenia, Belarus, Kazakhstan"),
        ("when did the CSTO summit take place?", "csto-summit-moscow-2012", "15 May 2012"),
    ],
)
def test_questions_from_the_mission_are_answered(seed_kb, question, entity, needle):
    answer = run(seed_kb, question)
    assert answer.status == "ok" and answer.entity_id == entity
    assert needle in render_text(answer, page_size=50)


def test_what_happened_on_april_6(seed_kb):
    answer = run(seed_kb, "what happened on April 6?")
    assert answer.title == "On 6 April 2012"
    assert "lavrov-arrived-astana-2012-04-06" in [line.claim_id for line in answer.lines]
