"""Small inline SVG charts for the PDFs (WeasyPrint draws inline SVG): a score series over time,
one line per instrument, with its points labelled. No JavaScript, no external files."""

from datetime import date

from django.utils.html import escape

COLORS = ["#1f6feb", "#cf222e", "#1a7f37", "#8250df"]


def score_lines(series: dict[str, list[tuple[date, int]]], *, maximum: int, width: int = 520, height: int = 160) -> str:
    """`series`: label → [(day, score)] in order. Empty string when nothing has two points."""
    drawn = {label: points for label, points in series.items() if points}
    if not drawn or all(len(points) < 2 for points in drawn.values()):
        return ""
    days = sorted({day for points in drawn.values() for day, _ in points})
    first, last = days[0].toordinal(), days[-1].toordinal()
    left, right, top, bottom = 34, 12, 12, 26
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day: date) -> float:
        return left + (plot_w * (day.toordinal() - first) / (last - first) if last > first else plot_w / 2)

    def y(value: int) -> float:
        return top + plot_h * (1 - value / maximum)

    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#8c959f"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#8c959f"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="9">{maximum}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="9">0</text>',
        f'<text x="{left}" y="{height - 8}" font-size="9">{days[0]:%d/%m/%Y}</text>',
        f'<text x="{left + plot_w}" y="{height - 8}" text-anchor="end" font-size="9">{days[-1]:%d/%m/%Y}</text>',
    ]
    legend = []
    for index, (label, points) in enumerate(drawn.items()):
        color = COLORS[index % len(COLORS)]
        path = " ".join(f"{x(day):.1f},{y(value):.1f}" for day, value in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for day, value in points:
            parts.append(f'<circle cx="{x(day):.1f}" cy="{y(value):.1f}" r="2.5" fill="{color}"/>')
            parts.append(
                f'<text x="{x(day):.1f}" y="{y(value) - 5:.1f}" text-anchor="middle" font-size="8" fill="{color}">{value}</text>'
            )
        legend.append(
            f'<text x="{left + 8 + index * 70}" y="{top + 2}" font-size="9" fill="{color}">{escape(label)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img">{"".join(parts + legend)}</svg>'
    )
