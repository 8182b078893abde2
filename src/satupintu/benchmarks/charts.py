"""Charts drawn on the server as SVG: no JavaScript, no library to download, no CDN.

The Content-Security-Policy allows no inline style, so shapes carry classes from satupintu.css
(and plain presentation attributes for geometry). Every chart is ``role="img"`` with a title and a
description naming what it shows, and every page that shows one also shows the same numbers in a
table. Charts are drawn 400 units wide and scale to their container: on a 360 px phone the text
stays about 11 px, on a laptop the chart is capped by CSS so it does not grow huge.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from satupintu.benchmarks.rollups import Distribution

WIDTH = 400
_ids = itertools.count(1)
Format = Callable[[float], str]


def _svg(height: float, title: str, desc: str, body: list[str], css: str = "chart", width: int = WIDTH) -> Markup:
    uid = f"grafik-{next(_ids)}"
    return Markup(
        f'<svg class="{css}" viewBox="0 0 {width} {height:.0f}" role="img" aria-labelledby="{uid}-t {uid}-d" '
        f'focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, css: str = "", anchor: str = "start") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _ticks(lower: float, upper: float, count: int = 4) -> list[float]:
    """Round values for an axis: steps of 1, 2, 2.5 or 5 times a power of ten."""
    span = upper - lower
    if span <= 0:
        return [lower]
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lower / step) * step
    return [round(first + i * step, 10) for i in range(int((upper - first) / step + 1e-9) + 1)]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    highlight: bool = False


def ranking(bars: Sequence[Bar], *, title: str, desc: str, fmt: Format, top: float | None = None,
            gap_label: str = "") -> Markup:
    """Horizontal bars, best first, the label above each bar so long regency names fit on a phone.

    ``gap_label`` marks where a long ranking was cut (between the best and the worst shown).
    """
    row = 30
    height = row * len(bars) + (row if gap_label else 0) + 8
    top = top or _nice_max(max((b.value for b in bars), default=0))
    usable = WIDTH - 70
    body: list[str] = []
    y = 4.0
    for index, bar in enumerate(bars):
        if gap_label and index == (len(bars) + 1) // 2:
            body.append(_text(0, y + 18, gap_label, "muted-text"))
            y += row
        length = max(1.0, usable * bar.value / top) if bar.value > 0 else 0.0
        css = "bar mark" if bar.highlight else "bar"
        body.append(_text(0, y + 11, bar.label, "label"))
        body.append(f'<rect class="{css}" x="0" y="{y + 15:.1f}" width="{length:.1f}" height="10"/>')
        body.append(_text(length + 4, y + 24, fmt(bar.value), "value"))
        y += row
    return _svg(height, title, desc, body)


def histogram(values: Sequence[float], *, lower: float, upper: float, bins: int, title: str, desc: str,
              fmt: Format, marker: float | None = None, marker_label: str = "", median: float | None = None,
              median_label: str = "") -> Markup:
    """How many regions fall in each equal slice of the scale; a line for the median and one for "you"."""
    height, left, bottom, top_pad = 210, 34, 30, 30
    span = (upper - lower) or 1.0
    counts = [0] * bins
    for value in values:
        index = min(bins - 1, max(0, int((value - lower) / span * bins)))
        counts[index] += 1
    tallest = max(counts, default=0) or 1
    plot_w, plot_h = WIDTH - left - 6, height - bottom - top_pad
    body = [f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{WIDTH - 6}" y2="{height - bottom}"/>']
    for step in (0, tallest):
        y = height - bottom - plot_h * step / tallest
        body.append(_text(left - 4, y + 4, str(step), "tick", "end"))
    slot = plot_w / bins
    for index, count in enumerate(counts):
        h = plot_h * count / tallest
        x = left + index * slot
        body.append(f'<rect class="bar" x="{x + 1:.1f}" y="{height - bottom - h:.1f}" width="{slot - 2:.1f}" '
                    f'height="{h:.1f}"/>')
        if count and h >= 18:
            body.append(_text(x + slot / 2, height - bottom - h + 13, str(count), "value inside", "middle"))
        elif count:
            body.append(_text(x + slot / 2, height - bottom - h - 3, str(count), "value", "middle"))
    for fraction in (0, 0.5, 1):
        body.append(_text(left + plot_w * fraction, height - bottom + 16, fmt(lower + span * fraction), "tick",
                          {0: "start", 0.5: "middle", 1: "end"}[fraction]))

    def line(value: float, css: str, text: str, y: float) -> None:
        x = left + plot_w * min(1.0, max(0.0, (value - lower) / span))
        body.append(f'<line class="{css}" x1="{x:.1f}" y1="{y + 3}" x2="{x:.1f}" y2="{height - bottom}"/>')
        anchor = "end" if x > WIDTH * 0.7 else "start"
        body.append(_text(x + (-3 if anchor == "end" else 3), y, f"{text} {fmt(value)}", "label", anchor))

    if median is not None:
        line(median, "median", median_label, 11)
    if marker is not None:
        line(marker, "marker", marker_label, 24)
    return _svg(height, title, desc, body)


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[str, float | None]]  # (x label, value); None leaves a gap


def lines(series: Sequence[Series], *, title: str, desc: str, fmt: Format, lower: float = 0.0,
          upper: float | None = None) -> Markup:
    """Up to four series over the same periods; distinct dash patterns as well as colours."""
    labels = list(dict.fromkeys(label for s in series for label, _ in s.points))
    values = [v for s in series for _, v in s.points if v is not None]
    upper = upper if upper is not None else _nice_max(max(values, default=0))
    left, right, top_pad, bottom = 44, 8, 10, 34
    legend = 18 * len(series) if len(series) > 1 else 0
    height = 200 + legend
    plot_w, plot_h = WIDTH - left - right, 200 - top_pad - bottom
    span = (upper - lower) or 1.0

    def x_of(index: int) -> float:
        return left + (plot_w * index / (len(labels) - 1) if len(labels) > 1 else plot_w / 2)

    def y_of(value: float) -> float:
        return top_pad + plot_h * (1 - (value - lower) / span)

    body: list[str] = []
    for value in _ticks(lower, upper):
        y = y_of(value)
        body.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}"/>')
        body.append(_text(left - 4, y + 4, fmt(value), "tick", "end"))
    every = max(1, -(-len(labels) // 5))
    for index, label in enumerate(labels):
        if index % every == 0:
            anchor = "start" if index == 0 and len(labels) > 1 else ("end" if index == len(labels) - 1 else "middle")
            body.append(_text(x_of(index), 200 - bottom + 16, label, "tick", anchor))
    position = {label: index for index, label in enumerate(labels)}
    for number, item in enumerate(series, start=1):
        runs: list[list[str]] = [[]]
        for label, value in item.points:
            if value is None:
                runs.append([])
                continue
            runs[-1].append(f"{x_of(position[label]):.1f},{y_of(value):.1f}")
        for run in runs:
            if len(run) > 1:
                body.append(f'<polyline class="line s{number}" fill="none" points="{" ".join(run)}"/>')
            elif len(run) == 1:
                x, y = run[0].split(",")
                body.append(f'<circle class="dot s{number}" cx="{x}" cy="{y}" r="3"/>')
        if legend:
            y = 200 + 18 * (number - 1) + 10
            body.append(f'<line class="line s{number}" x1="{left}" y1="{y - 4}" x2="{left + 28}" y2="{y - 4}"/>')
            body.append(_text(left + 34, y, item.name, "label"))
    return _svg(height, title, desc, body)


def strip(dist: Distribution, *, lower: float, upper: float, title: str, desc: str, fmt: Format,
          marker: float | None, marker_label: str) -> Markup:
    """A compact distribution: the middle half of the regions as a box, the median, and "you"."""
    width, height, left, right = 300, 58, 8, 8
    span = (upper - lower) or 1.0

    def x_of(value: float) -> float:
        return left + (width - left - right) * min(1.0, max(0.0, (value - lower) / span))

    y = 30
    body = [f'<line class="axis" x1="{x_of(dist.minimum):.1f}" y1="{y}" x2="{x_of(dist.maximum):.1f}" y2="{y}"/>',
            f'<rect class="box" x="{x_of(dist.q1):.1f}" y="{y - 8}" width="{max(1.0, x_of(dist.q3) - x_of(dist.q1)):.1f}" '
            f'height="16"/>',
            f'<line class="median" x1="{x_of(dist.median):.1f}" y1="{y - 10}" x2="{x_of(dist.median):.1f}" y2="{y + 10}"/>',
            _text(x_of(lower), height - 4, fmt(lower), "tick"),
            _text(x_of(upper), height - 4, fmt(upper), "tick", "end")]
    if marker is not None:
        x = x_of(marker)
        body.append(f'<circle class="dot mark" cx="{x:.1f}" cy="{y}" r="6"/>')
        anchor = "end" if x > width * 0.7 else ("start" if x < width * 0.3 else "middle")
        body.append(_text(x, 12, marker_label, "label", anchor))
    return _svg(height, title, desc, body, css="chart small", width=width)
