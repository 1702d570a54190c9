"""Search postings cross between processes as data and come back as the very lists they
were; parts that do not describe postings over these claims are refused."""

from __future__ import annotations

import pytest

from bot.loading.search_parts import postings_from_parts, postings_to_parts

CLAIMS = ["c1", "c2", "c3"]
POSTINGS = {"astana": ["c1", "c3"], "csto": ["c2"], "kazykhanov": ["c3", "c1"]}


@pytest.mark.parametrize("postings", [POSTINGS, {}])
def test_postings_come_back_as_they_were(postings):
    meta, parts = postings_to_parts(postings, CLAIMS)
    back = postings_from_parts(meta, parts, CLAIMS)
    assert back == postings and list(back) == list(postings)


@pytest.mark.parametrize(
    "damage",
    [
        lambda meta, parts: meta.update(claims=2),
        lambda meta, parts: meta.update(words=2),
        lambda meta, parts: meta.update(words="3"),
        lambda meta, parts: parts.update({"search.words": b"astana\ncsto\ncsto"}),
        lambda meta, parts: parts.update({"search.rows": parts["search.rows"][:-4]}),
        lambda meta, parts: parts.update({"search.rows": parts["search.rows"][:-1]}),
        lambda meta, parts: parts.update({"search.ends": parts["search.ends"][4:] + b"\0" * 4}),
        lambda meta, parts: parts.update({"search.rows": b"\x09\0\0\0" * 5}),
    ],
)
def test_parts_that_are_not_such_postings_are_refused(damage):
    meta, parts = postings_to_parts(POSTINGS, CLAIMS)
    damage(meta, parts)
    with pytest.raises(ValueError):
        postings_from_parts(meta, parts, CLAIMS)
