"""The matcher over FACT_BASE, shared by the matching tests."""

from __future__ import annotations

import pytest

from bot.matching.matcher import Matcher
from tests.matching.bases import fact_entries


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(fact_entries())
