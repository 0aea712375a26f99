"""Small server-side SVG charts: stacked bars, drawn from numbers, no JavaScript.

Each chart is an `<svg role="img">` with a title and a one-line description for screen
readers; the page also gives the numbers as a table. Colours come from CSS classes
(`s0`..`s3`), so the style sheet decides them and the CSP needs no inline styles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

_ids = count(1)
WIDTH = 520


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[int]


def _scale_max(values: Sequence[int]) -> int:
    """A round axis maximum at or above the largest total (1, 2, 5 x 10^n)."""
    top = max([*values, 1])
    step = 1
    while True:
        for m in (1, 2, 5):
            if top <= m * step:
                return m * step
        step *= 10


def _totals(labels: Sequence[str], series: Sequence[Series]) -> list[int]:
    return [sum(s.values[i] for s in series) for i in range(len(labels))]


def _legend_layout(series: Sequence[Series]) -> list[tuple[int, int]]:
    """(x, row) of each series' swatch: left to right, wrapping at the chart's width."""
    places, x, row = [], 8, 0
    for s in series:
        width = 26 + 7 * len(s.name)
        if x + width > WIDTH and x > 8:
            x, row = 8, row + 1
        places.append((x, row))
        x += width
    return places


def _legend(series: Sequence[Series], y: int) -> tuple[str, int]:
    """The legend's SVG and its height (none for a single series)."""
    if len(series) < 2:
        return "", 0
    places = _legend_layout(series)
    svg = "".join(
        f'<g transform="translate({x},{y + 18 * row})">'
        f'<rect class="s{i}" width="12" height="12" rx="2"/>'
        f'<text x="17" y="10.5">{escape(s.name)}</text></g>'
        for i, (s, (x, row)) in enumerate(zip(series, places, strict=True))
    )
    return svg, 18 * (places[-1][1] + 1) + 8


def _frame(
    title: str, summary: str, height: int, body: list[str], series: Sequence[Series]
) -> Markup:
    n = next(_ids)
    legend, legend_height = _legend(series, height + 4)
    total = height + legend_height
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {total}" role="img" '
        f'aria-labelledby="chart{n}t chart{n}d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart{n}t">{escape(title)}</title><desc id="chart{n}d">{escape(summary)}'
        f"</desc>{''.join(body)}{legend}</svg>"
    )


def columns(
    title: str, labels: Sequence[str], series: Sequence[Series], *, label_every: int = 1
) -> Markup:
    """Vertical stacked columns, one per label (days, age bands)."""
    width, height, left, top, bottom = WIDTH, 230, 36, 10, 26
    plot_h = height - top - bottom
    totals = _totals(labels, series)
    scale = _scale_max(totals)
    slot = (width - left - 8) / max(len(labels), 1)
    bar = max(min(slot * 0.7, 48), 2)
    body = [
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}"/>'
    ]
    for tick in (0, scale // 2, scale):
        y = top + plot_h - plot_h * tick / scale
        body.append(
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{tick}</text>'
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}"/>'
        )
    for i, label in enumerate(labels):
        x = left + slot * i + (slot - bar) / 2
        base = float(top + plot_h)
        for k, s in enumerate(series):
            h = plot_h * s.values[i] / scale
            if h > 0:
                base -= h
                body.append(
                    f'<rect class="s{k}" x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}"><title>{escape(label)}: {escape(s.name)} '
                    f"{s.values[i]}</title></rect>"
                )
        if i % label_every == 0:
            body.append(
                f'<text class="label" x="{x + bar / 2:.1f}" y="{top + plot_h + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    summary = f"{sum(totals)} in all; largest {max(totals, default=0)}"
    return _frame(title, summary, height, body, series)


def rows(title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """Horizontal stacked bars, one per label (response codes, suppliers)."""
    width, bar, gap = WIDTH, 20, 10
    left = min(200, 16 + 7 * max((len(label) for label in labels), default=4))
    height = 12 + len(labels) * (bar + gap)
    totals = _totals(labels, series)
    scale = _scale_max(totals)
    plot_w = width - left - 44
    body = []
    for i, label in enumerate(labels):
        y = 12 + i * (bar + gap)
        body.append(
            f'<text class="label" x="{left - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
        x = float(left)
        for k, s in enumerate(series):
            w = plot_w * s.values[i] / scale
            if w > 0:
                body.append(
                    f'<rect class="s{k}" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                    f'height="{bar}"><title>{escape(label)}: {escape(s.name)} '
                    f"{s.values[i]}</title></rect>"
                )
                x += w
        body.append(f'<text class="value" x="{x + 6:.1f}" y="{y + 15}">{totals[i]}</text>')
    pairs = list(zip(labels, totals, strict=True))[:8]
    summary = ", ".join(f"{label}: {total}" for label, total in pairs)
    return _frame(title, summary or "no data", height, body, series)
