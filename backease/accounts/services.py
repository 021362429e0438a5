"""What the account pages change: a user's own settings, and deleting an account.

Deleting a user deletes their `Person` (one-to-one, CASCADE) and with it every
self-care row (profile, screenings, plans, sessions, diary), their care links,
programmes, flags, outcomes, notices, tokens and access log. A therapist's deletion
ends their links (the rows go with them) but leaves clients' data: programmes they set
keep existing with no therapist (Programme.therapist is SET_NULL), and clients' access
logs keep the therapist's name (AccessLog.actor_label)."""

from __future__ import annotations

from django.db import transaction

from backease.accounts.models import User
from backease.core.errors import InputError
from backease.store.models import Person


def save_settings(user: User, *, display_name: str, email_notices: bool) -> None:
    """The name others see (empty: the email address) and whether notices come by email."""
    name = display_name.strip()
    if len(name) > 100:
        raise InputError("display_name", "must be at most 100 characters")
    if any(ord(ch) < 32 for ch in name):
        raise InputError("display_name", "must be one line of text")
    user.display_name = name
    user.email_notices = email_notices
    user.save(update_fields=["display_name", "email_notices"])


def has_second_factor(user: User) -> bool:
    """An authenticator app or a security key (recovery codes alone do not count)."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=(Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
    ).exists()


def second_factor_required(user: object) -> bool:
    """True when `user` must set up a second factor before anything else: with
    settings.THERAPIST_MFA (BACKEASE_THERAPIST_MFA) on, every therapist and every admin
    (the admin reads everyone's flags, invitation codes and care links) who has no
    authenticator app or security key. The same rule holds for the pages, the API with the
    browser's session and the API with a personal access token."""
    from django.conf import settings

    from backease.accounts.mode import is_server

    if not (getattr(settings, "THERAPIST_MFA", False) and is_server()):
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    privileged = getattr(user, "role", "") in (User.Role.THERAPIST, User.Role.ADMIN) or getattr(
        user, "is_staff", False
    )
    return bool(privileged) and not has_second_factor(user)  # type: ignore[arg-type]


def account_summary(user: User, person: Person) -> dict[str, int]:
    """What deleting the account takes with it, counted for the confirmation page (other
    apps count their own share: `backease.accounts.parts`)."""
    return {
        "sessions": person.sessions.count(),
        "diary_entries": person.pain_entries.count(),
        "plans": person.plans.count(),
        "safety_checks": person.screenings.count(),
    }


def delete_account(user: User) -> None:
    """Delete the account and everything that is only theirs, in one transaction."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).delete()


def add_user(email: str, role: str, display_name: str = "") -> User:
    """A new account made by the operator (no password yet): role client, therapist or
    admin (admins also reach Django's admin). The address counts as verified: the
    operator vouches for it, and the person proves it by using the set-password link."""
    from allauth.account.models import EmailAddress
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InputError("email", f"'{email[:80]}' is not an email address") from None
    if role not in User.Role.values:
        raise InputError("role", f"unknown role '{role}'", tuple(User.Role.values))
    if (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    ):
        raise InputError("email", f"{email} already has an account")
    with transaction.atomic():
        if role == User.Role.ADMIN:
            user = User.objects.create_superuser(email, None, display_name=display_name.strip()[:100])
        else:
            user = User.objects.create_user(email, None, role=role, display_name=display_name.strip()[:100])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def set_password_path(user: User) -> str:
    """The path of allauth's set-a-new-password page for `user` (a password-reset link):
    it works once, and only until the password changes or PASSWORD_RESET_TIMEOUT passes."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.urls import reverse

    key = default_token_generator.make_token(user)
    return reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})
