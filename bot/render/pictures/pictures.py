"""Pictures for answers: a timeline image and a relationship map, as PNG bytes.

"How did this unfold?" and "how are these connected?" are easier to see than to read, and
analysts paste the pictures into notes. Everything here is a pure function of a snapshot
and an Answer (no Discord), so the bot, the console and `factbot ask --image` share it.

Each picture is built in two steps: *data* (what is drawn: marks, nodes, edges, with the
answer's own citation numbers) and a *layout* (where, in pixels), which tests check
directly instead of reading pixels back. Matplotlib is used only through its
object-oriented API (`Figure` + `FigureCanvasAgg`, never pyplot): no global figure
state, nothing to close, and the Agg backend regardless of what else imported
matplotlib. Rendering is additionally serialised by a lock because matplotlib does not
promise thread safety and the bot renders in worker threads.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import re
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.transforms import offset_copy

from bot.commands.answer import Answer, Line
from bot.commands.building import label as entity_label
from bot.commands.entities import neighbourhood
from bot.knowledge.articles import shorten
from bot.knowledge.dates import Precision
from bot.knowledge.model import EntityType
from bot.knowledge.snapshot import KnowledgeBase
from bot.render.palette import COLOURS

__all__ = [
    "GraphData",
    "GraphEdge",
    "GraphLayout",
    "Mark",
    "Node",
    "PictureCache",
    "Pictures",
    "Placed",
    "Segment",
    "TimelineData",
    "TimelineLayout",
    "cache_key",
    "graph_data",
    "layout_graph",
    "layout_timeline",
    "picture_for",
    "render_graph",
    "render_timeline",
    "short_label",
    "timeline_data",
]

# One point is one pixel (dpi 72), so every size below is in pixels.
DPI = 72
WIDTH = 1200
MAX_HEIGHT = 2400
MARGIN = 28
MAX_MARKS = 60
MAX_NEIGHBOURS = 40
LABEL_CHARS = 80
LABEL_SHARE = 0.56  # of the plot's width: the longest a timeline label may be
MIN_LABEL = 300.0  # px: a label shortened to fit beside its mark keeps at least this

TITLE_SIZE = 28
SUBTITLE_SIZE = 18
LABEL_SIZE = 21
TICK_SIZE = 18
LEGEND_SIZE = 18
NODE_SIZE = 20
EDGE_SIZE = 16

INK = "#0f172a"
MUTED = "#475569"
FAINT = "#e2e8f0"
EDGE_INK = "#94a3b8"

TIMELINE_KINDS = frozenset({"timeline", "dates"})
MAP_KINDS = frozenset({"map"})

_TYPE_ORDER = {t.value: i for i, t in enumerate(EntityType)}
_RENDER_LOCK = threading.Lock()
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def colour(type_key: str | None) -> str:
    """The embed colour of an entity type as '#rrggbb' (the same palette as Discord)."""
    return f"#{COLOURS.get(type_key, COLOURS[None]):06x}"


class _HasLines(Protocol):
    """An Answer, an answer Page or a Discord EmbedPage: anything with lines."""

    @property
    def lines(self) -> tuple[Line, ...]: ...


# ====================================================================== text


class _Measure:
    """Pixel sizes of text as Agg will draw it, so layouts can avoid overlaps up front."""

    def __init__(self) -> None:
        self._renderer: RendererAgg = FigureCanvasAgg(Figure(dpi=DPI)).get_renderer()
        self._cache: dict[tuple[str, float, str], float] = {}

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        key = (text, size, weight)
        if key not in self._cache:
            width = 0.0
            for part in text.split("\n"):
                w, _, _ = self._renderer.get_text_width_height_descent(
                    part, FontProperties(size=size, weight=weight), ismath=False
                )
                width = max(width, w)
            self._cache[key] = width
        return self._cache[key]

    def fit(self, text: str, size: float, limit: float, weight: str = "normal") -> str:
        """`text`, shortened at a word (with an ellipsis) until it is at most `limit` wide."""
        if self.width(text, size, weight) <= limit:
            return text
        low, high = 1, len(text)  # the longest `shorten` length that fits, by bisection
        while low < high:
            mid = (low + high + 1) // 2
            if self.width(shorten(text, mid), size, weight) <= limit:
                low = mid
            else:
                high = mid - 1
        return shorten(text, low)


_LEADING = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(?:according to|as reported by)\b[^,]{0,90}?,\s+",
        r"^the article (?:says|notes|argues|judges|refers to|cites|presents|reports)"
        r"(?: that)?\s+",
        r"^as [^,]{0,60}? (?:noted|said|reported)\b[^,]*,\s+",
        r"^on [A-Z][a-z]+ \d{1,2}, \d{4},\s+",
        r"^in [^,]{0,90}?,\s+(?=[a-z])",
    )
]
_TRAILING = re.compile(
    r",?\s+(?:according to the article|the article says|the article notes|as the article "
    r"(?:calls|says|puts)\b)[^.;]*[.;]?\s*$",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\s*\([^()]*\)")


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    """A claim's text without attributions and asides, cut to `limit` characters.

    The picture's citation numbers carry the attribution, so "According to the article,
    Kazakhstan considers that ..." can be just "Kazakhstan considers that ...".
    """
    s = " ".join(text.split())
    s = _PAREN.sub("", s)
    for pattern in _LEADING:
        s = pattern.sub("", s, count=1)
    s = _TRAILING.sub("", s)
    s = s.split(";")[0].strip().rstrip(".").strip()
    if not s:
        s = " ".join(text.split())
    s = s[0].upper() + s[1:]
    return shorten(s, limit)


def _cite_text(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].strip("-") or "answer"


# ====================================================================== timeline data


@dataclass(frozen=True, slots=True)
class Mark:
    """One dated claim on the timeline: its honest date span, label, colour and citations."""

    claim_id: str
    start: dt.date
    end: dt.date  # inclusive, as in DateValue
    precision: Precision
    label: str
    colour_key: str | None  # the subject entity's type
    citations: tuple[int, ...]  # exactly as on the answer's line
    date_text: str

    @property
    def is_point(self) -> bool:
        """A single day is drawn as a point; anything longer as a bar over its days."""
        return self.start == self.end


@dataclass(frozen=True)
class TimelineData:
    title: str
    subtitle: str
    marks: tuple[Mark, ...]
    omitted: int = 0


def timeline_data(kb: KnowledgeBase, answer: Answer, page: _HasLines | None = None) -> TimelineData:
    """The marks of a timeline/`when`/`on` answer: one per line that has a dated claim.

    Pass `page` (an answer Page or a Discord EmbedPage) to draw just the lines shown on it;
    the citation numbers are the answer's, so they match the list beside the picture.
    """
    lines = tuple(page.lines if page is not None else answer.lines)
    marks: list[Mark] = []
    for line in lines:
        fact = kb.claims.get(line.claim_id or "")
        if fact is None or fact.when is None:
            continue
        when = fact.when
        subject = kb.entities.get(fact.model.subject)
        marks.append(
            Mark(
                claim_id=fact.id,
                start=when.start,
                end=when.end,
                precision=when.precision,
                label=short_label(fact.model.text),
                colour_key=subject.type.value if subject else None,
                citations=tuple(line.citations),
                date_text=when.display(),
            )
        )
    omitted = max(len(marks) - MAX_MARKS, 0)
    marks = marks[:MAX_MARKS]
    title = answer.title
    if omitted:
        title += f" (+{omitted} more)"
    claimed = [ln for ln in answer.lines if ln.claim_id]
    shown = [ln for ln in lines if ln.claim_id]
    if shown and 0 < len(shown) < len(claimed):
        first = claimed.index(shown[0]) + 1 if shown[0] in claimed else 1
        title += f", claims {first}–{first + len(shown) - 1} of {len(claimed)}"
    subtitle = (
        f"{len(marks)} dated claim{'s' if len(marks) != 1 else ''}"
        " · a dot is a day, a bar the month, part of a year or year the source gives"
        " · [n] = citation"
    )
    return TimelineData(title=title, subtitle=subtitle, marks=tuple(marks), omitted=omitted)


# ====================================================================== timeline layout


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the date axis drawn to scale; empty years between stretches are cut."""

    start: dt.date  # first day shown
    end: dt.date  # the day after the last day shown
    x0: float  # pixels from the plot's left edge
    x1: float


