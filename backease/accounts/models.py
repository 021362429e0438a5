"""A user of server mode: signs in with an email address and a password (argon2), or
calls the API with a personal access token (`ApiToken`); and who read whose data
(`AccessLog`, written by `backease.accounts.access_log`).

Each user who does self-care has one `store.Person` (`user.person`), made on first use by
`backease.accounts.mode.person_for`; their screenings, plans, sessions and diary hang off it
exactly as the local owner's do in personal mode.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from backease.store.models import Person


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> User:
        if not email:
            raise ValueError("an email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True, role=User.Role.ADMIN)
        return self._create(email, password, **fields)


class User(AbstractUser):
    """Someone who signs in. `role` says what they may do; admins also reach Django's admin."""

    class Role(models.TextChoices):
        CLIENT = "client", "Client"
        THERAPIST = "therapist", "Therapist"
        ADMIN = "admin", "Admin"

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CLIENT)
    display_name = models.CharField(max_length=100, blank=True, default="")
    email_notices = models.BooleanField(
        default=True, help_text="send emails about new flags and programme changes"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects = UserManager()  # type: ignore[misc]

    @property
    def is_therapist(self) -> bool:
        return self.role == self.Role.THERAPIST

    @property
    def label(self) -> str:
        """How others see this user: the display name, else the email address."""
        return self.display_name or self.email

    def __str__(self) -> str:
        return self.label


class ApiToken(models.Model):
    """A personal access token for the API in server mode. Only its SHA-256 digest is kept;
    the token is shown once. `scopes`: "read" and/or "write" (`backease.accounts.tokens`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60)
    prefix = models.CharField(max_length=12, help_text="the first characters, to recognise it")
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class AccessLogQuerySet(models.QuerySet["AccessLog"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("the access log is append-only")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise PermissionError("the access log is append-only")


class AccessLog(models.Model):
    """Append-only: who viewed, exported or changed whose data. The subject reads their own
    (/me/access-log/). Rows go only when the subject's account (and all its data) is deleted.
    Written only by `backease.accounts.access_log.log_access`."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_label = models.CharField(max_length=254, help_text="kept when the actor's account is gone")
    subject = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="access_log"
    )
    subjects = models.TextField(
        blank=True,
        default="",
        help_text="a page that showed several people at once (empty subject): |id|id|... of each",
    )
    action = models.CharField(max_length=10, help_text="view, export or change")
    what = models.CharField(max_length=200)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject", "at"], name="accesslog_subject_at")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        raise PermissionError("the access log is append-only")
