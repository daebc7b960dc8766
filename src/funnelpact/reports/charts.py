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
MAX_BARS: Final = 40  # a day per bar for two months at most; longer periods are monthly


def _truncate(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart_svg(chart: Chart, title: str, formatter: Callable[[float], str]) -> str:
    """A horizontal bar chart; a reference (target or previous period) is a red tick."""
    bars = chart.bars[:MAX_BARS]
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