@dataclass(frozen=True, slots=True)
class Placed:
    """A mark put in a lane: its drawn extent and its label's, in plot pixels."""

    mark: Mark
    lane: int
    x0: float
    x1: float
    label_x0: float
    label_x1: float
    cite_width: float
    inside: bool = False  # the label is written over its (long) bar: no room beside it

    @property
    def box(self) -> tuple[float, float]:
        """Everything drawn for this mark along x; boxes in one lane never overlap."""
        return min(self.x0, self.label_x0), max(self.x1, self.label_x1)


@dataclass(frozen=True)
class TimelineLayout:
    width: int
    height: int
    plot_left: float
    plot_top: float
    plot_width: float
    lane_pitch: float
    lanes: int
    px_per_day: float
    segments: tuple[Segment, ...]
    placed: tuple[Placed, ...]
    title: str
    legend_rows: int

    def x(self, day: dt.date, fraction: float = 0.0) -> float:
        """The plot x of `day` (plus a fraction of it)."""
        return _date_x(self.segments, self.px_per_day, day, fraction)


def _date_x(
    segments: Sequence[Segment], scale: float, day: dt.date, fraction: float = 0.0
) -> float:
    """Plot x of a day on the cut axis; a day inside a cut gap goes to the gap's middle."""
    for seg in segments:
        if seg.start <= day < seg.end:
            return seg.x0 + ((day - seg.start).days + fraction) * scale
    for a, b in itertools.pairwise(segments):
        if a.end <= day < b.start:
            return (a.x1 + b.x0) / 2
    return segments[0].x0 if day < segments[0].start else segments[-1].x1


