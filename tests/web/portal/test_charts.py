import re

from gbdsp.web.portal.charts import Series, columns, rows


def heights(svg: str, css: str) -> list[float]:
    bars = re.findall(rf'<rect class="{css}" x=[^>]*height="([\d.]+)"', svg)
    return [float(h) for h in bars]


def test_columns_are_stacked_in_proportion_and_described_for_screen_readers() -> None:
    svg = str(columns("Per day", ["Mon", "Tue"], [Series("ok", [10, 5]), Series("bad", [0, 5])]))
    assert svg.startswith('<svg class="chart"') and 'role="img"' in svg
    assert "<title" in svg and "20 in all; largest 10" in svg
    ok, bad = heights(svg, "s0"), heights(svg, "s1")
    assert len(ok) == 2 and len(bad) == 1  # a zero segment is not drawn
    assert abs(ok[0] - 2 * ok[1]) < 0.2 and abs(bad[0] - ok[1]) < 0.2
    assert ">ok</text>" in svg and ">bad</text>" in svg  # a legend for several series


def test_rows_escape_labels_and_show_totals() -> None:
    svg = str(rows("Codes", ["<E169>", "I0"], [Series("requests", [3, 7])]))
    assert "&lt;E169&gt;" in svg and "<E169>" not in svg
    assert ">3</text>" in svg and ">7</text>" in svg
    assert "legend" not in svg and ">requests</text>" not in svg  # one series: no legend


def test_an_empty_chart_still_renders() -> None:
    assert "no data" in str(rows("Nothing", [], [Series("x", [])]))
    assert "0 in all" in str(columns("Nothing", ["a"], [Series("x", [0])]))
