"""`backease serve`: the web app's own command, added to the `backease` program by
`backease/__main__.py` (the terminal's commands import no web module)."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (personal mode: keep 127.0.0.1).")
    ] = ("127.0.0.1"),
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Server mode: worker processes (default BACKEASE_WORKERS, 3).",
            min=1,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start the web app and print its address. Personal mode migrates the database first
    and serves one process on 127.0.0.1; server mode (BACKEASE_MODE=server) runs gunicorn
    with several workers behind a reverse proxy, after `backease migrate` (docs/deploy.md)."""
    from backease.web.server import serve as run_server

    run_server(host=host, port=port, workers=workers)


def register(app: typer.Typer) -> None:
    """Add `serve` to the `backease` app."""
    app.command()(serve)