GAP_PX = 54.0
POINT_RADIUS = 9.0
LABEL_GAP = 8.0
LANE_GAP = 14.0
HEADER_LINE = 40.0
AXIS_HEIGHT = 78.0


def _segments(marks: Sequence[Mark], plot_width: float) -> tuple[tuple[Segment, ...], float]:
    """Cut long empty stretches out of the axis, keeping one scale for every kept stretch.

    A cluster of days next to claims years away would otherwise shrink to a few pixels,
    and a month would look like a day. One px-per-day scale keeps bars comparable; the
    cuts are drawn as hatched breaks labelled with the time left out.
    """
    first = min(m.start for m in marks)
    last = max(m.end for m in marks) + dt.timedelta(days=1)
    total = (last - first).days
    pad = dt.timedelta(days=round(min(max(0.012 * total, 2), 30)))
    cut_after = max(0.12 * total, 90)
    spans = sorted((m.start - pad, m.end + dt.timedelta(days=1) + pad) for m in marks)
    merged: list[list[dt.date]] = []
    for s, e in spans:
        if merged and (s - merged[-1][1]).days <= cut_after:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    days = sum((e - s).days for s, e in merged)
    scale = (plot_width - GAP_PX * (len(merged) - 1)) / max(days, 1)
    out, x = [], 0.0
    for s, e in merged:
        width = (e - s).days * scale
        out.append(Segment(s, e, x, x + width))
        x += width + GAP_PX
    return tuple(out), scale


def _first_free_lane(lanes: list[list[tuple[float, float]]], a: float, b: float) -> int:
    """The first lane where [a, b] keeps LANE_GAP from every box already in it (or a new one)."""
    for i, boxes in enumerate(lanes):
        if all(b + LANE_GAP <= c or d + LANE_GAP <= a for c, d in boxes):
            boxes.append((a, b))
            return i
    lanes.append([(a, b)])
    return len(lanes) - 1


