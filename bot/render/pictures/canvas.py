"""The matplotlib side every picture shares: figures, text measuring, the legend, PNG bytes.

Matplotlib is used only through its object-oriented API (`Figure` + `FigureCanvasAgg`,
never pyplot): no global figure state, nothing to close, and the Agg backend regardless of
what else imported matplotlib. Rendering is serialised by `RENDER_LOCK` because matplotlib
does not promise thread safety and the bot renders in worker threads. Every text drawn
from data is drawn with `parse_math=False`: a name with dollar signs is text, not maths.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D

from bot.knowledge.articles import shorten
from bot.render.pictures.common import DPI, LEGEND_SIZE, MARGIN, MUTED, colour, legend_grid

RENDER_LOCK = threading.Lock()


class Measure:
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


def new_figure(width: float, height: float) -> Figure:
    """A white figure of `width` x `height` pixels on its own Agg canvas."""
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def new_plot(width: float, height: float) -> tuple[Figure, Axes]:
    """A new figure with one axes over all of it in pixels, y growing down, no frame: what the
    map and the connections picture draw on."""
    fig = new_figure(width, height)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    return fig, ax


def draw_heading(
    fig: Figure, text: str, top_px: float, size: float, colour: str, *, bold: bool = False
) -> None:
    """A title or subtitle line of plain text (never mathtext) at the left margin."""
    W, H = fig.bbox.width, fig.bbox.height
    fig.text(
        MARGIN / W,
        1 - top_px / H,
        text,
        fontsize=size,
        fontweight="bold" if bold else "normal",
        color=colour,
        va="top",
        ha="left",
        parse_math=False,
    )


def draw_legend(
    fig: Figure, keys: Sequence[str | None], top_px: float, prefix: str, measure: Measure
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
    rows, ncol = legend_grid(len(handles))
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


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, without a 'Software' stamp (same input, same bytes)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buf.getvalue()
