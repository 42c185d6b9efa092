"""The statistics' SVG charts as a browser draws them: each bar's and column's position
and size, the axis and its round top, the labels and their anchors, the legend, the
accessible title and description, and the words shown when there is nothing to draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from chalicelib.web import svg_charts
from chalicelib.web.svg_charts import PALETTE

NS = "{http://www.w3.org/2000/svg}"


def parsed(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def rects(svg: ET.Element) -> list[tuple]:
    return [(r.get("x"), r.get("y"), r.get("width"), r.get("height"), r.get("fill")) for r in svg.iter(f"{NS}rect")]


def texts(svg: ET.Element) -> list[tuple]:
    return [(t.get("x"), t.get("y"), t.get("text-anchor"), t.get("font-size"), t.text) for t in svg.iter(f"{NS}text")]


def lines(svg: ET.Element) -> list[tuple]:
    return [(ln.get("x1"), ln.get("y1"), ln.get("x2"), ln.get("y2"), ln.get("stroke")) for ln in svg.iter(f"{NS}line")]


# -- horizontal bars ----------------------------------------------------------------------


def test_bars_are_drawn_to_scale_with_their_labels_and_values():
    svg = parsed(
        svg_charts.horizontal_bars(
            "Taux",
            "A : 50 %; B : 100 %",
            [("A", 50, "50 %"), ("B", 100, "100 %")],
            maximum=100,
            key="k",
        )
    )
    assert svg.get("viewBox") == "0 0 640 80"
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "k-title k-desc"
    assert svg.find(f"{NS}title").get("id") == "k-title" and svg.find(f"{NS}title").text == "Taux"
    assert svg.find(f"{NS}desc").get("id") == "k-desc" and svg.find(f"{NS}desc").text == "A : 50 %; B : 100 %"
    assert rects(svg) == [
        ("0", "0", "640", "80", "#ffffff"),
        ("230", "17", "160.0", "18", PALETTE[0]),
        ("230", "45", "320.0", "18", PALETTE[0]),
    ]
    assert texts(svg) == [
        ("222.0", "30.0", "end", "12", "A"),
        ("396.0", "30.0", "start", "12", "50 %"),
        ("222.0", "58.0", "end", "12", "B"),
        ("556.0", "58.0", "start", "12", "100 %"),
    ]
    assert lines(svg) == [("230", "10", "230", "70", "#666666")]
    for t in svg.iter(f"{NS}text"):
        assert t.get("font-weight") == "normal" and t.get("fill") == "#1b1b1b"
        assert t.get("font-family") == "Marianne, Arial, sans-serif"


def test_bars_without_a_maximum_scale_to_the_largest_value_even_below_one():
    svg = parsed(svg_charts.horizontal_bars("T", "D", [("x", 0.5, "0,5"), ("y", 0.25, "0,25")], key="k"))
    assert [r[2] for r in rects(svg)[1:]] == ["320.0", "160.0"]
    counts = parsed(
        svg_charts.horizontal_bars("T", "D", [("x", 4, "4"), ("y", 1, "1"), ("z", -2, "-2")], color="#123456")
    )
    assert [(r[2], r[4]) for r in rects(counts)[1:]] == [("320.0", "#123456"), ("80.0", "#123456"), ("0.0", "#123456")]
    assert counts.get("viewBox") == "0 0 640 108"
    assert lines(counts)[0][3] == "98"


def test_bars_with_no_data_say_so():
    svg = parsed(svg_charts.horizontal_bars("Refus par motif", "Aucun refus", [], key="k"))
    assert svg.get("viewBox") == "0 0 640 48"
    assert texts(svg) == [("12.0", "28.0", "start", "12", "Aucune donnée sur la période")]
    assert rects(svg) == [("0", "0", "640", "48", "#ffffff")]
    assert lines(svg) == [("230", "10", "230", "38", "#666666")]
    one = parsed(svg_charts.horizontal_bars("T", "D", [("A", 1, "1")]))
    assert "Aucune donnée sur la période" not in [t[4] for t in texts(one)]


def test_long_labels_are_clipped_and_text_is_escaped():
    label = "Association de soutien scolaire du Nord & du Pas-de-Calais"
    svg = parsed(svg_charts.horizontal_bars("A & B", "x < y", [(label, 10, "10 %")], maximum=100, key="k"))
    assert texts(svg)[0][4] == label[:33] + "…"
    assert len(texts(svg)[0][4]) == 34
    exact = "x" * 34
    assert texts(parsed(svg_charts.horizontal_bars("T", "D", [(exact, 1, "1")])))[0][4] == exact
    assert svg.find(f"{NS}title").text == "A & B" and svg.find(f"{NS}desc").text == "x < y"


def test_a_chart_without_a_key_gets_an_id_of_its_own():
    first = parsed(svg_charts.horizontal_bars("T", "D", []))
    second = parsed(svg_charts.horizontal_bars("T", "D", []))
    ids = [first.find(f"{NS}title").get("id"), second.find(f"{NS}title").get("id")]
    assert all(i.startswith("chart") and i.endswith("-title") for i in ids) and ids[0] != ids[1]
    uid = ids[0][: -len("-title")]
    assert first.get("aria-labelledby") == f"{uid}-title {uid}-desc"
    assert first.find(f"{NS}desc").get("id") == f"{uid}-desc"


# -- stacked columns -------------------------------------------------------------------------


def test_columns_stack_their_series_on_a_round_axis_with_a_legend():
    svg = parsed(
        svg_charts.stacked_columns(
            "Demandes reçues",
            "5 demandes",
            ["01/12", "08/12"],
            [("Formulaire", [3, 1]), ("API", [1, 0])],
            key="w",
        )
    )
    assert svg.get("viewBox") == "0 0 640 300"
    assert svg.find(f"{NS}title").text == "Demandes reçues" and svg.find(f"{NS}desc").text == "5 demandes"
    assert lines(svg) == [
        ("44", "230.0", "628", "230.0", "#dddddd"),
        ("44", "123.0", "628", "123.0", "#dddddd"),
        ("44", "16.0", "628", "16.0", "#dddddd"),
        ("44", "230", "628", "230", "#666666"),
    ]
    assert rects(svg) == [
        ("0", "0", "640", "300", "#ffffff"),
        ("170.0", "69.5", "40.0", "160.5", PALETTE[0]),
        ("170.0", "16.0", "40.0", "53.5", PALETTE[1]),
        ("462.0", "176.5", "40.0", "53.5", PALETTE[0]),
        ("44", "270", "12", "12", PALETTE[0]),
        ("138", "270", "12", "12", PALETTE[1]),
    ]
    assert texts(svg) == [
        ("38.0", "234.0", "end", "11", "0"),
        ("38.0", "127.0", "end", "11", "2"),
        ("38.0", "20.0", "end", "11", "4"),
        ("190.0", "246.0", "middle", "11", "01/12"),
        ("482.0", "246.0", "middle", "11", "08/12"),
        ("60.0", "280.0", "start", "12", "Formulaire"),
        ("154.0", "280.0", "start", "12", "API"),
    ]


def test_many_weeks_get_narrow_columns_and_every_other_label():
    weeks = [f"{d:02d}/01" for d in range(1, 17)]
    svg = parsed(svg_charts.stacked_columns("T", "D", weeks, [("Formulaire", [1] * 16)], key="w"))
    labels = [t[4] for t in texts(svg) if t[2] == "middle"]
    assert labels == weeks[::2]
    columns = rects(svg)[1:-1]
    assert len(columns) == 16
    assert columns[0] == ("49.5", "123.0", "25.5", "107.0", PALETTE[0])  # step 36.5, 70 % wide
    assert columns[15][0] == "597.0"
    nine = parsed(svg_charts.stacked_columns("T", "D", [str(i) for i in range(9)], [("F", [0] * 9)], key="w"))
    assert [t[4] for t in texts(nine) if t[2] == "middle"] == [str(i) for i in range(9)]


def test_a_seventh_series_takes_the_first_colour_again():
    series = [(f"S{i}", [1]) for i in range(7)]
    svg = parsed(svg_charts.stacked_columns("T", "D", ["01/01"], series, key="w"))
    legend = rects(svg)[-7:]
    assert [r[4] for r in legend] == list(PALETTE) + [PALETTE[0]]
    assert [r[0] for r in legend] == ["44", "82", "120", "158", "196", "234", "272"]


def test_no_week_at_all_still_draws_the_axis():
    svg = parsed(svg_charts.stacked_columns("T", "D", [], [], key="w"))
    assert [t[4] for t in texts(svg)] == ["0", "1", "2"]
    assert rects(svg) == [("0", "0", "640", "300", "#ffffff")]


@pytest.mark.parametrize(
    "total, top",
    [
        (0, 2),
        (1, 2),
        (2, 2),
        (3, 4),
        (4, 4),
        (5, 10),
        (10, 10),
        (11, 20),
        (20, 20),
        (21, 50),
        (50, 50),
        (51, 100),
        (100, 100),
        (101, 200),
        (200, 200),
        (201, 500),
        (500, 500),
        (501, 1000),
        (1000, 1000),
        (1001, 2000),
        (2000, 2000),
        (2001, 5000),
        (5000, 5000),
        (5001, 10000),
        (10000, 10000),
        (10001, 20000),
        (25000, 30000),
    ],
)
def test_the_axis_top_is_a_round_even_number_at_or_above_the_tallest_column(total, top):
    svg = parsed(svg_charts.stacked_columns("T", "D", ["01/01"], [("F", [total])], key="w"))
    assert [t[4] for t in texts(svg) if t[2] == "end"] == ["0", str(top // 2), str(top)]
