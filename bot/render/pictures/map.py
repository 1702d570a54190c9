"""The relationship map's data and layout: the entity, its neighbours, and where they go.

Like the timeline, a map is *data* (nodes and edges, with the answer's own citation
numbers) and a *layout* (where, in pixels) that tests check directly; `map_draw.py`
draws it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from bot.commands.answer import Answer
from bot.commands.building import label as entity_label
from bot.commands.entities import neighbourhood
from bot.knowledge.articles import shorten
from bot.knowledge.snapshot import KnowledgeBase
from bot.render.pictures.canvas import Measure
from bot.render.pictures.common import (
    EDGE_SIZE,
    HEADER_LINE,
    MARGIN,
    MAX_HEIGHT,
    NODE_SIZE,
    TITLE_SIZE,
    WIDTH,
    cite_text,
    legend_grid,
    type_rank,
)

MAX_NEIGHBOURS = 40


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    label: str
    type: str | None
    is_centre: bool = False


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """One relation between the centre and a neighbour, with the claim that states it."""

    source: str
    target: str
    relation: str
    claim_id: str | None
    citations: tuple[int, ...] = ()  # the map answer's numbers for that claim, if given


@dataclass(frozen=True)
class GraphData:
    title: str
    centre: str
    nodes: tuple[Node, ...]
    edges: tuple[GraphEdge, ...]
    omitted: int = 0

    def neighbours(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if not n.is_centre)


def graph_data(
    kb: KnowledgeBase,
    entity_id: str,
    answer: Answer | None = None,
    *,
    limit: int = MAX_NEIGHBOURS,
) -> GraphData:
    """The entity's neighbourhood as nodes and edges; beyond `limit`, the most-cited.

    With the `map` answer given, edges carry its citation numbers and the title is its own.
    """
    centre = kb.entities[entity_id]
    numbers: dict[str, tuple[int, ...]] = {}
    for line in answer.lines if answer else ():
        if line.claim_id:
            numbers.setdefault(line.claim_id, tuple(line.citations))
    edges = neighbourhood(kb, entity_id)
    claims: dict[str, set[str]] = {}
    count: dict[str, int] = {}
    for e in edges:
        other = e.target if e.source == entity_id else e.source
        claims.setdefault(other, set())
        if e.claim is not None:
            claims[other].add(e.claim.id)
        count[other] = count.get(other, 0) + 1

    def name(i: str) -> str:
        ent = kb.entities.get(i)
        return ent.name if ent else i

    ranked = sorted(claims, key=lambda i: (-len(claims[i]), -count[i], name(i).lower()))
    kept = set(ranked[:limit])
    omitted = len(ranked) - len(kept)
    nodes = [Node(entity_id, centre.name, centre.type.value, is_centre=True)]
    for i in claims:  # first-seen order; layout groups them
        if i in kept:
            ent = kb.entities.get(i)
            nodes.append(Node(i, name(i), ent.type.value if ent else None))
    out_edges = tuple(
        GraphEdge(
            e.source,
            e.target,
            e.relation,
            e.claim.id if e.claim else None,
            numbers.get(e.claim.id, ()) if e.claim else (),
        )
        for e in edges
        if (e.target if e.source == entity_id else e.source) in kept
    )
    title = answer.title if answer else f"Map: {entity_label(centre)}"
    if omitted:
        title += f" (+{omitted} more)"
    return GraphData(title, entity_id, tuple(nodes), out_edges, omitted)


@dataclass(frozen=True, slots=True)
class NodePlace:
    node: Node
    x: float  # figure pixels, y down
    y: float
    text: str  # the (wrapped) label as drawn
    label_x0: float
    label_x1: float
    label_y0: float
    label_y1: float
    side: int  # +1 right of the centre, -1 left, 0 the centre


@dataclass(frozen=True, slots=True)
class EdgePlace:
    a: str  # neighbour id
    text: str
    x: float
    y: float
    forward: bool  # an arrow from the centre to the neighbour
    backward: bool  # an arrow from the neighbour to the centre
    width: float = 0.0
    height: float = 0.0

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (
            self.x - self.width / 2,
            self.y - self.height / 2,
            self.x + self.width / 2,
            self.y + self.height / 2,
        )


@dataclass(frozen=True)
class GraphLayout:
    width: int
    height: int
    title: str
    centre: NodePlace
    nodes: tuple[NodePlace, ...]
    edges: tuple[EdgePlace, ...]
    centre_half: tuple[float, float]  # half width and height of the centre's box


NODE_RADIUS = 13.0
NODE_PITCH = 62.0
EDGE_LABEL_AT = 0.55  # edge labels sit this far from the centre along their edge
_STRUCTURAL = ("member of", "part of", "chair of", "located in", "works for")


def _node_text(name: str, chars: int = 20) -> str:
    """A name on at most two lines of about `chars` characters."""
    lines = textwrap.wrap(name, chars, break_long_words=True) or [name]
    if len(lines) > 2:
        lines = [lines[0], shorten(" ".join(lines[1:]), chars)]
    return "\n".join(lines)


def _fit_node_text(name: str, room: float, measure: Measure) -> str:
    """The widest two-line wrapping of `name` that fits in `room` pixels."""
    for chars in range(32, 7, -2):
        text = _node_text(name, chars)
        if measure.width(text, NODE_SIZE) <= room:
            return text
    return measure.fit(name, NODE_SIZE, room)


def _relations(edges: Sequence[GraphEdge]) -> dict[str, tuple[int, ...]]:
    """A neighbour's relations, structural ones (member of, part of ...) first."""
    rels: dict[str, tuple[int, ...]] = {}
    for e in sorted(
        edges, key=lambda e: _STRUCTURAL.index(e.relation) if e.relation in _STRUCTURAL else 9
    ):
        rels.setdefault(e.relation, e.citations)
    return rels


