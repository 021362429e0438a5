"""`backease stats`: the insights page in the terminal.

Rich tables (sessions per week, pain before and after recent sessions, what helps you)
and sparklines of pain and of sessions per week; `--json` prints the insights
themselves (`dataclasses.asdict`, dates as ISO strings). Like `history`, it reads the
web app's store through `backease.store.services`; Django, numpy and Rich load only
when the command runs.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from backease.cli.store_commands import JsonOption, _local, _score_text, _store

if TYPE_CHECKING:
    from rich.console import Console

    from backease.core.insights import Insights

SPARKS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 56
RECENT_SESSIONS = 10


def sparkline(values: Sequence[float | None], top: float, width: int = SPARK_WIDTH) -> str:
    """One character per value (a space where there is none), scaled from 0 to `top`.

    Longer series are averaged down to `width` characters.
    """
    if len(values) > width:
        size = len(values) / width
        buckets = [values[int(i * size) : int((i + 1) * size)] for i in range(width)]
        values = [
            sum(v for v in bucket if v is not None) / n
            if (n := sum(1 for v in bucket if v is not None))
            else None
            for bucket in buckets
        ]
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        else:
            share = 0.0 if top <= 0 else min(max(value / top, 0.0), 1.0)
            out.append(SPARKS[round(share * (len(SPARKS) - 1))])
    return "".join(out)


def insights_as_data(found: Insights) -> dict[str, Any]:
    """The insights as JSON-ready data: dataclasses as objects, dates and times as ISO text."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, datetime | date):
            return value.isoformat()
        return value

    data: dict[str, Any] = plain(dataclasses.asdict(found))
    return data


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}"


def _print(console: Console, found: Insights, names: dict[str, str], off: Sequence[str]) -> None:
    from rich import box
    from rich.table import Table

    adherence = found.adherence
    counts = [float(n) for _, n in adherence.weeks]
    top = max([float(adherence.goal_high), *counts])
    console.print(f"Insights: the last {len(adherence.weeks)} weeks", style="bold underline")
    console.print()

    weeks = Table(title="Sessions per week", box=box.SIMPLE_HEAD, title_justify="left")
    for column in ("week starting", "sessions", f"goal {adherence.goal_low}-{adherence.goal_high}"):
        weeks.add_column(column)
    for start, count in adherence.weeks:
        weeks.add_row(
            start.strftime("%a %d %b %Y"), str(count), "yes" if count >= adherence.goal_low else "no"
        )
    console.print(weeks)
    console.print(f"Sessions per week  {sparkline(counts, top)}  (0 to {top:g})", markup=False)
    console.print(adherence.wording, markup=False)
    console.print()

    pain = found.pain
    rolling = [v for _, v in pain.rolling7]
    console.print(f"Pain, 7-day average  {sparkline(rolling, 10.0)}  (0 to 10)", markup=False)
    rated = [p for p in pain.points if p.before is not None or p.after is not None]
    if rated:
        table = Table(
            title="Pain before and after (latest sessions)", box=box.SIMPLE_HEAD, title_justify="left"
        )
        for column in ("session", "before", "after", "change"):
            table.add_column(column)
        for p in rated[-RECENT_SESSIONS:]:
            change = "-" if p.before is None or p.after is None else f"{p.after - p.before:+d}"
            table.add_row(_local(p.at), _score_text(p.before), _score_text(p.after), change)
        console.print(table)
    console.print(pain.wording, markup=False)
    console.print("A fall of 2 points or 30 % is usually noticeable (Farrar 2001).", style="dim")
    console.print()

    console.print("Stress beside pain", style="bold")
    console.print(found.stress.wording, markup=False)
    console.print()

    console.print("What helps you", style="bold")
    effects = [e for e in found.effects if e.sessions > 0]
    if found.effects_shown and effects:
        table = Table(box=box.SIMPLE_HEAD)
        for column in ("technique", "estimate", "95 % interval", "pain went down", "too much", "sharp pain"):
            table.add_column(column)
        for e in effects:
            table.add_row(
                names.get(e.technique, e.technique),
                _signed(e.estimate),
                f"{_signed(e.low)} to {_signed(e.high)}",
                f"{e.helped} of {e.sessions}",
                str(e.too_much),
                str(e.sharp_pain),
            )
        console.print(table)
    console.print(found.effects_wording, markup=False)
    if off:
        console.print()
        console.print("Turned off (after sharp pain, or by you): " + ", ".join(off), markup=False)
        console.print("Turn one back on from the Insights page of `backease serve`.", style="dim")


def clock() -> datetime:
    """The current time; tests replace this to fix "this week"."""
    return datetime.now(UTC)


def stats_command(
    weeks: Annotated[
        int, typer.Option("--weeks", help="How many weeks to look back over.", min=1, max=520)
    ] = 8,
    json_: JsonOption = False,
) -> None:
    """Show your insights: sessions per week, the pain trend and what seems to help you."""
    _store()
    from backease.content.loader import load_content
    from backease.store import services

    person = services.local_owner()
    found = services.insights(person, clock(), weeks=weeks)  # counted in the person's zone
    if json_:
        sys.stdout.write(json.dumps(insights_as_data(found), indent=2, ensure_ascii=False) + "\n")
        return
    from rich.console import Console

    names = {t.id: t.name for t in load_content().library.techniques}
    off = sorted(names.get(t, t) for t in services.disabled_techniques(person))
    _print(Console(highlight=False), found, names, off)


def register(app: typer.Typer) -> None:
    """Add `stats` to the `backease` app."""
    app.command("stats")(stats_command)
