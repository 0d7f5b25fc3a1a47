"""Charts the app draws itself: inline SVG written on the server, no chart library and no script.

Each chart is a <figure> holding the SVG (role="img", named by its caption) and the same figures as a table, so a
screen reader, a printout and a copy-paste all get the numbers. Colours come from CSS classes (insights.css), and every
value also has a text label, so colour is never the only cue. Text is escaped (markupsafe).
"""

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

from app.i18n import gettext as _


@dataclass(frozen=True)
class Series:
    """One set of bars: its name (the key), one value per group (None: withheld or not known) and its CSS class."""

    name: str
    values: list[float | None]
    css: str


def _nice_top(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^n at or above `value` (at least 1): the top of the value axis."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _number(value: float | None, digits: int) -> str:
    if value is None:
        return _("withheld")
    return f"{value:,.{digits}f}"


def bar_chart(caption: str, groups: list[str], series: list[Series], *, chart_id: str, group_label: str,
              digits: int = 0, missing: str | None = None, note: str | None = None, ticks: list[str] | None = None,
              width: int = 640, height: int = 220) -> Markup:
    """A grouped bar chart: one group of bars per label in `groups` (written on the axis as `ticks`, when given: shorter
    ones), one bar per series. A None value draws no bar and a dash, and reads `missing` (else "withheld") in the table.
    `chart_id` names its caption: unique on its page, and the same for the same chart in every request."""
    missing = missing or _("withheld")
    left, right, top, bottom = 44, 8, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for s in series for v in s.values if v is not None]
    top_value = _nice_top(max(known, default=0))
    y = lambda v: top + plot_h - (v / top_value) * plot_h  # noqa: E731
    group_w = plot_w / max(len(groups), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="{chart_id}-caption" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i in range(5):  # gridlines and the value axis
        value = top_value * i / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end">{value:,g}</text>')
    for g, group in enumerate(groups):
        x0 = left + g * group_w + group_w * 0.1
        for s, one in enumerate(series):
            value = one.values[g]
            x = x0 + s * bar_w
            if value is None:
                parts.append(f'<text class="missing" x="{x + bar_w / 2:.1f}" y="{top + plot_h - 3}" text-anchor="middle">–</text>')
                continue
            title = f"{group}, {one.name}: {_number(value, digits)}"
            parts.append(
                f'<rect class="bar {escape(one.css)}" x="{x:.1f}" y="{y(value):.1f}" width="{max(bar_w - 1, 1):.1f}" '
                f'height="{top + plot_h - y(value):.1f}"><title>{escape(title)}</title></rect>'
            )
        parts.append(
            f'<text class="axis" x="{x0 + group_w * 0.4:.1f}" y="{height - bottom + 14}" text-anchor="middle">{escape((ticks or groups)[g])}</text>'
        )
    parts.append(f'<line class="baseline" x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}"/></svg>')
    key = "".join(f'<li><span class="key {escape(s.css)}" aria-hidden="true"></span>{escape(s.name)}</li>' for s in series)
    head = "".join(f"<th scope=\"col\">{escape(s.name)}</th>" for s in series)
    rows = "".join(
        f'<tr><th scope="row">{escape(group)}</th>'
        + "".join(f"<td>{escape(missing if s.values[g] is None else _number(s.values[g], digits))}</td>" for s in series)
        + "</tr>"
        for g, group in enumerate(groups)
    )
    note_html = f'<p class="hint">{escape(note)}</p>' if note else ""
    figures = _("The figures")  # outside the f-string, where `make messages` can find it
    return Markup(
        f'<figure class="chart-figure"><figcaption id="{chart_id}-caption">{escape(caption)}</figcaption>'
        f'<ul class="chart-key">{key}</ul>{"".join(parts)}{note_html}'
        f'<details class="chart-data"><summary>{escape(figures)}</summary><table><thead><tr><th scope="col">'
        f'{escape(group_label)}</th>{head}</tr></thead><tbody>{rows}</tbody></table></details></figure>'
    )
