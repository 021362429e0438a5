"""What the account menu in the header shows (server mode, signed in)."""

from __future__ import annotations

from django import template

from backease.accounts import parts

register = template.Library()


@register.simple_tag
def account_links(user: object, path: str) -> list[parts.Link]:
    """The links other apps add to the account menu (`backease.accounts.parts`); none when
    signed out."""
    if not getattr(user, "is_authenticated", False):
        return []
    return parts.links(user, path)  # type: ignore[arg-type]
