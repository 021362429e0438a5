"""Personal access tokens for the API in server mode (scoped, revocable, shown once).

A token is `bk_` + 32 random bytes (URL-safe); only its SHA-256 digest is stored, so a
copy of the database cannot be used to call the API.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from backease.accounts.models import ApiToken, User
from backease.core.errors import InputError

PREFIX = "bk_"
SCOPES = ("read", "write")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, name: str, scopes: list[str], days: int | None = 90) -> tuple[ApiToken, str]:
    """A new token for `user`: the row and the secret (shown to the user once)."""
    name = name.strip()
    if not 1 <= len(name) <= 60:
        raise InputError("name", "must be 1 to 60 characters")
    if not scopes or any(scope not in SCOPES for scope in scopes):
        raise InputError("scopes", "must be one or both of: read, write")
    if days is not None and not 1 <= days <= 365:
        raise InputError("days", "must be a whole number from 1 to 365 (or no expiry)")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:10],
        digest=_digest(secret),
        scopes=sorted(set(scopes)),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return row, secret


def user_for_token(secret: str, method: str) -> User | None:
    """The active user a token belongs to, if it is valid, not revoked or expired, and
    its scopes allow `method` (reading needs "read", anything else "write")."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    row = ApiToken.objects.select_related("user").filter(digest=_digest(secret)).first()
    now = timezone.now()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    needed = "read" if method.upper() in SAFE_METHODS else "write"
    if needed not in row.scopes or not row.user.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of `user`'s tokens; False when they have no such active token."""
    return bool(
        ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )
