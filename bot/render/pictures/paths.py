"""The connections picture: the best paths of a `link` answer as a small left-to-right graph.

"How is Putin connected to KSOR?" reads better as a drawing: the two entities at either
end, the entities between them in columns (one column per hop), and one arrow per cited
claim, labelled with its relation and the answer's own citation numbers. Like the map,
the picture is *data* (`PathGraph`), a *layout* (pixels, checked by tests for overlaps)
and the drawing; all shortest paths have the same length, so an entity's column is its
distance from the start and never depends on which path it was seen in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from bot.commands.answer import Answer
from bot.knowledge.articles import shorten
from bot.knowledge.snapshot import KnowledgeBase
from bot.render.pictures.canvas import (
    RENDER_LOCK,
    Measure,
    draw_heading,
    draw_legend,
    new_plot,
    to_png,
)
from bot.render.pictures.common import (
    EDGE_INK,
    EDGE_SIZE,
    HEADER_LINE,
    INK,
    MARGIN,
    MAX_HEIGHT,
    MUTED,
    NODE_SIZE,
    SUBTITLE_SIZE,
    TITLE_SIZE,
    WIDTH,
    cite_text,
    colour,
    legend_grid,
    type_rank,
)
from bot.render.pictures.map import Box, Node, overlap

NODE_RADIUS = 14.0
ROW_PITCH = 120.0


@dataclass(frozen=True, slots=True)
class PathEdge:
    """One hop: the claim `claim_id` links `source` to `target`."""

    source: str
    target: str
    relation: str
    claim_id: str
    citations: tuple[int, ...] = ()


@dataclass(frozen=True)
class PathGraph:
    title: str
    start: str
    goal: str
    nodes: tuple[Node, ...]
    columns: Mapping[str, int]  # each node's distance from the start
    edges: tuple[PathEdge, ...]
    paths: int


def path_graph(kb: KnowledgeBase, answer: Answer) -> PathGraph | None:
    """The paths of a `connections` answer as nodes and edges, numbered like its citations."""
    paths: Sequence[Sequence[Mapping[str, str]]] = answer.extra.get("paths") or ()
    if not paths or not paths[0]:
        return None
    numbers: dict[str, tuple[int, ...]] = {}
    for line in answer.lines:
        if line.claim_id:
            numbers.setdefault(line.claim_id, tuple(line.citations))
    start, goal = paths[0][0]["from"], paths[0][-1]["to"]
    columns: dict[str, int] = {}
    edges: dict[tuple[str, str], PathEdge] = {}
    for path in paths:
        for depth, hop in enumerate(path):
            columns.setdefault(hop["from"], depth)
            columns.setdefault(hop["to"], depth + 1)
            key = (hop["from"], hop["to"])
            claim = hop["claim"]
            edges.setdefault(key, PathEdge(*key, hop["relation"], claim, numbers.get(claim, ())))
    nodes = []
    for i in columns:
        entity = kb.entities.get(i)
        name = entity.name if entity else i
        kind = entity.type.value if entity else None
        nodes.append(Node(i, name, kind, is_centre=i in (start, goal)))
    return PathGraph(
        answer.title, start, goal, tuple(nodes), columns, tuple(edges.values()), len(paths)
    )


@dataclass(frozen=True, slots=True)
class PathNodePlace:
    node: Node
    x: float  # figure pixels, y down
    y: float
    text: str  # the wrapped name as drawn, centred under the dot
    box: Box


@dataclass(frozen=True, slots=True)
class PathEdgePlace:
    edge: PathEdge
    start: tuple[float, float]
    end: tuple[float, float]
    text: str
    x: float
    y: float
    box: Box


@dataclass(frozen=True)
class PathLayout:
    width: int
    height: int
    title: str
    subtitle: str
    nodes: tuple[PathNodePlace, ...]
    edges: tuple[PathEdgePlace, ...]


def _wrap(name: str, room: float, measure: Measure, weight: str = "normal") -> str:
    """The name on one line, else on the most even two lines that fit in `room` pixels."""
    if measure.width(name, NODE_SIZE, weight) <= room:
        return name
    words = name.split()
    cuts = sorted(range(1, len(words)), key=lambda c: abs(2 * c - len(words)))
    for cut in cuts:
        lines = [" ".join(words[:cut]), " ".join(words[cut:])]
        if max(measure.width(x, NODE_SIZE, weight) for x in lines) <= room:
            return "\n".join(lines)
    return measure.fit(name, NODE_SIZE, room, weight)


def _place_nodes(data: PathGraph, top: float, plot_h: float, width: int) -> list[PathNodePlace]:
    measure = Measure()
    last = max(data.columns.values())
    gap = (width - 2 * MARGIN) / (last + 1)
    by_column: dict[int, list[Node]] = {}
    for node in data.nodes:  # first-seen order: the best path's entities come first
        by_column.setdefault(data.columns[node.id], []).append(node)
    places = []
    for col, members in by_column.items():
        x = MARGIN + gap * (col + 0.5)
        pitch = plot_h / len(members)
        for row, node in enumerate(members):
            y = top + pitch * (row + 0.5) - 18
            weight = "bold" if node.is_centre else "normal"
            text = _wrap(node.label, gap - 16, measure, weight)
            tw = measure.width(text, NODE_SIZE, weight)
            th = NODE_SIZE * 1.25 * (text.count("\n") + 1)
            y0 = y + NODE_RADIUS + 6
            places.append(PathNodePlace(node, x, y, text, (x - tw / 2, y0, x + tw / 2, y0 + th)))
    return places


def _place_edges(
    data: PathGraph, nodes: Mapping[str, PathNodePlace], taken: list[Box]
) -> list[PathEdgePlace]:
    """Each edge's label on its edge, clear of every node, name and label placed before.

    A label slides along its edge, then is shortened, and at worst keeps only its
    citation numbers; the boxes of what is placed are appended to `taken`."""
    measure = Measure()
    h = EDGE_SIZE * 1.35
    out = []
    for e in data.edges:
        a, b = nodes[e.source], nodes[e.target]
        cites = f" {cite_text(e.citations)}" if e.citations else ""
        room = abs(b.x - a.x) - 2 * NODE_RADIUS - 12
        full = measure.fit(shorten(e.relation, 40), EDGE_SIZE, room) + cites
        short = measure.fit(e.relation, EDGE_SIZE, max(room / 2, 20.0)) + cites
        choices = [(t, text) for text in (full, short) for t in (0.5, 0.38, 0.62, 0.28, 0.72)]
        choices.append((0.5, cites.strip() or measure.fit(e.relation, EDGE_SIZE, 40.0)))
        for t, text in choices:
            w = measure.width(text, EDGE_SIZE)
            x, y = a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)
            box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            if not any(overlap(box, o) for o in taken):
                break
        taken.append(box)
        out.append(PathEdgePlace(e, (a.x, a.y), (b.x, b.y), text, x, y, box))
    return out


def layout_paths(data: PathGraph, *, width: int = WIDTH) -> PathLayout:
    """Columns left to right (start ... goal), each column's entities evenly stacked."""
    measure = Measure()
    rows = max(list(data.columns.values()).count(c) for c in set(data.columns.values()))
    top = MARGIN + 2 * HEADER_LINE + 10
    legend_h = 30 * legend_grid(len({n.type for n in data.nodes}))[0] + 24
    plot_h = min(max(rows * ROW_PITCH, 200.0), MAX_HEIGHT - top - legend_h - MARGIN)
    height = int(top + plot_h + legend_h + MARGIN)
    nodes = _place_nodes(data, top, plot_h, width)
    taken: list[Box] = []
    for p in nodes:
        r = NODE_RADIUS + 4
        taken += [(p.x - r, p.y - r, p.x + r, p.y + r), p.box]
    edges = _place_edges(data, {p.node.id: p for p in nodes}, taken)
    hops = max(data.columns.values())
    subtitle = (
        f"{data.paths} shortest path{'s' if data.paths != 1 else ''} of {hops} "
        f"claim{'s' if hops != 1 else ''} · arrows lead from one end to the other · "
        "[n] = citation"
    )
    return PathLayout(
        width,
        height,
        measure.fit(data.title, TITLE_SIZE, width - 2 * MARGIN, "bold"),
        measure.fit(subtitle, SUBTITLE_SIZE, width - 2 * MARGIN),
        tuple(nodes),
        tuple(edges),
    )