def _primary(edges: Sequence[GraphEdge]) -> str:
    return next(iter(_relations(edges)), "")


def _pair_text(edges: Sequence[GraphEdge]) -> tuple[str, str]:
    """A neighbour's edge label: the most structural relation, and " [n] +N" after it."""
    rels = _relations(edges)
    if not rels:
        return "", ""
    first, cites = next(iter(rels.items()))
    suffix = f" {cite_text(cites[:2])}" if cites else ""
    if len(rels) > 1:
        suffix += f" +{len(rels) - 1}"
    return shorten(first, 24), suffix


def layout_graph(data: GraphData, *, width: int = WIDTH) -> GraphLayout:
    """The centre in the middle, neighbours on two arcs (right, then left, clockwise).

    Neighbours are grouped by type and relation and evenly spaced down each arc, with
    labels pointing outward; edge labels sit at the same fraction of every edge, so they
    keep the spacing of their nodes and cannot overlap each other.
    """
    measure = Measure()
    by_id = {n.id: n for n in data.nodes}
    centre = by_id[data.centre]
    groups: dict[str, list[GraphEdge]] = {}
    for e in data.edges:
        other = e.target if e.source == data.centre else e.source
        groups.setdefault(other, []).append(e)
    order = sorted(
        (n for n in data.nodes if not n.is_centre),
        key=lambda n: (type_rank(n.type), _primary(groups.get(n.id, [])), n.label.lower()),
    )
    n = len(order)
    right_n = math.ceil(n / 2)
    sides = [(1, order[:right_n]), (-1, list(reversed(order[right_n:])))]
    rows = max(right_n, 1)
    header = MARGIN + HEADER_LINE + 34
    legend_h = 30 * legend_grid(len({x.type for x in data.nodes}))[0] + 24
    plot_h = min(max(rows * NODE_PITCH, 280.0), MAX_HEIGHT - header - legend_h - MARGIN)
    height = int(header + plot_h + legend_h + MARGIN)
    cx, cy = width / 2, header + plot_h / 2
    # every node's place along its arc: y evenly spaced, x pulled in towards the ends
    slots: list[tuple[int, Node, float, float]] = []  # side, node, y, arc factor
    for side, members in sides:
        pitch = plot_h / max(len(members), 1)
        for i, node in enumerate(members):
            y = header + pitch * (i + 0.5)
            dy = (y - cy) / (plot_h / 2)
            slots.append((side, node, y, 1 - 0.42 * dy * dy))
    # as far out as every label (wrapped to about 22 characters) still fits beside its node
    outer = width / 2 - MARGIN - NODE_RADIUS - 10
    reach = 460.0
    for _, node, _, f in slots:
        wanted = min(measure.width(_node_text(node.label, 22), NODE_SIZE), 300.0)
        reach = min(reach, (outer - wanted) / f)
    reach = max(reach, 200.0)

    centre_text = _node_text(centre.label)
    cw = measure.width(centre_text, NODE_SIZE + 4, "bold") + 28
    ch = (NODE_SIZE + 4) * 1.25 * (centre_text.count("\n") + 1) + 18
    centre_place = NodePlace(
        centre, cx, cy, centre_text, cx - cw / 2, cx + cw / 2, cy - ch / 2, cy + ch / 2, 0
    )
    places: list[NodePlace] = []
    nodes_at: list[tuple[NodePlace, list[GraphEdge]]] = []
    for side, node, y, f in slots:
        x = cx + side * reach * f
        text = _fit_node_text(node.label, outer - reach * f, measure)
        tw = measure.width(text, NODE_SIZE)
        th = NODE_SIZE * 1.25 * (text.count("\n") + 1)
        lx0 = x + NODE_RADIUS + 8 if side > 0 else x - NODE_RADIUS - 8 - tw
        place = NodePlace(node, x, y, text, lx0, lx0 + tw, y - th / 2, y + th / 2, side)
        places.append(place)
        nodes_at.append((place, groups.get(node.id, [])))
    edge_places = _place_edge_labels(nodes_at, centre_place, data.centre, measure)
    return GraphLayout(
        width=width,
        height=height,
        title=measure.fit(data.title, TITLE_SIZE, width - 2 * MARGIN, "bold"),
        centre=centre_place,
        nodes=tuple(places),
        edges=tuple(edge_places),
        centre_half=(cw / 2, ch / 2),
    )


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def overlap(a: Box, b: Box) -> bool:
    """Whether two (x0, y0, x1, y1) boxes share any area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class _EdgeRoom:
    """Where edge labels may go: clear of the nodes, the centre's box and labels placed."""

    def __init__(self, centre: NodePlace) -> None:
        self.cx, self.cy = centre.x, centre.y
        self.h = EDGE_SIZE * 1.35
        self.centre_box = (
            centre.label_x0 - 6,
            centre.label_y0 - 6,
            centre.label_x1 + 6,
            centre.label_y1 + 6,
        )
        self.boxes: list[Box] = []

    def at(self, p: NodePlace, tt: float) -> tuple[float, float]:
        """The point at fraction tt of the edge from the centre to `p`."""
        return self.cx + tt * (p.x - self.cx), self.cy + tt * (p.y - self.cy)

    def box(self, p: NodePlace, tt: float, w: float) -> Box:
        ex, ey = self.at(p, tt)
        return (ex - w / 2, ey - self.h / 2, ex + w / 2, ey + self.h / 2)

    def fits(self, p: NodePlace, tt: float, w: float) -> Box | None:
        """The label's box at tt if it touches no node, centre or other label, else None."""
        r = NODE_RADIUS + 5
        node_box = (p.x - r, p.y - r, p.x + r, p.y + r)
        b = self.box(p, tt, w)
        if overlap(b, node_box) or overlap(b, self.centre_box):
            return None
        return None if any(overlap(b, o) for o in self.boxes) else b

    def room(self, p: NodePlace, tt: float) -> float:
        """The widest label that fits at fraction tt between the centre's box and the node."""
        ex, ey = self.at(p, tt)
        cb = self.centre_box
        width = 2 * ((1 - tt) * abs(p.x - self.cx) - NODE_RADIUS - 6)
        if abs(ey - self.cy) < (cb[3] - cb[1] + self.h) / 2:
            width = min(width, 2 * (abs(ex - self.cx) - (cb[2] - cb[0]) / 2))
        return width


