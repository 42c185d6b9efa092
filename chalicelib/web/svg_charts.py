"""Charts of the console's statistics, drawn on the server as SVG.

The pages' CSP forbids inline style and script: every look here is a presentation
attribute (fill, stroke, font-size, text-anchor), never `style`. Each chart is an image
(role="img") named by its <title> and described by its <desc>; the page puts the same
figures in a table beside it, which is the alternative people and tools read.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

# Distinct at a glance and against white (contrast >= 3:1 for graphic parts, RGAA 3.3).
PALETTE = ("#000091", "#c9191e", "#18753c", "#b34000", "#6a6af4", "#3a3a3a")
TEXT = "#1b1b1b"
AXIS = "#666666"
FONT = "Marianne, Arial, sans-serif"

_ids = itertools.count(1)


def _text(x: float, y: float, content: str, size: int = 12, anchor: str = "start", weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family={quoteattr(FONT)} font-size="{size}" fill="{TEXT}" '
        f'text-anchor="{anchor}" font-weight="{weight}">{escape(content)}</text>'
    )


def _open(width: int, height: int, title: str, description: str, key: str | None) -> tuple[str, str]:
    uid = key or f"chart{next(_ids)}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{uid}-title {uid}-desc" focusable="false">'
        f'<title id="{uid}-title">{escape(title)}</title><desc id="{uid}-desc">{escape(description)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
    )
    return head, uid


def horizontal_bars(
    title: str,
    description: str,
    bars: Sequence[tuple[str, float, str]],
    maximum: float | None = None,
    key: str | None = None,
    color: str = PALETTE[0],
) -> Markup:
    """One bar per (label, value, shown value), left to right from zero to `maximum`."""
    width, label_w, row_h, pad = 640, 230, 28, 12
    height = max(pad * 2 + row_h * len(bars), 48)
    head, _ = _open(width, height, title, description, key)
    top = max([v for _, v, _ in bars] + [maximum or 0, 0]) or 1
    span = width - label_w - 90
    parts = [head]
    if not bars:
        parts.append(_text(pad, height / 2 + 4, "Aucune donnée sur la période"))
    for i, (label, value, shown) in enumerate(bars):
        y = pad + i * row_h
        w = span * max(value, 0) / top
        parts.append(_text(label_w - 8, y + row_h / 2 + 4, _clip(label, 34), anchor="end"))
        parts.append(f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" fill="{color}"/>')
        parts.append(_text(label_w + w + 6, y + row_h / 2 + 4, shown))
    parts.append(
        f'<line x1="{label_w}" y1="{pad - 2}" x2="{label_w}" y2="{height - pad + 2}" stroke="{AXIS}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_columns(
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    key: str | None = None,
) -> Markup:
    """One column per category (a week), its series (channels) stacked, with a legend."""
    width, height = 640, 300
    left, right, top, bottom = 44, 12, 16, 70
    head, _ = _open(width, height, title, description, key)
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    peak = _nice(max(totals + [1]))
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(categories), 1)
    bar_w = max(min(step * 0.7, 40), 2)
    parts = [head]
    for tick in (0, peak // 2, peak):
        y = top + plot_h - plot_h * tick / peak
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#dddddd" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, str(tick), size=11, anchor="end"))
    every = max(1, len(categories) // 8)  # at most ~8 labels under the axis
    for i, category in enumerate(categories):
        x = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        for s, (_, values) in enumerate(series):
            h = plot_h * values[i] / peak
            if h > 0:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE[s % len(PALETTE)]}"/>'
                )
        if i % every == 0:
            parts.append(_text(x + bar_w / 2, top + plot_h + 16, category, size=11, anchor="middle"))
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{AXIS}" '
        'stroke-width="1"/>'
    )
    lx = left
    for s, (name, _) in enumerate(series):
        parts.append(f'<rect x="{lx}" y="{height - 30}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>')
        parts.append(_text(lx + 16, height - 20, name, size=12))
        lx += 24 + 7 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice(n: int) -> int:
    """A round top for the axis, even so that its half is a whole number."""
    for step in (2, 4, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        if n <= step:
            return step
    return ((n + 9999) // 10000) * 10000


def _clip(label: str, n: int) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"
