"""The server-side SVG renderer: valid XML, escaped text, bars proportional to values."""

import xml.etree.ElementTree as ET
from decimal import Decimal

from dashboards.charts import nice_max, render_svg
from dashboards.sections.base import Chart, Series

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(render_svg(chart))


def bars(root) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{{{NS['svg']}}}rect") if rect.get("class") == "bar"]


def test_bar_chart_is_valid_xml_with_an_accessible_title_and_description():
    chart = Chart("c1", "Cases by stage", "bar", ["A", "B"], [Series("Cases", [3, 6])])
    root = parse(chart)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-c1-title chart-c1-desc"
    assert root.find("svg:title", NS).text == "Cases by stage"
    assert root.find("svg:desc", NS).text == "A: Cases 3; B: Cases 6"


def test_bar_heights_are_proportional_to_the_values():
    chart = Chart("c", "t", "bar", ["a", "b", "c"], [Series("s", [10, 20, Decimal("5")])])
    heights = [float(rect.get("height")) for rect in bars(parse(chart))]
    assert heights[1] == 2 * heights[0]
    assert abs(heights[2] - heights[0] / 2) < 0.01
    assert [rect.get("data-value") for rect in bars(parse(chart))] == ["10", "20", "5"]


def test_grouped_bars_sit_side_by_side_and_stacked_bars_on_top_of_each_other():
    series = [Series("x", [2]), Series("y", [3])]
    grouped = bars(parse(Chart("g", "t", "bar", ["a"], series)))
    assert float(grouped[0].get("x")) < float(grouped[1].get("x"))
    stacked = bars(parse(Chart("s", "t", "stacked", ["a"], series)))
    first, second = stacked
    assert first.get("x") == second.get("x")
    # the second sits on the first: its bottom is the first's top
    assert abs(float(second.get("y")) + float(second.get("height")) - float(first.get("y"))) < 0.01


def test_labels_and_names_are_escaped():
    chart = Chart(
        'x"><script>',
        "<b>Title & co</b>",
        "bar",
        ["<img src=x>", "阳城镇&七拱镇"],
        [Series("a<b", [1, None])],
    )
    markup = render_svg(chart)
    assert "<script>" not in markup
    assert "<img" not in markup
    root = ET.fromstring(markup)  # still well-formed
    texts = [element.text for element in root.iter() if element.text]
    assert "<b>Title & co</b>" in texts
    assert "a<b" in texts
    assert "阳城镇&七拱镇" in texts


def test_line_chart_draws_a_polyline_and_a_point_per_category():
    chart = Chart("l", "t", "line", ["1", "2", "3"], [Series("p", [1, 4, 2])])
    root = parse(chart)
    assert len(root.findall(".//svg:polyline", NS)) == 1
    points = root.findall(".//svg:circle", NS)
    assert [point.get("data-value") for point in points] == ["1", "4", "2"]
    # higher value, higher on the page (smaller y)
    assert float(points[1].get("cy")) < float(points[2].get("cy")) < float(points[0].get("cy"))


def test_an_empty_chart_still_renders():
    root = parse(Chart("e", "Empty", "stacked", [], []))
    assert bars(root) == []
    assert root.find("svg:title", NS).text == "Empty"


def test_long_or_many_labels_are_slanted_and_shortened():
    categories = [f"一个很长很长很长的营销服务部名称{n}" for n in range(10)]
    root = parse(Chart("m", "t", "bar", categories, [Series("s", list(range(10)))]))
    labels = [t for t in root.findall(".//svg:g[@class='axis axis-x']/svg:text", NS)]
    assert len(labels) == 10
    assert all(label.get("transform", "").startswith("rotate(") for label in labels)
    assert all(len(label.text) <= 12 for label in labels)


def test_axis_top_is_a_round_number_above_the_peak():
    assert nice_max(0) == (5.0, 1.0)
    assert nice_max(7) == (10.0, 2.0)
    assert nice_max(23) == (25.0, 5.0)
    assert nice_max(101) == (125.0, 25.0)
