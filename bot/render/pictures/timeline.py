"""The timeline picture's data and layout: which claims are drawn, and where.

A timeline is built in two steps: *data* (marks, with the answer's own citation numbers)
and a *layout* (where, in pixels), which tests check directly instead of reading pixels
back. Drawing the layout is `timeline_draw.py`'s job.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.commands.answer import Answer
from bot.knowledge.dates import Precision
from bot.knowledge.snapshot import KnowledgeBase
from bot.render.pictures.canvas import Measure
from bot.render.pictures.common import (
    HEADER_LINE,
    LABEL_SIZE,
    MARGIN,
    MAX_HEIGHT,
    TITLE_SIZE,
    WIDTH,
    HasLines,
    cite_text,
    legend_grid,
    short_label,
)

MAX_MARKS = 60
LABEL_SHARE = 0.56  # of the plot's width: the longest a timeline label may be
MIN_LABEL = 300.0  # px: a label shortened to fit beside its mark keeps at least this
GAP_PX = 54.0
POINT_RADIUS = 9.0
LABEL_GAP = 8.0
LANE_GAP = 14.0
AXIS_HEIGHT = 78.0


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


def timeline_data(kb: KnowledgeBase, answer: Answer, page: HasLines | None = None) -> TimelineData:
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


def _place(
    mark: Mark,
    segments: Sequence[Segment],
    scale: float,
    plot_width: float,
    measure: Measure,
) -> Placed:
    """One mark's extent and its label's (shortened to fit if need be), in lane 0."""
    if mark.is_point:
        centre = _date_x(segments, scale, mark.start, 0.5)
        x0, x1 = centre - POINT_RADIUS, centre + POINT_RADIUS
    else:
        x0 = _date_x(segments, scale, mark.start)
        x1 = max(_date_x(segments, scale, mark.end, 1.0), x0 + 4)
    cite = cite_text(mark.citations)
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
    return Placed(mark, 0, x0, x1, lx0, lx0 + text_w, cite_w, inside)


def layout_timeline(data: TimelineData, *, width: int = WIDTH) -> TimelineLayout:
    """Where each mark and label goes: a scaled (cut) date axis and non-overlapping lanes."""
    measure = Measure()
    plot_left = float(MARGIN)
    plot_width = width - 2 * MARGIN
    title = measure.fit(data.title, TITLE_SIZE, plot_width, "bold")
    if not data.marks:
        raise ValueError("a timeline picture needs at least one dated claim")
    segments, scale = _segments(data.marks, plot_width)
    lanes: list[list[tuple[float, float]]] = []
    placed: list[Placed] = []
    for mark in data.marks:
        item = _place(mark, segments, scale, plot_width, measure)
        placed.append(replace(item, lane=_first_free_lane(lanes, *item.box)))
    n_lanes = len(lanes)
    legend_rows = legend_grid(len({m.colour_key for m in data.marks}))[0]
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
