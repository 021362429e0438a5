"""The `backease` program: the terminal's commands (`backease.cli`), the web app's
(`backease serve`, `backease.web.commands`) and clinic mode's (`backease clinic daily`,
`backease.clinic.commands`), put together here, above them all, so that none imports
another. `python -m backease` runs it too."""

from __future__ import annotations

from backease.cli.main import app
from backease.cli.main import run as run_cli
from backease.clinic import commands as clinic_commands
from backease.web import commands as web_commands

web_commands.register(app)
clinic_commands.register(app)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point (`backease`): one-line errors, stable exit codes."""
    run_cli(argv)


if __name__ == "__main__":  # pragma: no cover
    run()
