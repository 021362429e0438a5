"""Charts for the insights page and the printable report, drawn on the server as SVG.

Why server-rendered SVG and not a charting library (e.g. a vendored Chart.js):
- it works with JavaScript off, and nothing is fetched from anywhere (the strict
  'self'-only Content-Security-Policy needs no exception);
- no third-party code to vendor, update or audit, and no canvas: the SVG is part of the
  page, so it prints sharply (the clinician report) and scales to any screen width;
- the same function draws the chart on the page, in the report and in the downloaded
  report file, and tests can read the numbers straight out of the HTML;
- a few small charts do not need animation, tooltips or zooming.

Each function returns a `Chart`: the SVG (role="img" with an aria-label that sums it
up) and a `Table` of the same numbers, which the templates show next to it
(`exports/_chart.html`). Colours come from classes styled in insights.css; every
series also differs by shape or dash, never by colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from backease.core.history import TechniqueEffect
    from backease.core.insights import Adherence, PainTrend, StressPain

WIDTH = 360
"""viewBox width: close to a phone's width in CSS pixels, so the text stays readable there."""
LEFT, RIGHT, TOP, BOTTOM = 30, 12, 12, 30
TABLE_ROWS = 60
"""Tables under the charts list at most this many rows (the newest)."""


@dataclass(frozen=True, slots=True)
class Table:
    """The numbers behind a chart. The first cell of each row is its row header."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    """An SVG chart with a summary for screen readers and a table of the same numbers."""

    id: str
    title: str
    summary: str
    svg: SafeString
    table: Table
    legend: tuple[tuple[str, str], ...] = ()
    """(swatch class, text) pairs shown under the chart."""


# --- helpers ---------------------------------------------------------------------------------


def day_label(day: date) -> str:
    """'3 Mar': short, the same on every platform."""
    return f"{day.day} {day:%b}"


def number(value: float | None, digits: int = 1) -> str:
    """A number for a table cell; a dash when there is none."""
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text.replace("-", "−")


def signed(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    text = number(value, digits)
    return f"+{text}" if value > 0 and text != "0" else text


def _local_day(moment: datetime) -> date:
    # Insights give moments in the person's zone already: their own date is the local day.
    return moment.date()


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(height: float, label: str, body: Iterable[str], css: str = "") -> SafeString:
    parts = [
        f'<svg class="ins-svg {css}" viewBox="0 0 {WIDTH} {_f(height)}" role="img" '
        f'aria-label="{escape(label)}" focusable="false" preserveAspectRatio="xMinYMin meet">',
        *body,
        "</svg>",
    ]
    return mark_safe("".join(parts))  # every text inserted above is escaped


def _text(x: float, y: float, text: str, css: str, anchor: str = "start") -> str:
    return f'<text class="{css}" x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}">{escape(text)}</text>'


def _segments(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Split a series at missing values, so a gap in the data is a gap in the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, y))
    return [run for run in runs if run]


def _polyline(run: Sequence[tuple[float, float]], css: str) -> str:
    if len(run) == 1:
        x, y = run[0]
        return f'<circle class="{css}-dot" cx="{_f(x)}" cy="{_f(y)}" r="2.5"></circle>'
    coords = " ".join(f"{_f(x)},{_f(y)}" for x, y in run)
    return f'<polyline class="{css}" points="{coords}"></polyline>'


class _TimeAxis:
    """Days from `first` to `last` across the plot's width: each day is a slot, so a
    session is placed by its time of day and a daily value at the middle of its day."""

    def __init__(self, first: date, last: date, height: float) -> None:
        if last <= first:
            first, last = first - timedelta(days=1), first + timedelta(days=1)
        self.first, self.last, self.height = first, last, height
        self.span = (last - first).days
        self.width = WIDTH - LEFT - RIGHT

    def x(self, moment: date | datetime) -> float:
        if isinstance(moment, datetime):
            days = (moment.date() - self.first).days + (moment.hour * 60 + moment.minute) / 1440
        else:
            days = (moment - self.first).days + 0.5
        return LEFT + self.width * days / (self.span + 1)

    def labels(self) -> list[str]:
        """Up to four dates under the axis: first, last and evenly between."""
        count = min(4, self.span + 1)
        days = sorted({round(i * self.span / (count - 1)) for i in range(count)}) if count > 1 else [0]
        out = []
        for i, offset in enumerate(days):
            day = self.first + timedelta(days=offset)
            anchor = "start" if i == 0 else "end" if i == len(days) - 1 else "middle"
            out.append(_text(self.x(day), self.height - 10, day_label(day), "ins-axis-label", anchor))
        return out


def _score_grid(y: Mapping[int, float], right: float) -> list[str]:
    """Horizontal lines and labels for a 0-10 scale."""
    out = []
    for value, at in y.items():
        out.append(f'<line class="ins-grid" x1="{LEFT}" x2="{_f(right)}" y1="{_f(at)}" y2="{_f(at)}"></line>')
        out.append(_text(LEFT - 6, at + 3.5, str(value), "ins-axis-label", "end"))
    return out


def _score_y(height: float) -> tuple[dict[int, float], float]:
    plot = height - TOP - BOTTOM
    ticks = {v: TOP + plot * (1 - v / 10) for v in range(0, 11, 2)}
    return ticks, plot


# --- pain before and after, with the rolling 7-day average ------------------------------------


def pain_chart(trend: PainTrend, rows: int = TABLE_ROWS) -> Chart | None:
    """Pain before (hollow circle) and after (filled) each session, joined by a line, and the
    rolling 7-day average. None when there is nothing to draw."""
    rated = [p for p in trend.points if p.before is not None or p.after is not None]
    rolling = [(d, v) for d, v in trend.rolling7 if v is not None]
    if not rated and not rolling:
        return None
    height = 200.0
    days = [_local_day(p.at) for p in rated] + [d for d, _ in rolling]
    axis = _TimeAxis(min(days), max(days), height)
    ticks, plot = _score_y(height)

    def y(value: float) -> float:
        return TOP + plot * (1 - value / 10)

    body = _score_grid(ticks, WIDTH - RIGHT)
    for run in _segments([(axis.x(d), None if v is None else y(v)) for d, v in trend.rolling7]):
        body.append(_polyline(run, "ins-rolling"))
    for p in rated:
        x = axis.x(p.at)
        if p.before is not None and p.after is not None and p.before != p.after:
            body.append(
                f'<line class="ins-change" x1="{_f(x)}" x2="{_f(x)}" '
                f'y1="{_f(y(p.before))}" y2="{_f(y(p.after))}"></line>'
            )
        if p.before is not None:
            body.append(f'<circle class="ins-before" cx="{_f(x)}" cy="{_f(y(p.before))}" r="3.5"></circle>')
        if p.after is not None:
            body.append(f'<circle class="ins-after" cx="{_f(x)}" cy="{_f(y(p.after))}" r="3"></circle>')
    body += axis.labels()

    both = [p for p in rated if p.before is not None and p.after is not None]
    summary = f"Pain out of 10 from {day_label(axis.first)} to {day_label(axis.last)}: "
    summary += f"{len(rated)} session{'s' if len(rated) != 1 else ''} rated"
    if both:
        mean_before = sum(p.before or 0 for p in both) / len(both)
        mean_after = sum(p.after or 0 for p in both) / len(both)
        summary += f", on average {number(mean_before)} before and {number(mean_after)} after"
    if rolling:
        summary += f"; the 7-day average went from {number(rolling[0][1])} to {number(rolling[-1][1])}"
    summary += ". The table has the same numbers."

    by_day = dict(trend.rolling7)
    shown = rated[-rows:]
    table = Table(
        caption="Pain before and after each session, and the 7-day average that day",
        headers=("Session", "Pain before", "Pain after", "Change", "7-day average"),
        rows=tuple(
            (
                p.at.strftime("%a %d %b %Y, %H:%M"),
                number(p.before, 0),
                number(p.after, 0),
                signed(p.after - p.before, 0) if p.before is not None and p.after is not None else "–",
                number(by_day.get(_local_day(p.at))),
            )
            for p in shown
        ),
        note=f"The latest {len(shown)} of {len(rated)} sessions." if len(shown) < len(rated) else "",
    )
    return Chart(
        id="pain-chart",
        title="Pain before and after your sessions",
        summary=summary,
        svg=_svg(height, summary, body),
        table=table,
        legend=(
            ("ins-key-before", "Pain before a session"),
            ("ins-key-after", "Pain after it"),
            ("ins-key-rolling", "7-day average of your pain ratings"),
        ),
    )


# --- sessions per week against the goal ---------------------------------------------------------


def weeks_chart(adherence: Adherence) -> Chart:
    """Bars of sessions per week, with the goal (2-3 a week) as a shaded band."""
    height = 170.0
    weeks = list(adherence.weeks) or [(timezone.localdate(), 0)]
    top_value = max(adherence.goal_high + 1, *(n for _, n in weeks))
    plot = height - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(weeks)

    def y(value: float) -> float:
        return TOP + plot * (1 - value / top_value)

    body = [
        f'<rect class="ins-goal" x="{LEFT}" y="{_f(y(adherence.goal_high))}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{_f(y(adherence.goal_low) - y(adherence.goal_high))}"></rect>'
    ]
    ticks = sorted({0, adherence.goal_low, adherence.goal_high, top_value})
    if top_value > 10:
        ticks = sorted({0, adherence.goal_high, top_value})
    for value in ticks:
        at = y(value)
        body.append(
            f'<line class="ins-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_f(at)}" y2="{_f(at)}"></line>'
        )
        body.append(_text(LEFT - 6, at + 3.5, str(value), "ins-axis-label", "end"))
    every = max(1, math.ceil(len(weeks) / 8))
    for i, (start, count) in enumerate(weeks):
        css = "ins-bar ins-bar-met" if count >= adherence.goal_low else "ins-bar"
        x = LEFT + i * slot + slot * 0.2
        body.append(
            f'<rect class="{css}" x="{_f(x)}" y="{_f(y(count))}" width="{_f(slot * 0.6)}" '
            f'height="{_f(plot * count / top_value)}"></rect>'
        )
        if count:
            body.append(_text(x + slot * 0.3, y(count) - 3, str(count), "ins-bar-label", "middle"))
        if i % every == 0:
            body.append(
                _text(LEFT + i * slot + slot / 2, height - 10, day_label(start), "ins-axis-label", "middle")
            )

    met = sum(1 for _, n in weeks if n >= adherence.goal_low)
    total = sum(n for _, n in weeks)
    summary = (
        f"Sessions per week for the last {len(weeks)} weeks: {total} in all; "
        f"{met} of {len(weeks)} weeks reached the goal of {adherence.goal_low} to {adherence.goal_high}. "
        "The table has the same numbers."
    )
    table = Table(
        caption=f"Sessions per week (goal {adherence.goal_low}–{adherence.goal_high})",
        headers=("Week starting", "Sessions", "Goal reached"),
        rows=tuple(
            (f"{start:%a} {day_label(start)}", str(n), "Yes" if n >= adherence.goal_low else "No")
            for start, n in weeks
        ),
    )
    return Chart(
        id="weeks-chart",
        title="Sessions per week",
        summary=summary,
        svg=_svg(height, summary, body),
        table=table,
        legend=(
            ("ins-key-goal", f"The goal: {adherence.goal_low}–{adherence.goal_high} sessions a week"),
            ("ins-key-met", "A week that reached the goal"),
            ("ins-key-bar", "A week below the goal"),
        ),
    )


# --- what helps you ------------------------------------------------------------------------------


def effects_chart(effects: Sequence[TechniqueEffect], names: Mapping[str, str]) -> Chart | None:
    """Per technique, the estimated change in pain (a dot) with its 95 % interval (a bar),
    around a line at zero; in the order given (the core puts the most helpful first)."""
    if not effects:
        return None
    reach = max(2.0, *(max(abs(e.low), abs(e.high), abs(e.estimate)) for e in effects))
    reach = float(math.ceil(reach))
    row_h, head, foot = 34.0, 8.0, 40.0
    height = head + row_h * len(effects) + foot
    left, right = 16.0, WIDTH - 16.0

    def x(value: float) -> float:
        return left + (right - left) * (value + reach) / (2 * reach)

    axis_y = head + row_h * len(effects)
    step = 1 if reach <= 4 else 2
    body = []
    for value in range(-int(reach), int(reach) + 1, step):
        body.append(
            f'<line class="ins-grid" x1="{_f(x(value))}" x2="{_f(x(value))}" y1="{_f(head)}" '
            f'y2="{_f(axis_y)}"></line>'
        )
        body.append(_text(x(value), axis_y + 13, signed(value, 0), "ins-axis-label", "middle"))
    zero = _f(x(0))
    body.append(
        f'<line class="ins-zero" x1="{zero}" x2="{zero}" y1="{_f(head - 4)}" y2="{_f(axis_y)}"></line>'
    )
    body.append(_text(left, axis_y + 30, "← less pain", "ins-axis-label", "start"))
    body.append(_text(right, axis_y + 30, "more pain →", "ins-axis-label", "end"))
    for i, e in enumerate(effects):
        top = head + i * row_h
        name = names.get(e.technique, e.technique)
        short = name if len(name) <= 48 else name[:47] + "…"
        body.append(_text(left, top + 12, short, "ins-effect-name"))
        mid = top + 23
        css = "ins-effect ins-effect-clear" if e.high < 0 else "ins-effect"
        body.append(
            f'<line class="{css}-bar" x1="{_f(x(e.low))}" x2="{_f(x(e.high))}" '
            f'y1="{_f(mid)}" y2="{_f(mid)}"></line>'
        )
        body.append(f'<circle class="{css}-dot" cx="{_f(x(e.estimate))}" cy="{_f(mid)}" r="4.5"></circle>')

    best = effects[0]
    summary = (
        f"Estimated change in pain points linked with each of {len(effects)} techniques, "
        f"most helpful first; {names.get(best.technique, best.technique)} is first at "
        f"{signed(best.estimate)} points (95 % interval {signed(best.low)} to {signed(best.high)}). "
        "The table has the same numbers."
    )
    table = Table(
        caption="What helps you: estimated change in pain linked with each technique",
        headers=(
            "Technique",
            "Estimate (points)",
            "95 % interval",
            "Pain went down",
            "Too much",
            "Sharp pain",
        ),
        rows=tuple(
            (
                names.get(e.technique, e.technique),
                signed(e.estimate),
                f"{signed(e.low)} to {signed(e.high)}",
                f"in {e.helped} of {e.sessions} sessions",
                str(e.too_much),
                str(e.sharp_pain),
            )
            for e in effects
        ),
    )
    return Chart(
        id="effects-chart",
        title="What helps you",
        summary=summary,
        svg=_svg(height, summary, body),
        table=table,
        legend=(
            ("ins-key-effect", "Dot: the best guess; bar: the range it probably lies in (95 %)"),
            ("ins-key-zero", "Line at 0: no change. Left of it: less pain"),
        ),
    )


# --- stress beside pain -------------------------------------------------------------------------


def stress_chart(stress: StressPain, rows: int = TABLE_ROWS) -> Chart | None:
    """Daily mean stress (dashed, squares) and pain (solid, circles) on one 0-10 scale."""
    days = [(d, s, p) for d, s, p in stress.points if s is not None or p is not None]
    if not days:
        return None
    height = 190.0
    axis = _TimeAxis(days[0][0], days[-1][0], height)
    ticks, plot = _score_y(height)

    def y(value: float) -> float:
        return TOP + plot * (1 - value / 10)

    body = _score_grid(ticks, WIDTH - RIGHT)
    for run in _segments([(axis.x(d), None if p is None else y(p)) for d, _, p in stress.points]):
        body.append(_polyline(run, "ins-pain-line"))
    for run in _segments([(axis.x(d), None if s is None else y(s)) for d, s, _ in stress.points]):
        body.append(_polyline(run, "ins-stress-line"))
    for d, s, p in days:
        if p is not None:
            body.append(
                f'<circle class="ins-pain-mark" cx="{_f(axis.x(d))}" cy="{_f(y(p))}" r="2.5"></circle>'
            )
        if s is not None:
            body.append(
                f'<rect class="ins-stress-mark" x="{_f(axis.x(d) - 2.5)}" y="{_f(y(s) - 2.5)}" '
                'width="5" height="5"></rect>'
            )
    body += axis.labels()
    with_stress = [s for _, s, _ in days if s is not None]
    with_pain = [p for _, _, p in days if p is not None]
    summary = f"Stress and pain out of 10, day by day, from {day_label(axis.first)} to {day_label(axis.last)}"
    if with_stress:
        summary += f"; stress averaged {number(sum(with_stress) / len(with_stress))}"
    if with_pain:
        summary += f", pain {number(sum(with_pain) / len(with_pain))}"
    summary += ". The table has the same numbers."
    shown = days[-rows:]
    table = Table(
        caption="Stress and pain, average of each day's ratings",
        headers=("Day", "Stress", "Pain"),
        rows=tuple((f"{d:%a} {day_label(d)} {d.year}", number(s), number(p)) for d, s, p in shown),
        note=f"The latest {len(shown)} of {len(days)} days." if len(shown) < len(days) else "",
    )
    return Chart(
        id="stress-chart",
        title="Stress beside pain",
        summary=summary,
        svg=_svg(height, summary, body),
        table=table,
        legend=(
            ("ins-key-pain", "Pain (solid line, circles)"),
            ("ins-key-stress", "Stress (dashed line, squares)"),
        ),
    )


# --- a programme's weekly check-ins, with the minimal important change -----------------------


@dataclass(frozen=True, slots=True)
class Band:
    """The values within a minimal important change of a first value: a change that stays
    inside it is smaller than what people notice as mattering."""

    low: float
    high: float
    words: str


def mic_band(first: float, kind: str) -> Band:
    """The band around a first check-in: for pain (lower is better) a fall of 2 points or 30 %,
    whichever is smaller, matters (Farrar 2001), and a rise of 2; for an activity rated 0-10
    (PSFS, higher is better) 2 points either way (Abbott & Schmitt 2014)."""
    if kind == "pain":
        fall = min(2.0, 0.3 * first) if first > 0 else 0.0
        return Band(
            max(0.0, first - fall),
            min(10.0, first + 2.0),
            "Shaded: less than a change that matters from your first check-in "
            "(a fall of 2 points or 30 %, Farrar 2001)",
        )
    return Band(
        max(0.0, first - 2.0),
        min(10.0, first + 2.0),
        "Shaded: less than a change that matters from your first check-in (2 points, Abbott & Schmitt 2014)",
    )


def _matters(kind: str, first: float, value: float) -> str:
    """Whether `value` is a change that matters from `first`, in words (as `mic_band`)."""
    delta = value - first
    if kind == "pain":
        if -delta >= 2 or (first > 0 and -delta / first >= 0.3 - 1e-9):
            return "Yes, better"
        return "Yes, worse" if delta >= 2 else "No"
    if abs(delta) >= 2:
        return "Yes, better" if delta > 0 else "Yes, worse"
    return "No"


def checkin_chart(
    chart_id: str, title: str, kind: str, values: Sequence[tuple[int, int]], weeks: int, better: str
) -> Chart | None:
    """One measure of the weekly check-ins (0-10) by programme week, with the band of less
    than a change that matters around the first (`mic_band`). `values` are (week, value);
    `kind` is "pain" or "activity"; `better` says which way is better, in words."""
    if not values:
        return None
    height = 190.0
    ticks, plot = _score_y(height)
    slot = (WIDTH - LEFT - RIGHT) / max(1, weeks)

    def x(week: int) -> float:
        return LEFT + slot * (week - 0.5)

    def y(value: float) -> float:
        return TOP + plot * (1 - value / 10)

    first = float(values[0][1])
    band = mic_band(first, kind)
    body = [
        f'<rect class="ins-goal" x="{LEFT}" y="{_f(y(band.high))}" width="{_f(WIDTH - LEFT - RIGHT)}" '
        f'height="{_f(y(band.low) - y(band.high))}"></rect>'
    ]
    body += _score_grid(ticks, WIDTH - RIGHT)
    line = "ins-pain-line" if kind == "pain" else "ins-stress-line"
    by_week = dict(values)
    points = [(x(w), None if w not in by_week else y(by_week[w])) for w in range(1, weeks + 1)]
    for run in _segments(points):
        body.append(_polyline(run, line))
    for week, value in values:
        if kind == "pain":
            body.append(
                f'<circle class="ins-pain-mark" cx="{_f(x(week))}" cy="{_f(y(value))}" r="4"></circle>'
            )
        else:
            body.append(
                f'<rect class="ins-stress-mark" x="{_f(x(week) - 3.5)}" y="{_f(y(value) - 3.5)}" '
                'width="7" height="7"></rect>'
            )
    for week in range(1, weeks + 1):
        body.append(_text(x(week), height - 12, str(week), "ins-axis-label", "middle"))
    body.append(_text(WIDTH - RIGHT, height - 1, "week", "ins-axis-label", "end"))
    last = values[-1][1]
    summary = (
        f"{title}, out of 10 ({better}), at {len(values)} weekly check-in{'s' if len(values) != 1 else ''}"
    )
    if len(values) > 1:
        summary += f": {values[0][1]} in week {values[0][0]}, {last} in week {values[-1][0]}"
    else:
        summary += f": {last} in week {values[0][0]}"
    summary += (
        f". The shaded band, {number(band.low)} to {number(band.high)}, is less than a change that matters"
        " from the first. The table has the same numbers."
    )
    table = Table(
        caption=f"{title} at each weekly check-in",
        headers=("Week", "Score (0-10)", "From the first", "A change that matters?"),
        rows=tuple(
            (
                f"Week {week}",
                str(value),
                signed(value - first, 0) if i else "first",
                _matters(kind, first, value) if i else "–",
            )
            for i, (week, value) in enumerate(values)
        ),
    )
    key = "ins-key-pain" if kind == "pain" else "ins-key-stress"
    return Chart(
        id=chart_id,
        title=title,
        summary=summary,
        svg=_svg(height, summary, body),
        table=table,
        legend=((key, f"{title} ({better})"), ("ins-key-goal", band.words)),
    )
