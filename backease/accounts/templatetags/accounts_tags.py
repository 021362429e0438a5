"""What the account menu in the header shows (server mode, signed in)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def unread_notices(user: object) -> int:
    """How many of the user's notices are unread (one COUNT query; 0 when signed out)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    from backease.clinic.models import Notice

    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()
