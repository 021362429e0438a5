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

server_app = typer.Typer(help="Server mode: accounts (docs/accounts.md).", no_args_is_help=True)


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


def register(app: typer.Typer) -> None:
    """Add `server` to the `backease` app."""
    app.add_typer(server_app, name="server")
