"""`backease settings`: show or change the person's settings (their time zone).

"Today", weeks, streaks, insights, the calendar file and the report count in the time zone;
until one is chosen, the terminal uses this computer's (docs/time-zones.md).
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from backease.cli.store_commands import JsonOption, _store


def settings_command(
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="Your time zone, an IANA name such as Europe/Paris or America/New_York "
            "(default: this computer's).",
            show_default=False,
        ),
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Show your settings, or change your time zone with --tz."""
    _store()
    from backease.core.zones import check_zone
    from backease.store import services
    from backease.store.zones import local_time, save_time_zone

    person = services.local_owner()
    if tz is not None:
        save_time_zone(person, check_zone("--tz", tz))
    local = local_time(person)
    if json_:
        data = {"time_zone": local.name, "chosen": bool(person.time_zone), "now": local.now.isoformat()}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    state = "" if person.time_zone else " (this computer's; not chosen)"
    saved = "Saved. " if tz is not None else ""
    typer.echo(f"{saved}Time zone: {local.name}{state}; it is {local.now:%A %d %B, %H:%M} there.")


def register(app: typer.Typer) -> None:
    """Add `settings` to the `backease` app."""
    app.command("settings")(settings_command)