def _slide_or_shorten(
    room: _EdgeRoom, p: NodePlace, pair: Sequence[GraphEdge], measure: Measure
) -> tuple[float, str, Box]:
    """A label that did not fit at EDGE_LABEL_AT: the whole label slid along its edge,
    else shortened to the room there, else (a very crowded map) its shortest form."""
    t = EDGE_LABEL_AT
    relation, suffix = _pair_text(pair)
    suffix_w = measure.width(suffix, EDGE_SIZE) if suffix else 0.0
    slides = (t, t + 0.07, t + 0.14, t + 0.21, t - 0.07, t - 0.14)
    full = [(tt, relation + suffix) for tt in slides]
    short = [
        (tt, measure.fit(relation, EDGE_SIZE, max(room.room(p, tt) - suffix_w, 30.0)) + suffix)
        for tt in slides
    ]
    for tt, text in full + short:  # the whole label anywhere beats a shortened one
        b = room.fits(p, tt, measure.width(text, EDGE_SIZE))
        if b is not None:
            return tt, text, b
    text = measure.fit(relation, EDGE_SIZE, 30.0) + suffix
    return t, text, room.box(p, t, measure.width(text, EDGE_SIZE))


def _place_edge_labels(
    nodes_at: Sequence[tuple[NodePlace, list[GraphEdge]]],
    centre: NodePlace,
    centre_id: str,
    measure: Measure,
) -> list[EdgePlace]:
    """Each edge's label on its edge, clear of the nodes, the centre and the other labels.

    At the same fraction of every edge, labels keep their nodes' vertical spacing, so they
    cannot collide with one another; a label that would touch a node or the centre's box
    slides outward along its edge if that is free, and is shortened otherwise.
    """
    t = EDGE_LABEL_AT
    room = _EdgeRoom(centre)
    accepted: dict[int, tuple[float, str]] = {}
    deferred: list[int] = []
    for i, (p, pair) in enumerate(nodes_at):  # first pass: every label in full, at t
        text = "".join(_pair_text(pair))
        b = room.fits(p, t, measure.width(text, EDGE_SIZE))
        if b is not None:
            accepted[i] = (t, text)
            room.boxes.append(b)
        else:
            deferred.append(i)
    for i in deferred:  # then the rest: slide along the edge, else shorten
        p, pair = nodes_at[i]
        tt, text, b = _slide_or_shorten(room, p, pair, measure)
        accepted[i] = (tt, text)
        room.boxes.append(b)
    out = []
    for i, (p, pair) in enumerate(nodes_at):
        tt, text = accepted[i]
        x, y = room.at(p, tt)
        out.append(
            EdgePlace(
                p.node.id,
                text,
                x,
                y,
                forward=any(e.source == centre_id for e in pair),
                backward=any(e.target == centre_id for e in pair),
                width=measure.width(text, EDGE_SIZE),
                height=room.h,
            )
        )
    return out