def draw_paths(data: PathGraph) -> Figure:
    """The paths drawn on a new figure (hold RENDER_LOCK: matplotlib is not thread-safe)."""
    layout = layout_paths(data)
    fig, ax = new_plot(layout.width, layout.height)
    text_style = {"ha": "center", "parse_math": False}
    for e in layout.edges:
        arrow = FancyArrowPatch(
            e.start,
            e.end,
            arrowstyle="-|>",
            mutation_scale=20,
            color=EDGE_INK,
            lw=1.8,
            shrinkA=NODE_RADIUS + 1,
            shrinkB=NODE_RADIUS + 1,
            zorder=1,
        )
        ax.add_patch(arrow)
        ax.text(
            e.x,
            e.y,
            e.text,
            fontsize=EDGE_SIZE,
            color=MUTED,
            va="center",
            zorder=3,
            bbox={"fc": "white", "ec": "none", "alpha": 0.9, "pad": 1.5},
            **text_style,
        )
    for p in layout.nodes:
        big = p.node.is_centre
        ax.plot(
            [p.x],
            [p.y],
            marker="o",
            ms=2 * NODE_RADIUS + (6 if big else 0),
            zorder=4,
            color=colour(p.node.type),
            mec=INK if big else "white",
            mew=2.0,
        )
        ax.text(
            p.x,
            p.box[1],
            p.text,
            fontsize=NODE_SIZE,
            color=INK,
            va="top",
            zorder=5,
            linespacing=1.1,
            fontweight="bold" if big else "normal",
            **text_style,
        )
    H = layout.height
    draw_heading(fig, layout.title, MARGIN, TITLE_SIZE, INK, bold=True)
    draw_heading(fig, layout.subtitle, MARGIN + HEADER_LINE, SUBTITLE_SIZE, MUTED)
    keys = sorted({n.type for n in data.nodes}, key=type_rank)
    draw_legend(fig, keys, H - MARGIN - 30 * legend_grid(len(keys))[0], "Type:", Measure())
    return fig


def render_paths(data: PathGraph) -> bytes:
    """The connections picture as PNG bytes."""
    with RENDER_LOCK:
        return to_png(draw_paths(data))
