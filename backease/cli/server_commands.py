"""`backease server ...`: what an operator of server mode does from the terminal.

`add-user` makes the first admin and therapist accounts (and any other) and prints a
one-time link to set the password. It uses the same database as the web app
(BACKEASE_DATA_DIR / DATABASE_URL) through `backease.accounts.services`.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

server_app = typer.Typer(
    help="Server mode: accounts (docs/accounts.md), the job runner and reminders (docs/deploy.md).",
    no_args_is_help=True,
)


@server_app.command("add-user")
def add_user_command(
    email: Annotated[str, typer.Argument(help="The new account's email address (how they sign in).")],
    role: Annotated[str, typer.Option("--role", help="client, therapist or admin.")] = "client",
    name: Annotated[str, typer.Option("--name", help="The name others see (optional).")] = "",
    origin: Annotated[
        str,
        typer.Option(
            "--origin", help="The site's public address for the link (default: BACKEASE_PUBLIC_ORIGIN)."
        ),
    ] = "",
    json_: Annotated[bool, typer.Option("--json", help="Print JSON instead of a readable layout.")] = False,
) -> None:
    """Make an account and print a one-time link where its owner sets a password.

    Give the link to the person (it is not emailed). It works once, for three days, and
    stops working once a password is set. Admins also reach Django's admin at /admin/.
    """
    from backease.accounts.setup import open_server_store

    open_server_store("server add-user")
    from django.conf import settings

    from backease.accounts import services

    user = services.add_user(email, role, name)
    base = (origin or settings.PUBLIC_ORIGIN or "http://127.0.0.1:8000").rstrip("/")
    link = base + services.set_password_path(user)
    if json_:
        sys.stdout.write(
            json.dumps({"email": user.email, "role": user.role, "id": user.pk, "link": link}) + "\n"
        )
        return
    typer.echo(f"Made {user.role} account {user.email}.")
    typer.echo("Send them this link to set their password (it works once, for three days):")
    typer.echo(link)


@server_app.command("jobs")
def jobs_command() -> None:
    """Run the job runner (django-q2) until stopped: it sends the reminders that are due,
    scanning every BACKEASE_REMINDER_EVERY minutes (1 by default).

    Run one, as its own service beside the app processes (docs/deploy.md, "The job
    runner"); a second one, or one restarted mid-run, sends nothing twice.
    """
    from backease.accounts.setup import open_server_store

    open_server_store("server jobs")
    from django.core.management import call_command

    from backease.reminders.jobs import ensure_schedule

    schedule = ensure_schedule()
    typer.echo(f"Reminders: a scan every {schedule.minutes} minute(s). Stop with Ctrl-C or TERM.")
    call_command("qcluster")


@server_app.command("remind")
def remind_command(
    now: Annotated[
        str, typer.Option("--now", help="Scan as at this instant (ISO 8601 with its offset); default: now.")
    ] = "",
    json_: Annotated[bool, typer.Option("--json", help="Print JSON instead of a sentence.")] = False,
) -> None:
    """Send the reminders due now, once, over everyone (what the job runner does every
    minute): for a timer or cron instead of the runner, or to try it."""
    from datetime import datetime

    from backease.core.errors import InputError

    at = None
    if now:
        try:
            at = datetime.fromisoformat(now)
        except ValueError:
            at = None
        if at is None or at.tzinfo is None:
            raise InputError("--now", "must be an ISO 8601 instant with its offset, e.g. 2026-03-02T18:00Z")
    from backease.accounts.setup import open_server_store

    open_server_store("server remind")
    from backease.reminders.jobs import run_scan

    result = run_scan(at)
    if json_:
        fields = ("due", "claimed", "sent", "failed", "taken_over", "channels")
        sys.stdout.write(json.dumps({k: getattr(result, k) for k in fields}) + "\n")
        return
    typer.echo(f"Reminders: {result.line()}.")


def register(app: typer.Typer) -> None:
    """Add `server` to the `backease` app."""
    app.add_typer(server_app, name="server")