def layout_timeline(data: TimelineData, *, width: int = WIDTH) -> TimelineLayout:
    """Where each mark and label goes: a scaled (cut) date axis and non-overlapping lanes."""
    measure = _Measure()
    plot_left = float(MARGIN)
    plot_width = width - 2 * MARGIN
    title = measure.fit(data.title, TITLE_SIZE, plot_width, "bold")
    if not data.marks:
        raise ValueError("a timeline picture needs at least one dated claim")
    segments, scale = _segments(data.marks, plot_width)
    lanes: list[list[tuple[float, float]]] = []
    placed: list[Placed] = []
    for mark in data.marks:
        if mark.is_point:
            centre = _date_x(segments, scale, mark.start, 0.5)
            x0, x1 = centre - POINT_RADIUS, centre + POINT_RADIUS
        else:
            x0 = _date_x(segments, scale, mark.start)
            x1 = max(_date_x(segments, scale, mark.end, 1.0), x0 + 4)
        cite = _cite_text(mark.citations)
        cite_w = measure.width(cite + " ", LABEL_SIZE, "bold") if cite else 0.0
        right, left = plot_width - x1 - LABEL_GAP, x0 - LABEL_GAP  # room beside the mark
        longest = LABEL_SHARE * plot_width
        if min(longest, measure.width(mark.label, LABEL_SIZE) + cite_w) > max(right, left):
            # too long for either side: shorten it to the roomier side if that leaves a
            # readable label, else write it over its bar (a long bar has room inside)
            if max(right, left) >= MIN_LABEL or mark.is_point:
                longest = max(right, left, MIN_LABEL)
            else:
                longest = x1 - x0 - 2 * LABEL_GAP
        label = measure.fit(mark.label, LABEL_SIZE, longest - cite_w)
        if label != mark.label:
            mark = replace(mark, label=label)
        text_w = cite_w + measure.width(mark.label, LABEL_SIZE)
        inside = False
        if text_w <= right:
            lx0 = x1 + LABEL_GAP
        elif text_w <= left:
            lx0 = x0 - LABEL_GAP - text_w
        else:
            lx0 = min(max(x0 + LABEL_GAP, 0.0), plot_width - text_w)
            inside = True
        item = Placed(mark, 0, x0, x1, lx0, lx0 + text_w, cite_w, inside)
        placed.append(replace(item, lane=_first_free_lane(lanes, *item.box)))
    n_lanes = len(lanes)
    legend_rows = _legend_grid(len({m.colour_key for m in data.marks}))[0]
    header = MARGIN + HEADER_LINE + 30 + legend_rows * 30 + 16
    pitch = min(44.0, max(34.0, (MAX_HEIGHT - header - AXIS_HEIGHT - MARGIN) / n_lanes))
    height = int(min(MAX_HEIGHT, header + n_lanes * pitch + AXIS_HEIGHT + MARGIN))
    return TimelineLayout(
        width=width,
        height=height,
        plot_left=plot_left,
        plot_top=header,
        plot_width=plot_width,
        lane_pitch=pitch,
        lanes=n_lanes,
        px_per_day=scale,
        segments=segments,
        placed=tuple(placed),
        title=title,
        legend_rows=legend_rows,
    )


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
    layout: TimelineLayout, measure: _Measure
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
    with _RENDER_LOCK:
        return _render_timeline(data)


def _render_timeline(data: TimelineData) -> bytes:
    layout = layout_timeline(data)
    measure = _Measure()
    W, H = layout.width, layout.height
    fig = Figure(figsize=(W / DPI, H / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
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

    ticks, context = _axis_ticks(layout, measure)
    ax.set_xticks([x for x, _ in ticks], [t for _, t in ticks], fontsize=TICK_SIZE, color=INK)
    ax.tick_params(axis="x", length=7, width=1.5, color=MUTED, pad=5)
    for x, _ in ticks:
        ax.axvline(x, color=FAINT, lw=1.2, zorder=0)
    below = offset_copy(ax.get_xaxis_transform(), fig=fig, y=-52, units="dots")
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

    bar_height = min(0.42, 16 / layout.lane_pitch)
    for p in layout.placed:
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
            ax.barh(
                y,
                p.x1 - p.x0,
                left=p.x0,
                height=0.78,
                color=c,
                alpha=0.22,
                linewidth=0,
                zorder=2,
            )
            ax.barh(
                y,
                p.x1 - p.x0,
                left=p.x0,
                height=0.78,
                fill=False,
                edgecolor=c,
                linewidth=2,
                zorder=2,
            )
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
        if p.cite_width:
            ax.text(
                p.label_x0,
                y,
                _cite_text(p.mark.citations),
                fontsize=LABEL_SIZE,
                fontweight="bold",
                color=MUTED,
                va="center_baseline",
                ha="left",
                zorder=4,
                parse_math=False,
                bbox=box,
            )
        ax.text(
            p.label_x0 + p.cite_width,
            y,
            p.mark.label,
            fontsize=LABEL_SIZE,
            color=INK,
            va="center_baseline",
            ha="left",
            zorder=4,
            parse_math=False,
            bbox=box,
        )

    top = MARGIN
    fig.text(
        MARGIN / W,
        1 - top / H,
        layout.title,
        fontsize=TITLE_SIZE,
        fontweight="bold",
        color=INK,
        va="top",
        ha="left",
        parse_math=False,
    )
    subtitle = measure.fit(data.subtitle, SUBTITLE_SIZE, layout.plot_width)
    fig.text(
        MARGIN / W,
        1 - (top + HEADER_LINE) / H,
        subtitle,
        fontsize=SUBTITLE_SIZE,
        color=MUTED,
        va="top",
        ha="left",
        parse_math=False,
    )
    keys = sorted({m.colour_key for m in data.marks}, key=_type_rank)
    _legend(fig, keys, top + HEADER_LINE + 30, "Subject:", measure)
    return _png(fig)


def _type_rank(key: str | None) -> tuple[int, str]:
    return (_TYPE_ORDER.get(key or "", 99), key or "")


def _legend_grid(n: int) -> tuple[int, int]:
    """Rows and columns for n legend entries: at most six a row, rows evenly filled."""
    rows = max(math.ceil(n / 6), 1)
    return rows, max(math.ceil(n / rows), 1)


def _legend(
    fig: Figure, keys: Sequence[str | None], top_px: float, prefix: str, measure: _Measure
) -> None:
    """A row of type colours, after a word saying what the colour is of."""
    W, H = fig.bbox.width, fig.bbox.height
    fig.text(
        MARGIN / W,
        1 - (top_px + 2) / H,
        prefix,
        fontsize=LEGEND_SIZE,
        color=MUTED,
        va="top",
        ha="left",
        parse_math=False,
    )
    left = MARGIN + measure.width(prefix, LEGEND_SIZE) + 4
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            ms=15,
            color=colour(k),
            mec="white",
            label=(k or "other").capitalize(),
        )
        for k in keys
    ]
    rows, ncol = _legend_grid(len(handles))
    # matplotlib fills a legend column by column; order the entries to read row by row
    handles = [
        handles[r * ncol + c]
        for c in range(ncol)
        for r in range(rows)
        if r * ncol + c < len(handles)
    ]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(left / W, 1 - top_px / H),
        ncol=ncol,
        frameon=False,
        fontsize=LEGEND_SIZE,
        handletextpad=0.2,
        columnspacing=1.2,
        borderaxespad=0,
        borderpad=0,
    )


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


