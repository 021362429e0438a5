"""Clinic pages (server mode): /clinic/ for therapists, /me/ for clients, /invite/<code>/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from backease.clinic import (
    views_dashboard,
    views_intake,
    views_links,
    views_notes,
    views_notices,
    views_outcomes,
    views_programmes,
)

urlpatterns: list[URLPattern | URLResolver] = [
    # Invitations and consent (views_links)
    path("clinic/invitations/", views_links.invitations, name="clinic_invitations"),
    path(
        "clinic/invitations/<int:invitation_id>/withdraw/",
        views_links.withdraw_invitation,
        name="clinic_withdraw_invitation",
    ),
    path("clinic/clients/<int:client_id>/end/", views_links.end_link, name="clinic_end_link"),
    path("invite/<str:code>/", views_links.invite, name="invite"),
    path("me/sharing/", views_links.my_sharing, name="my_sharing"),
    path("me/sharing/<int:link_id>/share/", views_links.change_share, name="my_sharing_share"),
    path("me/sharing/<int:link_id>/end/", views_links.stop_sharing, name="my_sharing_end"),
    # Follow-up: the therapist's dashboard, a client's page, flags (docs/clinic.md).
    path("clinic/", views_dashboard.dashboard, name="clinic_dashboard"),
    path("clinic/clients/<int:client_id>/", views_dashboard.client_page, name="clinic_client"),
    path(
        "clinic/clients/<int:client_id>/report/", views_dashboard.client_report, name="clinic_client_report"
    ),
    path("clinic/flags/<int:flag_id>/acknowledge/", views_dashboard.acknowledge, name="clinic_flag_ack"),
    # A client's own outcome measures, and anyone's notices.
    path("me/outcomes/", views_outcomes.my_outcomes, name="my_outcomes"),
    path("me/notices/", views_notices.my_notices, name="my_notices"),
    path("me/notices/read/", views_notices.mark_read, name="my_notices_read"),
    # Programmes, templates and handouts (views_programmes)
    path(
        "clinic/clients/<int:client_id>/programme/",
        views_programmes.client_programme,
        name="clinic_programme",
    ),
    path(
        "clinic/clients/<int:client_id>/programme/stop/",
        views_programmes.stop_programme,
        name="clinic_stop_programme",
    ),
    path("clinic/templates/", views_programmes.templates, name="clinic_templates"),
    path("clinic/templates/new/", views_programmes.template_edit, name="clinic_template_new"),
    path("clinic/templates/<int:template_id>/", views_programmes.template_edit, name="clinic_template"),
    path(
        "clinic/templates/<int:template_id>/assign/",
        views_programmes.assign_template,
        name="clinic_assign_template",
    ),
    path("clinic/programmes/<int:programme_id>/handout/", views_programmes.handout, name="clinic_handout"),
    path("me/programmes/<int:programme_id>/handout/", views_programmes.my_handout, name="my_handout"),
    path("me/programmes/<int:programme_id>/start/", views_programmes.start_programme, name="start_programme"),
    # The pre-visit intake and the visit page (views_intake)
    path("clinic/clients/<int:client_id>/visit/", views_intake.visit, name="clinic_visit"),
    path("clinic/clients/<int:client_id>/intake/", views_intake.send_intake, name="clinic_send_intake"),
    path("me/intakes/<int:intake_id>/", views_intake.my_intake, name="my_intake"),
    # Treatment notes (views_notes)
    path("clinic/clients/<int:client_id>/notes/", views_notes.client_notes, name="clinic_notes"),
    path("clinic/clients/<int:client_id>/notes/new/", views_notes.new_note, name="clinic_note_new"),
    path("clinic/notes/<int:note_id>/", views_notes.note_page, name="clinic_note"),
    path("clinic/notes/<int:note_id>/edit/", views_notes.edit_note, name="clinic_note_edit"),
    path("clinic/notes/<int:note_id>/sign/", views_notes.sign_note, name="clinic_note_sign"),
    path("clinic/notes/<int:note_id>/amend/", views_notes.amend_note, name="clinic_note_amend"),
]
