"""`backease serve`: migrate, then serve the app with waitress (a production WSGI server)."""

from __future__ import annotations

import sys

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(host: str = "127.0.0.1", port: int = 8000, threads: int = 8) -> None:
    """Apply migrations and serve until interrupted. Prints the address first."""
    from backease.web import setup

    setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
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
    waitress_serve(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="backease",
        clear_untrusted_proxy_headers=True,
    )
