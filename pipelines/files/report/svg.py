"""Charts of report.html as inline SVG drawn here: no script, no external asset, every label,
legend entry and tooltip escaped as plain text (html.escape), so input text can never become markup."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import math
from html import escape

PALETTE: tuple[str, ...] = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
                            "#9c755f", "#bab0ac", "#ff9da7")
_FONT = "font-family:sans-serif;font-size:12px"


@dataclass(frozen=True)
class Series:
    """One legend entry: a name and one value per category (None = no value)."""

    name: str
    values: Sequence[float | None]


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _fmt(value: float, percent: bool) -> str:
    return f"{value:.0%}" if percent else f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _legend(series: Sequence[Series], x: int, y: int, width: int) -> tuple[str, int]:
    """The legend entries in rows that fit `width`, and the height the rows take."""
    if len(series) < 2:
        return "", 0
    items, offset, row = [], x, 0
    for i, s in enumerate(series):
        size = 28 + 7 * len(str(s.name))
        if offset > x and offset + size > x + width:
            offset, row = x, row + 1
        top = y + 16 * row
        items.append(f"<rect x='{offset}' y='{top - 10}' width='12' height='12' fill='{PALETTE[i % len(PALETTE)]}'/>"
                     f"<text x='{offset + 16}' y='{top}'>{_text(s.name)}</text>")
        offset += size
    return "".join(items), 16 * (row + 1)


def _nice_peak(peak: float, percent: bool) -> float:
    """An axis top at or above peak whose quarters are round numbers (whole counts, 5% steps)."""
    if percent:
        return max(0.2, math.ceil(peak / 0.2) * 0.2)
    step = max(peak / 4, 1)
    magnitude = 10 ** math.floor(math.log10(step))
    nice = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= step)
    return 4 * max(nice, 1)


def _frame(title: str, width: int, height: int, body: str) -> str:
    return (f"<figure class='chart'><svg class='chart' role='img' xmlns='http://www.w3.org/2000/svg' "
            f"viewBox='0 0 {width} {height}' width='{width}' height='{height}' style='{_FONT}'>"
            f"<title>{_text(title)}</title><text x='4' y='16' style='font-size:14px;font-weight:bold'>"
            f"{_text(title)}</text>{body}</svg></figure>")


def hbar_chart(title: str, categories: Sequence[str], series: Sequence[Series], stacked: bool = False,
               percent: bool = False, value_label: str = "") -> str:
    """Horizontal bars, one row per category (long place names stay readable), grouped or stacked."""
    label_width, plot_width, row = 190, 620, 22 if stacked or len(series) == 1 else 12 * len(series) + 8
    legend, legend_height = _legend(series, label_width, 36, plot_width)
    top = 30 + legend_height
    height = top + row * len(categories) + 40
    totals = [sum(v or 0 for v in values) for values in zip(*[s.values for s in series])] if stacked else \
        [max((v or 0) for v in values) for values in zip(*[s.values for s in series])]
    peak = max([*totals, 1e-9]) if not percent else max(1.0, *totals)
    scale = plot_width / peak
    parts = [legend]
    for i, category in enumerate(categories):
        y = top + i * row
        parts.append(f"<text x='{label_width - 6}' y='{y + row / 2 + 4}' text-anchor='end'>{_text(category)}</text>")
        offset = 0.0
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            length = value * scale
            bar_y = y + 3 if stacked or len(series) == 1 else y + 4 + j * 12
            bar_h = row - 6 if stacked or len(series) == 1 else 11
            parts.append(f"<rect x='{label_width + offset:.1f}' y='{bar_y}' width='{max(length, 0):.1f}' "
                         f"height='{bar_h}' fill='{PALETTE[j % len(PALETTE)]}'><title>{_text(category)} · "
                         f"{_text(s.name)}: {_fmt(value, percent)}</title></rect>")
            if stacked:
                offset += length
            else:
                parts.append(f"<text x='{label_width + length + 4:.1f}' y='{bar_y + bar_h - 1}' "
                             f"style='font-size:10px'>{_fmt(value, percent)}</text>")
        if stacked:
            parts.append(f"<text x='{label_width + offset + 4:.1f}' y='{y + row / 2 + 4}' style='font-size:10px'>"
                         f"{_fmt(totals[i], percent)}</text>")
    axis_y = top + row * len(categories) + 14
    parts.append(f"<text x='{label_width}' y='{axis_y + 12}' fill='#555'>{_text(value_label)}</text>")
    return _frame(title, label_width + plot_width + 80, height, "".join(parts))


def column_chart(title: str, labels: Sequence[str], series: Sequence[Series], stacked: bool = False,
                 percent: bool = False, y_label: str = "", x_label: str = "",
                 lines: Sequence[tuple[float, str]] = (), x_range: tuple[float, float] | None = None) -> str:
    """Vertical columns over categories (months, buckets, bins), grouped or stacked; `lines` are
    dashed vertical markers at x values of `x_range` (the span of the columns), their labels on
    rows of their own so none overlap."""
    left, plot_w, plot_h = 60, 900, 240
    legend, legend_height = _legend(series, left, 36, plot_w)
    top = 36 + legend_height
    n = max(len(labels), 1)
    values = [[v or 0 for v in s.values] for s in series]
    totals = [sum(col) for col in zip(*values)] if stacked else [max(col) for col in zip(*values)] if values else []
    peak = _nice_peak(max([*totals, 0]), percent)
    slot = plot_w / n
    parts = [legend]
    for tick in range(5):
        value = peak * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(f"<line x1='{left}' x2='{left + plot_w}' y1='{y:.1f}' y2='{y:.1f}' stroke='#ddd'/>"
                     f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end'>{_fmt(value, percent)}</text>")
    step = max(1, n // 24)
    for i, label in enumerate(labels):
        base = top + plot_h
        width = slot * 0.8 / (1 if stacked else max(len(series), 1))
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            h = plot_h * value / peak
            x = left + i * slot + slot * 0.1 + (0 if stacked else j * width)
            parts.append(f"<rect x='{x:.1f}' y='{base - h:.1f}' width='{width:.1f}' height='{h:.1f}' "
                         f"fill='{PALETTE[j % len(PALETTE)]}'><title>{_text(label)} · {_text(s.name)}: "
                         f"{_fmt(value, percent)}</title></rect>")
            if stacked:
                base -= h
        if i % step == 0:
            x = left + i * slot + slot / 2
            parts.append(f"<text x='{x:.1f}' y='{top + plot_h + 14}' text-anchor='end' "
                         f"transform='rotate(-35 {x:.1f} {top + plot_h + 14})' style='font-size:10px'>"
                         f"{_text(label)}</text>")
    if lines and x_range:
        low, high = x_range
        for k, (x_value, text) in enumerate(sorted(lines)):
            x = left + plot_w * (x_value - low) / max(high - low, 1e-9)
            y = top + 12 + 14 * k
            parts.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{top}' y2='{top + plot_h}' stroke='#333' "
                         f"stroke-dasharray='5,4'/><text x='{x + 4:.1f}' y='{y}'>{_text(text)}</text>")
    parts.append(f"<text x='{left + plot_w / 2}' y='{top + plot_h + 62}' text-anchor='middle' fill='#555'>"
                 f"{_text(x_label)}</text><text x='12' y='{top + plot_h / 2}' fill='#555' "
                 f"transform='rotate(-90 12 {top + plot_h / 2})' text-anchor='middle'>{_text(y_label)}</text>")
    return _frame(title, left + plot_w + 20, top + plot_h + 72, "".join(parts))
