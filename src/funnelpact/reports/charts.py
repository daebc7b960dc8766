"""Bar charts as inline SVG, drawn in Python: the HTML and the PDF need no script and no CDN."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Final

from funnelpact.reports.model import Chart

WIDTH: Final = 680
LABEL_WIDTH: Final = 190
VALUE_WIDTH: Final = 90
ROW: Final = 22
BAR: Final = 14
ACCENT: Final = "#1f4e8c"
REFERENCE: Final = "#a3261b"
RULE: Final = "#d5dae3"
MUTED: Final = "#5b6478"
MAX_BARS: Final = 20  # horizontal bars: the largest 20, so that a chart fits on a page
SERIES_HEIGHT: Final = 220


def _truncate(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chart_svg(chart: Chart, title: str, formatter: Callable[[float], str]) -> str:
    """Columns for a time series, horizontal bars for categories."""
    if chart.series:
        return column_chart_svg(chart, title, formatter)
    return bar_chart_svg(chart, title, formatter)


def column_chart_svg(chart: Chart, title: str, formatter: Callable[[float], str]) -> str:
    """A column per day (or month), labelled every few columns; the largest value written."""
    bars = chart.bars
    left, bottom, top = 8, 34, 18
    plot_width, plot_height = WIDTH - 2 * left, SERIES_HEIGHT - bottom - top
    scale_max = max([*(b.value for b in bars), 0.0]) or 1.0
    step = plot_width / max(1, len(bars))
    every = max(1, round(len(bars) / 10))  # about ten labels whatever the length
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {SERIES_HEIGHT}" '
        f'width="100%" class="chart" font-family="Helvetica, Arial, sans-serif" font-size="10">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_height}" x2="{WIDTH - left}" y2="{top + plot_height}" '
        f'stroke="{RULE}" stroke-width="1"/>',
    ]
    peak = max(range(len(bars)), key=lambda i: bars[i].value) if bars else -1
    for index, bar in enumerate(bars):
        height = max(0.0, bar.value) / scale_max * plot_height
        x = left + index * step + step * 0.15
        y = top + plot_height - height
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{height:.1f}" '
            f'rx="1.5" fill="{ACCENT}"><title>{escape(bar.label)}: {escape(formatter(bar.value))}'
            "</title></rect>"
        )
        if index == peak and bar.value > 0:
            parts.append(
                f'<text x="{x + step * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                f'fill="{MUTED}">{escape(formatter(bar.value))}</text>'
            )
        if index % every == 0:
            label = bar.label[-5:] if len(bar.label) == 10 else bar.label  # 2026-06-09 -> 06-09
            parts.append(
                f'<text x="{x + step * 0.35:.1f}" y="{top + plot_height + 14}" '
                f'text-anchor="middle" fill="{MUTED}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart_svg(chart: Chart, title: str, formatter: Callable[[float], str]) -> str:
    """A horizontal bar chart; a reference (target or previous period) is a red tick."""
    bars = (
        sorted(chart.bars, key=lambda b: -b.value)[:MAX_BARS]
        if len(chart.bars) > MAX_BARS
        else chart.bars
    )
    top = 8
    height = top + ROW * len(bars) + 8
    scale_max = max([*(b.value for b in bars), *(b.previous or 0.0 for b in bars), 0.0]) or 1.0
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" class="chart" font-family="Helvetica, Arial, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LABEL_WIDTH}" y1="{top - 4}" x2="{LABEL_WIDTH}" y2="{height - 4}" '
        f'stroke="{RULE}" stroke-width="1"/>',
    ]
    for index, bar in enumerate(bars):
        y = top + index * ROW
        length = max(0.0, bar.value) / scale_max * plot
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR - 3}" text-anchor="end" fill="#1d2433">'
            f"{escape(_truncate(bar.label))}</text>"
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR}" rx="2" '
            f'fill="{ACCENT}"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR - 3}" fill="{MUTED}">'
            f"{escape(formatter(bar.value))}</text>"
        )
        if bar.previous is not None:
            x = LABEL_WIDTH + max(0.0, bar.previous) / scale_max * plot
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 2}" x2="{x:.1f}" y2="{y + BAR + 2}" '
                f'stroke="{REFERENCE}" stroke-width="2"/>'
            )
    parts.append("</svg>")
    return "".join(parts)