# ====================================================================== relationship map


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


def _fit_node_text(name: str, room: float, measure: _Measure) -> str:
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
    suffix = f" {_cite_text(cites[:2])}" if cites else ""
    if len(rels) > 1:
        suffix += f" +{len(rels) - 1}"
    return shorten(first, 24), suffix


def layout_graph(data: GraphData, *, width: int = WIDTH) -> GraphLayout:
    """The centre in the middle, neighbours on two arcs (right, then left, clockwise).

    Neighbours are grouped by type and relation and evenly spaced down each arc, with
    labels pointing outward; edge labels sit at the same fraction of every edge, so they
    keep the spacing of their nodes and cannot overlap each other.
    """
    measure = _Measure()
    by_id = {n.id: n for n in data.nodes}
    centre = by_id[data.centre]
    groups: dict[str, list[GraphEdge]] = {}
    for e in data.edges:
        other = e.target if e.source == data.centre else e.source
        groups.setdefault(other, []).append(e)
    order = sorted(
        (n for n in data.nodes if not n.is_centre),
        key=lambda n: (_type_rank(n.type), _primary(groups.get(n.id, [])), n.label.lower()),
    )
    n = len(order)
    right_n = math.ceil(n / 2)
    sides = [(1, order[:right_n]), (-1, list(reversed(order[right_n:])))]
    rows = max(right_n, 1)
    header = MARGIN + HEADER_LINE + 34
    legend_h = 30 * _legend_grid(len({x.type for x in data.nodes}))[0] + 24
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


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (x0, y0, x1, y1) boxes share any area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_edge_labels(
    nodes_at: Sequence[tuple[NodePlace, list[GraphEdge]]],
    centre: NodePlace,
    centre_id: str,
    measure: _Measure,
) -> list[EdgePlace]:
    """Each edge's label on its edge, clear of the nodes, the centre and the other labels.

    At the same fraction of every edge, labels keep their nodes' vertical spacing, so they
    cannot collide with one another; a label that would touch a node or the centre's box
    slides outward along its edge if that is free, and is shortened otherwise.
    """
    t, h = EDGE_LABEL_AT, EDGE_SIZE * 1.35
    cx, cy = centre.x, centre.y
    centre_box = (
        centre.label_x0 - 6,
        centre.label_y0 - 6,
        centre.label_x1 + 6,
        centre.label_y1 + 6,
    )

    def box(ex: float, ey: float, w: float) -> tuple[float, float, float, float]:
        return (ex - w / 2, ey - h / 2, ex + w / 2, ey + h / 2)

    def clear(p: NodePlace, tt: float, w: float) -> bool:
        ex, ey = cx + tt * (p.x - cx), cy + tt * (p.y - cy)
        r = NODE_RADIUS + 5
        node_box = (p.x - r, p.y - r, p.x + r, p.y + r)
        b = box(ex, ey, w)
        return not _overlap(b, node_box) and not _overlap(b, centre_box)

    def room(p: NodePlace, tt: float) -> float:
        """The widest label that fits at fraction tt between the centre's box and the node."""
        ex, ey = cx + tt * (p.x - cx), cy + tt * (p.y - cy)
        width = 2 * ((1 - tt) * abs(p.x - cx) - NODE_RADIUS - 6)
        if abs(ey - cy) < (centre_box[3] - centre_box[1] + h) / 2:
            width = min(width, 2 * (abs(ex - cx) - (centre_box[2] - centre_box[0]) / 2))
        return width

    accepted: dict[int, tuple[float, str]] = {}
    boxes: list[tuple[float, float, float, float]] = []

    def free(b: tuple[float, float, float, float]) -> bool:
        return not any(_overlap(b, o) for o in boxes)

    deferred: list[int] = []
    for i, (p, pair) in enumerate(nodes_at):  # first pass: every label in full, at t
        relation, suffix = _pair_text(pair)
        w = measure.width(relation + suffix, EDGE_SIZE)
        b = box(cx + t * (p.x - cx), cy + t * (p.y - cy), w)
        if clear(p, t, w) and free(b):
            accepted[i] = (t, relation + suffix)
            boxes.append(b)
        else:
            deferred.append(i)
    for i in deferred:  # then the rest: slide along the edge, else shorten
        p, pair = nodes_at[i]
        relation, suffix = _pair_text(pair)
        suffix_w = measure.width(suffix, EDGE_SIZE) if suffix else 0.0
        choice: tuple[float, str, tuple[float, float, float, float]] | None = None
        slides = (t, t + 0.07, t + 0.14, t + 0.21, t - 0.07, t - 0.14)
        full = [(tt, relation + suffix) for tt in slides]
        short = [
            (tt, measure.fit(relation, EDGE_SIZE, max(room(p, tt) - suffix_w, 30.0)) + suffix)
            for tt in slides
        ]
        for tt, text in full + short:  # the whole label anywhere beats a shortened one
            w = measure.width(text, EDGE_SIZE)
            b = box(cx + tt * (p.x - cx), cy + tt * (p.y - cy), w)
            if clear(p, tt, w) and free(b):
                choice = (tt, text, b)
                break
        if choice is None:  # nowhere free (a very crowded map): shortest form, at t
            text = measure.fit(relation, EDGE_SIZE, 30.0) + suffix
            w = measure.width(text, EDGE_SIZE)
            choice = (t, text, box(cx + t * (p.x - cx), cy + t * (p.y - cy), w))
        accepted[i] = (choice[0], choice[1])
        boxes.append(choice[2])
    out = []
    for i, (p, pair) in enumerate(nodes_at):
        tt, text = accepted[i]
        out.append(
            EdgePlace(
                p.node.id,
                text,
                cx + tt * (p.x - cx),
                cy + tt * (p.y - cy),
                forward=any(e.source == centre_id for e in pair),
                backward=any(e.target == centre_id for e in pair),
                width=measure.width(text, EDGE_SIZE),
                height=h,
            )
        )
    return out


