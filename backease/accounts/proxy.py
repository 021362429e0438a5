"""Who is on the other end of a request, when a reverse proxy stands in between: the address
that sign-in lockouts (django-axes) and rate limits (`accounts.ratelimit`) count by."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the last X-Forwarded-For entry when the proxy is trusted
    (the one our proxy added; earlier ones come from the client and can say anything),
    otherwise the address that connected. django-axes locks out by this address."""
    if getattr(settings, "TRUSTED_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")
