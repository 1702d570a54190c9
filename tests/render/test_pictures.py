"""Timeline and map pictures, checked from what they draw (data and layout), not from pixels.

Rendering costs a few hundred milliseconds, so each real picture is drawn once per module.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import threading

import pytest

pytest.importorskip("matplotlib", reason="pictures need the `pictures` extra")

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.text import Text

from bot.commands.answer import Answer
from bot.commands.table import run
from bot.knowledge.dates import Precision
from bot.knowledge.snapshot import KnowledgeBase
from bot.render.pictures import common, paths, timeline
from bot.render.pictures.canvas import RENDER_LOCK
from bot.render.pictures.common import short_label
from bot.render.pictures.map import (
    GraphData,
    GraphEdge,
    Node,
    graph_data,
    layout_graph,
    overlap,
)
from bot.render.pictures.map_draw import draw_graph
from bot.render.pictures.paths import PathEdge, PathGraph, draw_paths, layout_paths, path_graph
from bot.render.pictures.picture import (
    PictureCache,
    Pictures,
    cache_key,
    picture_for,
)
from bot.render.pictures.timeline import (
    Mark,
    TimelineData,
    layout_timeline,
    timeline_data,
)
from bot.render.pictures.timeline_draw import draw_timeline, render_timeline

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MEMBERS = ("armenia", "belarus", "kazakhstan", "kyrgyzstan", "russia", "tajikistan", "uzbekistan")


@pytest.fixture(scope="module")
def full_timeline(seed_kb: KnowledgeBase) -> Answer:
    """Everything dated: 2008, 2010-2012 and 2014, so the axis has gaps to cut."""
    answer = run(seed_kb, "timeline")
    assert answer.status == "ok" and answer.kind == "timeline"
    return answer


@pytest.fixture(scope="module")
def timeline_answer(seed_kb: KnowledgeBase) -> Answer:
    answer = run(seed_kb, "timeline csto")
    assert answer.status == "ok" and answer.kind == "timeline"
    return answer


@pytest.fixture(scope="module")
def map_answer(seed_kb: KnowledgeBase) -> Answer:
    answer = run(seed_kb, "map csto")
    assert answer.status == "ok" and answer.kind == "map"
    return answer


@pytest.fixture(scope="module")
def timeline_png(seed_kb: KnowledgeBase, timeline_answer: Answer) -> tuple[str, bytes]:
    picture = picture_for(seed_kb, timeline_answer)
    assert picture is not None
    return picture


@pytest.fixture(scope="module")
def map_png(seed_kb: KnowledgeBase, map_answer: Answer) -> tuple[str, bytes]:
    picture = picture_for(seed_kb, map_answer)
    assert picture is not None
    return picture


def _mark(claim_id: str, start: dt.date, end: dt.date, label: str, cites: tuple[int, ...]) -> Mark:
    precision = Precision.DAY if start == end else Precision.MONTH
    return Mark(claim_id, start, end, precision, label, "person", cites, str(start))


# ---------------------------------------------------------------- timeline data


def test_timeline_marks_follow_the_answer(seed_kb, timeline_answer):
    data = timeline_data(seed_kb, timeline_answer)
    claimed = [line for line in timeline_answer.lines if line.claim_id]
    assert [m.claim_id for m in data.marks] == [line.claim_id for line in claimed]
    assert len(data.marks) == 25
    # in date order, and each mark's citation numbers are exactly its line's
    starts = [m.start for m in data.marks]
    assert starts == sorted(starts)
    for mark, line in zip(data.marks, claimed, strict=True):
        assert mark.citations == line.citations
    assert data.title == timeline_answer.title


def test_timeline_spans_are_honest(seed_kb, timeline_answer):
    marks = {m.claim_id: m for m in timeline_data(seed_kb, timeline_answer).marks}
    late_2008 = marks["csto-transformation-began-late-2008"]
    assert (late_2008.start, late_2008.end) == (dt.date(2008, 9, 1), dt.date(2008, 12, 31))
    assert late_2008.precision is Precision.PART and not late_2008.is_point

    day = marks["lavrov-arrived-astana-2012-04-06"]
    assert day.start == day.end == dt.date(2012, 4, 6)
    assert day.precision is Precision.DAY and day.is_point

    month = marks["armenia-member-of-csto"]
    assert (month.start, month.end) == (dt.date(2012, 4, 1), dt.date(2012, 4, 30))
    assert not month.is_point


def test_a_year_is_a_year_wide_span(seed_kb, full_timeline):
    marks = {m.claim_id: m for m in timeline_data(seed_kb, full_timeline).marks}
    year = marks["nato-withdrawal-afghanistan-2014"]
    assert (year.start, year.end) == (dt.date(2014, 1, 1), dt.date(2014, 12, 31))
    assert year.precision is Precision.YEAR and not year.is_point


def test_timeline_colours_are_the_subjects_types(seed_kb, timeline_answer):
    marks = {m.claim_id: m for m in timeline_data(seed_kb, timeline_answer).marks}
    assert marks["csto-transformation-began-late-2008"].colour_key == "organisation"
    assert marks["kazakhstan-proposed-ksor-late-2008"].colour_key == "country"
    assert marks["lavrov-arrived-astana-2012-04-06"].colour_key == "person"
    assert marks["csto-summit-moscow-2012-05-15"].colour_key == "event"
    assert common.colour("person") == "#3b82f6"  # the Discord embed palette


def test_a_page_draws_only_its_lines_with_the_answers_numbers(seed_kb, timeline_answer):
    page = timeline_answer.page(2, 10)
    data = timeline_data(seed_kb, timeline_answer, page)
    assert [m.claim_id for m in data.marks] == [line.claim_id for line in page.lines]
    assert [m.citations for m in data.marks] == [line.citations for line in page.lines]
    assert "claims 11–20 of 25" in data.title


def test_labels_are_short_and_drop_attributions():
    assert (
        short_label("Armenia is a member of the CSTO, according to the article (as of April 2012).")
        == "Armenia is a member of the CSTO"
    )
    assert short_label(
        "According to the article, Kazakhstan considers that the CSTO is developing."
    ).startswith("Kazakhstan considers")
    assert short_label("On April 6, 2012, Lavrov arrived in Astana, the article says.") == (
        "Lavrov arrived in Astana"
    )
    assert len(short_label("word " * 100, 40)) <= 40


# ---------------------------------------------------------------- timeline layout


def test_timeline_lanes_never_overlap(seed_kb):
    for query in ("timeline csto", "timeline", "on 2012", "when lavrov"):
        layout = layout_timeline(timeline_data(seed_kb, run(seed_kb, query)))
        for a, b in itertools.combinations(layout.placed, 2):
            if a.lane == b.lane:
                (a0, a1), (b0, b1) = a.box, b.box
                assert a1 <= b0 or b1 <= a0, (query, a.mark.claim_id, b.mark.claim_id)
        for p in layout.placed:
            assert p.label_x0 >= 0 and p.label_x1 <= layout.plot_width + 0.5, query
            assert 0 <= p.lane < layout.lanes
            # a label sits beside its mark unless it is written over its own long bar
            if not p.inside:
                assert p.label_x1 <= p.x0 or p.label_x0 >= p.x1
        assert layout.width <= 1600 and layout.height <= common.MAX_HEIGHT


def test_timeline_axis_cuts_empty_years(seed_kb, full_timeline):
    layout = layout_timeline(timeline_data(seed_kb, full_timeline))
    placed = {p.mark.claim_id: p for p in layout.placed}
    # late 2008, 2010-2012 and 2014: the long empty stretches between are cut out
    assert len(layout.segments) >= 3
    covered = [seg for seg in layout.segments if seg.start <= dt.date(2013, 6, 30) <= seg.end]
    assert not covered  # the empty middle of 2013 is cut out
    k = layout.px_per_day
    width = {cid: p.x1 - p.x0 for cid, p in placed.items()}
    assert width["nato-withdrawal-afghanistan-2014"] == pytest.approx(365 * k)
    assert width["csto-transformation-began-late-2008"] == pytest.approx(122 * k)


def test_timeline_axis_keeps_one_scale(seed_kb, timeline_answer):
    layout = layout_timeline(timeline_data(seed_kb, timeline_answer))
    placed = {p.mark.claim_id: p for p in layout.placed}
    width = {cid: p.x1 - p.x0 for cid, p in placed.items()}
    k = layout.px_per_day
    assert width["csto-transformation-began-late-2008"] == pytest.approx(122 * k)
    assert width["armenia-member-of-csto"] == pytest.approx(30 * k)
    assert width["lavrov-arrived-astana-2012-04-06"] == pytest.approx(2 * timeline.POINT_RADIUS)
    # a month is visibly a bar, not a dot
    assert width["armenia-member-of-csto"] > 2 * width["lavrov-arrived-astana-2012-04-06"]
    # later dates are further right; 6 April lies inside the April bar
    day, month = placed["lavrov-arrived-astana-2012-04-06"], placed["armenia-member-of-csto"]
    assert month.x0 < (day.x0 + day.x1) / 2 < month.x1
    assert placed["csto-summit-moscow-2012-05-15"].x0 > month.x1


# ---------------------------------------------------------------- map data and layout


def test_map_has_the_members(seed_kb, map_answer):
    data = graph_data(seed_kb, "csto", map_answer)
    centre = [n for n in data.nodes if n.is_centre]
    assert [(n.id, n.label, n.type) for n in centre] == [("csto", "CSTO", "organisation")]
    ids = {n.id for n in data.neighbours()}
    assert set(MEMBERS) <= ids
    numbers = {line.claim_id: line.citations for line in map_answer.lines if line.claim_id}
    for member in MEMBERS:
        (edge,) = [e for e in data.edges if e.source == member and e.relation == "member of"]
        assert edge.target == "csto"
        assert edge.claim_id == f"{member}-member-of-csto"
        assert edge.citations == numbers[edge.claim_id]
    types = {n.id: n.type for n in data.nodes}
    assert {types[m] for m in MEMBERS} == {"country"}
    assert data.omitted == 0 and "more" not in data.title


def test_map_keeps_the_most_cited_neighbours(seed_kb):
    everything = graph_data(seed_kb, "csto")
    data = graph_data(seed_kb, "csto", limit=5)
    assert len(data.neighbours()) == 5
    assert data.omitted == len(everything.neighbours()) - 5
    assert f"(+{data.omitted} more)" in data.title
    assert "nato" in {n.id for n in data.neighbours()}  # four claims link NATO and the CSTO
    kept = {n.id for n in data.nodes}
    assert all(e.source in kept and e.target in kept for e in data.edges)


def _boxes_apart(boxes: list[tuple[float, float, float, float]]) -> bool:
    return not any(overlap(a, b) for a, b in itertools.combinations(boxes, 2))


def _check_graph_layout(data: GraphData) -> None:
    layout = layout_graph(data)
    assert len(layout.nodes) == len(data.neighbours())
    labels = [(p.label_x0, p.label_y0, p.label_x1, p.label_y1) for p in layout.nodes]
    assert _boxes_apart(labels)
    assert _boxes_apart([e.box for e in layout.edges])
    c = layout.centre
    centre = (c.label_x0, c.label_y0, c.label_x1, c.label_y1)
    assert not any(overlap(e.box, centre) for e in layout.edges)
    for p in layout.nodes:
        assert p.label_x0 >= 0 and p.label_x1 <= layout.width
        assert (p.x > c.x) == (p.side > 0)  # labels point away from the centre
    assert layout.width <= 1600 and layout.height <= common.MAX_HEIGHT


def test_map_layout_has_no_overlaps(seed_kb, map_answer):
    _check_graph_layout(graph_data(seed_kb, "csto", map_answer))


def test_a_crowded_map_still_has_no_overlaps():
    nodes = [Node("c", "Collective Rapid Reaction Force", "organisation", is_centre=True)]
    edges = []
    names = ("Ministry of Foreign Affairs of the Republic", "Ulyanovsk", "Кремль", "A")
    types = ("person", "country", "place", "event", "document")
    for i in range(40):
        nodes.append(Node(f"n{i}", f"{names[i % 4]} {i}", types[i % 5]))
        for j, relation in enumerate(("member of", "offers to cooperate with")[: 1 + i % 2]):
            pair = (f"n{i}", "c") if (i + j) % 2 else ("c", f"n{i}")
            edges.append(GraphEdge(*pair, relation, f"claim-{i}-{j}", (i + 1,)))
    _check_graph_layout(GraphData("Map: crowded", "c", tuple(nodes), tuple(edges)))


# ---------------------------------------------------------------- the pictures


@pytest.mark.parametrize("fixture", ["timeline_png", "map_png"])
def test_pictures_are_valid_pngs(request, fixture):
    name, png = request.getfixturevalue(fixture)
    assert png.startswith(PNG_SIGNATURE)
    image = imread(io.BytesIO(png))
    height, width = image.shape[:2]
    assert image.size > 0
    assert width == common.WIDTH
    assert 400 <= height <= common.MAX_HEIGHT
    assert name == {"timeline_png": "timeline-csto.png", "map_png": "map-csto.png"}[fixture]


def test_picture_for_other_answers(seed_kb):
    assert picture_for(seed_kb, run(seed_kb, "who lavrov")) is None
    assert picture_for(seed_kb, run(seed_kb, "timeline xyzzy")) is None  # not found
    assert picture_for(seed_kb, run(seed_kb, "help")) is None


def _drawn(fig: Figure) -> tuple[RendererAgg, list[Text]]:
    """Every visible, non-empty text of a drawn figure (ticks and legend included)."""
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    return renderer, texts


def _plain_width(renderer: RendererAgg, text: Text) -> float:
    """How wide the text is as written, character for character (never read as maths)."""
    props = text.get_fontproperties()
    lines = text.get_text().split("\n")
    return max(renderer.get_text_width_height_descent(x, props, ismath=False)[0] for x in lines)


def _assert_written_as_is(fig: Figure, expected: set[str]) -> None:
    """Each expected string is drawn, and every text is as wide as its plain characters:
    mathtext would drop the dollar signs, ignore spaces and set the rest in italics."""
    renderer, texts = _drawn(fig)
    assert expected <= {t.get_text() for t in texts}
    for t in texts:
        width = t.get_window_extent(renderer).width
        assert width == pytest.approx(_plain_width(renderer, t), abs=0.5), t.get_text()


# Two dollar signs make a maths span to matplotlib: "5 and " set in italics.
PAID = "Paid $5 and $6"
COST = r"Cost $2_x^2$ \alpha"


def test_dollar_signs_in_a_timeline_are_text_not_maths():
    data = TimelineData(
        "Timeline: $5 million, $6 billion",
        "2 claims $x$",
        (
            _mark("a", dt.date(2012, 4, 6), dt.date(2012, 4, 6), PAID, (1,)),
            _mark("b", dt.date(2012, 4, 1), dt.date(2012, 4, 30), COST, (2, 3)),
        ),
    )
    with RENDER_LOCK:
        fig = draw_timeline(data)
    _assert_written_as_is(fig, {data.title, data.subtitle, PAID, COST, "[1]", "[2][3]"})


def test_dollar_signs_in_a_map_are_text_not_maths():
    data = GraphData(
        "Map: $1 Fund$",
        "c",
        (Node("c", "$1 Fund$", "organisation", True), Node("p", PAID, "person")),
        (GraphEdge("p", "c", "pays $3 to $4", "claim", (7,)),),
    )
    with RENDER_LOCK:
        fig = draw_graph(data)
    _assert_written_as_is(fig, {"Map: $1 Fund$", "$1 Fund$", PAID, "pays $3 to $4 [7]"})


def test_everything_laid_out_is_drawn(seed_kb, timeline_answer, map_answer):
    """Every label, citation and title the layouts placed is on the picture."""
    data = timeline_data(seed_kb, timeline_answer)
    layout = layout_timeline(data)
    with RENDER_LOCK:
        _, texts = _drawn(draw_timeline(data))
    drawn = {t.get_text() for t in texts}
    assert {p.mark.label for p in layout.placed} <= drawn
    assert {common.cite_text(p.mark.citations) for p in layout.placed} <= drawn
    assert {layout.title, "Subject:", "Person", "Organisation", "Country", "2012"} <= drawn

    graph = graph_data(seed_kb, "csto", map_answer)
    places = layout_graph(graph)
    with RENDER_LOCK:
        _, texts = _drawn(draw_graph(graph))
    drawn = {t.get_text() for t in texts}
    assert {p.text for p in places.nodes} | {places.centre.text, places.title} <= drawn
    assert {e.text for e in places.edges} <= drawn
    assert {"Type:", "Country"} <= drawn


# ---------------------------------------------------------------- cache


def test_cache_renders_once_per_key(seed_kb):
    cache = PictureCache(maxsize=2)
    calls: list[int] = []
    data = TimelineData(
        "t", "s", (_mark("a", dt.date(2012, 4, 6), dt.date(2012, 4, 6), "One day", (1,)),)
    )

    def render() -> bytes:
        calls.append(1)
        return render_timeline(data)

    key = cache_key(seed_kb, "timeline csto", 1)
    first = cache.get_or_render(key, render)
    again = cache.get_or_render(key, render)
    assert again is first and first.startswith(PNG_SIGNATURE)
    assert len(calls) == 1 and cache.hits == 1 and cache.misses == 1
    # least recently used goes first
    cache.get_or_render("b", lambda: b"b")
    cache.get_or_render(key, render)
    cache.get_or_render("c", lambda: b"c")
    assert len(cache) == 2 and len(calls) == 1
    assert cache.get_or_render("b", lambda: b"new") == b"new"


def test_cache_is_thread_safe():
    cache = PictureCache()
    calls: list[int] = []
    started = threading.Barrier(8)

    def slow() -> bytes:
        calls.append(1)
        threading.Event().wait(0.05)
        return b"png"

    results: list[bytes] = []

    def worker() -> None:
        started.wait()
        results.append(cache.get_or_render("same", slow))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [b"png"] * 8
    assert len(calls) == 1


def test_pictures_service_caches_per_snapshot_and_page(seed_kb, timeline_answer, timeline_png):
    service = Pictures(maxsize=8)
    service.cache.get_or_render(
        cache_key(seed_kb, f"timeline:{timeline_answer.command}", None),
        lambda: timeline_png,
    )  # pre-seeded with the module's picture, so this test draws nothing new
    assert service.for_answer(seed_kb, timeline_answer) is timeline_png
    assert service.cache.hits == 1
    assert service.for_answer(seed_kb, run(seed_kb, "who lavrov")) is None
    assert len(service.cache) == 1  # answers without pictures are not even looked up


# ---------------------------------------------------------------- the connections picture


@pytest.fixture(scope="module")
def link_answer(seed_kb: KnowledgeBase) -> Answer:
    answer = run(seed_kb, "link putin and ksor")
    assert answer.status == "ok" and answer.kind == "connections"
    return answer


def test_path_graph_is_the_answers_paths_numbered_like_its_citations(seed_kb, link_answer):
    data = path_graph(seed_kb, link_answer)
    assert data is not None
    assert (data.start, data.goal) == ("vladimir-putin", "ksor")
    assert data.title == link_answer.title
    assert data.columns["vladimir-putin"] == 0 and data.columns["ksor"] == 2
    assert data.columns["russia"] == 1  # "Putin → Russia (Prime Minister) → KSOR"
    claims = {hop["claim"] for path in link_answer.extra["paths"] for hop in path}
    assert {e.claim_id for e in data.edges} == claims
    numbers = {line.claim_id: line.citations for line in link_answer.lines if line.claim_id}
    for edge in data.edges:
        assert edge.citations and edge.citations == numbers[edge.claim_id]
    (prime,) = [e for e in data.edges if e.target == "russia"]
    assert prime.relation == "Prime Minister"
    assert {n.id for n in data.nodes if n.is_centre} == {"vladimir-putin", "ksor"}


def _check_path_layout(data: PathGraph) -> None:
    layout = layout_paths(data)
    assert len(layout.nodes) == len(data.nodes)
    boxes = [p.box for p in layout.nodes] + [e.box for e in layout.edges]
    assert _boxes_apart(boxes)
    for p in layout.nodes:  # an edge label never sits on a dot
        r = paths.NODE_RADIUS
        dot = (p.x - r, p.y - r, p.x + r, p.y + r)
        assert not any(overlap(dot, e.box) for e in layout.edges)
    for box in boxes:
        assert box[0] >= 0 and box[2] <= layout.width and box[3] <= layout.height
    xs = {p.node.id: p.x for p in layout.nodes}
    for e in data.edges:  # every hop goes one column to the right
        assert xs[e.source] < xs[e.target]


def test_path_layout_has_no_overlaps(seed_kb, link_answer):
    for answer in (link_answer, run(seed_kb, "how is Serdyukov related to the CSTO?")):
        data = path_graph(seed_kb, answer)
        assert data is not None
        _check_path_layout(data)


def test_crowded_paths_still_have_no_overlaps():
    nodes = [Node("a", "Collective Security Treaty Organization", "organisation", True)]
    nodes += [Node(f"m{i}", f"Ministry of Foreign Affairs {i}", "place") for i in range(5)]
    nodes.append(Node("z", "Z", "person", True))
    columns = {"a": 0, "z": 2} | {f"m{i}": 1 for i in range(5)}
    edges = [
        PathEdge("a", f"m{i}", "offers to cooperate with " * 3, f"c{i}", (i,)) for i in range(5)
    ]
    edges += [PathEdge(f"m{i}", "z", "in the same claim", f"d{i}", (9, 10 + i)) for i in range(5)]
    _check_path_layout(PathGraph("t", "a", "z", tuple(nodes), columns, tuple(edges), 5))


def test_link_picture_is_a_png(seed_kb, link_answer):
    picture = picture_for(seed_kb, link_answer)
    assert picture is not None
    name, png = picture
    assert name == "link-vladimir-putin-ksor.png"
    image = imread(io.BytesIO(png))
    assert image.shape[1] == common.WIDTH and 200 <= image.shape[0] <= common.MAX_HEIGHT
    assert picture_for(seed_kb, run(seed_kb, "link csto and csto")) is None  # an error


def test_dollar_signs_in_a_path_are_text_not_maths():
    data = PathGraph(
        "Link: $1 Fund$",
        "a",
        "b",
        (Node("a", "$1 Fund$", "organisation", True), Node("b", PAID, "person", True)),
        {"a": 0, "b": 1},
        (PathEdge("a", "b", "pays $3 to $4", "claim", (7,)),),
        1,
    )
    with RENDER_LOCK:
        fig = draw_paths(data)
    _assert_written_as_is(fig, {"Link: $1 Fund$", "$1 Fund$", PAID, "pays $3 to $4 [7]"})


def test_everything_laid_out_in_a_path_is_drawn(seed_kb, link_answer):
    data = path_graph(seed_kb, link_answer)
    assert data is not None
    layout = layout_paths(data)
    with RENDER_LOCK:
        _, texts = _drawn(draw_paths(data))
    drawn = {t.get_text() for t in texts}
    assert {p.text for p in layout.nodes} | {layout.title, layout.subtitle} <= drawn
    assert {e.text for e in layout.edges} <= drawn
    assert {"Type:", "Person", "Country"} <= drawn
    assert all(common.cite_text(e.edge.citations) in e.text for e in layout.edges)