def render_graph(data: GraphData) -> bytes:
    """The relationship map as a PNG: centre, neighbours around it, labelled arrows."""
    with _RENDER_LOCK:
        return _render_graph(data)


def _render_graph(data: GraphData) -> bytes:
    layout = layout_graph(data)
    W, H = layout.width, layout.height
    fig = Figure(figsize=(W / DPI, H / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, W)
    ax.set_ylim(H, 0)
    ax.set_axis_off()
    c = layout.centre
    hw, hh = layout.centre_half
    by_id = {p.node.id: p for p in layout.nodes}
    for e in layout.edges:
        p = by_id[e.a]
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
    fig.text(
        MARGIN / W,
        1 - MARGIN / H,
        layout.title,
        fontsize=TITLE_SIZE,
        fontweight="bold",
        color=INK,
        va="top",
        ha="left",
        parse_math=False,
    )
    n = len(layout.nodes)
    sub = f"{n} connection{'s' if n != 1 else ''} · arrows read subject → object · "
    if any(e.citations for e in data.edges):
        sub += "[n] = citation, "
    sub += "+N = more relations to the same node"
    fig.text(
        MARGIN / W,
        1 - (MARGIN + HEADER_LINE) / H,
        sub,
        fontsize=SUBTITLE_SIZE,
        color=MUTED,
        va="top",
        ha="left",
        parse_math=False,
    )
    keys = sorted({x.type for x in data.nodes}, key=_type_rank)
    legend_rows = _legend_grid(len(keys))[0]
    _legend(fig, keys, H - MARGIN - 30 * legend_rows, "Type:", _Measure())
    return _png(fig)


# ====================================================================== entry points


def picture_for(
    kb: KnowledgeBase, answer: Answer, page: _HasLines | None = None
) -> tuple[str, bytes] | None:
    """The picture that goes with an answer, as (filename, PNG), or None if it has none.

    Timelines (`timeline`, `when`, `on`) draw the lines of `page` (or of the whole answer);
    maps draw the entity's whole neighbourhood, numbered like the answer's citations.
    """
    if answer.status != "ok":
        return None
    if answer.kind in TIMELINE_KINDS:
        data = timeline_data(kb, answer, page)
        if not data.marks:
            return None
        name = _slug(answer.entity_id or answer.command or answer.title)
        filename = f"{answer.kind}.png" if name == answer.kind else f"{answer.kind}-{name}.png"
        return filename, render_timeline(data)
    if answer.kind in MAP_KINDS and answer.entity_id in kb.entities:
        graph = graph_data(kb, answer.entity_id, answer)
        if not graph.edges:
            return None
        return f"map-{_slug(answer.entity_id)}.png", render_graph(graph)
    return None


def cache_key(kb: KnowledgeBase, query: str, page: Hashable = 1) -> tuple[Hashable, ...]:
    """A key that changes whenever the snapshot does: (snapshot, load time, query, page)."""
    return (id(kb), kb.loaded_at, query, page)


T = TypeVar("T")


class PictureCache:
    """A small thread-safe LRU of rendered pictures; a key is rendered at most once at a time.

    Rendering takes a few hundred milliseconds and people page back and forth, so repeated
    requests for the same snapshot, query and page should not redraw.
    """

    def __init__(self, maxsize: int = 64) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _lookup(self, key: Hashable) -> tuple[bool, object]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return True, self._items[key]
            return False, None

    def get_or_render(self, key: Hashable, fn: Callable[[], T]) -> T:
        """The cached value for `key`, or `fn()` stored under it (concurrent callers wait)."""
        found, value = self._lookup(key)
        if found:
            return value  # type: ignore[return-value]
        with self._lock:
            key_lock = self._pending.setdefault(key, threading.Lock())
        with key_lock:
            found, value = self._lookup(key)
            if found:
                return value  # type: ignore[return-value]
            try:
                result = fn()
            finally:
                with self._lock:
                    self._pending.pop(key, None)
            with self._lock:
                self.misses += 1
                self._items[key] = result
                self._items.move_to_end(key)
                while len(self._items) > self.maxsize:
                    self._items.popitem(last=False)
            return result

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Pictures:
    """The bot's picture service: `picture_for` behind a `PictureCache`.

    Keyed by snapshot (identity and load time), command and the page's claims, so a
    reload never serves a stale picture and paging back and forth never redraws.
    Call it from a worker thread (asyncio.to_thread): rendering takes a few hundred ms.
    """

    def __init__(self, maxsize: int = 64) -> None:
        self.cache = PictureCache(maxsize)

    def for_answer(
        self, kb: KnowledgeBase, answer: Answer, page: _HasLines | None = None
    ) -> tuple[str, bytes] | None:
        """The (filename, PNG) for an answer, or None when it has no picture."""
        if answer.status != "ok" or answer.kind not in TIMELINE_KINDS | MAP_KINDS:
            return None
        shown = tuple(line.claim_id for line in page.lines) if page is not None else None
        key = cache_key(kb, f"{answer.kind}:{answer.command or answer.title}", shown)
        return self.cache.get_or_render(key, lambda: picture_for(kb, answer, page))
