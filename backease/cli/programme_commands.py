"""`backease programme start|show|checkin|stop`: a programme over weeks (docs/programme.md).

A programme runs M weeks (6 by default) on the schedule's days; each week has a dose that
steps up, holds or steps down by the rules in `backease.core.programme`, with the reason in
words. Today's plan (`backease plan`, `backease session`) follows this week's dose.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from backease.cli.store_commands import JsonOption, _store
from backease.core.errors import InputError

if TYPE_CHECKING:
    from backease.core.programme import ProgrammeView

programme_app = typer.Typer(
    help="A programme over weeks: planned days, a weekly dose that steps up or down, check-ins.",
    no_args_is_help=True,
)

OPTION_OF = {"weeks": "--weeks", "days": "--days", "time": "--time", "pain": "--pain"}
OPTION_OF |= {"activity": "--activity", "score": "--score", "pgic": "--pgic"}


def _as_option(error: InputError) -> InputError:
    """The same error naming the command-line option (`--pain`) rather than the field."""
    option = OPTION_OF.get(error.field)
    if option is None:
        return error
    return InputError(option, error.message, error.allowed)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _show(view: ProgrammeView) -> None:
    from backease.core.programme import headline

    typer.echo(headline(view))
    days = ", ".join(view.days)
    typer.echo(f"Started {view.started_on:%a %d %b %Y}; {view.weeks} weeks on {days} at {view.time}.")
    typer.echo(f"This week's dose: {view.dose.describe()}.")
    typer.echo("")
    for week in view.timeline:
        last = week.end - timedelta(days=1)
        span = f"  week {week.number} ({week.start:%d %b} - {last:%d %b}):"
        if week.dose is None:
            typer.echo(f"{span} its dose is decided when week {week.number - 1} ends")
            continue
        marks = f"{len(week.done)} of {len(week.planned)} done"
        if week.missed:
            marks += f", {len(week.missed)} missed"
        typer.echo(f"{span} {marks}. {week.reason}")
    if view.checkins:
        typer.echo("")
        for c in view.checkins:
            pgic = f", change since the start {c.pgic}/7" if c.pgic else ""
            typer.echo(
                f"  check-in week {c.week}: pain {c.pain}/10, {c.activity} {c.activity_score}/10{pgic}"
            )
    if view.checkin_due:
        extra = " with --pgic (how you feel you have changed, 1-7)" if view.pgic_due else ""
        typer.echo("")
        typer.echo(
            "This week's check-in is due: backease programme checkin --pain N --activity TEXT"
            f" --score N{extra}"
        )
    if view.summary is not None and view.finished:
        typer.echo("")
        typer.echo(view.summary.wording)


@programme_app.command("start")
def start_command(
    weeks: Annotated[int, typer.Option("--weeks", help="How many weeks, 2 to 12.")] = 6,
    days: Annotated[
        str | None,
        typer.Option(
            "--days", help="Planned days, e.g. mon,wed,fri (default: your schedule's).", show_default=False
        ),
    ] = None,
    time: Annotated[
        str | None,
        typer.Option("--time", help="Planned time, HH:MM (default: your schedule's).", show_default=False),
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Start a programme today: its weeks count from today, in your time zone."""
    _store()
    from backease.store import programmes, services

    try:
        view = programmes.start_programme(services.local_owner(), weeks=weeks, days=days, time=time)
    except InputError as exc:
        raise _as_option(exc) from None
    if json_:
        _print_json(view.to_json())
        return
    typer.echo("Started.")
    _show(view)


@programme_app.command("show")
def show_command(json_: JsonOption = False) -> None:
    """Show the programme: this week, the dose and why it changed, the check-ins."""
    _store()
    from backease.store import programmes, services

    view = programmes.programme_view(services.local_owner())
    if json_:
        _print_json(view.to_json() if view is not None else None)
        return
    if view is None:
        typer.echo("No programme. Start one with: backease programme start [--weeks 6] [--days mon,wed,fri]")
        return
    _show(view)


@programme_app.command("checkin")
def checkin_command(
    pain: Annotated[int, typer.Option("--pain", help="Your average pain this week, 0-10.")],
    score: Annotated[
        int, typer.Option("--score", help="How well you can do the activity, 0 (unable) to 10 (as before).")
    ],
    activity: Annotated[
        str | None,
        typer.Option(
            "--activity",
            help="One activity your back makes hard (after the first check-in: the same by default).",
            show_default=False,
        ),
    ] = None,
    pgic: Annotated[
        int | None,
        typer.Option(
            "--pgic",
            help="Since the start: 1 very much improved, 2 much, 3 minimally improved, 4 no change,"
            " 5 minimally worse, 6 much worse, 7 very much worse (weeks 2, 4 and the last).",
            show_default=False,
        ),
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Record this week's check-in (under a minute); a second one this week replaces it."""
    _store()
    from backease.store import programmes, services

    try:
        row = programmes.record_checkin(
            services.local_owner(), pain=pain, activity=activity, activity_score=score, pgic=pgic
        )
    except InputError as exc:
        raise _as_option(exc) from None
    if json_:
        _print_json(row.to_json())
        return
    typer.echo(f"Saved: week {row.week}, pain {row.pain}/10, {row.activity} {row.activity_score}/10.")


@programme_app.command("stop")
def stop_command(json_: JsonOption = False) -> None:
    """Stop the running programme (it is kept, marked stopped)."""
    _store()
    from backease.store import programmes, services

    stopped = programmes.stop_programme(services.local_owner())
    if json_:
        _print_json({"stopped": stopped})
        return
    typer.echo("Stopped." if stopped else "No programme was running.")


def register(app: typer.Typer) -> None:
    """Add `programme` to the `backease` app."""
    app.add_typer(programme_app, name="programme")
