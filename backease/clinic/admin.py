"""The clinic's tables in Django's admin (admins only). The access log and API tokens are
accounts' (`backease.accounts.admin`).

An admin reading or changing a client's flags, programmes or care links here is written to
that client's access log, as a therapist's reading is (`Logged`): one line per client shown
on a list page, one per record opened, changed or deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from backease.accounts.access_log import log_access, log_view
from backease.clinic.models import CareLink, Flag, Intake, Invitation, Programme, TreatmentNote


class Logged(admin.ModelAdmin):
    """Writes an admin's reading and changing of a client's records to the client's access
    log. `client_field` names the record's client (a Person)."""

    client_field = "client"
    what = "record"

    def _client(self, obj: Any) -> Any:
        return getattr(obj, self.client_field, None)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        listing = getattr(response, "context_data", None) or {}
        shown = listing.get("cl")
        if shown is not None and request.user.is_authenticated:
            clients = {c.pk: c for c in (self._client(row) for row in shown.result_list) if c is not None}
            log_view(request.user, list(clients.values()), f"admin: list of {self.what}s")  # type: ignore[arg-type]
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        response = super().change_view(request, object_id, form_url, extra_context)
        client = self._client(obj) if obj is not None else None
        if client is not None and request.user.is_authenticated:
            action = "view" if request.method == "GET" else "change"
            log_access(request.user, client, action, f"admin: {self.what} #{obj.pk}")  # type: ignore[arg-type,union-attr]
        return response

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        client = self._client(obj)
        if client is not None and request.user.is_authenticated:
            log_access(request.user, client, "change", f"admin: deleted {self.what} #{obj.pk}")  # type: ignore[arg-type]
        super().delete_model(request, obj)


@admin.register(CareLink)
class CareLinkAdmin(Logged):
    what = "care link"

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
class ProgrammeAdmin(Logged):
    what = "programme"

    list_display = ("title", "therapist", "client", "is_template", "revision", "updated_at", "archived_at")
    list_filter = ("is_template",)
    search_fields = ("title", "therapist__email")
    raw_id_fields = ("therapist", "client", "template")


@admin.register(Flag)
class FlagAdmin(Logged):
    what = "flag"

    list_display = ("client", "kind", "raised_at", "detail")
    list_filter = ("kind",)
    raw_id_fields = ("client",)


@admin.register(Intake)
class IntakeAdmin(Logged):
    what = "intake"

    list_display = ("therapist", "client", "created_at", "submitted_at")
    readonly_fields = ("therapist", "client", "created_at", "submitted_at", "consent_at", "screening")


@admin.register(TreatmentNote)
class TreatmentNoteAdmin(Logged):
    """Treatment notes, to find and read (docs/clinic.md, "Treatment notes"): the list shows
    no note's words; "Read" opens the note with its history. Nothing is changed or deleted
    here: a signed note changes only by its author's amendment."""

    what = "treatment note"

    list_display = ("visit_date", "client", "author_label", "signed_at", "read")
    list_filter = ("signed_at",)
    search_fields = ("author_label", "client__user__email")

    @admin.display(description="Note")
    def read(self, obj: TreatmentNote) -> str:
        return format_html('<a href="{}">Read</a>', reverse("clinic_note", args=[obj.pk]))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
