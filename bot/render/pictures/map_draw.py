"""Drawing the relationship map: labelled arrows, the neighbours, the centre, the header."""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

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
    MUTED,
    NODE_SIZE,
    SUBTITLE_SIZE,
    TITLE_SIZE,
    colour,
    legend_grid,
    type_rank,
)
from bot.render.pictures.map import NODE_RADIUS, EdgePlace, GraphData, GraphLayout, layout_graph


def render_graph(data: GraphData) -> bytes:
    """The relationship map as a PNG: centre, neighbours around it, labelled arrows."""
    with RENDER_LOCK:
        return to_png(draw_graph(data))


def draw_graph(data: GraphData) -> Figure:
    """The map drawn on a new figure (hold RENDER_LOCK: matplotlib is not thread-safe)."""
    layout = layout_graph(data)
    fig, ax = new_plot(layout.width, layout.height)
    for e in layout.edges:
        _draw_edge(ax, layout, e)
    _draw_nodes(ax, layout)
    _draw_header(fig, data, layout)
    return fig


def _draw_edge(ax: Axes, layout: GraphLayout, e: EdgePlace) -> None:
    """An arrow between the centre and a neighbour, and its label on a white patch."""
    c = layout.centre
    hw, hh = layout.centre_half
    p = next(n for n in layout.nodes if n.node.id == e.a)
    dx, dy = p.x - c.x, p.y - c.y
    # leave the centre's box and the node's circle clear so arrowheads show
    clear = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    start = (c.x + dx * clear * 1.02, c.y + dy * clear * 1.02)
    end = (p.x, p.y)
    style = "<|-|>" if e.forward and e.backward else "-|>" if e.forward else "<|-"
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=20,
            color=EDGE_INK,
            lw=1.8,
            shrinkA=0,
            shrinkB=NODE_RADIUS + 1,
            zorder=1,
        )
    )
    ax.text(
        e.x,
        e.y,
        e.text,
        fontsize=EDGE_SIZE,
        color=MUTED,
        ha="center",
        va="center",
        zorder=3,
        parse_math=False,
        bbox={"fc": "white", "ec": "none", "alpha": 0.9, "pad": 1.5},
    )


def _draw_nodes(ax: Axes, layout: GraphLayout) -> None:
    """Each neighbour as a dot in its type's colour, labelled away from the centre; then
    the centre as a coloured box with its name."""
    for p in layout.nodes:
        ax.plot(
            [p.x],
            [p.y],
            marker="o",
            ms=2 * NODE_RADIUS,
            color=colour(p.node.type),
            mec="white",
            mew=2.5,
            zorder=4,
        )
        ax.text(
            p.label_x0 if p.side > 0 else p.label_x1,
            p.y,
            p.text,
            fontsize=NODE_SIZE,
            color=INK,
            ha="left" if p.side > 0 else "right",
            va="center",
            zorder=5,
            linespacing=1.1,
            parse_math=False,
        )
    c = layout.centre
    ax.text(
        c.x,
        c.y,
        c.text,
        fontsize=NODE_SIZE + 4,
        fontweight="bold",
        color="white",
        ha="center",
        va="center",
        zorder=6,
        linespacing=1.1,
        parse_math=False,
        bbox={"boxstyle": "round,pad=0.5", "fc": colour(c.node.type), "ec": INK, "lw": 1.2},
    )


def _draw_header(fig: Figure, data: GraphData, layout: GraphLayout) -> None:
    """Title, a line on how to read the map, and the legend of types at the bottom."""
    H = layout.height
    draw_heading(fig, layout.title, MARGIN, TITLE_SIZE, INK, bold=True)
    n = len(layout.nodes)
    sub = f"{n} connection{'s' if n != 1 else ''} · arrows read subject → object · "
    if any(e.citations for e in data.edges):
        sub += "[n] = citation, "
    sub += "+N = more relations to the same node"
    draw_heading(fig, sub, MARGIN + HEADER_LINE, SUBTITLE_SIZE, MUTED)
    keys = sorted({x.type for x in data.nodes}, key=type_rank)
    legend_rows = legend_grid(len(keys))[0]
    draw_legend(fig, keys, H - MARGIN - 30 * legend_rows, "Type:", Measure())
