"""`backease serve`.

Personal mode: migrate, then serve the app with waitress (a production WSGI server, one
process) on 127.0.0.1. Server mode: the database is migrated once by `backease migrate`
before any app process starts; `backease serve` then checks it is up to date and becomes
gunicorn with several worker processes, behind a reverse proxy (docs/deploy.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from backease.store.setup import migrate, pending_migrations, setup

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(host: str = "127.0.0.1", port: int = 8000, threads: int = 8, workers: int | None = None) -> None:
    """Serve until interrupted. Prints the address first."""
    setup()
    from django.conf import settings

    if settings.SERVER_MODE:
        serve_server(host, port, workers or settings.WORKERS)
        return
    if workers is not None:
        raise SystemExit(
            "error: --workers is for server mode (BACKEASE_MODE=server); personal mode is one process"
        )
    migrate()
    from waitress import serve as waitress_serve

    from backease.web.wsgi import application

    shown = f"[{host}]" if ":" in host else host
    print(f"backease is running at http://{shown}:{port}/  (press Ctrl-C to stop)", flush=True)
    if host not in LOOPBACK:
        print(
            "warning: personal mode has no sign-in; anyone who can reach this address can see your data.",
            file=sys.stderr,
            flush=True,
        )
    if settings.DESKTOP_REMINDERS:
        from backease.reminders.desktop import ReminderLoop

        ReminderLoop().start()  # a desktop notification when a reminder is due (docs/reminders.md)
    waitress_serve(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="backease",
        clear_untrusted_proxy_headers=True,
    )


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    """The gunicorn command line server mode runs (docs/deploy.md shows the same)."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "backease.web.wsgi:application",
        "--name",
        "backease",
        "--bind",
        bind,
        "--workers",
        str(workers),
        # Synchronous workers: the reverse proxy in front buffers slow clients, so a
        # worker is busy only while the app works. A stuck request is ended after 60 s.
        "--timeout",
        "60",
        "--graceful-timeout",
        "30",
        # Each worker is replaced after about 2000 requests, so memory cannot creep up.
        "--max-requests",
        "2000",
        "--max-requests-jitter",
        "200",
        "--error-logfile",
        "-",
        # Several instances may run on one host (docs/deploy.md); they are managed with
        # signals (systemd), not gunicorn's per-user control socket.
        "--no-control-socket",
    ]


def serve_server(host: str, port: int, workers: int) -> None:
    """Check the database is migrated, then replace this process with gunicorn."""
    if workers < 1:
        raise SystemExit("error: --workers must be 1 or more")
    pending = pending_migrations()
    if pending:
        raise SystemExit(
            f"error: the database is missing {len(pending)} migration(s) ({pending[0]}, ...): "
            "run `backease migrate` once, then start the app processes"
        )
    from django.conf import settings
    from django.db import connections

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        raise SystemExit(
            f"error: the static files are not collected in {settings.STATIC_ROOT}: "
            "run `backease migrate` once, then start the app processes"
        )
    connections.close_all()
    command = gunicorn_command(host, port, workers)
    print(
        f"backease (server mode, {settings.PUBLIC_ORIGIN}) on {command[command.index('--bind') + 1]} "
        f"with {workers} workers",
        flush=True,
    )
    if host not in LOOPBACK:
        print(
            "note: only the reverse proxy may reach this address (docs/deploy.md): "
            "it trusts the proxy's X-Forwarded-* headers.",
            file=sys.stderr,
            flush=True,
        )
    os.execv(sys.executable, command)
