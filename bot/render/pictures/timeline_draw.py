"""Drawing the timeline picture: the cut date axis, its ticks, the marks and the header."""

from __future__ import annotations

import datetime as dt
import itertools
import math

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import Transform, offset_copy

from bot.render.pictures.canvas import (
    RENDER_LOCK,
    Measure,
    draw_heading,
    draw_legend,
    new_figure,
    to_png,
)
from bot.render.pictures.common import (
    FAINT,
    HEADER_LINE,
    INK,
    LABEL_SIZE,
    MARGIN,
    MUTED,
    SUBTITLE_SIZE,
    TICK_SIZE,
    TITLE_SIZE,
    cite_text,
    colour,
    type_rank,
)
from bot.render.pictures.timeline import (
    POINT_RADIUS,
    Placed,
    Segment,
    TimelineData,
    TimelineLayout,
    layout_timeline,
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _month_add(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    return dt.date(day.year + m // 12, m % 12 + 1, 1)


def _tick_dates(seg: Segment, unit: str, step: int) -> list[dt.date]:
    out: list[dt.date] = []
    if unit == "year":
        year = seg.start.year + (-seg.start.year) % step
        if dt.date(year, 1, 1) < seg.start:
            year += step
        while dt.date(year, 1, 1) < seg.end:
            out.append(dt.date(year, 1, 1))
            year += step
    elif unit == "month":
        d = dt.date(seg.start.year, seg.start.month, 1)
        d = d if d >= seg.start else _month_add(d, 1)
        while d < seg.end:
            if (d.month - 1) % step == 0:
                out.append(d)
            d = _month_add(d, 1)
    else:
        d = seg.start
        while d < seg.end:
            if (d.day - 1) % step == 0 and d.day <= 29 - step + 1:
                out.append(d)
            d += dt.timedelta(days=1)
    return out


_STEPS = (("day", 1), ("day", 7), ("month", 1), ("month", 3), ("month", 6))
_STEPS += tuple(("year", n) for n in (1, 2, 5, 10, 20, 50, 100))


def _tick_text(day: dt.date, unit: str) -> str:
    """Concise labels: a January tick names its year, a first-of-month tick its month."""
    if unit == "year" or (unit == "month" and day.month == 1):
        return str(day.year)
    if unit == "month" or day.day == 1:
        return _MONTHS[day.month - 1]
    return str(day.day)


def _axis_ticks(
    layout: TimelineLayout, measure: Measure
) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    """Tick labels under the axis (years, months or days) and a second row giving context.

    The step is the finest whose labels don't collide. Day ticks sit mid-day, where day
    points are drawn; month and year ticks on the boundary where their bars begin. The
    second row names the year (or month) of any stretch whose ticks don't already say it.
    """

    def roomy(unit: str, step: int) -> bool:
        spacing = {"day": 1, "month": 30.4, "year": 365.25}[unit] * step * layout.px_per_day
        return spacing >= measure.width("2000" if unit == "year" else "May", TICK_SIZE) + 14

    unit, step = next((s for s in _STEPS if roomy(*s)), _STEPS[-1])
    offset = 0.5 if unit == "day" else 0.0
    ticks: list[tuple[float, str]] = []
    context: list[tuple[float, str]] = []
    right_edge = -math.inf
    for seg in layout.segments:
        for day in _tick_dates(seg, unit, step):
            x, text = layout.x(day, offset), _tick_text(day, unit)
            half = measure.width(text, TICK_SIZE) / 2
            if x - half >= right_edge + 10:  # a wider label (a year) may crowd the next
                ticks.append((x, text))
                right_edge = x + half
        if unit == "year":
            continue
        d = seg.start
        while d < seg.end:
            nxt = dt.date(d.year + 1, 1, 1) if unit == "month" else _month_add(d, 1)
            first, last = max(d, seg.start), min(nxt, seg.end)
            a, b = layout.x(first), layout.x(last - dt.timedelta(days=1), 1.0)
            text = str(d.year) if unit == "month" else f"{_MONTHS[d.month - 1]} {d.year}"
            says_year = unit == "month" and first.month == 1 and first.day == 1
            if not says_year and measure.width(text, TICK_SIZE, "bold") + 12 <= b - a:
                context.append(((a + b) / 2, text))
            d = nxt
    return ticks, context


def _gap_text(days: int) -> str:
    if days >= 700:
        return f"{days / 365.25:.0f} yr"
    if days >= 60:
        return f"{days / 30.44:.0f} mo"
    return f"{days} d"


def render_timeline(data: TimelineData) -> bytes:
    """The timeline as a PNG: claims on a date axis, in lanes, coloured by subject type."""
    with RENDER_LOCK:
        return to_png(draw_timeline(data))


def draw_timeline(data: TimelineData) -> Figure:
    """The timeline drawn on a new figure (hold RENDER_LOCK: matplotlib is not thread-safe)."""
    layout = layout_timeline(data)
    measure = Measure()
    fig = new_figure(layout.width, layout.height)
    ax = _plot_axes(fig, layout)
    below = offset_copy(ax.get_xaxis_transform(), fig=fig, y=-52, units="dots")
    _draw_axis(ax, below, layout, measure)
    _draw_gaps(ax, below, layout)
    bar_height = min(0.42, 16 / layout.lane_pitch)
    for p in layout.placed:
        _draw_mark(ax, p, bar_height)
    _draw_header(fig, data, layout, measure)
    return fig


def _plot_axes(fig: Figure, layout: TimelineLayout) -> Axes:
    """The plot area: one lane per row, x in plot pixels, only the bottom spine shown."""
    W, H = layout.width, layout.height
    plot_h = layout.lanes * layout.lane_pitch
    ax = fig.add_axes(
        (
            layout.plot_left / W,
            1 - (layout.plot_top + plot_h) / H,
            layout.plot_width / W,
            plot_h / H,
        )
    )
    ax.set_xlim(0, layout.plot_width)
    ax.set_ylim(layout.lanes - 0.5, -0.5)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(MUTED)
    ax.spines["bottom"].set_linewidth(1.5)
    ax.set_yticks([])
    return ax


def _draw_axis(ax: Axes, below: Transform, layout: TimelineLayout, measure: Measure) -> None:
    """Tick labels and grid lines, and the row of context (years or months) under them."""
    ticks, context = _axis_ticks(layout, measure)
    ax.set_xticks([x for x, _ in ticks], [t for _, t in ticks], fontsize=TICK_SIZE, color=INK)
    ax.tick_params(axis="x", length=7, width=1.5, color=MUTED, pad=5)
    for x, _ in ticks:
        ax.axvline(x, color=FAINT, lw=1.2, zorder=0)
    for x, text in context:
        ax.text(
            x,
            0,
            text,
            transform=below,
            ha="center",
            va="center",
            fontsize=TICK_SIZE,
            fontweight="bold",
            color=INK,
            parse_math=False,
        )


def _draw_gaps(ax: Axes, below: Transform, layout: TimelineLayout) -> None:
    """The cut stretches of the axis: hatched, labelled with the time left out."""
    for a, b in itertools.pairwise(layout.segments):
        ax.axvspan(a.x1, b.x0, facecolor="#f1f5f9", edgecolor="#cbd5e1", hatch="//", lw=0)
        mid = (a.x1 + b.x0) / 2
        ax.text(
            mid,
            0,
            _gap_text((b.start - a.end).days),
            transform=below,
            ha="center",
            va="center",
            fontsize=TICK_SIZE - 3,
            style="italic",
            color=MUTED,
            parse_math=False,
            bbox={"fc": "white", "ec": "none", "pad": 1},
        )


def _draw_mark(ax: Axes, p: Placed, bar_height: float) -> None:
    """A point or a bar in its lane, then its citation numbers and label."""
    c = colour(p.mark.colour_key)
    y = p.lane
    if p.mark.is_point:
        ax.plot(
            [(p.x0 + p.x1) / 2],
            [y],
            marker="o",
            ms=2 * POINT_RADIUS,
            color=c,
            mec="white",
            mew=2,
            zorder=3,
        )
    elif p.inside:  # a pale bar with its label written on it
        bar = {"left": p.x0, "height": 0.78, "zorder": 2}
        ax.barh(y, p.x1 - p.x0, color=c, alpha=0.22, linewidth=0, **bar)
        ax.barh(y, p.x1 - p.x0, fill=False, edgecolor=c, linewidth=2, **bar)
    else:
        ax.barh(
            y,
            p.x1 - p.x0,
            left=p.x0,
            height=bar_height,
            color=c,
            edgecolor=INK,
            linewidth=0.8,
            zorder=2,
        )
    box = None if p.inside else {"fc": "white", "ec": "none", "alpha": 0.85, "pad": 1.5}
    text = {"fontsize": LABEL_SIZE, "va": "center_baseline", "ha": "left", "zorder": 4}
    if p.cite_width:
        ax.text(
            p.label_x0,
            y,
            cite_text(p.mark.citations),
            fontweight="bold",
            color=MUTED,
            parse_math=False,
            bbox=box,
            **text,
        )
    ax.text(
        p.label_x0 + p.cite_width,
        y,
        p.mark.label,
        color=INK,
        parse_math=False,
        bbox=box,
        **text,
    )


def _draw_header(fig: Figure, data: TimelineData, layout: TimelineLayout, measure: Measure) -> None:
    """Title, subtitle and the legend of subject types, above the plot."""
    top = MARGIN
    draw_heading(fig, layout.title, top, TITLE_SIZE, INK, bold=True)
    subtitle = measure.fit(data.subtitle, SUBTITLE_SIZE, layout.plot_width)
    draw_heading(fig, subtitle, top + HEADER_LINE, SUBTITLE_SIZE, MUTED)
    keys = sorted({m.colour_key for m in data.marks}, key=type_rank)
    draw_legend(fig, keys, top + HEADER_LINE + 30, "Subject:", measure)
