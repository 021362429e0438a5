"""The clinic's tables in Django's admin (admins only). The access log is read-only
(append-only, even for admins); tokens show their prefix, never their digest."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from backease.clinic.models import AccessLog, ApiToken, CareLink, Flag, Invitation, Programme


@admin.register(CareLink)
class CareLinkAdmin(admin.ModelAdmin):
    list_display = ("therapist", "client", "share", "created_at", "ended_at", "ended_by")
    list_filter = ("share",)
    search_fields = ("therapist__email", "client__user__email")
    raw_id_fields = ("therapist", "client")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("code", "therapist", "email", "created_at", "expires_at", "accepted_at", "withdrawn_at")
    search_fields = ("code", "email", "therapist__email")
    raw_id_fields = ("therapist", "accepted_by")


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("title", "therapist", "client", "is_template", "revision", "updated_at", "archived_at")
    list_filter = ("is_template",)
    search_fields = ("title", "therapist__email")
    raw_id_fields = ("therapist", "client", "template")


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("client", "kind", "raised_at", "detail")
    list_filter = ("kind",)
    raw_id_fields = ("client",)


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: nobody changes or deletes the access log (admins may read it)."""

    list_display = ("at", "actor_label", "subject", "action", "what")
    list_filter = ("action",)
    search_fields = ("actor_label", "what")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in AccessLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens by name and prefix; an admin may revoke one (set revoked_at), never see its digest."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    search_fields = ("name", "prefix", "user__email")
    exclude = ("digest",)
    readonly_fields = ("user", "name", "prefix", "scopes", "created_at", "last_used_at", "expires_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
