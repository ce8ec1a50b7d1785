"""Small server-rendered SVG charts (no JavaScript, no chart library). Every chart has a
text title for screen readers; the dashboard also shows the numbers as tables."""

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#0b4f8a", "#a4161a", "#b45309", "#1e6b34", "#6b3fa0", "#4a5563")


def _color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def stacked_bars(
    *, title: str, labels: Sequence[str], series: dict[str, Sequence[int]], height: int = 220
) -> Markup:
    """Columns (one per label, e.g. a day) stacked by series (e.g. a detection label)."""
    width = max(320, 28 * len(labels) + 60)
    top, bottom, left = 24, 40, 36
    plot_h = height - top - bottom
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    peak = max([1, *totals])
    step = (width - left - 10) / max(1, len(labels))
    bar_w = max(4.0, step * 0.7)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 5}" y2="{top + plot_h}" '
        'stroke="#6b7785"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar_w) / 2
        y = float(top + plot_h)
        for s, (name, values) in enumerate(series.items()):
            value = values[i]
            if not value:
                continue
            h = plot_h * value / peak
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{_color(s)}"><title>{escape(label)} · {escape(name)}: {value}'
                "</title></rect>"
            )
        if len(labels) <= 16 or i % max(1, len(labels) // 8) == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 14}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for s, name in enumerate(series):
        lx = left + s * 110
        parts.append(
            f'<rect x="{lx}" y="{height - 16}" width="10" height="10" fill="{_color(s)}"/>'
            f'<text x="{lx + 14}" y="{height - 7}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(*, title: str, items: Sequence[tuple[str, float]], unit: str = "") -> Markup:
    row_h, left, width = 24, 180, 520
    height = max(40, row_h * len(items) + 10)
    peak = max([1.0, *(value for _, value in items)])
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(items):
        y = 5 + i * row_h
        w = (width - left - 70) * value / peak
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(label[:28])}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="16" fill="{_color(0)}">'
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + 15}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
