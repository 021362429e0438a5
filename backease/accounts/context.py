"""The `server_mode` context processor: base.html's header and footer differ in server
mode (who is signed in; the data is on a server, not only on this device)."""

from __future__ import annotations

from django.http import HttpRequest

from backease.accounts.mode import is_server


def mode(request: HttpRequest) -> dict[str, bool]:
    return {"server_mode": is_server()}
