"""How two entities are connected: the shortest chains of cited claims between them.

Why: "how is Putin connected to KSOR?" is answered by walking the claims, never by
guessing: every hop of a path is one claim, shown with its own citation. Paths of up to
`MAX_HOPS` claims are found breadth first (bounded work on a large fact base); among the
shortest, paths through direct subject-object claims rank before paths through mere
mentions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.commands.answer import Answer
from bot.commands.building import Builder, Found, label, resolve
from bot.commands.registry import usage_error
from bot.commands.textsafety import echo
from bot.knowledge.model import Rank
from bot.knowledge.snapshot import Fact, KnowledgeBase

MAX_HOPS = 3
MAX_PATHS = 5  # paths shown
_MAX_SCANNED = 50_000  # claims looked at in one search, whatever the fact base's size
_MAX_FOUND = 200  # shortest paths enumerated before ranking
_SEPARATORS = re.compile(r"\s+(?:and|to|with|vs)\s+|\s*[,|;]\s*|\s+->\s+|\s+→\s+", re.IGNORECASE)

LINK_USAGE = "link <name> and <name>"


@dataclass(frozen=True)
class Hop:
    """One step of a path: from `source` to `target` through one claim."""

    source: str
    target: str
    fact: Fact
    weight: float  # 1 a subject-object claim, more for a place or a mere mention

    def relation(self, kb: KnowledgeBase) -> str:
        """A few words for the claim: 'Prime Minister', 'proposed', 'mentioned together'."""
        c = self.fact.model
        pair = {c.subject, c.object}
        if {self.source, self.target} == pair:
            rel = c.value if c.predicate == "position_held" and c.value else None
            rel = rel or c.predicate.replace("_", " ")
            if self.source == c.subject:
                return rel
            # against the claim's direction: say who did what ("Kazakhstan chair of CSTO")
            return f"{label(kb.entities[c.subject])} {rel} {label(kb.entities[c.object])}"
        if {self.source, self.target} == {c.subject, c.place}:
            return f"{c.predicate.replace('_', ' ')} (place)"
        return "in the same claim"


Path = tuple[Hop, ...]


def _hops(kb: KnowledgeBase, entity_id: str) -> Iterator[Hop]:
    """Every claim step out of an entity (outlets a claim merely cites are not links)."""
    for fact in kb.claims_by_entity.get(entity_id, ()):
        c = fact.model
        if c.rank == Rank.DEPRECATED:
            continue
        core = [i for i in (c.subject, c.object, c.place) if i]
        ids = list(dict.fromkeys([*core, *c.mentions]))
        if entity_id not in ids:
            continue  # the entity is only the outlet the article cites
        for other in ids:
            if other == entity_id or not kb.visible(other):
                continue
            if {entity_id, other} == {c.subject, c.object}:
                weight = 1.0
            elif entity_id in core and other in core:
                weight = 1.2
            else:
                weight = 1.6
            yield Hop(entity_id, other, fact, weight)


def find_paths(kb: KnowledgeBase, start: str, goal: str, max_hops: int = MAX_HOPS) -> list[Path]:
    """The shortest paths (up to `max_hops` claims) from `start` to `goal`, best first."""
    # Breadth first, remembering for each entity the best hop from each of its parents at
    # the previous depth; all shortest paths are then read back from the goal.
    depth = {start: 0}
    parents: dict[str, dict[str, Hop]] = {}
    frontier = [start]
    scanned = 0
    for level in range(1, max_hops + 1):
        nxt: list[str] = []
        for node in frontier:
            for hop in _hops(kb, node):
                scanned += 1
                seen = depth.get(hop.target)
                if seen is None:
                    depth[hop.target] = level
                    nxt.append(hop.target)
                    seen = level
                if seen == level:
                    held = parents.setdefault(hop.target, {}).get(node)
                    if held is None or hop.weight < held.weight:
                        parents[hop.target][node] = hop
            if scanned > _MAX_SCANNED:
                break
        if goal in depth or scanned > _MAX_SCANNED:
            break
        frontier = nxt
    if goal not in depth:
        return []
    paths = list(_read_back(parents, start, goal))
    paths.sort(key=lambda p: (sum(h.weight for h in p), [h.target for h in p]))
    return paths


def _read_back(parents: dict[str, dict[str, Hop]], start: str, goal: str) -> Iterator[Path]:
    """Every path from `start` to `goal` through the recorded parents (bounded)."""
    count = 0
    stack: list[tuple[str, Path]] = [(goal, ())]
    while stack and count < _MAX_FOUND:
        node, tail = stack.pop()
        if node == start:
            count += 1
            yield tail
            continue
        for parent, hop in parents.get(node, {}).items():
            stack.append((parent, (hop, *tail)))


def _name(kb: KnowledgeBase, entity_id: str) -> str:
    return label(kb.entities[entity_id])


def path_data(kb: KnowledgeBase, path: Path) -> list[dict[str, str]]:
    """A path as plain data (for --json and a picture)."""
    return [
        {
            "from": h.source,
            "to": h.target,
            "relation": h.relation(kb),
            "claim": h.fact.id,
        }
        for h in path
    ]


def connect(kb: KnowledgeBase, a: Found, b: Found) -> Answer:
    """The answer to "how is A connected to B": the best shortest paths, each hop cited."""
    x, y = a.entity, b.entity
    title = f"How {label(x)} is connected to {label(y)}"
    explain = "\n".join((a.explain, b.explain))
    if x.id == y.id:
        return usage_error("Name two different entities.", LINK_USAGE)
    paths = find_paths(kb, x.id, y.id)
    if not paths:
        return Answer(
            status="not_found",
            kind="connections",
            title=title,
            note=f"No chain of up to {MAX_HOPS} claims links {x.name} and {y.name} "
            "in the fact base.",
            explain=explain,
            command=f"link {x.id} {y.id}",
        )
    b_ = Builder(kb)
    shown = paths[:MAX_PATHS]
    for number, path in enumerate(shown, start=1):
        chain = _name(kb, path[0].source) + "".join(
            f" → {_name(kb, h.target)} ({h.relation(kb)})" for h in path
        )
        heading = f"Path {number} ({len(path)} claim{'s' if len(path) != 1 else ''})"
        b_.add(chain, heading, [h.fact for h in path])
        for hop in path:
            b_.add(hop.fact.model.text, heading, [hop.fact], hop.fact.when, hop.fact.id)
    more = len(paths) - len(shown)
    hops = len(paths[0])
    note = f"The shortest chains are {hops} claim{'s' if hops != 1 else ''} long" + (
        f"; {more} more like them are not shown." if more else "."
    )
    answer = b_.answer(
        title,
        kind="connections",
        note=note,
        command=f"link {x.id} {y.id}",
        extra={"paths": [path_data(kb, p) for p in shown]},
    )
    return Found(x, explain).explained(answer)


def split_pair(kb: KnowledgeBase, arg: str) -> tuple[Found, Found] | Answer:
    """Two entities from `link` text: "putin ksor", "putin and ksor", "csto, shanghai coop"."""
    parts = [p for p in _SEPARATORS.split(arg.strip()) if p]
    if len(parts) == 2:
        left, right = resolve(kb, parts[0], "what"), resolve(kb, parts[1], "what")
        if isinstance(left, Answer):
            return left
        if isinstance(right, Answer):
            return right
        return left, right
    words = arg.split()
    for cut in range(1, len(words)):
        left = resolve(kb, " ".join(words[:cut]), "what")
        right = resolve(kb, " ".join(words[cut:]), "what")
        if isinstance(left, Found) and isinstance(right, Found):
            return left, right
    return usage_error(
        f"I could not find two entities in “{echo(arg)}”. "
        "Separate the names with “and”, for example `link putin and ksor`.",
        LINK_USAGE,
    )


def link_command(kb: KnowledgeBase, arg: str) -> Answer:
    """How two entities are connected: the shortest chains of claims between them, each cited.

    Also asked as "how is Putin connected to KSOR?". Example: `link putin and ksor`"""
    pair = split_pair(kb, arg)
    if isinstance(pair, Answer):
        return pair
    return connect(kb, *pair)
