"""A claim's entities, as the claims by entity, the search index and the connections read
them: subject first, then object, place, mentions and the cited outlets, each once, and no
absent one."""

from __future__ import annotations

from bot.knowledge.model import Claim
from bot.knowledge.snapshot import Citation, Fact, Origin


def _fact(**fields: object) -> Fact:
    claim = Claim.model_validate(
        {
            "id": "c1",
            "subject": "csto",
            "predicate": "proposed",
            "text": "The CSTO proposed cooperation.",
            "references": [{"article": "a1", "paragraph": 1, "quote": "proposed"}],
            **fields,
        }
    )
    citations = (
        Citation("a1", 1, "proposed", "(Interfax, April 6)", "interfax"),
        Citation("a1", 2, "cooperation"),  # cites no outlet
        Citation("a1", 3, "NATO", "(RIA Novosti)", "csto"),  # an outlet named before
    )
    return Fact(claim, None, None, None, citations, Origin("claims.yaml", 1))


def test_entities_in_order_each_once_none_absent():
    fact = _fact(object="nato", place="moscow", mentions=["afghanistan", "nato", "csto"])
    assert fact.entity_ids() == ("csto", "nato", "moscow", "afghanistan", "interfax")


def test_a_claim_with_no_object_or_place():
    assert _fact().entity_ids() == ("csto", "interfax")
