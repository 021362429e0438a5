"""Rate limits of our own pages, counted in Django's cache (a database table shared by
every app process in server mode, so N processes do not allow N times as much).

allauth limits its own pages (ACCOUNT_RATE_LIMITS); these are for what allauth does not
see: invitation codes typed or opened (/invite/, /me/sharing/) and password-reset emails
per requester and address (`backease.accounts.forms`). A rule is "N/h" or "N/m" and counts
per client address (IPv6 by its /64 network, as one household's devices share it), and
per account when someone is signed in. Windows are fixed (the hour or minute on the clock),
which lets a client use up to twice N across the turn of a window: fine for these limits.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

from django.core.cache import cache
from django.http import HttpRequest

from backease.accounts.proxy import client_ip

PERIODS = {"m": 60, "h": 3600, "d": 86400}


def parse(rule: str) -> tuple[int, int]:
    """ "20/h" as (20, 3600)."""
    amount, _, period = rule.partition("/")
    return int(amount), PERIODS[period]


def address(request: HttpRequest) -> str:
    """The client's address as rate limits count it: IPv4 as is, IPv6 by its /64."""
    raw = client_ip(request) or "unknown"
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address) + "/64"
    return str(ip)


def _keys(request: HttpRequest, action: str, rule: str, extra: str = "") -> list[str]:
    _, period = parse(rule)
    window = int(time.time() // period)
    who = [f"ip:{address(request)}"]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        who.append(f"user:{user.pk}")
    keys = []
    for name in who:
        digest = hashlib.sha256(f"{name}|{extra}".encode()).hexdigest()[:32]
        keys.append(f"backease:rl:{action}:{window}:{digest}")
    return keys


def exhausted(request: HttpRequest, action: str, rule: str, extra: str = "") -> bool:
    """True when this client (address or account) has used up `rule` for `action`
    (and `extra`, e.g. the address an email goes to)."""
    amount, _ = parse(rule)
    return any((cache.get(key) or 0) >= amount for key in _keys(request, action, rule, extra))


def count(request: HttpRequest, action: str, rule: str, extra: str = "") -> None:
    """Count one use of `action` against this client's address (and account)."""
    _, period = parse(rule)
    for key in _keys(request, action, rule, extra):
        if not cache.add(key, 1, period + 60):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, period + 60)
