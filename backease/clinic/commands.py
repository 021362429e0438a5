"""`backease clinic ...`: clinic-mode jobs an operator runs (docs/clinic.md). Clinic mode's
own commands, added to the `backease` program by `backease/__main__.py` (the terminal's
commands import nothing of clinic mode)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

clinic_app = typer.Typer(help="Clinic mode (server mode) jobs.", no_args_is_help=True)


@clinic_app.command("daily")
def daily_command(
    json_: Annotated[bool, typer.Option("--json", help="Print JSON instead of a sentence.")] = False,
) -> None:
    """Raise the time-based follow-up flags (no session for 14 days, adherence under 50 %
    this week) for every client who shares with a therapist, and send the "check-in due"
    notices. Run it once a day with the server's environment (docs/deploy.md: a systemd
    timer, or cron loading /etc/backease/env); without it, it refuses with exit code 2.

    Running it twice is harmless: a flag or notice already raised is not raised again.
    """
    from backease.accounts.setup import open_server_store

    open_server_store("clinic daily")
    from backease.clinic.flags import daily_check

    counts = daily_check()
    if json_:
        sys.stdout.write(json.dumps(counts, indent=2) + "\n")
        return
    typer.echo(
        f"Checked {counts['clients']} clients who share with a therapist: "
        f"{counts['flags_raised']} new flags, {counts['outcome_reminders']} check-in reminders."
    )


@clinic_app.command("summaries")
def summaries_command(
    json_: Annotated[bool, typer.Option("--json", help="Print JSON instead of a sentence.")] = False,
) -> None:
    """Rebuild the dashboard's summaries of every client who shares with a therapist (pain
    per day over 8 weeks) and what each therapist has open (open flags, the most serious),
    from the stored data. Run it once after upgrading to a version that keeps them (the
    dashboard builds missing ones as it goes, but the first visit is then slower); running
    it again changes nothing unless something was out of date."""
    from backease.accounts.setup import open_server_store

    open_server_store("clinic summaries")
    from backease.clinic.summaries import rebuild_all

    clients = rebuild_all()
    if json_:
        sys.stdout.write(json.dumps({"clients": clients}) + "\n")
        return
    typer.echo(f"Rebuilt the summaries of {clients} clients who share with a therapist.")


def register(app: typer.Typer) -> None:
    """Add `clinic` to the `backease` app."""
    app.add_typer(clinic_app, name="clinic")
