"""`backease schedule set|show` and `backease remind` (docs/reminders.md).

The schedule (planned days, time, quiet hours, reminders on or off) is the one the web
app's settings page and the calendar file use. `backease remind` does one check at an
instant (now, or `--now`) in the person's zone: run it from cron or a systemd timer every
5 to 15 minutes and it shows each due reminder once as a desktop notification.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from backease.cli.store_commands import JsonOption, _print_json, _store
from backease.core.errors import InputError

if TYPE_CHECKING:
    from backease.core.reminders import Due
    from backease.store.models import Person

schedule_app = typer.Typer(
    help="Your planned session days and time, quiet hours and reminders.", no_args_is_help=True
)


def _schedule_data(person: Person) -> dict[str, Any]:
    from django.utils import timezone

    from backease.core.reminders import clock_text, quiet_text
    from backease.reminders import services as reminders
    from backease.store import services
    from backease.store.zones import local_time

    schedule = services.reminder_schedule(person)
    local = local_time(person)
    due = reminders.due(person, timezone.now())
    return {
        "days": list(schedule.days),
        "time": clock_text(schedule.time),
        "time_zone": local.name,
        "quiet": quiet_text(schedule.quiet) or None,
        "reminders": schedule.on,
        "next_reminder": _iso(due.next_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _when(text: str, zone_name: str) -> str:
    """A stored instant (ISO 8601) as a day and time in the person's zone."""
    from zoneinfo import ZoneInfo

    local = datetime.fromisoformat(text).astimezone(ZoneInfo(zone_name))
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


def _print_schedule(data: dict[str, Any], saved: bool) -> None:
    days = ", ".join(day.capitalize() for day in data["days"])
    lines = [
        f"{'Saved. ' if saved else ''}Sessions: {days} at {data['time']} ({data['time_zone']})",
        f"Quiet hours: {data['quiet'] or 'none'}",
        f"Reminders: {'on' if data['reminders'] else 'off'}"
        + (
            f"; the next one {_when(data['next_reminder'], data['time_zone'])}"
            if data["next_reminder"]
            else ""
        ),
    ]
    sys.stdout.write("\n".join(lines) + "\n")


@schedule_app.command("set")
def schedule_set(
    days: Annotated[
        str | None, typer.Option("--days", help="Planned weekdays, e.g. mon,wed,fri.", show_default=False)
    ] = None,
    time: Annotated[
        str | None, typer.Option("--time", help="Planned start time, HH:MM (24-hour).", show_default=False)
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz", help="Your time zone, e.g. America/New_York (default: as before).", show_default=False
        ),
    ] = None,
    quiet: Annotated[
        str | None,
        typer.Option(
            "--quiet",
            help='Quiet hours with no reminder, e.g. 22:00-07:00; "off" for none.',
            show_default=False,
        ),
    ] = None,
    reminders: Annotated[
        str | None, typer.Option("--reminders", help="Reminders on or off.", show_default=False)
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Change your schedule; what you leave out stays as it is."""
    from backease.core import reminders as rules
    from backease.core.zones import check_zone

    # Checked before anything is stored, each naming its option.
    new_days = rules.parse_days("--days", days) if days is not None else None
    new_time = rules.clock_text(rules.parse_clock("--time", time)) if time is not None else None
    new_quiet = rules.quiet_text(rules.parse_quiet("--quiet", quiet)) if quiet is not None else None
    zone = check_zone("--tz", tz) if tz is not None else None
    switch: bool | None = None
    if reminders is not None:
        if reminders.strip().lower() not in ("on", "off"):
            raise InputError("--reminders", "must be on or off")
        switch = reminders.strip().lower() == "on"
    if all(value is None for value in (new_days, new_time, new_quiet, zone, switch)):
        raise InputError("schedule set", "give at least one of --days, --time, --tz, --quiet, --reminders")

    _store()
    from django.db import transaction

    from backease.store import services
    from backease.store.zones import save_time_zone

    person = services.local_owner()
    current_days, current_time = services.schedule(person)
    options: dict[str, Any] = {}
    if new_quiet is not None:
        options["quiet"] = new_quiet
    if switch is not None:
        options["reminders"] = switch
    with transaction.atomic():
        if zone is not None:
            save_time_zone(person, zone)
        services.save_schedule(person, list(new_days or current_days), new_time or current_time, **options)
    data = _schedule_data(person)
    if json_:
        _print_json(data)
        return
    _print_schedule(data, saved=True)


@schedule_app.command("show")
def schedule_show(json_: JsonOption = False) -> None:
    """Show your planned days and time, quiet hours, and when the next reminder comes."""
    _store()
    from backease.store import services

    data = _schedule_data(services.local_owner())
    if json_:
        _print_json(data)
        return
    _print_schedule(data, saved=False)


def _instant(text: str, person: Person) -> datetime:
    """`--now`: an ISO-8601 date and time; without an offset, a time in the person's zone."""
    from backease.store.zones import person_zone

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            "--now", "must be a date and time in ISO 8601, e.g. 2026-11-02T19:05-05:00"
        ) from None
    from backease.reminders.services import check_instant

    return check_instant(
        "--now", moment if moment.tzinfo is not None else moment.replace(tzinfo=person_zone(person))
    )


def remind_command(
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            help="Check at this instant (ISO 8601; without an offset, in your time zone) instead of now.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Only say whether a reminder is due: show nothing, record nothing."),
    ] = False,
    snooze: Annotated[
        int | None,
        typer.Option(
            "--snooze",
            help="Snooze today's reminder for this many minutes (1-720) instead.",
            show_default=False,
        ),
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Check once whether a reminder is due, and show it as a desktop notification.

    For a cron job or a systemd timer every 5 to 15 minutes (docs/reminders.md): each
    reminder is shown once. Where no notification service answers, the reminder is
    printed instead (cron mails it).
    """
    _store()
    from django.utils import timezone

    from backease.reminders import desktop, services
    from backease.store import services as store

    person = store.local_owner()
    at = _instant(now, person) if now is not None else timezone.now()
    if snooze is not None:
        try:
            answer = services.snooze(person, snooze, at)
        except InputError as error:
            raise InputError("--snooze", error.message) from None
        _answer(answer, None, "", json_)
        return
    if dry_run:
        answer = services.due(person, at)
        _answer(answer, None, "", json_)
        return
    outcome = desktop.remind_once(person, at, fallback_to_print=True)
    _answer(outcome.due, outcome.shown, outcome.detail, json_, outcome.text)


def _answer(due: Due, shown: str | None, detail: str, json_: bool, text: str = "") -> None:
    if json_:
        _print_json(
            {
                "due": due.due,
                "reason": due.reason,
                "at": _iso(due.at),
                "next_at": _iso(due.next_at),
                "shown": shown,
            }
        )
    elif shown == "printed":
        sys.stdout.write((text or due.reason) + "\n")
    elif not due.due:
        sys.stdout.write(due.reason + "\n")
    elif shown is None:
        sys.stdout.write(due.reason + " (already shown)\n")
    else:
        sys.stdout.write(due.reason + " (shown as a desktop notification)\n")
    if shown == "printed":
        sys.stderr.write(f"backease remind: no desktop notification: {detail}; printed instead\n")


def register(app: typer.Typer) -> None:
    """Add `schedule` and `remind` to the `backease` app."""
    app.add_typer(schedule_app, name="schedule")
    app.command("remind")(remind_command)
