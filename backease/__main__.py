"""The `backease` program: the terminal's commands (`backease.cli`) and the web app's
(`backease serve`, `backease.web.commands`), put together here, above both, so that
neither imports the other. `python -m backease` runs it too."""

from __future__ import annotations

from backease.cli.main import app
from backease.cli.main import run as run_cli
from backease.web import commands

commands.register(app)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point (`backease`): one-line errors, stable exit codes."""
    run_cli(argv)


if __name__ == "__main__":  # pragma: no cover
    run()
