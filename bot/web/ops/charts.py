"""Small charts drawn on the server as inline SVG (pure): bars per day, and points over
time. Every text in them is escaped; sizes are fixed, so a chart costs a few KB whatever
the data."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, PAD = 600, 160, 28


def bar_chart(title: str, bars: Sequence[tuple[str, float]], unit: str = "") -> str:
    """One bar per label (a day), the highest labelled; the first and last labels shown."""
    top = max((v for _l, v in bars), default=0.0) or 1.0
    step = (WIDTH - 2 * PAD) / max(1, len(bars))
    parts = []
    for i, (label, value) in enumerate(bars):
        h = (HEIGHT - 2 * PAD) * value / top
        x, y = PAD + i * step, HEIGHT - PAD - h
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(1.0, step - 2):.1f}"'
                     f' height="{h:.1f}"><title>{escape(label)}: {value:g}{escape(unit)}'
                     "</title></rect>")
    labels = ""
    if bars:
        labels = (f'<text x="{PAD}" y="{HEIGHT - 8}">{escape(bars[0][0])}</text>'
                  f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" text-anchor="end">'
                  f"{escape(bars[-1][0])}</text>")
    return _svg(title, "".join(parts) + labels
                + f'<text x="{PAD}" y="16">max {top:g}{escape(unit)}</text>')


def point_chart(title: str, points: Sequence[tuple[float, float]], start: float, end: float,
                unit: str = "s") -> str:
    """Values over a time span (job latency over 24 h): one dot per point."""
    top = max((v for _t, v in points), default=0.0) or 1.0
    span = max(1.0, end - start)
    dots = "".join(
        f'<circle class="dot" cx="{PAD + (WIDTH - 2 * PAD) * (t - start) / span:.1f}" '
        f'cy="{HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top:.1f}" r="2"/>'
        for t, v in points if start <= t <= end)
    return _svg(title, dots + f'<text x="{PAD}" y="16">max {top:.2f} {escape(unit)}</text>'
                f'<text x="{PAD}" y="{HEIGHT - 8}">24 h ago</text>'
                f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" text-anchor="end">now</text>')


def _svg(title: str, body: str) -> str:
    axis = (f'<line class="axis" x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" '
            f'y2="{HEIGHT - PAD}"/>')
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
            f'<text class="caption" x="{WIDTH - PAD}" y="16" text-anchor="end">'
            f"{escape(title)}</text>{axis}{body}</svg>")
