"""The bad-id message suggests an id that is itself valid."""

from __future__ import annotations

import re

import pytest

VALID_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@pytest.mark.parametrize(
    ("written", "suggested"),
    [
        ("Sergei Lavrov", "sergei-lavrov"),
        ("Sergei Lavrov!", "sergei-lavrov"),
        ("-CSTO (2002)-", "csto-2002"),
        ("Zoë_Ünal", "zoe-unal"),
        ("???", "an-id"),
        ("Москва", "an-id"),
        ("ﬃ " * 39 + "x", "ffi-" * 19 + "ffi"),  # NFKD grows it past 80: cut, no end hyphen
    ],
)
def test_the_suggested_id_is_valid(mini, written, suggested):
    result = mini(
        {
            "extra.yaml": f"""\
            entities:
              - id: "{written}"
                type: person
                name: Someone Else
                description: A test person.
            """
        }
    )
    (problem,) = result.problems
    assert "which is not a valid id" in problem.message
    hint = re.search(r"e\.g\. '([^']*)'", problem.message).group(1)
    assert hint == suggested
    assert VALID_ID.match(hint) and len(hint) <= 80
