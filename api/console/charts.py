"""Server-rendered SVG charts: no JavaScript library, nothing to vendor, readable without scripts.

Every text that goes into the markup is escaped; a chart draws only numbers and fixed labels.
Colours come from classes styled in console.css (the CSP forbids inline styles).
"""
from __future__ import annotations

from markupsafe import Markup, escape

from agent.reports import Kpi, PolicyBlocks

W, H = 320, 130
PAD_L, PAD_R, PAD_T, PAD_B = 34, 8, 10, 22


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "percent":
        return f"{value:.0f}%"
    if unit == "ratio":
        return f"{value:.2f}"
    if unit == "minutes":
        return f"{value:.0f} min" if value >= 1 else f"{value * 60:.0f} s"
    return f"{value:.0f}"


def format_value(value: float | None, unit: str) -> str:
    return _fmt(value, unit)


def _scale(values: list[float | None], unit: str) -> float:
    top = max([v for v in values if v is not None] or [0.0])
    if unit == "percent":
        return 100.0
    if top <= 0:
        return 1.0
    if unit == "count" and top < 5:
        return 5.0
    return top * 1.15


def _frame(parts: list[str], top: float, unit: str, labels: list[str], title: str, width: int = W) -> Markup:
    x0, x1, y0, y1 = PAD_L, width - PAD_R, PAD_T, H - PAD_B
    axis = [
        f'<line class="axis" x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}"/>',
        f'<line class="grid" x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}"/>',
        f'<text class="tick" x="{x0 - 4}" y="{y0 + 4}" text-anchor="end">{escape(_fmt(top, unit))}</text>',
        f'<text class="tick" x="{x0 - 4}" y="{y1}" text-anchor="end">0</text>',
    ]
    if labels:
        step = (x1 - x0) / len(labels)
        for i in sorted({0, len(labels) // 2, len(labels) - 1}):
            cx = x0 + step * (i + 0.5)
            axis.append(f'<text class="tick" x="{cx:.1f}" y="{H - 6}" text-anchor="middle">{escape(labels[i])}</text>')
    body = "".join(axis + parts)
    return Markup(f'<svg class="chart" viewBox="0 0 {width} {H}" role="img" aria-label="{escape(title)}" '
                  f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{body}</svg>')


def kpi_chart(kpi: Kpi) -> Markup:
    """Counts as bars; rates, ratios and minutes as a line with dots (gaps where there is no value)."""
    values = [p.value for p in kpi.points]
    labels = [p.label for p in kpi.points]
    top = _scale(values, kpi.unit)
    x0, x1, y0, y1 = PAD_L, W - PAD_R, PAD_T, H - PAD_B
    step = (x1 - x0) / max(1, len(values))
    parts: list[str] = []

    def y(v: float) -> float:
        return y1 - (y1 - y0) * min(v, top) / top

    if kpi.unit == "count":
        for i, (v, p) in enumerate(zip(values, kpi.points, strict=True)):
            height = y1 - y(v or 0)
            tip = escape(f"{p.label}: {_fmt(v, kpi.unit)}")
            parts.append(f'<rect class="bar" x="{x0 + step * i + step * 0.15:.1f}" y="{y(v or 0):.1f}" '
                         f'width="{step * 0.7:.1f}" height="{height:.1f}"><title>{tip}</title></rect>')
    else:
        run: list[str] = []
        for i, v in enumerate(values):
            if v is None:
                if len(run) > 1:
                    parts.append(f'<polyline class="line" points="{" ".join(run)}"/>')
                run = []
                continue
            run.append(f"{x0 + step * (i + 0.5):.1f},{y(v):.1f}")
        if len(run) > 1:
            parts.append(f'<polyline class="line" points="{" ".join(run)}"/>')
        for i, (v, p) in enumerate(zip(values, kpi.points, strict=True)):
            if v is None:
                continue
            ratio = f" ({p.numerator}/{p.denominator})" if p.denominator else ""
            tip = escape(f"{p.label}: {_fmt(v, kpi.unit)}{ratio}")
            parts.append(f'<circle class="dot" cx="{x0 + step * (i + 0.5):.1f}" cy="{y(v):.1f}" r="3">'
                         f"<title>{tip}</title></circle>")
    return _frame(parts, top, kpi.unit, labels, kpi.label)


def blocks_chart(series: list[PolicyBlocks], labels: list[str]) -> Markup:
    """Guard blocks per bucket, stacked by policy (classes p-<policy> give each its colour). Twice as
    wide as a KPI chart: it spans two dashboard columns."""
    width = 2 * W
    totals = [sum(s.counts[i] for s in series) for i in range(len(labels))]
    top = _scale([float(t) for t in totals], "count")
    x0, x1, y0, y1 = PAD_L, width - PAD_R, PAD_T, H - PAD_B
    step = (x1 - x0) / max(1, len(labels))
    parts = []
    for i, label in enumerate(labels):
        base = 0.0
        for s in series:
            n = s.counts[i]
            if not n:
                continue
            top_px = y1 - (y1 - y0) * (base + n) / top
            height = (y1 - y0) * n / top
            tip = escape(f"{label}: {n} {s.policy}")
            parts.append(f'<rect class="bar p-{escape(s.policy)}" x="{x0 + step * i + step * 0.15:.1f}" '
                         f'y="{top_px:.1f}" width="{step * 0.7:.1f}" height="{height:.1f}"><title>{tip}</title></rect>')
            base += n
    return _frame(parts, top, "count", labels, "Guard blocks by policy", width)
